/* A connection's queue of reply datagrams waiting for room in the socket. */
#ifndef PEERRELAY_OUTQ_H
#define PEERRELAY_OUTQ_H

#include <stddef.h>

/* Stop reading a connection while this much is waiting to go back to it. */
#define OUTQ_HIGH	(256 * 1024)

struct outq {
	char	*buf;
	size_t	 head, tail, cap;
};

int	outq_put(struct outq *, int, const void *, size_t);
int	outq_send(struct outq *, int);
size_t	outq_bytes(const struct outq *);
void	outq_clear(struct outq *);
void	outq_free(struct outq *);

#endif
