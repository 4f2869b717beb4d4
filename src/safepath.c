/*
 * The safe-path check: every component of the path to a file root trusts
 * (COMMAND, the socket's directory), symbolic links' targets included, is
 * owned by root or the listener's user and writable by no one else, so no
 * other user can change what the path leads to.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ids.h"
#include "safepath.h"

/* One walk: what is left of the path, and the directory reached so far. */
struct walk {
	char	 rest[PATH_MAX];	/* the components still to walk */
	size_t	 at;			/* the next one's first byte */
	char	 name[PATH_MAX];	/* the directory's path; "" is / */
	int	 dir;			/* its O_PATH descriptor */
	int	 sticky;		/* writable by others, sticky bit set */
	int	 links;			/* symbolic links followed */
	uid_t	 me;
	char	*why;
	size_t	 whysize;
};

static int
refuse(struct walk *w, int error, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(w->why, w->whysize, fmt, ap);
	va_end(ap);
	errno = error;
	return -1;
}

/* A path as a message shows it: the root is "/", not "". */
static const char *
shown(const char *name)
{
	return *name != '\0' ? name : "/";
}

/* A system call failed on the component name: its error. */
static int
syserr(struct walk *w, const char *name)
{
	return refuse(w, errno, "%s: %s", shown(name), strerror(errno));
}

/*
 * Whether the component name, as st says it is, can be trusted; in_sticky:
 * it was found in a directory others may write to, with the sticky bit.
 */
static int
judge(struct walk *w, const char *name, const struct stat *st, int in_sticky)
{
	char	 user[256];

	/* Only its directory's writers can replace a link, and they are checked. */
	if (S_ISLNK(st->st_mode) && !in_sticky)
		return 0;
	if (st->st_uid != 0 && st->st_uid != w->me) {
		if (ids_name(IDS_USER, st->st_uid, user, sizeof(user),
		    NULL) == NULL)
			return refuse(w, EPERM, "%s is owned by uid %lu",
			    shown(name), (unsigned long)st->st_uid);
		return refuse(w, EPERM, "%s is owned by %s (uid %lu)",
		    shown(name), user, (unsigned long)st->st_uid);
	}
	if (S_ISLNK(st->st_mode))
		return 0;
	/* In a sticky directory only an entry's owner may replace it. */
	if (S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX))
		return 0;
	if (st->st_mode & S_IWOTH)
		return refuse(w, EPERM, "%s is writable by others",
		    shown(name));
	if (st->st_mode & S_IWGRP)
		return refuse(w, EPERM, "%s is writable by its group",
		    shown(name));
	return 0;
}

/* fd, just opened and judged, is now the directory the walk is in. */
static void
enter(struct walk *w, int fd, const struct stat *st)
{
	if (w->dir != -1)
		close(w->dir);
	w->dir = fd;
	w->sticky = S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX) &&
	    (st->st_mode & (S_IWGRP | S_IWOTH));
}

/* Start (again) from /, which is checked like any other component. */
static int
enter_root(struct walk *w)
{
	struct stat	 st;
	int		 fd;

	*w->name = '\0';
	if ((fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1)
		return syserr(w, "/");
	if (fstat(fd, &st) == -1) {
		syserr(w, "/");
		close(fd);
		return -1;
	}
	if (judge(w, "/", &st, 0) == -1) {
		close(fd);
		return -1;
	}
	enter(w, fd, &st);
	return 0;
}

/* The next component of what is left into comp: 1, or 0 at the end. */
static int
next(struct walk *w, char *comp, size_t size)
{
	size_t	 n;

	while (w->rest[w->at] == '/')
		w->at++;
	if (w->rest[w->at] == '\0')
		return 0;
	n = strcspn(w->rest + w->at, "/");
	if (n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(comp, w->rest + w->at, n);
	comp[n] = '\0';
	w->at += n;
	return 1;
}

/* The link fd, named name: what is left becomes its target, then the rest. */
static int
follow(struct walk *w, int fd, const char *name)
{
	char		 target[PATH_MAX];
	const char	*left;
	ssize_t		 n;

	if (++w->links > SAFEPATH_MAX_LINKS) {
		errno = ELOOP;
		return syserr(w, name);
	}
	/* An O_PATH descriptor of a link: "" reads the link itself. */
	if ((n = readlinkat(fd, "", target, sizeof(target))) == -1)
		return syserr(w, name);
	if ((size_t)n == sizeof(target)) {
		errno = ENAMETOOLONG;
		return syserr(w, name);
	}
	target[n] = '\0';
	if (n == 0) {
		errno = ENOENT;
		return syserr(w, name);
	}
	left = w->rest + w->at + strspn(w->rest + w->at, "/");
	if (*left != '\0' && (strlcat(target, "/", sizeof(target)) >=
	    sizeof(target) || strlcat(target, left, sizeof(target)) >=
	    sizeof(target))) {
		errno = ENAMETOOLONG;
		return syserr(w, name);
	}
	memcpy(w->rest, target, strlen(target) + 1);
	w->at = 0;
	return *target == '/' ? enter_root(w) : 0;
}

/* One component of the walk: opened, judged, then entered or followed. */
static int
step(struct walk *w, const char *comp)
{
	char		 name[PATH_MAX];
	struct stat	 st;
	char		*slash;
	int		 fd, up = strcmp(comp, "..") == 0;

	if ((size_t)snprintf(name, sizeof(name), "%s/%s", w->name, comp) >=
	    sizeof(name)) {
		errno = ENAMETOOLONG;
		return syserr(w, w->name);
	}
	if ((fd = openat(w->dir, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC)) ==
	    -1)
		return syserr(w, name);
	if (fstat(fd, &st) == -1) {
		syserr(w, name);
		close(fd);
		return -1;
	}
	/* "..": the parent, named as such, and not an entry of this directory. */
	if (up) {
		memcpy(name, w->name, sizeof(name));
		if ((slash = strrchr(name, '/')) != NULL)
			*slash = '\0';
	}
	if (judge(w, name, &st, w->sticky && !up) == -1) {
		close(fd);
		return -1;
	}
	if (S_ISLNK(st.st_mode)) {
		if (follow(w, fd, name) == -1) {
			close(fd);
			return -1;
		}
		close(fd);
		return 0;
	}
	enter(w, fd, &st);
	memcpy(w->name, name, sizeof(w->name));
	return 0;
}

int
safepath_open(const char *path, uid_t me, int *fd, char *why, size_t whysize)
{
	struct walk	 w;
	struct stat	 st;
	char		 comp[NAME_MAX + 1];
	size_t		 len = strlen(path);
	int		 r, dir = len > 0 && path[len - 1] == '/', save;

	*fd = -1;
	memset(&w, 0, sizeof(w));
	w.dir = -1;
	w.me = me;
	w.why = why;
	w.whysize = whysize;
	if (whysize > 0)
		*why = '\0';
	if (len == 0)
		return refuse(&w, ENOENT, "an empty path");
	/* Relative: the working directory's own path is checked from / too. */
	if (*path != '/' && getcwd(w.rest, sizeof(w.rest)) == NULL)
		return refuse(&w, errno, "%s: the working directory: %s", path,
		    strerror(errno));
	if ((*path != '/' && strlcat(w.rest, "/", sizeof(w.rest)) >=
	    sizeof(w.rest)) || strlcat(w.rest, path, sizeof(w.rest)) >=
	    sizeof(w.rest))
		return refuse(&w, ENAMETOOLONG, "%s: %s", path,
		    strerror(ENAMETOOLONG));
	if (enter_root(&w) == -1)
		goto fail;
	while ((r = next(&w, comp, sizeof(comp))) != 0) {
		if (r == -1) {
			refuse(&w, errno, "%s/%.*s...: %s", w.name, 32,
			    w.rest + w.at, strerror(errno));
			goto fail;
		}
		if (strcmp(comp, ".") != 0 && step(&w, comp) == -1)
			goto fail;
	}
	if (dir) {
		if (fstat(w.dir, &st) == -1) {
			syserr(&w, w.name);
			goto fail;
		}
		if (!S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			syserr(&w, w.name);
			goto fail;
		}
	}
	*fd = w.dir;
	return 0;
fail:
	save = errno;
	if (w.dir != -1)
		close(w.dir);
	errno = save;
	return -1;
}
