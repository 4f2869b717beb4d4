/*
 * A command's run: started for one request under its supervisor
 * (supervise.c), its output relayed to the client as it comes, --timeout's
 * TERM then KILL through the supervisor, and once the supervisor is reaped
 * (the command and all it started gone) the rest of its output and how it
 * ended.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <sha2.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "clock.h"
#include "job.h"
#include "log.h"
#include "outq.h"
#include "proto.h"
#include "spawn.h"
#include "supervise.h"
#include "supfast.h"

/*
 * Draining after exit reads at most what a pipe can hold (pipe-max-size's
 * default): a child left behind that keeps writing cannot hold the loop.
 */
#define DRAIN_MAX	(1024 * 1024)

/* A supervisor was killed: what it supervised is the listener's to end. */
static int	 lost;

/* No command: no process, no pipes, no deadlines. */
void
job_init(struct job *j)
{
	memset(j, 0, sizeof(*j));
	j->out = j->err = j->report = -1;
}

/* Run the command with data as its stdin; timeout in seconds, 0: none. */
int
job_start(struct job *j, const struct spawner *sp, char *const *env,
    const char *data, size_t len, unsigned int timeout)
{
	int	 io[3];

	job_init(j);
	if (spawn_job(sp, env, data, len, &j->pid, io, &j->stack) == -1) {
		/* Its supervisor was killed or silent: sweep what it left. */
		if (errno == ETIMEDOUT || errno == EPIPE)
			lost = 1;
		return -1;
	}
	j->out = io[0];
	j->err = io[1];
	j->report = io[2];
	/* For the record: what exactly was run on. */
	j->in = len;
	(void)SHA256Data((const uint8_t *)data, len, j->sha256);
	j->start_ms = now_ms();
	if (timeout > 0)
		j->term_ms = j->start_ms + (long long)timeout * 1000;
	return 0;
}

/*
 * End the command, the one way it is done (--timeout, a stop): its
 * supervisor TERMs it and all it started now, and KILLs what is left a
 * grace later (so do we, through job_timers, should it be slow to).
 */
void
job_end(struct job *j, long long now)
{
	if (j->pid == 0 || j->ended)
		return;
	j->ended = 1;
	(void)kill(j->pid, SIGTERM);
	/* Stopped (by its command, say), it would never hear it. */
	(void)kill(j->pid, SIGCONT);
	j->kill_ms = now + SUP_GRACE_MS;
}

/* KILL now, the command and all it started: its supervisor does it. */
void
job_kill(struct job *j)
{
	if (j->pid > 0) {
		(void)kill(j->pid, SIGUSR1);
		(void)kill(j->pid, SIGCONT);
	}
}

/*
 * Relay what the command wrote on the pipe fd (j->out or j->err), until it
 * is empty or (unless draining after exit) the client has enough queued.
 * buf holds PROTO_MAX_REPLY bytes.
 */
void
job_relay(struct job *j, int fd, const struct job_sink *to, char *buf,
    int drain)
{
	int	*pfd = fd == j->out ? &j->out : &j->err;
	int	 type = fd == j->out ? PROTO_STDOUT : PROTO_STDERR;
	size_t	 total = 0;
	ssize_t	 n;

	for (;;) {
		if (drain && total >= DRAIN_MAX)
			return;
		n = read(*pfd, buf, PROTO_MAX_REPLY - 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close(*pfd);
			*pfd = -1;
			return;
		}
		total += (size_t)n;
		j->bytes_out += (unsigned long long)n;
		if (!*to->gone && outq_put(to->q, type, buf, (size_t)n) == -1)
			*to->gone = 1;
		if (!drain && outq_bytes(to->q) >= OUTQ_HIGH)
			return;
	}
}

/* Our ends of the pipes, if a process still holds theirs open. */
static void
job_close(struct job *j)
{
	if (j->out != -1)
		close(j->out);
	if (j->err != -1)
		close(j->err);
	if (j->report != -1)
		close(j->report);
	j->out = j->err = j->report = -1;
}

/* --timeout: TERM when it is due, KILL a grace later. The next deadline, or -1. */
long long
job_timers(struct job *j, long long now)
{
	if (j->pid == 0)
		return -1;
	if (j->term_ms != 0 && !j->ended) {
		if (now < j->term_ms)
			return j->term_ms;
		j->timed_out = 1;
		job_end(j, now);
	}
	if (j->kill_ms != 0) {
		if (now < j->kill_ms)
			return j->kill_ms;
		job_kill(j);
		j->kill_ms = 0;
	}
	return -1;
}

/* Was a supervisor lost since the last call? */
int
job_lost(void)
{
	int	 was = lost;

	lost = 0;
	return was;
}

/*
 * The supervisor's last report, read once it is reaped: the command's wait
 * status and what it left. 0, or -1 when there is none (the supervisor was
 * killed): then its own wait status stands for the command's.
 */
static int
job_report(struct job *j, struct sup_report *r)
{
	ssize_t	 n;

	while ((n = read(j->report, r, sizeof(*r))) == -1 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(*r)) {
		r->kind = 0;
		return -1;
	}
	/* A supervisor that could not resume (supfast.c) says why. */
	if (r->kind == SUP_FAILED) {
		sup_report_log(r);
		supfast_disable();
		return -1;
	}
	return r->kind == SUP_ENDED ? 0 : -1;
}

/*
 * The supervisor was reaped with wait status ws and usage ru, the command
 * and everything it started with it: relay the rest of its output, then
 * how it ended, and log it. Returns the status send will exit with.
 */
int
job_finish(struct job *j, int ws, const struct rusage *ru,
    const struct job_sink *to, char *buf, const struct peer *p)
{
	struct sup_report	 r;
	char			 msg[80], status[32], left[48];
	const char		*why = NULL;
	int			 n, st;

	/* Everything that could write is gone: the pipes hold the rest. */
	if (j->out != -1)
		job_relay(j, j->out, to, buf, 1);
	if (j->err != -1)
		job_relay(j, j->err, to, buf, 1);
	if (job_report(j, &r) == 0) {
		ws = r.ws;
		snprintf(left, sizeof(left), r.unended > 0 ?
		    "leftovers=%u\tunended=%u" : "leftovers=%u", r.leftovers,
		    r.unended);
		if (r.cmd_unended) {
			why = "the command could not be ended";
			snprintf(status, sizeof(status), "unended");
		}
		/* Ended in time, what it left was not: not a time-out. */
		else if (j->timed_out && r.cmd_end_ms != 0 &&
		    r.cmd_end_ms < j->term_ms)
			j->timed_out = 0;
	} else {
		snprintf(left, sizeof(left), "leftovers=unknown");
		why = r.kind == SUP_FAILED ? "the command's supervisor failed" :
		    "the command's supervisor was killed";
		snprintf(status, sizeof(status), "lost");
		lost = 1;
	}
	job_close(j);
	/* Reaped: the memory it ran on, if it ran on ours, is free. */
	supfast_free(j->stack);
	j->stack = NULL;
	if (why != NULL) {
		st = EX_SOFTWARE;
		n = proto_refusal(msg, sizeof(msg), st, why);
	} else if (j->timed_out) {
		snprintf(status, sizeof(status), "timeout");
		st = EX_TEMPFAIL;
	} else if (WIFSIGNALED(ws)) {
		snprintf(status, sizeof(status), "signal %d", WTERMSIG(ws));
		st = 128 + WTERMSIG(ws);
	} else {
		snprintf(status, sizeof(status), "exit %d", WEXITSTATUS(ws));
		st = WEXITSTATUS(ws);
	}
	if (why == NULL)
		n = proto_status(msg, sizeof(msg), ws, j->timed_out);
	if (!*to->gone && outq_put(to->q, msg[0], msg + 1, (size_t)n - 1) == -1)
		*to->gone = 1;
	log_peer(LOG_NORMAL, "run", p, "status=%s\tduration=%.3fs\tcpu=%.3fs\t"
	    "%s\tin=%zu\tout=%llu\tsha256=%s", status,
	    (double)(now_ms() - j->start_ms) / 1000.0,
	    (double)(ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) +
	    (double)(ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) / 1e6, left,
	    j->in, j->bytes_out, j->sha256);
	job_init(j);
	return st;
}
