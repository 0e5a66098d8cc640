/*
 * The inside of a compiled format, shared by format_define.c (which builds
 * it from a definition) and format.c (which matches lines with it).
 * Nothing else includes this header.
 */
#ifndef CAMAUDIT_FORMAT_PRIVATE_H
#define CAMAUDIT_FORMAT_PRIVATE_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "format.h"
#include "timelayout.h"

/* A field may join this many names ("field ts = date time"). */
#define FORMAT_MAX_PARTS 4
/* Columns of a #Fields: header kept; CloudFront writes 33. */
#define FORMAT_MAX_COLUMNS 256
/* Room for decoded and joined values of one line. */
#define FORMAT_SCRATCH_SIZE 262144
/* The longest line a pattern is matched against (input.h's limit). */
#define FORMAT_LINE_MAX 65536
/* Zeroed bytes after the subject; the JIT may read ahead into them. */
#define FORMAT_SUBJECT_PAD 64
/* The JIT's stack grows from 32 KiB to this, then the line is rejected. */
#define FORMAT_JIT_STACK_MAX (1024 * 1024)

enum format_parser {
	PARSER_NONE,
	PARSER_PATTERN,  /* pattern REGEX: named groups */
	PARSER_COLUMNS,  /* header PREFIX: columns named by a header line */
	PARSER_LOGFMT,   /* parser logfmt: camaudit's own, logfmt.c */
	PARSER_JSON      /* parser json: one object per line, format_json.c */
};

/* How deep a JSON line may nest objects and arrays (Caddy's: 4). */
#define FORMAT_JSON_DEPTH 32

enum {
	DECODE_URL = 1,       /* %HH */
	DECODE_NGINX = 2,     /* \xHH, as nginx escapes log values */
	DECODE_BACKSLASH = 4, /* C-style: \" \\ \xHH \n \t \r */
	DECODE_JSON = 8       /* a JSON string's escapes, \uXXXX to UTF-8 */
};

/*
 * Decode the JSON string escapes of in[0..len) into out (room for len
 * bytes: decoding never lengthens); returns the length written.  An
 * escape that is not JSON stays as it is; a lone surrogate becomes
 * U+FFFD.  format.c's `decode json` and the JSON parser share it.
 */
size_t format_json_unescape(const char *in, size_t len, char *out);

/* A name a definition uses: a pattern group, a header column or a JSON path. */
struct format_name {
	char *name;
	size_t len;      /* strlen(name): JSON paths are compared per value */
	int group;       /* PARSER_PATTERN: the group's number */
	int column;      /* PARSER_COLUMNS: index in the current header, or -1 */
	unsigned decode; /* DECODE_* */
	int line;        /* where first used, for messages */
	size_t column_in_line;
};

/* Where a canonical field's value comes from. */
struct field_rule {
	int used;
	char *constant;                 /* set FIELD = VALUE */
	size_t part[FORMAT_MAX_PARTS];  /* names, joined by one space */
	size_t part_count;
	char *param;                    /* NAME?PARAM: a query parameter */
};

/* How a condition compares: NAME = V1|V2, NAME ^= P1|P2, NAME ~ REGEX. */
enum condition_match {
	MATCH_EXACT,
	MATCH_PREFIX,
	MATCH_REGEX
};

/*
 * fill-when (all must hold) and skip-when (any skips the line): a value
 * compared exactly, by prefix or with a regular expression.
 */
struct fill_condition {
	enum field field;   /* a canonical field, or FIELD_COUNT for a name */
	size_t name;
	enum condition_match match;
	char **values;      /* MATCH_EXACT, MATCH_PREFIX */
	size_t *value_len;
	size_t value_count;
	pcre2_code *regex;  /* MATCH_REGEX */
	pcre2_match_data *regex_data;
};

struct format {
	char *name;
	char *description;
	char *origin;
	char *text;
	enum format_kind kind;
	enum format_parser parser;

	pcre2_code *code;
	pcre2_match_data *match_data;       /* one, reused for every line */
	pcre2_match_context *match_context; /* the limits, the JIT stack */
	pcre2_jit_stack *jit_stack;

	char *header;        /* PARSER_COLUMNS: "#Fields:" */
	char separator;      /* between columns: '\t' or ' ' */

	struct format_name *names;
	size_t name_count;
	struct field_rule field[FIELD_COUNT];
	struct field_rule fill_field[FIELD_COUNT];
	struct fill_condition *conditions;  /* fill-when */
	size_t condition_count;
	struct fill_condition *skips;       /* skip-when */
	size_t skip_count;
	char **absent;
	size_t absent_count;
	struct time_layout time;
	struct time_zone *zone;      /* timezone: for times without a zone */

	/* Per line and per file; allocated on first use. */
	struct json_index *json;    /* PARSER_JSON: the names by length */
	struct text *values;        /* per name */
	char *scratch;
	size_t scratch_used;
	char *subject;              /* PARSER_PATTERN: the line being matched */
	struct text *columns;       /* PARSER_COLUMNS: the current line split */
	int has_header;
	size_t header_columns;
};

void format_free(struct format *fmt);

/*
 * Read the JSON object line[0..len) into fmt->values: each name is a
 * path (a.b[0].c) and takes the string (unescaped, in fmt->scratch when
 * it had escapes), number, true or false found there; null, objects,
 * arrays and paths not in the line are absent; of repeated keys the last
 * wins.  -1 when the line is no valid JSON object (or nests deeper than
 * FORMAT_JSON_DEPTH), with *where the byte offset and *why the reason.
 */
int format_json_scan(struct format *fmt, const char *line, size_t len,
		     size_t *where, const char **why);
void format_json_index_free(struct json_index *index);

#endif
