/*
 * The fields of a log line that come from outside (names, cgroup paths,
 * units, actions): escaped as text records escape theirs, the same in
 * text and JSON, and cut to size with a mark. Declared in log.h.
 */
#define LIBBSD_OPENBSD_VIS
#include <string.h>
#include <vis.h>

#include "log.h"
#include "peer.h"
#include "record.h"

/*
 * s escaped (as text records escape fields) after buf's k bytes; 0, or -1
 * when it was cut, marked "[...]", for want of room.
 */
static int
put_escaped(char *buf, size_t *k, size_t size, const char *s)
{
	char	 one[5];
	size_t	 n;

	for (; *s != '\0'; s++) {
		n = (size_t)(vis(one, (unsigned char)*s, RECORD_VIS_FLAGS,
		    s[1]) - one);
		if (*k + n + sizeof("[...]") > size) {
			memcpy(buf + *k, "[...]", sizeof("[...]"));
			return -1;
		}
		memcpy(buf + *k, one, n);
		*k += n;
	}
	buf[*k] = '\0';
	return 0;
}

/* s escaped into buf as text records escape fields, cut and marked to fit. */
const char *
log_escape(const char *s, char *buf, size_t size)
{
	size_t	 k = 0;

	buf[0] = '\0';
	if (size >= sizeof("[...]"))
		(void)put_escaped(buf, &k, size, s);
	return buf;
}

/*
 * The literal key after buf's k bytes, with room left for a cut's mark; 0,
 * or -1 when there is none (the mark put instead, where it fits).
 */
static int
put_key(char *buf, size_t *k, size_t size, const char *key)
{
	size_t	 n = strlen(key);

	if (*k + n + sizeof("[...]") > size) {
		if (*k + sizeof("[...]") <= size)
			memcpy(buf + *k, "[...]", sizeof("[...]"));
		return -1;
	}
	memcpy(buf + *k, key, n + 1);
	*k += n;
	return 0;
}

/*
 * "group=GROUP cgroup=PATH unit=UNIT" (cgroup and unit where they were
 * read; tab-separated, escaped), for allow and deny lines; cut to size,
 * marked, when too long.
 */
const char *
log_who(const struct peer *p, char *buf, size_t size)
{
	size_t	 k = 0;

	buf[0] = '\0';
	if (put_key(buf, &k, size, "group=") == -1 ||
	    put_escaped(buf, &k, size, p->group) == -1 || p->cgroup == NULL ||
	    put_key(buf, &k, size, "\tcgroup=") == -1 ||
	    put_escaped(buf, &k, size, p->cgroup) == -1 || p->unit == NULL ||
	    put_key(buf, &k, size, "\tunit=") == -1)
		return buf;
	(void)put_escaped(buf, &k, size, p->unit);
	return buf;
}
