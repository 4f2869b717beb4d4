/*
 * The listener's log queue: lines wait here until their destination
 * (stderr, or a socket of our own to /dev/log) can take them, so the
 * serve loop never blocks on logging.
 */
#ifndef PEERRELAY_LOGQ_H
#define PEERRELAY_LOGQ_H

#include <stddef.h>

/* How a line is queued. */
enum logq_class {
	LOGQ_NORMAL,	/* the whole queue; counted as dropped when full */
	LOGQ_LOSSY,	/* denials and summaries: half of it, no count */
	LOGQ_START,	/* a request's start line, room kept for its run line */
	LOGQ_RUN	/* the run line: takes the room its start kept */
};

#define LOGQ_BYTES	(64 * 1024)	/* lines waiting, besides run lines */
#define LOGQ_RUN_ROOM	512		/* kept per started request */
#define LOGQ_LINE	1024		/* longest line, without its header */
#define LOGQ_WAIT_MS	1000		/* at exit, for the destination */
#define LOGQ_RETRY_MS	1000		/* reconnecting to /dev/log */
#define LOGQ_DEVLOG	"/dev/log"

int		logq_open_syslog(void);
void		logq_set_syslog(int);
void		logq_set_json(void);
int		logq_start(unsigned int);
void		logq_stop(void);
int		logq_running(void);
void		logq_direct(int, const char *, size_t);
int		logq_put(enum logq_class, int, const char *, size_t);
void		logq_unkeep(void);
void		logq_refused(void);
int		logq_poll(short *);
void		logq_flush(void);
long long	logq_timers(long long);

#endif
