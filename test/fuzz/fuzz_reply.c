/* Fuzz the reply decoder `send` runs on whatever the listener sends. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "../../src/proto.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reply	 r;
	const char	*buf = (const char *)data;

	if (proto_decode(buf, size, &r) == -1)
		return 0;
	if (r.data < buf || r.data + r.len > buf + size)
		abort();
	if (r.terminal && (r.status < 0 || r.status > 255))
		abort();
	if (r.type == PROTO_ACK && r.status != 0)
		abort();
	/* A terminal reply answers at least one request; nothing else does. */
	if (r.terminal != (r.count > 0) || r.count > PROTO_MAX_ACKS)
		abort();
	return 0;
}
