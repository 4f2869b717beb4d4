/* Taking a connection's datagrams, several per recvmmsg(2), each classified. */
#ifndef PEERRELAY_DGRAM_H
#define PEERRELAY_DGRAM_H

#include <sys/socket.h>
#include <sys/uio.h>

#include <stddef.h>

/* At most this many datagrams are taken per call... */
#define DGRAM_SLOTS		16
/* ...with at most this much buffer for them all. */
#define DGRAM_SLOTS_BYTES	(1024 * 1024)

enum dgram_kind {
	DGRAM_REQUEST,		/* a request of len bytes (len may be > size) */
	DGRAM_EMPTY,		/* an empty datagram: a hello, or refused */
	DGRAM_RIGHTS,		/* carried descriptors: closed, refused */
	DGRAM_END		/* end of stream: always the last taken */
};

struct dgram {
	enum dgram_kind	 kind;
	size_t		 len;		/* the datagram's whole length */
	const char	*data;		/* its first min(len, size) bytes */
	int		 has_cred;	/* it came with SCM_CREDENTIALS: */
	struct ucred	 cred;		/* the sender's pid, uid, gid */
};

/* Slots of size bytes, their headers, room for credentials and descriptors. */
struct intake {
	size_t		 size;
	unsigned int	 slots;
	char		*buf;
	char		*cmsg;
	struct mmsghdr	 mm[DGRAM_SLOTS];
	struct iovec	 iov[DGRAM_SLOTS];
};

int	intake_init(struct intake *, size_t, int, size_t);
void	intake_free(struct intake *);
int	dgram_take(struct intake *, int, unsigned int, struct dgram *, int *);

#endif
