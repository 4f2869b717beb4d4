/*
 * A subexpression's cost as glibc's regcomp(3) builds it (regcost.h):
 * concatenated, alternated, repeated; every sum and product saturating
 * past the bounds, so no count overflows.
 */
#include "regcost.h"

const struct regcost	 regcost_nothing = { 0, 0, 1, 1 };
const struct regcost	 regcost_one = { 1, 1, 0, 0 };
const struct regcost	 regcost_anchor = { 1, 1, 1, 1 };

unsigned long
regcost_add(unsigned long a, unsigned long b)
{
	return a + b > REGCOST_CAP ? REGCOST_CAP : a + b;
}

/* Both at most REGCOST_CAP or a count: no overflow. */
static unsigned long
mul(unsigned long a, unsigned long b)
{
	return a * b > REGCOST_CAP ? REGCOST_CAP : a * b;
}

/* XY: the start walks on into Y along every path that crosses X. */
void
regcost_concat(struct regcost *x, const struct regcost *y)
{
	x->size = regcost_add(x->size, y->size);
	x->start = regcost_add(x->start, mul(x->exits, y->start));
	x->exits = mul(x->exits, y->exits);
	x->empty = x->empty && y->empty;
}

/* X|Y: one node choosing. */
void
regcost_alternate(struct regcost *x, const struct regcost *y)
{
	x->size = regcost_add(regcost_add(x->size, y->size), 1);
	x->start = regcost_add(regcost_add(x->start, y->start), 1);
	x->exits = regcost_add(x->exits, y->exits);
	x->empty = x->empty || y->empty;
}

/*
 * X{m,n} (n == -1: unbounded) as glibc expands it: m copies, then
 * X* or n - m nested optional copies; X must match a character.
 */
void
regcost_repeat(struct regcost *x, long m, long n)
{
	unsigned long	 s = x->size;

	if (m == 0 && n == 0)
		*x = regcost_nothing;
	else if (m == 0 && n == -1) {
		x->size = regcost_add(s, 1);
		x->start = regcost_add(x->start, 1);
		x->exits = 1;
		x->empty = 1;
	} else if (m == 0) {
		/* (((X)?X)?X)?: the first node reaches every copy's start. */
		x->size = mul(regcost_add(s, 1), (unsigned long)n);
		x->start = mul(regcost_add(x->start, 1), (unsigned long)n);
		x->exits = 1;
		x->empty = 1;
	} else if (n == -1)
		x->size = regcost_add(mul(s, (unsigned long)m + 1), 1);
	else
		x->size = regcost_add(mul(s, (unsigned long)n),
		    (unsigned long)(n - m));
}
