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
	char			**base_env;	/* PATH, PROTO, UNIXLOCAL*, -e */
	size_t			 nbase;
	/* Allocated: a copy of the spawner (a rule's command) shares it. */
	posix_spawnattr_t	*attr;
	int			 attr_set;	/* attr needs destroying */
	const struct runas	*runas;		/* --run-as, or NULL */
};

int	spawn_resolve(const char *, char *, size_t);
int	spawn_setup(struct spawner *, const char *, char **, char *const *,
	    size_t, const struct runas *, const char *);
void	spawn_free(struct spawner *);
char  **spawn_env(const struct spawner *, const struct peer *);
int	spawn_job(const struct spawner *, char *const *, const char *, size_t,
	    pid_t *, int[3], void **);
int	spawn_command(const struct spawner *, char *const *, int, int, int,
	    pid_t *, const char **);
/* spawn_as.c, for spawn_command: the --run-as path. */
int	spawn_clone_as(const struct spawner *, char *const *, int, int, int,
	    pid_t *, const char **);

#endif
