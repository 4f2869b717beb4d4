/* User and group specs: a name from the databases, or a decimal id. */
#ifndef PEERRELAY_IDS_H
#define PEERRELAY_IDS_H

#include <sys/types.h>

#include <stddef.h>

int	ids_user(const char *, uid_t *, gid_t *, const char **);
int	ids_group(const char *, gid_t *, const char **);
int	ids_owner(const char *, uid_t *, gid_t *, const char **);
enum ids_kind {
	IDS_USER,
	IDS_GROUP
};

const char *ids_name(enum ids_kind, id_t, char *, size_t, const char *);
void	ids_name_cached(enum ids_kind, id_t, char *, size_t);

#endif
