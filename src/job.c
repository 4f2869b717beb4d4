/*
 * A command's run: started for one request, its output relayed to the
 * client as it comes, --timeout's TERM then KILL, and once reaped the rest
 * of its output and how it ended.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
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

/* Grace between TERM and KILL for a command being ended. */
#define KILL_GRACE_MS	2000
/*
 * Draining after exit reads at most what a pipe can hold (pipe-max-size's
 * default): a child left behind that keeps writing cannot hold the loop.
 */
#define DRAIN_MAX	(1024 * 1024)

/* No command: no process, no pipes, no deadlines. */
void
job_init(struct job *j)
{
	memset(j, 0, sizeof(*j));
	j->out = j->err = -1;
}

/* Run the command with data as its stdin; timeout in seconds, 0: none. */
int
job_start(struct job *j, const struct spawner *sp, char *const *env,
    const char *data, size_t len, unsigned int timeout)
{
	job_init(j);
	if (spawn_job(sp, env, data, len, &j->pid, &j->out, &j->err) == -1)
		return -1;
	j->start_ms = now_ms();
	if (timeout > 0)
		j->term_ms = j->start_ms + (long long)timeout * 1000;
	return 0;
}

/* Signal the command's whole process group (its session's first). */
void
job_signal(struct job *j, int sig)
{
	if (j->pid > 0)
		(void)kill(-j->pid, sig);
}

/*
 * End the command, the one way it is done (--timeout, a stop): TERM to its
 * process group now, KILL a grace later (job_timers), and KILL to what is
 * left of the group once it is reaped (job_finish).
 */
void
job_end(struct job *j, long long now)
{
	if (j->pid == 0 || j->ended)
		return;
	j->ended = 1;
	job_signal(j, SIGTERM);
	j->kill_ms = now + KILL_GRACE_MS;
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
	j->out = j->err = -1;
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
		job_signal(j, SIGKILL);
		j->kill_ms = 0;
	}
	return -1;
}

/*
 * The command was reaped with wait status ws: relay the rest of its output,
 * then how it ended, and log it. Returns the status send will exit with.
 */
int
job_finish(struct job *j, int ws, const struct job_sink *to, char *buf,
    const struct peer *p)
{
	char	 msg[16], status[32];
	int	 n, st;

	/* What the command itself wrote is in the pipes by now. */
	if (j->out != -1)
		job_relay(j, j->out, to, buf, 1);
	if (j->err != -1)
		job_relay(j, j->err, to, buf, 1);
	job_close(j);
	/* Whatever an ended command left behind in its group goes too. */
	if (j->ended)
		job_signal(j, SIGKILL);
	if (j->timed_out) {
		snprintf(status, sizeof(status), "timeout");
		st = EX_TEMPFAIL;
	} else if (WIFSIGNALED(ws)) {
		snprintf(status, sizeof(status), "signal %d", WTERMSIG(ws));
		st = 128 + WTERMSIG(ws);
	} else {
		snprintf(status, sizeof(status), "exit %d", WEXITSTATUS(ws));
		st = WEXITSTATUS(ws);
	}
	n = proto_status(msg, sizeof(msg), ws, j->timed_out);
	if (!*to->gone && outq_put(to->q, msg[0], msg + 1, (size_t)n - 1) == -1)
		*to->gone = 1;
	log_peer(LOG_NORMAL, "run", p, "status=%s duration=%.3fs", status,
	    (double)(now_ms() - j->start_ms) / 1000.0);
	job_init(j);
	return st;
}
