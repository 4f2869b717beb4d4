/*
 * Spawning the command: posix_spawn (vfork semantics in glibc) with a sealed
 * memfd as stdin, pipes as stdout and stderr, a fresh environment, default
 * signals, a session of its own with no controlling terminal, and no
 * descriptor beyond 0, 1 and 2. --run-as takes spawn_as.c's path instead.
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "peer.h"
#include "spawn.h"
#include "supervise.h"
#include "supfast.h"

/* Variables set per connection, after the start-up ones. */
#define PEER_VARS	8
#define SAFE_PATH	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

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

/*
 * What does not change between requests, decided once: COMMAND's resolved
 * path and argv, the start-up environment (PATH, PROTO, UNIXLOCAL* with
 * local as UNIXLOCALPATH unless NULL, and the --keep-env variables the
 * listener has), spawn attributes, --run-as or NULL.
 * -1 with errno; spawn_free undoes it either way.
 */
int
spawn_setup(struct spawner *sp, const char *path, char **argv,
    char *const *keep, size_t nkeep, const struct runas *runas,
    const char *local)
{
	sigset_t	 all, none;
	const char	*v;
	size_t		 i;

	memset(sp, 0, sizeof(*sp));
	sp->argv = argv;
	sp->runas = runas;
	if ((sp->path = strdup(path)) == NULL ||
	    (sp->base_env = calloc(nkeep + 7, sizeof(*sp->base_env))) == NULL ||
	    (sp->base_env[sp->nbase++] = strdup(SAFE_PATH)) == NULL ||
	    (sp->base_env[sp->nbase++] = strdup("PROTO=UNIX")) == NULL)
		return -1;
	/* ucspi-unix's local end: the listener, which holds the connection. */
	if ((local != NULL && asprintf(&sp->base_env[sp->nbase++],
	    "UNIXLOCALPATH=%s", local) == -1) ||
	    asprintf(&sp->base_env[sp->nbase++], "UNIXLOCALPID=%ld",
	    (long)getpid()) == -1 ||
	    asprintf(&sp->base_env[sp->nbase++], "UNIXLOCALUID=%lu",
	    (unsigned long)geteuid()) == -1 ||
	    asprintf(&sp->base_env[sp->nbase++], "UNIXLOCALGID=%lu",
	    (unsigned long)getegid()) == -1) {
		sp->base_env[--sp->nbase] = NULL;
		return -1;
	}
	for (i = 0; i < nkeep; i++) {
		if ((v = getenv(keep[i])) == NULL)
			continue;
		if (asprintf(&sp->base_env[sp->nbase], "%s=%s", keep[i], v) ==
		    -1) {
			sp->base_env[sp->nbase] = NULL;
			return -1;
		}
		sp->nbase++;
	}
	sigfillset(&all);
	sigemptyset(&none);
	/*
	 * A new session: no controlling terminal to type into (TIOCSTI) or
	 * read from, and a process group whose id is the command's pid.
	 */
	if ((sp->attr = malloc(sizeof(*sp->attr))) == NULL)
		return -1;
	if ((errno = posix_spawnattr_init(sp->attr)) != 0)
		return -1;
	sp->attr_set = 1;
	if ((errno = posix_spawnattr_setsigdefault(sp->attr, &all)) != 0 ||
	    (errno = posix_spawnattr_setsigmask(sp->attr, &none)) != 0 ||
	    (errno = posix_spawnattr_setflags(sp->attr, POSIX_SPAWN_SETSIGDEF |
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSID)) != 0)
		return -1;
	return 0;
}

void
spawn_free(struct spawner *sp)
{
	size_t	 i;

	if (sp->base_env != NULL)
		for (i = 0; i < sp->nbase; i++)
			free(sp->base_env[i]);
	free(sp->base_env);
	free(sp->path);
	if (sp->attr_set)
		posix_spawnattr_destroy(sp->attr);
	free(sp->attr);
	memset(sp, 0, sizeof(*sp));
}

/*
 * The command's environment for one peer: the start-up variables plus the
 * ucspi-unix ones and its connection's id (the request's is added per
 * request). One allocation, freed with free().
 */
char **
spawn_env(const struct spawner *sp, const struct peer *p)
{
	char	**env, *s, *end;
	size_t	 slots, room, i, k = 0;
	int	 n;

	slots = sp->nbase + PEER_VARS + 1;
	room = 4 * 40 + sizeof(p->user) + sizeof(p->group) + 32 +
	    sizeof("PEERRELAY_CONN_ID=") + sizeof(p->conn_id);
	if (p->cgroup != NULL)
		room += strlen(p->cgroup) + 64 + (p->unit != NULL ?
		    strlen(p->unit) : 0);
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
	if (p->cgroup != NULL)
		ADD("UNIXREMOTECGROUP=%s", p->cgroup);
	if (p->unit != NULL)
		ADD("UNIXREMOTEUNIT=%s", p->unit);
	if (p->conn_id[0] != '\0')
		ADD("PEERRELAY_CONN_ID=%s", p->conn_id);
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
 * Start the command with in, out and err as its 0, 1 and 2: posix_spawn,
 * or spawn_as.c's path for --run-as. In the supervisor. Sets *pid; -1 with
 * errno and *step naming what failed, when it is known.
 */
int
spawn_command(const struct spawner *sp, char *const *env, int in, int out,
    int err, pid_t *pid, const char **step)
{
	posix_spawn_file_actions_t	 fa;
	int				 r;

	*pid = 0;
	if (sp->runas != NULL)
		return spawn_clone_as(sp, env, in, out, err, pid, step);
	if ((r = posix_spawn_file_actions_init(&fa)) != 0) {
		errno = r;
		return -1;
	}
	if ((r = posix_spawn_file_actions_adddup2(&fa, in, 0)) == 0 &&
	    (r = posix_spawn_file_actions_adddup2(&fa, out, 1)) == 0 &&
	    (r = posix_spawn_file_actions_adddup2(&fa, err, 2)) == 0 &&
	    (r = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) == 0)
		r = posix_spawn(pid, sp->path, &fa, sp->attr, sp->argv, env);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0) {
		errno = r;
		*pid = 0;
		return -1;
	}
	return 0;
}

/* Close what is open of the five, errno intact. */
static void
close_all(int in, const int o[2], const int e[2])
{
	int	 saved = errno, fds[5] = { in, o[0], o[1], e[0], e[1] };
	size_t	 i;

	for (i = 0; i < 5; i++)
		if (fds[i] != -1)
			close(fds[i]);
	errno = saved;
}

/* The supervisor's first report: 0 when the command started, else -1. */
static int
started(pid_t pid, int rfd)
{
	struct sup_report	 r;
	struct pollfd		 p = { .fd = rfd, .events = POLLIN };
	ssize_t			 n = -1;
	int			 ready, ws;

	/*
	 * Bounded: a supervisor stopped before it reports must not hold the
	 * loop. It is killed then, and what it may have started swept.
	 */
	while ((ready = poll(&p, 1, SUP_START_MS)) == -1 && errno == EINTR)
		;
	if (ready != 1)
		(void)kill(pid, SIGKILL);
	else
		while ((n = read(rfd, &r, sizeof(r))) == -1 && errno == EINTR)
			;
	if (n == (ssize_t)sizeof(r) && r.kind == SUP_STARTED)
		return 0;
	/* It exits at once: reaped here, not as a request. */
	while (waitpid(pid, &ws, 0) == -1 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(r) || r.kind != SUP_FAILED) {
		/* Killed, or silent: the command may run, unsupervised. */
		errno = n == -1 ? ETIMEDOUT : EPIPE;
		return -1;
	}
	sup_report_log(&r);
	errno = r.error;
	return -1;
}

/*
 * Start the request: a sealed memfd of data as its stdin, two pipes for
 * its stdout and stderr, and its supervisor (supfast.c, else supervise.c
 * forked), which starts the command and reports on a third pipe. Our ends
 * come back in io: stdout, stderr, the reports. Sets *pid, the
 * supervisor's, and *stack, supfast.c's mapping to free once it is
 * reaped (or NULL); -1 with errno.
 */
int
spawn_job(const struct spawner *sp, char *const *env, const char *data,
    size_t len, pid_t *pid, int io[3], void **stack)
{
	int	 in, o[2] = { -1, -1 }, e[2] = { -1, -1 }, r[2];
	pid_t	 self = getpid();

	*pid = 0;
	*stack = NULL;
	if ((in = request_memfd(data, len)) == -1)
		return -1;
	if (output_pipe(o) == -1 || output_pipe(e) == -1 ||
	    pipe2(r, O_CLOEXEC) == -1) {
		close_all(in, o, e);
		return -1;
	}
	/* Cloned into our memory where it can be, else forked. */
	if (sp->runas == NULL && supfast_usable())
		*pid = supfast_start(sp, env, (int[4]){ in, o[1], e[1], r[1] },
		    self, stack);
	else if ((*pid = fork()) == 0)
		supervise(sp, env, in, o[1], e[1], r[1], self);
	if (*pid == -1) {
		*pid = 0;
		close(r[0]);
		close(r[1]);
		close_all(in, o, e);
		return -1;
	}
	close(r[1]);
	close(in);
	close(o[1]);
	close(e[1]);
	if (started(*pid, r[0]) == -1) {
		/* Reaped; and its command's child, should it be left. */
		supfast_abandon(*stack);
		*stack = NULL;
		*pid = 0;
		close(r[0]);
		o[1] = e[1] = -1;
		close_all(-1, o, e);
		return -1;
	}
	io[0] = o[0];
	io[1] = e[0];
	io[2] = r[0];
	return 0;
}
