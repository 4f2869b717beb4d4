/*
 * A unit test is a program printing one TAP line per check ("ok N - what",
 * "not ok N - what"), then "1..N"; it exits 1 if any check failed.
 * test/run.sh counts its lines with the bats suite's.
 */
#ifndef PEERRELAY_UNIT_H
#define PEERRELAY_UNIT_H

#include <stdio.h>

static int	unit_n, unit_failed;

#define CHECK(cond, ...) do {						\
	printf("%sok %d - ", (cond) ? "" : "not ", ++unit_n);		\
	printf(__VA_ARGS__);						\
	printf("\n");							\
	if (!(cond)) {							\
		unit_failed++;						\
		printf("# failed: %s (%s:%d)\n", #cond, __FILE__,	\
		    __LINE__);						\
	}								\
} while (0)

#define UNIT_DONE() (printf("1..%d\n", unit_n), unit_failed ? 1 : 0)

#endif
