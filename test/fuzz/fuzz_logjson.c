/*
 * Fuzz --log-format json: any line through logjson_render, at any room,
 * is one valid JSON object; and a peer with any user, group, cgroup and
 * unit, logged through log.c in JSON, gives lines that are each one valid
 * JSON object whose "user" decodes (JSON, then strunvis) to the name.
 * (A fuzzer's target must keep stderr: the log goes to a socket pair.)
 */
#define LIBBSD_OPENBSD_VIS
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vis.h>

#include "../../src/log.h"
#include "../../src/logjson.h"
#include "../../src/peer.h"
#include "json_check.h"

static int	 logfd = -1;

/* The JSON string value of key in obj, decoded (\uXXXX only below 0x100). */
static int
json_get(const char *obj, const char *key, char *out, size_t size)
{
	char		 pat[64];
	const char	*p;
	size_t		 k = 0;
	unsigned int	 u;

	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	if ((p = strstr(obj, pat)) == NULL)
		return -1;
	for (p += strlen(pat); *p != '"'; p++) {
		if (k + 1 >= size)
			return -1;
		if (*p != '\\') {
			out[k++] = *p;
			continue;
		}
		p++;
		if (*p == 'u') {
			if (sscanf(p + 1, "%4x", &u) != 1 || u > 0xff)
				return -1;
			out[k++] = (char)u;
			p += 4;
		} else
			out[k++] = *p;
	}
	out[k] = '\0';
	return 0;
}

/*
 * Every line logged since the last call, each a datagram as to /dev/log:
 * after its header, one valid JSON object; the user's name decodes back.
 */
static void
check_logged(const char *user)
{
	char		 buf[8192], got[4096], dec[4096];
	const char	*obj;
	ssize_t		 n;

	while ((n = recv(logfd, buf, sizeof(buf) - 1, MSG_DONTWAIT)) > 0) {
		buf[n] = '\0';
		if ((obj = strstr(buf, "]: {")) == NULL)
			abort();
		obj += 3;
		if (!json_check(obj, strlen(obj)))
			abort();
		/* A whole object holds the name; strunvis gives it back. */
		if (strstr(obj, "\"truncated\":true") == NULL &&
		    json_get(obj, "user", got, sizeof(got)) == 0 &&
		    strstr(got, "[...]") == NULL) {
			if (strunvis(dec, got) == -1 || strcmp(dec, user) != 0)
				abort();
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		 out[4096], cg[1024], unit[256], reason[512];
	char		 who[LOG_WHO_SIZE], in[8192], *s;
	const char	*f[5];
	struct peer	 p;
	size_t		 room, i, k;
	int		 sv[2];

	if (logfd == -1) {
		/* The log as if to /dev/log: a datagram a line, kept here. */
		if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == -1)
			abort();
		log_set_syslog(sv[0]);
		logfd = sv[1];
		log_set_json();
	}
	if (size < 1)
		return 0;
	/* Any line, any room from the least to 4 KiB. */
	room = LOGJSON_MIN + (size_t)data[0] * 14;
	k = logjson_render(out, room, (const char *)data + 1, size - 1,
	    "2026-11-30T00:00:00.000000Z");
	if (k >= room || out[k] != '\0' || !json_check(out, k) ||
	    memchr(out, '\n', k) != NULL)
		abort();
	/* Fields split at NUL: user, group, cgroup, unit, reason. */
	k = size - 1 < sizeof(in) - 1 ? size - 1 : sizeof(in) - 1;
	memcpy(in, data + 1, k);
	in[k] = '\0';
	for (i = 0, s = in; i < 5; i++) {
		f[i] = s <= in + k ? s : "";
		if (s <= in + k)
			s += strlen(s) + 1;
	}
	memset(&p, 0, sizeof(p));
	snprintf(p.user, sizeof(p.user), "%s", f[0]);
	snprintf(p.group, sizeof(p.group), "%s", f[1]);
	snprintf(cg, sizeof(cg), "%s", f[2]);
	snprintf(unit, sizeof(unit), "%s", f[3]);
	snprintf(reason, sizeof(reason), "%s", f[4]);
	p.pid = 1234;
	p.uid = 33;
	p.gid = 33;
	p.cgroup = data[0] & 1 ? cg : NULL;
	p.unit = data[0] & 2 ? unit : NULL;
	snprintf(p.conn_id, sizeof(p.conn_id), "0123456789ab-1");
	p.req = data[0] & 4 ? 7 : 0;
	log_peer(LOG_ALWAYS, "deny", &p, "%s\tfailed=users\treason=%s",
	    log_who(&p, who, sizeof(who)), reason);
	log_line(LOG_ALWAYS, "%s", reason);
	check_logged(p.user);
	return 0;
}
