/*
 * A request's supervisor started without copying the listener: cloned with
 * CLONE_VM, it runs in the listener's memory, on a stack of its own, and
 * so makes only raw system calls (its code: supclone.c; rawsys.h: no
 * errno, no lock, no malloc that the listener could be in the middle of).
 * It does what supervise.c does up to the command's end: a session of its own, PR_SET_PDEATHSIG, a
 * subreaper, the command started (as posix_spawn would: vfork-style, its
 * signals at their defaults, 0, 1, 2 and nothing more), STARTED reported.
 * When the command exits and nothing is left, it reports the end and
 * exits: the common case, at the cost of a posix_spawn. When something is
 * left, or the listener asks it to end the command, it becomes the whole
 * supervisor by executing the listener's binary again (supervise_resume),
 * which leaves the listener's memory; the same process, so the same
 * parent, children and subreaper.
 */
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rawsys.h"
#include "spawn.h"
#include "supervise.h"
#include "supfast.h"

#ifdef RAWSYS

/* The mapping: a guard page, the command's stack, then the supervisor's. */
#define SF_GUARD	4096
#define SF_CMD_STACK	(28 * 1024)
#define SF_SIZE		(64 * 1024 + SF_GUARD)
/* A supervisor could not resume: from then on, they are forked. */
static int			 supfast_off;
/* Mappings that an abandoned command's child may still be on. */
#define SF_GRAVES	64
static struct {
	pid_t	 pid;
	void	*stack;
}				 sf_graves[SF_GRAVES];

/*
 * Can it be used here: not under valgrind, which runs no clone(2) of
 * this kind, and with /proc/self/exe to resume from (decided once), and
 * no supervisor has failed to resume from it.
 */
int
supfast_usable(void)
{
	static int	 usable = -1;
	const char	*pre;

	if (supfast_off)
		return 0;
	if (usable == -1) {
		pre = getenv("LD_PRELOAD");
		usable = (pre == NULL || strstr(pre, "vgpreload") == NULL) &&
		    access("/proc/self/exe", X_OK) == 0;
	}
	return usable;
}

/*
 * Clone the supervisor for the command sp names, with in, out, err as
 * its 0, 1, 2 and reports on rfd. Its pid, and in *stack the mapping it
 * runs on, to be given to supfast_free once it is reaped; -1 with errno.
 */
pid_t
supfast_start(const struct spawner *sp, char *const *env, const int fds[4],
    pid_t listener, void **stack)
{
	extern char	**environ;
	struct supfast	*f;
	struct rlimit	 rl;
	sigset_t	 all, old;
	char		*base;
	pid_t		 pid;
	int		 saved;

	base = mmap(NULL, SF_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (base == MAP_FAILED)
		return -1;
	if (mprotect(base, SF_GUARD, PROT_NONE) == -1) {
		saved = errno;
		(void)munmap(base, SF_SIZE);
		errno = saved;
		return -1;
	}
	f = (struct supfast *)(base + SF_SIZE) - 1;
	memset(f, 0, sizeof(*f));
	f->path = sp->path;
	f->argv = sp->argv;
	f->env = env;
	f->self_env = environ;
	f->in = fds[0];
	f->out = fds[1];
	f->err = fds[2];
	f->rfd = fds[3];
	f->maxfd = getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur < 65536 ? (int)rl.rlim_cur : 65536;
	f->listener = listener;
	f->cmd_top = base + SF_GUARD + SF_CMD_STACK;
	/* Every signal blocked from its first instruction: it takes them. */
	sigfillset(&all);
	(void)sigprocmask(SIG_SETMASK, &all, &old);
	pid = clone(supclone_main, (void *)((uintptr_t)f & ~(uintptr_t)15),
	    CLONE_VM | SIGCHLD, f);
	saved = errno;
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid == -1) {
		(void)munmap(base, SF_SIZE);
		errno = saved;
		return -1;
	}
	*stack = base;
	return pid;
}

void
supfast_free(void *stack)
{
	if (stack != NULL)
		(void)munmap(stack, SF_SIZE);
}

/*
 * A supervisor reaped before it said the command started (killed, or
 * silent): the command's child, orphaned to us (a subreaper), may still
 * be in execve, on this mapping and with the listener's memory. It is
 * killed (once SIGKILL is pending, execve runs nothing of ours), and the
 * mapping freed once it is reaped: now, or by supfast_reaped. errno is
 * left as it was.
 */
void
supfast_abandon(void *stack)
{
	struct supfast	*f;
	pid_t		 pid;
	size_t		 i;
	int		 ws, saved = errno;

	if (stack == NULL)
		return;
	f = (struct supfast *)((char *)stack + SF_SIZE) - 1;
	pid = __atomic_load_n(&f->cmd_pid, __ATOMIC_ACQUIRE);
	/* Not reaped by us yet, so its pid is still its own. */
	if (pid > 0 && waitpid(pid, &ws, WNOHANG | __WALL) == 0) {
		(void)kill(pid, SIGKILL);
		for (i = 0; i < SF_GRAVES; i++)
			if (sf_graves[i].pid == 0) {
				sf_graves[i].pid = pid;
				sf_graves[i].stack = stack;
				errno = saved;
				return;
			}
		/* No room left to remember it: it goes before we go on. */
		while (waitpid(pid, &ws, __WALL) == -1 && errno == EINTR)
			;
	}
	supfast_free(stack);
	/* Why the start failed is the caller's to tell. */
	errno = saved;
}

/* The listener reaped pid: an abandoned child's mapping is free now. */
void
supfast_reaped(pid_t pid)
{
	size_t	 i;

	for (i = 0; i < SF_GRAVES; i++)
		if (sf_graves[i].pid == pid) {
			supfast_free(sf_graves[i].stack);
			sf_graves[i].pid = 0;
			sf_graves[i].stack = NULL;
		}
}

/* Resuming failed (SUP_FAILED after SUP_STARTED): fork from now on. */
void
supfast_disable(void)
{
	supfast_off = 1;
}

#else /* !RAWSYS: the supervisor is forked (spawn.c) */

int
supfast_usable(void)
{
	return 0;
}

pid_t
supfast_start(const struct spawner *sp, char *const *env, const int fds[4],
    pid_t listener, void **stack)
{
	(void)sp;
	(void)env;
	(void)fds;
	(void)listener;
	*stack = NULL;
	errno = ENOSYS;
	return -1;
}

void
supfast_free(void *stack)
{
	(void)stack;
}

void
supfast_abandon(void *stack)
{
	(void)stack;
}

void
supfast_reaped(pid_t pid)
{
	(void)pid;
}

void
supfast_disable(void)
{
}

#endif
