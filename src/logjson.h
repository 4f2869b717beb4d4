/* --log-format json: a log line as one JSON object (logjson.c). */
#ifndef PEERRELAY_LOGJSON_H
#define PEERRELAY_LOGJSON_H

#include <stddef.h>

/* What ends an object cut to size. */
#define LOGJSON_CUT	",\"truncated\":true}"
/* The least room an object needs: event, time, the mark. */
#define LOGJSON_MIN	256

/* Room for logjson_time's stamp. */
#define LOGJSON_TIME	40

size_t	logjson_render(char *, size_t, const char *, size_t, const char *);
void	logjson_time(char *, size_t);

#endif
