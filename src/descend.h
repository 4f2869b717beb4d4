/* A supervisor's descendants, signalled through pidfds (descend.c). */
#ifndef PEERRELAY_DESCEND_H
#define PEERRELAY_DESCEND_H

#include <sys/types.h>

struct descend_count {
	unsigned int	 signalled;	/* took the signal */
	unsigned int	 denied;	/* refused it: EPERM */
};

int	descend_signal(int, struct descend_count *, int (*)(pid_t, void *),
	    void (*)(pid_t, void *), void *);

#endif
