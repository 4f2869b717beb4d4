/*
 * Spawning the command: posix_spawn (vfork semantics in glibc) with a sealed
 * memfd as stdin, pipes as stdout and stderr, a fresh environment, default
 * signals, a session of its own with no controlling terminal, and no
 * descriptor beyond 0, 1 and 2. --run-as takes spawn_as.c's path instead.
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "peer.h"
#include "spawn.h"

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
 * path and argv, the start-up environment (PATH, PROTO and the --keep-env
 * variables the listener has), spawn attributes, --run-as or NULL.
 * -1 with errno; spawn_free undoes it either way.
 */
int
spawn_setup(struct spawner *sp, const char *path, char **argv,
    char *const *keep, size_t nkeep, const struct runas *runas)
{
	sigset_t	 all, none;
	const char	*v;
	size_t		 i;

	memset(sp, 0, sizeof(*sp));
	sp->argv = argv;
	sp->runas = runas;
	if ((sp->path = strdup(path)) == NULL ||
	    (sp->base_env = calloc(nkeep + 3, sizeof(*sp->base_env))) == NULL ||
	    (sp->base_env[sp->nbase++] = strdup(SAFE_PATH)) == NULL ||
	    (sp->base_env[sp->nbase++] = strdup("PROTO=UNIX")) == NULL)
		return -1;
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
 * Close the command's ends of its stdio; when it started (r == 0) hand our
 * read ends over in out and err, else close them too. Returns r, errno
 * intact.
 */
static int
stdio_done(int in, int o[2], int e[2], int r, int *out, int *err)
{
	int	 saved = errno;

	close(in);
	if (o[1] != -1)
		close(o[1]);
	if (e[1] != -1)
		close(e[1]);
	if (r == 0) {
		*out = o[0];
		*err = e[0];
		return 0;
	}
	if (o[0] != -1)
		close(o[0]);
	if (e[0] != -1)
		close(e[0]);
	errno = saved;
	return -1;
}

/*
 * Start the command with data as its stdin: a sealed memfd of the request,
 * and two pipes for its stdout and stderr, whose read ends come back in out
 * and err. Sets *pid; -1 with errno.
 */
int
spawn_job(const struct spawner *sp, char *const *env, const char *data,
    size_t len, pid_t *pid, int *out, int *err)
{
	posix_spawn_file_actions_t	 fa;
	int				 in, o[2] = { -1, -1 }, e[2] = { -1, -1 };
	int				 r;

	*pid = 0;
	if ((in = request_memfd(data, len)) == -1)
		return -1;
	if (output_pipe(o) == -1 || output_pipe(e) == -1)
		return stdio_done(in, o, e, -1, out, err);
	if (sp->runas != NULL)
		return stdio_done(in, o, e, spawn_clone_as(sp, env, in, o[1],
		    e[1], pid), out, err);
	if ((r = posix_spawn_file_actions_init(&fa)) != 0) {
		errno = r;
		return stdio_done(in, o, e, -1, out, err);
	}
	if ((r = posix_spawn_file_actions_adddup2(&fa, in, 0)) == 0 &&
	    (r = posix_spawn_file_actions_adddup2(&fa, o[1], 1)) == 0 &&
	    (r = posix_spawn_file_actions_adddup2(&fa, e[1], 2)) == 0 &&
	    (r = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) == 0)
		r = posix_spawn(pid, sp->path, &fa, sp->attr, sp->argv, env);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0) {
		errno = r;
		*pid = 0;
		return stdio_done(in, o, e, -1, out, err);
	}
	return stdio_done(in, o, e, 0, out, err);
}
