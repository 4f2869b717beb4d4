/* A request's supervisor cloned into the listener's memory (supfast.c). */
#ifndef PEERRELAY_SUPFAST_H
#define PEERRELAY_SUPFAST_H

#include <sys/types.h>

#include "spawn.h"

/* At the top of its mapping: what the supervisor is given, and leaves. */
struct supfast {
	const char	*path;
	char *const	*argv;
	char *const	*env;
	char *const	*self_env;	/* the listener's, to resume with */
	int		 in, out, err, rfd, maxfd;
	pid_t		 listener;
	char		*cmd_top;	/* the command's stack */
	const char	*cmd_step;	/* what failed in the command's child */
	int		 cmd_error;
	int		 cmd_pid;	/* the command's, as soon as it exists */
};

int	supclone_main(void *);
int	supfast_usable(void);
pid_t	supfast_start(const struct spawner *, char *const *, const int[4],
	    pid_t, void **);
void	supfast_free(void *);
void	supfast_abandon(void *);
void	supfast_reaped(pid_t);
void	supfast_disable(void);

#endif
