/*
 * Reply datagrams are framed in one reusable buffer as [length][type][bytes],
 * so that a busy connection allocates nothing per reply once warmed up.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mmsg.h"
#include "outq.h"
#include "proto.h"

#define FRAME_HDR	sizeof(uint32_t)
#define OUTQ_BATCH	64

int
outq_put(struct outq *q, int type, const void *data, size_t len)
{
	uint32_t	 n;
	size_t		 need, cap;
	char		*p;

	if (len > PROTO_MAX_REPLY - 1) {
		errno = EMSGSIZE;
		return -1;
	}
	need = FRAME_HDR + 1 + len;
	if (q->head == q->tail)
		q->head = q->tail = 0;
	if (q->cap - q->tail < need) {
		/* Slide what is left to the front before growing. */
		if (q->head > 0) {
			memmove(q->buf, q->buf + q->head, q->tail - q->head);
			q->tail -= q->head;
			q->head = 0;
		}
		if (q->cap - q->tail < need) {
			cap = q->cap == 0 ? 4096 : q->cap;
			while (cap - q->tail < need)
				cap *= 2;
			if ((p = realloc(q->buf, cap)) == NULL)
				return -1;
			q->buf = p;
			q->cap = cap;
		}
	}
	n = (uint32_t)(1 + len);
	memcpy(q->buf + q->tail, &n, FRAME_HDR);
	q->buf[q->tail + FRAME_HDR] = (char)type;
	if (len > 0)
		memcpy(q->buf + q->tail + FRAME_HDR + 1, data, len);
	q->tail += need;
	return 0;
}

/*
 * Send queued datagrams until the queue is empty (0) or the socket is full
 * (1); -1 with errno when the peer is gone. Up to OUTQ_BATCH go per
 * sendmmsg(2): a stream of acknowledgements costs few system calls.
 */
int
outq_send(struct outq *q, int fd)
{
	struct mmsghdr	 mm[OUTQ_BATCH];
	struct iovec	 iov[OUTQ_BATCH];
	uint32_t	 n;
	size_t		 at;
	int		 i, k;

	while (q->head < q->tail) {
		for (k = 0, at = q->head; k < OUTQ_BATCH && at < q->tail; k++) {
			memcpy(&n, q->buf + at, FRAME_HDR);
			mmsg_set(&mm[k], &iov[k], q->buf + at + FRAME_HDR, n);
			at += FRAME_HDR + n;
		}
		k = sendmmsg(fd, mm, (unsigned int)k,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
		if (k == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 1;
			return -1;
		}
		for (i = 0; i < k; i++)
			q->head += FRAME_HDR + iov[i].iov_len;
	}
	q->head = q->tail = 0;
	return 0;
}

size_t
outq_bytes(const struct outq *q)
{
	return q->tail - q->head;
}

void
outq_clear(struct outq *q)
{
	q->head = q->tail = 0;
}

void
outq_free(struct outq *q)
{
	free(q->buf);
	memset(q, 0, sizeof(*q));
}
