/* Socket addresses: "@name" (Linux abstract namespace) or a filesystem path. */
#ifndef PEERRELAY_ADDR_H
#define PEERRELAY_ADDR_H

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include <stddef.h>

struct addr {
	struct sockaddr_un	 sun;
	socklen_t		 len;
	int			 abstract;
	const char		*text;		/* as the user wrote it */
	int			 dirfd;		/* a path's directory, or -1 */
	char			 name[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct sockaddr_un	 at;		/* the file through dirfd */
	socklen_t		 atlen;
	dev_t			 dev;		/* the socket file we bound */
	ino_t			 ino;
};

/* Bytes available for a name or path: sun_path less the NUL or leading NUL. */
#define ADDR_MAX	(sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

int	addr_parse(const char *, struct addr *, const char **);
int	addr_connect(const struct addr *, int);
int	addr_local_name(const struct addr *, char *, size_t);
int	addr_open_dir(struct addr *, uid_t, char *, size_t);
int	addr_listen(struct addr *, mode_t, uid_t, gid_t, int, const char **);
int	addr_unlink_if_ours(const struct addr *);
int	addr_probe(const struct addr *);
void	addr_refuse_rights(int);

#endif
