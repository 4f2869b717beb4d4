/*
 * Log lines go out with one write(2) each, so concurrent lines never
 * interleave; with --syslog, as one syslog(3) message each instead.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "peer.h"

static int	 verbosity = LOG_NORMAL;
static int	 use_syslog;

void
log_set_verbosity(int v)
{
	verbosity = v;
}

/* From now on, lines go to syslog(3), facility daemon (authpriv: denials). */
void
log_set_syslog(void)
{
	/* NDELAY: connect now, while the descriptor budget is known. */
	openlog("peerrelay", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	use_syslog = 1;
}

/* The syslog priority of a line: level and verb decide. */
static int
priority(enum log_level level, const char *verb, const char *fmt)
{
	if (verb != NULL && strcmp(verb, "deny") == 0)
		return LOG_AUTHPRIV | LOG_NOTICE;
	if (verb != NULL && strcmp(verb, "error") == 0)
		return LOG_DAEMON | LOG_ERR;
	if (level != LOG_ALWAYS)
		return LOG_DAEMON | LOG_INFO;
	if (strncmp(fmt, "warning:", 8) == 0)
		return LOG_DAEMON | LOG_WARNING;
	return LOG_DAEMON | LOG_ERR;
}

static void
emit(char *buf, size_t size, int n, int pri)
{
	if (n < 0)
		return;
	if ((size_t)n >= size - 1)
		n = (int)size - 2;
	if (use_syslog) {
		buf[n] = '\0';
		/* The ident says "peerrelay" already. */
		syslog(pri, "%s", buf + strlen("peerrelay: "));
		return;
	}
	buf[n++] = '\n';
	/* One write, so lines from several processes do not mix. */
	if (write(STDERR_FILENO, buf, (size_t)n) == -1)
		return;		/* stderr is gone: nowhere to say so */
}

void
log_line(enum log_level level, const char *fmt, ...)
{
	char	 buf[1024];
	va_list	 ap;
	int	 n, m;

	if ((int)level > verbosity)
		return;
	n = snprintf(buf, sizeof(buf), "peerrelay: ");
	va_start(ap, fmt);
	m = vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	emit(buf, sizeof(buf), m < 0 ? -1 : n + m,
	    priority(level, NULL, fmt));
}

/* "peerrelay: VERB pid=.. uid=.. gid=.. user=.. EXTRA" */
void
log_peer(enum log_level level, const char *verb, const struct peer *p,
    const char *fmt, ...)
{
	char	 buf[1024];
	va_list	 ap;
	int	 n, m;

	if ((int)level > verbosity)
		return;
	n = snprintf(buf, sizeof(buf),
	    "peerrelay: %s pid=%ld uid=%lu gid=%lu user=%s ", verb,
	    (long)p->pid, (unsigned long)p->uid, (unsigned long)p->gid,
	    p->user);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return;
	va_start(ap, fmt);
	m = vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	if (m == 0)
		n--;	/* no extra fields: drop the trailing space */
	emit(buf, sizeof(buf), m < 0 ? -1 : n + m,
	    priority(level, verb, fmt));
}
