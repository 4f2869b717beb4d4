/*
 * Serial actions (a rule's "serial" option): one request at a time for the
 * action, across all connections. A connection's next request is looked
 * at in place (MSG_PEEK) before it is taken: when it asks for a serial
 * action that runs, or that others wait for, the connection takes a
 * ticket and is not read until its ticket is the lowest and the action
 * free. Nothing is taken early, so nothing is lost or held in memory, a
 * connection's own requests stay in order and waiters go in the order
 * they came; the loop and other actions never wait.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <string.h>

#include "log.h"
#include "request.h"
#include "serial.h"

/* Tickets handed out, in arrival order. */
static unsigned long long	 tickets;

/*
 * The action c's next request asks for into buf (size bytes), when there
 * is one to look at: NULL when there is none yet, it ends the stream or
 * its header is not whole enough to name an action (the take says why).
 */
static const char *
next_action(const struct conn *c, char *buf, size_t size)
{
	ssize_t	 n;

	n = recv(c->fd, buf, size - 1, MSG_PEEK | MSG_DONTWAIT);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	/* Without a hello a datagram is the default action's payload. */
	if (!c->counted)
		return RULES_DEFAULT;
	return strlen(buf) < (size_t)n ? buf : NULL;
}

/*
 * Must c's next request wait its turn? 1: c holds a ticket and is not to
 * be read until it is called again and says 0; all holds the n
 * connection slots, rs the rules in force.
 */
int
serial_waits(struct conn *c, const struct conn *all, unsigned int n,
    const struct rules *rs)
{
	const struct rule	*r;
	const struct conn	*o;
	const char		*action;
	char			 buf[REQUEST_MAX_ACTION + 2];
	unsigned int		 i;
	int			 fresh = 0;

	if ((action = next_action(c, buf, sizeof(buf))) == NULL ||
	    (r = rules_find(rs, action)) == NULL || !r->opts.serial) {
		c->wait[0] = '\0';
		return 0;
	}
	if (strcmp(c->wait, r->action) != 0) {
		strlcpy(c->wait, r->action, sizeof(c->wait));
		c->ticket = ++tickets;
		fresh = 1;
	}
	for (i = 0; i < n; i++) {
		o = &all[i];
		if (o == c || o->fd == -1)
			continue;
		if ((o->job.pid != 0 && strcmp(o->running, r->action) == 0) ||
		    (strcmp(o->wait, r->action) == 0 &&
		    o->ticket < c->ticket)) {
			if (fresh) {
				/* About the request not yet taken: the next. */
				c->peer.req = c->requests + 1;
				log_peer(LOG_VERBOSE, "wait", &c->peer,
				    "action=%s\treason=serial", r->action);
				c->peer.req = 0;
			}
			return 1;
		}
	}
	c->wait[0] = '\0';
	return 0;
}

/* c's job started for rule r (NULL: not a rule's): the action it holds. */
void
serial_started(struct conn *c, const struct rule *r)
{
	if (r != NULL && r->opts.serial)
		strlcpy(c->running, r->action, sizeof(c->running));
	else
		c->running[0] = '\0';
}
