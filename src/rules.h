/*
 * A rules file (listen --rules FILE): one rule per action, who may call
 * it, and the command as an argv template whose slots take the caller's
 * arguments, each matched whole by its POSIX extended regex.
 */
#ifndef PEERRELAY_RULES_H
#define PEERRELAY_RULES_H

#include <sys/types.h>

#include <regex.h>
#include <stddef.h>
#include <stdio.h>

#include "privdrop.h"

/* Bounds, checked before anything is allocated. */
#define RULES_MAX		256		/* rules in a file */
#define RULES_MAX_FILE		(1024 * 1024)	/* bytes of a file */
#define RULES_MAX_LINE		4096		/* bytes of a line */
#define RULES_MAX_ACTION	64		/* bytes of an action's name */
#define RULES_MAX_WHO		64		/* user, group, unit, cgroup clauses */
#define RULES_MAX_ARGS		64		/* template elements after the path */
#define RULES_MAX_ERRORS	20		/* reported; the rest are counted */
#define RULES_MAX_NODES		16384		/* the patterns' sizes, in all */
#define RULES_MAX_ENV		32		/* setenv and keepenv options */
#define RULES_MAX_OPT_WORDS	(2 * RULES_MAX_ENV + 8)	/* options' words */

/* The action a plain request (no hello, no header) asks for. */
#define RULES_DEFAULT		"default"

/* An element of a command template: a fixed word or a caller's slot. */
struct rules_arg {
	char	*text;		/* the word, or the slot's pattern */
	int	 slot;
	int	 dash;		/* a slot that takes an argument beginning "-" */
	regex_t	 re;		/* a slot's "^(" PATTERN ")$" */
	int	 compiled;	/* re is to be regfree'd */
};

/* Who may call: the values as written (printed back) and resolved. */
struct rules_who {
	int	 kind;		/* 'u' user, 'g' group, 'n' unit, 'c' cgroup */
	char	*text;
	id_t	 id;		/* a user's uid, a group's gid */
};

/* A rule's options (rule_opts.c), written among its who-clauses. */
struct rule_env {
	char	*name;
	char	*value;		/* setenv's; keepenv's as the listener has it */
	int	 keep;		/* keepenv; value NULL: the listener lacks it */
	char	*entry;		/* "NAME=VALUE" for the command, or NULL */
};

struct rule_opts {
	int		 has_timeout;
	unsigned int	 timeout;	/* seconds, 0: never */
	size_t		 max_size;	/* a request's datagram; 0: none */
	struct rule_env	*env;
	size_t		 nenv;
	char		*run_as;	/* as written, or NULL */
	struct runas	 runas;
	int		 serial;
};

struct rule {
	char			 action[RULES_MAX_ACTION + 1];
	unsigned int		 line;
	struct rules_who	*who;
	size_t			 nwho;
	char			*path;		/* the command, absolute */
	struct rules_arg	*args;
	size_t			 nargs;
	size_t			 nslots;
	struct rule_opts	 opts;
};

struct rules {
	struct rule	*v;
	size_t		 n;
	int		 serial;	/* a rule has the serial option */
};

/* rules_file.c */
int	rules_read(const char *, uid_t, char **, size_t *, char *, size_t);

/* rule_opts.c */
int	rules_clause_kind(const char *);
int	rules_env_name(const char *, const char **);
int	rule_opt_values(const char *);
int	rule_opt_set(struct rule *, const char *, const char *, const char **);
void	rule_opts_print(FILE *, const struct rule *);
void	rule_opts_free(struct rule *);

int	rules_parse(const char *, size_t, struct rules *, char *, size_t);
void	rules_free(struct rules *);
void	rule_free(struct rule *);
int	rules_print(FILE *, const struct rules *);
const struct rule *rules_find(const struct rules *, const char *);
int	rules_action_valid(const char *);
int	rules_match(const struct rule *, char *const *, size_t, size_t *);
struct peer;
const char *rules_permits(const struct rule *, const struct peer *);
const char *rules_admits(const struct rules *, const struct peer *);

#endif
