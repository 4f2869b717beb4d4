/* Filling struct mmsghdr arrays for sendmmsg(2) and recvmmsg(2). */
#ifndef PEERRELAY_MMSG_H
#define PEERRELAY_MMSG_H

#include <sys/socket.h>
#include <sys/uio.h>

#include <stddef.h>

void	mmsg_set(struct mmsghdr *, struct iovec *, void *, size_t);
void	mmsg_slots(struct mmsghdr *, struct iovec *, unsigned int, char *,
	    size_t);

#endif
