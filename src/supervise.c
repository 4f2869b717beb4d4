/*
 * A request's supervisor: a child of the listener, a child subreaper, that
 * starts the command and outlives everything the command starts. When the
 * command exits, or the listener asks (SIGTERM: end it; SIGUSR1: kill it
 * now) or dies, it ends whatever is left of the tree: TERM and CONT, a
 * grace, then KILL until it has no child. Then it reports to the listener
 * and exits, so a request's end is never reported before its last process.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "descend.h"
#include "log.h"
#include "spawn.h"
#include "supervise.h"
#include "title.h"

/*
 * Between KILL rounds: the killed go, and their orphans come to us; after
 * a second of rounds, slower; after KILL_GIVE_UP_MS, what is left stays
 * (held by a tracer, frozen, or beyond what /proc shows us), reported.
 */
#define KILL_ROUND_MS	20
#define KILL_SLOW_MS	250
#define KILL_GIVE_UP_MS	10000
/* Distinct leftovers remembered for the count; past it, counted again. */
#define SEEN_MAX	1024

struct sup {
	pid_t		 cmd;		/* the command, until reaped */
	int		 ws;		/* its wait status */
	long long	 cmd_end_ms;	/* when it was reaped */
	int		 ending;	/* 0, SUP_TERM, SUP_KILL */
	long long	 kill_ms;	/* SUP_TERM: KILL from then */
	long long	 killing_ms;	/* SUP_KILL: since then */
	unsigned int	 leftovers, unended;
	pid_t		 seen[SEEN_MAX];
	unsigned int	 nseen;
};

/* A SUP_FAILED report, in the listener: its step and error logged. */
void
sup_report_log(struct sup_report *r)
{
	r->step[sizeof(r->step) - 1] = '\0';
	if (r->step[0] != '\0')
		log_line(LOG_ALWAYS, "%s: %s", r->step, strerror(r->error));
}

static void
report(int fd, const struct sup_report *r)
{
	while (write(fd, r, sizeof(*r)) == -1 && errno == EINTR)
		;
}

/* A process signalled: a leftover, unless it is the command. */
static void
seen(pid_t pid, void *arg)
{
	struct sup	*s = arg;
	unsigned int	 i;

	if (pid == s->cmd)
		return;
	for (i = 0; i < s->nseen; i++)
		if (s->seen[i] == pid)
			return;
	if (s->nseen < SEEN_MAX)
		s->seen[s->nseen++] = pid;
	s->leftovers++;
}

/*
 * Reap every child that has exited. 1 when none is left at all, 0 when
 * some still run.
 */
static int
reap(struct sup *s)
{
	pid_t	 pid;
	int	 ws;

	for (;;) {
		pid = waitpid(-1, &ws, WNOHANG | __WALL);
		if (pid > 0) {
			if (pid == s->cmd) {
				s->ws = ws;
				s->cmd = 0;
				s->cmd_end_ms = now_ms();
			}
			continue;
		}
		if (pid == -1 && errno == EINTR)
			continue;
		return pid == -1 && errno == ECHILD;
	}
}

/* Start ending the tree: TERM now, KILL a grace later. */
static void
end_tree(struct sup *s, int how)
{
	struct descend_count	 dc;

	if (how == SUP_TERM && s->ending == 0) {
		s->ending = SUP_TERM;
		s->kill_ms = now_ms() + SUP_GRACE_MS;
		(void)descend_signal(SIGTERM, &dc, NULL, seen, s);
	} else if (how == SUP_KILL && s->ending != SUP_KILL) {
		s->ending = SUP_KILL;
		s->killing_ms = now_ms();
	}
}

/* The children left: those still running, and zombies no one may reap. */
static unsigned int
children_left(void)
{
	siginfo_t	 si;
	unsigned int	 n = 0;
	char		 path[64], buf[4096], *p;
	ssize_t		 r;
	int		 fd;

	snprintf(path, sizeof(path), "/proc/self/task/%ld/children",
	    (long)getpid());
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) != -1) {
		if ((r = read(fd, buf, sizeof(buf) - 1)) > 0) {
			buf[r] = '\0';
			for (p = buf; *p != '\0'; p++)
				n += *p == ' ';
		}
		close(fd);
	}
	if (n == 0) {
		memset(&si, 0, sizeof(si));
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT |
		    __WALL) == 0)
			n = 1;
	}
	return n;
}

/*
 * One KILL round; the next one's time, or -1 when waiting on is
 * pointless: what remains refused the signal (a set-user-ID descendant of
 * a listener not run as root), or outlasted KILL_GIVE_UP_MS.
 */
static long long
kill_round(struct sup *s)
{
	struct descend_count	 dc;
	long long		 now;

	if (descend_signal(SIGKILL, &dc, NULL, seen, s) == -1)
		dc.signalled = dc.denied = 0;
	now = now_ms();
	if ((dc.signalled == 0 && dc.denied > 0) ||
	    now - s->killing_ms >= KILL_GIVE_UP_MS) {
		s->unended = dc.denied > 0 ? dc.denied : children_left();
		return -1;
	}
	return now + (now - s->killing_ms < 1000 ? KILL_ROUND_MS :
	    KILL_SLOW_MS);
}

/* Wait for a signal until the deadline in ms (-1: none). */
static int
wait_signal(const sigset_t *set, long long deadline)
{
	struct timespec	 ts, *tp = NULL;
	long long	 left;

	if (deadline != -1) {
		left = deadline - now_ms();
		if (left < 0)
			left = 0;
		ts.tv_sec = left / 1000;
		ts.tv_nsec = (left % 1000) * 1000000;
		tp = &ts;
	}
	return sigtimedwait(set, NULL, tp);
}

/* Until no child is left: the command's run, then its tree ended. */
static void
supervise_loop(struct sup *s)
{
	sigset_t	 set;
	long long	 deadline;
	int		 sig;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	for (;;) {
		if (reap(s))
			return;
		/* The command is gone and others are not: they are ended. */
		if (s->cmd == 0)
			end_tree(s, SUP_TERM);
		if (s->ending == SUP_TERM && now_ms() >= s->kill_ms)
			end_tree(s, SUP_KILL);
		if (s->ending == SUP_TERM)
			deadline = s->kill_ms;
		else if (s->ending != SUP_KILL)
			deadline = -1;
		else if ((deadline = kill_round(s)) == -1)
			return;
		sig = wait_signal(&set, deadline);
		if (sig == SIGTERM)
			end_tree(s, SUP_TERM);
		else if (sig == SIGUSR1)
			end_tree(s, SUP_KILL);
	}
}

/*
 * The rest of a supervisor's life, once the command runs: the loop, then
 * the last report. Never returns.
 */
static void __attribute__((noreturn))
supervise_end(struct sup *s, int rfd)
{
	struct sup_report	 r;
	struct rlimit		 rl;

	/* Room for the pidfds of a large tree; the command keeps its limit. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	supervise_loop(s);
	memset(&r, 0, sizeof(r));
	r.kind = SUP_ENDED;
	r.ws = s->ws;
	r.cmd_end_ms = s->cmd_end_ms;
	r.cmd_unended = s->cmd != 0;
	r.leftovers = s->leftovers;
	r.unended = s->unended;
	report(rfd, &r);
	_exit(0);
}

/*
 * Keep only the descriptors named in keep (and 0, 1, 2): the listener's
 * sockets, pipes and log are not the supervisor's to hold.
 */
static void
keep_only(const int *keep, size_t n)
{
	unsigned int	 lo = 3, hi;
	size_t		 i, j;
	int		 fd;

	for (;;) {
		hi = ~0U;
		for (j = 0; j < n; j++)
			if ((unsigned int)keep[j] >= lo &&
			    (unsigned int)keep[j] < hi)
				hi = (unsigned int)keep[j];
		if (hi == ~0U) {
			if (syscall(SYS_close_range, lo, ~0U, 0) == -1)
				for (fd = (int)lo; fd < 65536; fd++)
					(void)close(fd);
			return;
		}
		if (hi > lo && syscall(SYS_close_range, lo, hi - 1, 0) == -1)
			for (i = lo; i < hi; i++)
				(void)close((int)i);
		lo = hi + 1;
	}
}

/*
 * The supervisor's life, in the child fork(2) made of the listener: a
 * session of its own (a terminal's signals are the listener's to take),
 * the listener's death its SIGTERM, a subreaper; the command started with
 * in, out, err as its 0, 1, 2; its start and its end reported on rfd.
 * Never returns.
 */
void
supervise(const struct spawner *sp, char *const *env, int in, int out,
    int err, int rfd, pid_t listener)
{
	struct sup_report	 r;
	struct sup		 s;
	sigset_t		 all;
	const char		*step = NULL, *prefix = "--run-as: ";
	int			 keep[4] = { in, out, err, rfd };

	memset(&r, 0, sizeof(r));
	memset(&s, 0, sizeof(s));
	sigfillset(&all);
	(void)sigprocmask(SIG_BLOCK, &all, NULL);
	/* Blocked, but not ignored: an ignored SIGCHLD would reap for us. */
	(void)signal(SIGCHLD, SIG_DFL);
	keep_only(keep, 4);
	(void)setsid();
	title_supervise();
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 ||
	    prctl(PR_SET_CHILD_SUBREAPER, 1) == -1) {
		r.error = errno;
		step = "prctl";
		prefix = "supervisor: ";
	} else if (getppid() != listener) {
		/* The listener died before PR_SET_PDEATHSIG took. */
		_exit(1);
	} else if (spawn_command(sp, env, in, out, err, &s.cmd, &step) == -1)
		r.error = errno;
	close(in);
	close(out);
	close(err);
	if (r.error != 0) {
		r.kind = SUP_FAILED;
		if (step != NULL)
			snprintf(r.step, sizeof(r.step), "%s%s", prefix, step);
		report(rfd, &r);
		_exit(1);
	}
	r.kind = SUP_STARTED;
	report(rfd, &r);
	supervise_end(&s, rfd);
}

/*
 * A supervisor supfast.c started, in its own memory now: the listener's
 * binary executed again with SUP_RESUME_ARG (cmd/main.c reads the rest),
 * the report descriptor rfd, the command's pid (0: reaped, with its wait
 * status ws and end_ms), and the sup_mode. Nothing here trusts that it
 * was: run by hand, it is no subreaper (or rfd no descriptor), says so
 * and exits 64. Never returns.
 */
void
supervise_resume(int rfd, pid_t cmd, int ws, long long end_ms, int mode)
{
	struct sup	 s;
	sigset_t	 all;
	int		 sub = 0;

	if (fcntl(rfd, F_SETFD, FD_CLOEXEC) == -1 ||
	    prctl(PR_GET_CHILD_SUBREAPER, &sub) == -1 || sub != 1) {
		fputs(SUP_BY_HAND, stderr);
		_exit(EX_USAGE);
	}
	memset(&s, 0, sizeof(s));
	s.cmd = cmd;
	s.ws = ws;
	s.cmd_end_ms = end_ms;
	sigfillset(&all);
	(void)sigprocmask(SIG_BLOCK, &all, NULL);
	(void)signal(SIGCHLD, SIG_DFL);
	/* Its name was the file's, "exe": the listener's, as a fork's is. */
	(void)prctl(PR_SET_NAME, "peerrelay");
	title_supervise();
	if (mode != SUP_LEFT)
		end_tree(&s, mode);
	supervise_end(&s, rfd);
}
