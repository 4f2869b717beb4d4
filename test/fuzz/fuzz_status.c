/*
 * Fuzz peer_parse_status, the /proc/PID/status reader of the connector's
 * ids (kernels without PIDFD_GET_INFO): any text either fails or gives the
 * three numbers after the first line that begins "Uid:" and "Gid:", as a
 * plain sscanf reads them.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/peer.h"

/* The reference: the first line beginning with key, three numbers after. */
static int
plain(const char *text, const char *key, unsigned long v[3])
{
	const char	*s = text;
	char		 c;

	while (strncmp(s, key, strlen(key)) != 0)
		if ((s = strchr(s, '\n')) == NULL)
			return -1;
		else
			s++;
	s += strlen(key);
	if (*s != '\t' && *s != ' ')
		return -1;
	if (sscanf(s, "%lu%lu%lu%c", &v[0], &v[1], &v[2], &c) < 3)
		return -1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uid_t		 u[3];
	gid_t		 g[3];
	unsigned long	 ru[3], rg[3];
	char		*s;
	int		 i;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (peer_parse_status(s, u, g) == 0) {
		/* What it took, a plain reading takes alike. */
		if (plain(s, "Uid:", ru) == -1 || plain(s, "Gid:", rg) == -1)
			abort();
		for (i = 0; i < 3; i++)
			if (ru[i] != u[i] || rg[i] != g[i] ||
			    u[i] == (uid_t)-1 || g[i] == (gid_t)-1)
				abort();
	}
	free(s);
	return 0;
}
