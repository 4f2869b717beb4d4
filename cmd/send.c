/*
 * peerrelay send: options and the ACTION's operands, then the wiring: the
 * input (src/input.c), the connection, its hello and its replies
 * (src/client.c, src/hello.c, src/replies.c), the listener's identity
 * checked when asked.
 */
#include <sys/types.h>

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "../src/addr.h"
#include "../src/client.h"
#include "../src/clock.h"
#include "../src/ids.h"
#include "../src/input.h"
#include "../src/num.h"
#include "../src/peer.h"
#include "../src/proto.h"
#include "../src/request.h"
#include "cmd.h"

/* In record mode, ask for this much send buffer: more requests in flight. */
#define RECORD_SNDBUF		(1024 * 1024)

struct send_opts {
	struct addr		 addr;
	enum input_split	 split;
	int			 no_wait;
	unsigned int		 timeout;
	const char		*expect_user;
	uid_t			 expect_uid;
	const char		*expect_group;
	gid_t			 expect_gid;
	const char		*message;
	const char		*action;	/* after "--", or NULL */
	int			 list;		/* --list */
	char			**args;
	size_t			 nargs;
};

static const char send_usage[] =
"usage: peerrelay send [OPTIONS] ADDRESS [MESSAGE]\n"
"       peerrelay send [OPTIONS] ADDRESS -- ACTION [ARG...]\n"
"       peerrelay send --list [OPTIONS] ADDRESS\n"
"\n"
"Send standard input (or MESSAGE) to a peerrelay listener as one datagram,\n"
"or one per line or NUL-separated record; copy the replies to stdout and\n"
"stderr and exit with the first failing request's status.\n"
"With an ACTION, ask a listener that takes actions for it with the ARGs\n"
"(none empty), standard input being the payload (nothing, when that is a\n"
"terminal; with -l or -0, one request per record); exit 69 if the\n"
"listener does not take actions, nothing sent.\n"
"With --list, print the actions this caller may ask the listener for,\n"
"one a line with the argument slots it fills, and send nothing else.\n"
"\n"
"  -l, --lines                  one datagram per line (newline not sent)\n"
"  -0, --null                   one datagram per NUL-terminated record\n"
"      --list                   list the actions this caller may call\n"
"      --expect-user USER|UID   refuse a listener not running as USER\n"
"      --expect-group GROUP|GID refuse a listener not in GROUP (its primary\n"
"                               or a supplementary group)\n"
"  -n, --no-wait                exit once everything is handed over; with\n"
"                               no ACTION, say no hello, as a plain\n"
"                               SEQPACKET server needs\n"
"  -t, --timeout SECONDS        bound connect, each blocked write, the\n"
"                               replies after the last record, and retrying\n"
"                               a busy listener (else 5 s) (exit 75)\n"
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

/*
 * The operands after "--": ACTION [ARG...], each field of the request's
 * header within its bound and not empty (an empty one ends the header).
 */
static void
parse_action(struct send_opts *o, int argc, char **argv)
{
	size_t	 len;
	int	 i;

	if (argc < 1)
		errx(EX_USAGE, "send: '--' without an ACTION (see peerrelay "
		    "help send)");
	if ((len = strlen(argv[0])) == 0)
		errx(EX_USAGE, "send: empty ACTION");
	if (len > REQUEST_MAX_ACTION)
		errx(EX_USAGE, "action '%.*s...': %zu bytes, more than %d",
		    REQUEST_MAX_ACTION, argv[0], len, REQUEST_MAX_ACTION);
	if (argc - 1 > REQUEST_MAX_ARGS)
		errx(EX_USAGE, "action %s: %d arguments, more than %d", argv[0],
		    argc - 1, REQUEST_MAX_ARGS);
	for (i = 1; i < argc; i++) {
		if ((len = strlen(argv[i])) == 0)
			errx(EX_USAGE, "action %s: argument %d is empty",
			    argv[0], i);
		if (len > REQUEST_MAX_ARG)
			errx(EX_USAGE, "action %s: argument %d ('%.32s...'): "
			    "%zu bytes, more than %d", argv[0], i, argv[i],
			    len, REQUEST_MAX_ARG);
	}
	o->action = argv[0];
	o->args = argv + 1;
	o->nargs = (size_t)argc - 1;
}

/* --list sends one request of its own: nothing else to send, no waiting. */
static void
list_usage(const struct send_opts *o)
{
	if (o->action != NULL || o->message != NULL)
		errx(EX_USAGE, "send: --list takes no %s (see peerrelay help "
		    "send)", o->action != NULL ? "ACTION" : "MESSAGE");
	if (o->split != INPUT_WHOLE || o->no_wait)
		errx(EX_USAGE, "--list and %s exclude each other",
		    o->split == INPUT_LINES ? "--lines" : o->split ==
		    INPUT_NULL ? "--null" : "--no-wait");
}

static void
parse_options(int argc, char **argv, struct send_opts *o)
{
	enum { OPT_EXPECT_USER = 256, OPT_EXPECT_GROUP, OPT_LIST };
	static const struct option longopts[] = {
		{ "lines",		no_argument,	   NULL, 'l' },
		{ "null",		no_argument,	   NULL, '0' },
		{ "list",		no_argument,	   NULL, OPT_LIST },
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
			if (o->split != INPUT_WHOLE)
				errx(EX_USAGE, "--lines and --null exclude "
				    "each other");
			o->split = ch == 'l' ? INPUT_LINES : INPUT_NULL;
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
		case OPT_LIST:
			o->list = 1;
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
	if (argc >= 2 && strcmp(argv[1], "--") == 0) {
		parse_action(o, argc - 2, argv + 2);
		argc = 1;
	}
	if (argc > 2)
		errx(EX_USAGE, "send: unexpected '%s' after MESSAGE", argv[2]);
	if (addr_parse(argv[0], &o->addr, &errstr) == -1)
		errx(EX_USAGE, "address '%s': %s", argv[0], errstr);
	if (argc == 2)
		o->message = argv[1];
	if (o->list)
		list_usage(o);
}

static void
describe_user(uid_t uid, char *buf, size_t size)
{
	char	 name[64];

	if (ids_name(IDS_USER, uid, name, sizeof(name), NULL) != NULL)
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

/* Input of n bytes and the request's header do not fit limit bytes. */
static void __attribute__((noreturn))
too_large(const struct client *c, size_t n, size_t limit)
{
	char	 less[64] = "";

	if (c->hdrlen > 0)
		snprintf(less, sizeof(less), ", less %zu for the request's "
		    "header", c->hdrlen);
	errx(EX_DATAERR, "input of %zu bytes is larger than the socket can "
	    "carry (%zu bytes%s%s), nothing sent", n, limit, less,
	    c->wmem_capped ? ", limited by net.core.wmem_max" : "");
}

/*
 * Whole input: all of it, read before connecting, refused when too large.
 * An ACTION's payload may be empty, and is when stdin is a terminal.
 */
static void
read_whole(const struct send_opts *o, const struct client *c,
    struct input *in)
{
	size_t	 total;
	int	 r;

	in->empty_ok = o->action != NULL;
	if (o->message != NULL)
		input_borrow(in, o->message, strlen(o->message));
	else if (o->action != NULL && isatty(STDIN_FILENO))
		input_borrow(in, "", 0);
	else if ((r = input_read_all(in, STDIN_FILENO, PROTO_MAX_REQUEST -
	    c->hdrlen, &total)) == -1)
		err(EX_DATAERR, "stdin");
	else if (r == 1)
		too_large(c, total, PROTO_MAX_REQUEST);
	if (in->end == 0 && !in->empty_ok)
		errx(EX_DATAERR, "empty input, nothing sent");
}

/* Connect, size the socket for the input, and check who listens. */
static void
open_conn(const struct send_opts *o, struct client *c, struct input *in)
{
	if (client_connect(c) == -1) {
		if (errno == EAGAIN)
			errx(EX_TEMPFAIL, "connect %s: timed out after %us",
			    o->addr.text, o->timeout);
		err(EX_UNAVAILABLE, "connect %s", o->addr.text);
	}
	if (client_size(c, o->split == INPUT_WHOLE ? in->end + c->hdrlen :
	    RECORD_SNDBUF) == -1)
		err(EX_SOFTWARE, "getsockopt SO_SNDBUF");
	if (o->split == INPUT_WHOLE && in->end > in->limit)
		too_large(c, in->end, c->limit);
	/* Records need a byte each behind an ACTION's header. */
	if (o->split != INPUT_WHOLE && c->hdrlen >= c->limit)
		errx(EX_DATAERR, "action %s: its header of %zu bytes leaves "
		    "no room on the socket (%zu bytes%s), nothing sent",
		    o->action, c->hdrlen, c->limit, c->wmem_capped ?
		    ", limited by net.core.wmem_max" : "");
	check_listener(o, c->fd);
}

int
cmd_send(int argc, char **argv)
{
	struct send_opts	 o;
	struct input		 in;
	struct client		 c;
	long long		 deadline;
	unsigned int		 delay = CLIENT_BACKOFF_MS, secs;
	int			 status;

	/* Replies and stdout may go away; we report that, never die of it. */
	signal(SIGPIPE, SIG_IGN);
	memset(&o, 0, sizeof(o));
	parse_options(argc, argv, &o);
	input_init(&in, o.split, 0);
	client_init(&c, &o.addr, &in);
	if (o.action != NULL && header_set(&c, o.action, o.args, o.nargs) == -1)
		err(EX_SOFTWARE, "action %s", o.action);
	if (o.list) {
		/* The list request: a header, no arguments, no payload. */
		if (header_set(&c, PROTO_LIST_ACTION, NULL, 0) == -1)
			err(EX_SOFTWARE, "--list");
		c.list = 1;
		in.empty_ok = 1;
		input_borrow(&in, "", 0);
	} else if (o.split == INPUT_WHOLE)
		read_whole(&o, &c, &in);
	else if (o.message != NULL)
		input_borrow(&in, o.message, strlen(o.message));
	c.timeout = o.timeout;
	c.no_wait = o.no_wait;
	if (!in.eof)
		c.from_fd = STDIN_FILENO;
	/* A listener busy for our uid is tried again until then. */
	secs = o.timeout > 0 ? o.timeout : CLIENT_BUSY_SECONDS;
	deadline = now_ms() + (long long)secs * 1000;
	for (;;) {
		open_conn(&o, &c, &in);
		status = client_run(&c);
		if (!c.busy)
			break;
		if (client_backoff(&c, deadline, &delay) == -1)
			errx(EX_TEMPFAIL, "%s: %s (still busy after %u s)",
			    o.addr.text, c.busy_why, secs);
	}
	client_free(&c);
	input_free(&in);
	return status;
}
