/*
 * The client's input, framed into records: all of it as one, or one per
 * line or NUL-terminated record. Records are numbered as they stand in
 * the input, empty and oversized ones included, so a number is a line
 * number with --lines.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input.h"

#define READ_CHUNK	65536

void
input_init(struct input *in, enum input_split split, size_t limit)
{
	memset(in, 0, sizeof(*in));
	in->split = split;
	in->limit = limit;
}

/* The input is len bytes at p, all of it (send's MESSAGE). */
void
input_borrow(struct input *in, const char *p, size_t len)
{
	in->buf = (char *)p;
	in->end = in->cap = len;
	in->eof = in->borrowed = 1;
}

/*
 * One read(2) from fd into room at the end of the buffer, moving what is
 * consumed out first: 1 with data, 0 at end of input, -1 with errno.
 * Records handed out before are invalid afterwards.
 */
int
input_read(struct input *in, int fd)
{
	ssize_t	 n;
	char	*p;

	if (in->start > 0) {
		memmove(in->buf, in->buf + in->start, in->end - in->start);
		in->end -= in->start;
		in->scan -= in->start;
		in->start = 0;
	}
	if (in->cap - in->end < READ_CHUNK) {
		if ((p = realloc(in->buf, in->end + READ_CHUNK)) == NULL)
			return -1;
		in->buf = p;
		in->cap = in->end + READ_CHUNK;
	}
	while ((n = read(fd, in->buf + in->end, in->cap - in->end)) == -1)
		if (errno != EINTR)
			return -1;
	if (n == 0) {
		in->eof = 1;
		return 0;
	}
	in->end += (size_t)n;
	return 1;
}

/*
 * All of fd, up to max bytes: 0, or 1 when there is more (the rest is read
 * and counted in *total, so the message can name the size), -1 with errno.
 */
int
input_read_all(struct input *in, int fd, size_t max, size_t *total)
{
	char	 junk[READ_CHUNK];
	ssize_t	 n;
	int	 r;

	while ((r = input_read(in, fd)) == 1)
		if (in->end > max)
			break;
	*total = in->end;
	if (r == -1)
		return -1;
	if (r == 0)
		return 0;
	while ((n = read(fd, junk, sizeof(junk))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		*total += (size_t)n;
	}
	in->eof = 1;
	return 1;
}

/* The whole input as the one record, once, at its end. */
static enum input_got
next_whole(struct input *in, struct record *r)
{
	if (in->taken || !in->eof || (in->end == 0 && !in->empty_ok))
		return INPUT_NONE;
	in->taken = 1;
	in->start = in->scan = in->end;
	r->p = in->buf;
	r->len = in->end;
	r->recno = ++in->recno;
	return in->end > in->limit ? INPUT_OVERSIZED : INPUT_RECORD;
}

/* Whole input: hand its one record out again, for a new connection. */
void
input_again(struct input *in)
{
	if (in->split != INPUT_WHOLE || !in->taken)
		return;
	in->taken = 0;
	in->recno--;
}

/*
 * The next record whose end is in the buffer (or the last one, without
 * its terminator, at end of input). Empty records are counted and passed
 * over; a record over the limit is reported once (INPUT_OVERSIZED), as
 * soon as it is known to be too large, and its bytes are passed over.
 */
enum input_got
input_next(struct input *in, struct record *r)
{
	char	 delim = in->split == INPUT_LINES ? '\n' : '\0';
	char	*p, *rec;
	size_t	 len;

	if (in->split == INPUT_WHOLE)
		return next_whole(in, r);
	for (;;) {
		p = in->scan < in->end ?
		    memchr(in->buf + in->scan, delim, in->end - in->scan) :
		    NULL;
		if (p == NULL) {
			in->scan = in->end;
			len = in->end - in->start;
			if (!in->skipping && len > in->limit) {
				in->skipping = 1;
				in->start = in->scan = in->end;
				r->p = NULL;
				r->len = len;
				r->recno = ++in->recno;
				return INPUT_OVERSIZED;
			}
			if (in->skipping)
				in->start = in->scan = in->end;
			if (!in->eof || len == 0 || in->skipping)
				return INPUT_NONE;
			/* A last record without its terminator. */
			p = in->buf + in->end;
		}
		len = (size_t)(p - (in->buf + in->start));
		rec = in->buf + in->start;
		in->start = in->scan = (size_t)(p - in->buf) +
		    (p < in->buf + in->end);
		if (in->skipping) {
			in->skipping = 0;
			continue;
		}
		in->recno++;
		if (len == 0) {
			in->empty++;
			continue;
		}
		r->p = rec;
		r->len = len;
		r->recno = in->recno;
		/* Whole in one read, so never seen partial and too large. */
		return len > in->limit ? INPUT_OVERSIZED : INPUT_RECORD;
	}
}

/*
 * The number of the last record read: those handed out, and the whole
 * ones still in the buffer.
 */
unsigned long
input_records_read(const struct input *in)
{
	char		 delim = in->split == INPUT_LINES ? '\n' : '\0';
	unsigned long	 n = in->recno;
	size_t		 from = in->start, at = in->scan;
	int		 skipping = in->skipping;
	char		*d;

	if (in->split == INPUT_WHOLE)
		return in->end > 0 || in->empty_ok ? 1 : 0;
	while (at < in->end &&
	    (d = memchr(in->buf + at, delim, in->end - at)) != NULL) {
		/* The end of an oversized record, counted when it began. */
		if (skipping)
			skipping = 0;
		else
			n++;
		from = at = (size_t)(d - in->buf) + 1;
	}
	if (in->eof && from < in->end && !skipping)
		n++;
	return n;
}

void
input_free(struct input *in)
{
	if (!in->borrowed)
		free(in->buf);
	in->buf = NULL;
}
