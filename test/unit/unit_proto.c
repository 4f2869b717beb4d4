/* The reply encoders against the decoder send runs, and refusal reasons. */
#include <string.h>
#include <sysexits.h>

#include "../../src/proto.h"
#include "unit.h"

/* Encode a status reply of type with value, decode it: its status, or -1. */
static int
round_trip(int type, int value)
{
	struct reply	 r;
	char		 buf[32];
	int		 n;

	if ((n = proto_format_status(buf, sizeof(buf), type, value)) == -1 ||
	    proto_decode(buf, (size_t)n, &r) == -1 || !r.terminal ||
	    r.count != 1)
		return -1;
	return r.status;
}

static const char *
reason_of(const char *wire, size_t len)
{
	static char	 out[PROTO_REASON_SIZE];
	struct reply	 r;

	if (proto_decode(wire, len, &r) == -1)
		return "(malformed)";
	proto_reason(&r, out, sizeof(out));
	return out;
}

int
main(void)
{
	struct reply	 r;
	char		 big[600];
	int		 v, ok;

	for (ok = 1, v = 0; v <= 255; v++)
		ok &= round_trip(PROTO_EXIT, v) == v;
	CHECK(ok, "x0 to x255 decode to the status encoded");
	for (ok = 1, v = 1; v <= PROTO_MAX_SIGNAL; v++)
		ok &= round_trip(PROTO_SIGNAL, v) == 128 + v;
	CHECK(ok, "k1 to k64 decode to 128 + the signal");
	CHECK(round_trip(PROTO_SIGNAL, 0) == -1, "k0 is malformed");
	CHECK(round_trip(PROTO_SIGNAL, 65) == -1, "k65 is malformed");
	CHECK(round_trip(PROTO_SIGNAL, 255) == -1, "k255 is malformed");
	CHECK(round_trip(PROTO_EXIT, 256) == -1, "x256 is malformed");
	CHECK(round_trip(PROTO_REFUSED, EX_NOPERM) == EX_NOPERM,
	    "r77 decodes to 77");
	CHECK(proto_decode("r0 x", 4, &r) == -1, "r0 is malformed");
	CHECK(proto_decode("A0", 2, &r) == -1, "A0 is malformed");
	CHECK(proto_decode("A12", 3, &r) == 0 && r.count == 12 && r.terminal,
	    "A12 answers 12 requests");
	CHECK(proto_decode("z?", 2, &r) == 0 && r.type == 0 && !r.terminal,
	    "an unknown type is ignored, not an error");
	CHECK(strcmp(reason_of("r77 not allowed (uid 5)", 23),
	    "not allowed (uid 5)") == 0, "a plain reason is shown as it is");
	CHECK(strcmp(reason_of("r77 a\x1b[2J\tb\nc", 13),
	    "a\\033[2J\\tb\\nc") == 0,
	    "escape, tab and newline in a reason are strvis'd");
	memcpy(big, "r77 ", 4);
	memset(big + 4, 'y', sizeof(big) - 4);
	CHECK(strlen(reason_of(big, sizeof(big))) == PROTO_MAX_REASON + 3 &&
	    strcmp(reason_of(big, sizeof(big)) + PROTO_MAX_REASON, "...") == 0,
	    "a long reason is cut at %d bytes, with ...", PROTO_MAX_REASON);
	return UNIT_DONE();
}
