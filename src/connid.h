/*
 * Connection ids, unique across restarts: a prefix of 12 hex digits drawn
 * at random at start-up, '-', a counter from 1. A request's id is the
 * connection's, '.', its ordinal on the connection.
 */
#ifndef PEERRELAY_CONNID_H
#define PEERRELAY_CONNID_H

#define CONNID_PREFIX	12
/* A connection's id: the prefix, '-', up to 20 digits, NUL. */
#define CONNID_SIZE	(CONNID_PREFIX + 1 + 20 + 1)
/* A request's: the connection's, '.', up to 20 digits. */
#define CONNID_REQ_SIZE	(CONNID_SIZE + 1 + 20)

int	connid_init(void);
void	connid_next(char *);
const char *connid_request(char *, const char *, unsigned long long);

#endif
