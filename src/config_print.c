/*
 * --check's printout: the effective configuration on stdout, one
 * "key: value" line each, as a start would use it.
 */
#include <sys/types.h>

#include <stdio.h>

#include "cgroup.h"
#include "config.h"
#include "ids.h"
#include "policy.h"
#include "record.h"

static const char *
name_of(enum ids_kind kind, id_t id, char *buf, size_t size)
{
	return ids_name(kind, id, buf, size, "-");
}

/* The socket file's mode and owner, for a path we bind. */
static void
print_socket(const struct config *c)
{
	char	 n1[256], n2[256];

	if (c->mode == (mode_t)-1)
		printf("socket mode: as the umask allows\n");
	else
		printf("socket mode: %04o\n", (unsigned int)c->mode);
	if (c->owner_uid == (uid_t)-1)
		printf("socket owner: unchanged\n");
	else if (c->owner_gid == (gid_t)-1)
		printf("socket owner: %s (uid %lu)\n",
		    name_of(IDS_USER, c->owner_uid, n1, sizeof(n1)),
		    (unsigned long)c->owner_uid);
	else
		printf("socket owner: %s:%s (uid %lu, gid %lu)\n",
		    name_of(IDS_USER, c->owner_uid, n1, sizeof(n1)),
		    name_of(IDS_GROUP, c->owner_gid, n2, sizeof(n2)),
		    (unsigned long)c->owner_uid, (unsigned long)c->owner_gid);
}

/* Who may connect, and what runs for them. */
static void
print_policy(const struct config *c)
{
	const struct policy	*pol = &c->policy;
	char			 n1[256], n2[256];
	size_t			 i;

	if (pol->any)
		printf("allow: any peer\n");
	if (c->rules_file != NULL)
		printf("allow: the callers the rules name\n");
	else if (!pol->any && pol->nuids == 0 && pol->ngids == 0)
		printf("allow: user %s (uid %lu, the listener's own)\n",
		    name_of(IDS_USER, pol->self, n1, sizeof(n1)),
		    (unsigned long)pol->self);
	for (i = 0; i < pol->nuids; i++)
		printf("allow: user %s (uid %lu)\n",
		    name_of(IDS_USER, pol->uids[i], n1, sizeof(n1)),
		    (unsigned long)pol->uids[i]);
	for (i = 0; i < pol->ngids; i++)
		printf("allow: group %s (gid %lu)\n",
		    name_of(IDS_GROUP, pol->gids[i], n1, sizeof(n1)),
		    (unsigned long)pol->gids[i]);
	for (i = 0; i < pol->nunits; i++)
		printf("require-unit: %s\n", pol->units[i]);
	for (i = 0; i < pol->ncgroups; i++)
		printf("require-cgroup: %s\n", pol->cgroups[i]);
	if (c->cgroup.dirfd != -1)
		printf("cgroups: v2 at %s; ", c->cgroup.mount);
	else
		printf("cgroups: ");
	printf("%s\n", cgroup_kernel_text(&c->cgroup));
	if (c->rules_file != NULL)
		printf("mode: rules\nrules: %s (%zu actions)\n", c->rules_file,
		    c->rules.n);
	else if (c->command == NULL)
		printf("mode: print (format %s)\n", c->format == RECORD_JSON ?
		    "json" : c->format == RECORD_RAW ? "raw" : "text");
	else {
		printf("mode: exec\ncommand: %s", c->path);
		for (i = 1; c->command[i] != NULL; i++)
			printf(" %s", c->command[i]);
		printf("\n");
	}
	if (c->run_as == NULL)
		return;
	printf("run-as: %s (uid %lu), group %s (gid %lu), groups",
	    name_of(IDS_USER, c->runas.uid, n1, sizeof(n1)),
	    (unsigned long)c->runas.uid,
	    name_of(IDS_GROUP, c->runas.gid, n2, sizeof(n2)),
	    (unsigned long)c->runas.gid);
	for (i = 0; i < c->runas.ngroups; i++)
		printf("%c%lu", i == 0 ? ' ' : ',',
		    (unsigned long)c->runas.groups[i]);
	printf("\n");
}

/* The effective configuration on stdout, one "key: value" line each. */
int
config_print(const struct config *c)
{
	size_t	 i;

	printf("address: %s (%s)\n", c->addr.text, c->activated ?
	    "passed by systemd" : c->addr.abstract ? "abstract" :
	    "filesystem path");
	if (!c->activated && !c->addr.abstract)
		print_socket(c);
	print_policy(c);
	for (i = 0; i < c->nkeep; i++)
		printf("keep-env: %s\n", c->keep_env[i]);
	printf("max-size: %zu\nmax-conns: %u\nmax-conns-per-uid: %u\n"
	    "timeout: %u\nidle-timeout: %u\nstop-timeout: %u\nonce: %s\n"
	    "log: %s\n", c->max_size, c->max_conns, c->max_conns_per_uid,
	    c->timeout, c->idle_timeout, c->stop_timeout,
	    c->once ? "yes" : "no",
	    c->syslog ? "syslog (daemon; denials authpriv)" : "stderr");
	/* Last, the rules in canonical form: a file of their own if cut out. */
	if (c->rules_file != NULL && rules_print(stdout, &c->rules) == -1)
		return -1;
	return fflush(stdout) == EOF ? -1 : 0;
}
