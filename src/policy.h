/* Who may use the listener: users and groups, then their cgroup. */
#ifndef PEERRELAY_POLICY_H
#define PEERRELAY_POLICY_H

#include <sys/types.h>

#include "peer.h"

/* At most this many --allow-user and --allow-group options each. */
#define POLICY_MAX	256
/* At most this many --require-unit and --require-cgroup options each. */
#define POLICY_MAX_REQUIRE	64

struct policy {
	uid_t	 uids[POLICY_MAX];
	size_t	 nuids;
	gid_t	 gids[POLICY_MAX];
	size_t	 ngids;
	int	 any;
	uid_t	 self;		/* the listener's uid: the default rule */
	/* Conditions on the peer's cgroup, beside the rules above. */
	const char *units[POLICY_MAX_REQUIRE];
	size_t	 nunits;
	const char *cgroups[POLICY_MAX_REQUIRE];
	size_t	 ncgroups;
};

void	policy_init(struct policy *, uid_t);
int	policy_add_user(struct policy *, const char *, const char **);
int	policy_add_group(struct policy *, const char *, const char **);
int	policy_require_unit(struct policy *, const char *, const char **);
int	policy_require_cgroup(struct policy *, const char *, const char **);
int	policy_allows(const struct policy *, const struct peer *);
const char *policy_unmet(const struct policy *, const struct peer *);

#endif
