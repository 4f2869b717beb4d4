/*
 * An action request on the wire (protocol v1, once the hello granted R):
 * ACTION NUL ARG NUL ... NUL NUL PAYLOAD. Header fields end with a NUL, an
 * empty field ends the header, the payload (possibly empty) follows; so no
 * argument is empty.
 */
#ifndef PEERRELAY_REQUEST_H
#define PEERRELAY_REQUEST_H

#include <stddef.h>

/* Bounds of a header, checked as it is read. */
#define REQUEST_MAX_ACTION	64	/* bytes of the action's name */
#define REQUEST_MAX_ARGS	64	/* arguments */
#define REQUEST_MAX_ARG		4096	/* bytes of one argument */

struct request {
	const char	*action;	/* NUL-terminated, in the datagram */
	const char	*args[REQUEST_MAX_ARGS];
	size_t		 nargs;
	const char	*payload;
	size_t		 len;
};

int	request_parse(const char *, size_t, struct request *, const char **);
size_t	request_header_size(const char *, char *const *, size_t);
size_t	request_header_put(char *, size_t, const char *, char *const *,
	    size_t);

#endif
