/* Option numbers: bounds, and the message a bad one gets. */
#include <string.h>

#include "../../src/num.h"
#include "unit.h"

int
main(void)
{
	unsigned int	 v = 7;
	char		 msg[128];
	size_t		 z;
	const char	*errstr;

	CHECK(num_option("--timeout", "30", 0, NUM_MAX_SECONDS, &v, msg,
	    sizeof(msg)) == 0 && v == 30, "--timeout 30 is 30");
	CHECK(num_option("--timeout", "86401", 0, NUM_MAX_SECONDS, &v, msg,
	    sizeof(msg)) == -1 && strcmp(msg,
	    "--timeout 86401: too large (0 to 86400)") == 0 && v == 30,
	    "--timeout 86401 is refused, naming the value and the range");
	CHECK(num_option("--max-conns", "0", 1, 1024, &v, msg,
	    sizeof(msg)) == -1 && strcmp(msg,
	    "--max-conns 0: too small (1 to 1024)") == 0, "--max-conns 0");
	CHECK(num_option("-t", "-1", 1, 9, &v, msg, sizeof(msg)) == -1 &&
	    strcmp(msg, "-t -1: invalid (1 to 9)") == 0, "a sign is invalid");
	CHECK(num_option("-t", "", 1, 9, &v, msg, sizeof(msg)) == -1,
	    "an empty number is invalid");
	CHECK(num_size("4M", 1, 4 << 20, &z, &errstr) == 0 && z == 4 << 20,
	    "4M is 4 MiB");
	CHECK(num_size("5M", 1, 4 << 20, &z, &errstr) == -1, "5M is too large");
	CHECK(num_size("1k", 1, 4 << 20, &z, &errstr) == 0 && z == 1024,
	    "1k is 1024");
	return UNIT_DONE();
}
