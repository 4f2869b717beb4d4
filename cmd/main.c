/* peerrelay: dispatch to a subcommand. */
#include <sys/auxv.h>

#include <err.h>
#include <fcntl.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "cmd.h"
#include "../src/supervise.h"

static int	cmd_help(int, char **);

static const struct {
	const char	*name;
	int		(*fn)(int, char **);
} commands[] = {
	{ "listen",	cmd_listen },
	{ "send",	cmd_send },
	{ "help",	cmd_help },
};

static const char usage[] =
"usage: peerrelay listen [OPTIONS] [ADDRESS] [-- COMMAND [ARG...]]\n"
"       peerrelay send [OPTIONS] ADDRESS [MESSAGE]\n"
"       peerrelay help [listen|send]\n"
"       peerrelay --help | --version\n"
"\n"
"Relay requests over a SOCK_SEQPACKET Unix socket (@name: abstract\n"
"namespace, else a path), with the kernel's word on who is asking.\n"
"See peerrelay(1).\n";

static int
cmd_help(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stdout);
		return 0;
	}
	if (strcmp(argv[1], "listen") == 0)
		listen_help(stdout);
	else if (strcmp(argv[1], "send") == 0)
		send_help(stdout);
	else
		errx(EX_USAGE, "help: unknown command '%s'", argv[1]);
	return 0;
}

/*
 * SUP_RESUME_ARG RFD CMD WS ENDMS MODE, as supclone.c writes them, each
 * read within its bounds; anything else is refused as supervise_resume
 * refuses a run by hand.
 */
static void __attribute__((noreturn))
resume(int argc, char **argv)
{
	const char	*bad = argc == 7 ? NULL : "count";
	long long	 v[5] = { -1, 0, 0, 0, 0 };
	static const long long lo[5] = { 3, 0, INT_MIN, 0, SUP_LEFT };
	static const long long hi[5] = { INT_MAX, INT_MAX, INT_MAX, LLONG_MAX,
	    SUP_KILL };
	int		 i;

	for (i = 0; bad == NULL && i < 5; i++)
		v[i] = strtonum(argv[i + 2], lo[i], hi[i], &bad);
	if (bad != NULL) {
		fputs(SUP_BY_HAND, stderr);
		exit(EX_USAGE);
	}
	setproctitle_init(argc, argv, environ);
	supervise_resume((int)v[0], (pid_t)v[1], (int)v[2], v[3], (int)v[4]);
}

int
main(int argc, char **argv)
{
	size_t	 i;

	/* err(3) and the log say "peerrelay:" however the binary is named. */
	program_invocation_short_name = "peerrelay";
	/* A request's supervisor, resumed in its own memory (supfast.c). */
	if (argc > 1 && strcmp(argv[1], SUP_RESUME_ARG) == 0)
		resume(argc, argv);
	/*
	 * Moves argv and environ away, so the title can take their place:
	 * only the listener has a title, send is not slowed by the copy.
	 */
	if (argc > 1 && strcmp(argv[1], "listen") == 0)
		setproctitle_init(argc, argv, environ);
	/*
	 * Started with 0, 1 or 2 closed, the next socket would take its place
	 * and log lines would go to a client: fill them with /dev/null.
	 */
	for (i = 0; i < 3; i++)
		if (fcntl((int)i, F_GETFD) == -1 &&
		    open("/dev/null", O_RDWR) != (int)i)
			return EX_SOFTWARE;
	/* Installed setuid or setgid, the environment is the caller's: refuse. */
	if (getauxval(AT_SECURE) != 0)
		errx(EX_NOPERM, "refusing to run setuid or setgid");
	if (argc < 2) {
		fputs(usage, stderr);
		return EX_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("peerrelay %s\n", PEERRELAY_VERSION);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	warnx("unknown command '%s'", argv[1]);
	fputs(usage, stderr);
	return EX_USAGE;
}
