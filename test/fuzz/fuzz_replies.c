/*
 * Fuzz send's reply handling: a sequence of records sent and replies
 * taken, as a listener might interleave them, after a hello said (with or
 * without an ACTION) or none. Counts never go wrong (no more answered
 * than sent, in order), a connection id is taken only once after the
 * hello's answer and only as the protocol spells one, and the exit status
 * is one the man page gives for what happened.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "../../src/client.h"
#include "../../src/log.h"

/* The messages are not under test here: nowhere to write them. */
void
log_line(enum log_level level, const char *fmt, ...)
{
	(void)level;
	(void)fmt;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int	 devnull = -1;
	struct client	 c;
	struct input	 in;
	struct record	 r[8];
	size_t		 at, len, k, i;
	unsigned long	 recno = 0, last = 0;
	int		 status;

	if (devnull == -1 && (devnull = open("/dev/null", O_WRONLY)) == -1)
		abort();
	if (size < 1)
		return 0;
	input_init(&in, data[0] & 1 ? INPUT_LINES : INPUT_WHOLE, 100);
	in.eof = 1;
	client_init(&c, NULL, &in);
	c.out_fd = c.err_fd = devnull;
	c.no_wait = (data[0] & 2) != 0;
	/* Said hello, before any record as send does; with an ACTION or not. */
	if ((data[0] & 16) != 0 && header_set(&c, "act", NULL, 0) == -1)
		abort();
	if ((data[0] & 24) != 0)
		hello_said(&c);
	/* Fatal, busy or no actions, send reads no further. */
	for (at = 1; at < size && !CLIENT_ENDED(&c); at += len) {
		/* A byte under 32: send that many records (at most 8). */
		if (data[at] < 32) {
			len = 1;
			/* None goes while the hello's answer is awaited. */
			if (c.hello)
				continue;
			k = data[at] % 8 + 1;
			for (i = 0; i < k; i++) {
				/* Gaps, as empty records leave. */
				recno += 1 + (data[at] >> 3 & 1);
				r[i].recno = recno;
			}
			if (replies_sent(&c, r, k) == -1)
				abort();
			continue;
		}
		/* Else a reply of up to 16 bytes: its length, then it. */
		len = 1 + (data[at] & 15);
		if (len > size - at - 1)
			len = size - at - 1;
		if (len > 0)
			replies_take(&c, (const char *)data + at + 1, len);
		len++;
		if (c.answered > c.sent || c.fcount != c.sent - c.answered ||
		    c.last_answered < last || c.last_answered > recno)
			abort();
		last = c.last_answered;
		/* An id: only after the hello's answer, as 'i' spells it. */
		if (c.conn_id[0] != '\0' && (!c.said_hello ||
		    strspn(c.conn_id, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") !=
		    strlen(c.conn_id) || strlen(c.conn_id) > PROTO_MAX_CONN_ID))
			abort();
	}
	c.closed = (data[0] & 4) != 0;
	status = replies_status(&c);
	if (status < 0 || status > 255)
		abort();
	if (c.fatal != 0 && status != EX_SOFTWARE)
		abort();
	/*
	 * Busy (tried again by the caller): only before any answer; with
	 * no_wait only while the hello's answer is awaited (an ACTION).
	 */
	if (c.busy && (c.fatal != 0 || status != EX_TEMPFAIL ||
	    c.answered != 0 || (c.no_wait && !c.hello)))
		abort();
	/* No actions: only for an ACTION, answered, before any other answer. */
	if (c.no_actions && (c.action == NULL || c.hello || c.answered != 0 ||
	    c.granted_actions || c.fatal != 0 || c.busy ||
	    status != EX_UNAVAILABLE))
		abort();
	/* Granted R without an ACTION: its records go as "default". */
	if (c.action == NULL && c.granted_actions && c.hdrlen != 9)
		abort();
	if (c.fatal == 0 && !c.busy && !c.no_actions && c.refused &&
	    status != EX_NOPERM)
		abort();
	/* Closed early, or said it is stopping (r69): the records unanswered. */
	if (c.fatal == 0 && !c.busy && !c.no_actions && !c.refused &&
	    (c.stopping ||
	    (c.closed && !c.no_wait && c.fcount > 0)) &&
	    status != EX_UNAVAILABLE)
		abort();
	if (c.fatal == 0 && !c.busy && !c.no_actions && !c.refused &&
	    !c.stopping &&
	    !(c.closed && c.fcount > 0) && c.sent > 0 && c.first_fail == 0 &&
	    status != 0)
		abort();
	if (status == 0 && (c.first_fail != 0 || c.refused || c.fatal != 0 ||
	    c.busy || c.stopping || c.no_actions))
		abort();
	replies_free(&c);
	header_free(&c);
	return 0;
}
