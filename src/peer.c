/*
 * Peer credentials: SO_PEERCRED and SO_PEERGROUPS, whether a datagram's
 * SCM_CREDENTIALS are the connector's (whose ids peer_examine.c read at
 * accept), and their names.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
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

/* Is id one of the three? */
int
peer_among(const unsigned int ids[3], unsigned int id)
{
	return ids[0] == id || ids[1] == id || ids[2] == id;
}

/* Where peer_examine found the ids, for the log. */
const char *
peer_ids_source(const struct peer *p)
{
	switch (p->ids_from) {
	case PEER_IDS_PIDFD:
		return "pidfd";
	case PEER_IDS_PROC:
		return "proc";
	default:
		return "peercred";
	}
}

/*
 * Did the kernel record a datagram's sender? uc is its SCM_CREDENTIALS
 * (NULL: it had none); a pid of 0 where the connector's is known means
 * the kernel never recorded the sender.
 */
int
peer_cred_known(const struct peer *p, const struct ucred *uc)
{
	return uc != NULL && (uc->pid != 0 || p->pid == 0);
}

/*
 * Are uc (as for peer_cred_known) the connector's: recorded, uid among
 * its real, effective and saved uids, gid among its gids?
 */
int
peer_sent(const struct peer *p, const struct ucred *uc)
{
	return peer_cred_known(p, uc) && peer_among(p->uids, uc->uid) &&
	    peer_among(p->gids, uc->gid);
}

/* Resolve the names, for logs, records and the command's environment. */
void
peer_names(struct peer *p)
{
	ids_name_cached(IDS_USER, p->uid, p->user, sizeof(p->user));
	ids_name_cached(IDS_GROUP, p->gid, p->group, sizeof(p->group));
}

void
peer_free(struct peer *p)
{
	free(p->cgroup);
	p->cgroup = p->unit = NULL;
	p->cg = PEER_CG_NONE;
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
