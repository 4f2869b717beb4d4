/*
 * peerrelay listen: the options, then the wiring: parse them, run the
 * start-up checks (src/config.c), serve (src/server.c).
 */
#include <sys/types.h>

#include <err.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "../src/activate.h"
#include "../src/addr.h"
#include "../src/config.h"
#include "../src/ids.h"
#include "../src/log.h"
#include "../src/num.h"
#include "../src/policy.h"
#include "../src/privdrop.h"
#include "../src/proto.h"
#include "../src/record.h"
#include "../src/server.h"
#include "cmd.h"

static const char listen_usage[] =
"usage: peerrelay listen [OPTIONS] [ADDRESS] [-- COMMAND [ARG...]]\n"
"       peerrelay listen [OPTIONS] --rules FILE [ADDRESS]\n"
"\n"
"Bind a SOCK_SEQPACKET Unix socket (ADDRESS: @name abstract, else a path),\n"
"check each peer's credentials, and for every datagram of an allowed peer\n"
"print a record (no COMMAND) or run COMMAND with the datagram as stdin;\n"
"with --rules, run the command of the action each request names, if its\n"
"rule lets this caller call it with these arguments.\n"
"Without ADDRESS, take the listening socket systemd passed (LISTEN_PID,\n"
"LISTEN_FDS=1: fd 3).\n"
"\n"
"  -u, --allow-user USER|UID     allow this user (repeatable)\n"
"  -g, --allow-group GROUP|GID   allow this primary or supplementary group\n"
"      --allow-any               allow every peer\n"
"                                (default: only the listener's own uid)\n"
"      --require-unit UNIT       and the peer's process is in this systemd\n"
"                                unit (repeatable; Linux 6.5 or later)\n"
"      --require-cgroup PATH     and in this cgroup or below it (repeatable)\n"
"      --rules FILE              actions, their callers and commands\n"
"                                (peerrelay.rules(5)); then no COMMAND, and\n"
"                                none of the options above nor -e, --run-as\n"
"  -f, --format text|json|raw    print mode record format (text)\n"
"  -s, --max-size BYTES          largest datagram, K/M suffix (64K, up to 4M)\n"
"  -c, --max-conns N             connections served at once (64, up to 1024)\n"
"      --max-conns-per-uid N     connections one uid may hold (16, up to 1024);\n"
"                                more are refused as busy (r75)\n"
"  -T, --timeout SECONDS         end COMMAND after this long (0: never)\n"
"  -i, --idle-timeout SECONDS    drop a silent connection (60; 0: never)\n"
"      --stop-timeout SECONDS    after SIGTERM, end commands still running\n"
"                                after this long (30; 0: wait for them)\n"
"      --once                    serve one allowed connection, then exit\n"
"  -m, --mode OCTAL              socket file permissions (paths only)\n"
"  -o, --owner USER[:GROUP]      socket file owner (paths only)\n"
"  -e, --keep-env NAME           pass variable NAME to COMMAND (repeatable)\n"
"      --run-as USER[:GROUP]     run COMMAND as USER with USER's groups (root);\n"
"                                a user of its own, never nobody\n"
"      --syslog                  log to /dev/log, not stderr (69 if unreachable)\n"
"      --log-format text|json    log lines as text (default) or JSON objects\n"
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

/* The options before ADDRESS; returns 1 when getopt ate a "--". */
static int
parse_switches(int argc, char **argv, struct config *c)
{
	enum { OPT_ALLOW_ANY = 256, OPT_ONCE, OPT_RUN_AS, OPT_SYSLOG,
	    OPT_CHECK, OPT_STOP_TIMEOUT, OPT_PER_UID, OPT_REQ_UNIT,
	    OPT_REQ_CGROUP, OPT_RULES, OPT_LOG_FORMAT };
	static const struct option longopts[] = {
		{ "allow-user",		required_argument, NULL, 'u' },
		{ "allow-group",	required_argument, NULL, 'g' },
		{ "allow-any",		no_argument,	   NULL, OPT_ALLOW_ANY },
		{ "require-unit",	required_argument, NULL, OPT_REQ_UNIT },
		{ "require-cgroup",	required_argument, NULL,
		    OPT_REQ_CGROUP },
		{ "rules",		required_argument, NULL, OPT_RULES },
		{ "format",		required_argument, NULL, 'f' },
		{ "max-size",		required_argument, NULL, 's' },
		{ "max-conns",		required_argument, NULL, 'c' },
		{ "max-conns-per-uid",	required_argument, NULL, OPT_PER_UID },
		{ "timeout",		required_argument, NULL, 'T' },
		{ "idle-timeout",	required_argument, NULL, 'i' },
		{ "stop-timeout",	required_argument, NULL,
		    OPT_STOP_TIMEOUT },
		{ "once",		no_argument,	   NULL, OPT_ONCE },
		{ "mode",		required_argument, NULL, 'm' },
		{ "owner",		required_argument, NULL, 'o' },
		{ "keep-env",		required_argument, NULL, 'e' },
		{ "run-as",		required_argument, NULL, OPT_RUN_AS },
		{ "syslog",		no_argument,	   NULL, OPT_SYSLOG },
		{ "log-format",		required_argument, NULL,
		    OPT_LOG_FORMAT },
		{ "check",		no_argument,	   NULL, OPT_CHECK },
		{ "quiet",		no_argument,	   NULL, 'q' },
		{ "verbose",		no_argument,	   NULL, 'v' },
		{ "help",		no_argument,	   NULL, 'h' },
		{ NULL,			0,		   NULL, 0 }
	};
	const char	*errstr = NULL;
	char		 msg[128];
	int		 ch, before;

	optind = 1;
	for (;;) {
		/* Did getopt eat a "--" (no ADDRESS before the command)? */
		before = optind;
		if ((ch = getopt_long(argc, argv, "+u:g:f:s:c:T:i:m:o:e:qvh",
		    longopts, NULL)) == -1)
			return optind == before + 1 &&
			    strcmp(argv[before], "--") == 0;
		switch (ch) {
		case 'u':
			if (policy_add_user(&c->policy, optarg, &errstr) == -1)
				errx(EX_USAGE, "--allow-user %s: %s", optarg,
				    errstr);
			break;
		case 'g':
			if (policy_add_group(&c->policy, optarg, &errstr) == -1)
				errx(EX_USAGE, "--allow-group %s: %s", optarg,
				    errstr);
			break;
		case OPT_ALLOW_ANY:
			c->policy.any = 1;
			break;
		case OPT_REQ_UNIT:
			if (policy_require_unit(&c->policy, optarg,
			    &errstr) == -1)
				errx(EX_USAGE, "--require-unit %s: %s", optarg,
				    errstr);
			break;
		case OPT_REQ_CGROUP:
			if (policy_require_cgroup(&c->policy, optarg,
			    &errstr) == -1)
				errx(EX_USAGE, "--require-cgroup %s: %s", optarg,
				    errstr);
			break;
		case OPT_LOG_FORMAT:
			if (strcmp(optarg, "text") != 0 &&
			    strcmp(optarg, "json") != 0)
				errx(EX_USAGE, "--log-format %s: not text or "
				    "json", optarg);
			c->log_json = strcmp(optarg, "json") == 0;
			break;
		case OPT_RULES:
			if (*optarg == '\0')
				errx(EX_USAGE, "--rules: an empty file name");
			c->rules_file = optarg;
			break;
		case 'f':
			if (record_format_parse(optarg, &c->format) == -1)
				errx(EX_USAGE, "--format %s: not text, json "
				    "or raw", optarg);
			break;
		case 's':
			if (num_size(optarg, 1, PROTO_MAX_REQUEST,
			    &c->max_size, &errstr) == -1)
				errx(EX_USAGE, "--max-size %s: %s (1 to %d)",
				    optarg, errstr, PROTO_MAX_REQUEST);
			break;
		case 'c':
			if (num_option("--max-conns", optarg, 1,
			    CONFIG_MAX_CONNS, &c->max_conns, msg,
			    sizeof(msg)) == -1)
				errx(EX_USAGE, "%s", msg);
			break;
		case OPT_PER_UID:
			if (num_option("--max-conns-per-uid", optarg, 1,
			    CONFIG_MAX_CONNS, &c->max_conns_per_uid, msg,
			    sizeof(msg)) == -1)
				errx(EX_USAGE, "%s", msg);
			break;
		case 'T':
			if (num_option("--timeout", optarg, 0, NUM_MAX_SECONDS,
			    &c->timeout, msg, sizeof(msg)) == -1)
				errx(EX_USAGE, "%s", msg);
			break;
		case 'i':
			if (num_option("--idle-timeout", optarg, 0,
			    NUM_MAX_SECONDS, &c->idle_timeout, msg,
			    sizeof(msg)) == -1)
				errx(EX_USAGE, "%s", msg);
			break;
		case OPT_STOP_TIMEOUT:
			if (num_option("--stop-timeout", optarg, 0,
			    NUM_MAX_SECONDS, &c->stop_timeout, msg,
			    sizeof(msg)) == -1)
				errx(EX_USAGE, "%s", msg);
			break;
		case OPT_ONCE:
			c->once = 1;
			break;
		case 'm':
			if (num_mode(optarg, &c->mode, &errstr) == -1)
				errx(EX_USAGE, "--mode %s: %s", optarg, errstr);
			break;
		case 'o':
			if (ids_owner(optarg, &c->owner_uid, &c->owner_gid,
			    &errstr) == -1)
				errx(EX_USAGE, "--owner %s: %s", optarg, errstr);
			c->have_owner = 1;
			break;
		case 'e':
			if (config_keep_env(c, optarg, &errstr) == -1)
				errx(EX_USAGE, "--keep-env %s: %s", optarg,
				    errstr);
			break;
		case OPT_RUN_AS:
			runas_free(&c->runas);
			if (runas_parse(optarg, &c->runas, &errstr) == -1)
				errx(EX_USAGE, "--run-as %s: %s", optarg,
				    errstr);
			c->run_as = optarg;
			break;
		case OPT_SYSLOG:
			c->syslog = 1;
			break;
		case OPT_CHECK:
			c->check = 1;
			break;
		case 'q':
			c->verbosity = LOG_ALWAYS;
			break;
		case 'v':
			c->verbosity = LOG_VERBOSE;
			break;
		case 'h':
			listen_help(stdout);
			exit(0);
		default:
			fputs(listen_usage, stderr);
			exit(EX_USAGE);
		}
	}
}

/*
 * The operands: ADDRESS [-- COMMAND [ARG...]], or without ADDRESS (the
 * socket systemd passed) [-- COMMAND [ARG...]]. dashdash: getopt ate "--".
 */
static void
parse_operands(int argc, char **argv, int dashdash, struct config *c)
{
	const char	*errstr;

	if (argc < 1 || dashdash) {
		/* No ADDRESS: only a socket systemd passed to us will do. */
		if (c->act.state != ACTIVATE_OURS)
			errx(EX_USAGE, "listen: missing ADDRESS, and no socket "
			    "passed by systemd: %s (see peerrelay help listen)",
			    c->act.why);
		c->activated = 1;
		if (dashdash && argc == 0)
			errx(EX_USAGE, "listen: missing COMMAND after --");
		if (dashdash)
			c->command = argv;
		return;
	}
	if (addr_parse(argv[0], &c->addr, &errstr) == -1)
		errx(EX_USAGE, "address '%s': %s", argv[0], errstr);
	argc--;
	argv++;
	if (argc == 0)
		return;
	/* Strict, so a misplaced option is not taken for a command. */
	if (strcmp(argv[0], "--") != 0)
		errx(EX_USAGE, "listen: unexpected '%s' after ADDRESS (put -- "
		    "before a COMMAND)", argv[0]);
	if (argc == 1)
		errx(EX_USAGE, "listen: missing COMMAND after --");
	c->command = argv + 1;
}

/* A start that cannot go on: msg logged in the log's format, then exit. */
static void __attribute__((noreturn))
fail(const struct config *c, int status, const char *msg)
{
	if (!c->log_json)
		errx(status, "%s", msg);
	log_line(LOG_ALWAYS, "%s", msg);
	exit(status);
}

int
cmd_listen(int argc, char **argv)
{
	struct config	 c;
	struct fault	 f;
	sigset_t	 hup;
	char		 msg[256];
	int		 dashdash, lfd, status;

	config_init(&c);
	/*
	 * Descriptors inherited from whoever started us are not ours to keep,
	 * but for the socket systemd passed (fd 3).
	 */
	closefrom(activate_env(&c.act) ? ACTIVATE_FD + 1 : ACTIVATE_FD);
	dashdash = parse_switches(argc, argv, &c);
	parse_operands(argc - optind, argv + optind, dashdash, &c);
	/* From here on, every line the listener writes is in its format. */
	if (c.log_json)
		log_set_json();
	if (config_rules(&c, msg, sizeof(msg)) == -1)
		fail(&c, EX_USAGE, msg);
	/* An ADDRESS was given after all: systemd's socket is not used. */
	if (c.act.state == ACTIVATE_OURS && !c.activated)
		close(ACTIVATE_FD);
	if (c.check) {
		if (config_check(&c, NULL, &f) == -1)
			fail(&c, f.status, f.msg);
		if (config_print(&c) == -1)
			err(EX_SOFTWARE, "stdout");
		config_free(&c);
		return 0;
	}
	log_set_verbosity(c.verbosity);
	/*
	 * A SIGHUP from now on waits for the loop's signalfd (a reload in
	 * rules mode, else ignored): systemctl reload must not kill a start.
	 */
	sigemptyset(&hup);
	sigaddset(&hup, SIGHUP);
	(void)sigprocmask(SIG_BLOCK, &hup, NULL);
	if (config_check(&c, &lfd, &f) == -1)
		fail(&c, f.status, f.msg);
	if (c.syslog) {
		log_set_syslog(c.logfd);
		c.logfd = -1;	/* the log's now */
	}
	status = server_run(&c, lfd);
	config_free(&c);
	return status;
}
