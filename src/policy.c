/*
 * The allow-list: users, groups, any, or by default the listener's own
 * uid; then the conditions on the peer's cgroup (--require-unit,
 * --require-cgroup), which narrow it and never widen it.
 */
#include <sys/types.h>

#include <string.h>

#include "cgroup.h"
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

/* --require-unit UNIT: one more unit a peer may be in. */
int
policy_require_unit(struct policy *pol, const char *name, const char **errstr)
{
	if (pol->nunits == POLICY_MAX_REQUIRE) {
		*errstr = "too many units";
		return -1;
	}
	if (cgroup_unit_valid(name, errstr) == -1)
		return -1;
	pol->units[pol->nunits++] = name;
	return 0;
}

/* --require-cgroup PATH: one more cgroup a peer may be in or below. */
int
policy_require_cgroup(struct policy *pol, const char *path,
    const char **errstr)
{
	if (pol->ncgroups == POLICY_MAX_REQUIRE) {
		*errstr = "too many cgroups";
		return -1;
	}
	if (cgroup_path_valid(path, errstr) == -1)
		return -1;
	pol->cgroups[pol->ncgroups++] = path;
	return 0;
}

/*
 * The first cgroup condition the peer (allowed by policy_allows) fails,
 * ("unit", "cgroup"); NULL when it meets them all. Each option is met
 * by any one of its values; a peer whose cgroup is unknown meets none.
 */
const char *
policy_unmet(const struct policy *pol, const struct peer *p)
{
	size_t	 i;

	if (pol->nunits > 0) {
		for (i = 0; p->unit != NULL && i < pol->nunits; i++)
			if (strcmp(p->unit, pol->units[i]) == 0)
				break;
		if (p->unit == NULL || i == pol->nunits)
			return "unit";
	}
	if (pol->ncgroups > 0) {
		for (i = 0; p->cgroup != NULL && i < pol->ncgroups; i++)
			if (cgroup_under(p->cgroup, pol->cgroups[i]))
				break;
		if (p->cgroup == NULL || i == pol->ncgroups)
			return "cgroup";
	}
	return NULL;
}
