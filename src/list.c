/*
 * A list request's answer: the rules in force that permit the caller, in
 * the file's order, each on a line of its own as its action's name and
 * its slots ("{PATTERN}", "-{PATTERN}") as --check prints them. The fixed
 * words and the command are left out: the caller supplies only the slots,
 * and the rest is the listener's to know. Rules that do not permit the
 * caller are left out whole.
 */
#include <stdio.h>
#include <string.h>

#include "list.h"

/* Append n bytes of s at *len in buf (size bytes); -1 when they do not fit. */
static int
put(char *buf, size_t size, size_t *len, const char *s, size_t n)
{
	if (n > size - *len)
		return -1;
	memcpy(buf + *len, s, n);
	*len += n;
	return 0;
}

/*
 * Rule r's line, newline ended, into buf (size bytes, no NUL added): its
 * length, or -1 when it does not fit.
 */
int
list_line(const struct rule *r, char *buf, size_t size)
{
	const struct rules_arg	*a;
	size_t			 i, len = 0;

	if (put(buf, size, &len, r->action, strlen(r->action)) == -1)
		return -1;
	for (i = 0; i < r->nargs; i++) {
		a = &r->args[i];
		if (!a->slot)
			continue;
		if (put(buf, size, &len, a->dash ? " -{" : " {",
		    a->dash ? 3 : 2) == -1 ||
		    put(buf, size, &len, a->text, strlen(a->text)) == -1 ||
		    put(buf, size, &len, "}", 1) == -1)
			return -1;
	}
	if (put(buf, size, &len, "\n", 1) == -1)
		return -1;
	return (int)len;
}

/*
 * As many whole lines as fit buf (size bytes), for the rules of rs from
 * *next on that permit peer p; *next moves past the rules done, *count
 * counts the lines. The bytes written: 0 when no rule is left, -1 when
 * one line alone does not fit an empty buf.
 */
int
list_lines(const struct rules *rs, const struct peer *p, size_t *next,
    char *buf, size_t size, size_t *count)
{
	size_t	 len = 0;
	int	 n;

	for (; *next < rs->n; (*next)++) {
		if (rules_permits(&rs->v[*next], p) != NULL)
			continue;
		if ((n = list_line(&rs->v[*next], buf + len, size - len)) ==
		    -1)
			return len > 0 ? (int)len : -1;
		len += (size_t)n;
		(*count)++;
	}
	return (int)len;
}
