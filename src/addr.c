/* Parsing, binding and connecting SOCK_SEQPACKET Unix socket addresses. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "linux.h"

/*
 * Fill a from s. On failure return -1 and point *errstr at a phrase naming
 * the fault; nothing is ever truncated.
 */
int
addr_parse(const char *s, struct addr *a, const char **errstr)
{
	size_t	 n;

	memset(a, 0, sizeof(*a));
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

/* Connect a new socket to a; returns the fd or -1 with errno. */
int
addr_connect(const struct addr *a, int fd)
{
	return connect(fd, (const struct sockaddr *)&a->sun, a->len);
}

/*
 * A socket file nobody listens on any more refuses connections. Never
 * blocks: a live listener with a full backlog answers EAGAIN.
 */
static int
is_stale(const struct addr *a)
{
	int	 fd, stale, saved;

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1)
		return -1;
	stale = connect(fd, (const struct sockaddr *)&a->sun, a->len) == -1 &&
	    errno == ECONNREFUSED;
	saved = errno;
	close(fd);
	errno = saved;
	return stale;
}

/* bind(2) creating the file with mode at once: no chmod of a path later. */
static int
bind_mode(int fd, const struct addr *a, mode_t mode)
{
	mode_t	 old;
	int	 r, saved;

	if (mode == (mode_t)-1)
		return bind(fd, (const struct sockaddr *)&a->sun, a->len);
	old = umask(~mode & 0777);
	r = bind(fd, (const struct sockaddr *)&a->sun, a->len);
	saved = errno;
	umask(old);
	errno = saved;
	return r;
}

static int
bind_path(int fd, struct addr *a, mode_t mode, uid_t uid, gid_t gid,
    int backlog)
{
	struct stat	 st;
	int		 saved;

	if (bind_mode(fd, a, mode) == -1) {
		if (errno != EADDRINUSE)
			return -1;
		if (lstat(a->sun.sun_path, &st) == -1)
			return -1;
		if (!S_ISSOCK(st.st_mode)) {
			errno = ENOTSOCK;
			return -1;
		}
		if (is_stale(a) != 1) {
			errno = EADDRINUSE;
			return -1;
		}
		if (unlink(a->sun.sun_path) == -1 && errno != ENOENT)
			return -1;
		if (bind_mode(fd, a, mode) == -1)
			return -1;
	}
	/* At once: a bound socket that refuses connections looks stale. */
	if (listen(fd, backlog) == -1 || lstat(a->sun.sun_path, &st) == -1)
		goto fail;
	if (!S_ISSOCK(st.st_mode)) {
		errno = EEXIST;
		return -1;
	}
	/* lchown: a symlink swapped in by whoever can write the directory is not followed. */
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) &&
	    lchown(a->sun.sun_path, uid, gid) == -1)
		goto fail;
	a->dev = st.st_dev;
	a->ino = st.st_ino;
	return 0;
fail:
	saved = errno;
	unlink(a->sun.sun_path);
	errno = saved;
	return -1;
}

/*
 * Bind and listen on a. For a path, a stale socket file is replaced; a live
 * one or a non-socket is left alone (EADDRINUSE, ENOTSOCK). The file is
 * created with mode (or as the umask has it, for -1) and given uid and gid
 * (or -1).
 */
int
addr_listen(struct addr *a, mode_t mode, uid_t uid, gid_t gid,
    int backlog)
{
	int	 fd, saved;

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1)
		return -1;
	addr_refuse_rights(fd);
	if (a->abstract) {
		if (bind(fd, (const struct sockaddr *)&a->sun, a->len) == -1 ||
		    listen(fd, backlog) == -1)
			goto fail;
	} else if (bind_path(fd, a, mode, uid, gid, backlog) == -1)
		goto fail;
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/* Remove the socket file only if it is still the one we bound. */
int
addr_unlink_if_ours(const struct addr *a)
{
	struct stat	 st;

	if (a->abstract || a->ino == 0)
		return 0;
	if (lstat(a->sun.sun_path, &st) == -1)
		return errno == ENOENT ? 0 : -1;
	if (st.st_dev != a->dev || st.st_ino != a->ino)
		return 0;
	return unlink(a->sun.sun_path);
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
 * Would addr_listen take a? 0 when the address is free or its socket file
 * stale; -1 with ENOTSOCK for a path that is not a socket, EADDRINUSE when
 * a live listener holds it. Binds nothing.
 */
int
addr_probe(const struct addr *a)
{
	struct stat	 st;
	int		 stale;

	if (!a->abstract) {
		if (lstat(a->sun.sun_path, &st) == -1)
			return 0;
		if (!S_ISSOCK(st.st_mode)) {
			errno = ENOTSOCK;
			return -1;
		}
	}
	/* A connection refused, or the file gone meanwhile: nobody listens. */
	errno = 0;
	if ((stale = is_stale(a)) == 1 || (stale == 0 && errno == ENOENT))
		return 0;
	if (stale == -1)
		return -1;
	errno = EADDRINUSE;
	return -1;
}
