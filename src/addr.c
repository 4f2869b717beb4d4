/* Parsing, binding and connecting SOCK_SEQPACKET Unix socket addresses. */
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "linux.h"
#include "safepath.h"
#include "sockdiag.h"

/*
 * Fill a from s. On failure return -1 and point *errstr at a phrase naming
 * the fault; nothing is ever truncated.
 */
int
addr_parse(const char *s, struct addr *a, const char **errstr)
{
	size_t	 n;

	memset(a, 0, sizeof(*a));
	a->dirfd = -1;
	a->text = s;
	a->sun.sun_family = AF_UNIX;
	if (*s == '\0') {
		*errstr = "empty";
		return -1;
	}
	if (*s == '@') {
		n = strlen(s + 1);
		if (n == 0) {
			*errstr = "empty abstract name";
			return -1;
		}
		if (n > ADDR_MAX) {
			*errstr = "too long";
			return -1;
		}
		a->abstract = 1;
		memcpy(a->sun.sun_path + 1, s + 1, n);
		a->len = offsetof(struct sockaddr_un, sun_path) + 1 + n;
		return 0;
	}
	n = strlen(s);
	if (n > ADDR_MAX) {
		*errstr = "too long";
		return -1;
	}
	memcpy(a->sun.sun_path, s, n);
	a->len = offsetof(struct sockaddr_un, sun_path) + n + 1;
	return 0;
}

/*
 * The address as a listener's command is told it (UNIXLOCALPATH): the path
 * as bound, or @ and the abstract name. -1: unnamed, or a name holding a
 * NUL byte, which no environment value can carry.
 */
int
addr_local_name(const struct addr *a, char *buf, size_t size)
{
	const char	*p = a->sun.sun_path;
	size_t		 off = offsetof(struct sockaddr_un, sun_path), n;
	int		 abstract;

	n = a->len > off ? a->len - off : 0;
	if (n == 0)
		return -1;
	abstract = p[0] == '\0';
	if (abstract) {
		p++;
		if (--n == 0 || memchr(p, '\0', n) != NULL)
			return -1;
	} else
		n = strnlen(p, n);
	if (n + (size_t)abstract >= size)
		return -1;
	snprintf(buf, size, "%s%.*s", abstract ? "@" : "", (int)n, p);
	return 0;
}

/* Connect a new socket to a; returns the fd or -1 with errno. */
int
addr_connect(const struct addr *a, int fd)
{
	return connect(fd, (const struct sockaddr *)&a->sun, a->len);
}

/* Close fd after a failure, keeping its errno; -1. */
static int
close_failed(int fd)
{
	int	 saved = errno;

	close(fd);
	errno = saved;
	return -1;
}

/*
 * Open the directory of a path address once, through the safe-path check
 * (every component owned by root or me, not writable by others but for a
 * sticky directory): every later step on the socket file is relative to
 * it, so a symlink swapped into the path afterwards changes nothing. -1
 * with errno and why (EPERM: an unsafe component, named in why).
 */
int
addr_open_dir(struct addr *a, uid_t me, char *why, size_t size)
{
	char		 dir[sizeof(a->sun.sun_path)], fdlink[32];
	const char	*path = a->sun.sun_path, *base, *slash;
	struct stat	 st, via;
	int		 fd, n, saved;

	if ((slash = strrchr(path, '/')) == NULL) {
		strlcpy(dir, ".", sizeof(dir));
		base = path;
	} else {
		n = slash == path ? 1 : (int)(slash - path);
		memcpy(dir, path, (size_t)n);
		dir[n] = '\0';
		base = slash + 1;
	}
	if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
		snprintf(why, size, "names a directory, not a socket file in one");
		errno = EINVAL;
		return -1;
	}
	if (safepath_open(dir, me, &fd, why, size) == -1)
		return -1;
	saved = fstat(fd, &st) == -1 ? errno :
	    !S_ISDIR(st.st_mode) ? ENOTDIR : 0;
	if (saved != 0) {
		snprintf(why, size, "%s: %s", dir, strerror(saved));
		goto fail;
	}
	/* Linux has no bindat(2): bind through the descriptor's /proc link. */
	n = snprintf(a->at.sun_path, sizeof(a->at.sun_path),
	    "/proc/self/fd/%d/%s", fd, base);
	if (n < 0 || (size_t)n >= sizeof(a->at.sun_path)) {
		saved = ENAMETOOLONG;
		snprintf(why, size, "the file name %s is too long: the socket is "
		    "bound through /proc/self/fd/N/, which leaves %zu bytes "
		    "for it", base, sizeof(a->at.sun_path) - 1 -
		    (size_t)(n - (int)strlen(base)));
		goto fail;
	}
	snprintf(fdlink, sizeof(fdlink), "/proc/self/fd/%d", fd);
	if (stat(fdlink, &via) == -1 || via.st_dev != st.st_dev ||
	    via.st_ino != st.st_ino) {
		saved = ENOENT;
		snprintf(why, size, "%s does not lead to the socket's directory: "
		    "is /proc mounted?", fdlink);
		goto fail;
	}
	a->at.sun_family = AF_UNIX;
	a->atlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    (size_t)n + 1);
	strlcpy(a->name, base, sizeof(a->name));
	a->dirfd = fd;
	return 0;
fail:
	close(fd);
	errno = saved;
	return -1;
}

/*
 * Lock NAME.lock beside the socket file, for the steps no other listener
 * may interleave with: the stale check through listen(2) at start, the
 * check and unlink at exit. The file is created 0600 and never removed
 * (removing a lock file lets two holders in); one that is not a regular
 * file of root or me is refused (EPERM). The descriptor, or -1.
 */
static int
lock_name(const struct addr *a, uid_t me)
{
	char		 name[sizeof(a->name) + sizeof(".lock")];
	struct stat	 st;
	int		 fd;

	snprintf(name, sizeof(name), "%s.lock", a->name);
	fd = openat(a->dirfd, name, O_RDWR | O_CREAT | O_NOFOLLOW |
	    O_NOCTTY | O_CLOEXEC, 0600);
	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode) || (st.st_uid != 0 && st.st_uid != me)) {
		errno = EPERM;
		goto fail;
	}
	while (flock(fd, LOCK_EX) == -1)
		if (errno != EINTR)
			goto fail;
	return fd;
fail:
	return close_failed(fd);
}

/*
 * A socket file nobody listens on any more refuses connections. Never
 * blocks: a live listener with a full backlog answers EAGAIN.
 */
static int
is_stale(const struct sockaddr_un *sun, socklen_t len)
{
	int	 fd, stale, saved;

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1)
		return -1;
	stale = connect(fd, (const struct sockaddr *)sun, len) == -1 &&
	    errno == ECONNREFUSED;
	saved = errno;
	close(fd);
	errno = saved;
	return stale;
}

/* bind(2) creating the file with mode at once: no chmod of a path later. */
static int
bind_mode(int fd, const struct sockaddr_un *sun, socklen_t len, mode_t mode)
{
	mode_t	 old;
	int	 r, saved;

	if (mode == (mode_t)-1)
		return bind(fd, (const struct sockaddr *)sun, len);
	old = umask(~mode & 0777);
	r = bind(fd, (const struct sockaddr *)sun, len);
	saved = errno;
	umask(old);
	errno = saved;
	return r;
}

/*
 * Bind and listen on a path, every step relative to the directory opened
 * by addr_open_dir, under the lock: a stale socket file is replaced, a
 * live one or a non-socket left alone.
 */
static int
bind_path(int fd, struct addr *a, mode_t mode, uid_t uid, gid_t gid,
    int backlog, const char **step)
{
	struct stat	 st;
	int		 bound = 0, lock, saved;

	*step = "lock";
	if ((lock = lock_name(a, geteuid())) == -1)
		return -1;
	*step = "bind";
	if (bind_mode(fd, &a->at, a->atlen, mode) == -1) {
		if (errno != EADDRINUSE)
			goto fail;
		if (fstatat(a->dirfd, a->name, &st, AT_SYMLINK_NOFOLLOW) == -1)
			goto fail;
		if (!S_ISSOCK(st.st_mode)) {
			errno = ENOTSOCK;
			goto fail;
		}
		if (is_stale(&a->at, a->atlen) != 1) {
			errno = EADDRINUSE;
			goto fail;
		}
		if (unlinkat(a->dirfd, a->name, 0) == -1 && errno != ENOENT)
			goto fail;
		if (bind_mode(fd, &a->at, a->atlen, mode) == -1)
			goto fail;
	}
	bound = 1;
	*step = "listen";
	if (listen(fd, backlog) == -1 ||
	    fstatat(a->dirfd, a->name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		goto fail;
	if (!S_ISSOCK(st.st_mode)) {
		errno = EEXIST;
		goto fail;
	}
	*step = "chown";
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) &&
	    fchownat(a->dirfd, a->name, uid, gid, AT_SYMLINK_NOFOLLOW) == -1)
		goto fail;
	a->dev = st.st_dev;
	a->ino = st.st_ino;
	close(lock);
	return 0;
fail:
	saved = errno;
	if (bound)
		(void)unlinkat(a->dirfd, a->name, 0);
	close(lock);
	errno = saved;
	return -1;
}

/*
 * Bind and listen on a (a path's directory opened by addr_open_dir). For
 * a path, a stale socket file is replaced; a live one or a non-socket is
 * left alone (EADDRINUSE, ENOTSOCK). The file is created with mode (or as
 * the umask has it, for -1) and given uid and gid (or -1). On failure
 * *step names the step that failed.
 */
int
addr_listen(struct addr *a, mode_t mode, uid_t uid, gid_t gid,
    int backlog, const char **step)
{
	int	 fd;

	*step = "socket";
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1)
		return -1;
	addr_refuse_rights(fd);
	if (a->abstract) {
		*step = "bind";
		if (bind(fd, (const struct sockaddr *)&a->sun, a->len) == -1 ||
		    listen(fd, backlog) == -1)
			goto fail;
	} else if (a->dirfd == -1) {
		errno = EBADF;
		goto fail;
	} else if (bind_path(fd, a, mode, uid, gid, backlog, step) == -1)
		goto fail;
	return fd;
fail:
	return close_failed(fd);
}

/*
 * Remove the socket file only if it is still the one we bound, under the
 * lock, so that a listener starting meanwhile never loses its new file.
 */
int
addr_unlink_if_ours(const struct addr *a)
{
	struct stat	 st;
	int		 lock, r = 0, saved;

	if (a->abstract || a->ino == 0 || a->dirfd == -1)
		return 0;
	if ((lock = lock_name(a, geteuid())) == -1)
		return -1;
	if (fstatat(a->dirfd, a->name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		r = errno == ENOENT ? 0 : -1;
	else if (st.st_dev == a->dev && st.st_ino == a->ino)
		r = unlinkat(a->dirfd, a->name, 0);
	saved = errno;
	close(lock);
	errno = saved;
	return r;
}

/*
 * A listening socket's options, which its connections inherit at connect:
 * SO_PASSRIGHTS off, so a sender's SCM_RIGHTS fails (older kernels do not
 * know it; the listener closes what arrives), and SO_PASSCRED on, so every
 * datagram carries its sender's credentials, even one sent before accept.
 */
void
addr_refuse_rights(int fd)
{
	(void)setsockopt(fd, SOL_SOCKET, SO_PASSRIGHTS, &(int){ 0 },
	    sizeof(int));
	(void)setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &(int){ 1 },
	    sizeof(int));
}

/*
 * Would addr_listen take a, as far as --check can tell? 0 when the address
 * is free, its socket file stale or no listener on it can be seen; -1 with
 * ENOTSOCK for a path that is not a socket, EADDRINUSE when the kernel
 * shows a listener on it (sock_diag). Binds nothing and never connects: a
 * listener would judge and log the probe, and a socket systemd holds for
 * a service about to start would queue it for the service. A listener
 * sock_diag cannot show (another network namespace, or a sandbox without
 * AF_NETLINK) goes unnoticed: a start then finds it and exits 69.
 */
int
addr_probe(const struct addr *a)
{
	struct stat	 st;

	if (!a->abstract) {
		if (fstatat(a->dirfd, a->name, &st, AT_SYMLINK_NOFOLLOW) == -1)
			return 0;
		if (!S_ISSOCK(st.st_mode)) {
			errno = ENOTSOCK;
			return -1;
		}
	}
	if ((a->abstract ? sockdiag_listening(a->sun.sun_path, a->len -
	    offsetof(struct sockaddr_un, sun_path), 0, 0) :
	    sockdiag_listening(NULL, 0, st.st_dev, st.st_ino)) == 1) {
		errno = EADDRINUSE;
		return -1;
	}
	return 0;
}
