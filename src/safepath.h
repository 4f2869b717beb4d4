/* The safe-path check: a file root may trust, every component of its path. */
#ifndef PEERRELAY_SAFEPATH_H
#define PEERRELAY_SAFEPATH_H

#include <sys/types.h>

#include <stddef.h>

/* Symbolic links followed in one walk, as the kernel's own limit. */
#define SAFEPATH_MAX_LINKS	40

/*
 * Walk path (absolute, or relative to the working directory, which is then
 * checked from / too) component by component with
 * openat(O_PATH|O_NOFOLLOW|O_CLOEXEC), following symlinks (at most 40) with
 * their targets walked the same way, and check every component met: owned
 * by root or `me`, not group- or world-writable, except a directory with the
 * sticky bit (such as /tmp), whose next component must then be owned by root
 * or `me` (this also applies to a symlink found in a sticky directory;
 * elsewhere a symlink's own owner does not matter: nobody can change a
 * symlink, only replace it in its directory, which is checked).
 * 0: *fd is an O_PATH descriptor of the final object (the caller checks its
 * type with fstat).
 * -1: why holds a one-line reason naming the component and, for ownership,
 * its owner by name and number (e.g. "/var/www/app is owned by www-data
 * (uid 33)", "/srv/x is writable by its group", "/srv/x is writable by
 * others", "/srv/y: No such file or directory"); errno is EPERM for an
 * unsafe component, else the system error.
 */
int	safepath_open(const char *path, uid_t me, int *fd, char *why,
	    size_t whysize);

#endif
