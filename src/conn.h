/* One client connection: its peer, its replies, its requests' life. */
#ifndef PEERRELAY_CONN_H
#define PEERRELAY_CONN_H

#include <poll.h>

#include "config.h"
#include "connid.h"
#include "dgram.h"
#include "job.h"
#include "outq.h"
#include "peer.h"
#include "spawn.h"

struct conn {
	int		 fd;		/* -1: free slot */
	int		 fresh;		/* accepted this round: read it now */
	struct peer	 peer;
	struct outq	 q;
	char		**env;		/* the command's, for this peer */
	struct job	 job;
	int		 counted;	/* said hello: acks go as 'A' counts */
	unsigned long	 acks;		/* records written, not yet acknowledged */
	int		 eof;		/* client sent end of stream */
	int		 gone;		/* client vanished: drop replies */
	unsigned long long requests;
	unsigned long	 stop_refused;	/* refused: the listener stops */
	int		 last_status;
	long long	 active_ms;	/* last sign of life */
	/* Serial actions (serial.c): the one its job holds, or waits for. */
	char		 running[RULES_MAX_ACTION + 1];
	char		 wait[RULES_MAX_ACTION + 1];
	unsigned long long ticket;	/* its place in the wait */
	/* The running request's PEERRELAY_REQUEST_ID, for its environment. */
	char		 req_env[sizeof("PEERRELAY_REQUEST_ID=") +
			    CONNID_REQ_SIZE];
};

int	conn_open(struct conn *, int, const struct config *,
	    const struct spawner *, const struct conn *);
void	conn_stop(struct conn *);
void	conn_close(struct conn *, const char *);
int	conn_print(struct conn *, struct intake *, const struct config *, int);
void	conn_exec(struct conn *, struct intake *, const struct config *,
	    const struct spawner *, const struct conn *, int);
void	conn_relay(struct conn *, int, char *);
/* conn.c, for conn_exec.c */
void	conn_refuse(struct conn *, int, const char *);
int	conn_check(struct conn *, const struct dgram *, const struct config *);
void	conn_reaped(struct conn *, int, const struct rusage *, char *);
long long conn_timers(struct conn *, const struct config *, long long);
short	conn_events(const struct conn *);
int	conn_reads_job(const struct conn *);
int	conn_wants_read(const struct conn *, const struct pollfd *, int);
void	conn_flush(struct conn *);
const char *conn_done(const struct conn *);

#endif
