/*
 * Peer credentials: SO_PEERCRED and SO_PEERGROUPS, the connector's real,
 * effective and saved ids at accept (its pidfd, or /proc), whether a
 * datagram's SCM_CREDENTIALS are the connector's, and their names.
 */
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "ids.h"
#include "linux.h"
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

/* The connector's ids from its pidfd: 0, or -1 with errno (ESRCH: gone). */
static int
ids_by_pidfd(int pidfd, struct peer *p)
{
	struct pidfd_info	 info;

	memset(&info, 0, sizeof(info));
	info.mask = PIDFD_INFO_CREDS;
	if (ioctl(pidfd, PIDFD_GET_INFO, &info) == -1)
		return -1;
	/* Reaped: a kernel that keeps its exit status has no ids to give. */
	if ((info.mask & PIDFD_INFO_CREDS) == 0) {
		errno = ESRCH;
		return -1;
	}
	p->uids[0] = info.ruid;
	p->uids[1] = info.euid;
	p->uids[2] = info.suid;
	p->gids[0] = info.rgid;
	p->gids[1] = info.egid;
	p->gids[2] = info.sgid;
	return 0;
}

/* Three ids after key in text ("Uid:\t0\t0\t0\t0\n"); -1 when malformed. */
static int
status_ids(const char *text, const char *key, unsigned int id[3])
{
	const char	*s;
	char		*end;
	unsigned long	 v;
	int		 i;

	/* The line that starts with key. */
	for (s = text; strncmp(s, key, strlen(key)) != 0; s++)
		if ((s = strchr(s, '\n')) == NULL)
			return -1;
	s += strlen(key);
	for (i = 0; i < 3; i++) {
		if (*s != '\t' && *s != ' ')
			return -1;
		while (*s == '\t' || *s == ' ')
			s++;
		if (*s < '0' || *s > '9')
			return -1;
		errno = 0;
		v = strtoul(s, &end, 10);
		/* (uid_t)-1 is no one's id. */
		if (errno != 0 || v >= UINT_MAX)
			return -1;
		id[i] = (unsigned int)v;
		s = end;
	}
	return 0;
}

/*
 * The real, effective and saved uid and gid from the text of
 * /proc/PID/status (its "Uid:" and "Gid:" lines); 0, or -1 when either
 * is missing or malformed.
 */
int
peer_parse_status(const char *text, uid_t uids[3], gid_t gids[3])
{
	unsigned int	 u[3], g[3];
	int		 i;

	if (status_ids(text, "Uid:", u) == -1 ||
	    status_ids(text, "Gid:", g) == -1)
		return -1;
	for (i = 0; i < 3; i++) {
		uids[i] = u[i];
		gids[i] = g[i];
	}
	return 0;
}

/*
 * The real, effective and saved ids of process pid from /proc/PID/status,
 * for a kernel without PIDFD_GET_INFO: 0, or -1 with errno (ESRCH: gone).
 * PID may have been reused by another process once the connector exited;
 * with its pidfd (or -1) a process gone by the end of the read is known
 * gone.
 */
int
peer_proc_ids(pid_t pid, int pidfd, uid_t uids[3], gid_t gids[3])
{
	char	 path[64], buf[4096];
	size_t	 got = 0;
	ssize_t	 n;
	int	 fd;

	if (pid <= 0) {
		errno = ESRCH;
		return -1;
	}
	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			errno = ESRCH;
		return -1;
	}
	while (got < sizeof(buf) - 1 &&
	    (n = read(fd, buf + got, sizeof(buf) - 1 - got)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	if (peer_parse_status(buf, uids, gids) == -1) {
		errno = EPROTO;
		return -1;
	}
	if (pidfd != -1 && pidfd_send_signal(pidfd, 0, NULL, 0) == -1 &&
	    errno == ESRCH)
		return -1;
	return 0;
}

/* Is id one of the three? */
static int
among(const unsigned int ids[3], unsigned int id)
{
	return ids[0] == id || ids[1] == id || ids[2] == id;
}

/*
 * The real, effective and saved uid and gid of the process that
 * connected to fd, as it holds them now (at accept; peer_read first):
 * from its pidfd, or /proc on older kernels. When it is gone, or no
 * longer holds the uid and gid SO_PEERCRED recorded at connect (it
 * changed ids, or /proc showed another process under its pid), they are
 * SO_PEERCRED's uid and gid alone.
 */
void
peer_read_ids(int fd, struct peer *p)
{
	socklen_t	 len = sizeof(int);
	int		 pidfd = -1, i;

	p->ids_from = PEER_IDS_PEERCRED;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) == -1) {
		pidfd = -1;
		/* Only a kernel without SO_PEERPIDFD leaves /proc to read. */
		if (errno == ENOPROTOOPT &&
		    peer_proc_ids(p->pid, -1, p->uids, p->gids) == 0)
			p->ids_from = PEER_IDS_PROC;
	} else if (ids_by_pidfd(pidfd, p) == 0)
		p->ids_from = PEER_IDS_PIDFD;
	else if (errno != ESRCH &&
	    peer_proc_ids(p->pid, pidfd, p->uids, p->gids) == 0)
		p->ids_from = PEER_IDS_PROC;
	if (pidfd != -1)
		close(pidfd);
	if (p->ids_from != PEER_IDS_PEERCRED && (!among(p->uids, p->uid) ||
	    !among(p->gids, p->gid)))
		p->ids_from = PEER_IDS_PEERCRED;
	if (p->ids_from == PEER_IDS_PEERCRED)
		for (i = 0; i < 3; i++) {
			p->uids[i] = p->uid;
			p->gids[i] = p->gid;
		}
}

/* Where peer_read_ids found the ids, for the log. */
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
	return peer_cred_known(p, uc) && among(p->uids, uc->uid) &&
	    among(p->gids, uc->gid);
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
