/* Peer credentials: SO_PEERCRED and SO_PEERGROUPS, and their names. */
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
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

/*
 * Names seen lately, by id: a busy listener reads the user and group
 * databases once per id every NAME_TTL_MS, not on every connection. The
 * policy never uses them (it holds numbers); a renamed user shows under
 * the old name for at most that long.
 */
#define NAME_SLOTS	8
#define NAME_TTL_MS	5000

struct name_cache {
	struct {
		unsigned long	 id;
		long long	 expires;	/* 0: empty slot */
		char		 name[sizeof(((struct peer *)0)->user)];
	}		 slot[NAME_SLOTS];
	unsigned int	 next;		/* the slot to reuse */
};

static struct name_cache	 users, groups;

static void
cached_name(struct name_cache *nc, enum ids_kind kind, unsigned long id,
    char *buf, size_t size)
{
	long long	 now = now_ms();
	unsigned int	 i;

	for (i = 0; i < NAME_SLOTS; i++) {
		if (nc->slot[i].expires > now && nc->slot[i].id == id) {
			strlcpy(buf, nc->slot[i].name, size);
			return;
		}
	}
	(void)ids_name(kind, (id_t)id, buf, size, NULL);
	i = nc->next++ % NAME_SLOTS;
	nc->slot[i].id = id;
	nc->slot[i].expires = now + NAME_TTL_MS;
	strlcpy(nc->slot[i].name, buf, sizeof(nc->slot[i].name));
}

/* Resolve the names, for logs, records and the command's environment. */
void
peer_names(struct peer *p)
{
	cached_name(&users, IDS_USER, p->uid, p->user, sizeof(p->user));
	cached_name(&groups, IDS_GROUP, p->gid, p->group, sizeof(p->group));
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
