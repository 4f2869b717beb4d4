/*
 * send's hello (an empty first datagram, protocol v1): whether a
 * connection says it, and what its answer grants: counted
 * acknowledgements, action requests (R), without which an ACTION goes
 * nowhere and nothing is sent, and list requests (L), without which
 * --list sends nothing; then the connection's id ('i'), for messages.
 */
#include <string.h>
#include <sysexits.h>

#include "client.h"
#include "log.h"

/*
 * Say hello now: for an ACTION, before anything else (the listener must
 * grant R before any request goes); for records awaiting replies, a whole
 * input's one too, before the first (they may then be acknowledged in
 * counts, and the answer's connection id names them in messages). Never
 * with --no-wait and no ACTION: each record reaches any listener as a
 * plain request, served by a rules listener's action "default".
 */
int
hello_wanted(const struct client *c)
{
	if (c->said_hello)
		return 0;
	return c->action != NULL || !c->no_wait;
}

/* The hello went: its answer is awaited before any record goes. */
void
hello_said(struct client *c)
{
	c->said_hello = c->hello = 1;
}

/*
 * The ACTION (or the list) cannot be asked for: the run ends, nothing
 * sent. what: "take" or "list".
 */
static void
not_taken(struct client *c, const char *what)
{
	c->no_actions = 1;
	log_line(LOG_ALWAYS, "%s: listener does not %s actions",
	    c->addr != NULL ? c->addr->text : "?", what);
}

/* Sending waited for the answer; now it waits for input, if for anything. */
static void
answered(struct client *c)
{
	c->hello = 0;
	c->blocked_ms = 0;
}

/*
 * The answer ('h'): what it grants. Granted R, records without an ACTION
 * go as the action "default"; an ACTION not granted ends the run (69), and
 * so does --list where R is granted but not L (a rules listener from
 * before list requests). An 'h' that answers no hello of ours is ignored.
 */
void
hello_answer(struct client *c, const struct reply *r)
{
	if (!c->hello)
		return;
	answered(c);
	c->granted_actions = memchr(r->data, PROTO_GRANT_ACTIONS, r->len) !=
	    NULL;
	if (c->action != NULL && !c->granted_actions)
		not_taken(c, "take");
	else if (c->list && memchr(r->data, PROTO_GRANT_LIST, r->len) == NULL)
		not_taken(c, "list");
	else if (c->action == NULL && c->granted_actions) {
		(void)header_set(c, NULL, NULL, 0);
		header_limit(c);
	}
}

/*
 * The 'i' reply: the connection's id, which messages about its requests
 * name. Only once, and only after the hello's answer; -1 otherwise (the
 * listener broke the protocol).
 */
int
hello_conn_id(struct client *c, const struct reply *r)
{
	if (!c->said_hello || c->hello || c->conn_id[0] != '\0' ||
	    r->len >= sizeof(c->conn_id))
		return -1;
	memcpy(c->conn_id, r->data, r->len);
	c->conn_id[r->len] = '\0';
	return 0;
}

/*
 * A listener that knows no hello refuses it as an empty request (r65):
 * that is its answer, granting nothing. 1 when r was that answer.
 */
int
hello_refused(struct client *c, const struct reply *r)
{
	if (!c->hello || r->type != PROTO_REFUSED || r->status != EX_DATAERR)
		return 0;
	answered(c);
	if (c->action != NULL)
		not_taken(c, "take");
	return 1;
}

/* A new connection: nothing said, nothing granted. */
void
hello_reset(struct client *c)
{
	c->said_hello = c->hello = c->granted_actions = c->no_actions = 0;
	c->conn_id[0] = '\0';
	if (c->action == NULL && c->hdr != NULL) {
		header_free(c);
		header_limit(c);
	}
}
