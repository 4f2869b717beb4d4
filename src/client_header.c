/*
 * send's request header: what every request carries once the hello's answer
 * granted R (ACTION NUL ARG NUL ... NUL NUL, built by request.c), the room
 * it leaves a record on the socket, and each record sent behind it as the
 * request's payload.
 */
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "log.h"
#include "mmsg.h"
#include "request.h"

/* A plain record's header on a listener that takes actions. */
static char	default_hdr[] = "default\0";

/*
 * The header of action and its n arguments (checked by the caller: none
 * empty, none over its bound), for every request; action NULL: the
 * header of the action "default", for plain records. -1 with errno.
 */
int
header_set(struct client *c, const char *action, char *const *args,
    size_t n)
{
	size_t	 size;
	char	*p;

	header_free(c);
	if (action == NULL) {
		c->hdr = default_hdr;
		c->hdrlen = sizeof(default_hdr);
		return 0;
	}
	size = request_header_size(action, args, n);
	if ((p = malloc(size)) == NULL)
		return -1;
	if (request_header_put(p, size, action, args, n) != size) {
		free(p);
		errno = EINVAL;
		return -1;
	}
	c->action = action;
	c->hdr = p;
	c->hdrlen = size;
	return 0;
}

/* The largest record the socket takes behind the header. */
void
header_limit(struct client *c)
{
	c->in->limit = c->limit > c->hdrlen ? c->limit - c->hdrlen : 0;
}

/* One request's datagram: the header (if any), then the record. */
void
header_frame(const struct client *c, struct mmsghdr *mm, struct iovec *iov,
    const struct record *r)
{
	if (c->hdrlen == 0) {
		mmsg_set(mm, iov, (void *)r->p, r->len);
		return;
	}
	mmsg_set(mm, iov, c->hdr, c->hdrlen);
	if (r->len > 0) {
		iov[1].iov_base = (void *)r->p;
		iov[1].iov_len = r->len;
		mm->msg_hdr.msg_iovlen = 2;
	}
}

/* Record recno is larger than the socket carries behind the header. */
void
header_oversized(const struct client *c, unsigned long recno)
{
	char	 less[64] = "";

	if (c->hdrlen > 0)
		snprintf(less, sizeof(less), ", less %zu for the request's "
		    "header", c->hdrlen);
	log_line(LOG_ALWAYS, "record %lu: larger than the socket can carry "
	    "(%zu bytes%s%s), not sent", recno, c->limit, less,
	    c->wmem_capped ? ", limited by net.core.wmem_max" : "");
}

/* No header: requests go plain (the ACTION, if any, is kept). */
void
header_free(struct client *c)
{
	if (c->hdr != default_hdr)
		free(c->hdr);
	c->hdr = NULL;
	c->hdrlen = 0;
}
