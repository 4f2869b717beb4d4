/*
 * The listener's configuration: defaults, the rules between options, the
 * one ordered list of start-up checks (a start and --check both run it),
 * and the effective configuration as --check prints it.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "activate.h"
#include "addr.h"
#include "cgroup.h"
#include "config.h"
#include "log.h"
#include "policy.h"
#include "privdrop.h"
#include "record.h"
#include "rules.h"
#include "safepath.h"
#include "server.h"
#include "spawn.h"

#define DEFAULT_MAX_SIZE	(64 * 1024)
#define DEFAULT_IDLE		60
#define DEFAULT_STOP		30
#define STR(x)			#x
#define XSTR(x)			STR(x)

void
config_init(struct config *c)
{
	memset(c, 0, sizeof(*c));
	policy_init(&c->policy, geteuid());
	c->format = RECORD_TEXT;
	c->max_size = DEFAULT_MAX_SIZE;
	c->max_conns = CONFIG_CONNS;
	c->max_conns_per_uid = CONFIG_CONNS_PER_UID;
	c->idle_timeout = DEFAULT_IDLE;
	c->stop_timeout = DEFAULT_STOP;
	c->verbosity = LOG_NORMAL;
	c->mode = (mode_t)-1;
	c->owner_uid = (uid_t)-1;
	c->owner_gid = (gid_t)-1;
	c->logfd = -1;
	cgroup_init(&c->cgroup);
}

/* --keep-env NAME: a portable variable name the listener does not set itself. */
int
config_keep_env(struct config *c, const char *name, const char **errstr)
{
	if (c->nkeep == CONFIG_MAX_KEEP_ENV) {
		*errstr = "more than " XSTR(CONFIG_MAX_KEEP_ENV);
		return -1;
	}
	/* As a rule's keepenv: the peer's identity and PATH are never its. */
	if (rules_env_name(name, errstr) == -1)
		return -1;
	c->keep_env[c->nkeep++] = (char *)name;
	return 0;
}

/* The rules between options, once all are read: -1 and msg for a broken one. */
int
config_rules(const struct config *c, char *msg, size_t size)
{
	int	 owner = c->mode != (mode_t)-1 || c->have_owner;

	if (c->activated && owner)
		snprintf(msg, size, "--mode and --owner do not apply to a "
		    "socket passed by systemd (set SocketMode=, SocketUser= "
		    "and SocketGroup= in its .socket unit)");
	else if (c->rules_file != NULL && (c->command != NULL ||
	    c->policy.nuids + c->policy.ngids + c->policy.nunits +
	    c->policy.ncgroups > 0 || c->policy.any || c->run_as != NULL ||
	    c->nkeep > 0))
		snprintf(msg, size, "--rules: %s does not apply (each rule "
		    "names its callers and its command)", c->command != NULL ?
		    "a COMMAND" : c->policy.nuids > 0 ? "--allow-user" :
		    c->policy.ngids > 0 ? "--allow-group" : c->policy.any ?
		    "--allow-any" : c->policy.nunits > 0 ? "--require-unit" :
		    c->policy.ncgroups > 0 ? "--require-cgroup" :
		    c->run_as != NULL ? "--run-as" : "--keep-env");
	else if (c->run_as != NULL && c->command == NULL)
		snprintf(msg, size, "--run-as needs a COMMAND");
	else if (c->addr.abstract && owner)
		snprintf(msg, size, "--mode and --owner need a filesystem "
		    "socket, not %s", c->addr.text);
	else if (c->nkeep > 0 && c->command == NULL)
		snprintf(msg, size, "--keep-env needs a COMMAND");
	else
		return 0;
	return -1;
}

static int
fail(struct fault *f, int status, const char *fmt, ...)
{
	va_list	 ap;

	f->status = status;
	va_start(ap, fmt);
	vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* Why the address cannot be had, from the errno binding or probing left. */
static int
address_fault(const struct config *c, struct fault *f)
{
	if (errno == EADDRINUSE)
		return fail(f, EX_UNAVAILABLE, "%s: address in use by a "
		    "running listener", c->addr.text);
	if (errno == ENOTSOCK)
		return fail(f, EX_UNAVAILABLE, "%s: exists and is not a socket",
		    c->addr.text);
	return fail(f, EX_UNAVAILABLE, "%s: %s", c->addr.text,
	    strerror(errno));
}

/* Bind the address, or take systemd's socket: the last step of a start. */
static int
take_address(struct config *c, int *lfd, struct fault *f)
{
	const char	*errstr, *step;

	if (c->activated) {
		if ((*lfd = activate_socket(&c->act, &c->addr, 1,
		    &errstr)) == -1)
			return fail(f, EX_UNAVAILABLE, "socket activation: %s",
			    errstr);
		/*
		 * A connection takes SO_PASSCRED from the listening socket
		 * when it connects: one that waits since before this start
		 * has it only once admitted, and a datagram sent as it is
		 * accepted comes with no credentials (r77).
		 */
		if (!c->act.passcred)
			log_line(LOG_ALWAYS, "note: socket activation: fd 3 "
			    "was not set to pass credentials (PassCredentials=yes "
			    "in the .socket unit): a client that connected "
			    "before this start may be refused once");
		return 0;
	}
	*lfd = addr_listen(&c->addr, c->mode, c->owner_uid, c->owner_gid,
	    SOMAXCONN, &step);
	if (*lfd != -1)
		return 0;
	if (errno == EADDRINUSE || errno == ENOTSOCK)
		return address_fault(c, f);
	if (strcmp(step, "lock") == 0 && errno == EPERM)
		return fail(f, EX_UNAVAILABLE, "%s.lock: not a file of root or "
		    "the listener's user: remove it", c->addr.text);
	if (strcmp(step, "lock") == 0)
		return fail(f, EX_UNAVAILABLE, "%s.lock: %s", c->addr.text,
		    strerror(errno));
	return fail(f, EX_UNAVAILABLE, "%s: %s: %s", c->addr.text, step,
	    strerror(errno));
}

/* --check: what binding would meet, binding nothing. A live listener is only noted. */
static int
probe_address(const struct config *c, struct fault *f)
{
	if (c->activated || addr_probe(&c->addr) == 0)
		return 0;
	if (errno == ENOTSOCK)
		return address_fault(c, f);
	if (errno == EADDRINUSE)
		log_line(LOG_ALWAYS, "note: %s: in use by a running listener "
		    "(a start now would exit %d)", c->addr.text,
		    EX_UNAVAILABLE);
	else
		log_line(LOG_ALWAYS, "note: %s: %s", c->addr.text,
		    strerror(errno));
	return 0;
}

/*
 * COMMAND must be a file no one but root and the listener's user can change
 * or swap: path (as given, or resolved) passes the safe-path check and is a
 * regular file.
 */
static int
trust_command(const char *path, struct fault *f)
{
	struct stat	 st;
	char		 why[PATH_MAX + 128];
	int		 fd;

	if (safepath_open(path, geteuid(), &fd, why, sizeof(why)) == -1)
		return fail(f, EX_USAGE, "%s: %s command: %s", path,
		    errno == EPERM ? "unsafe" : "cannot check the", why);
	if (fstat(fd, &st) == -1) {
		close(fd);
		return fail(f, EX_USAGE, "%s: %s", path, strerror(errno));
	}
	close(fd);
	if (!S_ISREG(st.st_mode))
		return fail(f, EX_USAGE, "%s: unsafe command: not a regular "
		    "file", path);
	return 0;
}

/*
 * The cgroup v2 hierarchy and what the kernel offers, read for every
 * listener (peers' cgroups go to the command and the records); the
 * --require-* conditions refuse to start without them, never weakened.
 */
static int
check_cgroups(struct config *c, int check, struct fault *f)
{
	const struct policy	*pol = &c->policy;
	const char		*opt;
	size_t			 i;

	opt = pol->nunits > 0 ? "--require-unit" : "--require-cgroup";
	if (cgroup_open(&c->cgroup) == -1 && pol->nunits + pol->ncgroups > 0)
		return fail(f, EX_UNAVAILABLE, "%s: no cgroup v2 hierarchy is "
		    "mounted (no cgroup2 in /proc/self/mountinfo)", opt);
	if (pol->nunits + pol->ncgroups > 0 &&
	    c->cgroup.kernel == CGROUP_NO_PEERPIDFD)
		return fail(f, EX_UNAVAILABLE, "%s: needs SO_PEERPIDFD (Linux "
		    "6.5 or later) to read a peer's cgroup race-free, and this "
		    "kernel lacks it", opt);
	for (i = 0; check && i < pol->ncgroups; i++)
		if (cgroup_exists(&c->cgroup, pol->cgroups[i]) == -1)
			log_line(LOG_ALWAYS, "note: --require-cgroup %s: %s now "
			    "(peers below it are allowed once it exists)",
			    pol->cgroups[i], errno == ENOENT ? "no such cgroup" :
			    strerror(errno));
	return 0;
}

/*
 * A rule's command trusted and executable as COMMAND is, and its unit and
 * cgroup clauses possible on this kernel; -1 and f. At start and reload.
 */
int
config_trust_rule(const struct config *c, const struct rule *r, struct fault *f)
{
	const char	*errstr;
	size_t		 i;

	if (trust_command(r->path, f) == -1)
		return -1;
	if (access(r->path, X_OK) == -1)
		return fail(f, EX_USAGE, "%s: cannot execute: %s", r->path,
		    strerror(errno));
	if (r->opts.max_size > c->max_size)
		return fail(f, EX_USAGE, "max-size %zu: larger than the "
		    "listener's --max-size %zu", r->opts.max_size, c->max_size);
	/* As --run-as: the privilege to change identity, and (--check) exec. */
	if (r->opts.run_as != NULL && runas_permitted(&errstr) == -1)
		return fail(f, EX_NOPERM, "run-as %s: %s", r->opts.run_as,
		    errstr);
	if (c->check && r->opts.run_as != NULL &&
	    runas_can_exec(&r->opts.runas, r->path) == -1)
		return fail(f, EX_NOPERM, "run-as %s: cannot execute %s: %s",
		    r->opts.run_as, r->path, strerror(errno));
	if (c->cgroup.dirfd != -1 && c->cgroup.kernel != CGROUP_NO_PEERPIDFD)
		return 0;
	for (i = 0; i < r->nwho; i++)
		if (r->who[i].kind == 'n' || r->who[i].kind == 'c')
			return fail(f, EX_UNAVAILABLE, "%s %s: needs a cgroup "
			    "v2 hierarchy and SO_PEERPIDFD (Linux 6.5 or "
			    "later) to read a caller's cgroup race-free",
			    r->who[i].kind == 'n' ? "unit" : "cgroup",
			    r->who[i].text);
	return 0;
}

/*
 * Every start-up check, in order; with lfd, a start (the last step binds
 * the address into *lfd), else --check. -1 and f on the first refusal.
 */
int
config_check(struct config *c, int *lfd, struct fault *f)
{
	unsigned long long	 need, limit;
	const char		*errstr;
	char			 why[PATH_MAX + 128];

	if (c->activated && activate_socket(&c->act, &c->addr, 0,
	    &errstr) == -1)
		return fail(f, EX_UNAVAILABLE, "socket activation: %s", errstr);
	if (check_cgroups(c, lfd == NULL, f) == -1)
		return -1;
	if (c->rules_file != NULL &&
	    config_load_rules(c, &c->rules, NULL, f) == -1)
		return -1;
	if (c->command != NULL &&
	    spawn_resolve(c->command[0], c->path, sizeof(c->path)) == -1)
		return fail(f, EX_USAGE, "%s: not found or not executable",
		    c->command[0]);
	/* As given (links in it included), then as it will be run. */
	if (c->command != NULL && strchr(c->command[0], '/') != NULL &&
	    trust_command(c->command[0], f) == -1)
		return -1;
	if (c->command != NULL && trust_command(c->path, f) == -1)
		return -1;
	/* Only with the privilege to change identity (and to signal it). */
	if (c->run_as != NULL && runas_permitted(&errstr) == -1)
		return fail(f, EX_NOPERM, "--run-as %s: %s", c->run_as, errstr);
	/*
	 * --check only: a start serves on, each request refused (70) until
	 * the file's mode lets the user in.
	 */
	if (lfd == NULL && c->run_as != NULL &&
	    runas_can_exec(&c->runas, c->path) == -1)
		return fail(f, EX_NOPERM, "--run-as %s: cannot execute %s: %s",
		    c->run_as, c->path, strerror(errno));
	/* --syslog: a socket of our own to /dev/log, kept for the run. */
	if (c->syslog && c->logfd == -1 &&
	    (c->logfd = log_open_syslog()) == -1)
		return fail(f, EX_UNAVAILABLE, "--syslog: /dev/log: %s",
		    strerror(errno));
	if (server_fd_budget(c->max_conns, &need, &limit) == -1)
		return fail(f, EX_USAGE, "--max-conns %u: needs %llu "
		    "descriptors, the limit is %llu", c->max_conns, need, limit);
	if (!c->activated && !c->addr.abstract && c->addr.dirfd == -1 &&
	    addr_open_dir(&c->addr, geteuid(), why, sizeof(why)) == -1) {
		/* --check before the directory is made (RuntimeDirectory=). */
		if (lfd == NULL && errno == ENOENT) {
			log_line(LOG_ALWAYS, "note: %s: %s (a start now would "
			    "exit %d)", c->addr.text, why, EX_UNAVAILABLE);
			return 0;
		}
		return fail(f, errno == EPERM || errno == EINVAL ||
		    errno == ENAMETOOLONG ? EX_USAGE : EX_UNAVAILABLE,
		    "%s: %s%s", c->addr.text, errno == EPERM ?
		    "unsafe socket directory: " : "", why);
	}
	if (lfd == NULL)
		return probe_address(c, f);
	return take_address(c, lfd, f);
}

void
config_free(struct config *c)
{
	rules_free(&c->rules);
	runas_free(&c->runas);
	cgroup_close(&c->cgroup);
	if (c->logfd != -1)
		close(c->logfd);
	c->logfd = -1;
}
