/* Who listens on an address, asked of the kernel without connecting. */
#ifndef PEERRELAY_SOCKDIAG_H
#define PEERRELAY_SOCKDIAG_H

#include <sys/types.h>

#include <stddef.h>

int	sockdiag_listening(const char *, size_t, dev_t, ino_t);

#endif
