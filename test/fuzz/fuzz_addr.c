/*
 * Fuzz addr_parse: any string either fails or yields an exact, in-bounds
 * address, which addr_local_name names as it was written.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/addr.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct addr	 a;
	const char	*errstr = NULL;
	char		*s, name[sizeof(a.sun.sun_path) + 1];
	size_t		 n;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	n = strlen(s);
	if (addr_parse(s, &a, &errstr) == 0) {
		if (a.len > sizeof(a.sun) || a.abstract != (s[0] == '@'))
			abort();
		if (a.abstract && (a.sun.sun_path[0] != '\0' ||
		    memcmp(a.sun.sun_path + 1, s + 1, n - 1) != 0 ||
		    a.len != offsetof(struct sockaddr_un, sun_path) + n))
			abort();
		if (!a.abstract && (strcmp(a.sun.sun_path, s) != 0 || n == 0))
			abort();
		if (addr_local_name(&a, name, sizeof(name)) != 0 ||
		    strcmp(name, s) != 0)
			abort();
	} else if (errstr == NULL || (n > 0 && n <= ADDR_MAX && s[0] != '@'))
		abort();
	free(s);
	return 0;
}
