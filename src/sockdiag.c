/*
 * Who listens on an address, asked of the kernel (NETLINK_SOCK_DIAG, as
 * ss(8) asks) rather than by connecting: a connection to a live listener
 * is accepted, judged and logged by it, so --check's probe would leave a
 * denial in its log at every start of a unit that checks first.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "sockdiag.h"

/* TCP_LISTEN, the state sock_diag gives a listening AF_UNIX socket. */
#define DIAG_LISTEN	10

/* Does message m (a listening socket) have name, or the file dev:ino? */
static int
matches(const struct nlmsghdr *m, const char *name, size_t namelen,
    dev_t dev, ino_t ino)
{
	const struct unix_diag_msg	*u = NLMSG_DATA(m);
	const struct rtattr		*a;
	const struct unix_diag_vfs	*vfs;
	size_t				 left;

	if (m->nlmsg_len < NLMSG_LENGTH(sizeof(*u)))
		return 0;
	left = m->nlmsg_len - NLMSG_LENGTH(sizeof(*u));
	for (a = (const struct rtattr *)(u + 1); RTA_OK(a, left);
	    a = RTA_NEXT(a, left)) {
		if (name != NULL && a->rta_type == UNIX_DIAG_NAME &&
		    RTA_PAYLOAD(a) == namelen &&
		    memcmp(RTA_DATA(a), name, namelen) == 0)
			return 1;
		if (name == NULL && a->rta_type == UNIX_DIAG_VFS &&
		    RTA_PAYLOAD(a) >= sizeof(*vfs)) {
			vfs = RTA_DATA(a);
			/* The kernel's dev_t: major above 20 bits of minor. */
			if (vfs->udiag_vfs_ino == ino && makedev(
			    vfs->udiag_vfs_dev >> 20,
			    vfs->udiag_vfs_dev & 0xfffff) == dev)
				return 1;
		}
	}
	return 0;
}

/*
 * Is a socket of this network namespace listening on the abstract name
 * (namelen bytes, its leading NUL included), or with name NULL on the
 * socket file dev:ino? 1 or 0; -1 with errno when the kernel cannot say.
 */
int
sockdiag_listening(const char *name, size_t namelen, dev_t dev, ino_t ino)
{
	struct {
		struct nlmsghdr		nh;
		struct unix_diag_req	req;
	}			 q;
	struct sockaddr_nl	 nl = { .nl_family = AF_NETLINK };
	const struct nlmsghdr	*m;
	uint32_t		 buf[8192];	/* aligned as nlmsghdr */
	ssize_t			 n;
	size_t			 left;
	int			 fd, found = 0, saved;

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd == -1)
		return -1;
	memset(&q, 0, sizeof(q));
	q.nh.nlmsg_len = sizeof(q);
	q.nh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	q.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	q.req.sdiag_family = AF_UNIX;
	q.req.udiag_states = 1U << DIAG_LISTEN;
	q.req.udiag_show = name != NULL ? UDIAG_SHOW_NAME : UDIAG_SHOW_VFS;
	if (sendto(fd, &q, sizeof(q), 0, (struct sockaddr *)&nl,
	    sizeof(nl)) == -1)
		goto fail;
	for (;;) {
		if ((n = recv(fd, buf, sizeof(buf), 0)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		left = (size_t)n;
		for (m = (const struct nlmsghdr *)(void *)buf;
		    NLMSG_OK(m, left); m = NLMSG_NEXT(m, left)) {
			if (m->nlmsg_type == NLMSG_DONE) {
				close(fd);
				return found;
			}
			if (m->nlmsg_type == NLMSG_ERROR) {
				errno = EPROTO;
				goto fail;
			}
			if (!found && m->nlmsg_type == SOCK_DIAG_BY_FAMILY)
				found = matches(m, name, namelen, dev, ino);
		}
		if (n == 0) {
			errno = EPROTO;
			goto fail;
		}
	}
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}
