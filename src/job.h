/* One command's run for one request: start, output, timers, finish. */
#ifndef PEERRELAY_JOB_H
#define PEERRELAY_JOB_H

#include <sys/resource.h>
#include <sys/types.h>

#include <stddef.h>

#include "outq.h"
#include "peer.h"
#include "spawn.h"

struct job {
	pid_t		 pid;		/* its supervisor's; 0: none running */
	int		 out, err;	/* our ends of its stdout and stderr, or -1 */
	int		 report;	/* the supervisor's reports, or -1 */
	void		*stack;		/* supfast.c's, freed once reaped */
	int		 timed_out;	/* ended for --timeout */
	int		 ended;		/* job_end: TERM sent, KILL due */
	size_t		 in;		/* the request's size */
	unsigned long long bytes_out;	/* it wrote, stdout and stderr */
	char		 sha256[65];	/* the request's SHA-256, hex */
	long long	 start_ms;
	long long	 term_ms;	/* --timeout's deadline, or 0 */
	long long	 kill_ms;	/* KILL after TERM, or 0 */
};

/* Where a job's replies go: a connection's queue, unless the client is gone. */
struct job_sink {
	struct outq	*q;
	int		*gone;
};

void	job_init(struct job *);
int	job_start(struct job *, const struct spawner *, char *const *,
	    const char *, size_t, unsigned int);
void	job_relay(struct job *, int, const struct job_sink *, char *, int);
long long job_timers(struct job *, long long);
int	job_finish(struct job *, int, const struct rusage *,
	    const struct job_sink *, char *, const struct peer *);
void	job_end(struct job *, long long);
void	job_kill(struct job *);
int	job_lost(void);

#endif
