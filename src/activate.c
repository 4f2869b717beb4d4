/*
 * systemd socket activation (sd_listen_fds(3) without libsystemd): the
 * LISTEN_* variables say whether fd 3 was passed to this very process; the
 * socket itself is checked before it is trusted.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "activate.h"
#include "addr.h"

/* More than this many inherited descriptors is nonsense, not a count. */
#define ACTIVATE_MAX_FDS	4096

/*
 * Read LISTEN_PID and LISTEN_FDS, then remove them and LISTEN_FDNAMES from
 * the environment so no command ever sees them. Sets a->state; returns 1
 * when fd 3 is ours to take, else 0.
 */
int
activate_env(struct activation *a)
{
	const char	*pid, *fds, *errstr, *errstr2;
	long long	 p, n;

	memset(a, 0, sizeof(*a));
	pid = getenv("LISTEN_PID");
	fds = getenv("LISTEN_FDS");
	if (pid == NULL && fds == NULL)
		a->state = ACTIVATE_NONE;
	else if (pid == NULL || fds == NULL) {
		a->state = ACTIVATE_OTHER;
		snprintf(a->why, sizeof(a->why), "LISTEN_%s is set but not "
		    "LISTEN_%s", pid != NULL ? "PID" : "FDS",
		    pid != NULL ? "FDS" : "PID");
	} else {
		a->state = ACTIVATE_OTHER;
		p = strtonum(pid, 1, INT_MAX, &errstr);
		n = strtonum(fds, 0, ACTIVATE_MAX_FDS, &errstr2);
		if (errstr != NULL)
			snprintf(a->why, sizeof(a->why), "LISTEN_PID=%.32s: "
			    "%s", pid, errstr);
		else if ((pid_t)p != getpid())
			snprintf(a->why, sizeof(a->why), "LISTEN_PID=%lld is "
			    "not this process (%ld)", p, (long)getpid());
		else if (errstr2 != NULL)
			snprintf(a->why, sizeof(a->why), "LISTEN_FDS=%.32s: "
			    "%s", fds, errstr2);
		else if (n != 1)
			snprintf(a->why, sizeof(a->why), "LISTEN_FDS=%lld: "
			    "exactly one socket expected", n);
		else
			a->state = ACTIVATE_OURS;
	}
	if (a->state == ACTIVATE_NONE)
		snprintf(a->why, sizeof(a->why), "LISTEN_PID and LISTEN_FDS "
		    "are not set");
	(void)unsetenv("LISTEN_PID");
	(void)unsetenv("LISTEN_FDS");
	(void)unsetenv("LISTEN_FDNAMES");
	return a->state == ACTIVATE_OURS;
}

static const char *
type_name(int type)
{
	switch (type) {
	case SOCK_STREAM:
		return "SOCK_STREAM";
	case SOCK_DGRAM:
		return "SOCK_DGRAM";
	case SOCK_RAW:
		return "SOCK_RAW";
	default:
		return "another type";
	}
}

/* The socket's address as a printable name: a path, or @ and the name. */
static void
describe(struct activation *a, const struct sockaddr_un *sun, socklen_t len)
{
	size_t	 n, i, k = 0;

	n = len > offsetof(struct sockaddr_un, sun_path) ?
	    len - offsetof(struct sockaddr_un, sun_path) : 0;
	if (n == 0)
		snprintf(a->name, sizeof(a->name), "unnamed");
	else if (sun->sun_path[0] == '\0') {
		a->name[k++] = '@';
		/* An abstract name is bytes, not a string: show them safely. */
		for (i = 1; i < n && k < sizeof(a->name) - 1; i++)
			a->name[k++] = sun->sun_path[i] >= 0x20 &&
			    sun->sun_path[i] < 0x7f ? sun->sun_path[i] : '?';
		a->name[k] = '\0';
	} else
		snprintf(a->name, sizeof(a->name), "%.*s", (int)n,
		    sun->sun_path);
	snprintf(a->text, sizeof(a->text), "systemd socket fd %d (%s)",
	    ACTIVATE_FD, a->name);
}

/*
 * Check fd 3: it must be an AF_UNIX SOCK_SEQPACKET socket that listens.
 * Fills ad so that nothing is ever unlinked for it; -1 and *errstr on
 * failure. With take, also make it ours: close-on-exec, non-blocking, no
 * SCM_RIGHTS. (Its flags are shared with systemd: --check changes none.)
 */
int
activate_socket(struct activation *a, struct addr *ad, int take,
    const char **errstr)
{
	struct sockaddr_un	 sun;
	socklen_t		 len = sizeof(sun), olen;
	int			 type, acc, fl;

	memset(&sun, 0, sizeof(sun));
	if (getsockname(ACTIVATE_FD, (struct sockaddr *)&sun, &len) == -1) {
		*errstr = errno == EBADF ? "fd 3 is not open" :
		    errno == ENOTSOCK ? "fd 3 is not a socket" :
		    "fd 3: getsockname failed";
		return -1;
	}
	if (sun.sun_family != AF_UNIX) {
		*errstr = "fd 3 is not an AF_UNIX socket";
		return -1;
	}
	olen = sizeof(type);
	if (getsockopt(ACTIVATE_FD, SOL_SOCKET, SO_TYPE, &type, &olen) == -1) {
		*errstr = "fd 3: cannot read its type (SO_TYPE)";
		return -1;
	}
	if (type != SOCK_SEQPACKET) {
		snprintf(a->why, sizeof(a->why), "fd 3 is a %s socket, not "
		    "SOCK_SEQPACKET (ListenSequentialPacket= in the .socket "
		    "unit)", type_name(type));
		*errstr = a->why;
		return -1;
	}
	olen = sizeof(acc);
	if (getsockopt(ACTIVATE_FD, SOL_SOCKET, SO_ACCEPTCONN, &acc,
	    &olen) == -1 || acc == 0) {
		*errstr = "fd 3 is not a listening socket (Accept=yes in the "
		    ".socket unit?)";
		return -1;
	}
	describe(a, &sun, len);
	memset(ad, 0, sizeof(*ad));
	ad->sun = sun;
	ad->len = len;
	ad->abstract = len > offsetof(struct sockaddr_un, sun_path) &&
	    sun.sun_path[0] == '\0';
	ad->text = a->text;
	/* ino stays 0: systemd owns the file, we never remove it. */
	if (!take)
		return ACTIVATE_FD;
	/* As a socket we bound ourselves: close-on-exec, never blocking. */
	if ((fl = fcntl(ACTIVATE_FD, F_GETFL)) == -1 ||
	    fcntl(ACTIVATE_FD, F_SETFL, fl | O_NONBLOCK) == -1 ||
	    fcntl(ACTIVATE_FD, F_SETFD, FD_CLOEXEC) == -1) {
		*errstr = "fd 3: fcntl failed";
		return -1;
	}
	olen = sizeof(a->passcred);
	if (getsockopt(ACTIVATE_FD, SOL_SOCKET, SO_PASSCRED, &a->passcred,
	    &olen) == -1)
		a->passcred = 0;
	addr_refuse_rights(ACTIVATE_FD);
	return ACTIVATE_FD;
}
