/*
 * Fuzz the print-mode encoders with any payload, names and cgroup: a text
 * record is
 * one line of printable ASCII whose data field is strnvisx's encoding and
 * unvis-decodes to the payload;
 * a JSON record is one line of valid JSON.
 */
#define LIBBSD_OPENBSD_VIS
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vis.h>

#include "../../src/cgroup.h"
#include "../../src/peer.h"
#include "../../src/record.h"
#include "json_check.h"

static char *
render(enum record_format f, const struct peer *p, const char *d, size_t n,
    size_t *len)
{
	FILE	*fp;
	char	*out = NULL;

	if ((fp = open_memstream(&out, len)) == NULL)
		abort();
	if (record_write(fp, f, p, d, n) == -1)
		abort();
	fclose(fp);
	return out;
}

static void
check_text(const char *out, size_t len, const char *d, size_t n)
{
	const char	*data;
	char		*dec, *pad;
	size_t		 i;
	int		 m;

	if (len == 0 || out[len - 1] != '\n' || memchr(out, '\n', len) !=
	    out + len - 1)
		abort();
	for (i = 0; i + 1 < len; i++)
		if (out[i] < 0x20 || out[i] > 0x7e)
			abort();
	if ((data = strstr(out, " data=")) == NULL)
		abort();
	data += 6;
	if ((dec = malloc(n + 1)) == NULL)
		abort();
	/* strunvis wants the encoded text alone. */
	{
		char *enc = strndup(data, (size_t)(out + len - 1 - data));
		m = strunvis(dec, enc);
		free(enc);
	}
	if (m < 0 || (size_t)m != n || memcmp(dec, d, n) != 0)
		abort();
	free(dec);
	/*
	 * The table-driven encoder writes exactly what strnvisx would (given
	 * a copy with NULs after it: libbsd's may read past a lone byte).
	 */
	if ((dec = malloc(4 * n + 1)) == NULL ||
	    (pad = calloc(1, n + MB_LEN_MAX)) == NULL)
		abort();
	memcpy(pad, d, n);
	m = strnvisx(dec, 4 * n + 1, pad, n, RECORD_VIS_FLAGS);
	free(pad);
	if (m < 0 || (size_t)m != (size_t)(out + len - 1 - data) ||
	    memcmp(dec, data, (size_t)m) != 0)
		abort();
	free(dec);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct peer	 p;
	const char	*d;
	char		*out;
	char		 unit[CGROUP_UNIT_MAX];
	size_t		 n, len, ul, gl;

	memset(&p, 0, sizeof(p));
	p.groups = p.inline_groups;
	p.pid = 42;
	p.uid = 33;
	p.gid = 65534;
	p.ngroups = 2;
	p.inline_groups[0] = 4;
	p.inline_groups[1] = 27;
	/* The first two bytes give the lengths of fuzzed user and group names. */
	if (size < 2)
		return 0;
	ul = data[0] % sizeof(p.user);
	gl = data[1] % sizeof(p.group);
	d = (const char *)data + 2;
	n = size - 2;
	if (ul > n)
		ul = n;
	memcpy(p.user, d, ul);
	p.user[strnlen(p.user, ul)] = '\0';
	if (gl > n - ul)
		gl = n - ul;
	memcpy(p.group, d + ul, gl);
	p.group[strnlen(p.group, gl)] = '\0';
	/*
	 * The same bytes as the peer's cgroup (any a delegated owner may
	 * name one with), and the unit it names, as the listener has them.
	 */
	if (ul > 0 && (p.cgroup = strdup(p.user)) == NULL)
		abort();
	if (p.cgroup != NULL && cgroup_unit(p.cgroup, unit, sizeof(unit)))
		p.unit = unit;

	out = render(RECORD_TEXT, &p, d, n, &len);
	check_text(out, len, d, n);
	free(out);

	out = render(RECORD_JSON, &p, d, n, &len);
	if (len == 0 || out[len - 1] != '\n' ||
	    memchr(out, '\n', len) != out + len - 1 ||
	    !json_check(out, len - 1))
		abort();
	free(out);
	free(p.cgroup);
	return 0;
}
