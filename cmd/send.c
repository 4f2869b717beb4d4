/*
 * peerrelay send: connect, check the listener when asked, send stdin (whole,
 * per line or per NUL record) while relaying the replies, exit with the
 * first failing request's status.
 */
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "../src/addr.h"
#include "../src/clock.h"
#include "../src/ids.h"
#include "../src/mmsg.h"
#include "../src/num.h"
#include "../src/peer.h"
#include "../src/proto.h"
#include "cmd.h"

/* No socket carries a larger request (see proto.h). */
#define INPUT_MAX		PROTO_MAX_REQUEST
/* Unix datagram sockets refuse a datagram within this of SO_SNDBUF. */
#define SNDBUF_SLACK		32
/* In record mode, ask for this much send buffer: more requests in flight. */
#define RECORD_SNDBUF		(1024 * 1024)
#define READ_CHUNK		65536
/* Records handed to the kernel per sendmmsg(2), replies taken per recvmmsg(2). */
#define SEND_BATCH		64
#define RECV_BATCH		16
/* Requests in flight at most: sending waits for replies beyond it. */
#define MAX_INFLIGHT		65536

enum split { SPLIT_WHOLE, SPLIT_LINES, SPLIT_NULL };

struct send_opts {
	struct addr	 addr;
	enum split	 split;
	int		 no_wait;
	unsigned int	 timeout;
	const char	*expect_user;
	uid_t		 expect_uid;
	const char	*expect_group;
	gid_t		 expect_gid;
	const char	*message;
};

struct client {
	const struct send_opts	*o;
	int			 fd;
	size_t			 limit;		/* largest datagram */
	int			 wmem_capped;	/* limit: net.core.wmem_max's */
	/* input */
	char			*in;
	size_t			 start, scan, end, cap;
	int			 in_eof;
	int			 skipping;	/* inside an oversized record */
	unsigned long		 recno, empty;
	/* records found in the input, waiting to be sent */
	struct pending {
		const char	*p;
		size_t		 len;
		unsigned long	 recno;
	}			 pend[SEND_BATCH];
	size_t			 phead, npend;
	int			 shut;		/* SHUT_WR done, or cannot send */
	int			 send_failed;	/* the listener stopped taking */
	/* record numbers of the requests in flight, oldest first */
	unsigned long		*flight;
	size_t			 fhead, fcount, fcap;
	unsigned long		 last_answered;	/* its record number, or 0 */
	int			 closed;	/* the listener closed */
	long long		 blocked_ms;	/* sending waits since, or 0 */
	long long		 shut_ms;	/* the last record went then */
	const char		*expired;	/* what --timeout cut short */
	/* replies */
	unsigned long		 sent, answered;
	int			 said_hello;
	int			 hello;		/* said hello, no answer yet */
	int			 first_fail;
	int			 refused;
	int			 out_broken;
	char			*rbuf;
	unsigned int		 rslots;	/* replies per recvmmsg */
};

#define HAVE_PENDING(c)	((c)->phead < (c)->npend)

static const char send_usage[] =
"usage: peerrelay send [OPTIONS] ADDRESS [MESSAGE]\n"
"\n"
"Send standard input (or MESSAGE) to a peerrelay listener as one datagram,\n"
"or one per line or NUL-separated record; copy the replies to stdout and\n"
"stderr and exit with the first failing request's status.\n"
"\n"
"  -l, --lines                  one datagram per line (newline not sent)\n"
"  -0, --null                   one datagram per NUL-terminated record\n"
"      --expect-user USER|UID   refuse a listener not running as USER\n"
"      --expect-group GROUP|GID refuse a listener not in GROUP (its primary\n"
"                               or a supplementary group)\n"
"  -n, --no-wait                exit once everything is handed over\n"
"  -t, --timeout SECONDS        bound connect, each blocked write and the\n"
"                               replies after the last record (exit 75)\n"
"  -h, --help                   show this help\n"
"\n"
"Exit: the remote status, 128+N for signal N, 64 usage, 65 bad input,\n"
"69 cannot connect or records unanswered (wins over a request's status),\n"
"70 internal or protocol error, 75 timed out, 77 refused.\n"
"See peerrelay(1).\n";

void
send_help(FILE *fp)
{
	fputs(send_usage, fp);
}

static void
parse_options(int argc, char **argv, struct send_opts *o)
{
	enum { OPT_EXPECT_USER = 256, OPT_EXPECT_GROUP };
	static const struct option longopts[] = {
		{ "lines",		no_argument,	   NULL, 'l' },
		{ "null",		no_argument,	   NULL, '0' },
		{ "expect-user",	required_argument, NULL, OPT_EXPECT_USER },
		{ "expect-group",	required_argument, NULL, OPT_EXPECT_GROUP },
		{ "no-wait",		no_argument,	   NULL, 'n' },
		{ "timeout",		required_argument, NULL, 't' },
		{ "help",		no_argument,	   NULL, 'h' },
		{ NULL,			0,		   NULL, 0 }
	};
	const char	*errstr = NULL;
	char		 msg[128];
	gid_t		 unused;
	int		 ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "+l0nt:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'l':
		case '0':
			if (o->split != SPLIT_WHOLE)
				errx(EX_USAGE, "--lines and --null exclude "
				    "each other");
			o->split = ch == 'l' ? SPLIT_LINES : SPLIT_NULL;
			break;
		case OPT_EXPECT_USER:
			if (ids_user(optarg, &o->expect_uid, &unused,
			    &errstr) == -1)
				errx(EX_USAGE, "--expect-user %s: %s", optarg,
				    errstr);
			o->expect_user = optarg;
			break;
		case OPT_EXPECT_GROUP:
			if (ids_group(optarg, &o->expect_gid, &errstr) == -1)
				errx(EX_USAGE, "--expect-group %s: %s", optarg,
				    errstr);
			o->expect_group = optarg;
			break;
		case 'n':
			o->no_wait = 1;
			break;
		case 't':
			if (num_option("--timeout", optarg, 1, NUM_MAX_SECONDS,
			    &o->timeout, msg, sizeof(msg)) == -1)
				errx(EX_USAGE, "%s", msg);
			break;
		case 'h':
			send_help(stdout);
			exit(0);
		default:
			fputs(send_usage, stderr);
			exit(EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		errx(EX_USAGE, "send: missing ADDRESS (see peerrelay help send)");
	if (argc > 2)
		errx(EX_USAGE, "send: unexpected '%s' after MESSAGE", argv[2]);
	if (addr_parse(argv[0], &o->addr, &errstr) == -1)
		errx(EX_USAGE, "address '%s': %s", argv[0], errstr);
	if (argc == 2)
		o->message = argv[1];
}

/* SIGALRM only interrupts a blocked write(2): installed without SA_RESTART. */
static void
on_alarm(int sig)
{
	(void)sig;
}

/*
 * Arm the interval timer to fire in ms milliseconds, then every 10 ms: a
 * signal that lands before write(2) blocks is followed by another. 0
 * disarms it.
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

/*
 * The deadline --timeout sets now: after the last record, one for all the
 * replies; before it, one for a send that waits; none while only input is
 * awaited.
 */
static long long
deadline(const struct client *c)
{
	long long	 t = (long long)c->o->timeout * 1000;

	if (t == 0)
		return 0;
	if (c->shut_ms != 0)
		return c->shut_ms + t;
	if (c->blocked_ms != 0)
		return c->blocked_ms + t;
	return 0;
}

/* Copy command output to fd, within --timeout; what broke is remembered. */
static void
relay(struct client *c, int fd, const char *p, size_t n)
{
	long long	 by = deadline(c);
	int		 r;

	if (fd == STDOUT_FILENO && c->out_broken)
		return;
	if (by == 0 && c->o->timeout > 0)
		by = now_ms() + (long long)c->o->timeout * 1000;
	if ((r = write_until(fd, p, n, by)) == 0)
		return;
	if (r == -2)
		c->expired = fd == STDOUT_FILENO ? "writing to standard output" :
		    "writing to standard error";
	else if (fd == STDOUT_FILENO) {
		warn("stdout");
		c->out_broken = 1;
	}
}

/* Count the rest of an input already too large, to name its size. */
static void
too_large(struct client *c)
{
	char	 junk[READ_CHUNK];
	size_t	 total = c->end;
	ssize_t	 n;

	while ((n = read(STDIN_FILENO, junk, sizeof(junk))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			err(EX_DATAERR, "stdin");
		total += (size_t)n;
	}
	errx(EX_DATAERR, "input of %zu bytes is larger than the socket can "
	    "carry (%d bytes), nothing sent", total, INPUT_MAX);
}

/* Read all of stdin, refusing more than INPUT_MAX bytes. */
static void
read_whole(struct client *c)
{
	ssize_t	 n;
	char	*p;

	for (;;) {
		if (c->end == c->cap) {
			if (c->cap > INPUT_MAX)
				too_large(c);
			c->cap = c->cap == 0 ? READ_CHUNK : c->cap * 2;
			if ((p = realloc(c->in, c->cap)) == NULL)
				err(EX_SOFTWARE, "realloc");
			c->in = p;
		}
		n = read(STDIN_FILENO, c->in + c->end, c->cap - c->end);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			err(EX_DATAERR, "stdin");
		if (n == 0)
			break;
		c->end += (size_t)n;
	}
	if (c->end > INPUT_MAX)
		too_large(c);
}

/*
 * Ask for a send buffer that holds want bytes in one datagram (root may
 * exceed net.core.wmem_max); return the largest datagram the socket takes.
 * *capped: the kernel gave less than asked, so net.core.wmem_max set it.
 */
static size_t
size_socket(int fd, size_t want, int *capped)
{
	socklen_t	 len;
	int		 v, cur;

	*capped = 0;
	len = sizeof(cur);
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &cur, &len) == -1)
		err(EX_SOFTWARE, "getsockopt SO_SNDBUF");
	if ((size_t)cur < want + SNDBUF_SLACK) {
		/* The kernel doubles what it is given. */
		v = (int)((want + SNDBUF_SLACK) / 2 + 1);
		if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &v,
		    sizeof(v)) == -1)
			(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v,
			    sizeof(v));
		len = sizeof(cur);
		if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &cur, &len) == -1)
			err(EX_SOFTWARE, "getsockopt SO_SNDBUF");
		*capped = (size_t)cur < want + SNDBUF_SLACK;
	}
	if (cur <= SNDBUF_SLACK)
		return 0;
	cur -= SNDBUF_SLACK;
	return (size_t)cur < INPUT_MAX ? (size_t)cur : INPUT_MAX;
}

static void
describe_user(uid_t uid, char *buf, size_t size)
{
	char	 name[64];

	if (ids_user_name(uid, name, sizeof(name)) == 0)
		snprintf(buf, size, "uid %lu (%s)", (unsigned long)uid, name);
	else
		snprintf(buf, size, "uid %lu", (unsigned long)uid);
}

/* The listener's own credentials, from our side of the connection. */
static void
check_listener(const struct send_opts *o, int fd)
{
	struct peer	 p;
	char		 who[128];

	if (o->expect_user == NULL && o->expect_group == NULL)
		return;
	if (peer_read(fd, &p) == -1)
		err(EX_SOFTWARE, "listener credentials");
	describe_user(p.uid, who, sizeof(who));
	if (o->expect_user != NULL && p.uid != o->expect_uid)
		errx(EX_NOPERM, "listener on %s runs as %s, expected %s; "
		    "nothing sent", o->addr.text, who, o->expect_user);
	if (o->expect_group != NULL && !peer_in_group(&p, o->expect_gid))
		errx(EX_NOPERM, "listener on %s runs as %s, not in group %s; "
		    "nothing sent", o->addr.text, who, o->expect_group);
	peer_free(&p);
}

static int
connect_listener(const struct send_opts *o)
{
	struct timeval	 tv;
	int		 fd;

	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) == -1)
		err(EX_SOFTWARE, "socket");
	if (o->timeout > 0) {
		/* A Unix connect waits on a full backlog for SO_SNDTIMEO. */
		tv.tv_sec = o->timeout;
		tv.tv_usec = 0;
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	while (addr_connect(&o->addr, fd) == -1) {
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EINPROGRESS)
			errx(EX_TEMPFAIL, "connect %s: timed out after %us",
			    o->addr.text, o->timeout);
		err(EX_UNAVAILABLE, "connect %s", o->addr.text);
	}
	return fd;
}

static void
fail(struct client *c, int status)
{
	if (c->first_fail == 0)
		c->first_fail = status;
}

/* Remember the record numbers of k requests just sent. */
static void
flight_push(struct client *c, const struct pending *r, size_t k)
{
	unsigned long	*p;
	size_t		 i, cap;

	if (c->fcount + k > c->fcap) {
		cap = c->fcap == 0 ? 1024 : c->fcap * 2;
		while (cap < c->fcount + k)
			cap *= 2;
		if ((p = reallocarray(NULL, cap, sizeof(*p))) == NULL)
			err(EX_SOFTWARE, "reallocarray");
		for (i = 0; i < c->fcount; i++)
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
}

/* The next n requests in flight are answered; the last one's record number. */
static unsigned long
flight_pop(struct client *c, unsigned long n)
{
	c->fhead = (c->fhead + (size_t)n - 1) % c->fcap;
	c->last_answered = c->flight[c->fhead];
	c->fhead = (c->fhead + 1) % c->fcap;
	c->fcount -= (size_t)n;
	c->answered += n;
	return c->last_answered;
}

/*
 * The number of the last record read from the input: those taken, and
 * the whole ones still in the buffer.
 */
static unsigned long
records_read(const struct client *c)
{
	char		 delim = c->o->split == SPLIT_LINES ? '\n' : '\0';
	unsigned long	 n = c->recno;
	size_t		 from = c->start, at = c->scan;
	int		 skipping = c->skipping;
	char		*d;

	if (c->o->split == SPLIT_WHOLE)
		return n;
	while (at < c->end &&
	    (d = memchr(c->in + at, delim, c->end - at)) != NULL) {
		/* The end of an oversized record, counted when it began. */
		if (skipping)
			skipping = 0;
		else
			n++;
		from = at = (size_t)(d - c->in) + 1;
	}
	if (c->in_eof && from < c->end && !skipping)
		n++;
	return n;
}

/*
 * What became of the records, for a send cut short: "records 1-3
 * answered, 4-5 unanswered; input not read past record 5".
 */
static void
say_records(const struct client *c, const char *what)
{
	unsigned long	 a = c->last_answered, n = records_read(c);
	char		 ans[64] = "", un[64] = "", in[64] = "";

	if (a == 0 && n == 0) {
		warnx("%s before any record was sent", what);
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
	if (!c->in_eof)
		snprintf(in, sizeof(in), "; input not read past record %lu", n);
	warnx("%s: %s%s%s", what, ans, un, in);
}

/* A reason from the listener reaches the terminal only through strvis. */
static void
say_refused(const char *prefix, const struct reply *r)
{
	char	 safe[PROTO_REASON_SIZE];

	proto_reason(r, safe, sizeof(safe));
	warnx("%s%s", prefix, safe);
}

/* Act on one reply datagram. */
static void
handle_reply(struct client *c, const char *buf, size_t n)
{
	struct reply	 r;
	unsigned long	 rec;
	char		 what[64];
	int		 many = c->o->split != SPLIT_WHOLE;

	if (proto_decode(buf, n, &r) == -1)
		errx(EX_SOFTWARE, "protocol error: malformed reply of type "
		    "'%c' (%zu bytes)", buf[0] >= 0x20 && buf[0] < 0x7f ?
		    buf[0] : '?', n);
	if (r.type == PROTO_STDOUT || r.type == PROTO_STDERR) {
		relay(c, r.type == PROTO_STDOUT ? STDOUT_FILENO :
		    STDERR_FILENO, r.data, r.len);
		return;
	}
	if (r.type == PROTO_HELLO)
		c->hello = 0;
	if (!r.terminal)
		return;
	/* A denied connection is refused once, whatever was sent. */
	if (r.type == PROTO_REFUSED && r.status == EX_NOPERM) {
		c->refused = 1;
		fail(c, r.status);
		say_refused("refused: ", &r);
		return;
	}
	/* A listener that knows no hello refuses it as an empty request. */
	if (c->hello && r.type == PROTO_REFUSED && r.status == EX_DATAERR) {
		c->hello = 0;
		return;
	}
	if (r.count > c->fcount)
		errx(EX_SOFTWARE, "protocol error: a reply to no request");
	rec = flight_pop(c, r.count);
	if (r.status == 0)
		return;
	fail(c, r.status);
	if (r.type == PROTO_REFUSED) {
		if (many)
			snprintf(what, sizeof(what), "record %lu refused: ",
			    rec);
		say_refused(many ? what : "refused: ", &r);
	} else if (r.type == PROTO_TIMEOUT && many)
		warnx("record %lu: timed out", rec);
	else if (r.type == PROTO_TIMEOUT)
		warnx("timed out (the listener's --timeout)");
	else if (r.type == PROTO_SIGNAL && many)
		warnx("record %lu: killed by signal %d", rec, r.status - 128);
	else if (r.type == PROTO_SIGNAL)
		warnx("killed by signal %d", r.status - 128);
	else if (many)
		warnx("record %lu: exit status %d", rec, r.status);
}

/*
 * Take every reply waiting; -1 once the listener has closed, 0 when none
 * is left or --timeout cut it short (c->expired).
 */
static int
read_replies(struct client *c)
{
	struct mmsghdr	 mm[RECV_BATCH];
	struct iovec	 iov[RECV_BATCH];
	unsigned int	 i;
	long long	 by;
	int		 n;

	for (;;) {
		/* A flood of replies is no way around the deadline. */
		if (c->expired == NULL && (by = deadline(c)) != 0 &&
		    now_ms() >= by)
			c->expired = "waiting for replies";
		if (c->expired != NULL)
			return 0;
		mmsg_slots(mm, iov, c->rslots, c->rbuf, PROTO_MAX_REPLY + 1);
		n = recvmmsg(c->fd, mm, c->rslots, MSG_DONTWAIT | MSG_TRUNC,
		    NULL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			/* A reset is reported once; queued replies follow. */
			if (errno == ECONNRESET)
				continue;
			if (errno == EAGAIN)
				return 0;
			warn("receive");
			c->closed = 1;
			return -1;
		}
		for (i = 0; i < (unsigned int)n && c->expired == NULL; i++) {
			/* Replies are never empty: 0 is the end of stream. */
			if (mm[i].msg_len == 0) {
				c->closed = 1;
				return -1;
			}
			if (mm[i].msg_len > PROTO_MAX_REPLY)
				errx(EX_SOFTWARE, "protocol error: reply of "
				    "%u bytes", mm[i].msg_len);
			handle_reply(c, iov[i].iov_base, mm[i].msg_len);
		}
	}
}

/* Queue the next record of the input buffer; 1 when there was one. */
static int
next_record(struct client *c)
{
	char	 delim = c->o->split == SPLIT_LINES ? '\n' : '\0';
	char	*p, *rec;
	size_t	 len;

	for (;;) {
		p = c->scan < c->end ?
		    memchr(c->in + c->scan, delim, c->end - c->scan) : NULL;
		if (p == NULL) {
			c->scan = c->end;
			len = c->end - c->start;
			if (!c->skipping && len > c->limit) {
				c->skipping = 1;
				c->recno++;
				warnx("record %lu: larger than the socket can "
				    "carry (%zu bytes%s), not sent", c->recno,
				    c->limit, c->wmem_capped ? ", limited by "
				    "net.core.wmem_max" : "");
				fail(c, EX_DATAERR);
			}
			if (c->skipping)
				c->start = c->scan = c->end;
			if (!c->in_eof || len == 0 || c->skipping)
				return 0;
			/* A last record without its terminator. */
			p = c->in + c->end;
		}
		len = (size_t)(p - (c->in + c->start));
		rec = c->in + c->start;
		c->start = c->scan = (size_t)(p - c->in) + (p < c->in + c->end);
		if (c->skipping) {
			c->skipping = 0;
			continue;
		}
		c->recno++;
		if (len == 0) {
			c->empty++;
			continue;
		}
		c->pend[c->npend].p = rec;
		c->pend[c->npend].len = len;
		c->pend[c->npend].recno = c->recno;
		c->npend++;
		return 1;
	}
}

/* Make room for more input; -1 at end of input. */
static int
read_input(struct client *c)
{
	ssize_t	 n;

	if (c->start > 0) {
		memmove(c->in, c->in + c->start, c->end - c->start);
		c->end -= c->start;
		c->scan -= c->start;
		c->start = 0;
	}
	if (c->cap - c->end < READ_CHUNK) {
		c->cap = c->end + READ_CHUNK;
		if ((c->in = realloc(c->in, c->cap)) == NULL)
			err(EX_SOFTWARE, "realloc");
	}
	n = read(STDIN_FILENO, c->in + c->end, c->cap - c->end);
	if (n == -1 && errno == EINTR)
		return 0;
	if (n == -1)
		err(EX_DATAERR, "stdin");
	if (n == 0) {
		c->in_eof = 1;
		return -1;
	}
	c->end += (size_t)n;
	return 0;
}

/*
 * Queue records and send them as far as the socket takes them; 0 when it
 * must wait, or when there is nothing to send.
 */
static int
send_records(struct client *c)
{
	struct mmsghdr	 mm[SEND_BATCH + 1];
	struct iovec	 iov[SEND_BATCH + 1];
	struct pending	*r;
	size_t		 i, n, h;
	int		 k;

	if (!HAVE_PENDING(c)) {
		/* Records point into the input: fill only once all are sent. */
		c->phead = c->npend = 0;
		while (c->npend < SEND_BATCH && next_record(c))
			;
		if (c->npend == 0)
			return 0;
	}
	/*
	 * Before the first of several records, say hello (an empty datagram):
	 * the listener may then acknowledge them in counts, not one by one.
	 */
	h = c->o->split != SPLIT_WHOLE && !c->said_hello;
	n = c->npend - c->phead;
	/* So many unanswered: the listener must answer before it gets more. */
	if (n > MAX_INFLIGHT - c->fcount)
		n = MAX_INFLIGHT - c->fcount;
	if (n == 0) {
		if (c->blocked_ms == 0)
			c->blocked_ms = now_ms();
		return 0;
	}
	for (i = 0; i < n + h; i++) {
		if (h && i == 0)
			mmsg_set(&mm[i], &iov[i], (void *)"", 0);
		else
			mmsg_set(&mm[i], &iov[i],
			    (void *)c->pend[c->phead + i - h].p,
			    c->pend[c->phead + i - h].len);
	}
	k = sendmmsg(c->fd, mm, (unsigned int)(n + h),
	    MSG_DONTWAIT | MSG_NOSIGNAL);
	if (k > 0 && h) {
		c->said_hello = c->hello = 1;
		if (--k == 0)
			return 1;
	}
	if (k == -1) {
		if (errno == EAGAIN || errno == EINTR) {
			if (c->blocked_ms == 0)
				c->blocked_ms = now_ms();
			return 0;
		}
		r = &c->pend[c->phead];
		if (errno == EMSGSIZE || errno == ENOBUFS || errno == ENOMEM) {
			warnx("record %lu: %zu bytes: %s%s, not sent",
			    r->recno, r->len, strerror(errno),
			    errno == EMSGSIZE && c->wmem_capped ? " (limited "
			    "by net.core.wmem_max)" : "");
			fail(c, EX_DATAERR);
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
	flight_push(c, &c->pend[c->phead], (size_t)k);
	c->phead += (size_t)k;
	return 1;
}

/*
 * The listener closed with every record answered: if the input is at its
 * end already, nothing was lost. Look once, without waiting.
 */
static void
input_ended(struct client *c)
{
	struct pollfd	 pfd;

	if (c->in_eof || HAVE_PENDING(c) || c->fcount > 0)
		return;
	pfd.fd = STDIN_FILENO;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 0) == 1)
		(void)read_input(c);
}

static int
finish(struct client *c)
{
	char	 what[96];

	if (c->empty > 0)
		warnx("skipped %lu empty record%s", c->empty,
		    c->empty == 1 ? "" : "s");
	if (c->expired != NULL) {
		snprintf(what, sizeof(what), "timed out after %us %s",
		    c->o->timeout, c->expired);
		say_records(c, what);
		return EX_TEMPFAIL;
	}
	if (c->refused)
		return EX_NOPERM;
	/* Closed before the input ended, a record went or an answer came. */
	if (c->closed && (!c->in_eof || HAVE_PENDING(c) ||
	    (!c->o->no_wait && c->fcount > 0))) {
		say_records(c, "the listener closed the connection");
		return EX_UNAVAILABLE;
	}
	if (c->sent == 0 && c->first_fail == 0) {
		warnx("no records in the input, nothing sent");
		return EX_DATAERR;
	}
	if (c->first_fail != 0)
		return c->first_fail;
	return c->out_broken ? EX_SOFTWARE : 0;
}

static int
run(struct client *c)
{
	struct pollfd	 pfd[2];
	long long	 by, now;
	nfds_t		 n;
	int		 timeout, from_stdin;

	from_stdin = c->o->split != SPLIT_WHOLE && c->o->message == NULL;
	for (;;) {
		while (!c->shut && send_records(c))
			;
		if (!c->shut && !HAVE_PENDING(c) && c->in_eof) {
			(void)shutdown(c->fd, SHUT_WR);
			c->shut = 1;
			c->shut_ms = now_ms();
		}
		/* After a failed send, read on to the end: a refusal may wait. */
		if (c->shut && !c->send_failed &&
		    (c->o->no_wait || c->fcount == 0))
			return finish(c);
		n = 0;
		pfd[n].fd = c->fd;
		pfd[n++].events = POLLIN | (HAVE_PENDING(c) && !c->shut &&
		    c->fcount < MAX_INFLIGHT ? POLLOUT : 0);
		if (from_stdin && !HAVE_PENDING(c) && !c->in_eof && !c->shut) {
			pfd[n].fd = STDIN_FILENO;
			pfd[n++].events = POLLIN;
		}
		timeout = -1;
		if ((by = deadline(c)) != 0) {
			now = now_ms();
			if (now >= by) {
				c->expired = c->shut_ms != 0 ?
				    "waiting for replies" : "waiting for the "
				    "listener to take a record";
				return finish(c);
			}
			timeout = (int)(by - now);
		}
		if (poll(pfd, n, timeout) == -1) {
			if (errno == EINTR)
				continue;
			err(EX_SOFTWARE, "poll");
		}
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			/* The first failure ends it: no more input is read. */
			if (read_replies(c) == -1 && from_stdin)
				input_ended(c);
			if (c->closed || c->expired != NULL)
				return finish(c);
		}
		if (n > 1 && pfd[1].revents)
			(void)read_input(c);
	}
}

int
cmd_send(int argc, char **argv)
{
	struct send_opts	 o;
	struct client		 c;
	struct sigaction	 sa;
	int			 status;

	/* Replies and stdout may go away; we report that, never die of it. */
	signal(SIGPIPE, SIG_IGN);
	memset(&o, 0, sizeof(o));
	memset(&c, 0, sizeof(c));
	parse_options(argc, argv, &o);
	c.o = &o;
	if (o.timeout > 0) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_alarm;
		if (sigaction(SIGALRM, &sa, NULL) == -1)
			err(EX_SOFTWARE, "sigaction");
	}
	/* One request needs no batch of replies; a stream of them does. */
	c.rslots = o.split == SPLIT_WHOLE ? 1 : RECV_BATCH;
	if ((c.rbuf = malloc(c.rslots * (size_t)(PROTO_MAX_REPLY + 1))) == NULL)
		err(EX_SOFTWARE, "malloc");

	if (o.message != NULL) {
		c.in = (char *)o.message;
		c.end = c.cap = strlen(o.message);
		c.in_eof = 1;
	} else if (o.split == SPLIT_WHOLE) {
		read_whole(&c);
		c.in_eof = 1;
	}
	if (o.split == SPLIT_WHOLE && c.end == 0)
		errx(EX_DATAERR, "empty input, nothing sent");

	c.fd = connect_listener(&o);
	if (o.split == SPLIT_WHOLE) {
		c.limit = size_socket(c.fd, c.end, &c.wmem_capped);
		if (c.end > c.limit)
			errx(EX_DATAERR, "input of %zu bytes is larger than "
			    "the socket can carry (%zu bytes%s), nothing sent",
			    c.end, c.limit, c.wmem_capped ? ", limited by "
			    "net.core.wmem_max" : "");
		c.pend[0].p = c.in;
		c.pend[0].len = c.end;
		c.pend[0].recno = c.recno = 1;
		c.npend = 1;
		/* The one record is taken: nothing is left to split. */
		c.start = c.scan = c.end;
	} else
		c.limit = size_socket(c.fd, RECORD_SNDBUF, &c.wmem_capped);
	check_listener(&o, c.fd);
	status = run(&c);
	close(c.fd);
	free(c.rbuf);
	free(c.flight);
	if (o.message == NULL)
		free(c.in);
	return status;
}
