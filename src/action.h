/* A request in rules mode: judged against the rules, its command line built. */
#ifndef PEERRELAY_ACTION_H
#define PEERRELAY_ACTION_H

#include <stddef.h>

#include "peer.h"
#include "request.h"
#include "rules.h"

/* A refusal's reason: its action's name escaped, and words around it. */
#define ACTION_WHY_SIZE	(REQUEST_MAX_ACTION * 4 + 96)

struct action {
	const struct rule	*rule;		/* when allowed */
	int			 list;		/* a list request: no rule */
	char			*argv[RULES_MAX_ARGS + 2];
	struct request		 rq;		/* the header, in the datagram */
	int			 status;	/* refused: 65 or 77, else 0 */
	char			 reply[ACTION_WHY_SIZE];	/* to the caller */
	char			 log[ACTION_WHY_SIZE];	/* to the log */
};

int	action_judge(const struct rules *, const struct peer *, int,
	    const char *, size_t, struct action *);

#endif
