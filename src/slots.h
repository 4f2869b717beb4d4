/* Per-uid slots: no one uid holds more than --max-conns-per-uid. */
#ifndef PEERRELAY_SLOTS_H
#define PEERRELAY_SLOTS_H

#include <sys/types.h>

#include "conn.h"
#include "peer.h"

unsigned int	slots_held(const struct conn *, unsigned int, uid_t);
void		slots_busy(int, const struct peer *, unsigned int);

#endif
