/*
 * One line per decision on stderr, or to /dev/log: written at once before
 * the listener's loop runs (and in send), queued (logq.c) while it runs;
 * text, or with --log-format json one JSON object (logjson.c). A line
 * about a peer is built as VERB, then KEY=VALUE fields, separated by tabs:
 * text shows each tab as a space.
 */
#ifndef PEERRELAY_LOG_H
#define PEERRELAY_LOG_H

#include <stddef.h>

#include "peer.h"

/* A line is shown when its level is at most the verbosity (default 1). */
enum log_level {
	LOG_ALWAYS = 0,		/* denials and errors: shown even with -q */
	LOG_NORMAL = 1,
	LOG_VERBOSE = 2
};

/* Room for log_who's fields; a longer path is cut, marked "[...]". */
#define LOG_WHO_SIZE	768

void	log_set_verbosity(int);
int	log_open_syslog(void);
void	log_set_syslog(int);
void	log_set_json(void);
void	log_line(enum log_level, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	log_event(enum log_level, const char *, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
void	log_peer(enum log_level, const char *, const struct peer *,
	    const char *, ...) __attribute__((format(printf, 4, 5)));
const char *log_who(const struct peer *, char *, size_t);
const char *log_escape(const char *, char *, size_t);
int	log_request(const struct peer *, const char *, size_t);
void	log_request_failed(int);
int	log_start(unsigned int);
void	log_stop(void);
int	log_poll(short *);
void	log_flush(void);
long long log_timers(long long);

#endif
