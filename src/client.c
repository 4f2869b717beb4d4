/*
 * The client's connection: connect within --timeout, size the send buffer,
 * then one poll(2) loop that sends records as the socket takes them, reads
 * input only when all is sent, and takes replies (replies.c) until every
 * request is answered, the listener goes, or --timeout cuts it short.
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

/* Unix datagram sockets refuse a datagram within this of SO_SNDBUF. */
#define SNDBUF_SLACK		32

/* The hello is said and its answer is awaited before any record goes. */
#define AWAITS_HELLO(c)		((c)->hello && !(c)->no_wait)

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

/*
 * Connect to the listener; -1 with errno (EAGAIN: the backlog stayed full
 * for --timeout, as SO_SNDTIMEO bounds a Unix connect(2)).
 */
int
client_connect(struct client *c)
{
	struct timeval	 tv;
	int		 saved;

	if ((c->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (c->timeout > 0) {
		tv.tv_sec = c->timeout;
		tv.tv_usec = 0;
		(void)setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv,
		    sizeof(tv));
	}
	while (addr_connect(c->addr, c->fd) == -1) {
		if (errno == EINTR)
			continue;
		if (errno == EINPROGRESS)
			errno = EAGAIN;
		saved = errno;
		close(c->fd);
		c->fd = -1;
		errno = saved;
		return -1;
	}
	return 0;
}

/*
 * Ask for a send buffer that holds want bytes in one datagram (root may
 * exceed net.core.wmem_max); set *limit to the largest datagram the socket
 * takes, and note when the kernel gave less than asked (wmem_capped).
 * -1 with errno when the buffer's size cannot be read.
 */
int
client_size(struct client *c, size_t want, size_t *limit)
{
	socklen_t	 len;
	int		 v, cur;

	c->wmem_capped = 0;
	*limit = 0;
	len = sizeof(cur);
	if (getsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &cur, &len) == -1)
		return -1;
	if ((size_t)cur < want + SNDBUF_SLACK) {
		/* The kernel doubles what it is given. */
		v = (int)((want + SNDBUF_SLACK) / 2 + 1);
		if (setsockopt(c->fd, SOL_SOCKET, SO_SNDBUFFORCE, &v,
		    sizeof(v)) == -1)
			(void)setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &v,
			    sizeof(v));
		len = sizeof(cur);
		if (getsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &cur, &len) == -1)
			return -1;
		c->wmem_capped = (size_t)cur < want + SNDBUF_SLACK;
	}
	if (cur > SNDBUF_SLACK)
		*limit = (size_t)cur - SNDBUF_SLACK < PROTO_MAX_REQUEST ?
		    (size_t)cur - SNDBUF_SLACK : PROTO_MAX_REQUEST;
	return 0;
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
		log_line(LOG_ALWAYS, "record %lu: larger than the socket can "
		    "carry (%zu bytes%s), not sent", r.recno, c->in->limit,
		    c->wmem_capped ? ", limited by net.core.wmem_max" : "");
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
 * Send the batch as far as the socket takes it, taking more records when
 * it is all sent; 0 when sending must wait, or there is nothing to send.
 */
static int
send_records(struct client *c)
{
	struct mmsghdr	 mm[CLIENT_SEND_BATCH + 1];
	struct iovec	 iov[CLIENT_SEND_BATCH + 1];
	struct record	*r;
	size_t		 i, n, h;
	int		 k;

	/* Records point into the input: take more only once all are sent. */
	if (!CLIENT_PENDING(c)) {
		take_records(c);
		if (c->npend == 0)
			return 0;
	}
	if (AWAITS_HELLO(c))
		return blocked(c);
	/*
	 * Before the first of several records, say hello (an empty datagram):
	 * the listener may then acknowledge them in counts, not one by one.
	 */
	h = c->in->split != INPUT_WHOLE && !c->said_hello;
	n = c->npend - c->phead;
	/* So many unanswered: the listener must answer before it gets more. */
	if (n > CLIENT_MAX_INFLIGHT - c->fcount)
		n = CLIENT_MAX_INFLIGHT - c->fcount;
	if (n == 0)
		return blocked(c);
	/*
	 * Replies awaited, the hello goes alone: refused (busy, denied), no
	 * record has gone, and a busy listener can be tried again.
	 */
	if (h && !c->no_wait)
		n = 0;
	if (h)
		mmsg_set(&mm[0], &iov[0], (void *)"", 0);
	for (i = 0; i < n; i++)
		mmsg_set(&mm[h + i], &iov[h + i], (void *)c->pend[c->phead + i].p,
		    c->pend[c->phead + i].len);
	k = sendmmsg(c->fd, mm, (unsigned int)(n + h),
	    MSG_DONTWAIT | MSG_NOSIGNAL);
	if (k > 0 && h) {
		c->said_hello = c->hello = 1;
		if (--k == 0)
			return 1;
	}
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
		if (c->expired != NULL || c->fatal != 0 || c->busy)
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
			if (c->expired != NULL || c->fatal != 0 || c->busy)
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
		while (!c->shut && c->fatal == 0 && !c->busy &&
		    send_records(c))
			;
		if (!c->shut && !CLIENT_PENDING(c) && c->in->eof) {
			(void)shutdown(c->fd, SHUT_WR);
			c->shut = 1;
			c->shut_ms = now_ms();
		}
		/*
		 * After a failed send, read on to the end: a refusal may wait.
		 * Refused before any record went (the hello was): none will.
		 */
		if (c->fatal != 0 || c->busy || (c->shut && !c->send_failed &&
		    (c->no_wait || c->fcount == 0)) || (c->refused &&
		    c->sent == 0))
			return replies_status(c);
		n = 0;
		pfd[n].fd = c->fd;
		pfd[n++].events = POLLIN | (CLIENT_PENDING(c) && !c->shut &&
		    !AWAITS_HELLO(c) && c->fcount < CLIENT_MAX_INFLIGHT ?
		    POLLOUT : 0);
		if (c->from_fd != -1 && !CLIENT_PENDING(c) && !c->in->eof &&
		    !c->shut) {
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
			    c->fatal != 0 || c->busy)
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
}
