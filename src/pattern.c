/*
 * A slot's pattern: a POSIX extended regex the caller's whole argument
 * must match, checked, then compiled as "^(" PATTERN ")$" with
 * REG_EXTENDED | REG_NOSUB, never REG_NEWLINE, in the C locale.
 *
 * The check parses it as glibc's regcomp will, and refuses what POSIX
 * leaves undefined or makes regcomp slow. glibc recomputes closures path
 * by path around a repetition of what may match nothing ("a**", "(a*)+"),
 * and each anchor copies the closure after it path by path ("\b", or "^"
 * before "(a*|b*)(a*|b*)..."), both exponential; it expands repetitions
 * into copies ("(a{99}){99}"). So: one repetition an atom, never of a
 * group that may match nothing; "^" only first, "$" only last, a
 * backslash only before punctuation (no back-reference, no GNU anchor);
 * groups nested 32 deep; 1024 nodes once expanded, and 1024 paths of
 * nodes from its start.
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pattern.h"
#include "regcost.h"

#define STR(x)		#x
#define XSTR(x)		STR(x)

/* Groups nested. */
#define PATTERN_MAX_DEPTH	32
/* A count's largest value: glibc's RE_DUP_MAX. */
#define PATTERN_MAX_COUNT	32767

struct parse {
	const char	*p;
	const char	*first;
	int		 depth;
	const char	*why;
};

static int	alternation(struct parse *, struct regcost *);

static int
refuse(struct parse *ps, const char *why)
{
	ps->why = why;
	return -1;
}

static int
bounded(struct parse *ps, const struct regcost *s)
{
	if (s->size <= PATTERN_MAX_SIZE)
		return 0;
	return refuse(ps, "larger than " XSTR(PATTERN_MAX_SIZE) " nodes once "
	    "its repetitions are expanded");
}

/* p at a "[": past its "]" (a "]" first is a member), or NULL. */
static const char *
skip_bracket(const char *p)
{
	char	 end[3];

	p++;
	if (*p == '^')
		p++;
	if (*p == ']')
		p++;
	for (; *p != '\0' && *p != ']'; p++)
		if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
			end[0] = p[1];
			end[1] = ']';
			end[2] = '\0';
			if ((p = strstr(p + 2, end)) == NULL)
				return NULL;
			p++;
		}
	return *p == ']' ? p : NULL;
}

/* A count's number at *p, up to PATTERN_MAX_COUNT, or -1. */
static long
number(const char **p)
{
	long	 n = 0;

	if (**p < '0' || **p > '9')
		return -1;
	for (; **p >= '0' && **p <= '9'; (*p)++)
		if ((n = n * 10 + (**p - '0')) > PATTERN_MAX_COUNT)
			return -1;
	return n;
}

/* At a "{" after an atom: {m}, {m,} or {m,n} into *m, *n (-1: none). */
static int
count(struct parse *ps, long *m, long *n)
{
	const char	*p = ps->p + 1;

	if ((*m = number(&p)) == -1)
		goto bad;
	*n = *m;
	if (*p == ',') {
		p++;
		if (*p == '}')
			*n = -1;
		else if ((*n = number(&p)) == -1 || *n < *m)
			goto bad;
	}
	if (*p != '}')
		goto bad;
	ps->p = p + 1;
	return 0;
bad:
	return refuse(ps, "a { that is not a count {m}, {m,} or {m,n} "
	    "with m <= n <= " XSTR(PATTERN_MAX_COUNT) " (\\{ is the character)");
}

/* One atom: a group, a bracket expression, an escape, an anchor, a byte. */
static int
atom(struct parse *ps, struct regcost *s)
{
	const char	*p = ps->p;

	switch (*p) {
	case '(':
		if (ps->depth == PATTERN_MAX_DEPTH)
			return refuse(ps, "groups nested more than "
			    XSTR(PATTERN_MAX_DEPTH) " deep");
		ps->depth++;
		ps->p++;
		if (alternation(ps, s) == -1)
			return -1;
		if (*ps->p != ')')
			return refuse(ps, "parentheses that do not pair up");
		ps->depth--;
		ps->p++;
		/* An empty group is two nodes, opening and closing. */
		if (s->size == 0) {
			s->size = s->start = 2;
			s->exits = 1;
		}
		return 0;
	case '[':
		if ((p = skip_bracket(p)) == NULL)
			return refuse(ps, "a [ without its ]");
		ps->p = p + 1;
		*s = regcost_one;
		return 0;
	case '\\':
		if (p[1] >= '1' && p[1] <= '9')
			return refuse(ps, "a back-reference");
		if (p[1] == '\0')
			return refuse(ps, "a \\ at its end");
		if ((p[1] >= 'a' && p[1] <= 'z') ||
		    (p[1] >= 'A' && p[1] <= 'Z') || p[1] == '0' ||
		    strchr("<>`'", p[1]) != NULL)
			return refuse(ps, "a \\ before a letter, a digit or "
			    "<>`' (glibc's \\b, \\w and the like are not "
			    "POSIX, \\d is a d): escape only punctuation");
		ps->p += 2;
		*s = regcost_one;
		return 0;
	case '^':
		if (p != ps->first)
			return refuse(ps, "a ^ other than first (the whole "
			    "argument is matched anyway)");
		ps->p++;
		*s = regcost_anchor;
		return 0;
	case '$':
		if (p[1] != '\0')
			return refuse(ps, "a $ other than last (the whole "
			    "argument is matched anyway)");
		ps->p++;
		*s = regcost_anchor;
		return 0;
	case '*':
	case '+':
	case '?':
	case '{':
		return refuse(ps, "a repetition with nothing before it "
		    "to repeat");
	default:
		ps->p++;
		*s = regcost_one;
		return 0;
	}
}

/* An atom and the one repetition it may have. */
static int
piece(struct parse *ps, struct regcost *s)
{
	long	 m = 0, n = -1;
	int	 c = *ps->p;

	if (atom(ps, s) == -1)
		return -1;
	if (*ps->p == '{') {
		if (count(ps, &m, &n) == -1)
			return -1;
	} else if (*ps->p == '*' || *ps->p == '+' || *ps->p == '?') {
		m = *ps->p == '+';
		n = *ps->p == '?' ? 1 : -1;
		ps->p++;
	} else
		return 0;
	if (c == '^' || c == '$')
		return refuse(ps, "a repetition of ^ or $");
	if (s->empty)
		return refuse(ps, "a repetition of a group that may match "
		    "nothing, as in (a*)+ or (a|)*: repeat what must match");
	regcost_repeat(s, m, n);
	if (bounded(ps, s) == -1)
		return -1;
	if (*ps->p != '\0' && strchr("*+?{", *ps->p) != NULL)
		return refuse(ps, "a repetition repeated, as in a** or "
		    "a{2}+ (POSIX leaves it undefined): write one");
	return 0;
}

/* Pieces up to a "|", a ")" or the end; empty, it matches nothing. */
static int
branch(struct parse *ps, struct regcost *s)
{
	struct regcost	 t;

	*s = regcost_nothing;
	while (*ps->p != '\0' && *ps->p != '|' && *ps->p != ')') {
		if (piece(ps, &t) == -1)
			return -1;
		regcost_concat(s, &t);
		if (bounded(ps, s) == -1)
			return -1;
	}
	return 0;
}

static int
alternation(struct parse *ps, struct regcost *s)
{
	struct regcost	 t;

	if (branch(ps, s) == -1)
		return -1;
	while (*ps->p == '|') {
		ps->p++;
		if (branch(ps, &t) == -1)
			return -1;
		regcost_alternate(s, &t);
		if (bounded(ps, s) == -1)
			return -1;
	}
	return 0;
}

/*
 * May p be a slot's pattern? What the top of this file says, and its
 * parentheses pair up within it (outside bracket expressions and after no
 * backslash), so "^(" PATTERN ")$" anchors all of it ("a)|(b" could
 * otherwise match any argument that begins with "a"). Its size in nodes,
 * or -1 and *why.
 */
long
pattern_check(const char *p, const char **why)
{
	struct parse	 ps = { p, p, 0, NULL };
	struct regcost	 s;
	unsigned long	 walk;

	if (*p == '\0') {
		*why = "an empty pattern";
		return -1;
	}
	if (alternation(&ps, &s) == -1) {
		*why = ps.why;
		return -1;
	}
	if (*ps.p != '\0') {
		*why = "parentheses that do not pair up";
		return -1;
	}
	/* A leading ^ walks the closure after it once more. */
	walk = *p == '^' ? regcost_add(s.start, s.start) : s.start;
	if (walk > PATTERN_MAX_START) {
		*why = "optional parts or alternatives in a row at its start, "
		    "more than " XSTR(PATTERN_MAX_START) " paths for regcomp "
		    "to copy";
		return -1;
	}
	return (long)s.size;
}

/*
 * Check p (pattern_check) and compile it anchored into re: its size in
 * nodes, or -1 and *why.
 */
long
pattern_compile(const char *p, regex_t *re, const char **why)
{
	regex_t	 alone;
	char	*full;
	long	 size;

	if ((size = pattern_check(p, why)) == -1)
		return -1;
	/* Whole on its own first: "^(" ")$" must not make it valid. */
	if (regcomp(&alone, p, REG_EXTENDED | REG_NOSUB) != 0) {
		*why = "not a POSIX extended regular expression";
		return -1;
	}
	regfree(&alone);
	if (asprintf(&full, "^(%s)$", p) == -1) {
		*why = "out of memory";
		return -1;
	}
	if (regcomp(re, full, REG_EXTENDED | REG_NOSUB) != 0) {
		free(full);
		*why = "not a POSIX extended regular expression";
		return -1;
	}
	free(full);
	return size;
}
