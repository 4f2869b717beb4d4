/* Encoding and decoding the listener's reply datagrams (see PROTOCOL in the man page). */
#define LIBBSD_OPENBSD_VIS
#include <sys/wait.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <vis.h>

#include "proto.h"

/*
 * Is s (n bytes) a connection id a client may show and quote: 1 to
 * PROTO_MAX_CONN_ID letters, digits, '-' or '_' (never '.', which joins a
 * request's ordinal to it)?
 */
static int
conn_id_ok(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0 || n > PROTO_MAX_CONN_ID)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    s[i] == '_'))
			return 0;
	return 1;
}

/* Parse the decimal number at the start of s (n bytes) within [0, max]. */
static int
leading_number(const char *s, size_t n, int max, size_t *used)
{
	size_t	 i;
	int	 v = 0;

	for (i = 0; i < n && i < 4 && s[i] >= '0' && s[i] <= '9'; i++)
		v = v * 10 + (s[i] - '0');
	if (i == 0 || (i < n && s[i] >= '0' && s[i] <= '9') || v > max)
		return -1;
	*used = i;
	return v;
}

/* The whole of s (n bytes) as a count of 1 to PROTO_MAX_ACKS; 0 if not. */
static unsigned long
whole_count(const char *s, size_t n)
{
	unsigned long	 v = 0;
	size_t		 i;

	if (n == 0 || n > 9 || s[0] == '0')
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	return v;
}

/*
 * Classify one reply datagram. Returns -1 for a malformed known type; an
 * unknown type is not an error (type 0): later versions may add types.
 */
int
proto_decode(const char *buf, size_t len, struct reply *r)
{
	size_t	 used;
	int	 v;

	memset(r, 0, sizeof(*r));
	if (len == 0)
		return -1;
	r->data = buf + 1;
	r->len = len - 1;
	r->count = 1;		/* for the terminal types */
	switch (buf[0]) {
	case PROTO_STDOUT:
	case PROTO_STDERR:
		r->type = buf[0];
		r->count = 0;
		return 0;
	case PROTO_EXIT:
		if ((v = leading_number(r->data, r->len, 255, &used)) == -1 ||
		    used != r->len)
			return -1;
		r->type = buf[0];
		r->terminal = 1;
		r->status = v;
		return 0;
	case PROTO_SIGNAL:
		/* A signal number Linux has: no other is passed off as one. */
		if ((v = leading_number(r->data, r->len, PROTO_MAX_SIGNAL,
		    &used)) < 1 || used != r->len)
			return -1;
		r->type = buf[0];
		r->terminal = 1;
		r->status = 128 + v;
		return 0;
	case PROTO_TIMEOUT:
		r->type = buf[0];
		r->terminal = 1;
		r->status = EX_TEMPFAIL;
		return 0;
	case PROTO_ACK:
		r->type = buf[0];
		r->terminal = 1;
		return 0;
	case PROTO_ACKS:
		if ((r->count = whole_count(r->data, r->len)) == 0)
			return -1;
		r->type = buf[0];
		r->terminal = 1;
		return 0;
	case PROTO_HELLO:
		r->type = buf[0];
		r->count = 0;
		return 0;
	case PROTO_CONN_ID:
		if (!conn_id_ok(r->data, r->len))
			return -1;
		r->type = buf[0];
		r->count = 0;
		return 0;
	case PROTO_REFUSED:
		if ((v = leading_number(r->data, r->len, 255, &used)) < 1)
			return -1;
		r->type = buf[0];
		r->terminal = 1;
		r->status = v;
		r->data += used;
		r->len -= used;
		if (r->len > 0 && r->data[0] == ' ') {
			r->data++;
			r->len--;
		}
		return 0;
	default:
		r->count = 0;
		return 0;
	}
}

/* snprintf's result as an encoder's: the length, or -1 when cut. */
static int
fits(int n, size_t size)
{
	return n < 0 || (size_t)n >= size ? -1 : n;
}

/* A terminal reply with a number ("x3", "k9"). */
int
proto_format_status(char *buf, size_t size, int type, int value)
{
	return fits(snprintf(buf, size, "%c%d", type, value), size);
}

/* How a command ended, from its wait status: 't', 'k' and the signal, or 'x' and the exit status. */
int
proto_status(char *buf, size_t size, int wstatus, int timed_out)
{
	if (timed_out) {
		if (size < 2)
			return -1;
		buf[0] = PROTO_TIMEOUT;
		buf[1] = '\0';
		return 1;
	}
	if (WIFSIGNALED(wstatus))
		return proto_format_status(buf, size, PROTO_SIGNAL,
		    WTERMSIG(wstatus));
	return proto_format_status(buf, size, PROTO_EXIT,
	    WEXITSTATUS(wstatus));
}

/* Print mode, for a client that said no hello: one request written. */
int
proto_ack(char *buf, size_t size)
{
	if (size < 2)
		return -1;
	buf[0] = PROTO_ACK;
	buf[1] = '\0';
	return 1;
}

/* Print mode, after a hello: the next n requests written. */
int
proto_acks(char *buf, size_t size, unsigned long n)
{
	if (n == 0 || n > PROTO_MAX_ACKS)
		return -1;
	return fits(snprintf(buf, size, "%c%lu", PROTO_ACKS, n), size);
}

/*
 * The hello's answer: counted acknowledgements granted, and with actions
 * list requests.
 */
int
proto_hello(char *buf, size_t size, int actions)
{
	return fits(snprintf(buf, size, "%c%c%s", PROTO_HELLO,
	    PROTO_GRANT_ACKS, actions ? "RL" : ""), size);
}

/* After the hello's answer: the connection's id, "i<id>". */
int
proto_conn_id(char *buf, size_t size, const char *id)
{
	if (!conn_id_ok(id, strlen(id)))
		return -1;
	return fits(snprintf(buf, size, "%c%s", PROTO_CONN_ID, id), size);
}

/* "r<status> <reason>"; a reason too long for buf becomes "refused". */
int
proto_refusal(char *buf, size_t size, int status, const char *reason)
{
	int	 n;

	if ((n = fits(snprintf(buf, size, "%c%d %s", PROTO_REFUSED, status,
	    reason), size)) == -1)
		n = fits(snprintf(buf, size, "%c%d refused", PROTO_REFUSED,
		    status), size);
	return n;
}

/* What a denied peer is told before the listener closes. */
int
proto_denial(char *buf, size_t size, unsigned long uid)
{
	char	 why[48];

	snprintf(why, sizeof(why), "not allowed (uid %lu)", uid);
	return proto_refusal(buf, size, EX_NOPERM, why);
}

/* What a peer over --max-conns-per-uid is told before the listener closes. */
int
proto_busy(char *buf, size_t size, unsigned long uid, unsigned int held)
{
	char	 why[64];

	snprintf(why, sizeof(why), "busy: uid %lu holds %u connections", uid,
	    held);
	return proto_refusal(buf, size, EX_TEMPFAIL, why);
}

/*
 * The reason of a refusal as a terminal may show it: strvis(3)'d on one
 * line, cut after PROTO_MAX_REASON bytes with "...". size must be at
 * least PROTO_REASON_SIZE.
 */
void
proto_reason(const struct reply *r, char *buf, size_t size)
{
	size_t	 len = r->len < PROTO_MAX_REASON ? r->len : PROTO_MAX_REASON;
	char	 copy[PROTO_MAX_REASON + MB_LEN_MAX];
	int	 n;

	if (size < PROTO_REASON_SIZE) {
		if (size > 0)
			buf[0] = '\0';
		return;
	}
	/*
	 * libbsd's strnvisx may read a few bytes past a reason of one byte
	 * (its multibyte conversion): give it a copy with NULs after it, so
	 * a reason at the end of a buffer is not read past.
	 */
	memcpy(copy, r->data, len);
	memset(copy + len, 0, sizeof(copy) - len);
	/* Spaces stay: a reason is words. Tab and newline do not. */
	n = strnvisx(buf, size, copy, len, VIS_CSTYLE | VIS_OCTAL |
	    VIS_TAB | VIS_NL);
	if (n >= 0 && r->len > len)
		memcpy(buf + n, "...", 4);
}
