/*
 * Per-uid slots: how many of the open connections one uid holds, and the
 * refusal a connection past --max-conns-per-uid gets, so that one user's
 * connections, however many and however silent, leave room for the rest.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <unistd.h>

#include "conn.h"
#include "log.h"
#include "peer.h"
#include "proto.h"
#include "slots.h"

/* The open connections among the n in all whose peer is uid. */
unsigned int
slots_held(const struct conn *all, unsigned int n, uid_t uid)
{
	unsigned int	 i, held = 0;

	for (i = 0; i < n; i++)
		if (all[i].fd != -1 && all[i].peer.uid == uid)
			held++;
	return held;
}

/*
 * Tell the allowed peer on fd that its uid holds held connections, the
 * most it may (r75, so that send retries), and close fd unserved.
 */
void
slots_busy(int fd, const struct peer *p, unsigned int held)
{
	char	 msg[96], junk[1];
	int	 n, i;

	log_peer(LOG_ALWAYS, "busy", p, "conns=%u", held);
	if ((n = proto_busy(msg, sizeof(msg), (unsigned long)p->uid,
	    held)) > 0)
		(void)send(fd, msg, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
	/* As for a denial: unread datagrams would reset the refusal away. */
	for (i = 0; i < 1024; i++)
		if (recv(fd, junk, sizeof(junk), MSG_DONTWAIT | MSG_TRUNC) <= 0)
			break;
	close(fd);
}
