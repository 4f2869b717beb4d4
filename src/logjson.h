/* --log-format json: a log line as one JSON object (logjson.c). */
#ifndef PEERRELAY_LOGJSON_H
#define PEERRELAY_LOGJSON_H

#include <stddef.h>

/* What ends an object cut to size. */
#define LOGJSON_CUT	",\"truncated\":true}"
/* The longest event name, and the least room an object needs. */
#define LOGJSON_EVENT	32
#define LOGJSON_MIN	320

/* Room for logjson_time's stamp. */
#define LOGJSON_TIME	40

size_t	logjson_render(char *, size_t, const char *, size_t, const char *);
void	logjson_time(char *, size_t);

#endif
