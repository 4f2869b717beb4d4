/* Fuzz the reply decoder `send` runs on whatever the listener sends. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/proto.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reply	 r;
	const char	*buf = (const char *)data;
	char		 reason[PROTO_REASON_SIZE];
	size_t		 i;

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
	if (r.type == PROTO_SIGNAL && (r.status < 129 ||
	    r.status > 128 + PROTO_MAX_SIGNAL))
		abort();
	/*
	 * A connection id reaches a terminal and a user's report: 1 to
	 * PROTO_MAX_CONN_ID letters, digits, '-' and '_', and it answers
	 * nothing.
	 */
	if (r.type == PROTO_CONN_ID) {
		if (r.len == 0 || r.len > PROTO_MAX_CONN_ID || r.terminal ||
		    r.data != buf + 1 || r.len != size - 1)
			abort();
		for (i = 0; i < r.len; i++)
			if (strchr("abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_",
			    r.data[i]) == NULL || r.data[i] == '\0')
				abort();
	}
	/* A reason reaches a terminal: printable ASCII only, and bounded. */
	if (r.type == PROTO_REFUSED) {
		proto_reason(&r, reason, sizeof(reason));
		for (i = 0; reason[i] != '\0'; i++)
			if (reason[i] < 0x20 || reason[i] > 0x7e)
				abort();
	}
	return 0;
}
