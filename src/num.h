/* Numbers from the command line, always bounded. */
#ifndef PEERRELAY_NUM_H
#define PEERRELAY_NUM_H

#include <sys/types.h>

#include <stddef.h>

/* The longest duration an option takes: a day. */
#define NUM_MAX_SECONDS		86400

int	num_size(const char *, size_t, size_t, size_t *, const char **);
int	num_uint(const char *, unsigned int, unsigned int, unsigned int *,
	    const char **);
int	num_mode(const char *, mode_t *, const char **);
int	num_option(const char *, const char *, unsigned int, unsigned int,
	    unsigned int *, char *, size_t);

#endif
