/*
 * Fuzz the option-value parsers: sizes, counts and durations, modes, user
 * and group specs. The first byte picks the parser; results stay in bounds.
 */
#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/ids.h"
#include "../../src/num.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*errstr = NULL;
	char		*s;
	size_t		 sz;
	unsigned int	 u;
	mode_t		 m;
	uid_t		 uid;
	gid_t		 gid;
	int		 r = 0;

	if (size < 1 || (s = malloc(size)) == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 6) {
	case 0:
		r = num_size(s, 1, 4 * 1024 * 1024, &sz, &errstr);
		if (r == 0 && (sz < 1 || sz > 4 * 1024 * 1024))
			abort();
		break;
	case 1:
		r = num_uint(s, 0, 86400, &u, &errstr);
		if (r == 0 && u > 86400)
			abort();
		break;
	case 2:
		r = num_mode(s, &m, &errstr);
		if (r == 0 && m > 0777)
			abort();
		break;
	case 3:
		r = ids_user(s, &uid, &gid, &errstr);
		if (r == 0 && uid == (uid_t)-1)
			abort();
		break;
	case 4:
		r = ids_group(s, &gid, &errstr);
		if (r == 0 && gid == (gid_t)-1)
			abort();
		break;
	default:
		r = ids_owner(s, &uid, &gid, &errstr);
		if (r == 0 && uid == (uid_t)-1)
			abort();
		break;
	}
	if (r == -1 && errstr == NULL)
		abort();
	free(s);
	return 0;
}
