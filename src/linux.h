/*
 * What the kernels we run on have and Debian 12's headers (Linux 6.1) lack,
 * declared here and nowhere else. Whether the running kernel has it is
 * found at run time: each use copes with the error an older kernel gives.
 */
#ifndef PEERRELAY_LINUX_H
#define PEERRELAY_LINUX_H

#include <sys/ioctl.h>
#include <sys/socket.h>

#include <stdint.h>

/* Linux 6.16: a receiver may refuse SCM_RIGHTS (EINVAL before it). */
#ifndef SO_PASSRIGHTS
#define SO_PASSRIGHTS	83
#endif

/* Linux 6.5: a pidfd of the process that connected (ENOPROTOOPT before). */
#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD	77
#endif

/*
 * Linux 6.13: what a pidfd's process is, its ids among it (ENOTTY
 * before). The first version of the struct, 64 bytes; a later kernel
 * fills what it knows of a larger one and leaves the rest.
 */
#ifndef PIDFD_GET_INFO
struct pidfd_info {
	uint64_t	 mask;
	uint64_t	 cgroupid;
	uint32_t	 pid;
	uint32_t	 tgid;
	uint32_t	 ppid;
	uint32_t	 ruid;
	uint32_t	 rgid;
	uint32_t	 euid;
	uint32_t	 egid;
	uint32_t	 suid;
	uint32_t	 sgid;
	uint32_t	 fsuid;
	uint32_t	 fsgid;
	int32_t		 exit_code;
};
#define PIDFD_GET_INFO	_IOWR(0xFF, 11, struct pidfd_info)
#endif
#ifndef PIDFD_INFO_PID
#define PIDFD_INFO_PID		(1ULL << 0)
#endif
#ifndef PIDFD_INFO_CREDS
#define PIDFD_INFO_CREDS	(1ULL << 1)
#endif
#ifndef PIDFD_INFO_CGROUPID
#define PIDFD_INFO_CGROUPID	(1ULL << 2)
#endif
#ifndef PIDFD_INFO_EXIT
#define PIDFD_INFO_EXIT		(1ULL << 3)
#endif

#endif
