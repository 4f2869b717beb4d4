/*
 * A slot's pattern: a POSIX extended regex the caller's whole argument
 * must match, checked before regcomp(3) sees it (no back-reference,
 * parentheses paired, a bounded size), then compiled as "^(" PATTERN ")$"
 * with REG_EXTENDED | REG_NOSUB, never REG_NEWLINE, in the C locale.
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pattern.h"

#define STR(x)		#x
#define XSTR(x)		STR(x)

/*
 * A pattern's size, as regcomp(3) builds it: glibc copies a group once for
 * each count of a repetition {m,n}, and once for a "+", so
 * "(a{99}){99}{99}" or "x" and 40 "+" would take gigabytes, and its
 * matcher's closures grow with the square of the nodes. Counted per
 * nesting level: the whole so far, and the last atom.
 */
#define PATTERN_MAX_SIZE	1024
#define PATTERN_MAX_DEPTH	32

struct level {
	unsigned long	 total;
	unsigned long	 last;
};

static void
atom(struct level *l, unsigned long size)
{
	l->total += size;
	l->last = size;
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

/*
 * May PATTERN be a slot's? No back-reference; parentheses pairing up
 * within it (outside bracket expressions and after no backslash), so
 * "^(" PATTERN ")$" anchors all of it ("a)|(b" could otherwise match any
 * argument that begins with "a"); groups nested at most 32 deep; at most
 * 1024 nodes once repetitions are expanded. Its size in nodes, or -1 and
 * *why.
 */
long
pattern_check(const char *p, const char **why)
{
	struct level	 l[PATTERN_MAX_DEPTH + 1];
	unsigned long	 m, n;
	char		*end;
	int		 d = 0;

	if (*p == '\0') {
		*why = "an empty pattern";
		return -1;
	}
	memset(l, 0, sizeof(l));
	for (; *p != '\0'; p++) {
		switch (*p) {
		case '\\':
			if (p[1] >= '1' && p[1] <= '9') {
				*why = "a back-reference";
				return -1;
			}
			if (p[1] != '\0')
				p++;
			atom(&l[d], 1);
			break;
		case '[':
			if ((p = skip_bracket(p)) == NULL) {
				*why = "a [ without its ]";
				return -1;
			}
			atom(&l[d], 1);
			break;
		case '(':
			if (d == PATTERN_MAX_DEPTH) {
				*why = "groups nested more than 32 deep";
				return -1;
			}
			d++;
			l[d].total = l[d].last = 0;
			break;
		case ')':
			if (d == 0) {
				*why = "parentheses that do not pair up";
				return -1;
			}
			d--;
			atom(&l[d], l[d + 1].total + 1);
			break;
		case '|':
			l[d].last = 0;
			break;
		case '+':
			/* a+ is built as aa*: a++ doubles, and so on. */
			l[d].total += l[d].last + 1;
			l[d].last = l[d].last * 2 + 1;
			break;
		case '{':
			if (p[1] < '0' || p[1] > '9') {
				atom(&l[d], 1);
				break;
			}
			m = n = strtoul(p + 1, &end, 10);
			if (*end == ',' && end[1] >= '0' && end[1] <= '9')
				n = strtoul(end + 1, &end, 10);
			else if (*end == ',') {
				n = m + 1;
				end++;
			}
			if (*end != '}' || m > RE_DUP_MAX || n > RE_DUP_MAX) {
				*why = "a repetition count that is not "
				    "{m}, {m,} or {m,n} up to 32767";
				return -1;
			}
			p = end;
			if (n > 1) {
				l[d].total += l[d].last * (n - 1);
				l[d].last *= n;
			}
			break;
		case '*':
		case '?':
			/* A node of its own, around the atom. */
			l[d].total++;
			l[d].last++;
			break;
		default:
			atom(&l[d], 1);
			break;
		}
		if (l[d].total > PATTERN_MAX_SIZE) {
			*why = "its repetitions make it larger than "
			    XSTR(PATTERN_MAX_SIZE) " nodes";
			return -1;
		}
	}
	if (d != 0) {
		*why = "parentheses that do not pair up";
		return -1;
	}
	return (long)l[0].total;
}

/*
 * Check p (pattern_check) and compile it anchored into re: its size in
 * nodes, or -1 and *why.
 */
long
pattern_compile(const char *p, regex_t *re, const char **why)
{
	regex_t	 alone;
	size_t	 n = strlen(p);
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
	if ((full = malloc(n + 5)) == NULL) {
		*why = "out of memory";
		return -1;
	}
	snprintf(full, n + 5, "^(%s)$", p);
	if (regcomp(re, full, REG_EXTENDED | REG_NOSUB) != 0) {
		free(full);
		*why = "not a POSIX extended regular expression";
		return -1;
	}
	free(full);
	return size;
}
