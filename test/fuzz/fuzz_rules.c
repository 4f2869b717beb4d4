/*
 * Fuzz the rules file parser: any text is parsed or refused with its
 * errors, never a crash or a leak; a file it accepts prints back
 * canonically, and that text parses to rules that print back the same.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/rules.h"

static char *
print(const struct rules *rs, size_t *len)
{
	char	*out = NULL;
	FILE	*fp;

	if ((fp = open_memstream(&out, len)) == NULL)
		abort();
	if (rules_print(fp, rs) == -1)
		abort();
	fclose(fp);
	return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rules	 rs, again;
	char		 err[2048], *one, *two;
	size_t		 n1, n2;

	if (rules_parse((const char *)data, size, &rs, err, sizeof(err)) == -1) {
		/* Refused: says why, names a line, holds nothing. */
		if (err[0] == '\0' || strncmp(err, "line ", 5) != 0 ||
		    rs.n != 0 || rs.v != NULL)
			abort();
		return 0;
	}
	one = print(&rs, &n1);
	if (rules_parse(one, n1, &again, err, sizeof(err)) == -1)
		abort();
	two = print(&again, &n2);
	if (n1 != n2 || memcmp(one, two, n1) != 0 || again.n != rs.n)
		abort();
	free(one);
	free(two);
	rules_free(&rs);
	rules_free(&again);
	return 0;
}
