/* Who is let in: credentials, the policy, the per-uid slots, each sender. */
#ifndef PEERRELAY_ADMIT_H
#define PEERRELAY_ADMIT_H

#include "config.h"
#include "conn.h"
#include "dgram.h"
#include "peer.h"

int	admit(int, const struct config *, const struct conn *, struct peer *);
const char *admit_sender(const struct peer *, const struct dgram *);

#endif
