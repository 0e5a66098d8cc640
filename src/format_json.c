/*
 * JSON lines (`parser json`): one object per line, its values named by
 * paths (request.headers.X-Account[0]).  A small, bounded scanner: no
 * recursion (an explicit stack of FORMAT_JSON_DEPTH levels), no
 * allocation, one pass that validates the whole line and builds paths
 * only inside containers that lead to a name the format uses.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "format_private.h"
#include "util.h"

/* The longest path built; a longer one cannot be any format's name. */
#define JSON_PATH_MAX 512
#define PATH_NONE ((size_t)-1)

/*
 * The paths a format names, and the containers that lead to them
 * ("request", "request.headers"), each found by its length first: a
 * line's keys are compared with the few of the same length only.
 */
struct json_paths {
	const char **text;
	size_t *length, *name;         /* name: index in fmt->names */
	size_t first[JSON_PATH_MAX + 2]; /* entries of length n: first[n]..first[n+1] */
};

struct json_index {
	struct json_paths leaves;      /* the names */
	struct json_paths containers;  /* their proper prefixes before '.' or '[' */
};

struct json_frame {
	char closer;      /* '}' or ']' */
	size_t path_len;  /* the container's path in scan->path, or PATH_NONE */
	size_t index;     /* arrays: the element being read */
};

struct json_scan {
	struct format *fmt;
	const char *line;
	size_t len, pos;
	char path[JSON_PATH_MAX];
	const char *why;  /* what is wrong at pos */
};

static void skip_blanks(struct json_scan *js)
{
	/* Most tokens follow the last without a blank: one test for them. */
	while (js->pos < js->len && (unsigned char)js->line[js->pos] <= ' ' &&
	       (js->line[js->pos] == ' ' || js->line[js->pos] == '\t' ||
		js->line[js->pos] == '\n' || js->line[js->pos] == '\r'))
		js->pos++;
}

static int is_hex(char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

/*
 * The string that starts at pos (a '"'): its content's span, and whether
 * it holds an escape.  pos is left after the closing quote.  -1 with why
 * set when it is no JSON string.
 */
static int scan_string(struct json_scan *js, size_t *start, size_t *length,
		       int *escaped)
{
	const char *s = js->line, *quote, *slash;
	size_t i = js->pos + 1;

	*escaped = 0;
	*start = i;
	/*
	 * Two memchr() calls (vectorised in the C library) per string, not a
	 * test per byte: strings are most of a JSON line.  Control characters
	 * in a string are taken as they are (the output escapes them).
	 */
	for (;;) {
		if (!(quote = memchr(s + i, '"', js->len - i))) {
			js->why = "a string without its closing quote";
			return -1;
		}
		if (!(slash = memchr(s + i, '\\', (size_t)(quote - (s + i))))) {
			i = (size_t)(quote - s);
			break;
		}
		i = (size_t)(slash - s);
		*escaped = 1;
		if (i + 1 < js->len && s[i + 1] == 'u') {
			if (i + 5 >= js->len || !is_hex(s[i + 2]) || !is_hex(s[i + 3]) ||
			    !is_hex(s[i + 4]) || !is_hex(s[i + 5])) {
				js->pos = i;
				js->why = "\\u without four hex digits";
				return -1;
			}
			i += 6;
		} else if (i + 1 < js->len && strchr("\"\\/bfnrt", s[i + 1]) && s[i + 1]) {
			i += 2;
		} else {
			js->pos = i;
			js->why = "an unknown escape in a string";
			return -1;
		}
	}
	*length = i - *start;
	js->pos = i + 1;
	return 0;
}

/* A number, true, false or null at pos; its span.  -1 with why set. */
static int scan_literal(struct json_scan *js, size_t *start, size_t *length,
			int *is_null)
{
	static const char *const words[] = {"true", "false", "null"};
	const char *s = js->line;
	size_t i = js->pos, k, digits;

	*start = i;
	*is_null = 0;
	for (k = 0; k < ARRAY_SIZE(words) && i < js->len && s[i] >= 'a'; k++) {
		size_t n = strlen(words[k]);

		if (js->len - i >= n && !memcmp(s + i, words[k], n)) {
			*length = n;
			*is_null = k == 2;
			js->pos = i + n;
			return 0;
		}
	}
	/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
	if (i < js->len && s[i] == '-')
		i++;
	for (digits = 0; i < js->len && s[i] >= '0' && s[i] <= '9'; i++)
		digits++;
	if (digits == 0 || (digits > 1 && s[i - digits] == '0'))
		goto bad;
	if (i < js->len && s[i] == '.') {
		for (i++, digits = 0; i < js->len && s[i] >= '0' && s[i] <= '9'; i++)
			digits++;
		if (!digits)
			goto bad;
	}
	if (i < js->len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < js->len && (s[i] == '+' || s[i] == '-'))
			i++;
		for (digits = 0; i < js->len && s[i] >= '0' && s[i] <= '9'; i++)
			digits++;
		if (!digits)
			goto bad;
	}
	*length = i - *start;
	js->pos = i;
	return 0;
bad:
	js->why = "not a JSON value";
	return -1;
}

/* Sort entries [0..count) by length (insertion: a format has few names). */
static void paths_sort(struct json_paths *p, size_t count)
{
	size_t i, k, n;

	for (i = 1; i < count; i++)
		for (k = i; k > 0 && p->length[k - 1] > p->length[k]; k--) {
			const char *t = p->text[k];

			p->text[k] = p->text[k - 1], p->text[k - 1] = t;
			n = p->length[k], p->length[k] = p->length[k - 1], p->length[k - 1] = n;
			n = p->name[k], p->name[k] = p->name[k - 1], p->name[k - 1] = n;
		}
	for (n = 0, i = 0; n <= JSON_PATH_MAX + 1; n++) {
		while (i < count && p->length[i] < n)
			i++;
		p->first[n] = i;
	}
}

static void paths_add(struct json_paths *p, size_t *count, const char *text,
		      size_t length, size_t name)
{
	if (length > JSON_PATH_MAX)
		return; /* no line's path can be that long */
	p->text[*count] = text;
	p->length[*count] = length;
	p->name[(*count)++] = name;
}

static struct json_index *index_build(const struct format *fmt)
{
	struct json_index *ix = xcalloc(1, sizeof(*ix));
	size_t i, k, leaves = 0, containers = 0, max = 0;

	for (i = 0; i < fmt->name_count; i++)
		max += fmt->names[i].len + 1;
	ix->leaves.text = xcalloc(fmt->name_count + 1, sizeof(char *));
	ix->leaves.length = xcalloc(fmt->name_count + 1, sizeof(size_t));
	ix->leaves.name = xcalloc(fmt->name_count + 1, sizeof(size_t));
	ix->containers.text = xcalloc(max + 1, sizeof(char *));
	ix->containers.length = xcalloc(max + 1, sizeof(size_t));
	ix->containers.name = xcalloc(max + 1, sizeof(size_t));
	for (i = 0; i < fmt->name_count; i++) {
		const char *n = fmt->names[i].name;

		paths_add(&ix->leaves, &leaves, n, fmt->names[i].len, i);
		for (k = 1; k < fmt->names[i].len; k++)
			if (n[k] == '.' || n[k] == '[')
				paths_add(&ix->containers, &containers, n, k, i);
	}
	paths_sort(&ix->leaves, leaves);
	paths_sort(&ix->containers, containers);
	return ix;
}

void format_json_index_free(struct json_index *ix)
{
	if (!ix)
		return;
	free(ix->leaves.text), free(ix->leaves.length), free(ix->leaves.name);
	free(ix->containers.text), free(ix->containers.length);
	free(ix->containers.name);
	free(ix);
}

/* The first entry of p equal to path[0..len), from *at on; -1 when none is left. */
static long paths_next(const struct json_paths *p, const char *path, size_t len,
		       size_t *at)
{
	size_t end = p->first[len + 1];

	if (*at < p->first[len])
		*at = p->first[len];
	for (; *at < end; (*at)++)
		if (!memcmp(p->text[*at], path, len))
			return (long)(*at)++;
	return -1;
}

/*
 * Whether some name of the format continues path[0..len) into a
 * container: "request" leads to "request.headers.X-Account[0]".
 */
static int leads_to_name(const struct json_scan *js, size_t len)
{
	size_t at = 0;

	return len == 0 || paths_next(&js->fmt->json->containers, js->path, len, &at) >= 0;
}

/* Give the value s[start..start+length) to every name equal to the path. */
static int assign(struct json_scan *js, size_t path_len, size_t start,
		  size_t length, int escaped, int is_null)
{
	struct format *fmt = js->fmt;
	size_t at = 0;
	long found;

	while ((found = paths_next(&fmt->json->leaves, js->path, path_len, &at)) >= 0) {
		struct text *v = &fmt->values[fmt->json->leaves.name[found]];
		char *out;

		if (is_null) {
			*v = (struct text){NULL, 0}; /* the last of repeated keys wins */
		} else if (!escaped) {
			*v = (struct text){js->line + start, length};
		} else {
			if (FORMAT_SCRATCH_SIZE - fmt->scratch_used < length) {
				js->why = "values too long to decode";
				return -1;
			}
			out = fmt->scratch + fmt->scratch_used;
			length = format_json_unescape(js->line + start, length, out);
			fmt->scratch_used += length;
			*v = (struct text){out, length};
		}
	}
	return 0;
}

/* Append "." KEY (unescaped) or "[N]" to the path at len; PATH_NONE when it cannot be a name. */
static size_t extend_path(struct json_scan *js, size_t len, const struct json_frame *top,
			  size_t key_start, size_t key_len, int key_escaped)
{
	char digits[24];
	size_t n = 0, i = top->index;

	if (len == PATH_NONE)
		return PATH_NONE;
	if (top->closer == ']') {
		do /* the index's digits, last first */
			digits[n++] = (char)('0' + i % 10);
		while ((i /= 10) > 0);
		if (len + n + 2 >= JSON_PATH_MAX)
			return PATH_NONE;
		js->path[len++] = '[';
		while (n > 0)
			js->path[len++] = digits[--n];
		js->path[len++] = ']';
		return len;
	}
	if (len + 1 + key_len >= JSON_PATH_MAX)
		return PATH_NONE;
	if (len > 0)
		js->path[len++] = '.';
	if (key_escaped)
		return len + format_json_unescape(js->line + key_start, key_len,
						  js->path + len);
	memcpy(js->path + len, js->line + key_start, key_len);
	return len + key_len;
}

int format_json_scan(struct format *fmt, const char *line, size_t len,
		     size_t *where, const char **why)
{
	struct json_frame stack[FORMAT_JSON_DEPTH];
	struct json_scan js; /* not zeroed: its path is written before it is read */
	size_t depth = 1, i;
	int first = 1;

	js.fmt = fmt, js.line = line, js.len = len, js.pos = 0, js.why = NULL;
	if (!fmt->json)
		fmt->json = index_build(fmt);
	for (i = 0; i < fmt->name_count; i++)
		fmt->values[i] = (struct text){NULL, 0};
	skip_blanks(&js);
	if (js.pos == len || line[js.pos] != '{') {
		js.why = "not a JSON object";
		goto fail;
	}
	js.pos++;
	stack[0] = (struct json_frame){'}', 0, 0};
	for (;;) {
		struct json_frame *top = &stack[depth - 1];
		size_t start = 0, length = 0, path = PATH_NONE;
		int escaped = 0, is_null, closing = 0;

		skip_blanks(&js);
		if (first && js.pos < len && line[js.pos] == top->closer) {
			js.pos++;
			closing = 1; /* an empty container */
		} else if (top->closer == '}') {
			if (js.pos == len || line[js.pos] != '"') {
				js.why = "expected a key in quotes";
				goto fail;
			}
			if (scan_string(&js, &start, &length, &escaped))
				goto fail;
			skip_blanks(&js);
			if (js.pos == len || line[js.pos] != ':') {
				js.why = "expected ':' after a key";
				goto fail;
			}
			js.pos++;
			skip_blanks(&js);
		}
		if (!closing && top->path_len != PATH_NONE)
			path = extend_path(&js, top->path_len, top, start, length, escaped);
		if (!closing && js.pos < len && (line[js.pos] == '{' || line[js.pos] == '[')) {
			if (depth == FORMAT_JSON_DEPTH) {
				js.why = "nested too deep";
				goto fail;
			}
			stack[depth++] = (struct json_frame){
				line[js.pos] == '{' ? '}' : ']',
				path != PATH_NONE && leads_to_name(&js, path) ? path : PATH_NONE, 0};
			js.pos++;
			first = 1;
			continue;
		}
		if (closing) {
			/* nothing to read */
		} else if (js.pos < len && line[js.pos] == '"') {
			is_null = 0;
			if (scan_string(&js, &start, &length, &escaped))
				goto fail;
		} else if (js.pos == len) {
			js.why = "the line ends inside the object";
			goto fail;
		} else if (scan_literal(&js, &start, &length, &is_null)) {
			goto fail;
		} else {
			escaped = 0;
		}
		if (!closing && path != PATH_NONE &&
		    assign(&js, path, start, length, escaped, is_null))
			goto fail;
		/*
		 * After a value: a comma, or the end of one or more containers
		 * (closing: the one just read was empty and is closed already).
		 */
		for (;; closing = 0) {
			if (!closing) {
				skip_blanks(&js);
				if (js.pos < len && line[js.pos] == ',') {
					js.pos++;
					first = 0;
					stack[depth - 1].index++;
					break;
				}
				if (js.pos == len || line[js.pos] != stack[depth - 1].closer) {
					js.why = stack[depth - 1].closer == '}'
						 ? "expected ',' or '}'" : "expected ',' or ']'";
					goto fail;
				}
				js.pos++;
			}
			if (--depth == 0) {
				skip_blanks(&js);
				if (js.pos != len) {
					js.why = "text after the object";
					goto fail;
				}
				return 0;
			}
		}
	}
fail:
	if (js.pos >= len)
		js.why = "the line ends inside the object";
	*where = js.pos;
	*why = js.why;
	return -1;
}
