/* One line per decision on stderr, or through syslog(3). */
#ifndef PEERRELAY_LOG_H
#define PEERRELAY_LOG_H

#include "peer.h"

/* A line is shown when its level is at most the verbosity (default 1). */
enum log_level {
	LOG_ALWAYS = 0,		/* denials and errors: shown even with -q */
	LOG_NORMAL = 1,
	LOG_VERBOSE = 2
};

void	log_set_verbosity(int);
void	log_set_syslog(void);
void	log_line(enum log_level, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	log_peer(enum log_level, const char *, const struct peer *,
	    const char *, ...) __attribute__((format(printf, 4, 5)));

#endif
