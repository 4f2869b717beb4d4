/*
 * Datagram intake: up to DGRAM_SLOTS datagrams of a connection in one
 * recvmmsg(2), each told apart as a request, an empty datagram, one that
 * carried descriptors, or the end of the stream, each with its sender's
 * credentials (SCM_CREDENTIALS) when it came with them.
 */
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dgram.h"
#include "mmsg.h"

/*
 * Room for one datagram's credentials and the descriptors it might carry
 * (all are closed; more than 64 truncate, which is refused too).
 */
#define CMSG_ROOM	(CMSG_SPACE(sizeof(struct ucred)) + \
			    CMSG_SPACE(sizeof(int) * 64))

/*
 * Slots of size bytes: one, or with batch as many as DGRAM_SLOTS_BYTES
 * holds (up to DGRAM_SLOTS). The buffer is at least scratch bytes, so it
 * may serve as scratch between takes. -1 with errno.
 */
int
intake_init(struct intake *in, size_t size, int batch, size_t scratch)
{
	size_t	 bytes;

	memset(in, 0, sizeof(*in));
	in->size = size;
	/* Pages are only touched as requests fill them. */
	in->slots = 1;
	if (batch && DGRAM_SLOTS_BYTES / size > 1)
		in->slots = DGRAM_SLOTS_BYTES / size > DGRAM_SLOTS ?
		    DGRAM_SLOTS : (unsigned int)(DGRAM_SLOTS_BYTES / size);
	bytes = (size_t)in->slots * size;
	in->buf = malloc(bytes > scratch ? bytes : scratch);
	in->cmsg = malloc((size_t)in->slots * CMSG_ROOM);
	if (in->buf == NULL || in->cmsg == NULL) {
		intake_free(in);
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void
intake_free(struct intake *in)
{
	free(in->buf);
	free(in->cmsg);
	in->buf = in->cmsg = NULL;
}

/*
 * recv() gave 0: an empty datagram, or the end of the stream? Before the
 * client shuts down it can only be the former; after, it was one if data
 * still follows, since nothing follows the end.
 */
static int
empty_datagram(int fd)
{
	struct pollfd	 p = { fd, POLLRDHUP, 0 };
	char		 b;

	if (poll(&p, 1, 0) == 0 || (p.revents & (POLLRDHUP | POLLHUP)) == 0)
		return 1;
	return recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT | MSG_TRUNC) > 0;
}

/*
 * Take d's credentials, and close descriptors passed along with it; 1
 * when there were any, or the control data was cut short.
 */
static int
take_control(struct msghdr *m, struct dgram *d)
{
	struct cmsghdr	*h;
	size_t		 i, nfd;
	int		 fd, passed = 0;

	d->has_cred = 0;
	for (h = CMSG_FIRSTHDR(m); h != NULL; h = CMSG_NXTHDR(m, h)) {
		if (h->cmsg_level != SOL_SOCKET)
			continue;
		if (h->cmsg_type == SCM_CREDENTIALS &&
		    h->cmsg_len == CMSG_LEN(sizeof(struct ucred))) {
			memcpy(&d->cred, CMSG_DATA(h), sizeof(d->cred));
			d->has_cred = 1;
			continue;
		}
		if (h->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < nfd; i++) {
			memcpy(&fd, CMSG_DATA(h) + i * sizeof(int), sizeof(fd));
			close(fd);
		}
		passed = 1;
	}
	return passed || (m->msg_flags & MSG_CTRUNC);
}

/*
 * Take up to max datagrams waiting on fd into d[], the i-th in slot i.
 * Returns how many were taken, 0 when nothing is waiting. *gone is set
 * when the client can take no replies (it reset or broke the connection).
 */
int
dgram_take(struct intake *in, int fd, unsigned int max, struct dgram *d,
    int *gone)
{
	unsigned int	 i, j;
	int		 n;

	if (max > in->slots)
		max = in->slots;
	mmsg_slots(in->mm, in->iov, max, in->buf, in->size);
	for (i = 0; i < max; i++) {
		in->mm[i].msg_hdr.msg_control = in->cmsg + (size_t)i * CMSG_ROOM;
		in->mm[i].msg_hdr.msg_controllen = CMSG_ROOM;
	}
	for (;;) {
		n = recvmmsg(fd, in->mm, max, MSG_DONTWAIT | MSG_TRUNC |
		    MSG_CMSG_CLOEXEC, NULL);
		if (n >= 0)
			break;
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		*gone = 1;
		/*
		 * A client that closed without reading its replies makes one
		 * read fail with ECONNRESET; what it sent is still queued.
		 */
		if (errno != ECONNRESET) {
			d[0].kind = DGRAM_END;
			d[0].len = 0;
			d[0].data = in->buf;
			d[0].has_cred = 0;
			return 1;
		}
	}
	for (i = 0; i < (unsigned int)n; i++) {
		d[i].len = in->mm[i].msg_len;
		d[i].data = in->buf + (size_t)i * in->size;
		d[i].kind = DGRAM_REQUEST;
		if (take_control(&in->mm[i].msg_hdr, &d[i]))
			d[i].kind = DGRAM_RIGHTS;
		else if (d[i].len == 0) {
			/*
			 * 0 is end of stream, or an empty datagram: only the
			 * end of stream is never followed by data, and leaves
			 * the socket hung up for reading.
			 */
			for (j = i + 1; j < (unsigned int)n &&
			    in->mm[j].msg_len == 0; j++)
				;
			if (j < (unsigned int)n || (!*gone && empty_datagram(fd)))
				d[i].kind = DGRAM_EMPTY;
			else {
				d[i].kind = DGRAM_END;
				return (int)i + 1;
			}
		}
	}
	return n;
}
