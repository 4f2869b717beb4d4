/* Monotonic milliseconds, for deadlines and durations. */
#ifndef PEERRELAY_CLOCK_H
#define PEERRELAY_CLOCK_H

#include <time.h>

static inline long long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
