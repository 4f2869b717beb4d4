/*
 * --run-as USER[:GROUP]: resolved once at start-up (the user's groups as
 * initgroups(3) would set them), applied in the command's child process
 * just before execve: setgroups, setgid, setuid, each checked, then a check
 * that the old uid cannot be regained.
 */
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <linux/capability.h>

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ids.h"
#include "privdrop.h"

/* Groups looked up before asking getgrouplist for the real count. */
#define RUNAS_FIRST_GROUPS	64

/*
 * Resolve USER[:GROUP] (names or numbers). Without GROUP the gid is the
 * user's primary group; a uid without a passwd entry then needs GROUP.
 */
int
runas_parse(const char *spec, struct runas *r, const char **errstr)
{
	struct passwd	*pw;
	gid_t		*g;
	char		*name = NULL;
	int		 n;

	memset(r, 0, sizeof(*r));
	r->from = geteuid();
	if (ids_owner(spec, &r->uid, &r->gid, errstr) == -1)
		return -1;
	pw = getpwuid(r->uid);
	if (r->gid == (gid_t)-1) {
		if (pw == NULL) {
			*errstr = "uid has no passwd entry: give USER:GROUP";
			return -1;
		}
		r->gid = pw->pw_gid;
	}
	if (pw != NULL && (name = strdup(pw->pw_name)) == NULL) {
		*errstr = "out of memory";
		return -1;
	}
	if (name == NULL) {
		/* No name, no group membership: the gid alone. */
		if ((r->groups = malloc(sizeof(gid_t))) == NULL) {
			*errstr = "out of memory";
			return -1;
		}
		r->groups[0] = r->gid;
		r->ngroups = 1;
		return 0;
	}
	n = RUNAS_FIRST_GROUPS;
	if ((g = malloc((size_t)n * sizeof(*g))) == NULL)
		goto nomem;
	if (getgrouplist(name, r->gid, g, &n) == -1) {
		/* n is now the count needed: cap it before allocating. */
		free(g);
		if (n <= 0 || n > NGROUPS_MAX) {
			free(name);
			*errstr = "too many supplementary groups";
			return -1;
		}
		if ((g = malloc((size_t)n * sizeof(*g))) == NULL)
			goto nomem;
		if (getgrouplist(name, r->gid, g, &n) == -1) {
			free(g);
			free(name);
			*errstr = "group membership changed while read";
			return -1;
		}
	}
	free(name);
	r->groups = g;
	r->ngroups = (size_t)n;
	return 0;
nomem:
	free(name);
	*errstr = "out of memory";
	return -1;
}

/* Can this process change its credentials and signal the result? */
int
runas_permitted(const char **errstr)
{
	struct __user_cap_header_struct	 h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct	 d[2];
	static const struct {
		int		 cap;
		const char	*name;
	} need[] = {
		{ CAP_SETUID, "needs root (CAP_SETUID)" },
		{ CAP_SETGID, "needs root (CAP_SETGID)" },
		/* --timeout signals the command, which runs as another user. */
		{ CAP_KILL, "needs root (CAP_KILL)" },
	};
	size_t	 i;

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) == -1) {
		*errstr = "cannot read capabilities";
		return -1;
	}
	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if ((d[need[i].cap / 32].effective &
		    (1U << (need[i].cap % 32))) == 0) {
			*errstr = need[i].name;
			return -1;
		}
	return 0;
}

/*
 * In the child, which shares the listener's memory: raw system calls only
 * (glibc's wrappers would try to change every thread). On failure
 * *stage names the step and errno says why; the caller must not exec.
 */
int
runas_drop(const struct runas *r, const char **stage)
{
	uid_t	 ru, eu, su;
	gid_t	 rg, eg, sg;

	*stage = "setgroups";
	if (syscall(SYS_setgroups, r->ngroups, r->groups) == -1)
		return -1;
	*stage = "setgid";
	if (syscall(SYS_setgid, r->gid) == -1)
		return -1;
	*stage = "setuid";
	if (syscall(SYS_setuid, r->uid) == -1)
		return -1;
	*stage = "credentials check";
	if (syscall(SYS_getresuid, &ru, &eu, &su) == -1 ||
	    syscall(SYS_getresgid, &rg, &eg, &sg) == -1)
		return -1;
	if (ru != r->uid || eu != r->uid || su != r->uid || rg != r->gid ||
	    eg != r->gid || sg != r->gid) {
		errno = EPERM;
		return -1;
	}
	/* Dropping must be for good: neither the old uid nor root comes back. */
	*stage = "old uid regained";
	if ((r->uid != r->from && syscall(SYS_setuid, r->from) != -1) ||
	    (r->uid != 0 && syscall(SYS_setuid, 0) != -1)) {
		errno = EPERM;
		return -1;
	}
	/* Ambient capabilities would survive execve: none pass. */
	*stage = "clear ambient capabilities";
	if (syscall(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0,
	    0) == -1 && errno != EINVAL)
		return -1;
	*stage = NULL;
	return 0;
}

/*
 * Can the user execute path, every directory on the way included? Asked
 * as the user, in a child that drops to it: 0, or -1 with errno.
 */
int
runas_can_exec(const struct runas *r, const char *path)
{
	const char	*stage;
	pid_t		 pid;
	int		 ws;

	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		if (runas_drop(r, &stage) == -1 || access(path, X_OK) == -1)
			_exit(errno > 0 && errno < 256 ? errno : EPERM);
		_exit(0);
	}
	while (waitpid(pid, &ws, 0) == -1)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0)
		return 0;
	errno = WIFEXITED(ws) ? WEXITSTATUS(ws) : EPERM;
	return -1;
}

void
runas_free(struct runas *r)
{
	free(r->groups);
	r->groups = NULL;
	r->ngroups = 0;
}
