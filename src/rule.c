/*
 * One rule of a rules file: looked up by its action, its slots judging a
 * caller's arguments, and every rule printed back in canonical form.
 */
#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "rules.h"

/* Every rule back in canonical form, one line each; -1 on a write error. */
int
rules_print(FILE *fp, const struct rules *rs)
{
	static const char	*const clause[] = { "user", "group", "unit",
	    "cgroup" };
	const struct rule	*r;
	size_t			 i, j;
	int			 c;

	for (i = 0; i < rs->n; i++) {
		r = &rs->v[i];
		fprintf(fp, "permit %s", r->action);
		/* Clauses in a fixed order: users, groups, units, cgroups. */
		for (c = 0; c < 4; c++)
			for (j = 0; j < r->nwho; j++)
				if (r->who[j].kind == "ugnc"[c])
					fprintf(fp, " %s %s", clause[c],
					    r->who[j].text);
		fprintf(fp, " %s", r->path);
		for (j = 0; j < r->nargs; j++)
			if (r->args[j].slot)
				fprintf(fp, " %s{%s}", r->args[j].dash ? "-" :
				    "", r->args[j].text);
			else
				fprintf(fp, " %s", r->args[j].text);
		fputc('\n', fp);
	}
	return ferror(fp) ? -1 : 0;
}

const struct rule *
rules_find(const struct rules *rs, const char *action)
{
	size_t	 i;

	for (i = 0; i < rs->n; i++)
		if (strcmp(rs->v[i].action, action) == 0)
			return &rs->v[i];
	return NULL;
}

/*
 * Do the caller's n arguments fill r's slots, in order? 0; -1 with *bad
 * 0 when their count is wrong, else the number (from 1) of the first
 * argument its slot refuses: empty, beginning with "-" where the slot is
 * not marked for it, or not matched whole by its pattern.
 */
int
rules_match(const struct rule *r, char *const *args, size_t n, size_t *bad)
{
	size_t	 i, k = 0;

	*bad = 0;
	if (n != r->nslots)
		return -1;
	for (i = 0; i < r->nargs; i++) {
		if (!r->args[i].slot)
			continue;
		*bad = k + 1;
		if (args[k][0] == '\0' || (args[k][0] == '-' &&
		    !r->args[i].dash) || regexec(&r->args[i].re, args[k], 0,
		    NULL, 0) != 0)
			return -1;
		k++;
	}
	*bad = 0;
	return 0;
}
