/*
 * The client's side of the replies: which records are in flight, what each
 * reply says of them, the command's output copied out within --timeout,
 * and at the end the exit status and what became of the records.
 */
#include <sys/time.h>
#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "client.h"
#include "clock.h"
#include "log.h"

/* Remember the record numbers of k requests just sent; -1 with errno. */
int
replies_sent(struct client *c, const struct record *r, size_t k)
{
	unsigned long	*p;
	size_t		 i, cap;

	if (c->fcount + k > c->fcap) {
		cap = c->fcap == 0 ? 1024 : c->fcap * 2;
		while (cap < c->fcount + k)
			cap *= 2;
		/* Not realloc: the ring is unrolled into the new one. */
		if ((p = reallocarray(NULL, cap, sizeof(*p))) == NULL)
			return -1;
		for (i = 0; c->fcap > 0 && i < c->fcount; i++)
			p[i] = c->flight[(c->fhead + i) % c->fcap];
		free(c->flight);
		c->flight = p;
		c->fcap = cap;
		c->fhead = 0;
	}
	for (i = 0; i < k; i++)
		c->flight[(c->fhead + c->fcount + i) % c->fcap] = r[i].recno;
	c->fcount += k;
	c->sent += k;
	return 0;
}

/* The next n requests in flight are answered; the last one's record number. */
static unsigned long
answered(struct client *c, unsigned long n)
{
	/* Callers check n against fcount; an empty ring answers nothing. */
	if (n == 0 || n > c->fcount || c->fcap == 0)
		return c->last_answered;
	c->fhead = (c->fhead + (size_t)n - 1) % c->fcap;
	c->last_answered = c->flight[c->fhead];
	c->fhead = (c->fhead + 1) % c->fcap;
	c->fcount -= (size_t)n;
	c->answered += n;
	return c->last_answered;
}

/*
 * The deadline --timeout sets now: after the last record, one for all the
 * replies; before it, one for a send that waits; none while only input is
 * awaited.
 */
long long
replies_deadline(const struct client *c)
{
	long long	 t = (long long)c->timeout * 1000;

	if (t == 0)
		return 0;
	if (c->shut_ms != 0)
		return c->shut_ms + t;
	if (c->blocked_ms != 0)
		return c->blocked_ms + t;
	return 0;
}

/*
 * Arm the interval timer to fire in ms milliseconds, then every 10 ms: a
 * SIGALRM that lands before write(2) blocks is followed by another. 0
 * disarms it. The handler is installed without SA_RESTART (client_run).
 */
static void
alarm_in(long long ms)
{
	struct itimerval	 it;

	memset(&it, 0, sizeof(it));
	if (ms > 0) {
		it.it_value.tv_sec = ms / 1000;
		it.it_value.tv_usec = (ms % 1000) * 1000;
		it.it_interval.tv_usec = 10000;
	}
	(void)setitimer(ITIMER_REAL, &it, NULL);
}

/* Write all of p, by deadline when it is not 0: -1 with errno, -2 when late. */
static int
write_until(int fd, const char *p, size_t n, long long deadline)
{
	long long	 left;
	ssize_t		 w;

	while (n > 0) {
		if (deadline != 0) {
			if ((left = deadline - now_ms()) <= 0)
				return -2;
			alarm_in(left);
		}
		w = write(fd, p, n);
		if (deadline != 0)
			alarm_in(0);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Copy command output out, within --timeout; what broke is remembered. */
static void
relay(struct client *c, int out, const char *p, size_t n)
{
	long long	 by = replies_deadline(c);
	int		 fd = out ? c->out_fd : c->err_fd, r;

	if (out && c->out_broken)
		return;
	if (by == 0 && c->timeout > 0)
		by = now_ms() + (long long)c->timeout * 1000;
	if ((r = write_until(fd, p, n, by)) == 0)
		return;
	if (r == -2)
		c->expired = out ? "writing to standard output" :
		    "writing to standard error";
	else if (out) {
		log_line(LOG_ALWAYS, "stdout: %s", strerror(errno));
		c->out_broken = 1;
	}
}

/*
 * " (request CONN.N)" naming the request answered last, its ordinal on
 * the connection, as the listener's log does; "" from a listener that
 * sent no id. sep opens it: " (" or "; ".
 */
static const char *
request_id(const struct client *c, const char *sep, char *buf, size_t size)
{
	buf[0] = '\0';
	if (c->conn_id[0] != '\0')
		snprintf(buf, size, "%srequest %s.%lu%s", sep, c->conn_id,
		    c->answered, sep[1] == '(' ? ")" : "");
	return buf;
}

/* A reason from the listener reaches the terminal only through strvis. */
static void
say_refused(const char *prefix, const struct reply *r)
{
	char	 safe[PROTO_REASON_SIZE];

	proto_reason(r, safe, sizeof(safe));
	log_line(LOG_ALWAYS, "%s%s", prefix, safe);
}

/* The listener broke the protocol: nothing more it says is believed. */
static void
broken(struct client *c, const char *buf, size_t n)
{
	c->fatal = EX_SOFTWARE;
	if (n > PROTO_MAX_REPLY)
		log_line(LOG_ALWAYS, "protocol error: reply of %zu bytes", n);
	else if (buf == NULL)
		log_line(LOG_ALWAYS, "protocol error: a reply to no request");
	else
		log_line(LOG_ALWAYS, "protocol error: malformed reply of "
		    "type '%c' (%zu bytes)", buf[0] >= 0x20 && buf[0] < 0x7f ?
		    buf[0] : '?', n);
}

static void
fail(struct client *c, int status)
{
	if (c->first_fail == 0)
		c->first_fail = status;
}

/* Act on one reply datagram (n > 0). */
void
replies_take(struct client *c, const char *buf, size_t n)
{
	struct reply	 r;
	unsigned long	 rec;
	char		 what[160], id[PROTO_MAX_CONN_ID + 40];
	int		 many = c->in->split != INPUT_WHOLE;

	if (n > PROTO_MAX_REPLY || proto_decode(buf, n, &r) == -1)
		return broken(c, buf, n);
	if (r.type == PROTO_STDOUT || r.type == PROTO_STDERR)
		return relay(c, r.type == PROTO_STDOUT, r.data, r.len);
	if (r.type == PROTO_HELLO)
		return hello_answer(c, &r);
	if (r.type == PROTO_CONN_ID) {
		if (hello_conn_id(c, &r) == -1)
			broken(c, buf, n);
		return;
	}
	if (!r.terminal || c->stopping)
		return;
	/*
	 * Busy: the listener's first word, before the hello's answer (no
	 * record went yet) or to the one record, which did not run; the
	 * caller tries again (client_backoff). With --no-wait, only when
	 * the hello's answer is awaited (an ACTION): nothing else is read.
	 */
	if (r.type == PROTO_REFUSED && r.status == EX_TEMPFAIL &&
	    (!c->no_wait || c->hello) && c->answered == 0 &&
	    (!many || c->fcount == 0)) {
		c->busy = 1;
		proto_reason(&r, c->busy_why, sizeof(c->busy_why));
		return;
	}
	/*
	 * A denied connection is refused once, whatever was sent. Once the
	 * hello was answered the connection was admitted: a 77 then refuses
	 * one record (sent, the listener says, by a process the connection
	 * was handed on to) and is reported as other refusals are.
	 */
	if (r.type == PROTO_REFUSED && r.status == EX_NOPERM &&
	    (!c->said_hello || c->hello)) {
		c->refused = 1;
		fail(c, r.status);
		say_refused("refused: ", &r);
		return;
	}
	/*
	 * The listener is stopping: this record and every later one go
	 * unanswered, since none of them ran.
	 */
	if (r.type == PROTO_REFUSED && r.status == EX_UNAVAILABLE) {
		c->stopping = 1;
		return;
	}
	/* A listener that knows no hello refuses it as an empty request. */
	if (hello_refused(c, &r))
		return;
	if (r.count > c->fcount)
		return broken(c, NULL, n);
	rec = answered(c, r.count);
	if (r.status == 0)
		return;
	fail(c, r.status);
	/* Each message names the request, for a user to quote. */
	request_id(c, " (", id, sizeof(id));
	if (r.type == PROTO_REFUSED) {
		if (many)
			snprintf(what, sizeof(what), "record %lu refused%s: ",
			    rec, id);
		else
			snprintf(what, sizeof(what), "refused%s: ", id);
		say_refused(what, &r);
	} else if (r.type == PROTO_TIMEOUT && many)
		log_line(LOG_ALWAYS, "record %lu: timed out%s", rec, id);
	else if (r.type == PROTO_TIMEOUT)
		log_line(LOG_ALWAYS, "timed out (the listener's --timeout%s)",
		    request_id(c, "; ", id, sizeof(id)));
	else if (r.type == PROTO_SIGNAL && many)
		log_line(LOG_ALWAYS, "record %lu: killed by signal %d%s", rec,
		    r.status - 128, id);
	else if (r.type == PROTO_SIGNAL)
		log_line(LOG_ALWAYS, "killed by signal %d%s", r.status - 128,
		    id);
	else if (many)
		log_line(LOG_ALWAYS, "record %lu: exit status %d%s", rec,
		    r.status, id);
}

/*
 * What became of the records, for a send cut short: "records 1-3
 * answered, 4-5 unanswered; input not read past record 5".
 */
static void
say_records(const struct client *c, const char *what)
{
	unsigned long	 a = c->last_answered;
	unsigned long	 n = input_records_read(c->in);
	char		 ans[64] = "", un[64] = "", in[64] = "";

	if (a == 0 && n == 0) {
		log_line(LOG_ALWAYS, "%s before any record was sent", what);
		return;
	}
	if (a == 1)
		snprintf(ans, sizeof(ans), "record 1 answered");
	else if (a > 1)
		snprintf(ans, sizeof(ans), "records 1-%lu answered", a);
	if (n == a + 1)
		snprintf(un, sizeof(un), "%s %lu unanswered",
		    a > 0 ? "," : "record", n);
	else if (n > a + 1)
		snprintf(un, sizeof(un), "%s %lu-%lu unanswered",
		    a > 0 ? "," : "records", a + 1, n);
	if (!c->in->eof)
		snprintf(in, sizeof(in), "; input not read past record %lu", n);
	log_line(LOG_ALWAYS, "%s: %s%s%s", what, ans, un, in);
}

/* The exit status, in the order the man page gives, with what it takes. */
int
replies_status(struct client *c)
{
	char	 what[160];

	if (c->fatal != 0)
		return c->fatal;
	if (c->busy)
		return EX_TEMPFAIL;
	if (c->no_actions)
		return EX_UNAVAILABLE;
	if (c->in->empty > 0)
		log_line(LOG_ALWAYS, "skipped %lu empty record%s",
		    c->in->empty, c->in->empty == 1 ? "" : "s");
	if (c->expired != NULL) {
		snprintf(what, sizeof(what), "timed out after %us %s",
		    c->timeout, c->expired);
		say_records(c, what);
		return EX_TEMPFAIL;
	}
	if (c->refused)
		return EX_NOPERM;
	if (c->stopping) {
		say_records(c, "the listener is stopping");
		return EX_UNAVAILABLE;
	}
	/* A plain SEQPACKET server reads the empty hello as the end. */
	if (c->closed && c->hello) {
		snprintf(what, sizeof(what), "the listener closed the "
		    "connection without answering the hello (a plain "
		    "SOCK_SEQPACKET server reads it as the end of the stream%s)",
		    c->action != NULL ? "" : "; --no-wait sends none");
		say_records(c, what);
		return EX_UNAVAILABLE;
	}
	/*
	 * Closed before the input ended, or with records unsent or
	 * unanswered.
	 */
	if (c->closed && (!c->in->eof || CLIENT_PENDING(c) ||
	    (!c->no_wait && c->fcount > 0))) {
		say_records(c, "the listener closed the connection");
		return EX_UNAVAILABLE;
	}
	if (c->sent == 0 && c->first_fail == 0) {
		log_line(LOG_ALWAYS, "no records in the input, nothing sent");
		return EX_DATAERR;
	}
	if (c->first_fail != 0)
		return c->first_fail;
	return c->out_broken ? EX_SOFTWARE : 0;
}

void
replies_free(struct client *c)
{
	free(c->flight);
	c->flight = NULL;
	c->fcap = c->fcount = 0;
}
