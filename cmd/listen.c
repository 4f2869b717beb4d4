/*
 * peerrelay listen: options, then one poll(2) loop that accepts connections,
 * checks each peer once, and serves its datagrams in order: printing them
 * (print mode) or running COMMAND for each (exec mode).
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "../src/activate.h"
#include "../src/addr.h"
#include "../src/clock.h"
#include "../src/ids.h"
#include "../src/log.h"
#include "../src/mmsg.h"
#include "../src/num.h"
#include "../src/outq.h"
#include "../src/peer.h"
#include "../src/policy.h"
#include "../src/privdrop.h"
#include "../src/proto.h"
#include "../src/record.h"
#include "../src/spawn.h"
#include "../src/title.h"
#include "cmd.h"

#define DEFAULT_MAX_SIZE	(64 * 1024)
#define LIMIT_MAX_SIZE		PROTO_MAX_REQUEST
#define DEFAULT_MAX_CONNS	64
#define LIMIT_MAX_CONNS		1024
#define DEFAULT_IDLE		60
/* Grace between TERM and KILL for a command past --timeout. */
#define KILL_GRACE_MS		2000
/* Stop reading a connection while this much is waiting to go back to it. */
#define OUTQ_HIGH		(256 * 1024)
/* Datagrams taken from one connection per round, so others get their turn. */
#define BATCH			64
/* Print mode takes up to this many datagrams per recvmmsg(2)... */
#define SLOTS			16
/* ...with at most this much buffer for them all. */
#define SLOTS_BYTES		(1024 * 1024)
/* Room for the descriptors one datagram might carry (all are closed). */
#define CMSG_ROOM		CMSG_SPACE(sizeof(int) * 64)
#define MAX_KEEP_ENV		64
#define SAFE_PATH	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct listen_opts {
	struct addr		 addr;
	struct policy		 policy;
	enum record_format	 format;
	size_t			 max_size;
	unsigned int		 max_conns;
	unsigned int		 timeout;
	unsigned int		 idle_timeout;
	int			 once;
	int			 verbosity;
	mode_t			 mode;
	uid_t			 owner_uid;
	gid_t			 owner_gid;
	char			*keep_env[MAX_KEEP_ENV];
	size_t			 nkeep;
	char			**command;	/* NULL: print mode */
	struct activation	 act;		/* what LISTEN_* said */
	int			 activated;	/* no ADDRESS: systemd's fd 3 */
	int			 check;		/* --check: validate, print */
	int			 syslog;
	const char		*run_as;	/* --run-as as given, or NULL */
	struct runas		 runas;
};

struct conn {
	int		 fd;		/* -1: free slot */
	struct peer	 peer;
	struct outq	 q;
	char		**env;
	struct job	 job;
	int		 counted;	/* said hello: acks go as 'A' counts */
	unsigned long	 acks;		/* records written, not yet acknowledged */
	int		 eof;		/* client sent end of stream */
	int		 gone;		/* client vanished: drop replies */
	unsigned long long requests;
	int		 last_status;
	long long	 active_ms;	/* last sign of life */
};

struct server {
	struct listen_opts	*o;
	struct spawner		 sp;
	int			 lfd;
	int			 sfd;
	struct conn		*conns;
	unsigned int		 nconns;
	char			*buf;		/* slots of max_size bytes */
	int			 slots;
	struct mmsghdr		 mm[SLOTS];
	struct iovec		 iov[SLOTS];
	char			*cmsg;		/* slots of CMSG_ROOM bytes */
	struct pollfd		*pfd;
	struct conn		**pconn;	/* which connection each pfd is for */
	int			 stopping;
	int			 served;	/* --once: a connection was taken */
	int			 last_status;
	int			 stdout_dirty;
	int			 accept_paused;	/* out of descriptors */
};

static const char listen_usage[] =
"usage: peerrelay listen [OPTIONS] [ADDRESS] [-- COMMAND [ARG...]]\n"
"\n"
"Bind a SOCK_SEQPACKET Unix socket (ADDRESS: @name abstract, else a path),\n"
"check each peer's credentials, and for every datagram of an allowed peer\n"
"print a record (no COMMAND) or run COMMAND with the datagram as stdin.\n"
"Without ADDRESS, take the listening socket systemd passed (LISTEN_PID,\n"
"LISTEN_FDS=1: fd 3).\n"
"\n"
"  -u, --allow-user USER|UID     allow this user (repeatable)\n"
"  -g, --allow-group GROUP|GID   allow this primary or supplementary group\n"
"      --allow-any               allow every peer\n"
"                                (default: only the listener's own uid)\n"
"  -f, --format text|json|raw    print mode record format (text)\n"
"  -s, --max-size BYTES          largest datagram, K/M suffix (64K, up to 4M)\n"
"  -c, --max-conns N             connections served at once (64, up to 1024)\n"
"  -T, --timeout SECONDS         end COMMAND after this long (0: never)\n"
"  -i, --idle-timeout SECONDS    drop a silent connection (60; 0: never)\n"
"      --once                    serve one allowed connection, then exit\n"
"  -m, --mode OCTAL              socket file permissions (paths only)\n"
"  -o, --owner USER[:GROUP]      socket file owner (paths only)\n"
"  -e, --keep-env NAME           pass variable NAME to COMMAND (repeatable)\n"
"      --run-as USER[:GROUP]     run COMMAND as USER with USER's groups (root);\n"
"                                a user of its own, never nobody\n"
"      --syslog                  log through syslog(3), not stderr\n"
"      --check                   validate, print the effective policy, exit\n"
"  -q, --quiet                   log only denials and errors\n"
"  -v, --verbose                 log more\n"
"  -h, --help                    show this help\n"
"\n"
"See peerrelay(1) for the record formats, the protocol and exit statuses.\n";

void
listen_help(FILE *fp)
{
	fputs(listen_usage, fp);
}

static void
parse_options(int argc, char **argv, struct listen_opts *o)
{
	enum { OPT_ALLOW_ANY = 256, OPT_ONCE, OPT_RUN_AS, OPT_SYSLOG,
	    OPT_CHECK };
	static const struct option longopts[] = {
		{ "allow-user",		required_argument, NULL, 'u' },
		{ "allow-group",	required_argument, NULL, 'g' },
		{ "allow-any",		no_argument,	   NULL, OPT_ALLOW_ANY },
		{ "format",		required_argument, NULL, 'f' },
		{ "max-size",		required_argument, NULL, 's' },
		{ "max-conns",		required_argument, NULL, 'c' },
		{ "timeout",		required_argument, NULL, 'T' },
		{ "idle-timeout",	required_argument, NULL, 'i' },
		{ "once",		no_argument,	   NULL, OPT_ONCE },
		{ "mode",		required_argument, NULL, 'm' },
		{ "owner",		required_argument, NULL, 'o' },
		{ "keep-env",		required_argument, NULL, 'e' },
		{ "run-as",		required_argument, NULL, OPT_RUN_AS },
		{ "syslog",		no_argument,	   NULL, OPT_SYSLOG },
		{ "check",		no_argument,	   NULL, OPT_CHECK },
		{ "quiet",		no_argument,	   NULL, 'q' },
		{ "verbose",		no_argument,	   NULL, 'v' },
		{ "help",		no_argument,	   NULL, 'h' },
		{ NULL,			0,		   NULL, 0 }
	};
	const char	*errstr = NULL;
	char		 msg[128];
	int		 ch, have_owner = 0, before, dashdash = 0;

	policy_init(&o->policy, geteuid());
	o->format = RECORD_TEXT;
	o->max_size = DEFAULT_MAX_SIZE;
	o->max_conns = DEFAULT_MAX_CONNS;
	o->idle_timeout = DEFAULT_IDLE;
	o->verbosity = LOG_NORMAL;
	o->mode = (mode_t)-1;
	o->owner_uid = (uid_t)-1;
	o->owner_gid = (gid_t)-1;

	optind = 1;
	for (;;) {
		/* Did getopt eat a "--" (no ADDRESS before the command)? */
		before = optind;
		if ((ch = getopt_long(argc, argv, "+u:g:f:s:c:T:i:m:o:e:qvh",
		    longopts, NULL)) == -1) {
			dashdash = optind == before + 1 &&
			    strcmp(argv[before], "--") == 0;
			break;
		}
		switch (ch) {
		case 'u':
			if (policy_add_user(&o->policy, optarg, &errstr) == -1)
				errx(EX_USAGE, "--allow-user %s: %s", optarg,
				    errstr);
			break;
		case 'g':
			if (policy_add_group(&o->policy, optarg, &errstr) == -1)
				errx(EX_USAGE, "--allow-group %s: %s", optarg,
				    errstr);
			break;
		case OPT_ALLOW_ANY:
			o->policy.any = 1;
			break;
		case 'f':
			if (record_format_parse(optarg, &o->format) == -1)
				errx(EX_USAGE, "--format %s: not text, json "
				    "or raw", optarg);
			break;
		case 's':
			if (num_size(optarg, 1, LIMIT_MAX_SIZE, &o->max_size,
			    &errstr) == -1)
				errx(EX_USAGE, "--max-size %s: %s (1 to %d)",
				    optarg, errstr, LIMIT_MAX_SIZE);
			break;
		case 'c':
			if (num_option("--max-conns", optarg, 1,
			    LIMIT_MAX_CONNS, &o->max_conns, msg,
			    sizeof(msg)) == -1)
				errx(EX_USAGE, "%s", msg);
			break;
		case 'T':
			if (num_option("--timeout", optarg, 0, NUM_MAX_SECONDS,
			    &o->timeout, msg, sizeof(msg)) == -1)
				errx(EX_USAGE, "%s", msg);
			break;
		case 'i':
			if (num_option("--idle-timeout", optarg, 0,
			    NUM_MAX_SECONDS, &o->idle_timeout, msg,
			    sizeof(msg)) == -1)
				errx(EX_USAGE, "%s", msg);
			break;
		case OPT_ONCE:
			o->once = 1;
			break;
		case 'm':
			if (num_mode(optarg, &o->mode, &errstr) == -1)
				errx(EX_USAGE, "--mode %s: %s", optarg, errstr);
			break;
		case 'o':
			if (ids_owner(optarg, &o->owner_uid, &o->owner_gid,
			    &errstr) == -1)
				errx(EX_USAGE, "--owner %s: %s", optarg, errstr);
			have_owner = 1;
			break;
		case 'e':
			if (o->nkeep == MAX_KEEP_ENV)
				errx(EX_USAGE, "--keep-env %s: more than %d",
				    optarg, MAX_KEEP_ENV);
			/* A portable name: letters, digits, _, no digit first. */
			if (*optarg == '\0' || isdigit((unsigned char)*optarg) ||
			    optarg[strspn(optarg, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "abcdefghijklmnopqrstuvwxyz0123456789_")] != '\0')
				errx(EX_USAGE, "--keep-env %s: not a variable "
				    "name", optarg);
			/* The peer's identity and PATH are never the listener's. */
			if (strcmp(optarg, "PATH") == 0 ||
			    strcmp(optarg, "PROTO") == 0 ||
			    strncmp(optarg, "UNIXREMOTE", 10) == 0)
				errx(EX_USAGE, "--keep-env %s: set by peerrelay "
				    "itself", optarg);
			o->keep_env[o->nkeep++] = optarg;
			break;
		case OPT_RUN_AS:
			runas_free(&o->runas);
			if (runas_parse(optarg, &o->runas, &errstr) == -1)
				errx(EX_USAGE, "--run-as %s: %s", optarg,
				    errstr);
			o->run_as = optarg;
			break;
		case OPT_SYSLOG:
			o->syslog = 1;
			break;
		case OPT_CHECK:
			o->check = 1;
			break;
		case 'q':
			o->verbosity = LOG_ALWAYS;
			break;
		case 'v':
			o->verbosity = LOG_VERBOSE;
			break;
		case 'h':
			listen_help(stdout);
			exit(0);
		default:
			fputs(listen_usage, stderr);
			exit(EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || dashdash) {
		/* No ADDRESS: only a socket systemd passed to us will do. */
		if (o->act.state != ACTIVATE_OURS)
			errx(EX_USAGE, "listen: missing ADDRESS, and no socket "
			    "passed by systemd: %s (see peerrelay help listen)",
			    o->act.why);
		o->activated = 1;
		if (dashdash && argc == 0)
			errx(EX_USAGE, "listen: missing COMMAND after --");
		if (dashdash)
			o->command = argv;
	} else if (addr_parse(argv[0], &o->addr, &errstr) == -1)
		errx(EX_USAGE, "address '%s': %s", argv[0], errstr);
	else {
		argc--;
		argv++;
	}
	if (!o->activated && argc > 0) {
		/* Strict, so a misplaced option is not taken for a command. */
		if (strcmp(argv[0], "--") != 0)
			errx(EX_USAGE, "listen: unexpected '%s' after ADDRESS "
			    "(put -- before a COMMAND)", argv[0]);
		argc--;
		argv++;
		if (argc == 0)
			errx(EX_USAGE, "listen: missing COMMAND after --");
		o->command = argv;
	}
	if (o->activated && (o->mode != (mode_t)-1 || have_owner))
		errx(EX_USAGE, "--mode and --owner do not apply to a socket "
		    "passed by systemd (set SocketMode=, SocketUser= and "
		    "SocketGroup= in its .socket unit)");
	if (o->run_as != NULL && o->command == NULL)
		errx(EX_USAGE, "--run-as needs a COMMAND");
	if (o->addr.abstract && (o->mode != (mode_t)-1 || have_owner))
		errx(EX_USAGE, "--mode and --owner need a filesystem socket, "
		    "not %s", o->addr.text);
	if (o->nkeep > 0 && o->command == NULL)
		errx(EX_USAGE, "--keep-env needs a COMMAND");
}

/* PATH, PROTO and the --keep-env variables, captured once at start-up. */
static void
setup_command(struct server *s)
{
	struct listen_opts	*o = s->o;
	char			 path[PATH_MAX], **env, *v;
	size_t			 i, n = 0;

	if (spawn_resolve(o->command[0], path, sizeof(path)) == -1)
		errx(EX_USAGE, "%s: not found or not executable",
		    o->command[0]);
	if ((env = calloc(o->nkeep + 3, sizeof(*env))) == NULL)
		err(EX_SOFTWARE, "calloc");
	env[n++] = SAFE_PATH;
	env[n++] = "PROTO=UNIX";
	for (i = 0; i < o->nkeep; i++) {
		if ((v = getenv(o->keep_env[i])) == NULL)
			continue;
		if (asprintf(&env[n], "%s=%s", o->keep_env[i], v) == -1)
			err(EX_SOFTWARE, "asprintf");
		n++;
	}
	if ((v = strdup(path)) == NULL)
		err(EX_SOFTWARE, "strdup");
	if (spawn_init(&s->sp, v, o->command, env, n) == -1)
		err(EX_SOFTWARE, "posix_spawnattr");
	/* Orphans a command leaves behind become ours to reap, never zombies. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1)
		err(EX_SOFTWARE, "prctl PR_SET_CHILD_SUBREAPER");
}

static int
signals_fd(void)
{
	sigset_t	 set;
	int		 fd;

	/* Replies use MSG_NOSIGNAL; a dead stdout reader must not kill us either. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		return -1;
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return fd;
}

static void
stop_listening(struct server *s)
{
	if (s->lfd == -1)
		return;
	if (addr_unlink_if_ours(&s->o->addr) == -1)
		log_line(LOG_ALWAYS, "%s: cannot remove: %s", s->o->addr.text,
		    strerror(errno));
	close(s->lfd);
	s->lfd = -1;
}

static void
conn_close(struct server *s, struct conn *c, const char *why)
{
	log_peer(LOG_VERBOSE, "close", &c->peer, "requests=%llu reason=%s",
	    c->requests, why);
	if (s->o->once)
		s->last_status = c->last_status;
	close(c->fd);
	c->fd = -1;
	peer_free(&c->peer);
	outq_free(&c->q);
	free(c->env);
	c->env = NULL;
	s->nconns--;
	s->accept_paused = 0;
}

/* Queue the acknowledgements counted so far as one 'A' reply. */
static void
put_acks(struct conn *c)
{
	char	 msg[16];
	int	 n;

	if (c->acks == 0)
		return;
	n = snprintf(msg, sizeof(msg), "%lu", c->acks);
	if (outq_put(&c->q, PROTO_ACKS, msg, (size_t)n) == -1)
		c->gone = 1;
	c->acks = 0;
}

/* Queue a refusal "r<status> <reason>" for the client. */
static void
refuse(struct conn *c, int status, const char *reason)
{
	char	 msg[256];
	int	 n;

	/* Replies keep request order. */
	put_acks(c);
	n = snprintf(msg, sizeof(msg), "%d %s", status, reason);
	if (n < 0 || (size_t)n >= sizeof(msg))
		n = snprintf(msg, sizeof(msg), "%d refused", status);
	if (outq_put(&c->q, PROTO_REFUSED, msg, (size_t)n) == -1)
		c->gone = 1;
	c->last_status = status;
}

/* Tell a denied peer why, take nothing more from it, and close. */
static void
deny(int fd, const struct peer *p)
{
	char	 msg[128], junk[1];
	int	 n, i;

	log_peer(LOG_ALWAYS, "deny", p, "group=%s", p->group);
	n = snprintf(msg, sizeof(msg), "%c%d not allowed (uid %lu)",
	    PROTO_REFUSED, EX_NOPERM, (unsigned long)p->uid);
	(void)send(fd, msg, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
	/*
	 * Closing with unread datagrams makes the peer's next read fail with
	 * ECONNRESET before it sees the refusal: discard what is queued.
	 */
	for (i = 0; i < 1024; i++)
		if (recv(fd, junk, sizeof(junk), MSG_DONTWAIT | MSG_TRUNC) <= 0)
			break;
	close(fd);
}

static void
accept_conns(struct server *s)
{
	struct peer	 p;
	struct conn	*c;
	unsigned int	 i, n;
	int		 fd;

	/* A bounded number per round: denied peers must not starve the rest. */
	for (n = 0; n < BATCH && s->lfd != -1 &&
	    s->nconns < s->o->max_conns; n++) {
		fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE) {
				/* Wait for a connection to close, do not spin. */
				s->accept_paused = 1;
				log_line(LOG_ALWAYS, "accept: %s: waiting for "
				    "a connection to close", strerror(errno));
			} else if (errno != EAGAIN)
				log_line(LOG_ALWAYS, "accept: %s",
				    strerror(errno));
			return;
		}
		if (peer_read(fd, &p) == -1) {
			log_line(LOG_ALWAYS, "peer credentials: %s",
			    strerror(errno));
			close(fd);
			continue;
		}
		peer_names(&p);
		if (!policy_allows(&s->o->policy, &p)) {
			deny(fd, &p);
			peer_free(&p);
			continue;
		}
		for (i = 0; s->conns[i].fd != -1; i++)
			;
		c = &s->conns[i];
		memset(c, 0, sizeof(*c));
		c->fd = fd;
		c->peer = p;
		if (p.groups == p.inline_groups)
			c->peer.groups = c->peer.inline_groups;
		c->job.out = c->job.err = -1;
		c->active_ms = now_ms();
		if (s->o->command != NULL &&
		    (c->env = spawn_env(&s->sp, &c->peer)) == NULL) {
			log_line(LOG_ALWAYS, "environment: %s", strerror(errno));
			refuse(c, EX_SOFTWARE, "internal error");
			c->eof = 1;
		}
		s->nconns++;
		log_peer(LOG_NORMAL, "allow", &c->peer, "group=%s",
		    c->peer.group);
		if (s->o->once) {
			s->served = 1;
			stop_listening(s);
		}
	}
}

/*
 * recv() gave 0: an empty datagram, or the end of the stream? Before the
 * client shuts down it can only be the former; after, it was one if data
 * still follows, since nothing follows the end.
 */
static int
empty_datagram(int fd)
{
	struct pollfd	 p = { fd, POLLRDHUP, 0 };
	char		 b;

	if (poll(&p, 1, 0) == 0 || (p.revents & (POLLRDHUP | POLLHUP)) == 0)
		return 1;
	return recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT | MSG_TRUNC) > 0;
}

/* Close descriptors passed along with a datagram; 1 when there were any. */
static int
close_passed(struct msghdr *m)
{
	struct cmsghdr	*h;
	size_t		 i, nfd;
	int		 fd, passed = 0;

	for (h = CMSG_FIRSTHDR(m); h != NULL; h = CMSG_NXTHDR(m, h)) {
		if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < nfd; i++) {
			memcpy(&fd, CMSG_DATA(h) + i * sizeof(int), sizeof(fd));
			close(fd);
		}
		passed = 1;
	}
	return passed || (m->msg_flags & MSG_CTRUNC);
}

/*
 * Take up to max datagrams, the i-th into slot i of s->buf, in one
 * recvmmsg(2). Sets len[i] to each one's length, 0 for the end of stream
 * (always the last), -2 when descriptors were passed along (closed at once:
 * the request is invalid), -3 for an empty datagram. Returns how many were
 * taken, 0 when nothing is waiting.
 */
static int
take_datagrams(struct server *s, struct conn *c, int max, ssize_t *len)
{
	int	 i, j, n;

	if (max > s->slots)
		max = s->slots;
	mmsg_slots(s->mm, s->iov, (unsigned int)max, s->buf, s->o->max_size);
	for (i = 0; i < max; i++) {
		s->mm[i].msg_hdr.msg_control = s->cmsg + (size_t)i * CMSG_ROOM;
		s->mm[i].msg_hdr.msg_controllen = CMSG_ROOM;
	}
	for (;;) {
		n = recvmmsg(c->fd, s->mm, (unsigned int)max, MSG_DONTWAIT |
		    MSG_TRUNC | MSG_CMSG_CLOEXEC, NULL);
		if (n >= 0)
			break;
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		c->gone = 1;
		/*
		 * A client that closed without reading its replies makes one
		 * read fail with ECONNRESET; what it sent is still queued.
		 */
		if (errno != ECONNRESET) {
			len[0] = 0;
			return 1;
		}
	}
	c->active_ms = now_ms();
	for (i = 0; i < n; i++) {
		len[i] = s->mm[i].msg_len;
		if (close_passed(&s->mm[i].msg_hdr))
			len[i] = -2;
		if (len[i] != 0)
			continue;
		/*
		 * 0 is end of stream, or an empty datagram: only the end of
		 * stream is never followed by data, and leaves the socket
		 * hung up for reading.
		 */
		for (j = i + 1; j < n && s->mm[j].msg_len == 0; j++)
			;
		if (j < n || (!c->gone && empty_datagram(c->fd)))
			len[i] = -3;
		else
			return i + 1;
	}
	return n;
}

/* Refuse what cannot be a request; 1 when the datagram was refused. */
static int
check_datagram(struct server *s, struct conn *c, ssize_t n)
{
	char	 why[96];

	if (n == -2) {
		log_peer(LOG_NORMAL, "refused", &c->peer,
		    "reason=passed file descriptors");
		refuse(c, EX_DATAERR, "file descriptors are not accepted");
		return 1;
	}
	if (n == -3 && c->requests == 1) {
		/*
		 * An empty first datagram is the hello, not a request: the
		 * client can take acknowledgements as counts.
		 */
		c->requests = 0;
		c->counted = 1;
		if (outq_put(&c->q, PROTO_HELLO, "A", 1) == -1)
			c->gone = 1;
		log_peer(LOG_VERBOSE, "hello", &c->peer, "granted=A");
		return 1;
	}
	if (n == -3) {
		log_peer(LOG_NORMAL, "refused", &c->peer, "reason=empty request");
		refuse(c, EX_DATAERR, "empty request");
		return 1;
	}
	if ((size_t)n > s->o->max_size) {
		snprintf(why, sizeof(why), "too large (%zd bytes, --max-size "
		    "%zu)", n, s->o->max_size);
		log_peer(LOG_NORMAL, "refused", &c->peer, "reason=%s", why);
		refuse(c, EX_DATAERR, why);
		return 1;
	}
	return 0;
}

/* Print mode: write records for what is waiting, acknowledge them later. */
static void
print_requests(struct server *s, struct conn *c)
{
	ssize_t	 len[SLOTS];
	int	 i, j, k;

	for (i = 0; i < BATCH && outq_bytes(&c->q) < OUTQ_HIGH; i += k) {
		if ((k = take_datagrams(s, c, BATCH - i, len)) == 0) {
			if (s->stopping)
				c->eof = 1;
			return;
		}
		for (j = 0; j < k; j++) {
			if (len[j] == 0) {
				c->eof = 1;
				return;
			}
			c->requests++;
			if (check_datagram(s, c, len[j]))
				continue;
			if (record_write(stdout, s->o->format, &c->peer,
			    s->buf + (size_t)j * s->o->max_size,
			    (size_t)len[j]) == -1) {
				log_line(LOG_ALWAYS, "stdout: %s",
				    strerror(errno));
				exit(EX_SOFTWARE);
			}
			s->stdout_dirty = 1;
			log_peer(LOG_VERBOSE, "record", &c->peer, "size=%zd",
			    len[j]);
			if (c->counted) {
				if (++c->acks == PROTO_MAX_ACKS)
					put_acks(c);
			} else if (outq_put(&c->q, PROTO_ACK, NULL, 0) == -1)
				c->gone = 1;
			c->last_status = 0;
		}
	}
}

/* Exec mode: start COMMAND for the next datagram, if one is waiting. */
static void
exec_request(struct server *s, struct conn *c)
{
	ssize_t	 n;

	while (c->job.pid == 0 && outq_bytes(&c->q) < OUTQ_HIGH) {
		if (take_datagrams(s, c, 1, &n) == 0) {
			if (s->stopping)
				c->eof = 1;
			return;
		}
		if (n == 0) {
			c->eof = 1;
			return;
		}
		c->requests++;
		if (check_datagram(s, c, n))
			continue;
		if (spawn_job(&s->sp, c->env, s->buf, (size_t)n, &c->job) == -1) {
			log_peer(LOG_ALWAYS, "error", &c->peer,
			    "reason=cannot run %s: %s", s->sp.path,
			    strerror(errno));
			refuse(c, EX_SOFTWARE, "cannot run the command");
			continue;
		}
		c->job.start_ms = now_ms();
		if (s->o->timeout > 0)
			c->job.term_ms = c->job.start_ms +
			    (long long)s->o->timeout * 1000;
	}
}

/*
 * Relay what the command wrote on one of its pipes, until the pipe is empty
 * or (unless draining after exit) the client has enough queued.
 */
static void
relay_output(struct conn *c, int *fd, int type, char *buf, int drain)
{
	ssize_t	 n;

	for (;;) {
		n = read(*fd, buf, PROTO_MAX_REPLY - 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close(*fd);
			*fd = -1;
			return;
		}
		if (!c->gone && outq_put(&c->q, type, buf, (size_t)n) == -1)
			c->gone = 1;
		if (!drain && outq_bytes(&c->q) >= OUTQ_HIGH)
			return;
	}
}

/* The command has been reaped: relay the rest of its output, then its end. */
static void
finish_job(struct server *s, struct conn *c)
{
	struct job	*j = &c->job;
	char		 msg[16];
	char		 status[32];
	int		 n, st;

	/* What the command itself wrote is in the pipes by now. */
	if (j->out != -1)
		relay_output(c, &j->out, PROTO_STDOUT, s->buf, 1);
	if (j->err != -1)
		relay_output(c, &j->err, PROTO_STDERR, s->buf, 1);
	spawn_close(j);
	if (j->timed_out) {
		/* Whatever it left behind in its group goes too. */
		spawn_signal(j, SIGKILL);
		n = snprintf(msg, sizeof(msg), "%c", PROTO_TIMEOUT);
		snprintf(status, sizeof(status), "timeout");
		st = EX_TEMPFAIL;
	} else if (WIFSIGNALED(j->wstatus)) {
		n = proto_format_status(msg, sizeof(msg), PROTO_SIGNAL,
		    WTERMSIG(j->wstatus));
		snprintf(status, sizeof(status), "signal %d",
		    WTERMSIG(j->wstatus));
		st = 128 + WTERMSIG(j->wstatus);
	} else {
		n = proto_format_status(msg, sizeof(msg), PROTO_EXIT,
		    WEXITSTATUS(j->wstatus));
		snprintf(status, sizeof(status), "exit %d",
		    WEXITSTATUS(j->wstatus));
		st = WEXITSTATUS(j->wstatus);
	}
	if (!c->gone && outq_put(&c->q, msg[0], msg + 1, (size_t)n - 1) == -1)
		c->gone = 1;
	c->last_status = st;
	log_peer(LOG_NORMAL, "run", &c->peer, "status=%s duration=%.3fs",
	    status, (double)(now_ms() - j->start_ms) / 1000.0);
	memset(j, 0, sizeof(*j));
	j->out = j->err = -1;
	c->active_ms = now_ms();
}

static void
reap(struct server *s)
{
	unsigned int	 i;
	pid_t		 pid;
	int		 ws;

	while ((pid = waitpid(-1, &ws, WNOHANG)) > 0) {
		for (i = 0; i < s->o->max_conns; i++) {
			if (s->conns[i].fd != -1 && s->conns[i].job.pid == pid) {
				s->conns[i].job.reaped = 1;
				s->conns[i].job.wstatus = ws;
				finish_job(s, &s->conns[i]);
				break;
			}
		}
	}
}

static void
terminate_all(struct server *s, int sig)
{
	unsigned int	 i;

	for (i = 0; i < s->o->max_conns; i++)
		if (s->conns[i].fd != -1)
			spawn_signal(&s->conns[i].job, sig);
}

static void
handle_signals(struct server *s)
{
	struct signalfd_siginfo	 si;

	while (read(s->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			reap(s);
			break;
		case SIGHUP:
			log_line(LOG_NORMAL, "SIGHUP ignored");
			break;
		default:
			if (s->stopping) {
				log_line(LOG_ALWAYS, "second %s: exiting now",
				    strsignal((int)si.ssi_signo));
				terminate_all(s, SIGTERM);
				stop_listening(s);
				exit(0);
			}
			log_line(LOG_NORMAL, "%s: finishing %u connection(s)",
			    strsignal((int)si.ssi_signo), s->nconns);
			s->stopping = 1;
			stop_listening(s);
			break;
		}
	}
}

/* Timeouts of commands and of silent connections; the next deadline. */
static long long
check_timers(struct server *s, long long now)
{
	struct conn	*c;
	long long	 next = -1, t;
	unsigned int	 i;

#define SOONER(x) do { if (next == -1 || (x) < next) next = (x); } while (0)
	for (i = 0; i < s->o->max_conns; i++) {
		c = &s->conns[i];
		if (c->fd == -1)
			continue;
		if (c->job.pid != 0) {
			if (c->job.term_ms != 0 && !c->job.termed) {
				if (now >= c->job.term_ms) {
					c->job.timed_out = c->job.termed = 1;
					spawn_signal(&c->job, SIGTERM);
					c->job.kill_ms = now + KILL_GRACE_MS;
				} else
					SOONER(c->job.term_ms);
			}
			if (c->job.termed && c->job.kill_ms != 0) {
				if (now >= c->job.kill_ms) {
					spawn_signal(&c->job, SIGKILL);
					c->job.kill_ms = 0;
				} else
					SOONER(c->job.kill_ms);
			}
			/*
			 * A client that takes none of its output for that
			 * long is treated as gone: the command runs on.
			 */
			if (s->o->idle_timeout == 0 || c->gone ||
			    outq_bytes(&c->q) == 0)
				continue;
			t = c->active_ms + (long long)s->o->idle_timeout * 1000;
			if (now >= t) {
				log_peer(LOG_NORMAL, "idle", &c->peer,
				    "reason=reads no replies for %us",
				    s->o->idle_timeout);
				c->gone = 1;
				outq_clear(&c->q);
			} else
				SOONER(t);
			continue;
		}
		if (s->o->idle_timeout == 0)
			continue;
		t = c->active_ms + (long long)s->o->idle_timeout * 1000;
		if (now >= t) {
			log_peer(LOG_NORMAL, "idle", &c->peer,
			    "reason=silent for %us", s->o->idle_timeout);
			c->gone = c->eof = 1;
		} else
			SOONER(t);
	}
#undef SOONER
	return next;
}

/* Build the poll set; each connection's entries point back at it. */
static nfds_t
poll_set(struct server *s)
{
	struct conn	*c;
	nfds_t		 n = 0;
	unsigned int	 i;
	short		 ev;

#define ADD(f, e, who) do {						\
	s->pfd[n].fd = (f);						\
	s->pfd[n].events = (e);						\
	s->pfd[n].revents = 0;						\
	s->pconn[n++] = (who);						\
} while (0)
	ADD(s->sfd, POLLIN, NULL);
	if (s->lfd != -1 && s->nconns < s->o->max_conns && !s->accept_paused)
		ADD(s->lfd, POLLIN, NULL);
	for (i = 0; i < s->o->max_conns; i++) {
		c = &s->conns[i];
		if (c->fd == -1)
			continue;
		ev = 0;
		if (!c->eof && c->job.pid == 0 && outq_bytes(&c->q) < OUTQ_HIGH)
			ev |= POLLIN;
		if (outq_bytes(&c->q) > 0 && !c->gone)
			ev |= POLLOUT;
		/* Not even listed when nothing is wanted: POLLHUP would spin. */
		if (ev != 0)
			ADD(c->fd, ev, c);
		if (outq_bytes(&c->q) < OUTQ_HIGH || c->gone) {
			if (c->job.out != -1)
				ADD(c->job.out, POLLIN, c);
			if (c->job.err != -1)
				ADD(c->job.err, POLLIN, c);
		}
	}
#undef ADD
	return n;
}

/* Send what is queued; records are flushed to stdout before any ack. */
static void
flush_replies(struct server *s)
{
	struct conn	*c;
	unsigned int	 i;
	size_t		 before;
	int		 r;

	if (s->stdout_dirty) {
		if (fflush(stdout) == EOF) {
			log_line(LOG_ALWAYS, "stdout: %s", strerror(errno));
			exit(EX_SOFTWARE);
		}
		s->stdout_dirty = 0;
	}
	for (i = 0; i < s->o->max_conns; i++) {
		c = &s->conns[i];
		if (c->fd == -1)
			continue;
		/* Only now: every record they acknowledge is on stdout. */
		put_acks(c);
		if (outq_bytes(&c->q) == 0)
			continue;
		if (c->gone) {
			outq_clear(&c->q);
			continue;
		}
		before = outq_bytes(&c->q);
		r = outq_send(&c->q, c->fd);
		/* Any progress shows a live client, not only a drained queue. */
		if (outq_bytes(&c->q) < before)
			c->active_ms = now_ms();
		switch (r) {
		case 0:
		case 1:
			break;
		default:
			/* The client went away: its requests still run. */
			c->gone = 1;
			outq_clear(&c->q);
			break;
		}
	}
}

static void
close_finished(struct server *s)
{
	struct conn	*c;
	unsigned int	 i;

	for (i = 0; i < s->o->max_conns; i++) {
		c = &s->conns[i];
		if (c->fd == -1 || c->job.pid != 0)
			continue;
		if (c->gone && c->eof)
			conn_close(s, c, "gone");
		else if (c->eof && outq_bytes(&c->q) == 0)
			conn_close(s, c, "end of stream");
	}
}

/* Read now? While stopping, an idle connection is read until it is empty. */
static int
wants_read(const struct server *s, const struct conn *c,
    const struct pollfd *p)
{
	if (c->eof || c->job.pid != 0)
		return 0;
	if (s->stopping)
		return 1;
	return (p->events & POLLIN) &&
	    (p->revents & (POLLIN | POLLHUP | POLLERR));
}

static void
serve(struct server *s)
{
	struct conn	*c;
	long long	 next, now;
	nfds_t		 n, k;
	int		 timeout;

	for (;;) {
		now = now_ms();
		next = check_timers(s, now);
		close_finished(s);
		if (s->nconns == 0 && (s->stopping || (s->o->once && s->served)))
			return;
		title_listen(s->o->activated ? s->o->act.name : s->o->addr.text,
		    s->nconns);
		n = poll_set(s);
		timeout = next == -1 ? -1 : (int)(next - now);
		if (s->stopping)
			timeout = timeout == -1 || timeout > 100 ? 100 : timeout;
		if (poll(s->pfd, n, timeout) == -1) {
			if (errno == EINTR)
				continue;
			err(EX_SOFTWARE, "poll");
		}
		if (s->pfd[0].revents)
			handle_signals(s);
		for (k = 1; k < n; k++) {
			c = s->pconn[k];
			if (c == NULL) {
				if (s->pfd[k].revents && s->lfd != -1)
					accept_conns(s);
				continue;
			}
			if (c->fd == -1 || s->pfd[k].revents == 0)
				continue;
			if (s->pfd[k].fd == c->job.out)
				relay_output(c, &c->job.out, PROTO_STDOUT,
				    s->buf, 0);
			else if (s->pfd[k].fd == c->job.err)
				relay_output(c, &c->job.err, PROTO_STDERR,
				    s->buf, 0);
		}
		/* Requests: those poll saw, and while stopping, any left. */
		for (k = 1; k < n; k++) {
			c = s->pconn[k];
			if (c == NULL || c->fd == -1 || s->pfd[k].fd != c->fd)
				continue;
			if (!wants_read(s, c, &s->pfd[k]))
				continue;
			if (s->o->command == NULL)
				print_requests(s, c);
			else
				exec_request(s, c);
		}
		flush_replies(s);
	}
}

static void
serve_init(struct server *s, struct listen_opts *o)
{
	unsigned int	 i;
	size_t		 npfd, bufsize;

	memset(s, 0, sizeof(*s));
	s->o = o;
	s->lfd = s->sfd = -1;
	if ((s->conns = calloc(o->max_conns, sizeof(*s->conns))) == NULL)
		err(EX_SOFTWARE, "calloc");
	for (i = 0; i < o->max_conns; i++) {
		s->conns[i].fd = -1;
		s->conns[i].job.out = s->conns[i].job.err = -1;
	}
	/* Per connection: its socket and the command's two pipes. */
	npfd = 2 + 3 * (size_t)o->max_conns;
	s->pfd = calloc(npfd, sizeof(*s->pfd));
	s->pconn = calloc(npfd, sizeof(*s->pconn));
	/*
	 * Print mode takes datagrams in batches, each into a slot as large as
	 * the largest request; pages are only touched as requests fill them.
	 */
	s->slots = 1;
	if (o->command == NULL)
		s->slots = SLOTS_BYTES / o->max_size < 1 ? 1 :
		    SLOTS_BYTES / o->max_size > SLOTS ? SLOTS :
		    (int)(SLOTS_BYTES / o->max_size);
	/* Room for the requests, and for one reply chunk. */
	bufsize = (size_t)s->slots * o->max_size;
	s->buf = malloc(bufsize > PROTO_MAX_REPLY ? bufsize : PROTO_MAX_REPLY);
	s->cmsg = malloc((size_t)s->slots * CMSG_ROOM);
	if (s->pfd == NULL || s->pconn == NULL || s->buf == NULL ||
	    s->cmsg == NULL)
		err(EX_SOFTWARE, "malloc");
}

/*
 * Each connection may hold its socket, two pipes and a memfd at once: make
 * sure the descriptor limit allows --max-conns of them.
 */
static void
fd_budget(const struct listen_opts *o)
{
	struct rlimit	 rl;
	rlim_t		 need = 4 * (rlim_t)o->max_conns + 16;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		err(EX_SOFTWARE, "getrlimit");
	if (rl.rlim_cur < need && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max < need ? rl.rlim_max : need;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < need)
		errx(EX_USAGE, "--max-conns %u: needs %llu descriptors, the "
		    "limit is %llu", o->max_conns, (unsigned long long)need,
		    (unsigned long long)rl.rlim_cur);
}

static void
serve_free(struct server *s)
{
	size_t	 i;

	for (i = 0; i < s->o->max_conns; i++)
		if (s->conns[i].fd != -1)
			conn_close(s, &s->conns[i], "exit");
	if (s->o->command != NULL) {
		/* PATH and PROTO are literals; --keep-env ones were allocated. */
		for (i = 2; i < s->sp.nbase; i++)
			free(s->sp.base_env[i]);
		free(s->sp.base_env);
		free(s->sp.path);
		posix_spawnattr_destroy(&s->sp.attr);
	}
	free(s->conns);
	free(s->pfd);
	free(s->pconn);
	free(s->buf);
	free(s->cmsg);
	close(s->sfd);
}

/* The socket systemd passed as fd 3, checked; exits on a wrong one. */
static int
inherited_socket(struct listen_opts *o, int take)
{
	const char	*errstr;
	int		 fd;

	if ((fd = activate_socket(&o->act, &o->addr, take, &errstr)) == -1)
		errx(EX_UNAVAILABLE, "socket activation: %s", errstr);
	return fd;
}

static const char *
user_name(uid_t uid, char *buf, size_t size)
{
	if (ids_user_name(uid, buf, size) == -1)
		strlcpy(buf, "-", size);
	return buf;
}

static const char *
group_name(gid_t gid, char *buf, size_t size)
{
	if (ids_group_name(gid, buf, size) == -1)
		strlcpy(buf, "-", size);
	return buf;
}

/* --run-as: only with the privilege to change identity (and to signal it). */
static void
check_run_as(const struct listen_opts *o)
{
	const char	*errstr;

	if (o->run_as != NULL && runas_permitted(&errstr) == -1)
		errx(EX_NOPERM, "--run-as %s: %s", o->run_as, errstr);
}

/*
 * --check: everything start-up checks, without binding or running
 * anything; then the effective configuration on stdout, one "key: value"
 * line each.
 */
static int
check_config(struct listen_opts *o)
{
	const struct policy	*pol = &o->policy;
	char			 path[PATH_MAX], n1[256], n2[256];
	size_t			 i;

	if (o->activated)
		(void)inherited_socket(o, 0);
	if (o->command != NULL &&
	    spawn_resolve(o->command[0], path, sizeof(path)) == -1)
		errx(EX_USAGE, "%s: not found or not executable",
		    o->command[0]);
	check_run_as(o);
	fd_budget(o);
	printf("address: %s (%s)\n", o->addr.text, o->activated ?
	    "passed by systemd" : o->addr.abstract ? "abstract" :
	    "filesystem path");
	if (!o->activated && !o->addr.abstract) {
		if (o->mode == (mode_t)-1)
			printf("socket mode: as the umask allows\n");
		else
			printf("socket mode: %04o\n", (unsigned int)o->mode);
		if (o->owner_uid == (uid_t)-1)
			printf("socket owner: unchanged\n");
		else if (o->owner_gid == (gid_t)-1)
			printf("socket owner: %s (uid %lu)\n",
			    user_name(o->owner_uid, n1, sizeof(n1)),
			    (unsigned long)o->owner_uid);
		else
			printf("socket owner: %s:%s (uid %lu, gid %lu)\n",
			    user_name(o->owner_uid, n1, sizeof(n1)),
			    group_name(o->owner_gid, n2, sizeof(n2)),
			    (unsigned long)o->owner_uid,
			    (unsigned long)o->owner_gid);
	}
	if (pol->any)
		printf("allow: any peer\n");
	if (!pol->any && pol->nuids == 0 && pol->ngids == 0)
		printf("allow: user %s (uid %lu, the listener's own)\n",
		    user_name(pol->self, n1, sizeof(n1)),
		    (unsigned long)pol->self);
	for (i = 0; i < pol->nuids; i++)
		printf("allow: user %s (uid %lu)\n",
		    user_name(pol->uids[i], n1, sizeof(n1)),
		    (unsigned long)pol->uids[i]);
	for (i = 0; i < pol->ngids; i++)
		printf("allow: group %s (gid %lu)\n",
		    group_name(pol->gids[i], n1, sizeof(n1)),
		    (unsigned long)pol->gids[i]);
	if (o->command == NULL)
		printf("mode: print (format %s)\n", o->format == RECORD_JSON ?
		    "json" : o->format == RECORD_RAW ? "raw" : "text");
	else {
		printf("mode: exec\ncommand: %s", path);
		for (i = 1; o->command[i] != NULL; i++)
			printf(" %s", o->command[i]);
		printf("\n");
	}
	if (o->run_as != NULL) {
		printf("run-as: %s (uid %lu), group %s (gid %lu), groups",
		    user_name(o->runas.uid, n1, sizeof(n1)),
		    (unsigned long)o->runas.uid,
		    group_name(o->runas.gid, n2, sizeof(n2)),
		    (unsigned long)o->runas.gid);
		for (i = 0; i < o->runas.ngroups; i++)
			printf("%c%lu", i == 0 ? ' ' : ',',
			    (unsigned long)o->runas.groups[i]);
		printf("\n");
	}
	for (i = 0; i < o->nkeep; i++)
		printf("keep-env: %s\n", o->keep_env[i]);
	printf("max-size: %zu\nmax-conns: %u\ntimeout: %u\n"
	    "idle-timeout: %u\nonce: %s\nlog: %s\n", o->max_size,
	    o->max_conns, o->timeout, o->idle_timeout, o->once ? "yes" : "no",
	    o->syslog ? "syslog (daemon; denials authpriv)" : "stderr");
	if (fflush(stdout) == EOF)
		err(EX_SOFTWARE, "stdout");
	runas_free(&o->runas);
	return 0;
}

int
cmd_listen(int argc, char **argv)
{
	struct listen_opts	 o;
	struct server		 s;

	memset(&o, 0, sizeof(o));
	/*
	 * Descriptors inherited from whoever started us are not ours to keep,
	 * but for the socket systemd passed (fd 3).
	 */
	closefrom(activate_env(&o.act) ? ACTIVATE_FD + 1 : ACTIVATE_FD);
	parse_options(argc, argv, &o);
	/* An ADDRESS was given after all: systemd's socket is not used. */
	if (o.act.state == ACTIVATE_OURS && !o.activated)
		close(ACTIVATE_FD);
	if (o.check)
		return check_config(&o);
	check_run_as(&o);
	log_set_verbosity(o.verbosity);
	if (o.syslog)
		log_set_syslog();
	serve_init(&s, &o);
	if (o.command != NULL)
		setup_command(&s);
	if (o.run_as != NULL)
		s.sp.runas = &o.runas;
	fd_budget(&o);
	if (o.activated)
		s.lfd = inherited_socket(&o, 1);
	else
		s.lfd = addr_listen(&o.addr, o.mode, o.owner_uid, o.owner_gid,
		    SOMAXCONN);
	if (s.lfd == -1) {
		if (errno == EADDRINUSE)
			errx(EX_UNAVAILABLE, "%s: address in use by a running "
			    "listener", o.addr.text);
		if (errno == ENOTSOCK)
			errx(EX_UNAVAILABLE, "%s: exists and is not a socket",
			    o.addr.text);
		err(EX_UNAVAILABLE, "%s", o.addr.text);
	}
	/* Only now: until bound, TERM and INT may simply end start-up. */
	if ((s.sfd = signals_fd()) == -1)
		err(EX_SOFTWARE, "signalfd");
	if (o.addr.abstract)
		log_line(LOG_ALWAYS, "warning: abstract socket %s: anyone in "
		    "this network namespace may connect, or squat the name "
		    "first (clients: use --expect-user)", o.addr.text);
	log_line(LOG_NORMAL, "listening on %s (%s)", o.addr.text,
	    o.command != NULL ? s.sp.path : "print mode");
	serve(&s);
	stop_listening(&s);
	serve_free(&s);
	runas_free(&o.runas);
	if (fflush(stdout) == EOF)
		err(EX_SOFTWARE, "stdout");
	return o.once ? s.last_status : 0;
}
