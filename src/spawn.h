/* Running COMMAND for one request. */
#ifndef PEERRELAY_SPAWN_H
#define PEERRELAY_SPAWN_H

#include <sys/types.h>

#include <spawn.h>
#include <stddef.h>

#include "peer.h"
#include "privdrop.h"

/* What does not change between requests: decided once at start-up. */
struct spawner {
	char			*path;		/* COMMAND, resolved */
	char			**argv;
	char			**base_env;	/* PATH, PROTO, --keep-env */
	size_t			 nbase;
	posix_spawnattr_t	 attr;
	const struct runas	*runas;		/* --run-as, or NULL */
};

/* One running command. */
struct job {
	pid_t	 pid;		/* 0: no command running */
	int	 out, err;	/* our ends of its stdout and stderr, or -1 */
	int	 reaped;
	int	 wstatus;
	int	 timed_out;
	int	 termed;
	long long start_ms, term_ms, kill_ms;
};

int	spawn_resolve(const char *, char *, size_t);
int	spawn_init(struct spawner *, char *, char **, char **, size_t);
char  **spawn_env(const struct spawner *, const struct peer *);
int	spawn_job(const struct spawner *, char *const *, const char *, size_t,
	    struct job *);
int	spawn_job_as(const struct spawner *, char *const *, const char *,
	    size_t, struct job *);
void	spawn_signal(struct job *, int);
void	spawn_close(struct job *);

#endif
