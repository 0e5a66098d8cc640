/*
 * The logfmt input format: `key=value` pairs separated by blanks, values
 * optionally double-quoted with backslash escapes, and an optional bare
 * timestamp as the first token.
 */
#ifndef CAMAUDIT_LOGFMT_H
#define CAMAUDIT_LOGFMT_H

#include <stddef.h>

#include "event.h"

/*
 * Parse line[0..len) (no newline) into ev.  The line is modified in place
 * (quoted values are unescaped) and ev points into it.  Unknown keys are
 * ignored; when a key appears twice the last value wins.  Returns 0, or -1
 * with ev->why set.
 */
int logfmt_parse_line(char *line, size_t len, struct event *ev);

#endif
