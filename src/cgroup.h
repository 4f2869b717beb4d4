/*
 * The peer's cgroup (v2) and the systemd unit its path names: the
 * hierarchy found in /proc/self/mountinfo, a process's path read from
 * /proc/PID/cgroup and confirmed against its pidfd.
 */
#ifndef PEERRELAY_CGROUP_H
#define PEERRELAY_CGROUP_H

#include <sys/types.h>

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

/* The longest cgroup path read or configured, its NUL counted. */
#define CGROUP_PATH_MAX		PATH_MAX
/* systemd's UNIT_NAME_MAX: a unit name is shorter. */
#define CGROUP_UNIT_MAX		256

/* What this kernel offers to read a peer's cgroup with. */
enum cgroup_kernel {
	CGROUP_NO_PEERPIDFD = 0,	/* before 6.5: cannot be read safely */
	CGROUP_PIDFD_PROC,		/* SO_PEERPIDFD, no PIDFD_GET_INFO */
	CGROUP_PIDFD_INFO		/* PIDFD_GET_INFO reports cgroup ids */
};

/* The cgroup v2 hierarchy as mounted here, and how peers are read. */
struct cgroup_fs {
	int			 dirfd;	/* its mount point (O_PATH), -1: none */
	dev_t			 dev;
	enum cgroup_kernel	 kernel;
	char			 mount[PATH_MAX];
	char			 root[CGROUP_PATH_MAX];	/* the mount's root */
};

void	cgroup_init(struct cgroup_fs *);
int	cgroup_open(struct cgroup_fs *);
void	cgroup_close(struct cgroup_fs *);
const char *cgroup_kernel_text(const struct cgroup_fs *);

int	cgroup_mountinfo_line(const char *, char *, size_t, char *, size_t);
int	cgroup_parse_proc(const char *, size_t, char *, size_t);
int	cgroup_read_proc(pid_t, char *, size_t);
int	cgroup_confirm(const struct cgroup_fs *, const char *, uint64_t);
int	cgroup_pidfd_names(int, pid_t);
int	cgroup_exists(const struct cgroup_fs *, const char *);

int	cgroup_plain_path(const char *);
int	cgroup_unit(const char *, char *, size_t);
int	cgroup_under(const char *, const char *);
int	cgroup_unit_valid(const char *, const char **);
int	cgroup_path_valid(const char *, const char **);

#endif
