/* The denial rate limit: lines in full, counts, summaries, the bounded table. */
#include <stdio.h>
#include <string.h>

#include "../../src/denials.h"
#include "unit.h"

static char	 said[DENIALS_UIDS + 8][128];
static int	 nsaid, refuse_all;

static int
emit(enum denial_kind kind, const char *line, size_t n)
{
	(void)kind;
	if (refuse_all || nsaid == (int)(sizeof(said) / sizeof(said[0])))
		return -1;
	snprintf(said[nsaid++], sizeof(said[0]), "%.*s", (int)n, line);
	return 0;
}

int
main(void)
{
	int		 full = 0, i;
	unsigned int	 uid;
	long long	 next;

	for (i = 0; i < 1000; i++)
		full += denials_take(DENIAL_DENY, 65534, 1000 + i);
	CHECK(full == DENIALS_FULL, "the first %d of a window in full (%d)",
	    DENIALS_FULL, full);
	CHECK(denials_take(DENIAL_DENY, 33, 1500) == 1,
	    "another uid has a window of its own");
	CHECK(denials_take(DENIAL_BUSY, 65534, 1500) == 1,
	    "busy refusals have a window of their own");
	next = denials_timers(5000, 0, emit);
	CHECK(nsaid == 0 && next == 1000 + DENIALS_WINDOW_MS,
	    "no summary before the window ends (next %lld)", next);
	denials_missed(DENIAL_DENY, 33);
	next = denials_timers(1000 + DENIALS_WINDOW_MS, 0, emit);
	CHECK(nsaid == 1 && strcmp(said[0],
	    "uid 65534: 995 more denials in 10 s") == 0, "the summary: %s",
	    nsaid > 0 ? said[0] : "none");
	next = denials_timers(1500 + DENIALS_WINDOW_MS, 0, emit);
	CHECK(nsaid == 2 && strcmp(said[1],
	    "uid 33: 1 more denials in 10 s") == 0,
	    "a line the log could not take is counted: %s",
	    nsaid > 1 ? said[1] : "none");
	CHECK(next == -1, "no window left open (%lld)", next);
	CHECK(denials_take(DENIAL_DENY, 65534, 20000) == 1,
	    "a new window, new lines in full");
	/* Past the table (65534 holds one place): one count for the rest. */
	nsaid = 0;
	for (uid = 1000; uid < 1000 + DENIALS_UIDS + 10; uid++)
		full = denials_take(DENIAL_DENY, uid, 20000);
	CHECK(full == 0, "a uid past the table is counted, not logged");
	refuse_all = 1;
	next = denials_timers(20000 + DENIALS_WINDOW_MS, 0, emit);
	CHECK(nsaid == 0 && next == 20000 + DENIALS_WINDOW_MS +
	    DENIALS_RETRY_MS, "a summary the log refuses is kept (%lld)",
	    next);
	CHECK(denials_take(DENIAL_DENY, 2000, 30500) == 1,
	    "closed windows free their places in the table");
	refuse_all = 0;
	(void)denials_timers(40000, 1, emit);
	CHECK(nsaid == 1 && strcmp(said[0],
	    "other uids: 11 more denials in 20 s") == 0,
	    "other uids in one line, kept until it is taken: %s",
	    nsaid > 0 ? said[0] : "none");
	nsaid = 0;
	for (i = 0, full = 0; i < 20; i++)
		full += denials_take(DENIAL_HANDON, 0, 50000 + i);
	(void)denials_timers(50000 + DENIALS_WINDOW_MS, 0, emit);
	CHECK(full == DENIALS_FULL && nsaid == 1 && strcmp(said[0],
	    "uid 0: 15 more handed-on refusals in 10 s") == 0,
	    "handed-on refusals: a window and a summary of their own: %s",
	    nsaid > 0 ? said[0] : "none");
	return UNIT_DONE();
}
