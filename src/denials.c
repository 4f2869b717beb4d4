/*
 * The rate limit on denial (busy, handed-on) lines: per uid and kind, the
 * first DENIALS_FULL of a window are logged in full, the rest are counted
 * and summed up in one line when the window ends. The table is bounded; uids
 * past it share one "other uids" count. Every refusal is a line or in a
 * count: a summary the log cannot take yet is kept and tried again.
 */
#include <sys/types.h>

#include <stdio.h>
#include <string.h>

#include "denials.h"

struct window {
	int			 used;
	enum denial_kind	 kind;
	uid_t			 uid;
	unsigned int		 logged;	/* lines in full so far */
	unsigned long long	 more;		/* counted, not logged */
	long long		 start;
	long long		 due;		/* summary due (or retry) */
};

static struct window	 tab[DENIALS_UIDS];
static struct window	 other[DENIAL_KINDS];	/* per kind, past the table */

static struct window *
find(enum denial_kind kind, uid_t uid, int make, long long now)
{
	struct window	*free_w = NULL;
	size_t		 i;

	for (i = 0; i < DENIALS_UIDS; i++) {
		if (!tab[i].used) {
			if (free_w == NULL)
				free_w = &tab[i];
			continue;
		}
		if (tab[i].kind == kind && tab[i].uid == uid)
			return &tab[i];
	}
	if (!make)
		return NULL;
	if (free_w == NULL)
		free_w = &other[kind];
	if (!free_w->used) {
		memset(free_w, 0, sizeof(*free_w));
		free_w->used = 1;
		free_w->kind = kind;
		free_w->uid = uid;
		free_w->start = now;
		free_w->due = now + DENIALS_WINDOW_MS;
	}
	return free_w;
}

/* A refusal of uid at now: 1 when it is to be logged in full, 0 when counted. */
int
denials_take(enum denial_kind kind, uid_t uid, long long now)
{
	struct window	*w = find(kind, uid, 1, now);

	if (w != &other[kind] && w->logged < DENIALS_FULL &&
	    w->more == 0) {
		w->logged++;
		return 1;
	}
	w->more++;
	return 0;
}

/* A line denials_take let through could not be queued: count it instead. */
void
denials_missed(enum denial_kind kind, uid_t uid)
{
	struct window	*w = find(kind, uid, 0, 0);

	if (w == NULL)
		w = &other[kind];
	if (w->logged > 0)
		w->logged--;
	w->more++;
	w->used = 1;
}

static int
summary(struct window *w, long long now, denials_emit emit)
{
	char		 line[128];
	char		 who[32];
	long long	 s = (now - w->start + 500) / 1000;
	int		 n;

	if (w == &other[w->kind])
		snprintf(who, sizeof(who), "other uids");
	else
		snprintf(who, sizeof(who), "uid %lu", (unsigned long)w->uid);
	n = snprintf(line, sizeof(line), "%s: %llu more %s in %lld s", who,
	    w->more, w->kind == DENIAL_DENY ? "denials" :
	    w->kind == DENIAL_BUSY ? "busy refusals" : "handed-on refusals",
	    s < 1 ? 1 : s);
	return emit(w->kind, line, (size_t)n);
}

/* Close one window: its summary queued, or kept for a retry. */
static void
close_window(struct window *w, long long now, denials_emit emit)
{
	if (w->more > 0 && summary(w, now, emit) == -1) {
		w->due = now + DENIALS_RETRY_MS;
		return;
	}
	w->used = 0;
}

/*
 * Summaries of the windows that ended by now (all of them with all set,
 * at exit), through emit. The next deadline, or -1.
 */
long long
denials_timers(long long now, int all, denials_emit emit)
{
	struct window	*w;
	long long	 next = -1;
	size_t		 i;

	for (i = 0; i < DENIALS_UIDS + DENIAL_KINDS; i++) {
		w = i < DENIALS_UIDS ? &tab[i] : &other[i - DENIALS_UIDS];
		if (!w->used)
			continue;
		if (all || now >= w->due)
			close_window(w, now, emit);
		if (w->used && (next == -1 || w->due < next))
			next = w->due;
	}
	return next;
}
