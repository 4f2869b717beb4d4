/*
 * Connection ids: the prefix is drawn once per start from getrandom(2)
 * (48 bits: a prefix repeats only after some 2^24 starts), the
 * counter numbers connections from 1 in the order they are accepted.
 */
#include <sys/random.h>

#include <errno.h>
#include <stdio.h>

#include "connid.h"

static char			 prefix[CONNID_PREFIX + 1];
static unsigned long long	 counter;

/* Draw this start's prefix; -1 with errno when the kernel gives none. */
int
connid_init(void)
{
	unsigned char	 r[CONNID_PREFIX / 2];
	size_t		 i;
	ssize_t		 n;

	/* Blocks only until the kernel's pool is first seeded, at boot. */
	while ((n = getrandom(r, sizeof(r), 0)) == -1 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(r)) {
		if (n != -1)
			errno = EIO;
		return -1;
	}
	for (i = 0; i < sizeof(r); i++)
		snprintf(prefix + 2 * i, 3, "%02x", r[i]);
	counter = 0;
	return 0;
}

/* Request n of connection conn's id into buf (CONNID_REQ_SIZE bytes). */
const char *
connid_request(char *buf, const char *conn, unsigned long long n)
{
	snprintf(buf, CONNID_REQ_SIZE, "%s.%llu", conn, n);
	return buf;
}

/* The next connection's id into buf (CONNID_SIZE bytes). */
void
connid_next(char *buf)
{
	snprintf(buf, CONNID_SIZE, "%s-%llu", prefix, ++counter);
}
