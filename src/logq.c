/*
 * The listener's log queue and its destinations. Lines are formatted for
 * the destination when queued and written when it can take them: stderr
 * (inherited, maybe shared, so never made non-blocking: one line of at
 * most LOGQ_LINE bytes is written only when poll says there is room), or
 * a non-blocking datagram socket of our own connected to /dev/log (no
 * syslog(3), which blocks), reconnected after the log daemon restarts.
 * What does not fit is counted and reported once it can be written.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "logjson.h"
#include "logq.h"

#define HDR		4	/* an entry: length (2 bytes), lossy, pad */
#define ENTRY_MAX	(HDR + LOGQ_LINE + 64)

static struct {
	int			 running;
	int			 syslog;	/* else stderr */
	int			 fd;		/* the /dev/log socket; -1: away */
	int			 back;		/* reconnected: say what was lost */
	int			 json;		/* lines are JSON objects */
	long long		 retry_ms;
	char			*buf;
	size_t			 size;		/* of buf */
	size_t			 cap;		/* used + kept stay within */
	size_t			 head, tail;	/* entries in buf[head..tail) */
	size_t			 off;		/* of the head line, written */
	size_t			 used, lossy, kept;
	unsigned long long	 dropped, lost, refused;
} q = { .fd = -1 };

/* A datagram socket connected to /dev/log, or -1 with errno. */
int
logq_open_syslog(void)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, LOGQ_DEVLOG, sizeof(sun.sun_path));
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		int	 e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* --log-format json: lines are objects, on stderr without "peerrelay: ". */
void
logq_set_json(void)
{
	q.json = 1;
}

/*
 * What the queue says of itself (msg, of count lines), as a line of the
 * log's format into out (LOGQ_LINE bytes): the event "dropped" in JSON.
 */
static const char *
own_line(char *out, const char *msg, unsigned long long count)
{
	char	 line[160], t[LOGJSON_TIME];
	int	 n;

	if (!q.json)
		return msg;
	n = snprintf(line, sizeof(line), "dropped\tcount=%llu\tmessage=%s",
	    count, msg);
	if (n < 0 || (size_t)n >= sizeof(line))
		return msg;
	logjson_time(t, sizeof(t));
	(void)logjson_render(out, LOGQ_LINE, line, (size_t)n, t);
	return out;
}

/* From now on lines go to fd, a socket from logq_open_syslog. */
void
logq_set_syslog(int fd)
{
	q.syslog = 1;
	q.fd = fd;
}

/* The line as its destination takes it: RFC 3164 as glibc sends it, or "peerrelay: MSG\n". */
static size_t
format(char *out, size_t size, int pri, const char *msg, size_t len)
{
	char		 date[32];
	struct tm	 tm;
	time_t		 t;
	int		 n;

	if (len > LOGQ_LINE)
		len = LOGQ_LINE;
	if (!q.syslog) {
		n = snprintf(out, size, "%s%.*s\n", q.json ? "" : "peerrelay: ",
		    (int)len, msg);
		return n < 0 ? 0 : (size_t)n >= size ? size - 1 : (size_t)n;
	}
	t = time(NULL);
	if (localtime_r(&t, &tm) == NULL ||
	    strftime(date, sizeof(date), "%b %e %H:%M:%S", &tm) == 0)
		snprintf(date, sizeof(date), "Jan  1 00:00:00");
	n = snprintf(out, size, "<%d>%s peerrelay[%ld]: %.*s", pri, date,
	    (long)getpid(), (int)len, msg);
	return n < 0 ? 0 : (size_t)n >= size ? size - 1 : (size_t)n;
}

static void
disconnect(void)
{
	close(q.fd);
	q.fd = -1;
	q.retry_ms = now_ms() + LOGQ_RETRY_MS;
}

/* Write one line: 1 written, 0 not now (kept), -1 lost (the destination failed). */
static int
dest_write(const char *p, size_t n, size_t *done)
{
	struct pollfd	 pfd = { STDERR_FILENO, POLLOUT, 0 };
	ssize_t		 w;

	if (q.syslog) {
		if (q.fd == -1)
			return 0;
		if (send(q.fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL) != -1)
			return 1;
		if (errno == EAGAIN || errno == ENOBUFS || errno == EINTR)
			return 0;
		if (errno == ECONNREFUSED || errno == ENOTCONN ||
		    errno == ENOENT || errno == ECONNRESET || errno == EPIPE) {
			/* The daemon went away: keep the line for its return. */
			disconnect();
			return 0;
		}
		return -1;
	}
	/* A pipe that polls writable has a free slot: one small write will not block. */
	if (poll(&pfd, 1, 0) <= 0)
		return 0;
	if ((w = write(STDERR_FILENO, p + *done, n - *done)) == -1)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	*done += (size_t)w;
	return *done == n ? 1 : 0;
}

/* Counts of what was lost, each as one line when there is room: 0 until all are out. */
static int
reports(void)
{
	unsigned long long	*count;
	char			 msg[96], line[LOGQ_LINE + 64], js[LOGQ_LINE];
	const char		*m;
	size_t			 n, done;

	for (;;) {
		if (q.back) {
			count = &q.lost;
			snprintf(msg, sizeof(msg), "%llu log lines lost while "
			    "%s was unreachable", q.lost, LOGQ_DEVLOG);
		} else if (q.dropped > 0) {
			count = &q.dropped;
			snprintf(msg, sizeof(msg), "%llu log lines dropped",
			    q.dropped);
		} else if (q.refused > 0) {
			count = &q.refused;
			snprintf(msg, sizeof(msg), "%llu requests refused: "
			    "log queue full", q.refused);
		} else
			return 1;
		m = own_line(js, msg, *count);
		n = format(line, sizeof(line), LOG_DAEMON | LOG_WARNING, m,
		    strlen(m));
		done = 0;
		if (dest_write(line, n, &done) == 0)
			return 0;
		if (count == &q.lost)
			q.back = 0;
		*count = 0;
	}
}

static void
pop(void)
{
	uint16_t	 len;

	memcpy(&len, q.buf + q.head, sizeof(len));
	q.used -= HDR + len;
	if (q.buf[q.head + 2])
		q.lossy -= HDR + len;
	q.head += HDR + len;
	q.off = 0;
	if (q.head == q.tail)
		q.head = q.tail = 0;
}

/* Write what the destination takes now; never blocks. */
void
logq_flush(void)
{
	uint16_t	 len;

	if (!q.running)
		return;
	while (reports() && q.head < q.tail) {
		memcpy(&len, q.buf + q.head, sizeof(len));
		if (dest_write(q.buf + q.head + HDR, len, &q.off) == 0)
			return;
		pop();
	}
}

/*
 * Queue a line (MSG without "peerrelay: ") of syslog priority pri; 0, or
 * -1 when there is no room (counted as dropped for LOGQ_NORMAL and
 * LOGQ_RUN; the caller counts the others).
 */
int
logq_put(enum logq_class cl, int pri, const char *msg, size_t len)
{
	size_t		 n, need, room;
	uint16_t	 l;

	if (!q.running) {
		logq_direct(pri, msg, len);
		return 0;
	}
	need = HDR + ENTRY_MAX;
	if (cl == LOGQ_RUN && q.kept >= LOGQ_RUN_ROOM) {
		q.kept -= LOGQ_RUN_ROOM;
		room = q.size - 2 * ENTRY_MAX;
	} else
		room = q.cap;
	if (q.tail + need > q.size) {
		memmove(q.buf, q.buf + q.head, q.tail - q.head);
		q.tail -= q.head;
		q.head = 0;
	}
	n = format(q.buf + q.tail + HDR, ENTRY_MAX, pri, msg, len);
	need = HDR + n + (cl == LOGQ_START ? LOGQ_RUN_ROOM : 0);
	if (q.used + q.kept + need > room || (cl == LOGQ_LOSSY &&
	    q.lossy + need > LOGQ_BYTES / 2)) {
		if (cl == LOGQ_LOSSY || cl == LOGQ_START)
			return -1;
		/* Away from /dev/log, it is lost; else dropped. */
		if (q.syslog && q.fd == -1)
			q.lost++;
		else
			q.dropped++;
		return -1;
	}
	l = (uint16_t)n;
	memcpy(q.buf + q.tail, &l, sizeof(l));
	q.buf[q.tail + 2] = cl == LOGQ_LOSSY;
	q.buf[q.tail + 3] = 0;
	q.tail += HDR + n;
	q.used += HDR + n;
	if (cl == LOGQ_LOSSY)
		q.lossy += HDR + n;
	if (cl == LOGQ_START)
		q.kept += LOGQ_RUN_ROOM;
	return 0;
}

/* A request whose start line was queued did not start: no run line comes. */
void
logq_unkeep(void)
{
	if (q.kept >= LOGQ_RUN_ROOM)
		q.kept -= LOGQ_RUN_ROOM;
}

/* A request was refused because its start line found no room. */
void
logq_refused(void)
{
	q.refused++;
}

/* Write a line now, as before the loop runs (and in send): no queue. */
void
logq_direct(int pri, const char *msg, size_t len)
{
	char	 line[ENTRY_MAX];
	size_t	 n;

	n = format(line, sizeof(line), pri, msg, len);
	if (q.syslog) {
		if (q.fd != -1)
			(void)send(q.fd, line, n, MSG_DONTWAIT | MSG_NOSIGNAL);
		return;
	}
	/* One write, so lines from several processes do not mix. */
	if (write(STDERR_FILENO, line, n) == -1)
		return;		/* stderr is gone: nowhere to say so */
}

/* Queue lines from now on; room for max_conns run lines besides LOGQ_BYTES. */
int
logq_start(unsigned int max_conns)
{
	q.cap = LOGQ_BYTES + (size_t)max_conns * LOGQ_RUN_ROOM;
	q.size = q.cap + 4 * ENTRY_MAX;
	if ((q.buf = malloc(q.size)) == NULL)
		return -1;
	q.head = q.tail = q.off = q.used = q.lossy = q.kept = 0;
	q.running = 1;
	return 0;
}

int
logq_running(void)
{
	return q.running;
}

/* The descriptor to poll for POLLOUT while lines wait, or -1. */
int
logq_poll(short *events)
{
	*events = POLLOUT;
	if (!q.running || (q.head == q.tail && !q.back && q.dropped == 0 &&
	    q.refused == 0))
		return -1;
	return q.syslog ? q.fd : STDERR_FILENO;
}

/* Reconnect to /dev/log when it is due; the next deadline, or -1. */
long long
logq_timers(long long now)
{
	if (!q.running || !q.syslog || q.fd != -1)
		return -1;
	if (now < q.retry_ms)
		return q.retry_ms;
	if ((q.fd = logq_open_syslog()) != -1) {
		q.back = 1;
		return -1;
	}
	q.retry_ms = now + LOGQ_RETRY_MS;
	return q.retry_ms;
}

/* At exit: write what can be within LOGQ_WAIT_MS, say what could not, stop queueing. */
void
logq_stop(void)
{
	struct pollfd		 pfd;
	long long		 end = now_ms() + LOGQ_WAIT_MS, now;
	unsigned long long	 left = 0;
	char			 msg[64], js[LOGQ_LINE];
	const char		*m;

	if (!q.running)
		return;
	for (;;) {
		logq_flush();
		now = now_ms();
		(void)logq_timers(now);
		if ((pfd.fd = logq_poll(&pfd.events)) == -1 && (!q.syslog ||
		    q.fd != -1 || q.head == q.tail))
			break;
		if (now >= end)
			break;
		/* Away from /dev/log: wait for the next reconnection try. */
		(void)poll(&pfd, 1, (int)(end - now < 100 ? end - now : 100));
	}
	for (; q.head < q.tail; left++)
		pop();
	left += q.dropped + q.lost;
	q.running = 0;
	if (left > 0) {
		snprintf(msg, sizeof(msg), "%llu log lines dropped at exit",
		    left);
		pfd.fd = q.syslog ? q.fd : STDERR_FILENO;
		pfd.events = POLLOUT;
		m = own_line(js, msg, left);
		if (pfd.fd != -1 && poll(&pfd, 1, 0) == 1)
			logq_direct(LOG_DAEMON | LOG_WARNING, m, strlen(m));
	}
	free(q.buf);
	q.buf = NULL;
}
