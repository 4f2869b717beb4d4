/* The listener's configuration: its options, start-up checks and --check. */
#ifndef PEERRELAY_CONFIG_H
#define PEERRELAY_CONFIG_H

#include <sys/types.h>

#include <limits.h>
#include <stddef.h>

#include "activate.h"
#include "addr.h"
#include "cgroup.h"
#include "policy.h"
#include "privdrop.h"
#include "record.h"
#include "rules.h"

#define CONFIG_MAX_KEEP_ENV	64
/* --max-conns: the default and the most. */
#define CONFIG_CONNS		64
#define CONFIG_MAX_CONNS	1024
/* --max-conns-per-uid: the default leaves room for other users. */
#define CONFIG_CONNS_PER_UID	16

/* Every option of `listen`, one struct: see listen_usage in cmd/listen.c. */
struct config {
	struct addr		 addr;
	struct policy		 policy;
	enum record_format	 format;
	size_t			 max_size;
	unsigned int		 max_conns;
	unsigned int		 max_conns_per_uid;	/* >= max_conns: none */
	unsigned int		 timeout;
	unsigned int		 idle_timeout;
	unsigned int		 stop_timeout;	/* seconds, 0: wait */
	int			 once;
	int			 verbosity;
	mode_t			 mode;		/* -1: as the umask has it */
	uid_t			 owner_uid;	/* -1: unchanged */
	gid_t			 owner_gid;
	int			 have_owner;
	char			*keep_env[CONFIG_MAX_KEEP_ENV];
	size_t			 nkeep;
	char			**command;	/* NULL: print or rules mode */
	const char		*rules_file;	/* --rules FILE, or NULL */
	struct rules		 rules;		/* FILE's, once read */
	char			 path[PATH_MAX];	/* command[0], resolved */
	struct activation	 act;		/* what LISTEN_* said */
	int			 activated;	/* no ADDRESS: systemd's fd 3 */
	int			 check;		/* --check: validate, print */
	int			 syslog;
	int			 log_json;	/* --log-format json */
	int			 logfd;		/* --syslog: /dev/log, or -1 */
	const char		*run_as;	/* --run-as as given, or NULL */
	struct runas		 runas;
	struct cgroup_fs	 cgroup;	/* where peers' cgroups are read */
};

/* Why start-up refused: the exit status and the message. */
struct fault {
	int	 status;
	char	 msg[PATH_MAX + 256];
};

/* Exec mode: a COMMAND, or a rule's command for each request. */
#define CONFIG_EXEC(c)	((c)->command != NULL || (c)->rules_file != NULL)

void	config_init(struct config *);
int	config_keep_env(struct config *, const char *, const char **);
int	config_rules(const struct config *, char *, size_t);
int	config_check(struct config *, int *, struct fault *);
int	config_trust_rule(const struct config *, const struct rule *,
	    struct fault *);
/* config_rules.c */
int	config_load_rules(const struct config *, struct rules *,
	    const char *, struct fault *);
int	config_reload(struct config *);
int	config_print(const struct config *);
void	config_free(struct config *);

#endif
