/*
 * The process that connected, examined at accept through its pidfd
 * (SO_PEERPIDFD): its real, effective and saved ids (PIDFD_GET_INFO, or
 * /proc/PID/status on kernels without it) and its cgroup (cgroup.c),
 * each read so that a pid reused meanwhile cannot answer for it.
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

#include "cgroup.h"
#include "linux.h"
#include "peer.h"

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

/* The cgroup read (path) and confirmed, with the unit it names, into p. */
static void
set_cgroup(struct peer *p, const char *path)
{
	char	 unit[CGROUP_UNIT_MAX];
	size_t	 n = strlen(path) + 1, u = 0;
	int	 named;

	if ((named = cgroup_unit(path, unit, sizeof(unit))))
		u = strlen(unit) + 1;
	if ((p->cgroup = malloc(n + u)) == NULL) {
		p->cg = PEER_CG_UNREAD;
		p->cg_why = "out of memory";
		return;
	}
	memcpy(p->cgroup, path, n);
	p->unit = named ? memcpy(p->cgroup + n, unit, u) : NULL;
	p->cg = PEER_CG_KNOWN;
}

/* Why the cgroup could not be had, from errno; may it be read again? */
static int
cgroup_failed(struct peer *p, int tries)
{
	if (errno == ESRCH) {
		p->cg = PEER_CG_GONE;
		return 0;
	}
	/* Moved (its old cgroup maybe removed) between the read and the check. */
	if ((errno == ESTALE || errno == ENOENT) && tries < 2)
		return 1;
	p->cg = PEER_CG_UNREAD;
	p->cg_why = errno == ESTALE || errno == ENOENT ? "its cgroup changed "
	    "while it was read" : errno == EXDEV ? "its cgroup is above the "
	    "mounted hierarchy" : errno == ENAMETOOLONG ? "its cgroup path is "
	    "too long" : errno == EPROTO ? "its /proc/PID/cgroup is malformed" :
	    "its cgroup could not be read";
	return 0;
}

/*
 * Through the connector's pidfd: its ids and (fs, not NULL) its cgroup.
 * The path is read from /proc/PID/cgroup first; then PIDFD_GET_INFO,
 * which fails once the process is gone (so its pid cannot have been
 * reused during the read), reports the cgroup id that path's directory
 * must have. Without PIDFD_GET_INFO, the pidfd still naming that pid and
 * a living process after the read vouches for it.
 */
static void
examine_pidfd(int pidfd, struct peer *p, const struct cgroup_fs *fs)
{
	struct pidfd_info	 info;
	char			 path[CGROUP_PATH_MAX];
	int			 tries, r;

	for (tries = 0; ; tries++) {
		if (fs != NULL && cgroup_read_proc(p->pid, path,
		    sizeof(path)) == -1) {
			(void)cgroup_failed(p, 2);
			fs = NULL;
		}
		memset(&info, 0, sizeof(info));
		info.mask = PIDFD_INFO_PID | PIDFD_INFO_CREDS |
		    PIDFD_INFO_CGROUPID;
		if (fs != NULL && fs->kernel != CGROUP_PIDFD_INFO) {
			r = -1;
			errno = ENOTTY;
		} else if ((r = ioctl(pidfd, PIDFD_GET_INFO, &info)) == 0 &&
		    (info.mask & PIDFD_INFO_CREDS) == 0) {
			/* Reaped: a kernel that keeps its exit status. */
			r = -1;
			errno = ESRCH;
		}
		if (r == 0) {
			p->uids[0] = info.ruid;
			p->uids[1] = info.euid;
			p->uids[2] = info.suid;
			p->gids[0] = info.rgid;
			p->gids[1] = info.egid;
			p->gids[2] = info.sgid;
			p->ids_from = PEER_IDS_PIDFD;
			if (fs == NULL)
				return;
			if ((info.mask & PIDFD_INFO_CGROUPID) != 0 &&
			    cgroup_confirm(fs, path, info.cgroupid) == 0) {
				set_cgroup(p, path);
				return;
			}
			if ((info.mask & PIDFD_INFO_CGROUPID) == 0)
				errno = EPROTO;
			if (cgroup_failed(p, tries))
				continue;
			return;
		}
		if (errno == ESRCH) {
			if (fs != NULL)
				p->cg = PEER_CG_GONE;
			return;
		}
		if (peer_proc_ids(p->pid, pidfd, p->uids, p->gids) == 0)
			p->ids_from = PEER_IDS_PROC;
		if (fs == NULL)
			return;
		if (cgroup_pidfd_names(pidfd, p->pid) == 0)
			set_cgroup(p, path);
		else
			(void)cgroup_failed(p, 2);
		return;
	}
}

/*
 * The process that connected to fd, as it is now (at accept; peer_read
 * first): its real, effective and saved uid and gid, from its pidfd (or
 * /proc on older kernels), and with fs its cgroup. When it is gone, or no
 * longer holds the uid and gid SO_PEERCRED recorded at connect (it
 * changed ids, or /proc showed another process under its pid), the ids
 * are SO_PEERCRED's uid and gid alone.
 */
void
peer_examine(int fd, struct peer *p, const struct cgroup_fs *fs)
{
	socklen_t	 len = sizeof(int);
	int		 pidfd = -1, i;

	p->ids_from = PEER_IDS_PEERCRED;
	if (fs != NULL && (fs->dirfd == -1 ||
	    fs->kernel == CGROUP_NO_PEERPIDFD))
		fs = NULL;
	if (fs != NULL && p->pid == 0) {
		p->cg = PEER_CG_PIDNS;
		fs = NULL;
	}
	if (!PEER_CRED_CHECK && fs == NULL)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) == -1) {
		/* Only a kernel without SO_PEERPIDFD leaves /proc to read. */
		if (errno != ENOPROTOOPT) {
			if (fs != NULL)
				p->cg = PEER_CG_GONE;
		} else if (peer_proc_ids(p->pid, -1, p->uids, p->gids) == 0)
			p->ids_from = PEER_IDS_PROC;
	} else {
		examine_pidfd(pidfd, p, fs);
		close(pidfd);
	}
	if (p->ids_from != PEER_IDS_PEERCRED &&
	    (!peer_among(p->uids, p->uid) || !peer_among(p->gids, p->gid)))
		p->ids_from = PEER_IDS_PEERCRED;
	if (p->ids_from == PEER_IDS_PEERCRED)
		for (i = 0; i < 3; i++) {
			p->uids[i] = p->uid;
			p->gids[i] = p->gid;
		}
}

/* Why the connector's cgroup is not known, for a deny line. */
const char *
peer_cgroup_why(const struct peer *p)
{
	switch (p->cg) {
	case PEER_CG_KNOWN:
		return NULL;
	case PEER_CG_GONE:
		return "it exited before its cgroup was read (a caller must "
		    "wait for its answer)";
	case PEER_CG_PIDNS:
		return "pid 0: it is outside the listener's pid namespace";
	case PEER_CG_UNREAD:
		return p->cg_why;
	default:
		return "its cgroup was not read";
	}
}
