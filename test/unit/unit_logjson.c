/* --log-format json: a line's fields as one JSON object (logjson.c). */
#include <stdio.h>
#include <string.h>

#include "../../src/logjson.h"
#include "../fuzz/json_check.h"
#include "unit.h"

static char	 out[4096];

static const char *
render(const char *line, size_t room)
{
	size_t	 n = logjson_render(out, room, line, strlen(line), "T");

	return n < room && json_check(out, n) ? out : "(invalid)";
}

int
main(void)
{
	char	 big[3000];

	CHECK(strcmp(render("run\tconn=ab-1\treq=ab-1.2\tpid=12\tuid=0\t"
	    "status=exit 0\tduration=0.004s\tcpu=0.000s\tin=5\t"
	    "sha256=2cf2", sizeof(out)), "{\"event\":\"run\",\"time\":\"T\","
	    "\"conn_id\":\"ab-1\",\"req_id\":\"ab-1.2\",\"pid\":12,\"uid\":0,"
	    "\"status\":\"exit 0\",\"duration\":0.004,\"cpu\":0.000,\"in\":5,"
	    "\"sha256\":\"2cf2\"}") == 0,
	    "a run line: ids renamed, numbers and seconds as numbers: %s", out);
	CHECK(strcmp(render("deny\tpid=012\tuid=-1\tsize=1e3\tcount=",
	    sizeof(out)), "{\"event\":\"deny\",\"time\":\"T\","
	    "\"pid\":\"012\",\"uid\":\"-1\",\"size\":\"1e3\",\"count\":\"\"}")
	    == 0, "a number JSON would not read as one stays a string: %s",
	    out);
	CHECK(strcmp(render("e\treason=a \"q\" \\ \x01\x7f", sizeof(out)),
	    "{\"event\":\"e\",\"time\":\"T\",\"reason\":\"a \\\"q\\\" \\\\ "
	    "\\u0001\\u007f\"}") == 0,
	    "quotes, backslashes and control bytes escaped: %s", out);
	CHECK(strcmp(render("e\tuser=caf\xc3\xa9 \xff\xc3", sizeof(out)),
	    "{\"event\":\"e\",\"time\":\"T\",\"user\":\"caf\xc3\xa9 "
	    "\\u00ff\\u00c3\"}") == 0,
	    "UTF-8 as it is, any other byte \\u00XX: %s", out);
	CHECK(strcmp(render("info\tlistening on x\tBad=1\t=2", sizeof(out)),
	    "{\"event\":\"info\",\"time\":\"T\",\"message\":\"listening on x\","
	    "\"message\":\"Bad=1\",\"message\":\"=2\"}") == 0,
	    "a part that is not KEY=VALUE is a message: %s", out);
	memset(big, 'x', sizeof(big) - 1);
	memcpy(big, "e\ta=1\tb=", 8);
	big[sizeof(big) - 1] = '\0';
	CHECK(strcmp(render(big, LOGJSON_MIN), "{\"event\":\"e\",\"time\":\"T\","
	    "\"a\":\"1\",\"truncated\":true}") == 0,
	    "a field past the room is left out, and the object says so: %s",
	    out);
	memset(big, 'e', sizeof(big) - 1);
	CHECK(strncmp(render(big, LOGJSON_MIN), "{\"event\":\"eeee", 13) == 0 &&
	    strlen(out) < LOGJSON_MIN,
	    "an event name is cut, and the object still fits the least room");
	return UNIT_DONE();
}
