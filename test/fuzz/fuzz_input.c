/*
 * Fuzz send's input framing. The first byte picks the split and the record
 * limit, the second how the rest is cut into reads; every record handed
 * out must be what a plain splitter makes of the whole input, numbered as
 * it stands there, and input_records_read must agree at every step.
 */
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/input.h"

/* What the reference splitter expects next. */
struct ref {
	const char	*p, *end;
	char		 delim;
	size_t		 limit;
	unsigned long	 recno, empty;
};

/* The next record kind by the reference: INPUT_NONE once all are done. */
static enum input_got
ref_next(struct ref *f, struct record *r)
{
	const char	*d;
	size_t		 len;

	for (;;) {
		if (f->p >= f->end)
			return INPUT_NONE;
		d = memchr(f->p, f->delim, (size_t)(f->end - f->p));
		len = d != NULL ? (size_t)(d - f->p) : (size_t)(f->end - f->p);
		r->p = f->p;
		r->len = len;
		r->recno = ++f->recno;
		f->p += len + (d != NULL);
		if (len == 0) {
			f->empty++;
			continue;
		}
		return len > f->limit ? INPUT_OVERSIZED : INPUT_RECORD;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input	 in;
	struct record	 got, want;
	struct ref	 f;
	enum input_got	 g, w;
	size_t		 at, cut, n;
	int		 sv[2];

	if (size < 2 || size > 8192)
		return 0;
	memset(&f, 0, sizeof(f));
	f.delim = data[0] & 1 ? '\n' : '\0';
	f.limit = 1 + (data[0] >> 1);
	/* At most 128 datagrams: all of them fit the socket's buffer. */
	cut = 1 + data[1] % 64;
	if (cut < (size + 127) / 128)
		cut = (size + 127) / 128;
	f.p = (const char *)data + 2;
	f.end = (const char *)data + size;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == -1)
		abort();
	/* Each datagram is one read(2) on the other side. */
	for (at = 2; at < size; at += n) {
		n = size - at < cut ? size - at : cut;
		if (write(sv[0], data + at, n) != (ssize_t)n)
			abort();
	}
	close(sv[0]);
	input_init(&in, data[0] & 1 ? INPUT_LINES : INPUT_NULL, f.limit);
	for (;;) {
		while ((g = input_next(&in, &got)) != INPUT_NONE) {
			if ((w = ref_next(&f, &want)) != g ||
			    got.recno != want.recno)
				abort();
			if (g == INPUT_RECORD && (got.len != want.len ||
			    got.len == 0 || got.len > in.limit ||
			    memcmp(got.p, want.p, got.len) != 0))
				abort();
			if (input_records_read(&in) < in.recno)
				abort();
		}
		if (in.eof)
			break;
		if (input_read(&in, sv[1]) == -1)
			abort();
	}
	/* All of it is taken, and counted as the reference counts it. */
	if (ref_next(&f, &want) != INPUT_NONE || in.empty != f.empty ||
	    in.recno != f.recno || input_records_read(&in) != f.recno)
		abort();
	input_free(&in);
	close(sv[1]);
	return 0;
}
