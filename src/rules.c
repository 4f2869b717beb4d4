/*
 * The rules file: a small hand-written parser, no includes, no macros.
 *
 *	# comment
 *	permit ACTION WHO... COMMAND [ARG...]
 *
 * WHO is one or more of "user NAME", "group NAME", "unit UNIT" and
 * "cgroup PATH", options (rule_opts.c) among them; COMMAND is the first
 * word beginning with "/"; each ARG is a fixed word, or a slot
 * "{PATTERN}" ("-{PATTERN}": the caller's argument may begin with "-")
 * running to the first "}" before a blank or the end of the line. A
 * pattern is a POSIX ERE matched against the whole argument: compiled as
 * "^(" PATTERN ")$", REG_EXTENDED | REG_NOSUB, never REG_NEWLINE, in the
 * C locale; pattern.c refuses what is undefined or would make regcomp(3)
 * slow (see its top).
 */
#include <sys/types.h>

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "ids.h"
#include "pattern.h"
#include "rules.h"

#define STR(x)		#x
#define XSTR(x)		STR(x)

/* Words a line may hold: permit ACTION, clauses, options, COMMAND, ARGs. */
#define MAX_WORDS	(2 + 2 * RULES_MAX_WHO + RULES_MAX_OPT_WORDS + 1 + \
			RULES_MAX_ARGS)

struct word {
	char	*s;
	size_t	 n;
};

/* Errors reported, one line each, into a caller's buffer. */
struct report {
	char		*buf;
	size_t		 size;
	size_t		 len;
	unsigned int	 count;
};

static void
report(struct report *r, unsigned int line, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (r->count++ >= RULES_MAX_ERRORS || r->len + 1 >= r->size)
		return;
	n = snprintf(r->buf + r->len, r->size - r->len, "%sline %u: ",
	    r->len > 0 ? "\n" : "", line);
	if (n < 0 || (size_t)n >= r->size - r->len) {
		r->len = r->size - 1;
		return;
	}
	r->len += (size_t)n;
	va_start(ap, fmt);
	n = vsnprintf(r->buf + r->len, r->size - r->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= r->size - r->len)
		r->len = r->size - 1;
	else
		r->len += (size_t)n;
}

/*
 * The words of line (NUL-terminated, modified): blank-separated, a "#"
 * word starts a comment, a slot runs to a "}" before a blank or the end.
 * The count, or -1 with *why.
 */
static int
split(char *line, struct word *w, const char **why)
{
	char	*s = line, *e;
	int	 n = 0;

	for (;;) {
		s += strspn(s, " \t");
		if (*s == '\0' || *s == '#')
			return n;
		if (n == MAX_WORDS) {
			*why = "too many words";
			return -1;
		}
		if (*s == '{' || (s[0] == '-' && s[1] == '{')) {
			for (e = strchr(s, '}'); e != NULL && e[1] != '\0' &&
			    e[1] != ' ' && e[1] != '\t'; e = strchr(e + 1, '}'))
				;
			if (e == NULL) {
				*why = "a slot without its closing }";
				return -1;
			}
			e++;
		} else
			e = s + strcspn(s, " \t");
		w[n].s = s;
		w[n].n = (size_t)(e - s);
		n++;
		if (*e == '\0')
			return n;
		*e = '\0';
		s = e + 1;
	}
}

static int
is_slot(const struct word *w)
{
	return w->s[0] == '{' || (w->s[0] == '-' && w->s[1] == '{');
}

/*
 * A slot's word "{P}" or "-{P}" into a, its pattern's size added to
 * *nodes (the file's, bounded); -1 and *why.
 */
static int
make_slot(const struct word *w, struct rules_arg *a, unsigned long *nodes,
    const char **why)
{
	const char	*p = w->s + (w->s[0] == '-' ? 2 : 1);
	size_t		 n = w->n - (size_t)(p - w->s) - 1;
	long		 size;

	a->slot = 1;
	a->dash = w->s[0] == '-';
	if ((a->text = strndup(p, n)) == NULL) {
		*why = "out of memory";
		return -1;
	}
	if ((size = pattern_compile(a->text, &a->re, why)) == -1)
		return -1;
	a->compiled = 1;
	if ((*nodes += (unsigned long)size) > RULES_MAX_NODES) {
		*why = "the file's patterns are larger than "
		    XSTR(RULES_MAX_NODES) " nodes in all";
		return -1;
	}
	return 0;
}

/* One clause's value, checked and resolved into who. */
static int
make_who(int kind, const struct word *v, struct rules_who *who,
    const char **why)
{
	uid_t	 uid;
	gid_t	 gid;

	who->kind = kind;
	if (is_slot(v)) {
		*why = "a slot where a name belongs";
		return -1;
	}
	if ((kind == 'u' && ids_user(v->s, &uid, &gid, why) == -1) ||
	    (kind == 'g' && ids_group(v->s, &gid, why) == -1) ||
	    (kind == 'n' && cgroup_unit_valid(v->s, why) == -1) ||
	    (kind == 'c' && cgroup_path_valid(v->s, why) == -1))
		return -1;
	who->id = kind == 'u' ? (id_t)uid : kind == 'g' ? (id_t)gid : 0;
	if ((who->text = strdup(v->s)) == NULL) {
		*why = "out of memory";
		return -1;
	}
	return 0;
}

/*
 * A line's words (n > 0) into r; -1, *why naming what is wrong and *at
 * the word it is about (or NULL).
 */
static int
make_rule(struct word *w, int n, struct rule *r, unsigned long *nodes,
    const char **why, const struct word **at)
{
	int	 i = 2, k, c, v = 1, nwho = 0, users = 0;
	size_t	 j;

	*at = NULL;
	if (strcmp(w[0].s, "permit") != 0) {
		*why = "a rule begins with \"permit\"";
		return -1;
	}
	*at = n < 2 ? NULL : &w[1];
	if (n < 2 || !rules_action_valid(w[1].s)) {
		*why = "not an action name (a-z, 0-9, \"._-\", at most 64)";
		return -1;
	}
	strlcpy(r->action, w[1].s, sizeof(r->action));
	/* Bounded by MAX_WORDS: clauses and options, then the template. */
	for (k = 2; k < n; k += 1 + v) {
		if (rules_clause_kind(w[k].s) != 0)
			nwho += v = 1;
		else if ((v = rule_opt_values(w[k].s)) == -1)
			break;
		if (k + v >= n)
			break;
	}
	if (nwho > RULES_MAX_WHO) {
		*why = "more than 64 user, group, unit and cgroup clauses";
		return -1;
	}
	*at = k < n ? &w[k] : NULL;
	if (k < n && v >= 0) {
		*why = rules_clause_kind(w[k].s) != 0 ? "a clause without "
		    "its value" : "an option without its value";
		return -1;
	}
	if (k >= n || w[k].s[0] != '/' || is_slot(&w[k])) {
		*why = "no command (an absolute path after who may call)";
		return -1;
	}
	if (n - k - 1 > RULES_MAX_ARGS) {
		*why = "more than 64 arguments";
		return -1;
	}
	if ((r->who = calloc((size_t)nwho + 1, sizeof(*r->who))) == NULL ||
	    (r->args = calloc((size_t)(n - k), sizeof(*r->args))) == NULL) {
		*why = "out of memory";
		return -1;
	}
	for (i = 2; i < k; i += 1 + v) {
		c = rules_clause_kind(w[i].s);
		v = c != 0 ? 1 : rule_opt_values(w[i].s);
		*at = &w[i + v];
		if (c == 0) {
			if (rule_opt_set(r, w[i].s, v ? w[i + 1].s : NULL,
			    why) == -1)
				return -1;
			continue;
		}
		if (make_who(c, &w[i + 1], &r->who[r->nwho], why) == -1)
			return -1;
		if (r->who[r->nwho].kind == 'u' || r->who[r->nwho].kind == 'g')
			users++;
		r->nwho++;
	}
	*at = NULL;
	if (users == 0) {
		*why = "no user or group may call it";
		return -1;
	}
	*at = &w[k];
	if (strlen(w[k].s) >= PATH_MAX || (r->path = strdup(w[k].s)) == NULL) {
		*why = "the command's path is too long";
		return -1;
	}
	for (i = k + 1; i < n; i++) {
		*at = &w[i];
		j = r->nargs++;
		if (is_slot(&w[i])) {
			if (make_slot(&w[i], &r->args[j], nodes, why) == -1)
				return -1;
			r->nslots++;
		} else if ((r->args[j].text = strdup(w[i].s)) == NULL) {
			*why = "out of memory";
			return -1;
		}
	}
	*at = NULL;
	if (r->nslots > 0 && strcmp(r->action, RULES_DEFAULT) == 0) {
		*why = "the default rule has no slots (a plain request "
		    "carries no arguments)";
		return -1;
	}
	return 0;
}

/* A word as an error shows it: \\ for \\, \xHH for a byte not graphic ASCII. */
static const char *
shown(const struct word *w, char *buf, size_t size)
{
	size_t	 i, k = 0;

	for (i = 0; i < w->n && k + 8 < size; i++)
		if (w->s[i] == '\\') {
			buf[k++] = '\\';
			buf[k++] = '\\';
		} else if (w->s[i] > ' ' && w->s[i] < 0x7f)
			buf[k++] = w->s[i];
		else
			k += (size_t)snprintf(buf + k, size - k, "\\x%02x",
			    (unsigned char)w->s[i]);
	if (i < w->n)
		k += (size_t)snprintf(buf + k, size - k, "...");
	buf[k] = '\0';
	return buf;
}

/*
 * Parse text (len bytes) into rs. 0; or -1 and every error (up to
 * RULES_MAX_ERRORS, "line N: why", one a line) in err, rs empty.
 */
int
rules_parse(const char *text, size_t len, struct rules *rs,
    char *err, size_t errsize)
{
	struct report	 rep = { err, errsize, 0, 0 };
	struct word	*w;
	struct rule	 r;
	const struct word *at;
	const char	*p = text, *nl, *why;
	char		 word[96];
	char		 line[RULES_MAX_LINE + 1];
	unsigned int	 lineno = 0;
	unsigned long	 nodes = 0;
	size_t		 n, i;
	int		 nw;

	memset(rs, 0, sizeof(*rs));
	err[0] = '\0';
	if (len > RULES_MAX_FILE) {
		report(&rep, 0, "larger than %d bytes", RULES_MAX_FILE);
		return -1;
	}
	if ((w = calloc(MAX_WORDS, sizeof(*w))) == NULL ||
	    (rs->v = calloc(RULES_MAX, sizeof(*rs->v))) == NULL) {
		free(w);
		report(&rep, 0, "out of memory");
		return -1;
	}
	for (; p < text + len; p = nl + 1) {
		lineno++;
		if ((nl = memchr(p, '\n', (size_t)(text + len - p))) == NULL)
			nl = text + len;
		n = (size_t)(nl - p);
		if (n > RULES_MAX_LINE) {
			report(&rep, lineno, "longer than %d bytes",
			    RULES_MAX_LINE);
			continue;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		if (strlen(line) != n) {
			report(&rep, lineno, "a NUL byte");
			continue;
		}
		if ((nw = split(line, w, &why)) == -1) {
			report(&rep, lineno, "%s", why);
			continue;
		}
		if (nw == 0)
			continue;
		memset(&r, 0, sizeof(r));
		r.line = lineno;
		if (make_rule(w, nw, &r, &nodes, &why, &at) == -1) {
			report(&rep, lineno, "%s%s%s", at == NULL ? "" :
			    shown(at, word, sizeof(word)), at == NULL ? "" :
			    ": ", why);
			rule_free(&r);
			continue;
		}
		if (rules_find(rs, r.action) != NULL) {
			report(&rep, lineno, "action %s is already the rule of "
			    "line %u", r.action, rules_find(rs, r.action)->line);
			rule_free(&r);
			continue;
		}
		if (rs->n == RULES_MAX) {
			report(&rep, lineno, "more than %d rules", RULES_MAX);
			rule_free(&r);
			continue;
		}
		rs->serial |= r.opts.serial;
		rs->v[rs->n++] = r;
	}
	free(w);
	if (rep.count > RULES_MAX_ERRORS) {
		i = rep.count - RULES_MAX_ERRORS;
		rep.count = 0;	/* past the limit: this line is written */
		report(&rep, lineno, "and %zu errors more", i);
		rep.count = (unsigned int)i + RULES_MAX_ERRORS;
	}
	if (rep.count > 0) {
		for (i = 0; i < rs->n; i++)
			rule_free(&rs->v[i]);
		free(rs->v);
		memset(rs, 0, sizeof(*rs));
		return -1;
	}
	return 0;
}
