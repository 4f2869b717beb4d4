/* systemd socket activation: one listening socket inherited as fd 3. */
#ifndef PEERRELAY_ACTIVATE_H
#define PEERRELAY_ACTIVATE_H

#include "addr.h"

/* SD_LISTEN_FDS_START: the first (here, the only) inherited socket. */
#define ACTIVATE_FD	3

enum activate_state {
	ACTIVATE_NONE,		/* LISTEN_PID and LISTEN_FDS not set */
	ACTIVATE_OURS,		/* exactly one socket, for this process */
	ACTIVATE_OTHER		/* set, but not usable: see why */
};

struct activation {
	enum activate_state	 state;
	char			 why[160];	/* ACTIVATE_OTHER: the values */
	char			 name[2 * ADDR_MAX + 2];	/* path or @name */
	char			 text[2 * ADDR_MAX + 48];	/* for the log */
	int			 passcred;	/* SO_PASSCRED was on */
};

int	activate_env(struct activation *);
int	activate_socket(struct activation *, struct addr *, int,
	    const char **);

#endif
