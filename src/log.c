/*
 * Log lines: formatted here, with their syslog priority; written at once
 * until the listener's loop starts (log_start), queued from then on
 * (logq.c), denials, busy and handed-on refusals through their rate limit
 * (denials.c). A line is one write or one datagram, never interleaved.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "clock.h"
#include "connid.h"
#include "denials.h"
#include "log.h"
#include "logjson.h"
#include "logq.h"
#include "peer.h"

static int	 verbosity = LOG_NORMAL;
static int	 stopping;	/* at exit, summaries may take the whole queue */
static int	 json;		/* --log-format json */

void
log_set_verbosity(int v)
{
	verbosity = v;
}

/* --log-format json: every line from now on one JSON object. */
void
log_set_json(void)
{
	json = 1;
	logq_set_json();
}

/*
 * A line built as EVENT, then KEY=VALUE fields, tab-separated (len bytes
 * of line), as the log takes it: in text each tab a space (in place), or
 * one JSON object in js (LOGQ_LINE bytes). Sets *out; the length.
 */
static size_t
render(char *line, size_t len, char *js, const char **out)
{
	char	 t[LOGJSON_TIME];
	size_t	 i;

	if (json) {
		logjson_time(t, sizeof(t));
		*out = js;
		return logjson_render(js, LOGQ_LINE, line, len, t);
	}
	for (i = 0; i < len; i++)
		if (line[i] == '\t')
			line[i] = ' ';
	*out = line;
	return len;
}

/*
 * A free-text line (len bytes) as the log takes it: in text as it is, in
 * JSON an object of event and message. Sets *out; the length.
 */
static size_t
render_text(const char *event, const char *text, size_t len, char *js,
    const char **out)
{
	char	 line[LOGQ_LINE + 64];
	size_t	 i;
	int	 n;

	*out = text;
	if (!json)
		return len;
	n = snprintf(line, sizeof(line), "%s\tmessage=", event);
	if (n < 0 || (size_t)n >= sizeof(line))
		return 0;
	if (len > sizeof(line) - (size_t)n)
		len = sizeof(line) - (size_t)n;
	/* One message field: its own tabs would split it. */
	for (i = 0; i < len; i++)
		line[n + i] = text[i] == '\t' ? ' ' : text[i];
	return render(line, (size_t)n + len, js, out);
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
	char		 js[LOGQ_LINE];
	const char	*out;

	(void)kind;
	n = render_text("summary", line, n, js, &out);
	return logq_put(stopping ? LOGQ_NORMAL : LOGQ_LOSSY,
	    LOG_AUTHPRIV | LOG_NOTICE, out, n);
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

static void
vlog_event(enum log_level level, const char *event, const char *fmt,
    va_list ap)
{
	char		 buf[LOGQ_LINE], js[LOGQ_LINE];
	const char	*out;
	size_t		 len;
	int		 n;

	if ((int)level > verbosity)
		return;
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n < 0)
		return;
	len = (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
	/* Its event, in JSON: named, or told by the text. */
	if (event == NULL)
		event = strncmp(buf, "warning: ", 9) == 0 ? "warning" :
		    strncmp(buf, "note: ", 6) == 0 ? "note" :
		    level == LOG_ALWAYS ? "error" : "info";
	len = render_text(event, buf, len, js, &out);
	(void)logq_put(LOGQ_NORMAL, priority(level, NULL, fmt), out, len);
}

/* A line of text; in JSON a warning, a note, an error or info. */
void
log_line(enum log_level level, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog_event(level, NULL, fmt, ap);
	va_end(ap);
}

/* A line of text that is the event named (listening, stopping, ...). */
void
log_event(enum log_level level, const char *event, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog_event(level, event, fmt, ap);
	va_end(ap);
}

/*
 * "VERB conn=ID req=ID.N pid=.. uid=.. gid=.. user=.. " into buf, each
 * space a tab (render): the ids right after the verb, so a connection's or
 * a request's lines are found by one grep (req= only on a line about a
 * request, conn= only once admit has drawn it); the user's name escaped.
 * snprintf's result.
 */
static int
peer_fields(char *buf, size_t size, const char *verb, const struct peer *p)
{
	char	 req[CONNID_REQ_SIZE] = "";
	char	 user[sizeof(p->user) * 4];
	int	 named = p->conn_id[0] != '\0' && p->req != 0;

	if (named)
		connid_request(req, p->conn_id, p->req);
	return snprintf(buf, size, "%s%s%s%s%s\tpid=%ld\tuid=%lu\tgid=%lu\t"
	    "user=%s\t", verb, p->conn_id[0] != '\0' ? "\tconn=" : "",
	    p->conn_id, named ? "\treq=" : "", req, (long)p->pid,
	    (unsigned long)p->uid, (unsigned long)p->gid,
	    log_escape(p->user, user, sizeof(user)));
}

/*
 * "VERB conn=.. req=.. pid=.. uid=.. gid=.. user=.. EXTRA", EXTRA's fields
 * separated by tabs (render).
 */
void
log_peer(enum log_level level, const char *verb, const struct peer *p,
    const char *fmt, ...)
{
	char		 buf[LOGQ_LINE], js[LOGQ_LINE];
	const char	*out;
	va_list		 ap;
	size_t		 len;
	int		 n, m, pri;

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
		n--;	/* no extra fields: drop the trailing tab */
	len = (size_t)n + (size_t)m;
	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	pri = priority(level, verb, fmt);
	len = render(buf, len, js, &out);
	if (!logq_running())
		logq_direct(pri, out, len);
	else if (strcmp(verb, "deny") == 0)
		refusal(DENIAL_DENY, p->uid, pri, out, len);
	else if (strcmp(verb, "busy") == 0)
		refusal(DENIAL_BUSY, p->uid, pri, out, len);
	else if (strcmp(verb, "handed-on") == 0)
		refusal(DENIAL_HANDON, p->uid, pri, out, len);
	else
		(void)logq_put(strcmp(verb, "run") == 0 ? LOGQ_RUN :
		    LOGQ_NORMAL, pri, out, len);
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
	char		 buf[LOGQ_LINE], js[LOGQ_LINE];
	const char	*out;
	size_t		 len;
	int		 n, m;

	if (verbosity < LOG_NORMAL)
		return 0;
	if ((n = peer_fields(buf, sizeof(buf), "start", p)) < 0 ||
	    (size_t)n >= sizeof(buf))
		return 0;
	/* peer_fields ends in a tab. */
	m = snprintf(buf + n, sizeof(buf) - (size_t)n, "%s%s%ssize=%zu",
	    action != NULL ? "action=" : "", action != NULL ? action : "",
	    action != NULL ? "\t" : "", size);
	if (m < 0)
		return 0;
	n += m;
	len = (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
	len = render(buf, len, js, &out);
	if (!logq_running()) {
		logq_direct(LOG_DAEMON | LOG_INFO, out, len);
		return 0;
	}
	if (logq_put(LOGQ_START, LOG_DAEMON | LOG_INFO, out, len) == -1) {
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
