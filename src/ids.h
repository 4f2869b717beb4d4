/* User and group specs: a name from the databases, or a decimal id. */
#ifndef PEERRELAY_IDS_H
#define PEERRELAY_IDS_H

#include <sys/types.h>

int	ids_user(const char *, uid_t *, gid_t *, const char **);
int	ids_group(const char *, gid_t *, const char **);
int	ids_owner(const char *, uid_t *, gid_t *, const char **);
int	ids_user_name(uid_t, char *, size_t);
int	ids_group_name(gid_t, char *, size_t);

#endif
