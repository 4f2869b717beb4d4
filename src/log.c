/*
 * Log lines: formatted here, with their syslog priority; written at once
 * until the listener's loop starts (log_start), queued from then on
 * (logq.c), denials, busy and handed-on refusals through their rate limit
 * (denials.c). A line is one write or one datagram, never interleaved.
 */
#define LIBBSD_OPENBSD_VIS
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <vis.h>

#include "clock.h"
#include "connid.h"
#include "denials.h"
#include "log.h"
#include "logq.h"
#include "peer.h"
#include "record.h"

static int	 verbosity = LOG_NORMAL;
static int	 stopping;	/* at exit, summaries may take the whole queue */

void
log_set_verbosity(int v)
{
	verbosity = v;
}

/* A socket to /dev/log, or -1 with errno: --syslog's start-up check. */
int
log_open_syslog(void)
{
	return logq_open_syslog();
}

/* From now on, lines go to fd, facility daemon (authpriv: denials). */
void
log_set_syslog(int fd)
{
	logq_set_syslog(fd);
}

/* The syslog priority of a line: level and verb decide. */
static int
priority(enum log_level level, const char *verb, const char *fmt)
{
	if (verb != NULL && (strcmp(verb, "deny") == 0 ||
	    strcmp(verb, "busy") == 0 || strcmp(verb, "handed-on") == 0))
		return LOG_AUTHPRIV | LOG_NOTICE;
	if (verb != NULL && strcmp(verb, "error") == 0)
		return LOG_DAEMON | LOG_ERR;
	if (level != LOG_ALWAYS)
		return LOG_DAEMON | LOG_INFO;
	if (strncmp(fmt, "warning:", 8) == 0)
		return LOG_DAEMON | LOG_WARNING;
	return LOG_DAEMON | LOG_ERR;
}

static int
summary(enum denial_kind kind, const char *line, size_t n)
{
	(void)kind;
	return logq_put(stopping ? LOGQ_NORMAL : LOGQ_LOSSY,
	    LOG_AUTHPRIV | LOG_NOTICE, line, n);
}

/* Denial, busy or handed-on refusal: in full under the limit, else counted. */
static void
refusal(enum denial_kind kind, uid_t uid, int pri, const char *msg,
    size_t n)
{
	if (denials_take(kind, uid, now_ms()) &&
	    logq_put(LOGQ_LOSSY, pri, msg, n) == -1)
		denials_missed(kind, uid);
}

void
log_line(enum log_level level, const char *fmt, ...)
{
	char	 buf[LOGQ_LINE];
	va_list	 ap;
	int	 n;

	if ((int)level > verbosity)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	(void)logq_put(LOGQ_NORMAL, priority(level, NULL, fmt), buf,
	    (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/*
 * "VERB conn=ID req=ID.N pid=.. uid=.. gid=.. user=.. " into buf: the
 * ids right after the verb, so a connection's or a request's lines are
 * found by one grep (req= only on a line about a request, conn= only once
 * admit has drawn it). snprintf's result.
 */
static int
peer_fields(char *buf, size_t size, const char *verb, const struct peer *p)
{
	char	 req[CONNID_REQ_SIZE + 5] = "";

	if (p->conn_id[0] != '\0' && p->req != 0)
		snprintf(req, sizeof(req), " req=%s.%llu", p->conn_id, p->req);
	return snprintf(buf, size, "%s%s%s%s pid=%ld uid=%lu gid=%lu "
	    "user=%s ", verb, p->conn_id[0] != '\0' ? " conn=" : "",
	    p->conn_id, req, (long)p->pid, (unsigned long)p->uid,
	    (unsigned long)p->gid, p->user);
}

/* "VERB conn=.. req=.. pid=.. uid=.. gid=.. user=.. EXTRA" */
void
log_peer(enum log_level level, const char *verb, const struct peer *p,
    const char *fmt, ...)
{
	char	 buf[LOGQ_LINE];
	va_list	 ap;
	size_t	 len;
	int	 n, m, pri;

	if ((int)level > verbosity)
		return;
	n = peer_fields(buf, sizeof(buf), verb, p);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return;
	va_start(ap, fmt);
	m = vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	if (m == 0)
		n--;	/* no extra fields: drop the trailing space */
	len = (size_t)n + (size_t)m;
	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	pri = priority(level, verb, fmt);
	if (!logq_running())
		logq_direct(pri, buf, len);
	else if (strcmp(verb, "deny") == 0)
		refusal(DENIAL_DENY, p->uid, pri, buf, len);
	else if (strcmp(verb, "busy") == 0)
		refusal(DENIAL_BUSY, p->uid, pri, buf, len);
	else if (strcmp(verb, "handed-on") == 0)
		refusal(DENIAL_HANDON, p->uid, pri, buf, len);
	else
		(void)logq_put(strcmp(verb, "run") == 0 ? LOGQ_RUN :
		    LOGQ_NORMAL, pri, buf, len);
}

/*
 * s escaped (as text records escape fields) after buf's k bytes; 0, or -1
 * when it was cut, marked "[...]", for want of room.
 */
static int
put_escaped(char *buf, size_t *k, size_t size, const char *s)
{
	char	 one[5];
	size_t	 n;

	for (; *s != '\0'; s++) {
		n = (size_t)(vis(one, (unsigned char)*s, RECORD_VIS_FLAGS,
		    s[1]) - one);
		if (*k + n + sizeof("[...]") > size) {
			memcpy(buf + *k, "[...]", sizeof("[...]"));
			return -1;
		}
		memcpy(buf + *k, one, n);
		*k += n;
	}
	buf[*k] = '\0';
	return 0;
}

/* s escaped into buf as text records escape fields, cut and marked to fit. */
const char *
log_escape(const char *s, char *buf, size_t size)
{
	size_t	 k = 0;

	buf[0] = '\0';
	if (size >= sizeof("[...]"))
		(void)put_escaped(buf, &k, size, s);
	return buf;
}

/*
 * " cgroup=PATH unit=UNIT" for a peer whose cgroup is known (else ""),
 * for allow and deny lines; cut to size, marked, when too long.
 */
const char *
log_cgroup(const struct peer *p, char *buf, size_t size)
{
	size_t	 k;

	buf[0] = '\0';
	if (p->cgroup == NULL || size < 32)
		return buf;
	k = strlcpy(buf, " cgroup=", size);
	if (put_escaped(buf, &k, size, p->cgroup) == -1 || p->unit == NULL)
		return buf;
	k += strlcpy(buf + k, " unit=", size - k);
	if (k < size)
		(void)put_escaped(buf, &k, size, p->unit);
	return buf;
}

/*
 * An allowed request is about to start (action: its rule's, or NULL): its
 * start line queued, with room kept for its run line. 1: queued, 0:
 * nothing to log (-q), -1: no room, refuse the request (counted, reported
 * later).
 */
int
log_request(const struct peer *p, const char *action, size_t size)
{
	char	 buf[LOGQ_LINE];
	size_t	 len;
	int	 n, m;

	if (verbosity < LOG_NORMAL)
		return 0;
	if ((n = peer_fields(buf, sizeof(buf), "start", p)) < 0 ||
	    (size_t)n >= sizeof(buf))
		return 0;
	/* peer_fields ends in a space. */
	m = snprintf(buf + n, sizeof(buf) - (size_t)n, "%s%s%ssize=%zu",
	    action != NULL ? "action=" : "", action != NULL ? action : "",
	    action != NULL ? " " : "", size);
	if (m < 0)
		return 0;
	n += m;
	len = (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
	if (!logq_running()) {
		logq_direct(LOG_DAEMON | LOG_INFO, buf, len);
		return 0;
	}
	if (logq_put(LOGQ_START, LOG_DAEMON | LOG_INFO, buf, len) == -1) {
		logq_refused();
		return -1;
	}
	return 1;
}

/* The command did not start after log_request said r: no run line comes. */
void
log_request_failed(int r)
{
	if (r == 1)
		logq_unkeep();
}

/* The loop runs: queue lines from now on. */
int
log_start(unsigned int max_conns)
{
	return logq_start(max_conns);
}

/* At exit: every summary due or not, then the queue written within a bound. */
void
log_stop(void)
{
	if (!logq_running())
		return;
	stopping = 1;
	(void)denials_timers(now_ms(), 1, summary);
	logq_stop();
	stopping = 0;
}

/* The log's descriptor to poll for POLLOUT, or -1. */
int
log_poll(short *events)
{
	return logq_poll(events);
}

void
log_flush(void)
{
	logq_flush();
}

/* Summaries due and /dev/log reconnections; the next deadline, or -1. */
long long
log_timers(long long now)
{
	long long	 a, b;

	if (!logq_running())
		return -1;
	a = denials_timers(now, 0, summary);
	b = logq_timers(now);
	return a == -1 || (b != -1 && b < a) ? b : a;
}
