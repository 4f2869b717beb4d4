/* Log lines go out with one write(2) each, so concurrent lines never interleave. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "peer.h"

static int	 verbosity = LOG_NORMAL;

void
log_set_verbosity(int v)
{
	verbosity = v;
}

static void
emit(char *buf, size_t size, int n)
{
	if (n < 0)
		return;
	if ((size_t)n >= size - 1)
		n = (int)size - 2;
	buf[n++] = '\n';
	(void)write(STDERR_FILENO, buf, (size_t)n);
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
	emit(buf, sizeof(buf), m < 0 ? -1 : n + m);
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
	emit(buf, sizeof(buf), m < 0 ? -1 : n + m);
}
