/* The allow-list: users, groups, any, or by default the listener's own uid. */
#include <sys/types.h>

#include <string.h>

#include "ids.h"
#include "peer.h"
#include "policy.h"

void
policy_init(struct policy *pol, uid_t self)
{
	memset(pol, 0, sizeof(*pol));
	pol->self = self;
}

int
policy_add_user(struct policy *pol, const char *spec, const char **errstr)
{
	uid_t	 uid;
	gid_t	 gid;

	if (pol->nuids == POLICY_MAX) {
		*errstr = "too many users";
		return -1;
	}
	if (ids_user(spec, &uid, &gid, errstr) == -1)
		return -1;
	pol->uids[pol->nuids++] = uid;
	return 0;
}

int
policy_add_group(struct policy *pol, const char *spec, const char **errstr)
{
	gid_t	 gid;

	if (pol->ngids == POLICY_MAX) {
		*errstr = "too many groups";
		return -1;
	}
	if (ids_group(spec, &gid, errstr) == -1)
		return -1;
	pol->gids[pol->ngids++] = gid;
	return 0;
}

/* Deny unless a rule names the peer; with no rules, only our own uid. */
int
policy_allows(const struct policy *pol, const struct peer *p)
{
	size_t	 i;

	if (pol->any)
		return 1;
	if (pol->nuids == 0 && pol->ngids == 0)
		return p->uid == pol->self;
	for (i = 0; i < pol->nuids; i++)
		if (pol->uids[i] == p->uid)
			return 1;
	for (i = 0; i < pol->ngids; i++)
		if (peer_in_group(p, pol->gids[i]))
			return 1;
	return 0;
}
