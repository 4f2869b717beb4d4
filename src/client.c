/*
 * The client's connection once open (client_open.c): one poll(2) loop that
 * says hello when it must (hello.c), sends records as the socket takes
 * them, reads input only when all is sent, and takes replies (replies.c)
 * until every request is answered, the listener goes, or --timeout cuts
 * it short.
 */
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "client.h"
#include "clock.h"
#include "log.h"
#include "mmsg.h"

/* The hello is said and its answer is awaited before any record goes. */
#define AWAITS_HELLO(c)		((c)->hello)

void
client_init(struct client *c, const struct addr *addr, struct input *in)
{
	memset(c, 0, sizeof(*c));
	c->addr = addr;
	c->in = in;
	c->fd = -1;
	c->out_fd = STDOUT_FILENO;
	c->err_fd = STDERR_FILENO;
	c->from_fd = -1;
}

/* Take the next records of the input into the batch to send. */
static void
take_records(struct client *c)
{
	struct record	 r;
	enum input_got	 got;

	c->phead = c->npend = 0;
	while (c->npend < CLIENT_SEND_BATCH &&
	    (got = input_next(c->in, &r)) != INPUT_NONE) {
		if (got == INPUT_RECORD) {
			c->pend[c->npend++] = r;
			continue;
		}
		header_oversized(c, r.recno);
		if (c->first_fail == 0)
			c->first_fail = EX_DATAERR;
	}
}

/* Sending must wait from now (unless it waits already). */
static int
blocked(struct client *c)
{
	if (c->blocked_ms == 0)
		c->blocked_ms = now_ms();
	return 0;
}

/*
 * The hello (an empty datagram) goes alone: until its answer, no record
 * goes, so one refused (busy, denied, no actions) has sent nothing and a
 * busy listener can be tried again.
 */
static int
say_hello(struct client *c)
{
	while (send(c->fd, "", 0, MSG_DONTWAIT | MSG_NOSIGNAL) == -1) {
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return blocked(c);
		c->shut = c->send_failed = 1;
		return 0;
	}
	hello_said(c);
	return 1;
}

/*
 * Send the batch as far as the socket takes it, taking more records when
 * it is all sent; 0 when sending must wait, or there is nothing to send.
 */
static int
send_records(struct client *c)
{
	struct mmsghdr	 mm[CLIENT_SEND_BATCH];
	struct iovec	 iov[2 * CLIENT_SEND_BATCH];
	struct record	*r;
	size_t		 i, n;
	int		 k;

	/*
	 * Records point into the input: take more only once all are sent.
	 * An ACTION's hello goes first; a plain one with the first record.
	 */
	if (c->action == NULL && !CLIENT_PENDING(c)) {
		take_records(c);
		if (c->npend == 0)
			return 0;
	}
	if (hello_wanted(c))
		return say_hello(c);
	if (AWAITS_HELLO(c))
		return blocked(c);
	if (!CLIENT_PENDING(c)) {
		take_records(c);
		if (c->npend == 0)
			return 0;
	}
	n = c->npend - c->phead;
	/* So many unanswered: the listener must answer before it gets more. */
	if (n > CLIENT_MAX_INFLIGHT - c->fcount)
		n = CLIENT_MAX_INFLIGHT - c->fcount;
	if (n == 0)
		return blocked(c);
	/* Taken before the hello's answer gave them a header: too large now. */
	for (i = 0; i < n && c->pend[c->phead + i].len <= c->in->limit; i++)
		header_frame(c, &mm[i], &iov[2 * i], &c->pend[c->phead + i]);
	if (i == 0) {
		header_oversized(c, c->pend[c->phead++].recno);
		if (c->first_fail == 0)
			c->first_fail = EX_DATAERR;
		return 1;
	}
	k = sendmmsg(c->fd, mm, (unsigned int)i, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (k == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return blocked(c);
		r = &c->pend[c->phead];
		if (errno == EMSGSIZE || errno == ENOBUFS || errno == ENOMEM) {
			log_line(LOG_ALWAYS, "record %lu: %zu bytes: %s%s, not "
			    "sent", r->recno, r->len, strerror(errno),
			    errno == EMSGSIZE && c->wmem_capped ? " (limited "
			    "by net.core.wmem_max)" : "");
			if (c->first_fail == 0)
				c->first_fail = EX_DATAERR;
			c->phead++;
			return 1;
		}
		/*
		 * The listener closed: what it answered is still to be read,
		 * and the records not sent stay counted as unanswered.
		 */
		c->shut = c->send_failed = 1;
		return 0;
	}
	c->blocked_ms = 0;
	if (replies_sent(c, &c->pend[c->phead], (size_t)k) == -1) {
		log_line(LOG_ALWAYS, "reallocarray: %s", strerror(errno));
		c->fatal = EX_SOFTWARE;
		return 0;
	}
	c->phead += (size_t)k;
	return 1;
}

/* Something waits for room on the socket: the hello, or records. */
static int
to_send(struct client *c)
{
	if (c->shut || AWAITS_HELLO(c))
		return 0;
	if (hello_wanted(c))
		return c->action != NULL || CLIENT_PENDING(c);
	return CLIENT_PENDING(c) && c->fcount < CLIENT_MAX_INFLIGHT;
}

/*
 * Take every reply waiting; -1 once the listener has closed, 0 when none
 * is left or the run must end (--timeout, a protocol error).
 */
static int
read_replies(struct client *c)
{
	struct mmsghdr	 mm[CLIENT_RECV_BATCH];
	struct iovec	 iov[CLIENT_RECV_BATCH];
	unsigned int	 i;
	long long	 by;
	int		 n;

	for (;;) {
		/* A flood of replies is no way around the deadline. */
		if (c->expired == NULL && (by = replies_deadline(c)) != 0 &&
		    now_ms() >= by)
			c->expired = "waiting for replies";
		if (c->expired != NULL || CLIENT_ENDED(c))
			return 0;
		mmsg_slots(mm, iov, c->rslots, c->rbuf, PROTO_MAX_REPLY + 1);
		n = recvmmsg(c->fd, mm, c->rslots, MSG_DONTWAIT | MSG_TRUNC,
		    NULL);
		if (n == -1) {
			/* A reset is reported once; queued replies follow. */
			if (errno == EINTR || errno == ECONNRESET)
				continue;
			if (errno == EAGAIN)
				return 0;
			log_line(LOG_ALWAYS, "receive: %s", strerror(errno));
			c->closed = 1;
			return -1;
		}
		for (i = 0; i < (unsigned int)n; i++) {
			if (c->expired != NULL || CLIENT_ENDED(c))
				return 0;
			/* Replies are never empty: 0 is the end of stream. */
			if (mm[i].msg_len == 0) {
				c->closed = 1;
				return -1;
			}
			replies_take(c, iov[i].iov_base, mm[i].msg_len);
		}
	}
}

/*
 * The listener closed with every record answered: if the input is at its
 * end already, nothing was lost. Look once, without waiting.
 */
static void
input_ended(struct client *c)
{
	struct pollfd	 pfd;

	if (c->from_fd == -1 || c->in->eof || CLIENT_PENDING(c) ||
	    c->fcount > 0)
		return;
	pfd.fd = c->from_fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 0) == 1)
		(void)input_read(c->in, c->from_fd);
}

/* More input, read only when every record taken is sent. */
static void
read_input(struct client *c)
{
	if (input_read(c->in, c->from_fd) == -1) {
		log_line(LOG_ALWAYS, "stdin: %s", strerror(errno));
		c->fatal = EX_DATAERR;
	}
}

/* SIGALRM only interrupts a blocked write(2) (replies.c). */
static void
on_alarm(int sig)
{
	(void)sig;
}

static int
loop(struct client *c)
{
	struct pollfd	 pfd[2];
	long long	 by, now;
	nfds_t		 n;
	int		 timeout;

	for (;;) {
		while (!c->shut && !CLIENT_ENDED(c) && send_records(c))
			;
		/* Not before the hello's answer: it would end the stream. */
		if (!c->shut && !CLIENT_PENDING(c) && c->in->eof &&
		    !AWAITS_HELLO(c)) {
			(void)shutdown(c->fd, SHUT_WR);
			c->shut = 1;
			c->shut_ms = now_ms();
		}
		/*
		 * After a failed send, read on to the end: a refusal may wait.
		 * Refused before any record went (the hello was): none will.
		 */
		if (CLIENT_ENDED(c) || (c->shut && !c->send_failed &&
		    (c->no_wait || c->fcount == 0)) || (c->refused &&
		    c->sent == 0))
			return replies_status(c);
		n = 0;
		pfd[n].fd = c->fd;
		pfd[n++].events = POLLIN | (to_send(c) ? POLLOUT : 0);
		/* Awaiting the hello's answer, the input waits too. */
		if (c->from_fd != -1 && !CLIENT_PENDING(c) && !c->in->eof &&
		    !c->shut && !AWAITS_HELLO(c)) {
			pfd[n].fd = c->from_fd;
			pfd[n++].events = POLLIN;
		}
		timeout = -1;
		if ((by = replies_deadline(c)) != 0) {
			now = now_ms();
			if (now >= by) {
				c->expired = c->shut_ms != 0 ?
				    "waiting for replies" : AWAITS_HELLO(c) ?
				    "waiting for the listener to answer" :
				    "waiting for the listener to take a record";
				return replies_status(c);
			}
			timeout = (int)(by - now);
		}
		if (poll(pfd, n, timeout) == -1) {
			if (errno == EINTR)
				continue;
			log_line(LOG_ALWAYS, "poll: %s", strerror(errno));
			return EX_SOFTWARE;
		}
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			/* The first failure ends it: no more input is read. */
			if (read_replies(c) == -1)
				input_ended(c);
			if (c->closed || c->stopping || c->expired != NULL ||
			    CLIENT_ENDED(c))
				return replies_status(c);
		}
		if (n > 1 && pfd[1].revents)
			read_input(c);
	}
}

/* Send the input and take the replies; the exit status send gives. */
int
client_run(struct client *c)
{
	struct sigaction	 sa;

	if (c->timeout > 0) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_alarm;
		(void)sigaction(SIGALRM, &sa, NULL);
	}
	/* One request needs no batch of replies; a stream of them does. */
	c->rslots = c->in->split == INPUT_WHOLE ? 1 : CLIENT_RECV_BATCH;
	if (c->rbuf == NULL)
		c->rbuf = malloc(c->rslots * (size_t)(PROTO_MAX_REPLY + 1));
	if (c->rbuf == NULL) {
		log_line(LOG_ALWAYS, "malloc: %s", strerror(errno));
		return EX_SOFTWARE;
	}
	return loop(c);
}

void
client_free(struct client *c)
{
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	free(c->rbuf);
	c->rbuf = NULL;
	replies_free(c);
	header_free(c);
}
