/* The client's input, framed into records: whole, per line or NUL-ended. */
#ifndef PEERRELAY_INPUT_H
#define PEERRELAY_INPUT_H

#include <stddef.h>

enum input_split { INPUT_WHOLE, INPUT_LINES, INPUT_NULL };

/* What input_next found. */
enum input_got {
	INPUT_NONE,		/* no whole record yet, or none left */
	INPUT_RECORD,
	INPUT_OVERSIZED		/* record recno is over limit: skipped */
};

struct input {
	enum input_split split;
	size_t		 limit;		/* largest record to hand out */
	char		*buf;
	size_t		 start;		/* where the next record begins */
	size_t		 scan;		/* searched for its end up to here */
	size_t		 end, cap;
	int		 eof;
	int		 borrowed;	/* buf is not ours to free */
	int		 skipping;	/* inside an oversized record */
	int		 taken;		/* INPUT_WHOLE: the one record went */
	int		 empty_ok;	/* INPUT_WHOLE: empty input is one */
	unsigned long	 recno;		/* records taken, all kinds */
	unsigned long	 empty;		/* empty records skipped */
};

/* One record: bytes inside the input's buffer, valid until input_read. */
struct record {
	const char	*p;
	size_t		 len;
	unsigned long	 recno;
};

void		input_init(struct input *, enum input_split, size_t);
void		input_borrow(struct input *, const char *, size_t);
int		input_read(struct input *, int);
int		input_read_all(struct input *, int, size_t, size_t *);
enum input_got	input_next(struct input *, struct record *);
void		input_again(struct input *);
unsigned long	input_records_read(const struct input *);
void		input_free(struct input *);

#endif
