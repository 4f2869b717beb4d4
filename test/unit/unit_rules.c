/*
 * The rules file parser: what it accepts and prints back, what it refuses
 * (with line numbers), and how a rule's slots judge arguments.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/rules.h"
#include "unit.h"

static struct rules	 rs;
static char		 err[4096];

static int
parse(const char *text)
{
	rules_free(&rs);
	return rules_parse(text, strlen(text), &rs, err, sizeof(err));
}

/* The file's rules printed back. */
static char *
printed(void)
{
	static char	*out;
	size_t		 len;
	FILE		*fp;

	free(out);
	out = NULL;
	if ((fp = open_memstream(&out, &len)) == NULL)
		abort();
	rules_print(fp, &rs);
	fclose(fp);
	return out;
}

static int
match(const char *action, int n, ...)
{
	const struct rule	*r = rules_find(&rs, action);
	char			*args[8];
	size_t			 bad;
	va_list			 ap;
	int			 i;

	va_start(ap, n);
	for (i = 0; i < n; i++)
		args[i] = va_arg(ap, char *);
	va_end(ap);
	if (r == NULL)
		return -2;
	if (rules_match(r, args, (size_t)n, &bad) == 0)
		return 0;
	return bad > 0 ? (int)bad : -1;
}

int
main(void)
{
	char		*big;
	size_t		 i;

	CHECK(parse("# the issue's example\n"
	    "permit restart-web  group adm     /usr/bin/systemctl restart {nginx|php8.2-fpm}\n"
	    "\n"
	    "permit apply-config user www-data    /usr/local/sbin/apply-config\n"
	    "  permit rotate user 0 group www-data unit logrotate.service "
	    "cgroup /system.slice /usr/sbin/logrotate --date {[0-9]{4}-[0-9]{2}-[0-9]{2}} -{-[a-z]+} # trailing\n") == 0,
	    "the issue's rules and one with every clause: %s", err);
	CHECK(rs.n == 3 && strcmp(printed(),
	    "permit restart-web group adm /usr/bin/systemctl restart {nginx|php8.2-fpm}\n"
	    "permit apply-config user www-data /usr/local/sbin/apply-config\n"
	    "permit rotate user 0 group www-data unit logrotate.service "
	    "cgroup /system.slice /usr/sbin/logrotate --date {[0-9]{4}-[0-9]{2}-[0-9]{2}} -{-[a-z]+}\n") == 0,
	    "printed back canonically");
	CHECK(rs.v[0].line == 2 && rs.v[1].line == 4 && rs.v[2].line == 5,
	    "rules keep their line numbers");

	CHECK(match("restart-web", 1, "nginx") == 0, "a|b takes a");
	CHECK(match("restart-web", 1, "php8.2-fpm") == 0, "a|b takes b");
	CHECK(match("restart-web", 1, "nginxphp8.2-fpm") == 1,
	    "a|b refuses ab: the whole argument");
	CHECK(match("restart-web", 1, "nginx\n") == 1,
	    "a trailing newline is not matched away");
	CHECK(match("restart-web", 0) == -1 && match("restart-web", 2,
	    "nginx", "x") == -1, "a wrong count of arguments");
	CHECK(match("apply-config", 0) == 0, "no slots, no arguments");
	CHECK(match("rotate", 2, "2026-11-30", "-v") == 0,
	    "a dash slot takes an argument beginning with -");
	CHECK(match("rotate", 2, "2026-11-30\nrm", "-v") == 1,
	    "[0-9] refuses a newline: argument 1");
	CHECK(match("rotate", 2, "2026-11-30", "--all") == 2,
	    "[a-z]+ refuses --all: argument 2");
	CHECK(match("nope", 0) == -2, "an unknown action is not found");

	CHECK(parse("permit a user root /bin/echo {[a-z]+}\n") == 0 &&
	    match("a", 1, "ok\nrm") == 1 && match("a", 1, "-x") == 1 &&
	    match("a", 1, "") == 1, "[a-z]+ refuses a newline, - and empty");

	CHECK(parse("permit a user root /bin/true\npermit a user root /bin/false\n")
	    == -1 && strcmp(err, "line 2: action a is already the rule of "
	    "line 1") == 0, "a duplicate action: %s", err);
	CHECK(parse("permit a user root /bin/echo {(a)\\1}\n") == -1 &&
	    strstr(err, "back-reference") != NULL, "a back-reference: %s", err);
	CHECK(parse("permit a user root /bin/echo {x)|(.*}\n") == -1 &&
	    strstr(err, "pair") != NULL, "a)|(b would unanchor: %s", err);
	CHECK(parse("permit a user root /bin/echo {[)]}\n") == 0 &&
	    match("a", 1, ")") == 0, "a ) in brackets is a member");
	CHECK(parse("permit a user root /bin/echo {[[:alpha:]]+}\n") == 0 &&
	    match("a", 1, "abc") == 0 && match("a", 1, "ab1") == 1,
	    "a character class");
	CHECK(parse("permit a user root /bin/echo {abc\n") == -1 &&
	    strstr(err, "closing") != NULL, "a slot without }: %s", err);
	CHECK(parse("permit a user root /bin/echo {}\n") == -1 &&
	    strstr(err, "empty") != NULL, "an empty pattern: %s", err);
	CHECK(parse("permit a user root bin/echo\n") == -1 &&
	    strstr(err, "no command") != NULL, "a relative command: %s", err);
	CHECK(parse("permit a unit x.service /bin/true\n") == -1 &&
	    strstr(err, "no user or group") != NULL, "no user or group: %s", err);
	CHECK(parse("permit A user root /bin/true\n") == -1,
	    "an action name with capitals: %s", err);
	CHECK(parse("allow a user root /bin/true\n") == -1 &&
	    strstr(err, "permit") != NULL, "not permit: %s", err);
	CHECK(parse("permit a user no-such-user-xyz /bin/true\n") == -1 &&
	    strstr(err, "no such user") != NULL, "an unknown user: %s", err);
	CHECK(parse("permit a user root unit x@.service /bin/true\n") == -1 &&
	    strstr(err, "template") != NULL, "a template unit: %s", err);
	CHECK(parse("permit a user root cgroup /../x /bin/true\n") == -1,
	    "a cgroup outside the namespace: %s", err);
	CHECK(parse("permit a user root user\n") == -1 &&
	    strstr(err, "without its value") != NULL, "a clause without its "
	    "value: %s", err);
	CHECK(parse("permit a user root /bin/true\nbad\npermit b user root x\n")
	    == -1 && strcmp(err, "line 2: a rule begins with \"permit\"\n"
	    "line 3: x: no command (an absolute path after who may call)") == 0,
	    "every error, with its line");
	CHECK(rules_parse("permit a user root /bin/true\0x\n", 30, &rs, err,
	    sizeof(err)) == -1 && strstr(err, "NUL") != NULL,
	    "a NUL byte: %s", err);

	/* Options among the clauses. */
	setenv("PRT_KEPT", "k v", 1);
	unsetenv("PRT_NONE");
	CHECK(parse("permit a serial user root keepenv PRT_NONE timeout 007 "
	    "keepenv PRT_KEPT max-size 1048576 setenv X=a=b "
	    "/bin/echo timeout 5 {x}\n") == 0, "options: %s", err);
	CHECK(strcmp(printed(), "permit a user root timeout 7 max-size 1M "
	    "keepenv PRT_NONE keepenv PRT_KEPT setenv X=a=b serial /bin/echo "
	    "timeout 5 {x}\n") == 0, "options printed back after the "
	    "clauses, words after the command left as arguments: %s",
	    printed());
	CHECK(rs.serial && rs.v[0].opts.has_timeout && rs.v[0].opts.timeout
	    == 7 && rs.v[0].opts.max_size == 1048576 && rs.v[0].nargs == 3,
	    "options' values");
	CHECK(rs.v[0].opts.nenv == 3 && rs.v[0].opts.env[0].entry == NULL &&
	    strcmp(rs.v[0].opts.env[1].entry, "PRT_KEPT=k v") == 0 &&
	    strcmp(rs.v[0].opts.env[2].entry, "X=a=b") == 0,
	    "keepenv from the environment (absent: not passed), setenv as "
	    "written");
	CHECK(parse("permit a user root /bin/true\n") == 0 && !rs.serial &&
	    !rs.v[0].opts.has_timeout, "no options, no serial rule");
	CHECK(parse("permit a user serial /bin/true\n") == -1 &&
	    strstr(err, "serial: no such user") != NULL,
	    "a clause takes an option's keyword as its value: %s", err);
	CHECK(parse("permit a user root timeout {1} /bin/true\n") == -1 &&
	    strstr(err, "a slot where a value belongs") != NULL,
	    "a slot as an option's value: %s", err);
	CHECK(parse("permit a user root max-size 0 /bin/true\n") == -1 &&
	    parse("permit a user root max-size 5M /bin/true\n") == -1 &&
	    parse("permit a user root max-size 4M /bin/true\n") == 0,
	    "max-size within 1 byte and 4M");
	CHECK(parse("permit a user root run-as 0 run-as 0 /bin/true\n") == -1 &&
	    strstr(err, "given twice") != NULL, "run-as twice: %s", err);
	CHECK(parse("permit a user root run-as 0:0 /bin/true\n") == 0 &&
	    rs.v[0].opts.runas.uid == 0 && rs.v[0].opts.runas.gid == 0,
	    "run-as resolved at load");
	big = malloc(RULES_MAX_LINE);
	strcpy(big, "permit a user root");
	for (i = 0; i <= RULES_MAX_ENV; i++)
		snprintf(big + strlen(big), 32, " setenv V%zu=x", i);
	strcat(big, " /bin/true\n");
	CHECK(parse(big) == -1 && strstr(err, "more than 32 setenv") != NULL,
	    "33 variables: %s", err);
	free(big);

	big = malloc(RULES_MAX_FILE + 2);
	memset(big, '#', RULES_MAX_LINE + 1);
	big[RULES_MAX_LINE + 1] = '\0';
	CHECK(parse(big) == -1 && strstr(err, "longer than") != NULL,
	    "a line of 4097 bytes: %s", err);
	memset(big, ' ', RULES_MAX_FILE + 1);
	CHECK(rules_parse(big, RULES_MAX_FILE + 1, &rs, err, sizeof(err)) ==
	    -1 && strstr(err, "larger than") != NULL,
	    "a file over 1 MiB: %s", err);
	big[0] = '\0';
	for (i = 0; i <= RULES_MAX; i++)
		snprintf(big + strlen(big), 64, "permit a%zu user root /bin/true\n", i);
	CHECK(parse(big) == -1 && strstr(err, "more than 256 rules") != NULL,
	    "257 rules: %s", err);
	big[0] = '\0';
	strcat(big, "permit a user root /bin/echo");
	for (i = 0; i <= RULES_MAX_ARGS; i++)
		strcat(big, " x");
	CHECK(parse(big) == -1 && strstr(err, "more than 64 arguments") != NULL,
	    "65 arguments: %s", err);
	big[0] = '\0';
	for (i = 0; i < 30; i++)
		strcat(big, "bad\n");
	CHECK(parse(big) == -1 && strstr(err, "line 20: ") != NULL &&
	    strstr(err, "line 21: ") == NULL && strstr(err, "10 errors more")
	    != NULL, "20 errors reported, the rest counted");
	free(big);

	big = malloc(RULES_MAX_FILE);
	big[0] = '\0';
	/* 20 slots of 1000 nodes: each allowed, not all of them. */
	for (i = 0; i < 20; i++)
		snprintf(big + strlen(big), 128, "permit a%zu user root /bin/echo "
		    "{[a-z]{1000}}\n", i);
	CHECK(parse(big) == -1 && strstr(err, "16384 nodes in all") != NULL,
	    "a file's patterns bounded in all");
	free(big);
	rules_free(&rs);
	return UNIT_DONE();
}
