/* A connected peer's identity, as the kernel recorded it at connect(). */
#ifndef PEERRELAY_PEER_H
#define PEERRELAY_PEER_H

#include <sys/types.h>

#define PEER_INLINE_GROUPS	32

struct peer {
	pid_t	 pid;
	uid_t	 uid;
	gid_t	 gid;
	int	 ngroups;
	gid_t	*groups;	/* inline or allocated */
	gid_t	 inline_groups[PEER_INLINE_GROUPS];
	char	 user[256];	/* empty when the id has no name */
	char	 group[256];
};

int	peer_read(int, struct peer *);
void	peer_names(struct peer *);
void	peer_free(struct peer *);
int	peer_in_group(const struct peer *, gid_t);

#endif
