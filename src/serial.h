/* A serial action's turns: one request at a time, the others in order. */
#ifndef PEERRELAY_SERIAL_H
#define PEERRELAY_SERIAL_H

#include "conn.h"
#include "rules.h"

int	serial_waits(struct conn *, const struct conn *, unsigned int,
	    const struct rules *);
void	serial_started(struct conn *, const struct rule *);

#endif
