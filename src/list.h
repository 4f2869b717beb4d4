/*
 * A list request (send --list): the actions a caller may call, a line
 * each, as its action's name and its slots in canonical form.
 */
#ifndef PEERRELAY_LIST_H
#define PEERRELAY_LIST_H

#include <stddef.h>

#include "peer.h"
#include "rules.h"

int	list_line(const struct rule *, char *, size_t);
int	list_lines(const struct rules *, const struct peer *, size_t *,
	    char *, size_t, size_t *);

#endif
