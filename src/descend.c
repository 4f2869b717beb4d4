/*
 * A supervisor's descendants, found and signalled without a pid reuse
 * race: /proc read for who is whose child, then each one pinned by a pidfd
 * and confirmed, top down, to be the child of one already confirmed while
 * both are known to be alive. Signals go through the pidfd.
 */
#include <sys/pidfd.h>
#include <sys/types.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "descend.h"

/* Not pinned, or a child of ours signalled by its pid, not a pidfd. */
#define UNPINNED	(-1)
#define BY_PID		(-2)

/* One process of the snapshot: its pid, its parent's, its pidfd once pinned. */
struct proc {
	pid_t	 pid, ppid;
	int	 pidfd;
};

/* The parent named in /proc/PID/stat, or -1 (gone, unreadable). */
static pid_t
stat_ppid(pid_t pid)
{
	char	 path[64], buf[512], *p;
	ssize_t	 n;
	long	 ppid;
	int	 fd;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* The name may hold anything, ')' too: the state follows the last. */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 1, " %*c %ld", &ppid) != 1 || ppid < 0)
		return -1;
	return (pid_t)ppid;
}

/* Every process in /proc with its parent, *np of them; NULL with errno. */
static struct proc *
snapshot(size_t *np)
{
	struct proc	*v, *nv;
	struct dirent	*d;
	size_t		 n = 0, cap = 256;
	DIR		*dir;
	pid_t		 ppid;
	long		 pid;
	char		*end;

	if ((v = calloc(cap, sizeof(*v))) == NULL)
		return NULL;
	if ((dir = opendir("/proc")) == NULL) {
		free(v);
		return NULL;
	}
	while ((d = readdir(dir)) != NULL) {
		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		pid = strtol(d->d_name, &end, 10);
		if (*end != '\0' || pid <= 0 ||
		    (ppid = stat_ppid((pid_t)pid)) <= 0)
			continue;
		if (n == cap) {
			if ((nv = reallocarray(v, cap * 2, sizeof(*v))) == NULL) {
				free(v);
				closedir(dir);
				return NULL;
			}
			v = nv;
			cap *= 2;
		}
		v[n].pid = (pid_t)pid;
		v[n].ppid = ppid;
		v[n].pidfd = UNPINNED;
		n++;
	}
	closedir(dir);
	*np = n;
	return v;
}

/* Has the pidfd's process exited (or is it unknown)? */
static int
exited(int pidfd)
{
	struct pollfd	 p = { .fd = pidfd, .events = POLLIN };

	return poll(&p, 1, 0) != 0;
}

/*
 * Pin c, listed as parent's child, with a pidfd, and keep it only if the
 * pidfd's process still has that parent: its parent's pid read again after
 * the pidfd was taken, and then both still alive, so neither pid had passed
 * to another process in between. The parent is this process (parent NULL)
 * or one confirmed before. A child of ours no pidfd can be had for (no
 * pidfd_open, or no descriptor left) is signalled by its pid, which cannot
 * pass on before we reap it; what is below it waits for a later round.
 */
static int
confirm(struct proc *c, const struct proc *parent)
{
	if ((c->pidfd = pidfd_open(c->pid, 0)) == -1) {
		c->pidfd = parent == NULL ? BY_PID : UNPINNED;
		return parent == NULL && stat_ppid(c->pid) == c->ppid;
	}
	if (stat_ppid(c->pid) != c->ppid || exited(c->pidfd) ||
	    (parent != NULL && exited(parent->pidfd))) {
		close(c->pidfd);
		c->pidfd = UNPINNED;
		return 0;
	}
	return 1;
}

static int
send_sig(const struct proc *c, int sig)
{
	return c->pidfd == BY_PID ? kill(c->pid, sig) :
	    pidfd_send_signal(c->pidfd, sig, NULL, 0);
}

/*
 * Send sig to every descendant of this process found alive now (SIGTERM
 * with a SIGCONT behind it, so a stopped one hears it), but those below a
 * child skip says to leave, and call seen for every one signalled. The
 * whole tree is confirmed first, then signalled, so no parent dies of the
 * signal before its children are found. Counts what was signalled and
 * what refused it (EPERM: a process this one may not signal). -1 with
 * errno when /proc cannot be read.
 */
int
descend_signal(int sig, struct descend_count *dc,
    int (*skip)(pid_t, void *), void (*seen)(pid_t, void *), void *arg)
{
	struct proc	*v, *parent;
	size_t		*order, n, i, j, k = 0;
	pid_t		 self = getpid(), from;

	dc->signalled = dc->denied = 0;
	if ((v = snapshot(&n)) == NULL)
		return -1;
	if ((order = calloc(n + 1, sizeof(*order))) == NULL) {
		free(v);
		return -1;
	}
	/*
	 * Breadth first from this process: a child is taken only once its
	 * parent was confirmed, so a process whose pid passed on is never.
	 */
	for (j = 0; j <= k; j++) {
		parent = j == 0 ? NULL : &v[order[j - 1]];
		if (parent != NULL && parent->pidfd == BY_PID)
			continue;
		from = parent == NULL ? self : parent->pid;
		for (i = 0; i < n; i++) {
			if (v[i].ppid != from || v[i].pid == self ||
			    v[i].pidfd != UNPINNED ||
			    (parent == NULL && skip != NULL &&
			    skip(v[i].pid, arg)) || !confirm(&v[i], parent))
				continue;
			order[k++] = i;
		}
	}
	for (j = 0; j < k; j++) {
		i = order[j];
		if (send_sig(&v[i], sig) == -1) {
			if (errno == EPERM)
				dc->denied++;
			continue;
		}
		if (sig == SIGTERM)
			(void)send_sig(&v[i], SIGCONT);
		dc->signalled++;
		if (seen != NULL)
			seen(v[i].pid, arg);
	}
	for (j = 0; j < k; j++)
		if (v[order[j]].pidfd >= 0)
			close(v[order[j]].pidfd);
	free(order);
	free(v);
	return 0;
}
