/*
 * Print-mode records. Text escapes the payload with strnvisx(3) and JSON
 * escapes every control byte, so no record spans lines and no control byte
 * reaches a terminal; JSON falls back to base64 for bytes that are not UTF-8.
 */
#define LIBBSD_OPENBSD_VIS
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vis.h>

#include "peer.h"
#include "record.h"

#define VIS_FLAGS	RECORD_VIS_FLAGS


int
record_format_parse(const char *s, enum record_format *f)
{
	if (strcmp(s, "text") == 0)
		*f = RECORD_TEXT;
	else if (strcmp(s, "json") == 0)
		*f = RECORD_JSON;
	else if (strcmp(s, "raw") == 0)
		*f = RECORD_RAW;
	else
		return -1;
	return 0;
}

/* Length of the longest valid UTF-8 prefix (RFC 3629: no overlongs, no surrogates). */
size_t
record_utf8_valid(const unsigned char *s, size_t n)
{
	size_t		 i = 0, k, len;
	uint32_t	 c, min;

	while (i < n) {
		c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2; c &= 0x1f; min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3; c &= 0x0f; min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4; c &= 0x07; min = 0x10000;
		} else
			break;
		if (n - i < len)
			break;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			c = (c << 6) | (s[i + k] & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			break;
		i += len;
	}
	return i;
}

/*
 * What strnvisx(3) makes of each byte, asked of it once: in the C locale
 * every byte is encoded alone, and the only context is a NUL, which is
 * written "\000" rather than "\0" when an octal digit follows. A table
 * spares the per-call wide-character conversion and allocation that
 * dominated print mode's profile; the fuzzer checks it against strnvisx.
 */
static char	 vis_byte[256][5];
static char	 vis_nul_octal[5];
static int	 vis_ready;

static int
vis_init(void)
{
	char	 in[2 + MB_LEN_MAX] = { 0 }, out[9];
	int	 c, n;

	for (c = 0; c < 256; c++) {
		in[0] = (char)c;
		if ((n = strnvisx(out, sizeof(out), in, 1, VIS_FLAGS)) == -1 ||
		    n >= (int)sizeof(vis_byte[c]))
			return -1;
		memcpy(vis_byte[c], out, (size_t)n + 1);
	}
	in[0] = '\0';
	in[1] = '0';
	/* Encode NUL with an octal digit after it, and drop that digit. */
	if ((n = strnvisx(out, sizeof(out), in, 2, VIS_FLAGS)) < 2 ||
	    n - 1 >= (int)sizeof(vis_nul_octal) || out[n - 1] != '0')
		return -1;
	memcpy(vis_nul_octal, out, (size_t)n - 1);
	vis_nul_octal[n - 1] = '\0';
	vis_ready = 1;
	return 0;
}

/* Escape bytes for a text record; no field ever holds a space. */
static int
put_vis(FILE *fp, const char *s, size_t n)
{
	const unsigned char	*u = (const unsigned char *)s;
	const char		*e;
	char			 buf[4096];
	size_t			 i, k = 0, run;

	if (!vis_ready && vis_init() == -1)
		return -1;
	for (i = 0; i < n; ) {
		/* A run of bytes that stand for themselves goes out whole. */
		for (run = i; run < n && vis_byte[u[run]][1] == '\0' &&
		    vis_byte[u[run]][0] == (char)u[run]; run++)
			;
		if (run > i) {
			if (k > 0 && fwrite(buf, 1, k, fp) != k)
				return -1;
			k = 0;
			if (fwrite(s + i, 1, run - i, fp) != run - i)
				return -1;
			i = run;
			continue;
		}
		e = vis_byte[u[i]];
		if (u[i] == '\0' && i + 1 < n && u[i + 1] >= '0' &&
		    u[i + 1] <= '7')
			e = vis_nul_octal;
		if (k + 4 > sizeof(buf)) {
			if (fwrite(buf, 1, k, fp) != k)
				return -1;
			k = 0;
		}
		while (*e != '\0')
			buf[k++] = *e++;
		i++;
	}
	if (k > 0 && fwrite(buf, 1, k, fp) != k)
		return -1;
	return 0;
}

static void
put_json_string(FILE *fp, const char *s, size_t n)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i;

	putc('"', fp);
	for (i = 0; i < n; i++) {
		if (u[i] == '"' || u[i] == '\\') {
			putc('\\', fp);
			putc(u[i], fp);
		} else if (u[i] == '\n')
			fputs("\\n", fp);
		else if (u[i] == '\t')
			fputs("\\t", fp);
		else if (u[i] < 0x20 || u[i] == 0x7f)
			fprintf(fp, "\\u%04x", u[i]);
		else if (u[i] == 0xc2 && i + 1 < n && u[i + 1] >= 0x80 &&
		    u[i + 1] <= 0x9f) {
			/* C1 controls (U+0080..U+009F) are escaped too. */
			fprintf(fp, "\\u%04x", u[i + 1]);
			i++;
		} else
			putc(u[i], fp);
	}
	putc('"', fp);
}

static void
put_base64(FILE *fp, const unsigned char *s, size_t n)
{
	static const char	 b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t		 v;
	size_t			 i;

	putc('"', fp);
	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
		putc(b64[v >> 18], fp);
		putc(b64[(v >> 12) & 63], fp);
		putc(b64[(v >> 6) & 63], fp);
		putc(b64[v & 63], fp);
	}
	if (n - i == 1) {
		v = (uint32_t)s[i] << 16;
		fprintf(fp, "%c%c==", b64[v >> 18], b64[(v >> 12) & 63]);
	} else if (n - i == 2) {
		v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8;
		fprintf(fp, "%c%c%c=", b64[v >> 18], b64[(v >> 12) & 63],
		    b64[(v >> 6) & 63]);
	}
	putc('"', fp);
}

/* A name is decoration (the id is the fact): never let it break JSON. */
static void
put_json_name(FILE *fp, const char *name)
{
	size_t	 n = strlen(name);

	if (n == 0 || record_utf8_valid((const unsigned char *)name, n) != n)
		fputs("null", fp);
	else
		put_json_string(fp, name, n);
}

/*
 * "cgroup" and "unit": strings, or null when not known (or no unit). A
 * path that is not UTF-8 (a delegated owner names its cgroups) is given
 * as "cgroup_base64" instead, its "cgroup" null.
 */
static void
put_json_cgroup(FILE *fp, const struct peer *p)
{
	size_t	 n = p->cgroup != NULL ? strlen(p->cgroup) : 0;

	fputs("\"cgroup\":", fp);
	if (p->cgroup == NULL)
		fputs("null", fp);
	else if (record_utf8_valid((const unsigned char *)p->cgroup, n) == n)
		put_json_string(fp, p->cgroup, n);
	else {
		fputs("null,\"cgroup_base64\":", fp);
		put_base64(fp, (const unsigned char *)p->cgroup, n);
	}
	fputs(",\"unit\":", fp);
	if (p->unit == NULL)
		fputs("null", fp);
	else
		put_json_string(fp, p->unit, strlen(p->unit));
}

static int
write_text(FILE *fp, const struct peer *p, const char *data, size_t len)
{
	int	 i;

	fprintf(fp, "pid=%ld uid=%lu gid=%lu user=", (long)p->pid,
	    (unsigned long)p->uid, (unsigned long)p->gid);
	put_vis(fp, p->user, strlen(p->user));
	fputs(" group=", fp);
	put_vis(fp, p->group, strlen(p->group));
	fputs(" groups=", fp);
	for (i = 0; i < p->ngroups; i++)
		fprintf(fp, "%s%lu", i ? "," : "", (unsigned long)p->groups[i]);
	/* Empty when not known (or, unit, when the path names none). */
	fputs(" cgroup=", fp);
	if (p->cgroup != NULL)
		put_vis(fp, p->cgroup, strlen(p->cgroup));
	fputs(" unit=", fp);
	if (p->unit != NULL)
		put_vis(fp, p->unit, strlen(p->unit));
	fprintf(fp, " size=%zu data=", len);
	if (put_vis(fp, data, len) == -1)
		return -1;
	putc('\n', fp);
	return 0;
}

static int
write_json(FILE *fp, const struct peer *p, const char *data, size_t len)
{
	int	 i, utf8;

	utf8 = record_utf8_valid((const unsigned char *)data, len) == len;
	fprintf(fp, "{\"pid\":%ld,\"uid\":%lu,\"gid\":%lu,\"user\":",
	    (long)p->pid, (unsigned long)p->uid, (unsigned long)p->gid);
	put_json_name(fp, p->user);
	fputs(",\"group\":", fp);
	put_json_name(fp, p->group);
	fputs(",\"groups\":[", fp);
	for (i = 0; i < p->ngroups; i++)
		fprintf(fp, "%s%lu", i ? "," : "", (unsigned long)p->groups[i]);
	fputs("],", fp);
	put_json_cgroup(fp, p);
	fprintf(fp, ",\"size\":%zu,\"encoding\":\"%s\",\"data\":", len,
	    utf8 ? "utf-8" : "base64");
	if (utf8)
		put_json_string(fp, data, len);
	else
		put_base64(fp, (const unsigned char *)data, len);
	fputs("}\n", fp);
	return 0;
}

/* Write one record to fp (buffered); -1 when fp reports an error. */
int
record_write(FILE *fp, enum record_format f, const struct peer *p,
    const char *data, size_t len)
{
	int	 r;

	switch (f) {
	case RECORD_TEXT:
		r = write_text(fp, p, data, len);
		break;
	case RECORD_JSON:
		r = write_json(fp, p, data, len);
		break;
	default:
		r = fwrite(data, 1, len, fp) == len ? 0 : -1;
		break;
	}
	return r == -1 || ferror(fp) ? -1 : 0;
}
