/* Denials, busy and handed-on refusals, rate-limited per uid, summed up. */
#ifndef PEERRELAY_DENIALS_H
#define PEERRELAY_DENIALS_H

#include <sys/types.h>

#include <stddef.h>

/*
 * What was refused: a denied peer, one over its per-uid slots, or a
 * datagram from a process the connection was handed on to.
 */
enum denial_kind {
	DENIAL_DENY = 0,
	DENIAL_BUSY = 1,
	DENIAL_HANDON = 2
};
#define DENIAL_KINDS		3

#define DENIALS_FULL		5	/* lines in full per uid and window */
#define DENIALS_WINDOW_MS	10000
#define DENIALS_UIDS		64	/* past these, one "other uids" count */
#define DENIALS_RETRY_MS	1000	/* a summary the log could not take */

/* Queue a summary line (without "peerrelay: "); 0, or -1 when no room. */
typedef int	(*denials_emit)(enum denial_kind, const char *, size_t);

int		denials_take(enum denial_kind, uid_t, long long);
void		denials_missed(enum denial_kind, uid_t);
long long	denials_timers(long long, int, denials_emit);

#endif
