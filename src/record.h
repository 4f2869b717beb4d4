/* Print mode: one record per request, in text, JSON or raw form. */
#ifndef PEERRELAY_RECORD_H
#define PEERRELAY_RECORD_H

#include <stddef.h>
#include <stdio.h>

#include "peer.h"

/* How text records escape (strnvisx(3) flags), for those who decode them. */
#define RECORD_VIS_FLAGS	(VIS_CSTYLE | VIS_OCTAL | VIS_WHITE)

enum record_format {
	RECORD_TEXT,
	RECORD_JSON,
	RECORD_RAW
};

int	record_format_parse(const char *, enum record_format *);
int	record_write(FILE *, enum record_format, const struct peer *,
	    const char *, size_t);
size_t	record_utf8_valid(const unsigned char *, size_t);

#endif
