/*
 * A list request's lines (list.c): an action and its slots, fixed words
 * and the command left out; only the rules that permit the caller, in
 * the file's order; whole lines in each buffer, however small.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/list.h"
#include "../../src/rules.h"
#include "unit.h"

static const char text[] =
    "permit a user 33 /bin/echo fixed {[a-z]+} -{-[0-9]} word {x y}\n"
    "permit g group 4 /bin/true\n"
    "permit u user 33 unit php.service /bin/true\n"
    "permit b user 33 user 0 /bin/echo {nginx|php8\\.2-fpm}\n"
    "permit default user 0 /bin/cat\n";

static void
peer(struct peer *p, uid_t uid, gid_t group)
{
	memset(p, 0, sizeof(*p));
	p->uid = uid;
	p->gid = uid;
	p->groups = p->inline_groups;
	if (group != 0) {
		p->inline_groups[0] = group;
		p->ngroups = 1;
	}
}

/* Every line for p, through buffers of size bytes: NULL if one fails. */
static char *
all(const struct rules *rs, const struct peer *p, size_t size,
    size_t *count, size_t *calls, int *over)
{
	static char	 out[65536];
	char		*buf;
	size_t		 next = 0, len = 0;
	int		 n;

	*count = *calls = 0;
	*over = 0;
	if ((buf = malloc(size)) == NULL)
		return NULL;
	while ((n = list_lines(rs, p, &next, buf, size, count)) > 0) {
		(*calls)++;
		if ((size_t)n > size || buf[n - 1] != '\n')
			*over = 1;
		memcpy(out + len, buf, (size_t)n);
		len += (size_t)n;
	}
	free(buf);
	if (n == -1)
		return NULL;
	out[len] = '\0';
	return out;
}

int
main(void)
{
	struct rules	 rs, big;
	struct peer	 www, adm, root, nobody;
	char		 err[1024], line[128], *s, *many;
	size_t		 count, calls, i, len;
	int		 over;

	CHECK(rules_parse(text, sizeof(text) - 1, &rs, err, sizeof(err)) == 0,
	    "the rules parse (%s)", err);
	peer(&www, 33, 0);
	peer(&adm, 1000, 4);
	peer(&root, 0, 0);
	peer(&nobody, 65534, 0);

	CHECK(list_line(&rs.v[0], line, sizeof(line)) == 27 &&
	    memcmp(line, "a {[a-z]+} -{-[0-9]} {x y}\n", 27) == 0,
	    "a line: the action and its slots, canonical; no command, no "
	    "fixed word");
	CHECK(list_line(&rs.v[1], line, sizeof(line)) == 2 &&
	    memcmp(line, "g\n", 2) == 0, "an action without slots: its name");
	CHECK(list_line(&rs.v[0], line, 27) == 27 &&
	    list_line(&rs.v[0], line, 26) == -1,
	    "a line fits its own length exactly, not a byte less");

	s = all(&rs, &www, 4096, &count, &calls, &over);
	CHECK(s != NULL && strcmp(s, "a {[a-z]+} -{-[0-9]} {x y}\n"
	    "b {nginx|php8\\.2-fpm}\n") == 0 && count == 2 && calls == 1,
	    "www-data: its two actions, in the file's order; not u (its "
	    "unit clause unmet), not the others'");
	s = all(&rs, &root, 4096, &count, &calls, &over);
	CHECK(s != NULL && strcmp(s, "b {nginx|php8\\.2-fpm}\ndefault\n") ==
	    0 && count == 2, "root: b and default");
	s = all(&rs, &adm, 4096, &count, &calls, &over);
	CHECK(s != NULL && strcmp(s, "g\n") == 0 && count == 1,
	    "a member of group 4 by a supplementary group: g");
	s = all(&rs, &nobody, 4096, &count, &calls, &over);
	CHECK(s != NULL && strcmp(s, "") == 0 && count == 0 && calls == 0,
	    "a caller no rule permits: nothing at all");
	s = all(&rs, &www, 27, &count, &calls, &over);
	CHECK(s != NULL && strcmp(s, "a {[a-z]+} -{-[0-9]} {x y}\n"
	    "b {nginx|php8\\.2-fpm}\n") == 0 && count == 2 && calls == 2 &&
	    !over, "a small buffer: a whole line each time, none cut");
	CHECK(all(&rs, &www, 20, &count, &calls, &over) == NULL,
	    "a buffer smaller than a line: -1, never half a line");

	/* A file of RULES_MAX rules: in whole lines, however it is cut. */
	len = RULES_MAX * 48 + 1;
	many = malloc(len);
	CHECK(many != NULL, "malloc");
	if (many == NULL)
		return UNIT_DONE();
	many[0] = '\0';
	for (i = 0; i < RULES_MAX; i++)
		snprintf(many + strlen(many), len - strlen(many),
		    "permit act%03zu user 33 /bin/echo {[a-z]{%zu}}\n", i,
		    i % 9 + 1);
	CHECK(rules_parse(many, strlen(many), &big, err, sizeof(err)) == 0,
	    "%d rules parse (%s)", RULES_MAX, err);
	s = all(&big, &www, 1000, &count, &calls, &over);
	CHECK(s != NULL && count == RULES_MAX && !over && calls > 1 &&
	    strncmp(s, "act000 {[a-z]{1}}\nact001 {[a-z]{2}}\n", 36) == 0 &&
	    strlen(s) == RULES_MAX * 18, "%d lines in %zu whole-line "
	    "buffers of 1000 bytes", RULES_MAX, calls);
	s = all(&big, &www, 65535, &count, &calls, &over);
	CHECK(s != NULL && count == RULES_MAX && calls == 1,
	    "all of them in one reply's room");
	rules_free(&big);
	free(many);
	rules_free(&rs);
	return UNIT_DONE();
}
