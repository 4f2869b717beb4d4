/*
 * A slot's pattern: the patterns people write pass; what POSIX leaves
 * undefined or makes glibc's regcomp slow is refused with a plain reason;
 * and the worst patterns the check lets through, built here at its
 * bounds, compile fast (the times are printed; the bound asserted is a
 * generous 2 s, so a slow machine is no failure but a regression is).
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../src/pattern.h"
#include "../../src/rules.h"
#include "unit.h"

#define SLOW_MS		2000.0

static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Does pattern p take argument a, whole? -1: p refused. */
static int
takes(const char *p, const char *a)
{
	const char	*why;
	regex_t		 re;
	int		 r;

	if (pattern_compile(p, &re, &why) == -1)
		return -1;
	r = regexec(&re, a, 0, NULL, 0) == 0;
	regfree(&re);
	return r;
}

/* Refused, with a reason holding want. */
static int
refused(const char *p, const char *want)
{
	const char	*why = NULL;

	return pattern_check(p, &why) == -1 && strstr(why, want) != NULL &&
	    strchr(why, '\n') == NULL;
}

/* unit repeated n times, between head and tail, into a fresh string. */
static char *
rep(const char *head, const char *unit, int n, const char *tail)
{
	size_t	 len = strlen(head) + strlen(unit) * (size_t)n + strlen(tail);
	char	*s, *e;
	int	 i;

	if ((s = malloc(len + 1)) == NULL)
		abort();
	e = stpcpy(s, head);
	for (i = 0; i < n; i++)
		e = stpcpy(e, unit);
	strcpy(e, tail);
	return s;
}

/* pattern_compile's time for p, the best of three; -1 if refused. */
static double
compile_ms(const char *p, long *size)
{
	const char	*why;
	regex_t		 re;
	double		 best = -1;
	int		 i;

	for (i = 0; i < 3; i++) {
		double	 t = now_ms();

		if ((*size = pattern_compile(p, &re, &why)) == -1)
			return -1;
		t = now_ms() - t;
		regfree(&re);
		if (best < 0 || t < best)
			best = t;
	}
	return best;
}

/* An adversarial pattern (taken over by the check): accepted, and fast. */
static void
worst(const char *what, char *p)
{
	double	 ms;
	long	 size;

	ms = compile_ms(p, &size);
	CHECK(ms >= 0 && ms < SLOW_MS, "worst case %s: %.3f ms, %ld nodes",
	    what, ms, size);
	free(p);
}

/* A small random pattern from the grammar, for the sample below. */
static unsigned long	 seed = 18;

static unsigned int
rnd(unsigned int n)
{
	seed = seed * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned int)(seed >> 33) % n;
}

static void
random_pattern(char *s, size_t size, int depth)
{
	static const char	*atoms[] = { "a", "b", "[a-z]", ".", "\\.",
				    "()", "^", "$" };
	static const char	*reps[] = { "", "", "", "*", "+", "?", "{3}",
				    "{0,40}", "{2,}", "{1,200}", "**" };
	int			 i, n = 1 + (int)rnd(6);

	for (i = 0; i < n && strlen(s) + 16 < size; i++) {
		if (rnd(8) == 0)
			strcat(s, "|");
		if (depth > 0 && rnd(3) == 0) {
			strcat(s, "(");
			random_pattern(s, size, depth - 1);
			strcat(s, ")");
		} else
			strcat(s, atoms[rnd(8)]);
		strcat(s, reps[rnd(11)]);
	}
}

/* A rules file: n rules of slots slots of pattern p; its parse time. */
static double
file_ms(int n, int slots, const char *p, char *err, size_t errsize)
{
	struct rules	 rs;
	char		*text, *e;
	double		 t;
	int		 i, j;

	if ((text = malloc(RULES_MAX_FILE)) == NULL)
		abort();
	e = text;
	for (i = 0; i < n; i++) {
		e += sprintf(e, "permit a%d user root /bin/echo", i);
		for (j = 0; j < slots; j++)
			e += sprintf(e, " {%s}", p);
		*e++ = '\n';
	}
	t = now_ms();
	i = rules_parse(text, (size_t)(e - text), &rs, err, errsize);
	t = now_ms() - t;
	free(text);
	if (i == -1)
		return -1;
	rules_free(&rs);
	return t;
}

int
main(void)
{
	char		 p[4096], err[4096];
	const char	*why;
	double		 ms, max = 0;
	long		 size;
	int		 i, n, taken = 0;

	/* What people write. */
	CHECK(takes("nginx|php8.2-fpm", "php8.2-fpm") == 1 &&
	    takes("nginx|php8.2-fpm", "nginxphp8.2-fpm") == 0, "a|b");
	CHECK(takes("[0-9]{4}-[0-9]{2}-[0-9]{2}", "2026-11-30") == 1 &&
	    takes("[0-9]{4}-[0-9]{2}-[0-9]{2}", "2026-11-3") == 0, "a date");
	CHECK(takes("[a-z0-9._-]{1,64}", "db-1.example") == 1 &&
	    takes("[a-z0-9._-]{1,64}", "") == 0, "a name of 1 to 64");
	CHECK(takes("(www|api)\\.example\\.org", "api.example.org") == 1 &&
	    takes("(www|api)\\.example\\.org", "apixexample.org") == 0,
	    "a host, its dots escaped");
	CHECK(takes("[[:alnum:]_]+(/[[:alnum:]_]+)*", "a/b_1/c") == 1 &&
	    takes("[[:alnum:]_]+(/[[:alnum:]_]+)*", "a//b") == 0,
	    "a relative path of names");
	CHECK(takes("-[a-z]", "-v") == 1, "an option");
	CHECK(takes("^[a-z]+$", "abc") == 1 && takes("^[a-z]+$", "ab\n") == 0,
	    "^ first and $ last, as people write them anyway");
	CHECK(takes("[a-z0-9._-]{1,255}", "x") == 1 &&
	    takes("[a-f0-9]{64}", "x") == 0, "long counted repetitions");
	CHECK(takes("(a+)+b", "aab") == 1 && takes("a{2,}", "aaa") == 1 &&
	    takes("x{0}y", "y") == 1 && takes("(|a)b", "b") == 1 &&
	    takes("()a", "a") == 1 && takes("[]a]\\{\\-", "]{-") == 1,
	    "repeated groups that must match, {m,}, {0}, empty branches and "
	    "groups, escaped punctuation");

	/* What it refuses, and why, in one line. */
	CHECK(refused("a**", "repeated") && refused("a*+", "repeated") &&
	    refused("a{2}{3}", "repeated") && refused("a+?", "repeated"),
	    "a repetition repeated (POSIX: undefined)");
	CHECK(refused("(a*)*", "may match nothing") &&
	    refused("(a|)+", "may match nothing") &&
	    refused("()*", "may match nothing") &&
	    refused("(a?){2}", "may match nothing") &&
	    refused("(a{0})*", "may match nothing"),
	    "a repetition of a group that may match nothing");
	CHECK(refused("*a", "nothing before it") &&
	    refused("a|+b", "nothing before it") &&
	    refused("({2}a)", "nothing before it") &&
	    refused("^*", "repetition of ^"),
	    "a repetition of nothing, or of an anchor");
	CHECK(refused("a^b", "^ other than first") &&
	    refused("(^a)", "^ other than first") &&
	    refused("^a|^b", "^ other than first") &&
	    refused("a$|b", "$ other than last") &&
	    refused("(a$)", "$ other than last"), "anchors inside");
	CHECK(refused("\\bword", "letter") && refused("\\d+", "letter") &&
	    refused("a\\<", "letter") && refused("\\w", "letter") &&
	    refused("\\0", "letter") && refused("a\\", "at its end"),
	    "a backslash before a letter, a digit or a GNU anchor");
	CHECK(refused("a{,5}", "count") && refused("a{2,1}", "count") &&
	    refused("a{1", "count") && refused("a{}", "count") &&
	    refused("a{x}", "count") && refused("a{1,32768}", "count"),
	    "counts that are not {m}, {m,} or {m,n} up to 32767");
	CHECK(refused("((x{,99}){,99}){,99}", "count"),
	    "{,n}, which glibc takes as {0,n}, bypassed the size bound");
	CHECK(refused("\xd4************+++*****", "repeated") &&
	    refused("a***+++", "repeated") &&
	    refused("((((a*)+)+)+)+", "may match nothing"),
	    "fuzz_rules' regcomp of minutes and its kin");
	CHECK(refused("(a{99}){99}", "1024 nodes") &&
	    refused("(ab){3000}", "1024 nodes") &&
	    refused("((((((((((x+)+)+)+)+)+)+)+)+)+)+", "1024 nodes") &&
	    refused("[a-z]{0,513}", "1024 nodes"),
	    "copies past 1024 nodes");
	CHECK(pattern_check("[0-9]{4}-[0-9]{2}", &why) == 7 &&
	    pattern_check("a{2,5}", &why) == 8 &&
	    pattern_check("(a|b)+", &why) == 7,
	    "its size in nodes, as regcomp expands it");
	CHECK(pattern_check("(((((((((((((((((((((((((((((((("
	    "a))))))))))))))))))))))))))))))))", &why) > 0 &&
	    refused("((((((((((((((((((((((((((((((((("
	    "a)))))))))))))))))))))))))))))))))", "32 deep"),
	    "groups nested 32 deep, not 33");
	CHECK(refused("(a*|b*)(a*|b*)(a*|b*)(a*|b*)(a*|b*)(a*|b*)(a*|b*)"
	    "(a*|b*)", "at its start") && pattern_check("(a*|b*)(a*|b*)"
	    "(a*|b*)(a*|b*)(a*|b*)(a*|b*)(a*|b*)", &why) > 0 &&
	    pattern_check("x(a*|b*)(a*|b*)(a*|b*)(a*|b*)(a*|b*)(a*|b*)"
	    "(a*|b*)(a*|b*)", &why) > 0,
	    "optional alternatives in a row at its start: 7, not 8");
	CHECK(refused("(", "pair") && refused("a)|(b", "pair") &&
	    refused("[abc", "]") && refused("(a)\\1", "back-reference") &&
	    refused("", "empty"), "unpaired, back-references, empty");

	/*
	 * The worst the check allows, each at a bound: the most copies, the
	 * most paths from the start, the widest closures after it, the
	 * deepest nesting.
	 */
	worst("the most nodes, all optional at its start", rep("", "", 0,
	    ".{0,512}"));
	worst("the most alternatives", rep("", "a|", 511, "b"));
	worst("the most alternatives, repeated", rep("((", "a|", 510,
	    "b))*"));
	worst("the most optional alternatives after a character",
	    rep("x", "(a*|b*)", 200, ""));
	worst("optional alternatives at its start, then after a character",
	    rep("(a*|b*)(a*|b*)(a*|b*)(a*|b*)(a*|b*)(a*|b*)(a*|b*)x",
	    "(a*|b*)", 190, ""));
	worst("a repeated group of optional alternatives", rep("(x",
	    "(a*|b*)", 100, ")*"));
	worst("a repeated group of optional parts", rep("(x", "a?", 500,
	    ")*"));
	worst("^ first, optional parts to $", rep("^", "a?", 255, "$"));
	worst("optional copies of optional copies",
	    rep("", "", 0, "(.{0,15}a){0,30}"));
	worst("optional copies of alternatives",
	    rep("", "", 0, "(a|b|c|d|e|f|g|h){0,60}"));
	worst("32 nested repetitions", rep("", "(", 32,
	    "a)*b)*b)*b)*b)*b)*b)*b)*b)*b)*b)*b)*b)*b)*b)*b)*b)*b)*b)*b)*"
	    "b)*b)*b)*b)*b)*b)*b)*b)*b)*b)*b)*b)*"));
	worst("9 nested +, doubling", rep("", "(", 8,
	    "x+)+)+)+)+)+)+)+)+"));

	/* A sample of the grammar: whatever passes compiles fast. */
	for (i = 0; i < 3000; i++) {
		p[0] = '\0';
		random_pattern(p, sizeof(p), 3);
		if (p[0] == '\0' || pattern_check(p, &why) == -1)
			continue;
		taken++;
		if ((ms = compile_ms(p, &size)) > max)
			max = ms;
	}
	CHECK(taken > 100 && max < SLOW_MS, "%d random patterns taken of "
	    "3000: the slowest %.3f ms", taken, max);

	/* Whole files at the bounds. */
	n = RULES_MAX_NODES / 1024;
	ms = file_ms(n, 1, ".{0,512}", err, sizeof(err));
	CHECK(ms >= 0 && ms < 5 * SLOW_MS, "a file of %d slots of 1024 "
	    "nodes: %.1f ms%s%s", n, ms, ms < 0 ? ": " : "", ms < 0 ? err : "");
	CHECK(file_ms(n + 1, 1, ".{0,512}", err, sizeof(err)) == -1 &&
	    strstr(err, "in all") != NULL, "one more: %s", err);
	ms = file_ms(256, 64, "a", err, sizeof(err));
	CHECK(ms >= 0 && ms < 5 * SLOW_MS, "a file of 256 rules of 64 "
	    "slots: %.1f ms%s%s", ms, ms < 0 ? ": " : "", ms < 0 ? err : "");
	ms = file_ms(7, 64, "(a*|b*)(a*|b*)(a*|b*)(a*|b*)(a*|b*)(a*|b*)"
	    "(a*|b*)", err, sizeof(err));
	CHECK(ms >= 0 && ms < 5 * SLOW_MS, "a file of 448 slots of the most "
	    "paths at their start: %.1f ms%s%s", ms, ms < 0 ? ": " : "",
	    ms < 0 ? err : "");
	return UNIT_DONE();
}
