/*
 * The reply encoders against the decoder send runs: every reply the
 * listener builds decodes to its type, status and count; refusal reasons.
 */
#include <sys/mman.h>
#include <sys/wait.h>

#include <signal.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

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

/*
 * A reason whose last byte is the last of a page, a page no one may read
 * after it (a reply at the end of a buffer): the escaping reads nothing
 * past the reason. In a child, so that a fault is a failed check.
 */
static int
reason_at_page_end(void)
{
	long		 page = sysconf(_SC_PAGESIZE);
	struct reply	 r;
	char		*m, out[PROTO_REASON_SIZE];
	pid_t		 pid;
	int		 st;

	m = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED || mprotect(m + page, (size_t)page, PROT_NONE) == -1)
		return 0;
	memset(&r, 0, sizeof(r));
	/* libbsd's strnvisx reads past a lone byte such as this one. */
	r.len = 1;
	r.data = m + page - r.len;
	memcpy(m + page - r.len, "\xff", r.len);
	if ((pid = fork()) == 0) {
		proto_reason(&r, out, sizeof(out));
		_exit(strcmp(out, "\\377") == 0 ? 0 : 1);
	}
	munmap(m, (size_t)page * 2);
	return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0;
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

/* Decode an encoder's output n bytes long: 0 and r, or -1. */
static int
decoded(const char *buf, int n, struct reply *r)
{
	return n <= 0 ? -1 : proto_decode(buf, (size_t)n, r);
}

/* Each reply the listener builds, through the decoder. */
static void
encoders(void)
{
	struct reply	 r;
	char		 buf[256], why[PROTO_REASON_SIZE], longer[400];

	CHECK(decoded(buf, proto_ack(buf, sizeof(buf)), &r) == 0 &&
	    r.type == PROTO_ACK && r.terminal && r.count == 1 &&
	    r.status == 0, "ack: 'a', answers one request, status 0");
	CHECK(decoded(buf, proto_acks(buf, sizeof(buf), 1), &r) == 0 &&
	    r.type == PROTO_ACKS && r.terminal && r.count == 1,
	    "acks 1: 'A', answers one");
	CHECK(decoded(buf, proto_acks(buf, sizeof(buf), 12), &r) == 0 &&
	    r.type == PROTO_ACKS && r.count == 12 && r.status == 0,
	    "acks 12: answers 12, status 0");
	CHECK(decoded(buf, proto_acks(buf, sizeof(buf), PROTO_MAX_ACKS),
	    &r) == 0 && r.count == PROTO_MAX_ACKS,
	    "acks %lu, the most, answers that many", PROTO_MAX_ACKS);
	CHECK(proto_acks(buf, sizeof(buf), 0) == -1 &&
	    proto_acks(buf, sizeof(buf), PROTO_MAX_ACKS + 1) == -1,
	    "acks 0 and past the most are not built");
	CHECK(decoded(buf, proto_hello(buf, sizeof(buf), 0), &r) == 0 &&
	    r.type == PROTO_HELLO && !r.terminal && r.count == 0 &&
	    r.len == 1 && r.data[0] == PROTO_ACKS,
	    "hello: 'h' granting 'A', answers no request");
	CHECK(decoded(buf, proto_hello(buf, sizeof(buf), 1), &r) == 0 &&
	    r.type == PROTO_HELLO && !r.terminal && r.len == 3 &&
	    memcmp(r.data, "ARL", 3) == 0,
	    "a rules listener's hello: 'h' granting 'A', 'R' and 'L'");
	CHECK(decoded(buf, proto_refusal(buf, sizeof(buf), EX_DATAERR,
	    "empty request"), &r) == 0 && r.type == PROTO_REFUSED &&
	    r.terminal && r.count == 1 && r.status == EX_DATAERR &&
	    (proto_reason(&r, why, sizeof(why)), strcmp(why,
	    "empty request") == 0), "refusal: 'r', status 65, its reason");
	memset(longer, 'y', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	CHECK(decoded(buf, proto_refusal(buf, sizeof(buf), EX_SOFTWARE,
	    longer), &r) == 0 && r.status == EX_SOFTWARE &&
	    (proto_reason(&r, why, sizeof(why)), strcmp(why, "refused") == 0),
	    "a reason too long for the buffer: status kept, \"refused\"");
	CHECK(decoded(buf, proto_denial(buf, sizeof(buf), 65534), &r) == 0 &&
	    r.type == PROTO_REFUSED && r.terminal && r.status == EX_NOPERM &&
	    (proto_reason(&r, why, sizeof(why)), strcmp(why,
	    "not allowed (uid 65534)") == 0),
	    "denial: 'r', status 77, \"not allowed (uid 65534)\"");
	CHECK(decoded(buf, proto_busy(buf, sizeof(buf), 0, 16), &r) == 0 &&
	    r.type == PROTO_REFUSED && r.terminal && r.status == EX_TEMPFAIL &&
	    (proto_reason(&r, why, sizeof(why)), strcmp(why,
	    "busy: uid 0 holds 16 connections") == 0),
	    "busy: 'r', status 75, \"busy: uid 0 holds 16 connections\"");
	CHECK(decoded(buf, proto_status(buf, sizeof(buf), W_EXITCODE(3, 0),
	    0), &r) == 0 && r.type == PROTO_EXIT && r.terminal &&
	    r.count == 1 && r.status == 3, "exit 3: 'x', status 3");
	CHECK(decoded(buf, proto_status(buf, sizeof(buf), W_EXITCODE(0, 0),
	    0), &r) == 0 && r.type == PROTO_EXIT && r.status == 0,
	    "exit 0: 'x', status 0");
	CHECK(decoded(buf, proto_status(buf, sizeof(buf), SIGKILL, 0),
	    &r) == 0 && r.type == PROTO_SIGNAL && r.terminal &&
	    r.status == 128 + SIGKILL, "killed by signal 9: 'k', status 137");
	CHECK(decoded(buf, proto_status(buf, sizeof(buf), SIGTERM, 1),
	    &r) == 0 && r.type == PROTO_TIMEOUT && r.terminal &&
	    r.count == 1 && r.status == EX_TEMPFAIL,
	    "timed out (then killed): 't', status 75");
	CHECK(decoded(buf, proto_conn_id(buf, sizeof(buf),
	    "4f1c2a9be03d-17"), &r) == 0 && r.type == PROTO_CONN_ID &&
	    !r.terminal && r.count == 0 && r.len == 15 &&
	    memcmp(r.data, "4f1c2a9be03d-17", 15) == 0,
	    "connection id: 'i' and the id, answers no request");
	CHECK(proto_conn_id(buf, sizeof(buf), "") == -1 &&
	    proto_conn_id(buf, sizeof(buf), "a.1") == -1 &&
	    proto_conn_id(buf, sizeof(buf), "a b") == -1 &&
	    proto_conn_id(buf, 10, "4f1c2a9be03d-17") == -1,
	    "an empty id, one with '.' or a space, or one that does not "
	    "fit is not built");
	CHECK(proto_ack(buf, 1) == -1 && proto_hello(buf, 2, 0) == -1 &&
	    proto_hello(buf, 4, 1) == -1 &&
	    proto_acks(buf, 3, 12) == -1 &&
	    proto_refusal(buf, 3, EX_DATAERR, "x") == -1,
	    "a reply that does not fit is not built");
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
	CHECK(proto_decode("i", 1, &r) == -1 &&
	    proto_decode("iab.1", 5, &r) == -1 &&
	    proto_decode("i\x1b[2J", 5, &r) == -1 &&
	    proto_decode("ia\0b", 4, &r) == -1,
	    "an 'i' with no id, a '.', a control byte or a NUL is malformed");
	memset(big, 'a', sizeof(big));
	big[0] = 'i';
	CHECK(proto_decode(big, PROTO_MAX_CONN_ID + 1, &r) == 0 &&
	    r.type == PROTO_CONN_ID && r.len == PROTO_MAX_CONN_ID &&
	    proto_decode(big, PROTO_MAX_CONN_ID + 2, &r) == -1,
	    "an 'i' id of %d bytes is taken, one byte more is malformed",
	    PROTO_MAX_CONN_ID);
	CHECK(proto_decode("iAz09-_", 7, &r) == 0 && r.len == 6,
	    "an 'i' id of letters, digits, '-' and '_' is taken");
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
	CHECK(reason_at_page_end(), "a reason ending at a page's end, an "
	    "unreadable page after it, is escaped without reading past it");
	encoders();
	return UNIT_DONE();
}
