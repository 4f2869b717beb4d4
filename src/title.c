/*
 * "peerrelay: listen ADDRESS (N active)", and a request's supervisor's,
 * through setproctitle(3).
 */
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "title.h"

/*
 * Show where the listener listens and how many connections it serves.
 * Cheap to call every round: the title is only rewritten on a change.
 */
void
title_listen(const char *where, unsigned int active)
{
	static const char	*shown_where;
	static unsigned int	 shown = UINT_MAX;

	if (where == shown_where && active == shown)
		return;
	shown_where = where;
	shown = active;
	setproctitle("-peerrelay: listen %s (%u active)", where, active);
}

/* A request's supervisor, told apart from its listener in ps(1). */
void
title_supervise(void)
{
	setproctitle("-peerrelay: supervise");
}
