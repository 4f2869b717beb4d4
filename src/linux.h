/*
 * What the kernels we run on have and Debian 12's headers (Linux 6.1) lack,
 * declared here and nowhere else. Whether the running kernel has it is
 * found at run time: each use copes with the error an older kernel gives.
 */
#ifndef PEERRELAY_LINUX_H
#define PEERRELAY_LINUX_H

#include <sys/socket.h>

/* Linux 6.16: a receiver may refuse SCM_RIGHTS (EINVAL before it). */
#ifndef SO_PASSRIGHTS
#define SO_PASSRIGHTS	83
#endif

#endif
