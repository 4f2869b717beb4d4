/*
 * One rule of a rules file: looked up by its action, its slots judging a
 * caller's arguments, its callers judged, every rule printed back in
 * canonical form, and freed.
 */
#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "peer.h"
#include "rules.h"

/* One rule's parts freed, r zeroed. */
void
rule_free(struct rule *r)
{
	size_t	 i;

	for (i = 0; i < r->nwho; i++)
		free(r->who[i].text);
	free(r->who);
	for (i = 0; i < r->nargs; i++) {
		if (r->args[i].compiled)
			regfree(&r->args[i].re);
		free(r->args[i].text);
	}
	free(r->args);
	free(r->path);
	rule_opts_free(r);
	memset(r, 0, sizeof(*r));
}

void
rules_free(struct rules *rs)
{
	size_t	 i;

	for (i = 0; i < rs->n; i++)
		rule_free(&rs->v[i]);
	free(rs->v);
	memset(rs, 0, sizeof(*rs));
}

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
		rule_opts_print(fp, r);
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

/* An action's name: a lower-case letter or digit, then those and "._-". */
int
rules_action_valid(const char *s)
{
	size_t	 n = strlen(s);

	return n > 0 && n <= RULES_MAX_ACTION &&
	    (islower((unsigned char)s[0]) || isdigit((unsigned char)s[0])) &&
	    s[strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789._-")] == '\0';
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

/*
 * May peer p call r? NULL; else the condition it fails: "users" (none of
 * its users, and in none of its groups), "unit" or "cgroup" (its cgroup
 * unknown, or not one a clause names). Users and groups allow, unit and
 * cgroup clauses narrow, each kind met by any one of its values: as
 * listen's --allow-* and --require-* options.
 */
const char *
rules_permits(const struct rule *r, const struct peer *p)
{
	const struct rules_who	*w;
	int			 user = 0, unit = -1, cgroup = -1;
	size_t			 i;

	for (i = 0; i < r->nwho; i++) {
		w = &r->who[i];
		switch (w->kind) {
		case 'u':
			user |= p->uid == (uid_t)w->id;
			break;
		case 'g':
			user |= peer_in_group(p, (gid_t)w->id);
			break;
		case 'n':
			unit = unit == 1 || (p->unit != NULL &&
			    strcmp(p->unit, w->text) == 0);
			break;
		case 'c':
			cgroup = cgroup == 1 || (p->cgroup != NULL &&
			    cgroup_under(p->cgroup, w->text));
			break;
		}
	}
	if (!user)
		return "users";
	if (unit == 0)
		return "unit";
	if (cgroup == 0)
		return "cgroup";
	return NULL;
}

/*
 * May peer p call any action of rs (a connection is admitted)? NULL; else
 * "users" when no rule names it, or what the first rule that names it
 * found unmet ("unit", "cgroup": its cgroup may be unknown yet).
 */
const char *
rules_admits(const struct rules *rs, const struct peer *p)
{
	const char	*why, *first = NULL;
	size_t		 i;

	for (i = 0; i < rs->n; i++) {
		if ((why = rules_permits(&rs->v[i], p)) == NULL)
			return NULL;
		if (first == NULL && strcmp(why, "users") != 0)
			first = why;
	}
	return first != NULL ? first : "users";
}
