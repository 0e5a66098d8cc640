/*
 * Matching lines with a compiled format (format_private.h): the pattern or
 * the columns give named values, the definition maps them to canonical
 * fields, and a serve that reveals a fill yields that fill too.  Runs once
 * per input line: it reuses the format's match data and buffers and
 * allocates only on a format's first line.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "format_private.h"
#include "logfmt.h"
#include "util.h"

const char *format_name(const struct format *fmt)
{
	return fmt->name;
}

enum format_kind format_kind(const struct format *fmt)
{
	return fmt->kind;
}

const char *format_description(const struct format *fmt)
{
	return fmt->description ? fmt->description : "";
}

const char *format_origin(const struct format *fmt)
{
	return fmt->origin;
}

const char *format_text(const struct format *fmt)
{
	return fmt->text ? fmt->text : "";
}

int format_is_logfmt(const struct format *fmt)
{
	return fmt->parser == PARSER_LOGFMT;
}

/* ---- Per file: the columns of a header-driven format --------------------- */

void format_begin_file(struct format *fmt)
{
	size_t i;

	fmt->has_header = 0;
	fmt->header_columns = 0;
	for (i = 0; i < fmt->name_count; i++)
		fmt->names[i].column = -1;
}

static int starts_with(const char *line, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && !memcmp(line, prefix, n);
}

/* A header line names the columns, separated by blanks (as W3C writes it). */
static void learn_header(struct format *fmt, const char *line, size_t len)
{
	size_t pos = strlen(fmt->header), i, column = 0;

	for (i = 0; i < fmt->name_count; i++)
		fmt->names[i].column = -1;
	while (pos < len && column < FORMAT_MAX_COLUMNS) {
		size_t start;

		while (pos < len && (line[pos] == ' ' || line[pos] == '\t'))
			pos++;
		if (pos == len)
			break;
		start = pos;
		while (pos < len && line[pos] != ' ' && line[pos] != '\t')
			pos++;
		for (i = 0; i < fmt->name_count; i++)
			if (strlen(fmt->names[i].name) == pos - start &&
			    !memcmp(fmt->names[i].name, line + start, pos - start) &&
			    fmt->names[i].column < 0)
				fmt->names[i].column = (int)column;
		column++;
	}
	fmt->header_columns = column;
	fmt->has_header = 1;
}

void format_observe_line(struct format *fmt, const char *line, size_t len)
{
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (fmt->parser == PARSER_COLUMNS && starts_with(line, len, fmt->header))
		learn_header(fmt, line, len);
}

/* ---- Values ------------------------------------------------------------- */

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Room for n bytes in the scratch buffer, or NULL when it is full. */
static char *scratch(struct format *fmt, size_t n)
{
	char *p;

	if (FORMAT_SCRATCH_SIZE - fmt->scratch_used < n)
		return NULL;
	p = fmt->scratch + fmt->scratch_used;
	fmt->scratch_used += n;
	return p;
}

/* The UTF-8 of cp at out; its length (cp is at most U+10FFFF). */
static size_t put_utf8(char *out, unsigned cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Four hex digits at s (at least 4 bytes), or -1. */
static long hex4(const char *s)
{
	long v = 0;
	int i, d;

	for (i = 0; i < 4; i++) {
		if ((d = hex_value(s[i])) < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* The byte a one-letter escape stands for ("n" newline), in a table. */
static const struct {
	char letter, byte;
	unsigned decoders;
} simple_escapes[] = {
	{'"', '"', DECODE_BACKSLASH | DECODE_JSON},
	{'\\', '\\', DECODE_BACKSLASH | DECODE_JSON},
	{'/', '/', DECODE_JSON},
	{'n', '\n', DECODE_BACKSLASH | DECODE_JSON},
	{'t', '\t', DECODE_BACKSLASH | DECODE_JSON},
	{'r', '\r', DECODE_BACKSLASH | DECODE_JSON},
	{'b', '\b', DECODE_JSON},
	{'f', '\f', DECODE_JSON},
};

static int simple_escape(char letter, unsigned decoder, char *byte)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(simple_escapes); i++)
		if (simple_escapes[i].letter == letter &&
		    (simple_escapes[i].decoders & decoder)) {
			*byte = simple_escapes[i].byte;
			return 1;
		}
	return 0;
}

size_t format_json_unescape(const char *in, size_t len, char *out)
{
	size_t i = 0, o = 0;

	while (i < len) {
		const char *s = in + i;
		size_t left = len - i;
		long hi, lo;

		if (s[0] != '\\' || left < 2) {
			out[o++] = s[0], i++;
		} else if (s[1] != 'u') {
			if (simple_escape(s[1], DECODE_JSON, &out[o]))
				o++;
			else /* not JSON: keep it */
				out[o++] = s[0], out[o++] = s[1];
			i += 2;
		} else if (left < 6 || (hi = hex4(s + 2)) < 0) {
			out[o++] = s[0], i++;
		} else if (hi >= 0xd800 && hi < 0xdc00 && left >= 12 && s[6] == '\\' &&
			   s[7] == 'u' && (lo = hex4(s + 8)) >= 0xdc00 && lo < 0xe000) {
			o += put_utf8(out + o, (unsigned)(0x10000 + ((hi - 0xd800) << 10) +
							 (lo - 0xdc00)));
			i += 12;
		} else {
			/*
			 * A lone surrogate has no UTF-8, and a NUL would end the
			 * value wherever it is read as a C string: both become the
			 * replacement character.
			 */
			o += put_utf8(out + o, (hi >= 0xd800 && hi < 0xe000) || hi == 0
					       ? 0xfffd : (unsigned)hi);
			i += 6;
		}
	}
	return o;
}

/* C-style escapes (Apache, Squid, HAProxy); others stay as they are. */
static size_t backslash_unescape(const char *in, size_t len, char *out)
{
	size_t i = 0, o = 0;
	int hi, lo;

	while (i < len) {
		const char *s = in + i;

		if (s[0] == '\\' && len - i >= 4 && s[1] == 'x' &&
		    (hi = hex_value(s[2])) >= 0 && (lo = hex_value(s[3])) >= 0) {
			if (hi == 0 && lo == 0) /* as \u0000 in JSON: U+FFFD */
				o += put_utf8(out + o, 0xfffd);
			else
				out[o++] = (char)(hi * 16 + lo);
			i += 4;
		} else if (s[0] == '\\' && len - i >= 2 &&
			   simple_escape(s[1], DECODE_BACKSLASH, &out[o])) {
			o++;
			i += 2;
		} else {
			out[o++] = s[0], i++;
		}
	}
	return o;
}

/*
 * Decode %HH (url) or \xHH (nginx) in t into the scratch buffer, then the
 * backslash and JSON escapes when asked; a sequence that is not a known
 * escape stays as it is.  Decoding never lengthens a value.  -1 when the
 * scratch buffer is full.
 */
static int decode(struct format *fmt, struct text *t, unsigned how)
{
	char *out;
	size_t i, o = 0;

	if (how & (DECODE_URL | DECODE_NGINX)) {
		if (!(out = scratch(fmt, t->len)))
			return -1;
		for (i = 0; i < t->len; i++) {
			const char *s = t->ptr + i;
			size_t left = t->len - i;
			int hi, lo;

			if ((how & DECODE_URL) && s[0] == '%' && left >= 3 &&
			    (hi = hex_value(s[1])) >= 0 && (lo = hex_value(s[2])) >= 0) {
				out[o++] = (char)(hi * 16 + lo);
				i += 2;
			} else if ((how & DECODE_NGINX) && s[0] == '\\' && left >= 4 &&
				   s[1] == 'x' && (hi = hex_value(s[2])) >= 0 &&
				   (lo = hex_value(s[3])) >= 0) {
				out[o++] = (char)(hi * 16 + lo);
				i += 3;
			} else {
				out[o++] = s[0];
			}
		}
		fmt->scratch_used -= t->len - o;
		*t = (struct text){out, o};
	}
	if (how & (DECODE_BACKSLASH | DECODE_JSON)) {
		/* Only a value with a backslash needs a copy. */
		if (!memchr(t->ptr, '\\', t->len))
			return 0;
		if (!(out = scratch(fmt, t->len)))
			return -1;
		o = how & DECODE_JSON ? format_json_unescape(t->ptr, t->len, out)
				      : backslash_unescape(t->ptr, t->len, out);
		fmt->scratch_used -= t->len - o;
		*t = (struct text){out, o};
	}
	return 0;
}

/*
 * The value of query parameter name in t ("a=1&name=2", or a URI with
 * such a query after its '?'), URL-decoded.
 */
static int query_param(struct format *fmt, const struct text *t, const char *name,
		       struct text *out)
{
	size_t n = strlen(name), at = 0;
	const char *mark = memchr(t->ptr, '?', t->len);

	out->ptr = NULL, out->len = 0;
	/* A whole URI (Caddy's request.uri): its query follows the '?'. */
	if (mark)
		at = (size_t)(mark - t->ptr) + 1;
	while (at < t->len) {
		const char *amp = memchr(t->ptr + at, '&', t->len - at);
		size_t end = amp ? (size_t)(amp - t->ptr) : t->len;

		if (end - at >= n && !memcmp(t->ptr + at, name, n) &&
		    (end - at == n || t->ptr[at + n] == '=')) {
			size_t skip = end - at > n ? n + 1 : n;

			*out = (struct text){t->ptr + at + skip, end - at - skip};
			return decode(fmt, out, DECODE_URL);
		}
		at = end + 1;
	}
	return 0;
}

/* A value written for "nothing here" ("-" in nginx) counts as absent. */
static int is_absent(const struct format *fmt, const struct text *t)
{
	size_t i;

	for (i = 0; i < fmt->absent_count; i++)
		if (strlen(fmt->absent[i]) == t->len &&
		    !memcmp(fmt->absent[i], t->ptr, t->len))
			return 1;
	return 0;
}

/* Absent markers and decodings, on every named value of the line. */
static int settle_values(struct format *fmt)
{
	size_t i;

	for (i = 0; i < fmt->name_count; i++) {
		struct text *t = &fmt->values[i];

		if (!t->ptr)
			continue;
		if (is_absent(fmt, t)) {
			t->ptr = NULL, t->len = 0;
			continue;
		}
		if (fmt->names[i].decode && decode(fmt, t, fmt->names[i].decode))
			return -1;
	}
	return 0;
}

/* The value a rule gives; ptr NULL when absent.  -1 when scratch is full. */
static int rule_value(struct format *fmt, const struct field_rule *rule,
		      struct text *out)
{
	size_t i, total = 0;
	char *p;

	out->ptr = NULL, out->len = 0;
	if (rule->constant) {
		*out = (struct text){rule->constant, strlen(rule->constant)};
		return 0;
	}
	for (i = 0; i < rule->part_count; i++) {
		if (!fmt->values[rule->part[i]].ptr)
			return 0; /* a join lacking a part is absent */
		total += fmt->values[rule->part[i]].len + (i > 0);
	}
	if (rule->param)
		return query_param(fmt, &fmt->values[rule->part[0]], rule->param, out);
	if (rule->part_count == 1) {
		*out = fmt->values[rule->part[0]];
		return 0;
	}
	if (!(p = scratch(fmt, total)))
		return -1;
	out->ptr = p;
	for (i = 0; i < rule->part_count; i++) {
		if (i > 0)
			*p++ = ' ';
		memcpy(p, fmt->values[rule->part[i]].ptr, fmt->values[rule->part[i]].len);
		p += fmt->values[rule->part[i]].len;
	}
	out->len = total;
	return 0;
}

/* ---- Events ------------------------------------------------------------- */

static const char *parse_time(const void *layout, const char *s, size_t len,
			      int64_t *ms)
{
	return time_layout_apply(layout, s, len, ms);
}

/* Whether the event's kind is one that the format's kind may yield. */
static int kind_fits(const struct format *fmt, const struct event *ev, char *why,
		     size_t size)
{
	static const char *const expect[] = {
		[FORMAT_KIND_RELAY] = "a relay line has no op",
		[FORMAT_KIND_CACHE] = "a cache line has op fill, evict, purge or expire",
		[FORMAT_KIND_REGISTRY] = "a registry line has op bind, unbind, share "
					 "or unshare",
	};
	int fits;

	switch (fmt->kind) {
	case FORMAT_KIND_RELAY:
		fits = ev->kind == EVENT_SERVE;
		break;
	case FORMAT_KIND_CACHE:
		fits = ev->kind == EVENT_FILL || ev->kind == EVENT_REMOVAL;
		break;
	case FORMAT_KIND_REGISTRY:
		fits = ev->kind == EVENT_BINDING || ev->kind == EVENT_SHARE;
		break;
	default:
		return 1;
	}
	if (!fits && ev->op)
		snprintf(why, size, "an op '%s' in format '%s' (%s)", ev->op,
			 fmt->name, expect[fmt->kind]);
	else if (!fits)
		snprintf(why, size, "no op in format '%s' (%s)", fmt->name,
			 expect[fmt->kind]);
	return fits;
}

/* Fill ev from the rules; -1 with why set when it cannot be stored. */
static int build_event(struct format *fmt, const struct field_rule *rules,
		       struct event *ev, int revealed_fill, char *why, size_t size)
{
	unsigned f;

	for (f = 0; f < FIELD_COUNT; f++) {
		struct text t;

		if (!rules[f].used)
			continue;
		if (rule_value(fmt, &rules[f], &t)) {
			snprintf(why, size, "values too long to decode");
			return -1;
		}
		if (t.ptr)
			ev->field[f] = t;
	}
	/* A cache or registry line without op would pass for a serve. */
	if (!revealed_fill && !ev->field[FIELD_OP].len &&
	    (fmt->kind == FORMAT_KIND_CACHE || fmt->kind == FORMAT_KIND_REGISTRY)) {
		ev->op = NULL;
		ev->kind = EVENT_SERVE;
		return kind_fits(fmt, ev, why, size) ? 0 : -1;
	}
	if (event_classify_with(ev, parse_time, &fmt->time)) {
		snprintf(why, size, "%s", ev->why);
		return -1;
	}
	/* A relay format's fill comes from fill-when, not from an op. */
	return revealed_fill || kind_fits(fmt, ev, why, size) ? 0 : -1;
}

/* Whether the condition holds for the line's values (fields by their rules). */
static int condition_holds(struct format *fmt, const struct fill_condition *c)
{
	struct text t;
	size_t i;

	if (c->field != FIELD_COUNT) {
		if (rule_value(fmt, &fmt->field[c->field], &t))
			return 0; /* too long to join: the event says so */
	} else {
		t = fmt->values[c->name];
	}
	if (!t.ptr)
		return 0;
	if (c->match == MATCH_REGEX)
		return pcre2_match(c->regex, (PCRE2_SPTR)t.ptr, t.len, 0, 0,
				   c->regex_data, fmt->match_context) >= 0;
	for (i = 0; i < c->value_count; i++)
		if (c->match == MATCH_PREFIX ? t.len >= c->value_len[i] &&
		    !memcmp(c->values[i], t.ptr, c->value_len[i])
		    : c->value_len[i] == t.len && !memcmp(c->values[i], t.ptr, t.len))
			return 1;
	return 0;
}

/* Whether all fill-when conditions hold (there is at least one). */
static int fill_conditions_hold(struct format *fmt)
{
	size_t i;

	for (i = 0; i < fmt->condition_count; i++)
		if (!condition_holds(fmt, &fmt->conditions[i]))
			return 0;
	return fmt->condition_count > 0;
}

/* The serve, and the fill it reveals when the conditions hold. */
static void build_events(struct format *fmt, struct format_output *out)
{
	struct event *serve = &out->event[0], *fill = &out->event[1];
	char why[sizeof(out->why)];
	size_t i;
	int holds = fill_conditions_hold(fmt), serve_ok;

	event_reset(serve);
	serve_ok = build_event(fmt, fmt->field, serve, 0, out->why, sizeof(out->why)) == 0;
	out->count = serve_ok;
	if (!holds)
		return;
	/* The fill shares the serve's line: its time, node, key and frame. */
	event_reset(fill);
	memcpy(fill->field, serve->field, sizeof(fill->field));
	fill->field[FIELD_OP] = (struct text){"fill", 4};
	for (i = 0; i < FIELD_COUNT; i++)
		if (fmt->fill_field[i].used)
			fill->field[i] = (struct text){NULL, 0};
	if (build_event(fmt, fmt->fill_field, fill, 1, why, sizeof(why))) {
		if (serve_ok) /* "its fill: " then as much of why as fits */
			snprintf(out->why, sizeof(out->why), "its fill: %.*s",
				 (int)(sizeof(out->why) - 12), why);
		return;
	}
	if (!serve_ok)
		out->event[0] = *fill;
	out->count++;
}

/* ---- Lines ----------------------------------------------------------------- */

static const char *limit_reason(int rc)
{
	switch (rc) {
	case PCRE2_ERROR_MATCHLIMIT:
		return "match limit";
	case PCRE2_ERROR_DEPTHLIMIT:
		return "depth limit";
	case PCRE2_ERROR_HEAPLIMIT:
		return "heap limit";
	case PCRE2_ERROR_JIT_STACKLIMIT:
		return "JIT stack limit";
	}
	return NULL;
}

static int match_pattern(struct format *fmt, const char *line, size_t len,
			 struct format_output *out)
{
	PCRE2_SIZE *ovector;
	size_t i;
	int rc;

	if (len > FORMAT_LINE_MAX) {
		snprintf(out->why, sizeof(out->why), "line longer than %d bytes",
			 FORMAT_LINE_MAX);
		return -1;
	}
	/*
	 * The JIT's fast scans may read a few bytes past the subject (never
	 * past a page).  Matching a copy in a zeroed buffer keeps those bytes
	 * defined, for valgrind and for us; values then point into the copy,
	 * which lives until the next line, as the contract says.
	 */
	memcpy(fmt->subject, line, len);
	line = fmt->subject;
	rc = pcre2_match(fmt->code, (PCRE2_SPTR)line, len, 0, 0, fmt->match_data,
			 fmt->match_context);

	if (rc < 0) {
		const char *limit = limit_reason(rc);

		if (rc == PCRE2_ERROR_NOMATCH) {
			snprintf(out->why, sizeof(out->why), "does not match format "
				 "'%s'", fmt->name);
		} else if (limit) {
			snprintf(out->why, sizeof(out->why), "format '%s' gave up on "
				 "this line: %s exceeded (its pattern backtracks too "
				 "much; anchor it or make it more specific)", fmt->name,
				 limit);
		} else {
			PCRE2_UCHAR message[120];

			pcre2_get_error_message(rc, message, sizeof(message));
			snprintf(out->why, sizeof(out->why), "format '%s': %s",
				 fmt->name, (const char *)message);
		}
		return -1;
	}
	ovector = pcre2_get_ovector_pointer(fmt->match_data);
	for (i = 0; i < fmt->name_count; i++) {
		int g = fmt->names[i].group;

		if (g >= 0 && (uint32_t)g < pcre2_get_ovector_count(fmt->match_data) &&
		    ovector[2 * g] != PCRE2_UNSET)
			fmt->values[i] = (struct text){line + ovector[2 * g],
						       ovector[2 * g + 1] - ovector[2 * g]};
		else
			fmt->values[i] = (struct text){NULL, 0};
	}
	return 0;
}

/* Split a data line of a header-driven format into its columns. */
static int match_columns(struct format *fmt, const char *line, size_t len,
			 struct format_output *out)
{
	size_t count = 0, at = 0, i;

	if (!fmt->has_header) {
		snprintf(out->why, sizeof(out->why), "no %s line before this line "
			 "(format '%s' takes its columns from it)", fmt->header,
			 fmt->name);
		return -1;
	}
	for (;;) {
		const char *sep = memchr(line + at, fmt->separator, len - at);
		size_t end = sep ? (size_t)(sep - line) : len;

		if (count < FORMAT_MAX_COLUMNS)
			fmt->columns[count] = (struct text){line + at, end - at};
		count++;
		if (!sep)
			break;
		at = end + 1;
	}
	if (count != fmt->header_columns) {
		snprintf(out->why, sizeof(out->why), "%zu %s where the %s line "
			 "names %zu (format '%s')", count,
			 plural(count, "column", "columns"), fmt->header,
			 fmt->header_columns, fmt->name);
		return -1;
	}
	for (i = 0; i < fmt->name_count; i++) {
		int c = fmt->names[i].column;

		fmt->values[i] = c >= 0 ? fmt->columns[c] : (struct text){NULL, 0};
	}
	return 0;
}

/*
 * A JSON line: it is of this format when it is a JSON object that gives
 * a time (so that two JSON formats can be told apart by their paths).
 */
static int match_json(struct format *fmt, const char *line, size_t len,
		      struct format_output *out)
{
	const struct field_rule *ts = &fmt->field[FIELD_TS];
	const char *why;
	size_t where, i;

	if (format_json_scan(fmt, line, len, &where, &why)) {
		snprintf(out->why, sizeof(out->why), "invalid JSON at byte %zu: %s",
			 where + 1, why);
		return -1;
	}
	out->matched = ts->constant != NULL;
	for (i = 0; i < ts->part_count; i++)
		out->matched |= fmt->values[ts->part[i]].ptr != NULL;
	return 0;
}

/* Whether a line holds a canonical field as a logfmt key ("key="). */
static int looks_like_logfmt(const char *line, size_t len)
{
	size_t i, start = 0;

	for (i = 0; i < len; i++) {
		if (line[i] == ' ' || line[i] == '\t') {
			start = i + 1;
		} else if (line[i] == '=') {
			if (i > start &&
			    event_field_lookup(line + start, i - start) != FIELD_COUNT)
				return 1;
			while (i < len && line[i] != ' ' && line[i] != '\t')
				i++;
			start = i + 1;
		}
	}
	return 0;
}

void format_parse_line(struct format *fmt, char *line, size_t len,
		       struct format_output *out)
{
	size_t i;
	int rc;

	out->matched = 0;
	out->skipped = 0;
	out->count = 0;
	out->why[0] = '\0';
	if (fmt->parser == PARSER_LOGFMT) {
		out->matched = looks_like_logfmt(line, len);
		if (logfmt_parse_line(line, len, &out->event[0]))
			snprintf(out->why, sizeof(out->why), "%s", out->event[0].why);
		else
			out->count = 1;
		return;
	}
	if (!fmt->values) {
		fmt->values = xcalloc(fmt->name_count ? fmt->name_count : 1,
				      sizeof(*fmt->values));
		fmt->scratch = xmalloc(FORMAT_SCRATCH_SIZE);
		if (fmt->parser == PARSER_COLUMNS)
			fmt->columns = xcalloc(FORMAT_MAX_COLUMNS, sizeof(*fmt->columns));
		else if (fmt->parser == PARSER_PATTERN)
			fmt->subject = xcalloc(1, FORMAT_LINE_MAX + FORMAT_SUBJECT_PAD);
	}
	fmt->scratch_used = 0;
	if (fmt->parser == PARSER_JSON) {
		rc = match_json(fmt, line, len, out);
	} else if (fmt->parser == PARSER_COLUMNS) {
		if (starts_with(line, len, fmt->header)) {
			learn_header(fmt, line, len);
			out->matched = 1;
			return;
		}
		if (len > 0 && line[0] == '#')
			return; /* another W3C directive (#Version:, #Date:) */
		rc = match_columns(fmt, line, len, out);
	} else {
		rc = match_pattern(fmt, line, len, out);
	}
	if (rc)
		return;
	out->matched |= fmt->parser != PARSER_JSON;
	if (settle_values(fmt)) {
		snprintf(out->why, sizeof(out->why), "values too long to decode");
		return;
	}
	for (i = 0; i < fmt->skip_count; i++)
		if (condition_holds(fmt, &fmt->skips[i])) {
			out->skipped = 1;
			return;
		}
	if (fmt->kind == FORMAT_KIND_CACHE && fmt->condition_count) {
		/* A cache format with fill-when reads its fills, skips the rest. */
		if (!fill_conditions_hold(fmt)) {
			out->skipped = 1;
			return;
		}
		event_reset(&out->event[0]);
		out->event[0].field[FIELD_OP] = (struct text){"fill", 4};
		out->count = build_event(fmt, fmt->field, &out->event[0], 1, out->why,
					 sizeof(out->why)) == 0;
		return;
	}
	build_events(fmt, out);
}

/* ---- Sniffing ------------------------------------------------------------ */

struct sample {
	const char *ptr;
	size_t len;
};

static int usable(const char *s, size_t len)
{
	size_t i;

	if (memchr(s, '\0', len))
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return 1;
	return 0;
}

struct format *format_sniff(const struct format_set *set, const char *data,
			    size_t len, int complete, char *unmatched,
			    size_t unmatched_size, size_t *matched, size_t *sampled)
{
	struct sample lines[FORMAT_SNIFF_LINES];
	size_t count = 0, at = 0, i, k, best_score = 0;
	struct format *best = NULL;
	struct format_output *out = xmalloc(sizeof(*out));
	char *copy = xmalloc(len + 1);

	while (at < len && count < FORMAT_SNIFF_LINES) {
		const char *nl = memchr(data + at, '\n', len - at);
		size_t end = nl ? (size_t)(nl - data) : len, n = end - at;

		if (!nl && !complete)
			break;
		if (n > 0 && data[end - 1] == '\r')
			n--;
		while (n > 0 && data[at] == '\0') /* as ingest reads it */
			at++, n--;
		if (usable(data + at, n))
			lines[count++] = (struct sample){data + at, n};
		at = end + 1;
	}
	for (i = 0; i < format_set_count(set); i++) {
		struct format *fmt = format_set_at(set, i);
		size_t score = 0;

		if (count == 0) {
			if (format_is_logfmt(fmt))
				best = fmt;
			continue;
		}
		format_begin_file(fmt);
		for (k = 0; k < count; k++) {
			memcpy(copy, lines[k].ptr, lines[k].len);
			format_parse_line(fmt, copy, lines[k].len, out);
			score += out->matched != 0;
		}
		format_begin_file(fmt);
		if (score > best_score)
			best = fmt, best_score = score;
	}
	if (!best && count > 0)
		quote_bounded(unmatched, unmatched_size, lines[0].ptr, lines[0].len);
	if (matched)
		*matched = best_score;
	if (sampled)
		*sampled = count;
	free(copy);
	free(out);
	return best;
}
