/*
 * Nested output for explain: JSON through emit_json_string(), text as an
 * indented outline with every value made terminal-safe.
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "emit.h"
#include "timefmt.h"
#include "tree.h"
#include "util.h"

#define MAX_DEPTH 15

void tree_init(struct tree *t, FILE *out, int json)
{
	memset(t, 0, sizeof(*t));
	t->out = out;
	t->json = json;
	t->first[0] = 1;
}

/* Start an entry: separators and the key, in either rendering. */
static void start(struct tree *t, const char *key, int container)
{
	if (t->json) {
		if (!t->first[t->depth])
			fputc(',', t->out);
		if (key && !t->in_array[t->depth])
			fprintf(t->out, "\"%s\":", key);
	} else if (t->depth > 0) {
		fprintf(t->out, "%*s", 2 * (t->depth - 1), "");
		if (t->in_array[t->depth])
			fputs(container ? "-" : "- ", t->out);
		else
			fprintf(t->out, "%s:%s", key, container ? "" : " ");
		if (container)
			fputc('\n', t->out);
	}
	t->first[t->depth] = 0;
}

static void open_container(struct tree *t, const char *key, int array)
{
	start(t, key, 1);
	if (t->json)
		fputc(array ? '[' : '{', t->out);
	if (t->depth < MAX_DEPTH)
		t->depth++;
	t->first[t->depth] = 1;
	t->in_array[t->depth] = array;
}

void tree_object(struct tree *t, const char *key)
{
	open_container(t, key, 0);
}

void tree_array(struct tree *t, const char *key)
{
	open_container(t, key, 1);
}

void tree_end(struct tree *t)
{
	int was_array = t->in_array[t->depth], was_empty = t->first[t->depth];

	if (t->depth > 0)
		t->depth--;
	if (t->json)
		fputc(was_array ? ']' : '}', t->out);
	else if (was_array && was_empty)
		fprintf(t->out, "%*s(none)\n", 2 * t->depth, "");
}

static void scalar(struct tree *t, const char *key, const char *json_value,
		   const char *text_value)
{
	start(t, key, 0);
	if (t->json) {
		fputs(json_value, t->out);
	} else {
		fput_safe(t->out, text_value, strlen(text_value));
		fputc('\n', t->out);
	}
}

void tree_text(struct tree *t, const char *key, const char *value)
{
	tree_text_len(t, key, value, value ? strlen(value) : 0);
}

void tree_text_len(struct tree *t, const char *key, const char *value,
		   size_t len)
{
	if (!value) {
		tree_null(t, key);
		return;
	}
	start(t, key, 0);
	if (t->json) {
		emit_json_string(t->out, value, len);
	} else {
		fput_safe(t->out, value, len);
		fputc('\n', t->out);
	}
}

void tree_time(struct tree *t, const char *key, int64_t ms)
{
	char when[TIMEFMT_SIZE];

	timefmt_format(ms, when);
	tree_text(t, key, when);
}

void tree_int(struct tree *t, const char *key, int64_t value)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRId64, value);
	scalar(t, key, buf, buf);
}

void tree_real(struct tree *t, const char *key, double value)
{
	char buf[32];

	/* Finite values only: JSON has no infinity or NaN. */
	snprintf(buf, sizeof(buf), "%.15g", isfinite(value) ? value : 0.0);
	scalar(t, key, buf, buf);
}

void tree_bool(struct tree *t, const char *key, int value)
{
	scalar(t, key, value ? "true" : "false", value ? "yes" : "no");
}

void tree_null(struct tree *t, const char *key)
{
	scalar(t, key, "null", "-");
}

void tree_finish(struct tree *t)
{
	if (t->json)
		fputc('\n', t->out);
	t->first[0] = 1; /* the next document starts afresh (NDJSON) */
}
