/* The listener's serving loop, from a bound socket to a status. */
#ifndef PEERRELAY_SERVER_H
#define PEERRELAY_SERVER_H

#include "config.h"

int	server_run(struct config *, int);
int	server_fd_budget(unsigned int, unsigned long long *,
	    unsigned long long *);

#endif
