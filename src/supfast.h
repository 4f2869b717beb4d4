/* A request's supervisor cloned into the listener's memory (supfast.c). */
#ifndef PEERRELAY_SUPFAST_H
#define PEERRELAY_SUPFAST_H

#include <sys/types.h>

#include "spawn.h"

int	supfast_usable(void);
pid_t	supfast_start(const struct spawner *, char *const *, const int[4],
	    pid_t, void **);
void	supfast_free(void *);
void	supfast_abandon(void *);
void	supfast_reaped(pid_t);
void	supfast_disable(void);

#endif
