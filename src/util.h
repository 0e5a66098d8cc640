/*
 * Small helpers every module uses: allocation that dies cleanly on ENOMEM,
 * the one place diagnostics are written, and terminal-safe quoting.
 */
#ifndef CAMAUDIT_UTIL_H
#define CAMAUDIT_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "compiler.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t len);

/* "camaudit: MESSAGE" on stderr.  Messages are lowercase, no final period. */
void error(const char *fmt, ...) PRINTF_LIKE(1, 2);
void warning(const char *fmt, ...) PRINTF_LIKE(1, 2);
/* For the few conditions that cannot be reported upward (out of memory). */
NORETURN void die(const char *fmt, ...) PRINTF_LIKE(1, 2);

/*
 * The index of name in names[0..count), or -1: the one lookup of the
 * words an option takes (--format, --type, --events).
 */
int name_lookup(const char *const *names, size_t count, const char *name);
/*
 * A comma-separated list of those names, or "all" (all_set), as a set of
 * bits 1 << index; -1 for an unknown or empty name, or an empty list.
 */
int name_set_parse(const char *list, const char *const *names, size_t count,
		   unsigned all_set, unsigned *set);

/*
 * The word for n things: one when n is 1, else many, as in
 * printf("%llu %s", n, plural(n, "file", "files")).  Both forms are given,
 * as not every plural adds an s ("delivery falls", "deliveries fall").
 */
const char *plural(uint64_t n, const char *one, const char *many);

/*
 * Write s[0..len) to fp so that it cannot drive a terminal: printable UTF-8
 * passes through, control characters, DEL, C1 controls and invalid UTF-8
 * are written as C-style escapes (\n, \t, \x1b).  A backslash stays one
 * backslash: evidence reads as it is in the log, and a definition that
 * `formats show` prints reads back unchanged (one convention everywhere).
 * Returns the number of columns written (one per character; wide CJK is
 * not measured, which only affects alignment).
 */
size_t fput_safe(FILE *fp, const char *s, size_t len);
/* The number of columns fput_safe() would write for s[0..len). */
size_t safe_width(const char *s, size_t len);

/* A copy of s escaped as fput_safe() writes it (for names in messages). */
char *safe_strdup(const char *s);
/* The same for s[0..len), which may hold NUL bytes (written as \x00). */
char *safe_memdup(const char *s, size_t len);

/*
 * Quote s[0..len) for an error message: ASCII printables (backslash
 * included) as they are, every other byte as \xNN, cut with "..." to fit
 * size (which must be at least 8).  Always NUL-terminated.
 */
void quote_bounded(char *out, size_t size, const char *s, size_t len);

/*
 * Length of the valid UTF-8 sequence at s[0..len), or 0 when the bytes at
 * s do not start one (overlong forms, surrogates and code points past
 * U+10FFFF are invalid).  *cp receives the code point.
 */
size_t utf8_decode(const unsigned char *s, size_t len, unsigned *cp);

#endif
