/*
 * The peer's cgroup: the cgroup v2 hierarchy found in /proc/self/mountinfo
 * (never a fixed path: /sys/fs/cgroup, or /sys/fs/cgroup/unified on a
 * hybrid layout), what this kernel offers (SO_PEERPIDFD, PIDFD_GET_INFO),
 * a process's path from the "0::" line of /proc/PID/cgroup and its
 * confirmation (the cgroup id PIDFD_GET_INFO reports is the inode of that
 * directory; without it, the pidfd still names that pid and a living
 * process after the read), and the systemd unit a path names.
 */
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "linux.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC	0x63677270
#endif

void
cgroup_init(struct cgroup_fs *cg)
{
	memset(cg, 0, sizeof(*cg));
	cg->dirfd = -1;
}

/*
 * A mountinfo field with its \ooo escapes undone into dst; -1 when it
 * does not fit or holds a NUL.
 */
static int
unescape(const char *s, size_t n, char *dst, size_t size)
{
	size_t	 i, k = 0;
	int	 c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '\\' && n - i > 3 && s[i + 1] >= '0' &&
		    s[i + 1] <= '3' && s[i + 2] >= '0' && s[i + 2] <= '7' &&
		    s[i + 3] >= '0' && s[i + 3] <= '7') {
			c = (s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 +
			    (s[i + 3] - '0');
			i += 3;
		}
		if (c == '\0' || k + 1 >= size)
			return -1;
		dst[k++] = (char)c;
	}
	if (k == 0)
		return -1;
	dst[k] = '\0';
	return 0;
}

/*
 * One line of /proc/self/mountinfo ("ID PARENT MAJ:MIN ROOT MOUNTPOINT
 * OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER"): 1 and its mount point
 * and root when it mounts cgroup2, 0 when it mounts something else, -1
 * when it is malformed or a field does not fit.
 */
int
cgroup_mountinfo_line(const char *line, char *mount, size_t msize,
    char *root, size_t rsize)
{
	const char	*f[6], *s = line;
	size_t		 n[6];
	int		 i;

	for (i = 0; i < 6; i++) {
		f[i] = s;
		n[i] = strcspn(s, " \n");
		if (n[i] == 0 || s[n[i]] != ' ')
			return -1;
		s += n[i] + 1;
	}
	/* Optional fields, then "-" alone, then the file system type. */
	for (;;) {
		if (*s == '\0' || *s == '\n')
			return -1;
		if (s[0] == '-' && s[1] == ' ')
			break;
		s += strcspn(s, " \n");
		if (*s != ' ')
			return -1;
		s++;
	}
	s += 2;
	if (strncmp(s, "cgroup2", 7) != 0 || (s[7] != ' ' && s[7] != '\n' &&
	    s[7] != '\0'))
		return 0;
	if (unescape(f[3], n[3], root, rsize) == -1 ||
	    unescape(f[4], n[4], mount, msize) == -1 || root[0] != '/' ||
	    mount[0] != '/')
		return -1;
	return 1;
}

/*
 * The first cgroup2 mount of /proc/self/mountinfo into cg; -1: none.
 * Read with a buffer of its own, not stdio: the listener's resident
 * size counts every page of code it ever touched.
 */
static int
find_mount(struct cgroup_fs *cg)
{
	char	 buf[4096], *s, *nl;
	size_t	 have = 0;
	ssize_t	 n;
	int	 fd, found = 0, skip = 0;

	if ((fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while (!found && (n = read(fd, buf + have, sizeof(buf) - 1 - have)) > 0) {
		have += (size_t)n;
		buf[have] = '\0';
		for (s = buf; !found && (nl = memchr(s, '\n',
		    have - (size_t)(s - buf))) != NULL; s = nl + 1) {
			*nl = '\0';
			/* The tail of a line longer than buf is no line. */
			if (!skip)
				found = cgroup_mountinfo_line(s, cg->mount,
				    sizeof(cg->mount), cg->root,
				    sizeof(cg->root)) == 1;
			skip = 0;
		}
		have -= (size_t)(s - buf);
		memmove(buf, s, have);
		if (have == sizeof(buf) - 1) {
			have = 0;
			skip = 1;
		}
	}
	close(fd);
	if (!found) {
		errno = ENOENT;
		return -1;
	}
	return 0;
}

/* What the kernel offers: a pidfd of our own through a socketpair. */
static enum cgroup_kernel
probe_kernel(void)
{
	struct pidfd_info	 info;
	const char		*force = getenv("PEERRELAY_TEST_PIDFD");
	socklen_t		 len = sizeof(int);
	enum cgroup_kernel	 k = CGROUP_NO_PEERPIDFD;
	int			 sv[2], pidfd;

	if (force != NULL && strcmp(force, "none") == 0)
		return CGROUP_NO_PEERPIDFD;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		return k;
	if (getsockopt(sv[0], SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) == 0) {
		k = CGROUP_PIDFD_PROC;
		memset(&info, 0, sizeof(info));
		info.mask = PIDFD_INFO_CGROUPID;
		if (ioctl(pidfd, PIDFD_GET_INFO, &info) == 0 &&
		    (info.mask & PIDFD_INFO_CGROUPID) != 0)
			k = CGROUP_PIDFD_INFO;
		close(pidfd);
	}
	close(sv[0]);
	close(sv[1]);
	/* The test-only switch: the path of kernels without PIDFD_GET_INFO. */
	if (k == CGROUP_PIDFD_INFO && force != NULL &&
	    strcmp(force, "noinfo") == 0)
		k = CGROUP_PIDFD_PROC;
	return k;
}

/*
 * What the kernel offers, and the cgroup v2 hierarchy opened: 0, or -1
 * with errno when none is mounted (cg->dirfd stays -1).
 */
int
cgroup_open(struct cgroup_fs *cg)
{
	struct statfs	 sfs;
	struct stat	 st;
	int		 fd;

	cgroup_close(cg);
	cg->kernel = probe_kernel();
	if (find_mount(cg) == -1)
		return -1;
	if ((fd = open(cg->mount, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == -1 || fstatfs(fd, &sfs) == -1 ||
	    sfs.f_type != CGROUP2_SUPER_MAGIC) {
		close(fd);
		errno = ENOENT;
		return -1;
	}
	cg->dirfd = fd;
	cg->dev = st.st_dev;
	return 0;
}

void
cgroup_close(struct cgroup_fs *cg)
{
	if (cg->dirfd != -1)
		close(cg->dirfd);
	cg->dirfd = -1;
}

/* How peers' cgroups are read here, for --check. */
const char *
cgroup_kernel_text(const struct cgroup_fs *cg)
{
	if (cg->dirfd == -1)
		return "not read (no cgroup v2 hierarchy is mounted)";
	switch (cg->kernel) {
	case CGROUP_PIDFD_INFO:
		return "read at accept, confirmed by the pidfd's cgroup id "
		    "(PIDFD_GET_INFO)";
	case CGROUP_PIDFD_PROC:
		return "read at accept, confirmed by the pidfd naming a "
		    "living process (no PIDFD_GET_INFO)";
	default:
		return "not read (no SO_PEERPIDFD: Linux 6.5 or later)";
	}
}

/*
 * The path of the "0::" line of /proc/PID/cgroup's text (n bytes): the
 * cgroup v2 one, the last line. On a hybrid layout the v1 lines before it
 * never count. A path with a newline, which could make another line of it,
 * is refused. 0, or -1 with errno.
 */
int
cgroup_parse_proc(const char *text, size_t n, char *path, size_t size)
{
	const char	*s = text, *end = text + n, *nl;
	size_t		 len;

	while ((size_t)(end - s) < 3 || memcmp(s, "0::", 3) != 0) {
		if ((nl = memchr(s, '\n', (size_t)(end - s))) == NULL) {
			errno = ENOENT;
			return -1;
		}
		s = nl + 1;
	}
	s += 3;
	len = (size_t)(end - s);
	if (len > 0 && s[len - 1] == '\n')
		len--;
	if (len == 0 || s[0] != '/' || memchr(s, '\n', len) != NULL ||
	    memchr(s, '\0', len) != NULL) {
		errno = EPROTO;
		return -1;
	}
	if (len >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(path, s, len);
	path[len] = '\0';
	return 0;
}

/* Process pid's cgroup v2 path: 0, or -1 with errno (ESRCH: gone). */
int
cgroup_read_proc(pid_t pid, char *path, size_t size)
{
	char	 name[64], buf[CGROUP_PATH_MAX + 1024];
	size_t	 got = 0;
	ssize_t	 r;
	int	 fd;

	snprintf(name, sizeof(name), "/proc/%ld/cgroup", (long)pid);
	if ((fd = open(name, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			errno = ESRCH;
		return -1;
	}
	while (got < sizeof(buf) &&
	    (r = read(fd, buf + got, sizeof(buf) - got)) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			close(fd);
			return -1;
		}
		got += (size_t)r;
	}
	close(fd);
	if (got == sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return cgroup_parse_proc(buf, got, path, size);
}

/* path's directory under the mount: stat into st; -1 with errno. */
static int
stat_path(const struct cgroup_fs *cg, const char *path, struct stat *st)
{
	const char	*rel;

	if (cg->dirfd == -1 || !cgroup_plain_path(path)) {
		errno = EINVAL;
		return -1;
	}
	if (strcmp(cg->root, "/") == 0)
		rel = path + 1;
	else if (cgroup_under(path, cg->root))
		rel = path + strlen(cg->root) + (path[strlen(cg->root)] == '/');
	else {
		errno = EXDEV;	/* above what is mounted here */
		return -1;
	}
	if (fstatat(cg->dirfd, rel, st, AT_SYMLINK_NOFOLLOW |
	    (*rel == '\0' ? AT_EMPTY_PATH : 0)) == -1)
		return -1;
	if (st->st_dev != cg->dev || !S_ISDIR(st->st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

/* Is id (PIDFD_GET_INFO's cgroup id) the inode of path's directory? */
int
cgroup_confirm(const struct cgroup_fs *cg, const char *path, uint64_t id)
{
	struct stat	 st;

	if (stat_path(cg, path, &st) == -1)
		return -1;
	if ((uint64_t)st.st_ino != id) {
		errno = ESTALE;
		return -1;
	}
	return 0;
}

/* Is there such a cgroup now? For --check's note. 0, or -1 with errno. */
int
cgroup_exists(const struct cgroup_fs *cg, const char *path)
{
	struct stat	 st;

	return stat_path(cg, path, &st);
}

/*
 * Without PIDFD_GET_INFO, after /proc/PID/cgroup was read: does the pidfd
 * still name pid (its fdinfo) and a living process (signal 0)? Then the
 * read was that process's. 0, or -1 with errno (ESRCH: gone).
 */
int
cgroup_pidfd_names(int pidfd, pid_t pid)
{
	char	 name[64], buf[1024], *s;
	ssize_t	 r;
	long	 v;
	int	 fd;

	snprintf(name, sizeof(name), "/proc/self/fdinfo/%d", pidfd);
	if ((fd = open(name, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while ((r = read(fd, buf, sizeof(buf) - 1)) == -1 && errno == EINTR)
		;
	close(fd);
	if (r <= 0)
		return -1;
	buf[r] = '\0';
	if (strncmp(buf, "Pid:", 4) == 0)
		s = buf + 4;
	else if ((s = strstr(buf, "\nPid:")) != NULL)
		s += 5;
	else {
		errno = EPROTO;
		return -1;
	}
	v = strtol(s, NULL, 10);
	if (v != (long)pid || pid <= 0) {
		errno = ESRCH;
		return -1;
	}
	if (pidfd_send_signal(pidfd, 0, NULL, 0) == -1 && errno != EPERM)
		return -1;
	return 0;
}
