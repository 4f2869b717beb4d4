/*
 * Fuzz the action request header parser and the judging of a request
 * against rules: any datagram is refused with a reason or read within its
 * bounds; a header read is exactly what send would build of its fields,
 * the payload after it; a request the rules allow becomes the rule's
 * command line with the caller's arguments, unchanged, in its slots, and
 * one they refuse gets 65 or 77 with a reason; a list request (only
 * "?list", no arguments, no payload, after a hello) lists whole lines.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/action.h"
#include "../../src/list.h"
#include "../../src/proto.h"
#include "../../src/request.h"
#include "../../src/rules.h"

static const char rules_text[] =
    "permit a user 0 /bin/echo fixed {[a-z]+} -{-?[0-9]{1,3}}\n"
    "permit b user 0 cgroup /x.slice /bin/true\n"
    "permit c user 1 /bin/true {.*}\n"
    "permit default user 0 /bin/cat\n";

static struct rules	 rs;

/* The rules the judge runs against, parsed once. */
static void
load(void)
{
	char	 err[512];

	if (rs.n == 0 && rules_parse(rules_text, sizeof(rules_text) - 1, &rs,
	    err, sizeof(err)) == -1)
		abort();
}

/* A list request, and its lines: whole, uid 0's two (a, default). */
static void
listed(const struct action *a, const struct peer *p, int header)
{
	char	 buf[256];
	size_t	 next = 0, count = 0;
	int	 n;

	if (!header || a->rule != NULL || a->rq.nargs != 0 || a->rq.len != 0 ||
	    strcmp(a->rq.action, PROTO_LIST_ACTION) != 0)
		abort();
	while ((n = list_lines(&rs, p, &next, buf, sizeof(buf), &count)) > 0)
		if (buf[n - 1] != '\n')
			abort();
	if (n != 0 || count != 2)
		abort();
}

/* Judge d as a rules listener would, for a caller with uid 0. */
static void
judge(const char *d, size_t size, int header)
{
	struct action	 a;
	struct peer	 p;
	size_t		 i, k = 0;

	load();
	memset(&p, 0, sizeof(p));
	p.groups = p.inline_groups;
	if (action_judge(&rs, &p, header, d, size, &a) == -1) {
		if ((a.status != 65 && a.status != 77) || a.reply[0] == '\0' ||
		    a.log[0] == '\0' || a.rule != NULL)
			abort();
		return;
	}
	if (a.list) {
		listed(&a, &p, header);
		return;
	}
	if (a.rule == NULL || a.argv[0] != a.rule->path ||
	    a.rq.nargs != a.rule->nslots)
		abort();
	for (i = 0; i < a.rule->nargs; i++)
		if (a.rule->args[i].slot ? a.argv[i + 1] != a.rq.args[k++] :
		    strcmp(a.argv[i + 1], a.rule->args[i].text) != 0)
			abort();
	if (a.argv[a.rule->nargs + 1] != NULL)
		abort();
	if (!header && (strcmp(a.rule->action, "default") != 0 ||
	    a.rq.payload != d || a.rq.len != size))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct request	 rq;
	const char	*why = NULL, *d = (const char *)data;
	char		*buf;
	size_t		 n, i;

	judge(d, size, 0);
	judge(d, size, 1);
	if (request_parse(d, size, &rq, &why) == -1) {
		if (why == NULL || *why == '\0')
			abort();
		return 0;
	}
	if (rq.action[0] == '\0' || strlen(rq.action) > REQUEST_MAX_ACTION ||
	    rq.nargs > REQUEST_MAX_ARGS || rq.payload < d ||
	    rq.payload + rq.len != d + size)
		abort();
	for (i = 0; i < rq.nargs; i++)
		if (rq.args[i][0] == '\0' ||
		    strlen(rq.args[i]) > REQUEST_MAX_ARG)
			abort();
	n = request_header_size(rq.action, (char *const *)rq.args, rq.nargs);
	if (n + rq.len != size || (buf = malloc(n)) == NULL)
		abort();
	if (request_header_put(buf, n, rq.action, (char *const *)rq.args,
	    rq.nargs) != n || memcmp(buf, d, n) != 0)
		abort();
	free(buf);
	return 0;
}
