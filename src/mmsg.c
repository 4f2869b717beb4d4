/* Filling struct mmsghdr arrays: one buffer a message, no names, no control. */
#include <sys/socket.h>
#include <sys/uio.h>

#include <string.h>

#include "mmsg.h"

/* Point one message header at len bytes at base, through iov. */
void
mmsg_set(struct mmsghdr *mm, struct iovec *iov, void *base, size_t len)
{
	memset(mm, 0, sizeof(*mm));
	iov->iov_base = base;
	iov->iov_len = len;
	mm->msg_hdr.msg_iov = iov;
	mm->msg_hdr.msg_iovlen = 1;
}

/* n headers for slots of size bytes, one after another in buf. */
void
mmsg_slots(struct mmsghdr *mm, struct iovec *iov, unsigned int n, char *buf,
    size_t size)
{
	unsigned int	 i;

	for (i = 0; i < n; i++)
		mmsg_set(&mm[i], &iov[i], buf + (size_t)i * size, size);
}
