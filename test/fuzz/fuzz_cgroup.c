/*
 * Fuzz the cgroup parsers of outside text: /proc/PID/cgroup's "0::" line,
 * a /proc/self/mountinfo line, and what is made of a path read (its unit,
 * its place under a required path) or given (--require-unit,
 * --require-cgroup). Checked: a path taken is the last line's, holds no
 * newline and fits; a unit named is one component of the path, a valid
 * unit name and no slice; a valid required path is under itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/cgroup.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		 path[256], unit[CGROUP_UNIT_MAX], mount[128], root[128];
	char		*s, *tail;
	const char	*e;
	size_t		 n;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (cgroup_parse_proc(s, size, path, sizeof(path)) == 0) {
		n = strlen(path);
		/* The text ends with a line "0::" PATH, a newline at most after. */
		tail = s + size - (s[size - 1] == '\n') - n;
		if (path[0] != '/' || strchr(path, '\n') != NULL ||
		    tail < s + 3 || memcmp(tail, path, n) != 0 ||
		    memcmp(tail - 3, "0::", 3) != 0 ||
		    (tail > s + 3 && tail[-4] != '\n'))
			abort();
		if (cgroup_unit(path, unit, sizeof(unit)) == 1) {
			if (cgroup_unit_valid(unit, &e) == -1 ||
			    strstr(path, unit) == NULL)
				abort();
		}
	}
	if (cgroup_mountinfo_line(s, mount, sizeof(mount), root,
	    sizeof(root)) == 1 && (mount[0] != '/' || root[0] != '/' ||
	    strstr(s, "cgroup2") == NULL))
		abort();
	if (strlen(s) == size && cgroup_path_valid(s, &e) == 0) {
		if (!cgroup_under(s, s) || strstr(s, "//") != NULL ||
		    strchr(s, '\n') != NULL)
			abort();
		if (cgroup_unit(s, unit, sizeof(unit)) == 1 &&
		    cgroup_unit_valid(unit, &e) == -1)
			abort();
	}
	free(s);
	return 0;
}
