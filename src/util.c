/*
 * Allocation, diagnostics and terminal-safe output shared by all modules.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "progress.h"
#include "util.h"

static void *check_alloc(void *p, size_t size)
{
	if (!p && size)
		die("out of memory (allocating %zu bytes)", size);
	return p;
}

void *xmalloc(size_t size)
{
	return check_alloc(malloc(size ? size : 1), size);
}

void *xcalloc(size_t count, size_t size)
{
	return check_alloc(calloc(count ? count : 1, size ? size : 1), count * size);
}

void *xrealloc(void *ptr, size_t size)
{
	return check_alloc(realloc(ptr, size ? size : 1), size);
}

char *xstrndup(const char *s, size_t len)
{
	char *copy = xmalloc(len + 1);

	memcpy(copy, s, len);
	copy[len] = '\0';
	return copy;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

static size_t put_safe(FILE *fp, const char *str, size_t len);

/* Unicode's bidirectional formatting characters (Trojan Source). */
static int is_bidi_control(unsigned cp)
{
	return cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/*
 * Every message may quote a file name or a value from a log: control
 * characters and invalid UTF-8 in it are escaped here, whoever formatted
 * it.  Backslashes stay as they are, here as everywhere (put_safe), so
 * text that is already escaped is not escaped twice.
 */
static void report(const char *prefix, const char *fmt, va_list ap)
	PRINTF_LIKE(2, 0);

static void report(const char *prefix, const char *fmt, va_list ap)
{
	char buf[1024];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	size_t len = n < 0 ? 0 : (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;

	progress_clear(); /* a message never lands inside the status line */
	fputs("camaudit: ", stderr);
	fputs(prefix, stderr);
	put_safe(stderr, buf, len);
	fputc('\n', stderr);
}

void error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report("", fmt, ap);
	va_end(ap);
}

void warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report("warning: ", fmt, ap);
	va_end(ap);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report("fatal: ", fmt, ap);
	va_end(ap);
	exit(EXIT_INCOMPLETE);
}

size_t utf8_decode(const unsigned char *s, size_t len, unsigned *cp)
{
	unsigned c = s[0], min;
	size_t n, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		n = 2, c &= 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3, c &= 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/*
 * One escaping routine serves both the writer and the width calculation,
 * so that table columns line up with exactly what is printed.
 */
static size_t put_safe(FILE *fp, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, width = 0;
	char esc[12]; /* room for any unsigned, so the compiler can see it fits */

	while (i < len) {
		unsigned cp;
		size_t n = utf8_decode(s + i, len - i, &cp);
		const char *out = NULL;
		size_t outlen = n;

		if (n == 0) {
			snprintf(esc, sizeof(esc), "\\x%02x", s[i]);
			out = esc, outlen = 4, n = 1;
		} else if (cp == '\n') {
			out = "\\n", outlen = 2;
		} else if (cp == '\t') {
			out = "\\t", outlen = 2;
		} else if (cp == '\r') {
			out = "\\r", outlen = 2;
		} else if (cp < 0x20 || cp == 0x7f) {
			snprintf(esc, sizeof(esc), "\\x%02x", cp);
			out = esc, outlen = 4;
		} else if ((cp >= 0x80 && cp < 0xa0) || is_bidi_control(cp) ||
			   cp == 0x2028 || cp == 0x2029) {
			/* C1 controls: some terminals act on them (CSI = 0x9b);
			 * bidirectional controls reorder what the reader sees;
			 * U+2028 and U+2029 break the line in some viewers. */
			snprintf(esc, sizeof(esc), "\\u%04x", cp);
			out = esc, outlen = 6;
		}
		if (fp) {
			if (out)
				fwrite(out, 1, outlen, fp);
			else
				fwrite(s + i, 1, n, fp);
		}
		width += out ? outlen : 1;
		i += n;
	}
	return width;
}

int name_lookup(const char *const *names, size_t count, const char *name)
{
	size_t i;

	for (i = 0; name && i < count; i++)
		if (!strcmp(names[i], name))
			return (int)i;
	return -1;
}

int name_set_parse(const char *list, const char *const *names, size_t count,
		   unsigned all_set, unsigned *set)
{
	const char *p = list;

	*set = 0;
	if (!strcmp(list, "all")) {
		*set = all_set;
		return 0;
	}
	while (*p) {
		size_t len = strcspn(p, ","), i;

		for (i = 0; i < count; i++)
			if (strlen(names[i]) == len && !strncmp(names[i], p, len))
				break;
		if (i == count)
			return -1;
		*set |= 1u << i;
		p += len;
		if (*p == ',' && *++p == '\0')
			return -1;
	}
	return *set ? 0 : -1;
}

const char *plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

size_t fput_safe(FILE *fp, const char *s, size_t len)
{
	return put_safe(fp, s, len);
}

size_t safe_width(const char *s, size_t len)
{
	return put_safe(NULL, s, len);
}

char *safe_strdup(const char *s)
{
	return safe_memdup(s, strlen(s));
}

char *safe_memdup(const char *s, size_t len)
{
	char *copy = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&copy, &size);

	if (!mem)
		die("out of memory (escaping a name)");
	put_safe(mem, s, len);
	if (fclose(mem) != 0 || !copy)
		die("out of memory (escaping a name)");
	return copy;
}

void quote_bounded(char *out, size_t size, const char *s, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < len && o + 5 < size; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f)
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", c);
	}
	if (i < len && o + 4 <= size)
		memcpy(out + o, "...", 3), o += 3;
	out[o] = '\0';
}
