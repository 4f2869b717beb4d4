/*
 * The rules file loaded (--rules FILE): at start-up, and again on SIGHUP.
 * Both run the one loader, so a reload trusts exactly what a start would;
 * a reload swaps the new rules in whole or keeps the old ones whole.
 */
#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "rules.h"

/*
 * FILE read through the safe-path check into *rs, parsed, every rule
 * trusted (config_trust_rule). Every error is logged with its line, after
 * pfx ("reload: ", or NULL at start-up, when a file that cannot be read is
 * left to f alone); then -1, rs empty, and f (64, or 69 for a clause this
 * kernel cannot check).
 */
int
config_load_rules(const struct config *c, struct rules *rs, const char *pfx,
    struct fault *f)
{
	struct fault	 rf;
	char		 why[PATH_MAX + 128], err[RULES_MAX_ERRORS * 320];
	char		*text, *line, *nl;
	const char	*p = pfx != NULL ? pfx : "";
	unsigned int	 bad = 0;
	size_t		 len, i;

	memset(rs, 0, sizeof(*rs));
	f->status = EX_USAGE;
	if (rules_read(c->rules_file, geteuid(), &text, &len, why,
	    sizeof(why)) == -1) {
		snprintf(f->msg, sizeof(f->msg), "%s: %s rules file: %s",
		    c->rules_file, errno == EPERM ? "unsafe" :
		    "cannot read the", why);
		if (pfx != NULL)
			log_line(LOG_ALWAYS, "%s%s", p, f->msg);
		return -1;
	}
	if (rules_parse(text, len, rs, err, sizeof(err)) == -1) {
		for (line = err; line != NULL; line = nl) {
			if ((nl = strchr(line, '\n')) != NULL)
				*nl++ = '\0';
			log_line(LOG_ALWAYS, "%s%s: %s", p, c->rules_file,
			    line);
		}
		bad++;
	}
	free(text);
	for (i = 0; i < rs->n && bad < RULES_MAX_ERRORS; i++)
		if (config_trust_rule(c, &rs->v[i], &rf) == -1) {
			log_line(LOG_ALWAYS, "%s%s: line %u: %s", p,
			    c->rules_file, rs->v[i].line, rf.msg);
			f->status = rf.status;
			bad++;
		}
	if (bad == 0)
		return 0;
	rules_free(rs);
	snprintf(f->msg, sizeof(f->msg), "%s: errors above; no rules loaded",
	    c->rules_file);
	return -1;
}

/*
 * SIGHUP in rules mode: FILE loaded as at start-up into new rules, which
 * replace c->rules only when all is well; on any error the old rules stay
 * in force, untouched. Nothing keeps a pointer into the rules between
 * requests (each is judged, and its command line built and spawned, in
 * one step), so the old ones are freed at once. 0, or -1 when refused.
 */
int
config_reload(struct config *c)
{
	struct rules	 rs;
	struct fault	 f;

	if (config_load_rules(c, &rs, "reload: ", &f) == -1) {
		log_event(LOG_ALWAYS, "reload", "reload: %s: refused; the old "
		    "rules stay in force (%zu actions)", c->rules_file,
		    c->rules.n);
		return -1;
	}
	rules_free(&c->rules);
	c->rules = rs;
	log_event(LOG_NORMAL, "reload", "reloaded %s: %zu actions",
	    c->rules_file, c->rules.n);
	return 0;
}
