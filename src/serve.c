/*
 * The serve loop, as a list of named steps: timers, closes, poll set,
 * poll, signals, accept and commands' output, intake, replies, log.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "conn.h"
#include "dgram.h"
#include "log.h"
#include "server_int.h"
#include "title.h"

/* Connections accepted per round: denied peers must not starve the rest. */
#define ACCEPT_BATCH	64
/* Out of descriptors: accept again after this long, doubling up to the most. */
#define ACCEPT_RETRY_MS		100
#define ACCEPT_RETRY_MAX_MS	1000

/*
 * accept(2) found no descriptor free: leave the socket out of the poll set
 * until the retry timer (accept_timer) or a closed connection puts it back.
 * One line when the fault starts, none per retry.
 */
static void
accept_pause(struct server *s, int err)
{
	long long	 now = now_ms();

	if (s->accept_fault_ms == 0) {
		s->accept_fault_ms = now;
		s->accept_delay = ACCEPT_RETRY_MS;
		log_line(LOG_ALWAYS, "accept: %s: retrying every %d to %d ms "
		    "until it works", strerror(err), ACCEPT_RETRY_MS,
		    ACCEPT_RETRY_MAX_MS);
	} else if ((s->accept_delay *= 2) > ACCEPT_RETRY_MAX_MS)
		s->accept_delay = ACCEPT_RETRY_MAX_MS;
	s->accept_retry_ms = now + s->accept_delay;
}

/* The retry timer: the socket back in the poll set when due; the next deadline. */
static long long
accept_timer(struct server *s, long long now, long long next)
{
	if (s->accept_retry_ms == 0)
		return next;
	if (now >= s->accept_retry_ms) {
		s->accept_retry_ms = 0;
		return next;
	}
	return next == -1 || s->accept_retry_ms < next ? s->accept_retry_ms :
	    next;
}

static void
accept_conns(struct server *s)
{
	unsigned int	 i, n;
	int		 fd;

	for (n = 0; n < ACCEPT_BATCH && s->lfd != -1 &&
	    s->nconns < s->cfg->max_conns; n++) {
		fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE)
				accept_pause(s, errno);
			else if (errno != EAGAIN)
				log_line(LOG_ALWAYS, "accept: %s",
				    strerror(errno));
			return;
		}
		if (s->accept_fault_ms != 0) {
			log_line(LOG_ALWAYS, "accept: accepting again after "
			    "%lld ms", now_ms() - s->accept_fault_ms);
			s->accept_fault_ms = s->accept_retry_ms = 0;
		}
		for (i = 0; s->conns[i].fd != -1; i++)
			;
		if (!conn_open(&s->conns[i], fd, s->cfg, &s->sp, s->conns))
			continue;
		s->nconns++;
		s->conns[i].fresh = 1;
		if (s->cfg->once) {
			s->served = 1;
			server_stop_listening(s);
		}
	}
}

/* Every connection's timers; the next deadline, or -1. */
static long long
check_timers(struct server *s, long long now)
{
	long long	 next, t;
	unsigned int	 i;

	next = server_stop_timer(s, now);
	t = server_sweep_timer(s, now);
	if (t != -1 && (next == -1 || t < next))
		next = t;
	for (i = 0; i < s->cfg->max_conns; i++) {
		if (s->conns[i].fd == -1)
			continue;
		t = conn_timers(&s->conns[i], s->cfg, now);
		if (t != -1 && (next == -1 || t < next))
			next = t;
	}
	/* Denial summaries, reconnecting to /dev/log. */
	t = log_timers(now);
	return t != -1 && (next == -1 || t < next) ? t : next;
}

static void
close_finished(struct server *s)
{
	const char	*why;
	unsigned int	 i;

	for (i = 0; i < s->cfg->max_conns; i++)
		if ((why = conn_done(&s->conns[i])) != NULL)
			server_close_conn(s, &s->conns[i], why);
}

/* Build the poll set; each connection's entries point back at it. */
static nfds_t
poll_set(struct server *s)
{
	struct conn	*c;
	nfds_t		 n = 0;
	unsigned int	 i;
	short		 ev;
	int		 fd;

#define ADD(f, e, who) do {						\
	s->pfd[n].fd = (f);						\
	s->pfd[n].events = (e);						\
	s->pfd[n].revents = 0;						\
	s->pconn[n++] = (who);						\
} while (0)
	ADD(s->sfd, POLLIN, NULL);
	/* The log's destination, while lines wait for it. */
	if ((fd = log_poll(&ev)) != -1)
		ADD(fd, ev, NULL);
	if (s->lfd != -1 && s->nconns < s->cfg->max_conns &&
	    s->accept_retry_ms == 0)
		ADD(s->lfd, POLLIN, NULL);
	for (i = 0; i < s->cfg->max_conns; i++) {
		c = &s->conns[i];
		if (c->fd == -1)
			continue;
		/* Not even listed when nothing is wanted: POLLHUP would spin. */
		if ((ev = conn_events(c)) != 0)
			ADD(c->fd, ev, c);
		if (conn_reads_job(c)) {
			if (c->job.out != -1)
				ADD(c->job.out, POLLIN, c);
			if (c->job.err != -1)
				ADD(c->job.err, POLLIN, c);
		}
	}
#undef ADD
	return n;
}

/* Records to stdout first, then the replies that acknowledge them. */
static int
flush_replies(struct server *s)
{
	unsigned int	 i;

	if (s->stdout_dirty) {
		if (fflush(stdout) == EOF) {
			server_fail(s, "stdout");
			return -1;
		}
		s->stdout_dirty = 0;
	}
	for (i = 0; i < s->cfg->max_conns; i++)
		if (s->conns[i].fd != -1)
			conn_flush(&s->conns[i]);
	return 0;
}

/* Accept, and relay what commands wrote. */
static void
take_events(struct server *s, nfds_t n)
{
	struct conn	*c;
	nfds_t		 k;

	for (k = 1; k < n; k++) {
		c = s->pconn[k];
		if (c == NULL) {
			if (s->pfd[k].revents && s->lfd != -1 &&
			    s->pfd[k].fd == s->lfd)
				accept_conns(s);
			continue;
		}
		if (c->fd == -1 || s->pfd[k].revents == 0)
			continue;
		if (s->pfd[k].fd == c->job.out || s->pfd[k].fd == c->job.err)
			conn_relay(c, s->pfd[k].fd, s->in.buf);
	}
}

/* c's requests, printed or run; -1 when stdout failed (stop). */
static int
take_from(struct server *s, struct conn *c)
{
	int	 r;

	if (CONFIG_EXEC(s->cfg)) {
		conn_exec(c, &s->in, s->cfg, &s->sp, s->conns, s->stopping);
		return 0;
	}
	if ((r = conn_print(c, &s->in, s->cfg, s->stopping)) == -1) {
		server_fail(s, "stdout");
		return -1;
	}
	if (r > 0)
		s->stdout_dirty = 1;
	return 0;
}

/*
 * Serial actions: connections waiting their turn, asked again until none
 * moves (one taken may free the turn of one already asked). -1: stop.
 */
static int
take_turns(struct server *s)
{
	struct conn		*c;
	unsigned long long	 ticket;
	unsigned int		 i;
	int			 moved;

	do {
		moved = 0;
		for (i = 0; i < s->cfg->max_conns; i++) {
			c = &s->conns[i];
			if (c->fd == -1 || c->wait[0] == '\0' ||
			    c->job.pid != 0)
				continue;
			ticket = c->ticket;
			if (take_from(s, c) == -1)
				return -1;
			moved |= c->wait[0] == '\0' || c->ticket != ticket;
		}
	} while (moved);
	return 0;
}

/*
 * Requests: those poll saw, and while stopping, any left; then those of
 * connections accepted in this round, read at once rather than a round
 * later, so that a newcomer waits one round of the others, not two. -1:
 * stop.
 */
static int
take_requests(struct server *s, nfds_t n)
{
	struct pollfd	 p = { -1, POLLIN, POLLIN };
	struct conn	*c;
	unsigned int	 i;
	nfds_t		 k;

	for (k = 1; k < n; k++) {
		c = s->pconn[k];
		if (c == NULL || c->fd == -1 || s->pfd[k].fd != c->fd ||
		    !conn_wants_read(c, &s->pfd[k], s->stopping))
			continue;
		if (take_from(s, c) == -1)
			return -1;
	}
	for (i = 0; i < s->cfg->max_conns; i++) {
		c = &s->conns[i];
		if (c->fd == -1 || !c->fresh)
			continue;
		c->fresh = 0;
		p.fd = c->fd;
		if (conn_wants_read(c, &p, s->stopping) && take_from(s, c) == -1)
			return -1;
	}
	return take_turns(s);
}

/* Timers, closes, poll set, poll, signals, output, intake, replies, log. */
void
server_loop(struct server *s)
{
	long long	 next, now;
	nfds_t		 n;
	int		 timeout;

	for (;;) {
		now = now_ms();
		next = accept_timer(s, now, check_timers(s, now));
		close_finished(s);
		if (s->nconns == 0 && (s->stopping ||
		    (s->cfg->once && s->served)))
			return;
		/* Commands ended (reaped, their status sent): done. */
		if (s->ending && server_running(s) == 0)
			return;
		title_listen(s->cfg->activated ? s->cfg->act.name :
		    s->cfg->addr.text, s->nconns);
		n = poll_set(s);
		timeout = next == -1 ? -1 : (int)(next - now);
		if (poll(s->pfd, n, timeout) == -1) {
			if (errno == EINTR)
				continue;
			server_fail(s, "poll");
			return;
		}
		if (s->pfd[0].revents && server_signals(s) == -1)
			return;
		take_events(s, n);
		if (take_requests(s, n) == -1 || flush_replies(s) == -1)
			return;
		log_flush();
	}
}
