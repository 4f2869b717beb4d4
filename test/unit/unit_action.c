/*
 * Rules mode's judge: who a rule permits (users and groups allow, unit
 * and cgroup clauses narrow), who a listener admits, and each request
 * judged: refusals alike for unknown and forbidden actions, then the
 * arguments; an allowed request's command line.
 */
#include <string.h>
#include <sysexits.h>

#include "../../src/action.h"
#include "../../src/rules.h"
#include "unit.h"

static const char text[] =
    "permit a user 33 /bin/echo fixed {[a-z]+} -{-[0-9]}\n"
    "permit g group 4 /bin/true\n"
    "permit u user 33 unit php.service /bin/true\n"
    "permit c user 33 cgroup /app.slice /bin/true\n"
    "permit uc user 33 unit x.service cgroup /app.slice /bin/true\n"
    "permit default user 0 /bin/cat\n";

/* A peer with uid (and that gid), a supplementary group, its cgroup. */
static void
peer(struct peer *p, uid_t uid, gid_t group, char *cgroup, char *unit)
{
	memset(p, 0, sizeof(*p));
	p->uid = uid;
	p->gid = uid;
	p->groups = p->inline_groups;
	if (group != 0) {
		p->inline_groups[0] = group;
		p->ngroups = 1;
	}
	p->cgroup = cgroup;
	p->unit = unit;
}

/* Judge the header hdr (hlen bytes, NULs inside) for p. */
static int
judged(const struct rules *rs, const struct peer *p, const char *hdr,
    size_t hlen, struct action *a)
{
	return action_judge(rs, p, 1, hdr, hlen, a);
}

#define HDR(s)	(s), sizeof(s) - 1

int
main(void)
{
	struct rules	 rs;
	struct action	 a;
	struct peer	 www, adm, php, app, root;
	char		 err[1024];
	char		 cg_php[] = "/system.slice/php.service", u_php[] =
	    "php.service", cg_app[] = "/app.slice/x.service", u_app[] =
	    "x.service";

	CHECK(rules_parse(text, sizeof(text) - 1, &rs, err, sizeof(err)) == 0,
	    "the rules parse (%s)", err);
	peer(&www, 33, 0, NULL, NULL);
	peer(&adm, 65534, 4, NULL, NULL);
	peer(&php, 33, 0, cg_php, u_php);
	peer(&app, 33, 0, cg_app, u_app);
	peer(&root, 0, 0, NULL, NULL);

	CHECK(rules_permits(rules_find(&rs, "a"), &www) == NULL &&
	    strcmp(rules_permits(rules_find(&rs, "a"), &adm), "users") == 0,
	    "a user clause permits that uid only");
	CHECK(rules_permits(rules_find(&rs, "g"), &adm) == NULL &&
	    strcmp(rules_permits(rules_find(&rs, "g"), &www), "users") == 0,
	    "a group clause permits a supplementary member");
	CHECK(strcmp(rules_permits(rules_find(&rs, "u"), &www), "unit") == 0 &&
	    rules_permits(rules_find(&rs, "u"), &php) == NULL &&
	    strcmp(rules_permits(rules_find(&rs, "u"), &app), "unit") == 0,
	    "a unit clause narrows: unknown cgroup or other unit refused");
	CHECK(rules_permits(rules_find(&rs, "c"), &app) == NULL &&
	    strcmp(rules_permits(rules_find(&rs, "c"), &php), "cgroup") == 0,
	    "a cgroup clause: the path and below, by whole components");
	CHECK(rules_permits(rules_find(&rs, "uc"), &app) == NULL &&
	    strcmp(rules_permits(rules_find(&rs, "uc"), &php), "unit") == 0,
	    "unit and cgroup clauses together: both must hold");
	CHECK(rules_admits(&rs, &www) == NULL && rules_admits(&rs, &adm) ==
	    NULL && rules_admits(&rs, &root) == NULL,
	    "a caller some rule permits is admitted");
	adm.ngroups = 0;
	CHECK(strcmp(rules_admits(&rs, &adm), "users") == 0,
	    "a caller no rule names is not");

	CHECK(judged(&rs, &www, HDR("a\0abc\0-1\0\0payload"), &a) == 0 &&
	    strcmp(a.argv[0], "/bin/echo") == 0 &&
	    strcmp(a.argv[1], "fixed") == 0 && strcmp(a.argv[2], "abc") == 0 &&
	    strcmp(a.argv[3], "-1") == 0 && a.argv[4] == NULL &&
	    a.rq.len == 7 && memcmp(a.rq.payload, "payload", 7) == 0,
	    "allowed: the rule's words, the arguments in their slots, the "
	    "payload after the header");
	CHECK(judged(&rs, &www, HDR("zz\0\0"), &a) == -1 &&
	    a.status == EX_NOPERM &&
	    strcmp(a.reply, "not allowed: zz") == 0 &&
	    strstr(a.log, "reason=no such action") != NULL,
	    "an unknown action: r77 not allowed");
	CHECK(judged(&rs, &www, HDR("g\0\0"), &a) == -1 &&
	    a.status == EX_NOPERM && strcmp(a.reply, "not allowed: g") == 0 &&
	    strstr(a.log, "reason=not permitted\tfailed=users") != NULL,
	    "a forbidden action: the same reply, the log tells them apart");
	CHECK(judged(&rs, &adm, HDR("a\0abc\0\0"), &a) == -1 &&
	    a.status == EX_NOPERM,
	    "callers are judged before their arguments are");
	CHECK(judged(&rs, &www, HDR("a\0abc\0\0"), &a) == -1 &&
	    a.status == EX_DATAERR &&
	    strcmp(a.reply, "a takes 2 arguments, not 1") == 0,
	    "a wrong count: r65 naming both");
	CHECK(judged(&rs, &www, HDR("a\0-abc\0-1\0\0"), &a) == -1 &&
	    strcmp(a.reply, "argument 1 refused by its slot") == 0 &&
	    judged(&rs, &www, HDR("a\0abc\0-12\0\0"), &a) == -1 &&
	    strcmp(a.reply, "argument 2 refused by its slot") == 0,
	    "a dash where its slot takes none, a value its pattern refuses");
	CHECK(judged(&rs, &www, HDR("a\0abc\0-1"), &a) == -1 &&
	    a.status == EX_DATAERR && strncmp(a.reply, "bad request: ", 13) == 0,
	    "a header with no end: r65 bad request");
	CHECK(judged(&rs, &www, HDR("z\tz\n\0\0"), &a) == -1 &&
	    strstr(a.log, "action=z\\tz\\n\t") != NULL,
	    "an odd action name is escaped in the log");
	CHECK(action_judge(&rs, &root, 0, HDR("plain\0data"), &a) == 0 &&
	    strcmp(a.rule->action, "default") == 0 && a.rq.len == 10 &&
	    a.argv[1] == NULL,
	    "no hello: the default rule, the whole datagram its payload");
	CHECK(action_judge(&rs, &www, 0, HDR("plain"), &a) == -1 &&
	    strcmp(a.reply, "not allowed: default") == 0,
	    "no hello, not permitted the default rule: not allowed");
	CHECK(judged(&rs, &www, HDR("?list\0\0"), &a) == 0 && a.list &&
	    a.rule == NULL && a.argv[0] == NULL,
	    "?list, no arguments, no payload: a list request, no rule");
	CHECK(judged(&rs, &www, HDR("?list\0a\0\0"), &a) == -1 &&
	    a.status == EX_DATAERR && !a.list &&
	    strcmp(a.reply, "bad request: ?list takes no arguments and no "
	    "payload") == 0 && judged(&rs, &www, HDR("?list\0\0x"), &a) ==
	    -1 && a.status == EX_DATAERR,
	    "?list with an argument or a payload: r65 bad request");
	CHECK(action_judge(&rs, &root, 0, HDR("?list\0\0"), &a) == 0 &&
	    !a.list && strcmp(a.rule->action, "default") == 0,
	    "no hello: ?list is a plain request's payload, for default");
	rules_free(&rs);
	return UNIT_DONE();
}
