/*
 * An action request's header: what the listener reads from a datagram,
 * and what send builds, one the other's inverse.
 */
#include <stdlib.h>
#include <string.h>

#include "../../src/request.h"
#include "unit.h"

static struct request	 rq;
static const char	*why;

static int
parse(const char *data, size_t len)
{
	why = "";
	return request_parse(data, len, &rq, &why);
}

int
main(void)
{
	char		 buf[8192], *args[REQUEST_MAX_ARGS + 1];
	char		 arg[REQUEST_MAX_ARG + 2];
	size_t		 n, i;

	CHECK(parse("restart-web\0nginx\0\0", 19) == 0 &&
	    strcmp(rq.action, "restart-web") == 0 && rq.nargs == 1 &&
	    strcmp(rq.args[0], "nginx") == 0 && rq.len == 0,
	    "an action, one argument, an empty payload");
	CHECK(parse("apply\0\0{\"a\":1}\0\n", 16) == 0 && rq.nargs == 0 &&
	    rq.len == 9 && memcmp(rq.payload, "{\"a\":1}\0\n", 9) == 0,
	    "no arguments; the payload whole, NUL and newline included");
	CHECK(parse("a\0x y\n; rm -rf /\0$(id)\0\0", 25) == 0 &&
	    rq.nargs == 2 && strcmp(rq.args[0], "x y\n; rm -rf /") == 0 &&
	    strcmp(rq.args[1], "$(id)") == 0,
	    "spaces, a newline and shell syntax stay in one argument");
	CHECK(parse("", 0) == -1 && strstr(why, "does not end") != NULL,
	    "an empty datagram: %s", why);
	CHECK(parse("\0\0", 2) == -1 && strcmp(why, "no action") == 0,
	    "an empty action: %s", why);
	CHECK(parse("a\0b", 3) == -1 && strstr(why, "does not end") != NULL,
	    "a header without its empty field: %s", why);
	CHECK(parse("a", 1) == -1, "an action without its NUL");

	memset(buf, 'x', 65);
	buf[65] = '\0';
	buf[66] = '\0';
	CHECK(parse(buf, 67) == -1 && strstr(why, "64 bytes") != NULL,
	    "an action of 65 bytes: %s", why);
	CHECK(parse(buf + 1, 66) == 0 && strlen(rq.action) == 64,
	    "an action of 64 bytes");

	memset(arg, 'y', sizeof(arg) - 1);
	arg[sizeof(arg) - 1] = '\0';
	args[0] = arg;
	n = request_header_put(buf, sizeof(buf), "a", args, 1);
	CHECK(n > 0 && parse(buf, n) == -1 && strstr(why, "4096") != NULL,
	    "an argument of 4097 bytes: %s", why);
	arg[REQUEST_MAX_ARG] = '\0';
	n = request_header_put(buf, sizeof(buf), "a", args, 1);
	CHECK(n > 0 && parse(buf, n) == 0 && strlen(rq.args[0]) == 4096,
	    "an argument of 4096 bytes");

	for (i = 0; i <= REQUEST_MAX_ARGS; i++)
		args[i] = "z";
	n = request_header_put(buf, sizeof(buf), "a", args,
	    REQUEST_MAX_ARGS + 1);
	CHECK(n > 0 && parse(buf, n) == -1 && strstr(why, "64 arguments") !=
	    NULL, "65 arguments: %s", why);
	n = request_header_put(buf, sizeof(buf), "a", args, REQUEST_MAX_ARGS);
	CHECK(n > 0 && parse(buf, n) == 0 && rq.nargs == REQUEST_MAX_ARGS,
	    "64 arguments");

	args[0] = "one";
	args[1] = "two words";
	CHECK(request_header_size("act", args, 2) == 19 &&
	    request_header_put(buf, sizeof(buf), "act", args, 2) == 19 &&
	    memcmp(buf, "act\0one\0two words\0\0", 19) == 0,
	    "send's header: fields, then the empty one");
	CHECK(request_header_put(buf, 18, "act", args, 2) == 0,
	    "a header that does not fit is not written");
	return UNIT_DONE();
}
