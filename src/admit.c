/*
 * Admission of a connection just accepted: the peer's credentials read
 * once, its id drawn, the policy (a denied peer is told r77), its process
 * examined (ids, cgroup) and the cgroup conditions (else r77), the per-uid
 * slots (past --max-conns-per-uid, told r75 busy so that send retries), so
 * that one user's connections, however many and however silent, leave
 * room for the rest. A peer turned away is closed unserved. For one admitted,
 * the ids its process holds, which each datagram's sender must have
 * (admit_sender: else the connection was handed on).
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "admit.h"
#include "config.h"
#include "conn.h"
#include "connid.h"
#include "log.h"
#include "peer.h"
#include "policy.h"
#include "proto.h"

/* The open connections among the n in all whose peer is uid. */
static unsigned int
held_by(const struct conn *all, unsigned int n, uid_t uid)
{
	unsigned int	 i, held = 0;

	for (i = 0; i < n; i++)
		if (all[i].fd != -1 && all[i].peer.uid == uid)
			held++;
	return held;
}

/* Send the refusal msg (n bytes, -1: none), take nothing more, and close. */
static void
turn_away(int fd, const char *msg, int n)
{
	char	 junk[1];
	int	 i;

	if (n > 0)
		(void)send(fd, msg, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
	/*
	 * Closing with unread datagrams makes the peer's next read fail with
	 * ECONNRESET before it sees the refusal: discard what is queued.
	 */
	for (i = 0; i < 1024; i++)
		if (recv(fd, junk, sizeof(junk), MSG_DONTWAIT | MSG_TRUNC) <= 0)
			break;
	close(fd);
}

/*
 * Read the peer on fd into p and decide: 1 when it may be served; 0 when
 * it was turned away or its credentials were unreadable (fd is closed,
 * p freed). all holds the cfg->max_conns connection slots.
 */
int
admit(int fd, const struct config *cfg, const struct conn *all,
    struct peer *p)
{
	char		 msg[128], who[LOG_WHO_SIZE];
	const char	*unmet, *why;
	unsigned int	 held;

	/*
	 * Inherited from the listening socket; set again for one that was
	 * waiting before the listener set it (socket activation).
	 */
	(void)setsockopt(fd, SOL_SOCKET, SO_PASSCRED,
	    &(int){ PEER_CRED_CHECK }, sizeof(int));
	if (peer_read(fd, p) == -1) {
		log_line(LOG_ALWAYS, "peer credentials: %s", strerror(errno));
		peer_free(p);
		close(fd);
		return 0;
	}
	peer_names(p);
	/* Its id now, so that a denial's line names it too. */
	connid_next(p->conn_id);
	/* Rules: a caller some rule names; its cgroup is not read yet. */
	if (cfg->rules_file != NULL ? (unmet = rules_admits(&cfg->rules, p))
	    != NULL && strcmp(unmet, "users") == 0 :
	    !policy_allows(&cfg->policy, p)) {
		log_peer(LOG_ALWAYS, "deny", p, "%s\tfailed=users",
		    log_who(p, who, sizeof(who)));
		turn_away(fd, msg, proto_denial(msg, sizeof(msg),
		    (unsigned long)p->uid));
		peer_free(p);
		return 0;
	}
	/* Its process now: the ids it holds and its cgroup. */
	peer_examine(fd, p, &cfg->cgroup);
	if ((unmet = cfg->rules_file != NULL ? rules_admits(&cfg->rules, p) :
	    policy_unmet(&cfg->policy, p)) != NULL) {
		why = peer_cgroup_why(p);
		log_peer(LOG_ALWAYS, "deny", p, "%s\tfailed=%s%s%s",
		    log_who(p, who, sizeof(who)), unmet,
		    why != NULL ? "\treason=" : "", why != NULL ? why : "");
		turn_away(fd, msg, proto_denial(msg, sizeof(msg),
		    (unsigned long)p->uid));
		peer_free(p);
		return 0;
	}
	if (cfg->max_conns_per_uid < cfg->max_conns &&
	    (held = held_by(all, cfg->max_conns, p->uid)) >=
	    cfg->max_conns_per_uid) {
		log_peer(LOG_ALWAYS, "busy", p, "conns=%u", held);
		turn_away(fd, msg, proto_busy(msg, sizeof(msg),
		    (unsigned long)p->uid, held));
		peer_free(p);
		return 0;
	}
	return 1;
}

/*
 * Was d sent by the process that connected (or one holding its ids)?
 * NULL when so. Else the connection was handed on and its sender borrows
 * nothing: the reason to refuse d with (r77), logged with the connector
 * and the sender. The connection goes on: its connector may still send.
 */
const char *
admit_sender(const struct peer *p, const struct dgram *d)
{
	const struct ucred	*uc = d->has_cred ? &d->cred : NULL;

	if (peer_sent(p, uc))
		return NULL;
	/* uc == NULL too, for the analyzers that do not look into peer.c. */
	if (uc == NULL || !peer_cred_known(p, uc)) {
		log_peer(LOG_ALWAYS, "handed-on", p, "ids=%s\t"
		    "reason=no sender credentials", peer_ids_source(p));
		return "no sender credentials";
	}
	log_peer(LOG_ALWAYS, "handed-on", p, "sender_pid=%ld\tsender_uid=%lu\t"
	    "sender_gid=%lu\tuids=%lu,%lu,%lu\tgids=%lu,%lu,%lu\tids=%s\t"
	    "reason=connection handed on to another process",
	    (long)uc->pid, (unsigned long)uc->uid, (unsigned long)uc->gid,
	    (unsigned long)p->uids[0], (unsigned long)p->uids[1],
	    (unsigned long)p->uids[2], (unsigned long)p->gids[0],
	    (unsigned long)p->gids[1], (unsigned long)p->gids[2],
	    peer_ids_source(p));
	return "connection handed on to another process";
}
