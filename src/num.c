/* Bounded parsing of sizes, counts, durations and file modes. */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"

/* Digits, then an optional K or M (powers of 1024), within [min, max]. */
int
num_size(const char *s, size_t min, size_t max, size_t *out,
    const char **errstr)
{
	char		 digits[32];
	size_t		 n, mult = 1;
	long long	 v;

	n = strlen(s);
	if (n > 0 && strchr("kK", s[n - 1]) != NULL)
		mult = 1024;
	else if (n > 0 && strchr("mM", s[n - 1]) != NULL)
		mult = 1024 * 1024;
	if (mult != 1)
		n--;
	if (n == 0 || n >= sizeof(digits) || strspn(s, "0123456789") != n) {
		*errstr = "invalid";
		return -1;
	}
	memcpy(digits, s, n);
	digits[n] = '\0';
	v = strtonum(digits, (long long)(min + mult - 1) / (long long)mult,
	    (long long)(max / mult), errstr);
	if (*errstr != NULL)
		return -1;
	*out = (size_t)v * mult;
	return 0;
}

/* A plain decimal number within [min, max]. */
int
num_uint(const char *s, unsigned int min, unsigned int max, unsigned int *out,
    const char **errstr)
{
	long long	 v;

	if (*s == '\0' || strspn(s, "0123456789") != strlen(s)) {
		*errstr = "invalid";
		return -1;
	}
	v = strtonum(s, min, max, errstr);
	if (*errstr != NULL)
		return -1;
	*out = (unsigned int)v;
	return 0;
}

/*
 * The number option name takes, arg, within [min, max]; else -1 with the
 * message for the user in msg: "--timeout 9x: invalid (0 to 86400)".
 */
int
num_option(const char *name, const char *arg, unsigned int min,
    unsigned int max, unsigned int *out, char *msg, size_t size)
{
	const char	*errstr;

	if (num_uint(arg, min, max, out, &errstr) == 0)
		return 0;
	snprintf(msg, size, "%s %s: %s (%u to %u)", name, arg, errstr, min,
	    max);
	return -1;
}

/* Octal permission bits, at most 0777: no set-id or sticky bits. */
int
num_mode(const char *s, mode_t *out, const char **errstr)
{
	mode_t	 m = 0;
	size_t	 n;

	n = strlen(s);
	if (n == 0 || n > 4 || strspn(s, "01234567") != n) {
		*errstr = "invalid (octal permission bits expected)";
		return -1;
	}
	for (; *s != '\0'; s++)
		m = m * 8 + (mode_t)(*s - '0');
	if (m > 0777) {
		*errstr = "too large (at most 0777)";
		return -1;
	}
	*out = m;
	return 0;
}
