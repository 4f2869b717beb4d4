/*
 * The code of a request's supervisor cloned into the listener's memory
 * (supfast.c starts it: see there). Until it executes the binary again, it
 * shares the listener's memory and errno, so it makes raw system calls
 * only (rawsys.h) and calls nothing of the C library: a session of its
 * own, PR_SET_PDEATHSIG, a subreaper, the command started vfork-style
 * (its signals at their defaults, 0, 1, 2 and nothing more), STARTED
 * reported; then the command's end reported when nothing is left, else
 * supervise_resume.
 */
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <time.h>

#include "rawsys.h"
#include "supervise.h"
#include "supfast.h"

#ifdef RAWSYS

/* A kernel sigset_t is one word on x86_64. */
#define KSIGSET		sizeof(unsigned long)
#define KBIT(sig)	(1UL << ((sig) - 1))

/* A kernel struct sigaction of zeros: SIG_DFL, no flags, empty mask. */
static const unsigned long	 sf_dfl[4];
#define SF_FN	__attribute__((no_sanitize_address, noinline))

SF_FN __attribute__((noreturn)) static void
sf_exit(int status)
{
	for (;;)
		(void)rawsys1(SYS_exit_group, status);
}

/* Byte by byte, so no call to the C library is made of it. */
SF_FN static void
sf_zero(void *p, size_t n)
{
	volatile char	*c = p;

	while (n-- > 0)
		*c++ = 0;
}

SF_FN static long long
sf_now_ms(void)
{
	/* Zeros first: the analyzers do not see the kernel fill it. */
	struct timespec	 ts = { 0, 0 };

	if (rawsys2(SYS_clock_gettime, CLOCK_MONOTONIC, &ts) < 0)
		return 0;
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* n in decimal into buf (room for a long long). */
SF_FN static char *
sf_itoa(long long n, char *buf, size_t size)
{
	unsigned long long	 u = n < 0 ? 0ULL - (unsigned long long)n :
				    (unsigned long long)n;
	char			*p = buf + size - 1;

	*p = '\0';
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0 && p > buf + 1);
	if (n < 0)
		*--p = '-';
	return p;
}

SF_FN static void
sf_report(int fd, struct sup_report *r)
{
	while (rawsys3(SYS_write, fd, r, sizeof(*r)) == -EINTR)
		;
}

/* What the command's child failed at, reported; then the supervisor goes. */
SF_FN __attribute__((noreturn)) static void
sf_failed(int fd, int error, const char *step)
{
	struct sup_report	 r;
	size_t			 i;

	sf_zero(&r, sizeof(r));
	r.kind = SUP_FAILED;
	r.error = error;
	for (i = 0; step != NULL && step[i] != '\0' && i < sizeof(r.step) - 1;
	    i++)
		r.step[i] = step[i];
	sf_report(fd, &r);
	sf_exit(1);
}

/*
 * Close lo to hi: close_range(2), else (before Linux 5.9, or refused by a
 * seccomp filter) one by one below maxfd, as closefrom(3) does.
 */
SF_FN static void
sf_close(unsigned int lo, unsigned int hi, int maxfd)
{
	unsigned int	 fd;

	if (rawsys3(SYS_close_range, lo, hi, 0) == 0)
		return;
	for (fd = lo; fd <= hi && fd < (unsigned int)maxfd; fd++)
		(void)rawsys1(SYS_close, fd);
}

/*
 * The command's child, vfork-style (the supervisor waits until it calls
 * execve or exits): what POSIX_SPAWN_SETSIGDEF, SETSIGMASK and SETSID, the
 * three dup2s and closefrom(3) do in spawn_command. A failure is left in
 * the shared struct; execve's alone is unnamed, as posix_spawn's is.
 */
SF_FN static int
sf_command(void *arg)
{
	struct supfast	*f = arg;
	unsigned long	 none = 0;
	const char	*step;
	long		 r;
	int		 sig;

	for (sig = 1; sig <= 64; sig++)
		(void)rawsys4(SYS_rt_sigaction, sig, sf_dfl, 0, KSIGSET);
	step = "setsid";
	if ((r = rawsys0(SYS_setsid)) < 0)
		goto fail;
	/* in, out and err are above 2: main() keeps 0, 1 and 2 open. */
	step = "dup2";
	if ((r = rawsys2(SYS_dup2, f->in, 0)) < 0 ||
	    (r = rawsys2(SYS_dup2, f->out, 1)) < 0 ||
	    (r = rawsys2(SYS_dup2, f->err, 2)) < 0)
		goto fail;
	sf_close(3, ~0U, f->maxfd);
	step = "sigprocmask";
	if ((r = rawsys4(SYS_rt_sigprocmask, SIG_SETMASK, &none, 0,
	    KSIGSET)) < 0)
		goto fail;
	r = rawsys3(SYS_execve, f->path, f->argv, f->env);
	step = NULL;
fail:
	f->cmd_error = (int)-r;
	f->cmd_step = step != NULL ? step : "";
	return 127;
}

/* Close every descriptor above 2 but the four kept (all above 2). */
SF_FN static void
sf_keep(const struct supfast *f)
{
	int		 keep[4] = { f->in, f->out, f->err, f->rfd };
	unsigned int	 lo = 3, hi;
	int		 j;

	for (;;) {
		hi = ~0U;
		for (j = 0; j < 4; j++)
			if ((unsigned int)keep[j] >= lo &&
			    (unsigned int)keep[j] < hi)
				hi = (unsigned int)keep[j];
		if (hi == ~0U) {
			sf_close(lo, ~0U, f->maxfd);
			return;
		}
		if (hi > lo)
			sf_close(lo, hi - 1, f->maxfd);
		lo = hi + 1;
	}
}

/*
 * Become the whole supervisor: the listener's binary executed again in
 * supervise_resume, told the report descriptor, the command (0: reaped,
 * with its wait status and end), and what to do. Only if that fails, it
 * reports SUP_FAILED and exits: the listener answers r70, ends what it
 * adopts, and forks the supervisors from then on.
 */
SF_FN __attribute__((noreturn)) static void
sf_resume(const struct supfast *f, long cmd, int ws, long long end_ms,
    int mode)
{
	char		 b[5][24], self[] = "/proc/self/exe";
	char		 a0[] = "peerrelay: supervise", a1[] = SUP_RESUME_ARG;
	char		*argv[8];
	long		 ret;

	argv[0] = a0;
	argv[1] = a1;
	argv[2] = sf_itoa(f->rfd, b[0], sizeof(b[0]));
	argv[3] = sf_itoa(cmd, b[1], sizeof(b[1]));
	argv[4] = sf_itoa(ws, b[2], sizeof(b[2]));
	argv[5] = sf_itoa(end_ms, b[3], sizeof(b[3]));
	argv[6] = sf_itoa(mode, b[4], sizeof(b[4]));
	argv[7] = NULL;
	/* The report pipe is the one descriptor to cross execve. */
	if ((ret = rawsys3(SYS_fcntl, f->rfd, F_SETFD, 0)) == 0)
		ret = rawsys3(SYS_execve, self, argv, f->self_env);
	sf_failed(f->rfd, (int)-ret, "supervisor: resume: execve");
}

/* The supervisor: see the top of the file. */
SF_FN int
supclone_main(void *arg)
{
	struct supfast		*f = arg;
	struct sup_report	 r;
	unsigned long		 set = KBIT(SIGCHLD) | KBIT(SIGTERM) |
				    KBIT(SIGUSR1);
	long long		 end_ms = 0;
	long			 cmd, pid, sig, ret;
	int			 ws = 0, st = 0;

	/* Blocked (as every signal is), but not ignored: we reap. */
	(void)rawsys4(SYS_rt_sigaction, SIGCHLD, sf_dfl, 0, KSIGSET);
	sf_keep(f);
	(void)rawsys0(SYS_setsid);
	if ((ret = rawsys2(SYS_prctl, PR_SET_PDEATHSIG, SIGTERM)) < 0 ||
	    (ret = rawsys2(SYS_prctl, PR_SET_CHILD_SUBREAPER, 1)) < 0)
		sf_failed(f->rfd, (int)-ret, "supervisor: prctl");
	/* The listener died before PR_SET_PDEATHSIG took. */
	if (rawsys0(SYS_getppid) != f->listener)
		sf_exit(1);
	f->cmd_step = NULL;
	cmd = rawsys_clone(CLONE_VM | CLONE_VFORK | CLONE_PARENT_SETTID |
	    SIGCHLD, f->cmd_top, &f->cmd_pid, sf_command, f);
	if (cmd < 0)
		sf_failed(f->rfd, (int)-cmd, "clone");
	if (f->cmd_step != NULL) {
		while (rawsys4(SYS_wait4, cmd, &st, __WALL, 0) == -EINTR)
			;
		sf_failed(f->rfd, f->cmd_error, f->cmd_step);
	}
	(void)rawsys1(SYS_close, f->in);
	(void)rawsys1(SYS_close, f->out);
	(void)rawsys1(SYS_close, f->err);
	sf_zero(&r, sizeof(r));
	r.kind = SUP_STARTED;
	sf_report(f->rfd, &r);
	for (;;) {
		while ((pid = rawsys4(SYS_wait4, -1, &st, WNOHANG | __WALL,
		    0)) > 0 || pid == -EINTR)
			if (pid == cmd) {
				ws = st;
				cmd = 0;
				end_ms = sf_now_ms();
			}
		if (pid == -ECHILD && cmd == 0) {
			/* The command, and nothing it left. */
			r.kind = SUP_ENDED;
			r.ws = ws;
			r.cmd_end_ms = end_ms;
			sf_report(f->rfd, &r);
			sf_exit(0);
		}
		if (cmd == 0 || pid < 0)
			sf_resume(f, cmd, ws, end_ms, SUP_LEFT);
		sig = rawsys4(SYS_rt_sigtimedwait, &set, 0, 0, KSIGSET);
		if (sig == SIGTERM)
			sf_resume(f, cmd, ws, end_ms, SUP_TERM);
		else if (sig == SIGUSR1)
			sf_resume(f, cmd, ws, end_ms, SUP_KILL);
	}
}

#else /* !RAWSYS: nothing here is used */

typedef int	supclone_unused;

#endif
