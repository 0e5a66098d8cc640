/*
 * Format definitions: the grammar of a formats file, read line by line
 * into compiled formats, and the set of formats (the user's, then the
 * presets) that ingest chooses from.  Every mistake in a definition is
 * reported with its line and column, and a file with any mistake adds
 * nothing.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "format_private.h"
#include "util.h"

/* Definition files are small; a larger one is surely the wrong file. */
#define FORMAT_FILE_MAX (1024 * 1024)

extern const char format_presets[]; /* presets.c */

struct format_set {
	struct format **formats;
	size_t count;
};

/* The state of reading one definition text. */
struct definer {
	const char *file;
	int errors;
	struct format **made;     /* the formats read so far */
	size_t made_count;
	struct format *current;
	int current_line;         /* its `format` line */
	size_t text_start;        /* where its text (comments above included) starts */
	/* The pattern pieces: the joined pattern and where each piece came from. */
	char *pattern;
	size_t pattern_len;
	struct {
		size_t offset, length;
		int line;
		size_t column;
	} pieces[32];
	size_t piece_count;
	int header_line;
	int timezone_line;
};

static const struct {
	const char *name;
	enum format_kind kind;
} kinds[] = {
	{"any", FORMAT_KIND_ANY},
	{"relay", FORMAT_KIND_RELAY},
	{"cache", FORMAT_KIND_CACHE},
	{"registry", FORMAT_KIND_REGISTRY},
};

const char *format_kind_name(enum format_kind kind)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		if (kinds[i].kind == kind)
			return kinds[i].name;
	return "?";
}

PRINTF_LIKE(4, 5)
static void def_error(struct definer *d, int line, size_t column, const char *fmt, ...)
{
	char message[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	error("%s:%d: column %zu: %s", d->file, line, column + 1, message);
	d->errors++;
}

void format_free(struct format *fmt)
{
	size_t i, k;

	if (!fmt)
		return;
	free(fmt->name);
	free(fmt->description);
	free(fmt->origin);
	free(fmt->text);
	pcre2_match_data_free(fmt->match_data);
	pcre2_match_context_free(fmt->match_context);
	pcre2_jit_stack_free(fmt->jit_stack);
	pcre2_code_free(fmt->code);
	free(fmt->header);
	for (i = 0; i < fmt->name_count; i++)
		free(fmt->names[i].name);
	free(fmt->names);
	for (i = 0; i < FIELD_COUNT; i++) {
		free(fmt->field[i].constant);
		free(fmt->field[i].param);
		free(fmt->fill_field[i].constant);
		free(fmt->fill_field[i].param);
	}
	for (i = 0; i < fmt->condition_count + fmt->skip_count; i++) {
		struct fill_condition *c = i < fmt->condition_count ? &fmt->conditions[i]
					   : &fmt->skips[i - fmt->condition_count];

		for (k = 0; k < c->value_count; k++)
			free(c->values[k]);
		free(c->values);
		free(c->value_len);
		pcre2_match_data_free(c->regex_data);
		pcre2_code_free(c->regex);
	}
	free(fmt->conditions);
	free(fmt->skips);
	for (i = 0; i < fmt->absent_count; i++)
		free(fmt->absent[i]);
	free(fmt->absent);
	free(fmt->values);
	free(fmt->scratch);
	free(fmt->subject);
	free(fmt->columns);
	format_json_index_free(fmt->json);
	time_zone_free(fmt->zone);
	free(fmt);
}

/* ---- Words of a line ---------------------------------------------------- */

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* A word of line[*pos..len): sets start and length, moves past blanks. */
static int next_word(const char *line, size_t len, size_t *pos, size_t *start,
		     size_t *wlen)
{
	while (*pos < len && is_blank(line[*pos]))
		(*pos)++;
	*start = *pos;
	while (*pos < len && !is_blank(line[*pos]))
		(*pos)++;
	*wlen = *pos - *start;
	return *wlen > 0;
}

/* The index of the name, added when new. */
static size_t name_index(struct format *fmt, const char *name, size_t len,
			 int line, size_t column)
{
	size_t i;

	for (i = 0; i < fmt->name_count; i++)
		if (strlen(fmt->names[i].name) == len &&
		    !memcmp(fmt->names[i].name, name, len))
			return i;
	fmt->names = xrealloc(fmt->names, (fmt->name_count + 1) * sizeof(*fmt->names));
	fmt->names[i] = (struct format_name){xstrndup(name, len), len, -1, -1, 0,
					     line, column};
	return fmt->name_count++;
}

static int valid_name(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] == '=' || s[i] == '?' || s[i] == '|' ||
		    (unsigned char)s[i] < 0x21 || (unsigned char)s[i] == 0x7f)
			return 0;
	return len > 0;
}

/* ---- Keywords ------------------------------------------------------------- */

/*
 * A definition line is a keyword and what follows it, line[pos..len); the
 * handler reads the rest and reports its mistakes.  The keyword is given
 * for messages.  (A "key" in this program is the cache key, a field.)
 */
typedef void keyword_handler(struct definer *d, const char *keyword, int number,
			     const char *line, size_t len, size_t pos);

/* "FIELD = VALUE...": the field; *pos is left after the '='. */
static enum field read_field_and_equals(struct definer *d, int number,
					const char *line, size_t len, size_t *pos,
					const char *keyword)
{
	size_t start, wlen;
	enum field f;

	if (!next_word(line, len, pos, &start, &wlen)) {
		def_error(d, number, *pos, "'%s' needs FIELD = ...", keyword);
		return FIELD_COUNT;
	}
	/* "ts=date" without blanks is written as one word: split it. */
	if (memchr(line + start, '=', wlen)) {
		wlen = (size_t)((const char *)memchr(line + start, '=', wlen) - (line + start));
		*pos = start + wlen;
	}
	f = event_field_lookup(line + start, wlen);
	if (f == FIELD_COUNT) {
		def_error(d, number, start, "unknown field '%.*s' (fields: ts op account "
			  "device key frame node relay req cache status bytes rtt_ms "
			  "ttl_ms gen)", (int)wlen, line + start);
		return FIELD_COUNT;
	}
	while (*pos < len && is_blank(line[*pos]))
		(*pos)++;
	if (*pos == len || line[*pos] != '=') {
		def_error(d, number, *pos, "expected '=' after '%s'", event_field_name(f));
		return FIELD_COUNT;
	}
	(*pos)++;
	return f;
}

/* field/fill-field FIELD = NAME [NAME...] | NAME?PARAM, into rules[FIELD] */
static void read_field_rule(struct definer *d, const char *keyword, int number,
			    const char *line, size_t len, size_t pos,
			    struct field_rule *rules)
{
	struct format *fmt = d->current;
	enum field f = read_field_and_equals(d, number, line, len, &pos, keyword);
	struct field_rule *rule;
	size_t start, wlen;

	if (f == FIELD_COUNT)
		return;
	rule = &rules[f];
	if (rule->used) {
		def_error(d, number, 0, "field '%s' is given twice", event_field_name(f));
		return;
	}
	while (next_word(line, len, &pos, &start, &wlen)) {
		const char *q = memchr(line + start, '?', wlen);
		size_t name_len = q ? (size_t)(q - (line + start)) : wlen;

		if (rule->part_count == FORMAT_MAX_PARTS || (rule->param && wlen)) {
			def_error(d, number, start, "too many names for '%s' (at most "
				  "%d, or one NAME?PARAM)", event_field_name(f),
				  FORMAT_MAX_PARTS);
			return;
		}
		if (!valid_name(line + start, name_len) ||
		    (q && (!valid_name(q + 1, wlen - name_len - 1) ||
			   rule->part_count > 0))) {
			def_error(d, number, start, "'%.*s' is not a name (or one "
				  "NAME?PARAM)", (int)wlen, line + start);
			return;
		}
		rule->part[rule->part_count++] =
			name_index(fmt, line + start, name_len, number, start);
		if (q)
			rule->param = xstrndup(q + 1, wlen - name_len - 1);
	}
	if (rule->part_count == 0) {
		def_error(d, number, pos, "'%s' needs a name after '='", keyword);
		return;
	}
	rule->used = 1;
}

static void keyword_field(struct definer *d, const char *keyword, int number,
			  const char *line, size_t len, size_t pos)
{
	read_field_rule(d, keyword, number, line, len, pos, d->current->field);
}

static void keyword_fill_field(struct definer *d, const char *keyword, int number,
			       const char *line, size_t len, size_t pos)
{
	read_field_rule(d, keyword, number, line, len, pos, d->current->fill_field);
}

static size_t read_value(struct definer *d, int number, const char *line,
			 size_t len, size_t pos, char **value, size_t *value_len);

static void keyword_set(struct definer *d, const char *keyword, int number,
			const char *line, size_t len, size_t pos)
{
	enum field f = read_field_and_equals(d, number, line, len, &pos, keyword);
	struct field_rule *rule;
	size_t end_unused;

	if (f == FIELD_COUNT)
		return;
	while (pos < len && is_blank(line[pos]))
		pos++;
	while (len > pos && is_blank(line[len - 1]))
		len--;
	rule = &d->current->field[f];
	if (pos == len) {
		def_error(d, number, pos, "'set %s' needs a value", event_field_name(f));
	} else if (rule->used) {
		def_error(d, number, 0, "field '%s' is given twice", event_field_name(f));
	} else if (line[pos] == '"') {
		/* A quoted value: its blanks at either end are kept. */
		size_t end = read_value(d, number, line, len, pos, &rule->constant,
					&end_unused);

		if (end != (size_t)-1 && end != len) {
			def_error(d, number, end, "text after the quoted value");
		} else if (end != (size_t)-1) {
			rule->used = 1;
		}
	} else {
		rule->used = 1, rule->constant = xstrndup(line + pos, len - pos);
	}
}

/*
 * One value of a list: a word up to a blank or '|', or a double-quoted
 * string (blanks and '|' allowed; \" and \\ stand for " and \).  Returns
 * the position after it, or (size_t)-1 with an error reported.
 */
static size_t read_value(struct definer *d, int number, const char *line,
			 size_t len, size_t pos, char **value, size_t *value_len)
{
	size_t start = pos, o = 0;
	char *out;

	if (pos < len && line[pos] == '"') {
		out = xmalloc(len - pos);
		for (pos++; pos < len && line[pos] != '"'; pos++) {
			if (line[pos] == '\\' && pos + 1 < len &&
			    (line[pos + 1] == '"' || line[pos + 1] == '\\'))
				pos++;
			out[o++] = line[pos];
		}
		if (pos == len) {
			free(out);
			def_error(d, number, start, "a quoted value without its "
				  "closing quote");
			return (size_t)-1;
		}
		pos++;
	} else {
		while (pos < len && line[pos] != '|' && !is_blank(line[pos]))
			pos++;
		out = xstrndup(line + start, pos - start);
		o = pos - start;
	}
	if (o == 0) {
		free(out);
		def_error(d, number, start, "empty value in the list");
		return (size_t)-1;
	}
	out[o] = '\0';
	*value = out;
	*value_len = o;
	return pos;
}

/* A regular expression of a condition, compiled as patterns are. */
static int compile_condition_regex(struct definer *d, int number, size_t column,
				   const char *text, size_t len,
				   struct fill_condition *c)
{
	PCRE2_UCHAR message[256];
	PCRE2_SIZE offset;
	int code;

	c->regex = pcre2_compile((PCRE2_SPTR)text, len, PCRE2_NEVER_UTF |
				 PCRE2_NEVER_UCP, &code, &offset, NULL);
	if (!c->regex) {
		if (pcre2_get_error_message(code, message, sizeof(message)) < 0)
			snprintf((char *)message, sizeof(message), "error %d", code);
		def_error(d, number, column + offset, "regular expression does not "
			  "compile: %s", (const char *)message);
		return -1;
	}
	pcre2_jit_compile(c->regex, PCRE2_JIT_COMPLETE);
	if (!(c->regex_data = pcre2_match_data_create_from_pattern(c->regex, NULL)))
		die("out of memory (compiling a condition)");
	return 0;
}

/*
 * fill-when / skip-when NAME = V1|V2, NAME ^= PREFIX|PREFIX, NAME ~ REGEX;
 * values may be quoted.  Adds to *list.
 */
static void read_condition(struct definer *d, const char *keyword, int number,
			   const char *line, size_t len, size_t pos,
			   struct fill_condition **list, size_t *count)
{
	struct format *fmt = d->current;
	struct fill_condition *c;
	size_t start, wlen, op_len;
	const char *op;

	while (pos < len && is_blank(line[pos]))
		pos++;
	while (len > pos && is_blank(line[len - 1]))
		len--;
	start = pos;
	while (pos < len && !is_blank(line[pos]) && line[pos] != '=' &&
	       line[pos] != '~' && !(line[pos] == '^' && pos + 1 < len &&
				     line[pos + 1] == '='))
		pos++;
	wlen = pos - start;
	if (!valid_name(line + start, wlen)) {
		def_error(d, number, start, "'%s' needs NAME = VALUE|VALUE..., NAME ^= "
			  "PREFIX|... or NAME ~ REGEX", keyword);
		return;
	}
	while (pos < len && is_blank(line[pos]))
		pos++;
	op = line + pos;
	op_len = pos < len && line[pos] == '^' ? 2 : 1;
	if (pos == len || (line[pos] != '=' && line[pos] != '~' &&
			   (line[pos] != '^' || pos + 1 == len || line[pos + 1] != '='))) {
		def_error(d, number, pos, "expected '=', '^=' or '~' after '%.*s'",
			  (int)wlen, line + start);
		return;
	}
	pos += op_len;
	while (pos < len && is_blank(line[pos]))
		pos++;
	*list = xrealloc(*list, (*count + 1) * sizeof(**list));
	c = &(*list)[(*count)++];
	memset(c, 0, sizeof(*c));
	c->field = event_field_lookup(line + start, wlen);
	if (c->field == FIELD_COUNT)
		c->name = name_index(fmt, line + start, wlen, number, start);
	c->match = *op == '~' ? MATCH_REGEX : *op == '^' ? MATCH_PREFIX : MATCH_EXACT;
	if (pos == len) {
		def_error(d, number, pos, "'%s' needs %s after '%.*s'", keyword,
			  c->match == MATCH_REGEX ? "a regular expression" : "values",
			  (int)op_len, op);
		return;
	}
	if (c->match == MATCH_REGEX) {
		compile_condition_regex(d, number, pos, line + pos, len - pos, c);
		return;
	}
	for (;;) {
		c->values = xrealloc(c->values, (c->value_count + 1) * sizeof(*c->values));
		c->value_len = xrealloc(c->value_len, (c->value_count + 1) *
					sizeof(*c->value_len));
		pos = read_value(d, number, line, len, pos, &c->values[c->value_count],
				 &c->value_len[c->value_count]);
		if (pos == (size_t)-1)
			return;
		c->value_count++;
		while (pos < len && is_blank(line[pos]))
			pos++;
		if (pos == len)
			return;
		if (line[pos] != '|') {
			def_error(d, number, pos, "values are separated by '|' (quote a "
				  "value that holds blanks)");
			return;
		}
		pos++;
		while (pos < len && is_blank(line[pos]))
			pos++;
	}
}

static void keyword_fill_when(struct definer *d, const char *keyword, int number,
			      const char *line, size_t len, size_t pos)
{
	read_condition(d, keyword, number, line, len, pos, &d->current->conditions,
		       &d->current->condition_count);
}

static void keyword_skip_when(struct definer *d, const char *keyword, int number,
			      const char *line, size_t len, size_t pos)
{
	read_condition(d, keyword, number, line, len, pos, &d->current->skips,
		       &d->current->skip_count);
}

#define BACKSLASH_OR_JSON (DECODE_BACKSLASH | DECODE_JSON)

/* The decoders of `decode HOW NAME...`, in the order messages list them. */
static const struct {
	const char *name;
	unsigned flag;
} decoders[] = {
	{"url", DECODE_URL},
	{"nginx", DECODE_NGINX},
	{"backslash", DECODE_BACKSLASH},
	{"json", DECODE_JSON},
};

static void keyword_decode(struct definer *d, const char *keyword, int number,
			   const char *line, size_t len, size_t pos)
{
	size_t start, wlen, k;
	unsigned how = 0;

	if (!next_word(line, len, &pos, &start, &wlen)) {
		def_error(d, number, pos, "'%s' needs url, nginx, backslash or "
			  "json, then names", keyword);
		return;
	}
	for (k = 0; k < ARRAY_SIZE(decoders); k++)
		if (strlen(decoders[k].name) == wlen &&
		    !memcmp(line + start, decoders[k].name, wlen))
			how = decoders[k].flag;
	if (!how) {
		def_error(d, number, start, "unknown decoding '%.*s' (use url, nginx, "
			  "backslash or json)", (int)wlen, line + start);
		return;
	}
	if (!next_word(line, len, &pos, &start, &wlen)) {
		def_error(d, number, pos, "'%s' needs the names to decode", keyword);
		return;
	}
	do {
		size_t i;

		if (!valid_name(line + start, wlen)) {
			def_error(d, number, start, "'%.*s' is not a name", (int)wlen,
				  line + start);
			continue;
		}
		/* name_index() may move the table: index it afterwards. */
		i = name_index(d->current, line + start, wlen, number, start);
		/* Both read a backslash; which one applies must be clear. */
		if (((d->current->names[i].decode | how) & BACKSLASH_OR_JSON) ==
		    BACKSLASH_OR_JSON)
			def_error(d, number, start, "'%.*s' is decoded as backslash "
				  "or json, not both", (int)wlen, line + start);
		d->current->names[i].decode |= how;
	} while (next_word(line, len, &pos, &start, &wlen));
}

static void keyword_pattern(struct definer *d, const char *keyword, int number,
			    const char *line, size_t len, size_t pos)
{
	/* Blanks around a piece are layout, not pattern: write [ ] or \x20. */
	while (pos < len && is_blank(line[pos]))
		pos++;
	while (len > pos && is_blank(line[len - 1]))
		len--;
	if (d->current->parser == PARSER_COLUMNS || d->current->parser == PARSER_LOGFMT) {
		def_error(d, number, 0, "a format has one of pattern, header or parser");
		return;
	}
	if (pos == len) {
		def_error(d, number, pos, "'%s' needs a regular expression", keyword);
		return;
	}
	if (d->piece_count == ARRAY_SIZE(d->pieces)) {
		def_error(d, number, 0, "too many pattern lines (at most %zu)",
			  ARRAY_SIZE(d->pieces));
		return;
	}
	d->current->parser = PARSER_PATTERN;
	d->pattern = xrealloc(d->pattern, d->pattern_len + (len - pos) + 1);
	memcpy(d->pattern + d->pattern_len, line + pos, len - pos);
	d->pieces[d->piece_count].offset = d->pattern_len;
	d->pieces[d->piece_count].length = len - pos;
	d->pieces[d->piece_count].line = number;
	d->pieces[d->piece_count++].column = pos;
	d->pattern_len += len - pos;
}

/*
 * The keywords whose value is one word or the rest of the line get it
 * with the blanks around it dropped, never empty, and where it starts;
 * a handler that keeps the value sets *value to NULL.
 */
typedef void keyword_value_handler(struct definer *d, int number, char **value,
				   size_t start);

/* "One of pattern, header or parser": the line that would give a second. */
static int parser_given(struct definer *d, int number)
{
	if (d->current->parser == PARSER_NONE)
		return 0;
	def_error(d, number, 0, "a format has one of pattern, header or parser");
	return 1;
}

static void keyword_kind(struct definer *d, int number, char **value,
			 size_t start)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		if (!strcmp(*value, kinds[i].name))
			break;
	if (i == ARRAY_SIZE(kinds) || kinds[i].kind == FORMAT_KIND_ANY)
		def_error(d, number, start, "unknown kind '%s' (use relay, "
			  "cache or registry)", *value);
	else
		d->current->kind = kinds[i].kind;
}

static void keyword_description(struct definer *d, int number, char **value,
				size_t start)
{
	(void)number, (void)start;
	free(d->current->description);
	d->current->description = *value;
	*value = NULL;
}

static void keyword_header(struct definer *d, int number, char **value,
			   size_t start)
{
	if (parser_given(d, number))
		return;
	if (strchr(*value, ' ') || strchr(*value, '\t')) {
		def_error(d, number, start, "the header prefix is one word, "
			  "such as #Fields:");
		return;
	}
	d->current->parser = PARSER_COLUMNS;
	d->current->header = *value;
	*value = NULL;
	d->header_line = number;
}

static void keyword_separator(struct definer *d, int number, char **value,
			      size_t start)
{
	if (!strcmp(*value, "tab"))
		d->current->separator = '\t';
	else if (!strcmp(*value, "space"))
		d->current->separator = ' ';
	else
		def_error(d, number, start, "unknown separator '%s' (use tab "
			  "or space)", *value);
}

static void keyword_parser(struct definer *d, int number, char **value,
			   size_t start)
{
	if (parser_given(d, number))
		return;
	if (!strcmp(*value, "json")) {
		d->current->parser = PARSER_JSON;
	} else if (!strcmp(*value, "logfmt")) {
		d->current->parser = PARSER_LOGFMT;
		d->current->kind = FORMAT_KIND_ANY;
	} else {
		def_error(d, number, start, "unknown parser '%s' (use logfmt "
			  "or json)", *value);
	}
}

static void keyword_time(struct definer *d, int number, char **value,
			 size_t start)
{
	const char *why;
	size_t col;

	if ((why = time_layout_parse(*value, &d->current->time, &col)))
		def_error(d, number, start + col, "%s", why);
}

static void keyword_timezone(struct definer *d, int number, char **value,
			     size_t start)
{
	struct format *fmt = d->current;
	const char *why;

	time_zone_free(fmt->zone);
	if (!(fmt->zone = time_zone_new(*value, &why)))
		def_error(d, number, start, "%s", why);
	else
		d->timezone_line = number;
}

static void keyword_absent(struct definer *d, int number, char **value,
			   size_t start)
{
	struct format *fmt = d->current;
	size_t p = 0, s, w;

	(void)number, (void)start;
	while (next_word(*value, strlen(*value), &p, &s, &w)) {
		fmt->absent = xrealloc(fmt->absent, (fmt->absent_count + 1) *
				       sizeof(*fmt->absent));
		fmt->absent[fmt->absent_count++] = xstrndup(*value + s, w);
	}
}

/*
 * The keywords of a format's lines (`format` itself starts one), in the
 * order the message for an unknown keyword lists them: each has a
 * handler of its line or of its value.
 */
static const struct {
	const char *name;
	keyword_handler *handle_line;
	keyword_value_handler *handle_value;
} keywords[] = {
	{"description", NULL, keyword_description},
	{"kind", NULL, keyword_kind},
	{"pattern", keyword_pattern, NULL},
	{"header", NULL, keyword_header},
	{"separator", NULL, keyword_separator},
	{"parser", NULL, keyword_parser},
	{"field", keyword_field, NULL},
	{"set", keyword_set, NULL},
	{"absent", NULL, keyword_absent},
	{"decode", keyword_decode, NULL},
	{"time", NULL, keyword_time},
	{"timezone", NULL, keyword_timezone},
	{"fill-when", keyword_fill_when, NULL},
	{"fill-field", keyword_fill_field, NULL},
	{"skip-when", keyword_skip_when, NULL},
};

/* "format description kind ...": every keyword, for a message. */
static const char *keyword_list(void)
{
	static char list[256];

	if (!list[0]) {
		size_t used = (size_t)snprintf(list, sizeof(list), "format");

		for (size_t i = 0; i < ARRAY_SIZE(keywords) && used < sizeof(list); i++)
			used += (size_t)snprintf(list + used, sizeof(list) - used,
						 " %s", keywords[i].name);
	}
	return list;
}

/* ---- Finishing a format --------------------------------------------------- */

/* Report a PCRE2 compile error at the line and column of the piece. */
static void report_compile_error(struct definer *d, int code, size_t offset)
{
	PCRE2_UCHAR message[256];
	size_t i = 0;

	if (pcre2_get_error_message(code, message, sizeof(message)) < 0)
		snprintf((char *)message, sizeof(message), "error %d", code);
	while (i + 1 < d->piece_count && offset >= d->pieces[i + 1].offset)
		i++;
	def_error(d, d->pieces[i].line, d->pieces[i].column + offset - d->pieces[i].offset,
		  "pattern does not compile: %s", (const char *)message);
}

static int compile_pattern(struct definer *d, struct format *fmt)
{
	int code;
	PCRE2_SIZE offset;

	/*
	 * Byte mode, UTF explicitly off (and (*UTF) in a pattern refused):
	 * logs are bytes and may hold invalid UTF-8, which camaudit stores as
	 * it came.  In UTF mode PCRE2 would have to check every line (a cost
	 * per line) and reject the invalid ones, or, told not to check, would
	 * behave undefined on them.  Groups are byte ranges either way.
	 */
	fmt->code = pcre2_compile((PCRE2_SPTR)d->pattern, d->pattern_len,
				  PCRE2_NEVER_UTF | PCRE2_NEVER_UCP, &code, &offset,
				  NULL);
	if (!fmt->code) {
		report_compile_error(d, code, offset);
		return -1;
	}
	fmt->match_context = pcre2_match_context_create(NULL);
	fmt->match_data = pcre2_match_data_create_from_pattern(fmt->code, NULL);
	if (!fmt->match_context || !fmt->match_data)
		die("out of memory (compiling format '%s')", fmt->name);
	/*
	 * JIT where the platform has it (pcre2_match() then uses it), the
	 * interpreter otherwise.  The JIT's default stack (32 KiB on the
	 * machine stack) is small for long lines; give it a bounded one.
	 */
	if (pcre2_jit_compile(fmt->code, PCRE2_JIT_COMPLETE) == 0) {
		fmt->jit_stack = pcre2_jit_stack_create(32 * 1024, FORMAT_JIT_STACK_MAX,
							NULL);
		if (!fmt->jit_stack)
			die("out of memory (compiling format '%s')", fmt->name);
		pcre2_jit_stack_assign(fmt->match_context, NULL, fmt->jit_stack);
	}
	pcre2_set_match_limit(fmt->match_context, FORMAT_MATCH_LIMIT);
	pcre2_set_depth_limit(fmt->match_context, FORMAT_DEPTH_LIMIT);
	pcre2_set_heap_limit(fmt->match_context, FORMAT_HEAP_LIMIT_KIB);
	return 0;
}

/* Named groups called like a field map to it unless a line says otherwise. */
static void map_groups_by_name(struct format *fmt)
{
	uint32_t count = 0, entry_size = 0;
	PCRE2_SPTR table;
	uint32_t i;

	pcre2_pattern_info(fmt->code, PCRE2_INFO_NAMECOUNT, &count);
	pcre2_pattern_info(fmt->code, PCRE2_INFO_NAMEENTRYSIZE, &entry_size);
	pcre2_pattern_info(fmt->code, PCRE2_INFO_NAMETABLE, &table);
	for (i = 0; i < count; i++) {
		const char *name = (const char *)table + i * entry_size + 2;
		enum field f = event_field_lookup(name, strlen(name));

		if (f != FIELD_COUNT && !fmt->field[f].used) {
			fmt->field[f].used = 1;
			fmt->field[f].part[0] = name_index(fmt, name, strlen(name), 0, 0);
			fmt->field[f].part_count = 1;
		}
	}
}

/*
 * A JSON line's top-level keys called like a field give it unless a line
 * says otherwise, as a pattern's named groups do.
 */
static void map_keys_by_name(struct format *fmt)
{
	unsigned f;

	for (f = 0; f < FIELD_COUNT; f++) {
		const char *name = event_field_name((enum field)f);

		if (fmt->field[f].used)
			continue;
		fmt->field[f].used = 1;
		fmt->field[f].part[0] = name_index(fmt, name, strlen(name), 0, 0);
		fmt->field[f].part_count = 1;
	}
}

static int field_given(const struct format *fmt, enum field f)
{
	return fmt->field[f].used;
}

static void finish_format(struct definer *d)
{
	static const struct {
		enum format_kind kind;
		enum field need[2];
	} needs[] = {
		{FORMAT_KIND_RELAY, {FIELD_ACCOUNT, FIELD_KEY}},
		{FORMAT_KIND_CACHE, {FIELD_NODE, FIELD_KEY}},
		{FORMAT_KIND_REGISTRY, {FIELD_DEVICE, FIELD_ACCOUNT}},
	};
	struct format *fmt = d->current;
	int errors = d->errors, line = d->current_line;
	size_t i, k;

	if (!fmt)
		return;
	if (fmt->parser == PARSER_NONE)
		def_error(d, line, 0, "format '%s' has no pattern (add 'pattern REGEX', "
			  "'header #Fields:' or 'parser logfmt')", fmt->name);
	else if (fmt->parser == PARSER_PATTERN)
		d->pattern[d->pattern_len] = '\0';
	if (fmt->kind == FORMAT_KIND_ANY && fmt->parser != PARSER_LOGFMT)
		def_error(d, line, 0, "format '%s' has no kind (add 'kind relay', "
			  "'kind cache' or 'kind registry')", fmt->name);
	if (fmt->separator && fmt->parser != PARSER_COLUMNS)
		def_error(d, line, 0, "format '%s': 'separator' needs 'header'",
			  fmt->name);
	if (!fmt->separator)
		fmt->separator = '\t';
	if (fmt->parser == PARSER_PATTERN && d->errors == errors &&
	    compile_pattern(d, fmt) != 0)
		fmt->parser = PARSER_NONE; /* its groups are unknown: check no more */
	if (fmt->parser == PARSER_PATTERN && fmt->code) {
		map_groups_by_name(fmt);
		for (i = 0; i < fmt->name_count; i++) {
			struct format_name *n = &fmt->names[i];
			int group = pcre2_substring_number_from_name(
				fmt->code, (PCRE2_SPTR)n->name);

			if (group == PCRE2_ERROR_NOUNIQUESUBSTRING)
				def_error(d, n->line, n->column_in_line, "more than one "
					  "group is named '%s'", n->name);
			else if (group < 0)
				def_error(d, n->line, n->column_in_line, "the pattern has "
					  "no group named '%s'", n->name);
			n->group = group;
		}
	}
	if (fmt->parser == PARSER_JSON)
		map_keys_by_name(fmt);
	if (fmt->parser == PARSER_LOGFMT) {
		for (i = 0; i < FIELD_COUNT; i++)
			if (fmt->field[i].used || fmt->fill_field[i].used)
				def_error(d, line, 0, "format '%s': a logfmt format maps "
					  "no fields", fmt->name);
	} else if (fmt->parser != PARSER_NONE && (fmt->parser != PARSER_PATTERN ||
						   fmt->code)) {
		if (!field_given(fmt, FIELD_TS))
			def_error(d, line, 0, "format '%s' gives no 'ts' (name a group "
				  "ts, or add 'field ts = NAME')", fmt->name);
		for (i = 0; i < ARRAY_SIZE(needs); i++)
			for (k = 0; k < 2; k++)
				if (needs[i].kind == fmt->kind &&
				    !field_given(fmt, needs[i].need[k]))
					def_error(d, line, 0, "format '%s' gives no '%s', "
						  "which every %s line needs", fmt->name,
						  event_field_name(needs[i].need[k]),
						  format_kind_name(fmt->kind));
	}
	if (fmt->zone && (fmt->parser == PARSER_LOGFMT ||
			  time_layout_has_zone(&fmt->time)))
		def_error(d, d->timezone_line, 0, "format '%s': 'timezone' is for times "
			  "written without a zone ('time w3c', or a strftime pattern "
			  "without %%z or %%s)", fmt->name);
	fmt->time.zone = fmt->zone;
	if (fmt->condition_count && fmt->kind != FORMAT_KIND_RELAY &&
	    fmt->kind != FORMAT_KIND_CACHE)
		def_error(d, line, 0, "format '%s': 'fill-when' is for relay formats "
			  "(a serve that also reveals a fill) and cache formats (the "
			  "lines that are fills)", fmt->name);
	for (i = 0; i < FIELD_COUNT && (!fmt->condition_count ||
					 fmt->kind != FORMAT_KIND_RELAY); i++)
		if (fmt->fill_field[i].used) {
			def_error(d, line, 0, "format '%s': 'fill-field' needs "
				  "'fill-when' in a relay format", fmt->name);
			break;
		}
	for (i = 0; i < fmt->condition_count + fmt->skip_count; i++) {
		const struct fill_condition *c = i < fmt->condition_count
			? &fmt->conditions[i] : &fmt->skips[i - fmt->condition_count];

		if (c->field != FIELD_COUNT && !field_given(fmt, c->field))
			def_error(d, line, 0, "format '%s': '%s' names field '%s', "
				  "which the format does not give", fmt->name,
				  i < fmt->condition_count ? "fill-when" : "skip-when",
				  event_field_name(c->field));
	}
	d->made = xrealloc(d->made, (d->made_count + 1) * sizeof(*d->made));
	d->made[d->made_count++] = fmt;
	d->current = NULL;
	free(d->pattern);
	d->pattern = NULL;
	d->pattern_len = d->piece_count = 0;
}

/* The definition's text ends at `end`, without the blank lines before it. */
static void close_text(struct definer *d, const char *text, size_t end)
{
	struct format *fmt = d->made_count ? d->made[d->made_count - 1] : NULL;

	if (!fmt || fmt->text)
		return;
	while (end > d->text_start && (text[end - 1] == '\n' || text[end - 1] == '\r' ||
				       is_blank(text[end - 1])))
		end--;
	fmt->text = xmalloc(end - d->text_start + 2);
	memcpy(fmt->text, text + d->text_start, end - d->text_start);
	fmt->text[end - d->text_start] = '\n';
	fmt->text[end - d->text_start + 1] = '\0';
}

static void start_format(struct definer *d, const struct format_set *set,
			 int number, const char *line, size_t len, size_t pos)
{
	size_t start, wlen, extra, extra_len, i;
	struct format *fmt;
	char origin[64];

	if (!next_word(line, len, &pos, &start, &wlen)) {
		def_error(d, number, pos, "'format' needs a name");
		wlen = 0;
	} else if (next_word(line, len, &pos, &extra, &extra_len)) {
		def_error(d, number, extra, "a format name is one word");
	}
	for (i = 0; i < wlen; i++) {
		char c = line[start + i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.')) {
			def_error(d, number, start + i, "a format name holds only "
				  "letters, digits, '_', '-' and '.'");
			break;
		}
	}
	if (wlen > 64)
		def_error(d, number, start, "a format name has at most 64 characters");
	fmt = xcalloc(1, sizeof(*fmt));
	fmt->name = xstrndup(line + start, wlen);
	snprintf(origin, sizeof(origin), ":%d", number);
	fmt->origin = xmalloc(strlen(d->file) + strlen(origin) + 1);
	memcpy(fmt->origin, d->file, strlen(d->file));
	memcpy(fmt->origin + strlen(d->file), origin, strlen(origin) + 1);
	if (wlen && (format_set_find(set, fmt->name)))
		def_error(d, number, start, "format '%s' is already defined (%s); "
			  "choose another name", fmt->name,
			  format_origin(format_set_find(set, fmt->name)));
	for (i = 0; i < d->made_count && wlen; i++)
		if (!strcmp(d->made[i]->name, fmt->name))
			def_error(d, number, start, "format '%s' is already defined "
				  "at line %s", fmt->name, strrchr(d->made[i]->origin, ':') + 1);
	d->current = fmt;
	d->current_line = number;
}

/* Give keywords[i]'s handler the value in line[pos..len), blanks dropped. */
static void handle_value(struct definer *d, size_t i, int number,
			 const char *line, size_t len, size_t pos)
{
	char *value;

	while (pos < len && is_blank(line[pos]))
		pos++;
	while (len > pos && is_blank(line[len - 1]))
		len--;
	if (pos == len) {
		def_error(d, number, pos, "'%s' needs a value", keywords[i].name);
		return;
	}
	value = xstrndup(line + pos, len - pos);
	keywords[i].handle_value(d, number, &value, pos);
	free(value);
}

/* Read one line of a definition text. */
static void define_line(struct definer *d, const struct format_set *set,
			int number, const char *line, size_t len)
{
	size_t pos = 0, start, wlen, i;

	if (!next_word(line, len, &pos, &start, &wlen) || line[start] == '#')
		return;
	if (wlen == 6 && !memcmp(line + start, "format", 6)) {
		finish_format(d);
		start_format(d, set, number, line, len, pos);
		return;
	}
	if (!d->current) {
		def_error(d, number, start, "'%.*s' outside a format (start one with "
			  "'format NAME')", (int)(wlen < 40 ? wlen : 40), line + start);
		return;
	}
	for (i = 0; i < ARRAY_SIZE(keywords); i++)
		if (strlen(keywords[i].name) == wlen &&
		    !memcmp(line + start, keywords[i].name, wlen))
			break;
	if (i == ARRAY_SIZE(keywords)) {
		/* "Key" is what this message has always said, and the man page too. */
		def_error(d, number, start, "unknown key '%.*s' (keys: %s)",
			  (int)(wlen < 40 ? wlen : 40), line + start, keyword_list());
	} else if (keywords[i].handle_line) {
		keywords[i].handle_line(d, keywords[i].name, number, line, len, pos);
	} else {
		handle_value(d, i, number, line, len, pos);
	}
}

/*
 * Read a definition text into d->made.  Comment lines directly above a
 * `format` line belong to its text (formats show prints them).
 */
static void define_text(struct definer *d, const struct format_set *set,
			const char *text, size_t len)
{
	size_t at = 0, comment_start = (size_t)-1;
	int number = 0;

	while (at < len) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t end = nl ? (size_t)(nl - text) : len, line_len = end - at;
		size_t pos = 0, start, wlen;

		number++;
		if (line_len > 0 && text[end - 1] == '\r')
			line_len--;
		if (memchr(text + at, '\0', line_len)) {
			def_error(d, number, 0, "the line holds a NUL byte");
		} else if (next_word(text + at, line_len, &pos, &start, &wlen) &&
			   text[at + start] == '#') {
			if (comment_start == (size_t)-1)
				comment_start = at;
		} else {
			if (wlen == 6 && !memcmp(text + at + start, "format", 6)) {
				size_t begins = comment_start != (size_t)-1 ? comment_start : at;

				finish_format(d);
				close_text(d, text, begins);
				d->text_start = begins;
			}
			comment_start = (size_t)-1;
			define_line(d, set, number, text + at, line_len);
		}
		at = end + 1;
	}
	finish_format(d);
	close_text(d, text, len);
}

/* ---- The set ------------------------------------------------------------ */

static void set_insert(struct format_set *set, size_t at, struct format **list,
		       size_t count)
{
	if (count == 0)
		return; /* an empty text: list may be NULL */
	set->formats = xrealloc(set->formats, (set->count + count) * sizeof(*list));
	memmove(set->formats + at + count, set->formats + at,
		(set->count - at) * sizeof(*list));
	memcpy(set->formats + at, list, count * sizeof(*list));
	set->count += count;
}

static int add_text(struct format_set *set, const char *file, const char *text,
		    size_t len, int builtin)
{
	struct definer d = {.file = file};
	size_t i, users = 0;

	define_text(&d, set, text, len);
	if (d.errors) {
		for (i = 0; i < d.made_count; i++)
			format_free(d.made[i]);
	} else {
		for (i = 0; i < d.made_count; i++) {
			if (builtin) {
				free(d.made[i]->origin);
				d.made[i]->origin = xstrdup("built-in");
			}
		}
		/* User formats go after earlier user formats, before the presets. */
		for (i = 0; i < set->count; i++)
			if (strcmp(set->formats[i]->origin, "built-in"))
				users = i + 1;
		set_insert(set, builtin ? set->count : users, d.made, d.made_count);
	}
	free(d.made);
	free(d.pattern);
	return d.errors;
}

struct format_set *format_set_new(void)
{
	struct format_set *set = xcalloc(1, sizeof(*set));

	if (add_text(set, "<built-in>", format_presets, strlen(format_presets), 1))
		die("the built-in format presets do not compile (a bug)");
	return set;
}

void format_set_free(struct format_set *set)
{
	size_t i;

	if (!set)
		return;
	for (i = 0; i < set->count; i++)
		format_free(set->formats[i]);
	free(set->formats);
	free(set);
}

int format_set_add_text(struct format_set *set, const char *file,
			const char *text, size_t len)
{
	return add_text(set, file, text, len, 0);
}

int format_set_add_file(struct format_set *set, const char *path)
{
	char *shown = safe_strdup(path), *text = NULL;
	size_t len = 0, got;
	FILE *fp = fopen(path, "r");
	int errors;

	if (!fp) {
		error("formats file %s: %s", shown, strerror(errno));
		free(shown);
		return 1;
	}
	text = xmalloc(FORMAT_FILE_MAX + 1);
	while ((got = fread(text + len, 1, FORMAT_FILE_MAX + 1 - len, fp)) > 0)
		len += got;
	if (ferror(fp) || len > FORMAT_FILE_MAX) {
		error("formats file %s: %s", shown, ferror(fp) ? strerror(errno)
			: "larger than 1 MiB; is it a formats file?");
		errors = 1;
	} else {
		errors = format_set_add_text(set, shown, text, len);
	}
	fclose(fp);
	free(text);
	free(shown);
	return errors;
}

size_t format_set_count(const struct format_set *set)
{
	return set->count;
}

struct format *format_set_at(const struct format_set *set, size_t i)
{
	return i < set->count ? set->formats[i] : NULL;
}

struct format *format_set_find(const struct format_set *set, const char *name)
{
	size_t i;

	for (i = 0; i < set->count; i++)
		if (!strcmp(set->formats[i]->name, name))
			return set->formats[i];
	return NULL;
}
