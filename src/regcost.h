/*
 * What glibc's regcomp(3) builds of a pattern, counted as pattern.c parses
 * it: the nodes once repetitions are expanded, and the paths its leading
 * anchor copies, so that a pattern too costly to compile is refused first.
 */
#ifndef PEERRELAY_REGCOST_H
#define PEERRELAY_REGCOST_H

/* Nodes once repetitions are expanded; the start's paths. */
#define PATTERN_MAX_SIZE	1024
#define PATTERN_MAX_START	1024

/* Past every bound: sums and products saturate here. */
#define REGCOST_CAP	(PATTERN_MAX_SIZE + PATTERN_MAX_START + 1UL)

/*
 * A subexpression as regcomp builds it: its nodes; the nodes the
 * pattern's leading anchor copies when the closure after it reaches this
 * one's start, counted path by path as glibc walks them (an upper bound);
 * the paths that cross it matching nothing; whether it may match nothing.
 */
struct regcost {
	unsigned long	 size;
	unsigned long	 start;
	unsigned long	 exits;
	int		 empty;
};

extern const struct regcost	 regcost_nothing, regcost_one, regcost_anchor;

unsigned long	regcost_add(unsigned long, unsigned long);
void	regcost_concat(struct regcost *, const struct regcost *);
void	regcost_alternate(struct regcost *, const struct regcost *);
void	regcost_repeat(struct regcost *, long, long);

#endif
