/*
 * Spawning the command: posix_spawn (vfork semantics in glibc) with a sealed
 * memfd as stdin, pipes as stdout and stderr, a fresh environment, default
 * signals, a session of its own with no controlling terminal, and no
 * descriptor beyond 0, 1 and 2; with --run-as, a session keyring of its own.
 */
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <linux/keyctl.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "peer.h"
#include "privdrop.h"
#include "spawn.h"

/* Variables set per connection, after the start-up ones. */
#define PEER_VARS	5

static int
is_executable(const char *path)
{
	struct stat	 st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    access(path, X_OK) == 0;
}

/*
 * Decide COMMAND's path once: as given when it holds a slash, else the first
 * executable match in the listener's PATH. -1 when there is none.
 */
int
spawn_resolve(const char *cmd, char *out, size_t size)
{
	const char	*path, *p, *end;
	size_t		 n;
	int		 r;

	if (strchr(cmd, '/') != NULL) {
		/* Absolute, so the listener's working directory does not matter. */
		if (size < PATH_MAX || realpath(cmd, out) == NULL ||
		    !is_executable(out))
			return -1;
		return 0;
	}
	if ((path = getenv("PATH")) == NULL)
		path = "/usr/bin:/bin";
	for (p = path; ; p = end + 1) {
		end = strchr(p, ':');
		n = end != NULL ? (size_t)(end - p) : strlen(p);
		/* Empty or relative elements depend on the working directory. */
		if (n > 0 && *p == '/') {
			r = snprintf(out, size, "%.*s/%s", (int)n, p, cmd);
			if (r > 0 && (size_t)r < size && is_executable(out))
				return 0;
		}
		if (end == NULL)
			return -1;
	}
}

int
spawn_init(struct spawner *sp, char *path, char **argv, char **base_env,
    size_t nbase)
{
	sigset_t	 all, none;

	memset(sp, 0, sizeof(*sp));
	sp->path = path;
	sp->argv = argv;
	sp->base_env = base_env;
	sp->nbase = nbase;
	sigfillset(&all);
	sigemptyset(&none);
	/*
	 * A new session: no controlling terminal to type into (TIOCSTI) or
	 * read from, and a process group whose id is the command's pid.
	 */
	if ((errno = posix_spawnattr_init(&sp->attr)) != 0 ||
	    (errno = posix_spawnattr_setsigdefault(&sp->attr, &all)) != 0 ||
	    (errno = posix_spawnattr_setsigmask(&sp->attr, &none)) != 0 ||
	    (errno = posix_spawnattr_setflags(&sp->attr, POSIX_SPAWN_SETSIGDEF |
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSID)) != 0)
		return -1;
	return 0;
}

/*
 * The command's environment for one peer: the start-up variables plus the
 * ucspi-unix ones. One allocation, freed with free().
 */
char **
spawn_env(const struct spawner *sp, const struct peer *p)
{
	char	**env, *s, *end;
	size_t	 slots, room, i, k = 0;
	int	 n;

	slots = sp->nbase + PEER_VARS + 1;
	room = 4 * 40 + sizeof(p->user) + sizeof(p->group) + 32;
	if ((env = malloc(slots * sizeof(*env) + room)) == NULL)
		return NULL;
	s = (char *)(env + slots);
	end = s + room;
	for (i = 0; i < sp->nbase; i++)
		env[k++] = sp->base_env[i];
#define ADD(...) do {							\
	n = snprintf(s, (size_t)(end - s), __VA_ARGS__);		\
	if (n < 0 || n >= end - s)					\
		goto toolong;						\
	env[k++] = s;							\
	s += n + 1;							\
} while (0)
	ADD("UNIXREMOTEPID=%ld", (long)p->pid);
	ADD("UNIXREMOTEEUID=%lu", (unsigned long)p->uid);
	ADD("UNIXREMOTEEGID=%lu", (unsigned long)p->gid);
	if (p->user[0] != '\0')
		ADD("UNIXREMOTEUSER=%s", p->user);
	if (p->group[0] != '\0')
		ADD("UNIXREMOTEGROUP=%s", p->group);
#undef ADD
	env[k] = NULL;
	return env;
toolong:
	free(env);
	errno = ENAMETOOLONG;
	return NULL;
}

/* A read-only snapshot of the request: no deadlock however the command reads. */
static int
request_memfd(const char *data, size_t len)
{
	ssize_t	 w;
	size_t	 off = 0;
	int	 fd, saved;

	fd = memfd_create("peerrelay-request", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd == -1)
		return -1;
	while (off < len) {
		if ((w = write(fd, data + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)w;
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE |
	    F_SEAL_SEAL) == -1 || lseek(fd, 0, SEEK_SET) == -1)
		goto fail;
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/* Our read end non-blocking, the command's write end left blocking. */
static int
output_pipe(int p[2])
{
	if (pipe2(p, O_CLOEXEC) == -1)
		return -1;
	if (fcntl(p[0], F_SETFL, O_NONBLOCK) == -1) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	return 0;
}

/*
 * Close the command's ends of its stdio; when it started (r == 0) keep our
 * read ends in j, else close them too. Returns r, errno intact.
 */
static int
stdio_done(struct job *j, int in, int out[2], int err[2], int r)
{
	int	 saved = errno;

	close(in);
	if (out[1] != -1)
		close(out[1]);
	if (err[1] != -1)
		close(err[1]);
	if (r == 0) {
		j->out = out[0];
		j->err = err[0];
		return 0;
	}
	if (out[0] != -1)
		close(out[0]);
	if (err[0] != -1)
		close(err[0]);
	errno = saved;
	return -1;
}

/* The command's stdio: a sealed memfd of the request, and two pipes. */
static int
stdio_open(struct job *j, const char *data, size_t len, int *in, int out[2],
    int err[2])
{
	memset(j, 0, sizeof(*j));
	j->out = j->err = -1;
	out[0] = out[1] = err[0] = err[1] = -1;
	if ((*in = request_memfd(data, len)) == -1)
		return -1;
	if (output_pipe(out) == -1 || output_pipe(err) == -1)
		return stdio_done(j, *in, out, err, -1);
	return 0;
}

/* Start the command with data as its stdin. Fills j; -1 with errno. */
int
spawn_job(const struct spawner *sp, char *const *env, const char *data,
    size_t len, struct job *j)
{
	posix_spawn_file_actions_t	 fa;
	int				 in, out[2] = { -1, -1 };
	int				 err[2] = { -1, -1 }, r;

	if (sp->runas != NULL)
		return spawn_job_as(sp, env, data, len, j);
	if (stdio_open(j, data, len, &in, out, err) == -1)
		return -1;
	if ((r = posix_spawn_file_actions_init(&fa)) != 0) {
		errno = r;
		goto fail;
	}
	if ((r = posix_spawn_file_actions_adddup2(&fa, in, 0)) == 0 &&
	    (r = posix_spawn_file_actions_adddup2(&fa, out[1], 1)) == 0 &&
	    (r = posix_spawn_file_actions_adddup2(&fa, err[1], 2)) == 0 &&
	    (r = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) == 0)
		r = posix_spawn(&j->pid, sp->path, &fa, &sp->attr, sp->argv,
		    env);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0) {
		errno = r;
		j->pid = 0;
		goto fail;
	}
	return stdio_done(j, in, out, err, 0);
fail:
	return stdio_done(j, in, out, err, -1);
}

/* Signal the command's whole process group (its session's first). */
void
spawn_signal(struct job *j, int sig)
{
	if (j->pid > 0)
		(void)kill(-j->pid, sig);
}

void
spawn_close(struct job *j)
{
	if (j->out != -1)
		close(j->out);
	if (j->err != -1)
		close(j->err);
	j->out = j->err = -1;
}

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
 * What failed in the child comes back through the memory they share; the
 * child exits 127.
 */
int
spawn_job_as(const struct spawner *sp, char *const *env, const char *data,
    size_t len, struct job *j)
{
	/* One child at a time: the listener waits while it runs here. */
	static char		 stack[128 * 1024] __attribute__((aligned(16)));
	struct child		 c;
	struct rlimit		 rl;
	pid_t			 pid;
	int			 in, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	int			 ws;

	if (stdio_open(j, data, len, &in, out, err) == -1)
		return -1;
	memset(&c, 0, sizeof(c));
	c.sp = sp;
	c.env = env;
	c.in = in;
	c.out = out[1];
	c.err = err[1];
	c.maxfd = getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur < 65536 ? (int)rl.rlim_cur : 65536;
	if ((pid = clone(runas_child, stack + sizeof(stack),
	    CLONE_VM | CLONE_VFORK | SIGCHLD, &c)) == -1)
		goto fail;
	if (c.step != NULL) {
		/* It has exited already: reap it here, not as a request. */
		(void)waitpid(pid, &ws, 0);
		log_line(LOG_ALWAYS, "--run-as: %s: %s", c.step,
		    strerror(c.error));
		errno = c.error;
		goto fail;
	}
	j->pid = pid;
	return stdio_done(j, in, out, err, 0);
fail:
	return stdio_done(j, in, out, err, -1);
}
