/*
 * A request to a rules listener, judged one by one against the rules in
 * force when it is taken: its header parsed (or, from a client that said
 * no hello, the action "default" with the datagram as payload), its rule
 * found and the caller permitted by it, its arguments matched slot by
 * slot; then the command line, the rule's words with the caller's
 * arguments in their slots, byte for byte.
 *
 * An unknown action and one this caller may not call get the same reply,
 * so a caller learns nothing of the rules it is not named in; the log
 * tells them apart.
 */
#include <sys/types.h>

#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "action.h"
#include "log.h"
#include "proto.h"

static int
refuse(struct action *a, int status, const char *reply, const char *log)
{
	a->status = status;
	snprintf(a->reply, sizeof(a->reply), "%s", reply);
	snprintf(a->log, sizeof(a->log), "%s", log);
	return -1;
}

/*
 * Judge datagram data (len bytes) from peer p; header: the client said
 * hello, so the datagram begins with a request header. 0 and a->argv, the
 * payload in a->rq, or a->list for a list request (no rule, no argv); or
 * -1 with a->status, a->reply and a->log.
 */
int
action_judge(const struct rules *rs, const struct peer *p, int header,
    const char *data, size_t len, struct action *a)
{
	const struct rule	*r;
	const char		*why;
	char			 name[REQUEST_MAX_ACTION * 4 + 8];
	char			 reply[ACTION_WHY_SIZE], log[ACTION_WHY_SIZE];
	size_t			 i, k = 0, bad;

	memset(a, 0, sizeof(*a));
	if (!header) {
		a->rq.action = RULES_DEFAULT;
		a->rq.payload = data;
		a->rq.len = len;
	} else if (request_parse(data, len, &a->rq, &why) == -1) {
		snprintf(reply, sizeof(reply), "bad request: %s", why);
		snprintf(log, sizeof(log), "reason=bad request: %s", why);
		return refuse(a, EX_DATAERR, reply, log);
	}
	/* The list request (send --list): answered by the caller, list.c. */
	if (header && strcmp(a->rq.action, PROTO_LIST_ACTION) == 0) {
		if (a->rq.nargs > 0 || a->rq.len > 0)
			return refuse(a, EX_DATAERR, "bad request: "
			    PROTO_LIST_ACTION " takes no arguments and no "
			    "payload", "reason=bad request: " PROTO_LIST_ACTION
			    " with arguments or a payload");
		a->list = 1;
		return 0;
	}
	log_escape(a->rq.action, name, sizeof(name));
	snprintf(reply, sizeof(reply), "not allowed: %s", a->rq.action);
	if ((r = rules_find(rs, a->rq.action)) == NULL) {
		snprintf(log, sizeof(log), "action=%s\treason=no such action",
		    name);
		return refuse(a, EX_NOPERM, reply, log);
	}
	if ((why = rules_permits(r, p)) != NULL) {
		snprintf(log, sizeof(log), "action=%s\treason=not permitted"
		    "\tfailed=%s", name, why);
		return refuse(a, EX_NOPERM, reply, log);
	}
	/* Only now: a caller not permitted learns nothing of the rule. */
	if (r->opts.max_size > 0 && len > r->opts.max_size) {
		snprintf(reply, sizeof(reply), "too large (%zu bytes, "
		    "max-size %zu of %s)", len, r->opts.max_size, name);
		snprintf(log, sizeof(log), "action=%s\treason=too large (%zu "
		    "bytes, max-size %zu)", name, len, r->opts.max_size);
		return refuse(a, EX_DATAERR, reply, log);
	}
	if (rules_match(r, (char *const *)a->rq.args, a->rq.nargs,
	    &bad) == -1) {
		if (bad == 0) {
			snprintf(reply, sizeof(reply), "%s takes %zu "
			    "argument%s, not %zu", name, r->nslots,
			    r->nslots == 1 ? "" : "s", a->rq.nargs);
			snprintf(log, sizeof(log), "action=%s\treason=%zu "
			    "arguments for %zu slots", name, a->rq.nargs,
			    r->nslots);
		} else {
			snprintf(reply, sizeof(reply), "argument %zu refused "
			    "by its slot", bad);
			snprintf(log, sizeof(log), "action=%s\treason=argument "
			    "%zu refused by its slot", name, bad);
		}
		return refuse(a, EX_DATAERR, reply, log);
	}
	a->rule = r;
	a->argv[0] = r->path;
	for (i = 0; i < r->nargs; i++)
		a->argv[i + 1] = r->args[i].slot ? (char *)a->rq.args[k++] :
		    r->args[i].text;
	a->argv[r->nargs + 1] = NULL;
	return 0;
}
