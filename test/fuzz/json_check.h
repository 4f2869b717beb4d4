/*
 * A strict RFC 8259 validator for the fuzz targets, written apart from the
 * encoder it checks: one value, no control bytes in strings, valid UTF-8.
 */
#ifndef JSON_CHECK_H
#define JSON_CHECK_H

#include <stddef.h>
#include <string.h>

struct jp {
	const unsigned char	*s;
	size_t			 i, n;
	int			 depth;
};

static int	jvalue(struct jp *);

static void
jws(struct jp *p)
{
	while (p->i < p->n && strchr(" \t\r\n", p->s[p->i]) != NULL &&
	    p->s[p->i] != '\0')
		p->i++;
}

static int
jlit(struct jp *p, const char *w)
{
	size_t	 k = strlen(w);

	if (p->n - p->i < k || memcmp(p->s + p->i, w, k) != 0)
		return 0;
	p->i += k;
	return 1;
}

/* One UTF-8 sequence at p->i, no overlongs, surrogates or > U+10FFFF. */
static int
jutf8(struct jp *p)
{
	unsigned int	 c = p->s[p->i], need, v, lo;
	size_t		 k;

	if (c < 0x80) {
		p->i++;
		return 1;
	}
	if ((c & 0xe0) == 0xc0) { need = 1; v = c & 0x1f; lo = 0x80; }
	else if ((c & 0xf0) == 0xe0) { need = 2; v = c & 0x0f; lo = 0x800; }
	else if ((c & 0xf8) == 0xf0) { need = 3; v = c & 0x07; lo = 0x10000; }
	else
		return 0;
	if (p->n - p->i <= need)
		return 0;
	for (k = 1; k <= need; k++) {
		if ((p->s[p->i + k] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (p->s[p->i + k] & 0x3f);
	}
	if (v < lo || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	p->i += need + 1;
	return 1;
}

static int
jstring(struct jp *p)
{
	size_t	 k;

	if (p->i >= p->n || p->s[p->i] != '"')
		return 0;
	p->i++;
	while (p->i < p->n) {
		unsigned char c = p->s[p->i];
		if (c == '"') {
			p->i++;
			return 1;
		}
		if (c < 0x20)
			return 0;
		if (c == '\\') {
			if (++p->i >= p->n)
				return 0;
			c = p->s[p->i];
			if (c == 'u') {
				for (k = 1; k <= 4; k++)
					if (p->i + k >= p->n ||
					    strchr("0123456789abcdefABCDEF",
					    p->s[p->i + k]) == NULL ||
					    p->s[p->i + k] == '\0')
						return 0;
				p->i += 5;
			} else if (strchr("\"\\/bfnrt", c) != NULL && c != '\0')
				p->i++;
			else
				return 0;
			continue;
		}
		if (!jutf8(p))
			return 0;
	}
	return 0;
}

static int
jnumber(struct jp *p)
{
	size_t	 start = p->i;

	if (p->i < p->n && p->s[p->i] == '-')
		p->i++;
	if (p->i < p->n && p->s[p->i] == '0')
		p->i++;
	else if (p->i < p->n && p->s[p->i] >= '1' && p->s[p->i] <= '9')
		while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9')
			p->i++;
	else
		return 0;
	if (p->i < p->n && p->s[p->i] == '.') {
		p->i++;
		if (p->i >= p->n || p->s[p->i] < '0' || p->s[p->i] > '9')
			return 0;
		while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9')
			p->i++;
	}
	return p->i > start;
}

static int
jcontainer(struct jp *p, int obj)
{
	char	 close = obj ? '}' : ']';

	if (++p->depth > 64)
		return 0;
	p->i++;
	jws(p);
	if (p->i < p->n && p->s[p->i] == close) {
		p->i++;
		p->depth--;
		return 1;
	}
	for (;;) {
		jws(p);
		if (obj) {
			if (!jstring(p))
				return 0;
			jws(p);
			if (p->i >= p->n || p->s[p->i++] != ':')
				return 0;
		}
		if (!jvalue(p))
			return 0;
		jws(p);
		if (p->i >= p->n)
			return 0;
		if (p->s[p->i] == ',') {
			p->i++;
			continue;
		}
		if (p->s[p->i] != close)
			return 0;
		p->i++;
		p->depth--;
		return 1;
	}
}

static int
jvalue(struct jp *p)
{
	jws(p);
	if (p->i >= p->n)
		return 0;
	switch (p->s[p->i]) {
	case '{':
		return jcontainer(p, 1);
	case '[':
		return jcontainer(p, 0);
	case '"':
		return jstring(p);
	case 't':
		return jlit(p, "true");
	case 'f':
		return jlit(p, "false");
	case 'n':
		return jlit(p, "null");
	default:
		return jnumber(p);
	}
}

/* Is s[0..n) exactly one JSON value? */
static int
json_check(const char *s, size_t n)
{
	struct jp	 p = { (const unsigned char *)s, 0, n, 0 };

	if (!jvalue(&p))
		return 0;
	jws(&p);
	return p.i == n;
}

#endif
