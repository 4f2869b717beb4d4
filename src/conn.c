/*
 * A connection's life: opened for an allowed peer (a denied one is told
 * and closed), its hello, its requests printed (run: conn_exec.c) in
 * order, the replies flushed back, closed when done or idle too long.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "action.h"
#include "admit.h"
#include "clock.h"
#include "config.h"
#include "conn.h"
#include "connid.h"
#include "dgram.h"
#include "job.h"
#include "log.h"
#include "outq.h"
#include "peer.h"
#include "proto.h"
#include "record.h"
#include "spawn.h"

/* Datagrams taken from one connection per round, so others get their turn... */
#define BATCH		64
/* ...and bytes: one intake buffer (at least a datagram), not 64 x 4 MiB. */
#define TURN_BYTES	DGRAM_SLOTS_BYTES

/* Queue one encoded reply; n -1 (it did not fit) queues nothing. */
static void
reply(struct conn *c, const char *msg, int n)
{
	if (n > 0 && outq_put(&c->q, msg[0], msg + 1, (size_t)n - 1) == -1)
		c->gone = 1;
}

/* Queue the acknowledgements counted so far as one 'A' reply. */
static void
put_acks(struct conn *c)
{
	char	 msg[16];

	if (c->acks == 0)
		return;
	reply(c, msg, proto_acks(msg, sizeof(msg), c->acks));
	c->acks = 0;
}

/* Queue a refusal "r<status> <reason>" for the client. */
void
conn_refuse(struct conn *c, int status, const char *reason)
{
	char	 msg[ACTION_WHY_SIZE + 8];

	/* Replies keep request order. */
	put_acks(c);
	reply(c, msg, proto_refusal(msg, sizeof(msg), status, reason));
	c->last_status = status;
}

/*
 * Check the peer on fd, just accepted, once: 1 when allowed and c holds
 * the connection; 0 when denied, busy (its uid holds its share of all,
 * the max_conns connections) or unreadable (fd is closed).
 */
int
conn_open(struct conn *c, int fd, const struct config *cfg,
    const struct spawner *sp, const struct conn *all)
{
	char	 who[LOG_WHO_SIZE];

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	job_init(&c->job);
	if (!admit(fd, cfg, all, &c->peer))
		return 0;
	c->fd = fd;
	c->active_ms = now_ms();
	/* Exec mode, rules mode too: the command's environment. */
	if (CONFIG_EXEC(cfg) && (c->env = spawn_env(sp, &c->peer)) == NULL) {
		log_peer(LOG_ALWAYS, "error", &c->peer,
		    "reason=environment: %s", strerror(errno));
		conn_refuse(c, EX_SOFTWARE, "internal error");
		c->eof = 1;
	}
	log_peer(LOG_NORMAL, "allow", &c->peer, "%s",
	    log_who(&c->peer, who, sizeof(who)));
	return 1;
}

/* Stopping: the client can send no more, and what it sent is refused. */
void
conn_stop(struct conn *c)
{
	(void)shutdown(c->fd, SHUT_RD);
}

void
conn_close(struct conn *c, const char *why)
{
	if (c->stop_refused > 0)
		log_peer(LOG_NORMAL, "refused", &c->peer,
		    "reason=listener stopping\tcount=%lu", c->stop_refused);
	log_peer(LOG_VERBOSE, "close", &c->peer, "requests=%llu\treason=%s",
	    c->requests, why);
	close(c->fd);
	c->fd = -1;
	peer_free(&c->peer);
	outq_free(&c->q);
	free(c->env);
	c->env = NULL;
}

/*
 * Refuse what cannot be a request, or what another process sent, or
 * answer the hello; 1 when taken care of.
 */
int
conn_check(struct conn *c, const struct dgram *d, const struct config *cfg)
{
	const char	*handed;
	char		 why[96], msg[8], id[CONNID_SIZE + 1];

	if (PEER_CRED_CHECK && (handed = admit_sender(&c->peer, d)) != NULL) {
		conn_refuse(c, EX_NOPERM, handed);
		return 1;
	}
	switch (d->kind) {
	case DGRAM_RIGHTS:
		log_peer(LOG_NORMAL, "refused", &c->peer,
		    "reason=passed file descriptors");
		conn_refuse(c, EX_DATAERR, "file descriptors are not accepted");
		return 1;
	case DGRAM_EMPTY:
		if (c->requests != 1) {
			log_peer(LOG_NORMAL, "refused", &c->peer,
			    "reason=empty request");
			conn_refuse(c, EX_DATAERR, "empty request");
			return 1;
		}
		/*
		 * An empty first datagram is the hello, not a request: the
		 * client can take acknowledgements as counts.
		 */
		c->requests = 0;
		c->peer.req = 0;
		c->counted = 1;
		reply(c, msg, proto_hello(msg, sizeof(msg),
		    cfg->rules_file != NULL));
		/* What was granted, as the reply says it: after its 'h'. */
		log_peer(LOG_VERBOSE, "hello", &c->peer, "granted=%s", msg + 1);
		/* Then, once, the id the client may quote. */
		reply(c, id, proto_conn_id(id, sizeof(id), c->peer.conn_id));
		return 1;
	default:
		break;
	}
	if (d->len > cfg->max_size) {
		snprintf(why, sizeof(why), "too large (%zu bytes, --max-size "
		    "%zu)", d->len, cfg->max_size);
		log_peer(LOG_NORMAL, "refused", &c->peer, "reason=%s", why);
		conn_refuse(c, EX_DATAERR, why);
		return 1;
	}
	return 0;
}

/* A turn of print mode (conn_print), each request's lines naming it. */
static int
print_turn(struct conn *c, struct intake *in, const struct config *cfg,
    int stopping)
{
	struct dgram	 d[DGRAM_SLOTS];
	char		 msg[8];
	size_t		 bytes = 0;
	int		 i, j, k, written = 0;

	for (i = 0; i < BATCH && bytes < TURN_BYTES &&
	    outq_bytes(&c->q) < OUTQ_HIGH; i += k) {
		if ((k = dgram_take(in, c->fd, BATCH - i, d, &c->gone)) == 0) {
			if (stopping)
				c->eof = 1;
			return written;
		}
		c->active_ms = now_ms();
		for (j = 0; j < k; j++) {
			if (d[j].kind == DGRAM_END) {
				c->eof = 1;
				return written;
			}
			c->requests++;
			c->peer.req = c->requests;
			bytes += d[j].len;
			if (conn_check(c, &d[j], cfg))
				continue;
			if (stopping) {
				conn_refuse(c, EX_UNAVAILABLE, "listener stopping");
				c->stop_refused++;
				continue;
			}
			if (record_write(stdout, cfg->format, &c->peer,
			    d[j].data, d[j].len) == -1)
				return -1;
			written++;
			log_peer(LOG_VERBOSE, "record", &c->peer, "size=%zu",
			    d[j].len);
			if (!c->counted)
				reply(c, msg, proto_ack(msg, sizeof(msg)));
			else if (++c->acks == PROTO_MAX_ACKS)
				put_acks(c);
			c->last_status = 0;
		}
	}
	return written;
}

/*
 * Print mode: write records for what is waiting, acknowledged once flushed
 * (conn_flush). Returns how many were written, -1 with errno when stdout
 * failed.
 */
int
conn_print(struct conn *c, struct intake *in, const struct config *cfg,
    int stopping)
{
	int	 n;

	n = print_turn(c, in, cfg, stopping);
	/* Lines from now on are about the connection. */
	c->peer.req = 0;
	return n;
}

/*
 * The command's timers, and the idle timeout: a connection silent for
 * --idle-timeout is ended. The next deadline, or -1.
 */
long long
conn_timers(struct conn *c, const struct config *cfg, long long now)
{
	long long	 next, t = c->active_ms +
	    (long long)cfg->idle_timeout * 1000;

	if (c->job.pid != 0) {
		next = job_timers(&c->job, now);
		/*
		 * A client that takes none of its output for that long is
		 * treated as gone: the command runs on.
		 */
		if (cfg->idle_timeout == 0 || c->gone ||
		    outq_bytes(&c->q) == 0)
			return next;
		if (now < t)
			return next == -1 || t < next ? t : next;
		log_peer(LOG_NORMAL, "idle", &c->peer,
		    "reason=reads no replies for %us", cfg->idle_timeout);
		c->gone = 1;
		outq_clear(&c->q);
		return next;
	}
	/* Waiting its turn is the listener's doing, not silence. */
	if (cfg->idle_timeout == 0 || c->wait[0] != '\0')
		return -1;
	if (now < t)
		return t;
	log_peer(LOG_NORMAL, "idle", &c->peer, "reason=silent for %us",
	    cfg->idle_timeout);
	c->gone = c->eof = 1;
	return -1;
}

/* What to poll the connection's socket for; 0: leave it out. */
short
conn_events(const struct conn *c)
{
	short	 ev = 0;

	/* Waiting its turn at a serial action: not read until called. */
	if (!c->eof && c->job.pid == 0 && c->wait[0] == '\0' &&
	    outq_bytes(&c->q) < OUTQ_HIGH)
		ev |= POLLIN;
	if (outq_bytes(&c->q) > 0 && !c->gone)
		ev |= POLLOUT;
	return ev;
}

/* Is there room to relay the command's output? */
int
conn_reads_job(const struct conn *c)
{
	return outq_bytes(&c->q) < OUTQ_HIGH || c->gone;
}

/* Read now? While stopping, what is left is read (and refused) to its end. */
int
conn_wants_read(const struct conn *c, const struct pollfd *p, int stopping)
{
	if (c->eof || c->job.pid != 0)
		return 0;
	if (stopping)
		return 1;
	return (p->events & POLLIN) &&
	    (p->revents & (POLLIN | POLLHUP | POLLERR));
}

/* Send what is queued; in print mode only once the records are on stdout. */
void
conn_flush(struct conn *c)
{
	size_t	 before;
	int	 r;

	put_acks(c);
	if (outq_bytes(&c->q) == 0)
		return;
	if (c->gone) {
		outq_clear(&c->q);
		return;
	}
	before = outq_bytes(&c->q);
	r = outq_send(&c->q, c->fd);
	/* Any progress shows a live client, not only a drained queue. */
	if (outq_bytes(&c->q) < before)
		c->active_ms = now_ms();
	if (r != 0 && r != 1) {
		/* The client went away: its requests still run. */
		c->gone = 1;
		outq_clear(&c->q);
	}
}

/* Why to close the connection now, or NULL while it has work left. */
const char *
conn_done(const struct conn *c)
{
	if (c->fd == -1 || c->job.pid != 0)
		return NULL;
	if (c->gone && c->eof)
		return "gone";
	if (c->eof && outq_bytes(&c->q) == 0)
		return "end of stream";
	return NULL;
}
