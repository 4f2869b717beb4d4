/* Peer credentials: SO_PEERCRED and SO_PEERGROUPS, and their names. */
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "ids.h"
#include "peer.h"

/* The kernel never reports more supplementary groups than this. */
#define PEER_MAX_GROUPS	65536

static int
read_groups(int fd, struct peer *p)
{
	socklen_t	 len;
	gid_t		*g;

	p->groups = p->inline_groups;
	len = sizeof(p->inline_groups);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, p->groups, &len) == 0) {
		p->ngroups = (int)(len / sizeof(gid_t));
		return 0;
	}
	if (errno != ERANGE)
		return -1;
	/* The kernel told us the size it needs; cap it before allocating. */
	if (len / sizeof(gid_t) > PEER_MAX_GROUPS) {
		errno = E2BIG;
		return -1;
	}
	if ((g = malloc(len)) == NULL)
		return -1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len) == -1) {
		free(g);
		return -1;
	}
	p->groups = g;
	p->ngroups = (int)(len / sizeof(gid_t));
	return 0;
}

/* Read pid, uid, gid and supplementary groups of the peer on fd. */
int
peer_read(int fd, struct peer *p)
{
	struct ucred	 uc;
	socklen_t	 len = sizeof(uc);

	memset(p, 0, sizeof(*p));
	p->groups = p->inline_groups;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == -1)
		return -1;
	if (len != sizeof(uc)) {
		errno = EPROTO;
		return -1;
	}
	p->pid = uc.pid;
	p->uid = uc.uid;
	p->gid = uc.gid;
	return read_groups(fd, p);
}

/* Resolve the names, for logs, records and the command's environment. */
void
peer_names(struct peer *p)
{
	ids_user_name(p->uid, p->user, sizeof(p->user));
	ids_group_name(p->gid, p->group, sizeof(p->group));
}

void
peer_free(struct peer *p)
{
	if (p->groups != p->inline_groups)
		free(p->groups);
	p->groups = p->inline_groups;
	p->ngroups = 0;
}

/* Is gid the peer's primary group or one of its supplementary groups? */
int
peer_in_group(const struct peer *p, gid_t gid)
{
	int	 i;

	if (p->gid == gid)
		return 1;
	for (i = 0; i < p->ngroups; i++)
		if (p->groups[i] == gid)
			return 1;
	return 0;
}
