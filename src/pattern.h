/* A rule slot's pattern: checked, then compiled to match a whole argument. */
#ifndef PEERRELAY_PATTERN_H
#define PEERRELAY_PATTERN_H

#include <regex.h>

long	pattern_check(const char *, const char **);
long	pattern_compile(const char *, regex_t *, const char **);

#endif
