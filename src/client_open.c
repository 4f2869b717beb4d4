/*
 * The client's connection opened: connect within --timeout, and the send
 * buffer sized for the input, which gives the largest datagram it takes.
 */
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>

#include <errno.h>
#include <unistd.h>

#include "client.h"

/* Unix datagram sockets refuse a datagram within this of SO_SNDBUF. */
#define SNDBUF_SLACK		32

/*
 * Connect to the listener; -1 with errno (EAGAIN: the backlog stayed full
 * for --timeout, as SO_SNDTIMEO bounds a Unix connect(2)).
 */
int
client_connect(struct client *c)
{
	struct timeval	 tv;
	int		 saved;

	if ((c->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (c->timeout > 0) {
		tv.tv_sec = c->timeout;
		tv.tv_usec = 0;
		(void)setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv,
		    sizeof(tv));
	}
	while (addr_connect(c->addr, c->fd) == -1) {
		if (errno == EINTR)
			continue;
		if (errno == EINPROGRESS)
			errno = EAGAIN;
		saved = errno;
		close(c->fd);
		c->fd = -1;
		errno = saved;
		return -1;
	}
	return 0;
}

/*
 * Ask for a send buffer that holds want bytes in one datagram (root may
 * exceed net.core.wmem_max); set c->limit to the largest datagram the
 * socket takes, the input's limit to the largest record behind the
 * request's header, and note when the kernel gave less than asked
 * (wmem_capped). -1 with errno when the buffer's size cannot be read.
 */
int
client_size(struct client *c, size_t want)
{
	socklen_t	 len;
	int		 v, cur;

	c->wmem_capped = 0;
	c->limit = 0;
	header_limit(c);
	len = sizeof(cur);
	if (getsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &cur, &len) == -1)
		return -1;
	if ((size_t)cur < want + SNDBUF_SLACK) {
		/* The kernel doubles what it is given. */
		v = (int)((want + SNDBUF_SLACK) / 2 + 1);
		if (setsockopt(c->fd, SOL_SOCKET, SO_SNDBUFFORCE, &v,
		    sizeof(v)) == -1)
			(void)setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &v,
			    sizeof(v));
		len = sizeof(cur);
		if (getsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &cur, &len) == -1)
			return -1;
		c->wmem_capped = (size_t)cur < want + SNDBUF_SLACK;
	}
	if (cur > SNDBUF_SLACK)
		c->limit = (size_t)cur - SNDBUF_SLACK < PROTO_MAX_REQUEST ?
		    (size_t)cur - SNDBUF_SLACK : PROTO_MAX_REQUEST;
	header_limit(c);
	return 0;
}
