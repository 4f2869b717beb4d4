/* "peerrelay: listen ADDRESS (N active)" through setproctitle(3). */
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
