/*
 * A connection's requests run (exec mode): each datagram checked (in
 * rules mode, a serial action's in its turn: serial.c) and judged against
 * the rules (action.c), its command started, its
 * output relayed to the client, its end reported when it is reaped; or,
 * for a list request, the caller's actions told (list.c).
 */
#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
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
#include "serial.h"
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
	if (a->rule->opts.run_as != NULL)
		one->runas = &a->rule->opts.runas;
	return 0;
}

/*
 * The request's command's environment in env (size slots): the
 * connection's, the request's id, then for a rule (r, or NULL) its setenv
 * and keepenv variables (names no other takes). NULL when it does not fit.
 */
static char *const *
request_env(struct conn *c, const struct rule *r, char **env, size_t size)
{
	char	 id[CONNID_REQ_SIZE];
	size_t	 i, k = 0;

	for (i = 0; c->env != NULL && c->env[i] != NULL; i++) {
		if (k + 1 >= size)
			return NULL;
		env[k++] = c->env[i];
	}
	if (k + 1 >= size)
		return NULL;
	snprintf(c->req_env, sizeof(c->req_env), "PEERRELAY_REQUEST_ID=%s",
	    connid_request(id, c->peer.conn_id, c->peer.req));
	env[k++] = c->req_env;
	for (i = 0; r != NULL && i < r->opts.nenv; i++) {
		if (r->opts.env[i].entry == NULL)
			continue;
		if (k + 1 >= size)
			return NULL;
		env[k++] = r->opts.env[i].entry;
	}
	env[k] = NULL;
	return env;
}

/* Exec mode: start COMMAND for the next datagram, if one is waiting. */
void
conn_exec(struct conn *c, struct intake *in, const struct config *cfg,
    const struct spawner *sp, const struct conn *all, int stopping)
{
	struct dgram		 d;
	struct action		 a;
	struct spawner		 one;
	const struct spawner	*run;
	const struct rule	*rule;
	/* The connection's (--keep-env's among them), the id, a rule's. */
	char			*envbuf[CONFIG_MAX_KEEP_ENV + RULES_MAX_ENV +
				    32];
	char *const		*env;
	const char		*data;
	size_t			 len;
	unsigned int		 timeout;
	int			 logged;

	/*
	 * Stopping: a request waiting its turn is taken, to be refused; with
	 * no serial action left (a reload), it is taken at once.
	 */
	if (stopping || !cfg->rules.serial)
		c->wait[0] = '\0';
	while (c->job.pid == 0 && outq_bytes(&c->q) < OUTQ_HIGH) {
		/* No request yet: lines are about the connection. */
		c->peer.req = 0;
		/* A serial action's request is taken in its turn. */
		if (cfg->rules.serial && !stopping &&
		    serial_waits(c, all, cfg->max_conns, &cfg->rules))
			return;
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
		/* Its lines name it, refusals too: its ordinal, as send's. */
		c->peer.req = c->requests;
		if (conn_check(c, &d, cfg))
			continue;
		if (stopping) {
			conn_refuse(c, EX_UNAVAILABLE, "listener stopping");
			c->stop_refused++;
			continue;
		}
		run = sp;
		rule = NULL;
		data = d.data;
		len = d.len;
		timeout = cfg->timeout;
		if (cfg->rules_file != NULL) {
			if (judge(c, cfg, &d, sp, &one, &a) == -1)
				continue;
			rule = a.rule;
			run = &one;
			data = a.rq.payload;
			len = a.rq.len;
			if (rule->opts.has_timeout)
				timeout = rule->opts.timeout;
		}
		if ((env = request_env(c, rule, envbuf,
		    sizeof(envbuf) / sizeof(envbuf[0]))) == NULL) {
			log_peer(LOG_ALWAYS, "error", &c->peer,
			    "reason=%s: environment too large", rule != NULL ?
			    rule->action : run->path);
			conn_refuse(c, EX_SOFTWARE, "internal error");
			continue;
		}
		/* Never run unrecorded: no room for its log line, no run. */
		if ((logged = log_request(&c->peer, rule != NULL ?
		    rule->action : NULL, len)) == -1) {
			conn_refuse(c, EX_TEMPFAIL, "log queue full");
			continue;
		}
		serial_started(c, rule);
		if (job_start(&c->job, run, env, data, len, timeout) == -1) {
			log_request_failed(logged);
			log_peer(LOG_ALWAYS, "error", &c->peer,
			    "reason=cannot run %s: %s", run->path,
			    strerror(errno));
			conn_refuse(c, EX_SOFTWARE, "cannot run the command");
		}
	}
	/* A command runs: its request's lines (run, idle) still name it. */
	if (c->job.pid == 0)
		c->peer.req = 0;
}

/* The command wrote on fd, one of its pipes: pass it on. */
void
conn_relay(struct conn *c, int fd, char *buf)
{
	struct job_sink	 to = { &c->q, &c->gone };

	job_relay(&c->job, fd, &to, buf, 0);
}

/* The command's supervisor was reaped with wait status ws and usage ru. */
void
conn_reaped(struct conn *c, int ws, const struct rusage *ru, char *buf)
{
	struct job_sink	 to = { &c->q, &c->gone };

	c->last_status = job_finish(&c->job, ws, ru, &to, buf, &c->peer);
	c->peer.req = 0;
	c->active_ms = now_ms();
}
