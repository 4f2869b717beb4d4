/*
 * --log-format json: a log line, as log.c builds it (EVENT, then
 * KEY=VALUE fields, tab-separated), as one JSON object. Values that came
 * from outside were escaped as text records escape them before they got
 * here; whatever the bytes, the object is valid JSON, cut to size with
 * "truncated":true rather than broken.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "logjson.h"

/* Fields whose values are numbers in JSON (seconds: "s" dropped). */
static const char *const numeric[] = {
	"actions", "conns", "count", "cpu", "duration", "gid", "in",
	"leftovers", "out", "pid", "requests", "sender_gid", "sender_pid",
	"sender_uid", "size", "uid", "unended"
};

/* Text's short names, JSON's long ones. */
static const struct {
	const char	*text, *json;
} renamed[] = {
	{ "conn", "conn_id" },
	{ "req", "req_id" }
};

struct out {
	char	*buf;
	size_t	 size, len;
	int	 full;
};

/* Append n bytes, or mark the output full and append nothing. */
static void
put(struct out *o, const char *s, size_t n)
{
	if (o->full || o->len + n >= o->size) {
		o->full = 1;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

/* Length of the UTF-8 sequence at s (at most n bytes), 0 when invalid. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t		 need, i;
	unsigned int	 cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		need = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		need = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		need = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < need)
		return 0;
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates, past U+10FFFF. */
	if ((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return need;
}

/*
 * s (n bytes) as a JSON string: quotes, backslashes and control bytes
 * escaped; valid UTF-8 as it is, any other byte as \u00XX.
 */
static void
put_string(struct out *o, const char *s, size_t n)
{
	const unsigned char	*u = (const unsigned char *)s;
	char			 esc[8];
	size_t			 i, k;

	put(o, "\"", 1);
	for (i = 0; i < n; i += k) {
		k = utf8_len(u + i, n - i);
		if (k > 1) {
			put(o, s + i, k);
			continue;
		}
		k = 1;
		if (u[i] == '"' || u[i] == '\\') {
			esc[0] = '\\';
			esc[1] = (char)u[i];
			put(o, esc, 2);
		} else if (u[i] < 0x20 || u[i] >= 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", u[i]);
			put(o, esc, 6);
		} else
			put(o, s + i, 1);
	}
	put(o, "\"", 1);
}

/* A decimal number as JSON writes it: digits, then maybe . and digits. */
static int
is_number(const char *s, size_t n)
{
	size_t	 i = 0, d = 0;

	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++, d++;
	if (d == 0 || (d > 1 && s[0] == '0'))
		return 0;
	if (i < n && s[i] == '.') {
		for (i++, d = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			d++;
		if (d == 0)
			return 0;
	}
	return i == n;
}

static int
is_numeric(const char *key, size_t n)
{
	size_t	 i;

	for (i = 0; i < sizeof(numeric) / sizeof(numeric[0]); i++)
		if (strlen(numeric[i]) == n && memcmp(numeric[i], key, n) == 0)
			return 1;
	return 0;
}

/* One field, "key":value, after a comma. */
static void
put_field(struct out *o, const char *key, size_t kn, const char *val,
    size_t vn)
{
	size_t	 i;

	for (i = 0; i < sizeof(renamed) / sizeof(renamed[0]); i++)
		if (strlen(renamed[i].text) == kn &&
		    memcmp(renamed[i].text, key, kn) == 0) {
			key = renamed[i].json;
			kn = strlen(key);
			break;
		}
	put(o, ",", 1);
	put_string(o, key, kn);
	put(o, ":", 1);
	if (is_numeric(key, kn)) {
		if (vn > 1 && val[vn - 1] == 's' && is_number(val, vn - 1))
			vn--;
		if (is_number(val, vn)) {
			put(o, val, vn);
			return;
		}
	}
	put_string(o, val, vn);
}

/* Is s (n bytes) a key: lowercase letters, digits and '_'? */
static int
is_key(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

/*
 * The line (len bytes: EVENT, then tab-separated KEY=VALUE fields; a part
 * that is not one is kept as "message") as a JSON object into out (size
 * bytes, at least LOGJSON_MIN), with "time" after "event". Its length.
 */
size_t
logjson_render(char *out, size_t size, const char *line, size_t len,
    const char *time)
{
	struct out	 o = { out, size - sizeof(LOGJSON_CUT), 0, 0 };
	const char	*p = line, *end = line + len, *tab, *eq;
	size_t		 saved;
	int		 cut;

	tab = memchr(p, '\t', len);
	if (tab == NULL)
		tab = end;
	put(&o, "{\"event\":", 9);
	/* An event is a short name: cut, it and the time fit any room. */
	put_string(&o, p, (size_t)(tab - p) < LOGJSON_EVENT ?
	    (size_t)(tab - p) : LOGJSON_EVENT);
	put(&o, ",\"time\":", 8);
	put_string(&o, time, strlen(time));
	for (p = tab; p < end && !o.full; p = tab) {
		p++;
		if ((tab = memchr(p, '\t', (size_t)(end - p))) == NULL)
			tab = end;
		saved = o.len;
		eq = memchr(p, '=', (size_t)(tab - p));
		if (eq != NULL && is_key(p, (size_t)(eq - p)))
			put_field(&o, p, (size_t)(eq - p), eq + 1,
			    (size_t)(tab - eq - 1));
		else
			put_field(&o, "message", 7, p, (size_t)(tab - p));
		if (o.full)
			o.len = saved;
	}
	/* Room for the mark and the brace was kept back from the start. */
	cut = o.full;
	o.size = size;
	o.full = 0;
	if (cut)
		put(&o, LOGJSON_CUT, sizeof(LOGJSON_CUT) - 2);
	put(&o, "}", 1);
	out[o.len] = '\0';
	return o.len;
}

/* Now, UTC, to the microsecond: 2026-11-30T08:40:01.123456Z. */
void
logjson_time(char *buf, size_t size)
{
	struct timespec	 ts;
	struct tm	 tm;
	size_t		 n;

	buf[0] = '\0';
	if (clock_gettime(CLOCK_REALTIME, &ts) == -1 ||
	    gmtime_r(&ts.tv_sec, &tm) == NULL ||
	    (n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm)) == 0)
		return;
	snprintf(buf + n, size - n, ".%06ldZ", ts.tv_nsec / 1000);
}
