/* Who may use the listener. */
#ifndef PEERRELAY_POLICY_H
#define PEERRELAY_POLICY_H

#include <sys/types.h>

#include "peer.h"

/* At most this many --allow-user and --allow-group options each. */
#define POLICY_MAX	256

struct policy {
	uid_t	 uids[POLICY_MAX];
	size_t	 nuids;
	gid_t	 gids[POLICY_MAX];
	size_t	 ngids;
	int	 any;
	uid_t	 self;		/* the listener's uid: the default rule */
};

void	policy_init(struct policy *, uid_t);
int	policy_add_user(struct policy *, const char *, const char **);
int	policy_add_group(struct policy *, const char *, const char **);
int	policy_allows(const struct policy *, const struct peer *);

#endif
