/*
 * cgroup paths and the systemd units they name, as text: the unit a path
 * names, whole-component matching, and the values --require-unit and
 * --require-cgroup accept. Nothing here touches the file system.
 */
#include <string.h>

#include "cgroup.h"

/* The unit types systemd knows; a slice groups units and is never one. */
static const char *const unit_types[] = {
	"service", "socket", "target", "device", "mount", "automount",
	"swap", "timer", "path", "slice", "scope", NULL
};

/* Does path name a directory in the hierarchy by whole components? */
int
cgroup_plain_path(const char *path)
{
	const char	*s = path;
	size_t		 n;

	if (*s != '/')
		return 0;
	if (s[1] == '\0')
		return 1;
	while (*s == '/') {
		s++;
		n = strcspn(s, "/");
		if (n == 0 || (n == 1 && s[0] == '.') ||
		    (n == 2 && s[0] == '.' && s[1] == '.'))
			return 0;
		s += n;
	}
	return *s == '\0';
}

/*
 * What kind of systemd unit name s (n bytes) is: 0 not one, 1 a unit or
 * an instance, 2 a template (name@.type), 3 a slice. As systemd's
 * unit_name_is_valid: shorter than 256 bytes, letters, digits and
 * ":-_.\" with an "@" (not first), and a known type after the last dot.
 */
static int
unit_kind(const char *s, size_t n)
{
	const char	*dot = NULL, *at = NULL;
	size_t		 i;
	int		 t;

	if (n == 0 || n >= CGROUP_UNIT_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] == '.')
			dot = s + i;
	if (dot == NULL || dot == s)
		return 0;
	for (t = 0; unit_types[t] != NULL; t++)
		if (strlen(unit_types[t]) == (size_t)(s + n - dot - 1) &&
		    memcmp(dot + 1, unit_types[t], strlen(unit_types[t])) == 0)
			break;
	if (unit_types[t] == NULL)
		return 0;
	for (i = 0; s + i < dot; i++) {
		if (s[i] == '@' && at == NULL)
			at = s + i;
		if (strchr("0123456789abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ:-_.\\@", s[i]) == NULL ||
		    s[i] == '\0')
			return 0;
	}
	if (at == s)
		return 0;
	if (at != NULL && dot == at + 1)
		return 2;
	return strcmp(unit_types[t], "slice") == 0 ? 3 : 1;
}

/*
 * The unit path names, as systemd names it: the first component after
 * the leading *.slice ones (a leading "_", systemd's escape for names the
 * kernel reserves, dropped). 1 and the unit in buf; 0 when that
 * component is no unit (the root, a cgroup made by hand, a slice).
 */
int
cgroup_unit(const char *path, char *buf, size_t size)
{
	const char	*s = path;
	size_t		 n;

	if (*s != '/')
		return 0;
	for (;;) {
		s += strspn(s, "/");
		n = strcspn(s, "/");
		if (n > 6 && memcmp(s + n - 6, ".slice", 6) == 0) {
			s += n;
			continue;
		}
		break;
	}
	if (n > 0 && *s == '_') {
		s++;
		n--;
	}
	if (unit_kind(s, n) != 1 || n >= size)
		return 0;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return 1;
}

/*
 * Is path (a peer's) prefix or below it, by whole components? A path
 * outside the listener's cgroup namespace ("/..") is below nothing.
 */
int
cgroup_under(const char *path, const char *prefix)
{
	size_t	 n = strlen(prefix);

	if (strncmp(path, "/..", 3) == 0 && (path[3] == '\0' ||
	    path[3] == '/'))
		return 0;
	if (strcmp(prefix, "/") == 0)
		return path[0] == '/';
	return strncmp(path, prefix, n) == 0 && (path[n] == '\0' ||
	    path[n] == '/');
}

/* --require-unit's UNIT: 0, or -1 and why. */
int
cgroup_unit_valid(const char *name, const char **errstr)
{
	switch (unit_kind(name, strlen(name))) {
	case 1:
		return 0;
	case 2:
		*errstr = "a template: name an instance (NAME@INSTANCE.TYPE), "
		    "as systemd runs it";
		break;
	case 3:
		*errstr = "a slice holds units and is never one: use "
		    "--require-cgroup with its path";
		break;
	default:
		*errstr = strlen(name) >= CGROUP_UNIT_MAX ?
		    "longer than 255 bytes" : "not a systemd unit name "
		    "(NAME.service, NAME@INSTANCE.service, NAME.scope, ...)";
		break;
	}
	return -1;
}

/* --require-cgroup's PATH, as /proc/PID/cgroup shows one: 0, or -1 and why. */
int
cgroup_path_valid(const char *path, const char **errstr)
{
	if (path[0] != '/')
		*errstr = "not a cgroup path as /proc/PID/cgroup shows it "
		    "(it begins with /)";
	else if (strlen(path) >= CGROUP_PATH_MAX)
		*errstr = "too long";
	else if (strncmp(path, "/..", 3) == 0 && (path[3] == '\0' ||
	    path[3] == '/'))
		*errstr = "outside the listener's cgroup namespace, which "
		    "no peer's path can be below";
	else if (strchr(path, '\n') != NULL)
		*errstr = "holds a newline";
	else if (!cgroup_plain_path(path))
		*errstr = "an empty, . or .. component (or a trailing /)";
	else
		return 0;
	return -1;
}
