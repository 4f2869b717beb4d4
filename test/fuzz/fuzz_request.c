/*
 * Fuzz the action request header parser: any datagram is refused with a
 * reason or read within its bounds, and a header read is exactly what
 * send would build of its fields, the payload after it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/request.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct request	 rq;
	const char	*why = NULL, *d = (const char *)data;
	char		*buf;
	size_t		 n, i;

	if (request_parse(d, size, &rq, &why) == -1) {
		if (why == NULL || *why == '\0')
			abort();
		return 0;
	}
	if (rq.action[0] == '\0' || strlen(rq.action) > REQUEST_MAX_ACTION ||
	    rq.nargs > REQUEST_MAX_ARGS || rq.payload < d ||
	    rq.payload + rq.len != d + size)
		abort();
	for (i = 0; i < rq.nargs; i++)
		if (rq.args[i][0] == '\0' ||
		    strlen(rq.args[i]) > REQUEST_MAX_ARG)
			abort();
	n = request_header_size(rq.action, (char *const *)rq.args, rq.nargs);
	if (n + rq.len != size || (buf = malloc(n)) == NULL)
		abort();
	if (request_header_put(buf, n, rq.action, (char *const *)rq.args,
	    rq.nargs) != n || memcmp(buf, d, n) != 0)
		abort();
	free(buf);
	return 0;
}
