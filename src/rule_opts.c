/*
 * A rule's options, written among its who-clauses: timeout SECONDS,
 * max-size BYTES, run-as USER[:GROUP], setenv NAME=VALUE, keepenv NAME
 * and serial; and the who-clauses' keywords they are told from. Each
 * option is checked and resolved as it is read (keepenv's value from the
 * listener's environment then), and printed back in a fixed order.
 */
#include <sys/types.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"
#include "privdrop.h"
#include "proto.h"
#include "rules.h"

/*
 * An environment variable's name a rule or --keep-env may give: letters,
 * digits and _, no digit first, never one peerrelay sets itself (PATH,
 * PROTO, the peer's UNIXREMOTE*, the listener's UNIXLOCAL*, its own
 * PEERRELAY_*). 0, or -1 and *why.
 */
int
rules_env_name(const char *name, const char **why)
{
	if (*name == '\0' || isdigit((unsigned char)*name) ||
	    name[strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_")] != '\0') {
		*why = "not a variable name";
		return -1;
	}
	if (strcmp(name, "PATH") == 0 || strcmp(name, "PROTO") == 0 ||
	    strncmp(name, "UNIXREMOTE", 10) == 0 ||
	    strncmp(name, "UNIXLOCAL", 9) == 0 ||
	    strncmp(name, "PEERRELAY_", 10) == 0) {
		*why = "set by peerrelay itself";
		return -1;
	}
	return 0;
}

/* A who-clause's keyword: 'u', 'g', 'n', 'c'; 0: not one. */
int
rules_clause_kind(const char *s)
{
	if (strcmp(s, "user") == 0)
		return 'u';
	if (strcmp(s, "group") == 0)
		return 'g';
	if (strcmp(s, "unit") == 0)
		return 'n';
	if (strcmp(s, "cgroup") == 0)
		return 'c';
	return 0;
}

/* The words an option takes after its keyword (0 or 1); -1: not an option. */
int
rule_opt_values(const char *s)
{
	if (strcmp(s, "serial") == 0)
		return 0;
	if (strcmp(s, "timeout") == 0 || strcmp(s, "max-size") == 0 ||
	    strcmp(s, "run-as") == 0 || strcmp(s, "setenv") == 0 ||
	    strcmp(s, "keepenv") == 0)
		return 1;
	return -1;
}

/* setenv NAME=VALUE (keep 0) or keepenv NAME (keep 1) added to r. */
static int
add_env(struct rule *r, const char *v, int keep, const char **why)
{
	struct rule_env	*e;
	const char	*eq, *val;
	size_t		 i, n;

	eq = keep ? NULL : strchr(v, '=');
	if (!keep && eq == NULL) {
		*why = "setenv takes NAME=VALUE";
		return -1;
	}
	n = keep ? strlen(v) : (size_t)(eq - v);
	if (r->opts.nenv == RULES_MAX_ENV) {
		*why = "more than 32 setenv and keepenv options";
		return -1;
	}
	if (r->opts.env == NULL && (r->opts.env = calloc(RULES_MAX_ENV,
	    sizeof(*r->opts.env))) == NULL) {
		*why = "out of memory";
		return -1;
	}
	e = &r->opts.env[r->opts.nenv];
	if ((e->name = strndup(v, n)) == NULL) {
		*why = "out of memory";
		return -1;
	}
	r->opts.nenv++;
	e->keep = keep;
	if (rules_env_name(e->name, why) == -1)
		return -1;
	for (i = 0; i + 1 < r->opts.nenv; i++)
		if (strcmp(r->opts.env[i].name, e->name) == 0) {
			*why = "a variable set twice";
			return -1;
		}
	val = keep ? getenv(e->name) : eq + 1;
	/* The listener lacks it: not passed, as with --keep-env. */
	if (val == NULL)
		return 0;
	if ((e->value = strdup(val)) == NULL ||
	    asprintf(&e->entry, "%s=%s", e->name, val) == -1) {
		e->entry = NULL;
		*why = "out of memory";
		return -1;
	}
	return 0;
}

/*
 * Option key (with its value v, or NULL for one that takes none) into r;
 * -1 and *why.
 */
int
rule_opt_set(struct rule *r, const char *key, const char *v, const char **why)
{
	struct rule_opts	*o = &r->opts;
	const char		*errstr;

	if (strcmp(key, "setenv") == 0 || strcmp(key, "keepenv") == 0)
		return add_env(r, v, key[0] == 'k', why);
	if ((strcmp(key, "serial") == 0 && o->serial) ||
	    (strcmp(key, "timeout") == 0 && o->has_timeout) ||
	    (strcmp(key, "max-size") == 0 && o->max_size > 0) ||
	    (strcmp(key, "run-as") == 0 && o->run_as != NULL)) {
		*why = "an option given twice";
		return -1;
	}
	if (strcmp(key, "serial") == 0) {
		o->serial = 1;
		return 0;
	}
	if (v[0] == '{' || (v[0] == '-' && v[1] == '{')) {
		*why = "a slot where a value belongs";
		return -1;
	}
	if (strcmp(key, "timeout") == 0) {
		if (num_uint(v, 0, NUM_MAX_SECONDS, &o->timeout,
		    &errstr) == -1) {
			*why = "timeout: not a number of seconds (0 to 86400)";
			return -1;
		}
		o->has_timeout = 1;
		return 0;
	}
	if (strcmp(key, "max-size") == 0) {
		if (num_size(v, 1, PROTO_MAX_REQUEST, &o->max_size,
		    &errstr) == -1) {
			o->max_size = 0;
			*why = "max-size: not a size (1 to 4M, K or M suffix)";
			return -1;
		}
		return 0;
	}
	/* run-as: resolved now, as --run-as is. */
	if (runas_parse(v, &o->runas, why) == -1)
		return -1;
	if ((o->run_as = strdup(v)) == NULL) {
		*why = "out of memory";
		return -1;
	}
	return 0;
}

/* A size as max-size is best written: M or K when it divides, else bytes. */
static void
print_size(FILE *fp, size_t n)
{
	if (n % (1024 * 1024) == 0)
		fprintf(fp, " max-size %zuM", n / (1024 * 1024));
	else if (n % 1024 == 0)
		fprintf(fp, " max-size %zuK", n / 1024);
	else
		fprintf(fp, " max-size %zu", n);
}

/* r's options, each with a blank before it, in a fixed order. */
void
rule_opts_print(FILE *fp, const struct rule *r)
{
	const struct rule_opts	*o = &r->opts;
	size_t			 i;

	if (o->has_timeout)
		fprintf(fp, " timeout %u", o->timeout);
	if (o->max_size > 0)
		print_size(fp, o->max_size);
	if (o->run_as != NULL)
		fprintf(fp, " run-as %s", o->run_as);
	for (i = 0; i < o->nenv; i++)
		if (o->env[i].keep)
			fprintf(fp, " keepenv %s", o->env[i].name);
		else
			fprintf(fp, " setenv %s=%s", o->env[i].name,
			    o->env[i].value);
	if (o->serial)
		fputs(" serial", fp);
}

void
rule_opts_free(struct rule *r)
{
	struct rule_opts	*o = &r->opts;
	size_t			 i;

	for (i = 0; i < o->nenv; i++) {
		free(o->env[i].name);
		free(o->env[i].value);
		free(o->env[i].entry);
	}
	free(o->env);
	free(o->run_as);
	runas_free(&o->runas);
	memset(o, 0, sizeof(*o));
}
