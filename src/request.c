/*
 * An action request's header: parsed by the listener from a datagram
 * (bounded field by field, nothing allocated), built by send.
 */
#include <string.h>

#include "request.h"

/*
 * The header of datagram data (len bytes) into rq, its fields pointing
 * into data. 0; or -1 and *why: no action, a field over its bound, too
 * many arguments, or no empty field ending the header.
 */
int
request_parse(const char *data, size_t len, struct request *rq,
    const char **why)
{
	const char	*p = data, *end = data + len, *nul;
	size_t		 n;

	memset(rq, 0, sizeof(*rq));
	for (;;) {
		if ((nul = memchr(p, '\0', (size_t)(end - p))) == NULL) {
			*why = "the header does not end (an empty field)";
			return -1;
		}
		n = (size_t)(nul - p);
		if (rq->action == NULL) {
			if (n == 0) {
				*why = "no action";
				return -1;
			}
			if (n > REQUEST_MAX_ACTION) {
				*why = "an action name longer than 64 bytes";
				return -1;
			}
			rq->action = p;
		} else if (n == 0)
			break;
		else if (rq->nargs == REQUEST_MAX_ARGS) {
			*why = "more than 64 arguments";
			return -1;
		} else if (n > REQUEST_MAX_ARG) {
			*why = "an argument longer than 4096 bytes";
			return -1;
		} else
			rq->args[rq->nargs++] = p;
		p = nul + 1;
	}
	rq->payload = nul + 1;
	rq->len = (size_t)(end - rq->payload);
	return 0;
}

/* The bytes the header of action and its n arguments takes. */
size_t
request_header_size(const char *action, char *const *args, size_t n)
{
	size_t	 size = strlen(action) + 2, i;

	for (i = 0; i < n; i++)
		size += strlen(args[i]) + 1;
	return size;
}

/*
 * The header of action and its n arguments written at buf (size bytes,
 * at least request_header_size's): its length. The caller has checked
 * the fields (none empty, none over its bound).
 */
size_t
request_header_put(char *buf, size_t size, const char *action,
    char *const *args, size_t n)
{
	size_t	 at = 0, k, i;

	if (size < request_header_size(action, args, n))
		return 0;
	k = strlen(action) + 1;
	memcpy(buf, action, k);
	at = k;
	for (i = 0; i < n; i++) {
		k = strlen(args[i]) + 1;
		memcpy(buf + at, args[i], k);
		at += k;
	}
	buf[at++] = '\0';
	return at;
}
