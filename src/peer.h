/*
 * A connected peer's identity: as the kernel recorded it at connect(),
 * and the ids the process that connected held when it was accepted.
 */
#ifndef PEERRELAY_PEER_H
#define PEERRELAY_PEER_H

#include <sys/socket.h>
#include <sys/types.h>

#define PEER_INLINE_GROUPS	32

/*
 * Each datagram's sender checked against the process that connected;
 * 0 only in bench/peerrelay-nocredcheck, to measure what that costs.
 */
#ifdef PEERRELAY_NO_CRED_CHECK
#define PEER_CRED_CHECK		0
#else
#define PEER_CRED_CHECK		1
#endif

/* Where the connector's real, effective and saved ids were read. */
enum peer_ids_from {
	PEER_IDS_PEERCRED = 0,	/* it was gone: SO_PEERCRED's uid and gid */
	PEER_IDS_PIDFD,		/* its pidfd (SO_PEERPIDFD, PIDFD_GET_INFO) */
	PEER_IDS_PROC		/* /proc/PID/status, on older kernels */
};

struct peer {
	pid_t	 pid;
	uid_t	 uid;
	gid_t	 gid;
	/* The connector's real, effective, saved uid and gid at accept. */
	uid_t	 uids[3];
	gid_t	 gids[3];
	enum peer_ids_from ids_from;
	int	 ngroups;
	gid_t	*groups;	/* inline or allocated */
	gid_t	 inline_groups[PEER_INLINE_GROUPS];
	char	 user[256];	/* empty when the id has no name */
	char	 group[256];
};

int	peer_read(int, struct peer *);
void	peer_read_ids(int, struct peer *);
int	peer_proc_ids(pid_t, int, uid_t [3], gid_t [3]);
int	peer_parse_status(const char *, uid_t [3], gid_t [3]);
int	peer_cred_known(const struct peer *, const struct ucred *);
int	peer_sent(const struct peer *, const struct ucred *);
const char *peer_ids_source(const struct peer *);
void	peer_names(struct peer *);
void	peer_free(struct peer *);
int	peer_in_group(const struct peer *, gid_t);

#endif
