/*
 * A connected peer's identity: as the kernel recorded it at connect(),
 * and the ids and cgroup the process that connected held when it was
 * accepted.
 */
#ifndef PEERRELAY_PEER_H
#define PEERRELAY_PEER_H

#include <sys/socket.h>
#include <sys/types.h>

#include "cgroup.h"
#include "connid.h"

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

/* The connector's cgroup, read at accept (peer_examine). */
enum peer_cgroup {
	PEER_CG_NONE = 0,	/* not read: no SO_PEERPIDFD or cgroup v2 */
	PEER_CG_KNOWN,		/* read and confirmed: cgroup (and unit) */
	PEER_CG_GONE,		/* it exited before it was examined */
	PEER_CG_PIDNS,		/* pid 0: outside the listener's pid namespace */
	PEER_CG_UNREAD		/* could not be read or confirmed: cg_why */
};

struct peer {
	pid_t	 pid;
	uid_t	 uid;
	gid_t	 gid;
	/* The connector's real, effective, saved uid and gid at accept. */
	uid_t	 uids[3];
	gid_t	 gids[3];
	enum peer_ids_from ids_from;
	enum peer_cgroup cg;
	const char *cg_why;	/* PEER_CG_UNREAD: why */
	char	*cgroup;	/* PEER_CG_KNOWN: its path, else NULL */
	char	*unit;		/* the unit the path names (same allocation), or NULL */
	int	 ngroups;
	gid_t	*groups;	/* inline or allocated */
	gid_t	 inline_groups[PEER_INLINE_GROUPS];
	char	 user[256];	/* empty when the id has no name */
	char	 group[256];
	/*
	 * What the listener's lines about it name: its connection's id
	 * (admit), and the request they are about now, by its ordinal on
	 * the connection (0: none, a line about the connection).
	 */
	char	 conn_id[CONNID_SIZE];
	unsigned long long req;
};

int	peer_read(int, struct peer *);
void	peer_examine(int, struct peer *, const struct cgroup_fs *);
const char *peer_cgroup_why(const struct peer *);
int	peer_proc_ids(pid_t, int, uid_t [3], gid_t [3]);
int	peer_parse_status(const char *, uid_t [3], gid_t [3]);
int	peer_among(const unsigned int [3], unsigned int);
int	peer_cred_known(const struct peer *, const struct ucred *);
int	peer_sent(const struct peer *, const struct ucred *);
const char *peer_ids_source(const struct peer *);
void	peer_names(struct peer *);
void	peer_free(struct peer *);
int	peer_in_group(const struct peer *, gid_t);

#endif
