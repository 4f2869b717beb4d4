/* --run-as: the command runs as another user, the listener stays itself. */
#ifndef PEERRELAY_PRIVDROP_H
#define PEERRELAY_PRIVDROP_H

#include <sys/types.h>

#include <stddef.h>

struct runas {
	uid_t	 uid;
	gid_t	 gid;
	gid_t	*groups;	/* supplementary groups, as initgroups(3) */
	size_t	 ngroups;
	uid_t	 from;		/* the listener's uid: never to be regained */
};

int	runas_parse(const char *, struct runas *, const char **);
int	runas_permitted(const char **);
int	runas_drop(const struct runas *, const char **);
int	runas_can_exec(const struct runas *, const char *);
void	runas_free(struct runas *);

#endif
