/*
 * The cgroup parsers and names: mountinfo lines, /proc/PID/cgroup's
 * "0::" line, the unit a path names, whole-component matching, and what
 * --require-unit and --require-cgroup accept.
 */
#include <string.h>

#include "../../src/cgroup.h"
#include "unit.h"

static int
proc(const char *text, const char *want)
{
	char	 path[64];
	int	 r = cgroup_parse_proc(text, strlen(text), path, sizeof(path));

	return want == NULL ? r == -1 : r == 0 && strcmp(path, want) == 0;
}

static int
unit(const char *path, const char *want)
{
	char	 buf[CGROUP_UNIT_MAX];
	int	 r = cgroup_unit(path, buf, sizeof(buf));

	return want == NULL ? r == 0 : r == 1 && strcmp(buf, want) == 0;
}

static int
line(const char *text, const char *mount, const char *root)
{
	char	 m[64], r[64];
	int	 got = cgroup_mountinfo_line(text, m, sizeof(m), r, sizeof(r));

	if (mount == NULL)
		return got == 0;
	return got == 1 && strcmp(m, mount) == 0 && strcmp(r, root) == 0;
}

int
main(void)
{
	const char	*e;
	char		 big[300];

	CHECK(line("41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 "
	    "cgroup2 rw\n", "/sys/fs/cgroup/unified", "/"),
	    "mountinfo: the hybrid layout's cgroup2 line");
	CHECK(line("30 23 0:26 / /sys/fs/cgroup rw,nosuid shared:9 - cgroup2 "
	    "cgroup2 rw,nsdelegate\n", "/sys/fs/cgroup", "/"),
	    "mountinfo: optional fields before the separator");
	CHECK(line("30 23 0:26 /a\\040b /mnt/c\\134g rw - cgroup2 none rw\n",
	    "/mnt/c\\g", "/a b"), "mountinfo: octal escapes undone");
	CHECK(line("32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n",
	    NULL, NULL), "mountinfo: a cgroup v1 line is not the hierarchy");
	CHECK(line("32 31 0:29 / /x rw - cgroup2x none rw\n", NULL, NULL),
	    "mountinfo: cgroup2x is another type");
	CHECK(cgroup_mountinfo_line("41 31 0:38 / /x rw cgroup2 none rw\n",
	    big, sizeof(big), big, sizeof(big)) == -1,
	    "mountinfo: no separator: malformed");
	CHECK(cgroup_mountinfo_line("41 31 0:38 /\\000 /x rw - cgroup2 n rw\n",
	    big, sizeof(big), big, sizeof(big)) == -1,
	    "mountinfo: an escaped NUL is refused");

	CHECK(proc("0::/system.slice/php-fpm.service\n",
	    "/system.slice/php-fpm.service"), "proc: a cgroup v2 machine");
	CHECK(proc("9:name=systemd:/a.service\n4:memory:/x\n0::/t1\n", "/t1"),
	    "proc: hybrid: the v1 lines never count");
	CHECK(proc("4:memory:/b.service\n", NULL), "proc: no 0:: line");
	CHECK(proc("0::/a\n0::/b\n", NULL),
	    "proc: a newline in the path (another 0:: line after it)");
	CHECK(proc("1:name=x:/evil\n0::/forged.service\n0::/real\n", NULL),
	    "proc: the 0:: line must be the last");
	CHECK(proc("0::relative\n", NULL), "proc: a relative path");
	CHECK(proc("0::\n", NULL), "proc: an empty path");
	CHECK(proc("0::/../../elsewhere.service\n", "/../../elsewhere.service"),
	    "proc: a path outside our namespace is read as shown");
	memset(big, 'a', sizeof(big) - 1);
	big[0] = '0'; big[1] = ':'; big[2] = ':'; big[3] = '/';
	big[sizeof(big) - 1] = '\0';
	CHECK(proc(big, NULL), "proc: a path longer than the buffer");

	CHECK(unit("/system.slice/php8.2-fpm.service", "php8.2-fpm.service"),
	    "unit: a service");
	CHECK(unit("/S.slice/user@33.service/php-fpm@shop.service",
	    "user@33.service"), "unit: under user@33.service, that unit");
	CHECK(unit("/S.slice/other.service/php-fpm@shop.service",
	    "other.service"), "unit: a delegated sub-cgroup is not a unit");
	CHECK(unit("/user.slice/user-1000.slice/session-4.scope",
	    "session-4.scope"), "unit: a scope after two slices");
	CHECK(unit("/system.slice/system-getty.slice/getty@tty1.service",
	    "getty@tty1.service"), "unit: a templated instance");
	CHECK(unit("/system.slice/_cpu.service", "cpu.service"),
	    "unit: systemd's _ escape dropped");
	CHECK(unit("/", NULL), "unit: the root names none");
	CHECK(unit("/system.slice", NULL), "unit: a slice alone names none");
	CHECK(unit("/t1/x.service", NULL), "unit: a cgroup made by hand");
	CHECK(unit("/system.slice/foo@.service", NULL),
	    "unit: a template is never a running unit");
	CHECK(unit("/../system.slice/a.service", NULL),
	    "unit: outside our namespace names none");

	CHECK(cgroup_under("/system.slice/php-fpm.service",
	    "/system.slice/php-fpm.service"), "under: the path itself");
	CHECK(cgroup_under("/system.slice/php-fpm.service/pool",
	    "/system.slice/php-fpm.service"), "under: below it");
	CHECK(!cgroup_under("/system.slice/php-fpm.service",
	    "/system.slice/php"), "under: whole components only");
	CHECK(cgroup_under("/anything", "/"), "under: / holds every path");
	CHECK(!cgroup_under("/../other", "/"), "under: /.. is below nothing");
	CHECK(!cgroup_under("/..", "/"), "under: /.. itself neither");

	CHECK(cgroup_unit_valid("php-fpm@shop.service", &e) == 0,
	    "valid unit: an instance");
	CHECK(cgroup_unit_valid("php-fpm@.service", &e) == -1 &&
	    strstr(e, "template") != NULL, "valid unit: a template: %s", e);
	CHECK(cgroup_unit_valid("system.slice", &e) == -1 &&
	    strstr(e, "slice") != NULL, "valid unit: a slice: %s", e);
	CHECK(cgroup_unit_valid("php-fpm", &e) == -1,
	    "valid unit: no type: %s", e);
	CHECK(cgroup_unit_valid("a b.service", &e) == -1,
	    "valid unit: a space");
	CHECK(cgroup_unit_valid("@x.service", &e) == -1,
	    "valid unit: @ first");
	CHECK(cgroup_unit_valid("x.sevrice", &e) == -1,
	    "valid unit: an unknown type");
	memset(big, 'a', 252);
	strcpy(big + 252, ".service");
	CHECK(cgroup_unit_valid(big, &e) == -1 && strstr(e, "255") != NULL,
	    "valid unit: 260 bytes: %s", e);

	CHECK(cgroup_path_valid("/", &e) == 0, "valid path: /");
	CHECK(cgroup_path_valid("/system.slice/a.service", &e) == 0,
	    "valid path: a unit's");
	CHECK(cgroup_path_valid("system.slice", &e) == -1,
	    "valid path: relative: %s", e);
	CHECK(cgroup_path_valid("/../x", &e) == -1 &&
	    strstr(e, "namespace") != NULL, "valid path: /..: %s", e);
	CHECK(cgroup_path_valid("/a//b", &e) == -1, "valid path: //");
	CHECK(cgroup_path_valid("/a/", &e) == -1, "valid path: trailing /");
	CHECK(cgroup_path_valid("/a/./b", &e) == -1, "valid path: .");
	CHECK(cgroup_path_valid("/a/../b", &e) == -1, "valid path: ..");
	CHECK(cgroup_path_valid("/a\nb", &e) == -1, "valid path: a newline");
	return UNIT_DONE();
}
