/* A request's supervisor (supervise.c), and what it tells the listener. */
#ifndef PEERRELAY_SUPERVISE_H
#define PEERRELAY_SUPERVISE_H

#include <sys/types.h>

#include "spawn.h"

/* TERM, then this long before KILL, for the command and what it left. */
#define SUP_GRACE_MS	2000
/* The longest a supervisor may take to say the command started. */
#define SUP_START_MS	5000

enum sup_kind {
	SUP_STARTED = 1,	/* the command runs */
	SUP_FAILED,		/* it did not start: error, step */
	SUP_ENDED		/* it and all it started are gone: ws, counts */
};

/* One report, written whole on a pipe (far below PIPE_BUF). */
struct sup_report {
	int		 kind;
	int		 error;		/* SUP_FAILED: errno */
	int		 ws;		/* SUP_ENDED: the command's wait status */
	int		 cmd_unended;	/* it could not be ended: no ws */
	long long	 cmd_end_ms;	/* when it was reaped (now_ms), or 0 */
	unsigned int	 leftovers;	/* processes ended after it, or with it */
	unsigned int	 unended;	/* processes that refused KILL */
	char		 step[48];	/* SUP_FAILED: what failed, or "" */
};

/*
 * What a supervisor started by supfast.c resumes to do in its own memory
 * (supervise_resume): end what the command left, or end it on the
 * listener's word (TERM, or KILL at once). Its argv[1].
 */
enum sup_mode {
	SUP_LEFT = 0,
	SUP_TERM,
	SUP_KILL
};
#define SUP_RESUME_ARG	"--supervise"
/* What SUP_RESUME_ARG says when it is run by hand (exit 64). */
#define SUP_BY_HAND	"peerrelay: " SUP_RESUME_ARG " is peerrelay's own, " \
			"not to be run by hand\n"

void	sup_report_log(struct sup_report *);
void	supervise_resume(int, pid_t, int, long long, int)
	    __attribute__((noreturn));
void	supervise(const struct spawner *, char *const *, int, int, int, int,
	    pid_t) __attribute__((noreturn));

#endif
