/*
 * A connection's requests run (exec mode): each datagram checked, in
 * rules mode judged against the rules (action.c), its command started, its
 * output relayed to the client, its end reported when it is reaped; or,
 * for a list request, the caller's actions told (list.c).
 */
#include <sys/types.h>

#include <errno.h>
#include <string.h>
#include <sysexits.h>

#include "action.h"
#include "clock.h"
#include "config.h"
#include "conn.h"
#include "dgram.h"
#include "job.h"
#include "list.h"
#include "log.h"
#include "outq.h"
#include "proto.h"
#include "spawn.h"

/*
 * A list request: the actions the caller may call, in 'o' replies of whole
 * lines (list.c), then "x0"; at most RULES_MAX lines of a rules file's
 * line each, so about 1 MiB at the very most, queued at once.
 */
static void
list(struct conn *c, const struct rules *rs)
{
	static char	 buf[PROTO_MAX_REPLY - 1];
	size_t		 next = 0, count = 0;
	char		 msg[8];
	int		 n;

	while ((n = list_lines(rs, &c->peer, &next, buf, sizeof(buf),
	    &count)) > 0)
		if (outq_put(&c->q, PROTO_STDOUT, buf, (size_t)n) == -1)
			c->gone = 1;
	if (n == -1) {
		log_peer(LOG_ALWAYS, "error", &c->peer,
		    "reason=list: a line longer than a reply");
		conn_refuse(c, EX_SOFTWARE, "internal error");
		return;
	}
	log_peer(LOG_NORMAL, "list", &c->peer, "actions=%zu", count);
	n = proto_format_status(msg, sizeof(msg), PROTO_EXIT, 0);
	if (outq_put(&c->q, msg[0], msg + 1, (size_t)n - 1) == -1)
		c->gone = 1;
	c->last_status = 0;
}

/*
 * Rules mode: the datagram judged (action.c). 0 and one, a spawner for its
 * rule's command line, the payload in a; -1 when refused or answered here
 * (a list request): queued, logged.
 */
static int
judge(struct conn *c, const struct config *cfg, const struct dgram *d,
    const struct spawner *sp, struct spawner *one, struct action *a)
{
	if (action_judge(&cfg->rules, &c->peer, c->counted, d->data, d->len,
	    a) == -1) {
		/* Not allowed is a denial (authpriv, rate-limited per uid). */
		if (a->status == EX_NOPERM)
			log_peer(LOG_ALWAYS, "deny", &c->peer, "%s", a->log);
		else
			log_peer(LOG_NORMAL, "refused", &c->peer, "%s", a->log);
		conn_refuse(c, a->status, a->reply);
		return -1;
	}
	if (a->list) {
		list(c, &cfg->rules);
		return -1;
	}
	*one = *sp;
	one->path = a->rule->path;
	one->argv = a->argv;
	return 0;
}

/* Exec mode: start COMMAND for the next datagram, if one is waiting. */
void
conn_exec(struct conn *c, struct intake *in, const struct config *cfg,
    const struct spawner *sp, int stopping)
{
	struct dgram		 d;
	struct action		 a;
	struct spawner		 one;
	const struct spawner	*run;
	const char		*data;
	size_t			 len;
	int			 logged;

	while (c->job.pid == 0 && outq_bytes(&c->q) < OUTQ_HIGH) {
		if (dgram_take(in, c->fd, 1, &d, &c->gone) == 0) {
			if (stopping)
				c->eof = 1;
			return;
		}
		c->active_ms = now_ms();
		if (d.kind == DGRAM_END) {
			c->eof = 1;
			return;
		}
		c->requests++;
		if (conn_check(c, &d, cfg))
			continue;
		if (stopping) {
			conn_refuse(c, EX_UNAVAILABLE, "listener stopping");
			c->stop_refused++;
			continue;
		}
		run = sp;
		data = d.data;
		len = d.len;
		if (cfg->rules_file != NULL) {
			if (judge(c, cfg, &d, sp, &one, &a) == -1)
				continue;
			run = &one;
			data = a.rq.payload;
			len = a.rq.len;
		}
		/* Never run unrecorded: no room for its log line, no run. */
		if ((logged = log_request(&c->peer, cfg->rules_file != NULL ?
		    a.rule->action : NULL, len)) == -1) {
			conn_refuse(c, EX_TEMPFAIL, "log queue full");
			continue;
		}
		if (job_start(&c->job, run, c->env, data, len,
		    cfg->timeout) == -1) {
			log_request_failed(logged);
			log_peer(LOG_ALWAYS, "error", &c->peer,
			    "reason=cannot run %s: %s", run->path,
			    strerror(errno));
			conn_refuse(c, EX_SOFTWARE, "cannot run the command");
		}
	}
}

/* The command wrote on fd, one of its pipes: pass it on. */
void
conn_relay(struct conn *c, int fd, char *buf)
{
	struct job_sink	 to = { &c->q, &c->gone };

	job_relay(&c->job, fd, &to, buf, 0);
}

/* The command was reaped with wait status ws. */
void
conn_reaped(struct conn *c, int ws, char *buf)
{
	struct job_sink	 to = { &c->q, &c->gone };

	c->last_status = job_finish(&c->job, ws, &to, buf, &c->peer);
	c->active_ms = now_ms();
}
