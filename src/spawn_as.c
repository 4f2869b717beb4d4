/*
 * Spawning the command as the --run-as user: what posix_spawn does, by
 * hand with clone(2), plus dropping to the user and a session keyring of
 * its own before execve.
 */
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <linux/keyctl.h>

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "privdrop.h"
#include "spawn.h"

/* What the --run-as child is given, and what it leaves when it fails. */
struct child {
	const struct spawner	*sp;
	char *const		*env;
	int			 in, out, err, maxfd;
	const char		*step;		/* the step that failed */
	int			 error;
};

/*
 * The --run-as child, on its own stack in the listener's memory, the
 * listener suspended until it calls execve or exits (so does posix_spawn).
 * Raw system calls where glibc's wrappers would act for the listener's
 * threads too. Not instrumented by ASan, which cannot follow the switch to
 * this stack (glibc's posix_spawn child is not instrumented either).
 */
__attribute__((no_sanitize_address)) static int
runas_child(void *arg)
{
	/* A kernel struct sigaction of zeros: SIG_DFL, no flags, empty mask. */
	static const char	 dfl[64];
	struct child		*c = arg;
	const char		*step;
	sigset_t		 none;
	int			 sig, fd;

	/*
	 * Every signal at its default, 32 and 33 included (glibc's
	 * sigaction refuses those). The handlers are not shared with the
	 * listener: CLONE_SIGHAND is not set.
	 */
	for (sig = 1; sig < NSIG; sig++)
		(void)syscall(SYS_rt_sigaction, sig, dfl, NULL, (NSIG - 1) / 8);
	/* As POSIX_SPAWN_SETSID: no controlling terminal, pgid == pid. */
	step = "setsid";
	if (setsid() == -1)
		goto fail;
	step = "dup2";
	if (dup2(c->in, 0) == -1 || dup2(c->out, 1) == -1 ||
	    dup2(c->err, 2) == -1)
		goto fail;
	step = "close_range";
	if (syscall(SYS_close_range, 3U, ~0U, 0) == -1) {
		/* Kernels before close_range(2) (5.9). */
		if (errno != ENOSYS)
			goto fail;
		for (fd = 3; fd < c->maxfd; fd++)
			(void)close(fd);
	}
	if (runas_drop(c->sp->runas, &step) == -1)
		goto fail;
	/* Not the listener's keyring: joined as the user, so the user's own. */
	step = "keyctl";
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) == -1 &&
	    errno != ENOSYS)
		goto fail;
	step = "sigprocmask";
	sigemptyset(&none);
	if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL,
	    (NSIG - 1) / 8) == -1)
		goto fail;
	execve(c->sp->path, c->sp->argv, c->env);
	step = "execve";
fail:
	c->error = errno;
	c->step = step;
	_exit(127);
}

/*
 * --run-as: posix_spawn cannot change credentials, so do what it does
 * (clone with CLONE_VM | CLONE_VFORK, descriptors, default signals, own
 * session), drop to the user and join a new session keyring before execve.
 * in, out and err become its 0, 1 and 2. What failed in the child comes
 * back through the memory they share (errno, and the step in *step); the
 * child exits 127. -1 with errno.
 */
int
spawn_clone_as(const struct spawner *sp, char *const *env, int in, int out,
    int err, pid_t *pidp, const char **step)
{
	/* One child at a time: the listener waits while it runs here. */
	static char		 stack[128 * 1024] __attribute__((aligned(16)));
	struct child		 c;
	struct rlimit		 rl;
	pid_t			 pid;
	int			 ws;

	memset(&c, 0, sizeof(c));
	c.sp = sp;
	c.env = env;
	c.in = in;
	c.out = out;
	c.err = err;
	c.maxfd = getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur < 65536 ? (int)rl.rlim_cur : 65536;
	if ((pid = clone(runas_child, stack + sizeof(stack),
	    CLONE_VM | CLONE_VFORK | SIGCHLD, &c)) == -1) {
		*step = "clone";
		return -1;
	}
	if (c.step != NULL) {
		/* It has exited already: reap it here, not as a request. */
		(void)waitpid(pid, &ws, 0);
		*step = c.step;
		errno = c.error;
		return -1;
	}
	*pidp = pid;
	return 0;
}
