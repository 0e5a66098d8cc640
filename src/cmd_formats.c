/*
 * camaudit formats: list the input formats, show a definition, and test a
 * file's first lines against them.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "exitcode.h"
#include "format.h"
#include "input.h"
#include "timefmt.h"
#include "util.h"

/* Lines that formats test looks at by default, and at most. */
#define TEST_LINES_DEFAULT 10
#define TEST_LINES_MAX 10000

static int cmd_formats(int argc, char **argv);

static const struct cli_option list_options[] = {
	{"format", OPT_FORMAT, "FORMAT", "list: table, json (one object per "
	 "line), csv or tsv (default: table)"},
	{NULL, 0, NULL, NULL},
};

static const struct cli_option test_options[] = {
	{"lines", OPT_LINES, "N", "test: how many lines to test (default: 10)"},
	{"help", OPT_HELP, NULL, "show this help and exit"},
	{NULL, 0, NULL, NULL},
};

static const struct cli_option *const formats_option_tables[] = {
	format_options, list_options, table_options, test_options, NULL};

const struct command formats_command = {
	.name = "formats",
	.fn = cmd_formats,
	.summary = "list, show and test the input formats",
	.description =
	"List the input formats, show one's definition, or test a file's first\n"
	"lines against them.",
	.usage = "[--formats FILE] [--format table|json|csv|tsv]\n"
	"                        [--no-header] [--wide] list\n"
	"       camaudit formats [--formats FILE] show NAME\n"
	"       camaudit formats [--formats FILE] [--input-format NAME] [--lines N]"
	" test FILE",
	.details =
	"list: name, kind, origin and description of each format, in the order\n"
	"files are sniffed (--format, --no-header and --wide are for list).\n"
	"show: the definition with the server configuration it expects.  test:\n"
	"the format of FILE (sniffed, or --input-format), then for each of its\n"
	"first lines the canonical fields it gives, or why not.\n"
	"Exit status: 0 every line tested gave events, 1 some line was rejected\n"
	"or matched no format, 2 usage or definition error, 3 FILE unreadable.",
	.options = formats_option_tables,
};

/* ---- list and show --------------------------------------------------------- */

/* The output contract of list: see camaudit(1), the formats command. */
static const struct emit_column list_columns[] = {
	{"name", "NAME", EMIT_TEXT, NULL, 0, 0},
	{"kind", "KIND", EMIT_TEXT, NULL, 0, 0},
	{"origin", "ORIGIN", EMIT_TEXT, NULL, 1, 1},
	{"description", "DESCRIPTION", EMIT_TEXT, NULL, 0, 0},
};

static struct emit_value text_value(const char *s)
{
	return (struct emit_value){0, 0, s, strlen(s)};
}

static int format_rows(struct emit_writer *w, void *set)
{
	size_t i;

	for (i = 0; i < format_set_count(set); i++) {
		const struct format *fmt = format_set_at(set, i);
		struct emit_value row[] = {
			text_value(format_name(fmt)),
			text_value(format_kind_name(format_kind(fmt))),
			text_value(format_origin(fmt)),
			text_value(format_description(fmt)),
		};

		emit_row(row, w);
	}
	return 0;
}

static void list_formats(struct format_set *set, enum emit_format format,
			 unsigned flags)
{
	struct emit_writer w;

	emit_writer_init(&w, stdout, format, flags, list_columns,
			 ARRAY_SIZE(list_columns), 0);
	emit_measure(&w, format_rows, set);
	emit_write(&w, format_rows, set);
}

/*
 * The definition as it was read, so that `--formats` reads the output
 * back unchanged: only control bytes are escaped, tabs (layout in a
 * definition) stay tabs, and CRLF line ends (a file from Windows) are
 * written as LF.
 */
static void show_format(const struct format *fmt)
{
	const char *text = format_text(fmt);

	while (*text) {
		size_t len = strcspn(text, "\n\t");
		int crlf = text[len] == '\n' && len > 0 && text[len - 1] == '\r';

		fput_safe(stdout, text, len - crlf);
		if (text[len])
			putchar(text[len]);
		text += len + (text[len] != '\0');
	}
}

/* ---- test ------------------------------------------------------------------ */

/*
 * A value quoted when it holds blanks, '"' or '=' (a '"' inside is \");
 * a backslash is shown as it is, as everywhere (fput_safe).
 */
static void print_value(const struct text *t)
{
	size_t i;
	int quote = t->len == 0;

	for (i = 0; i < t->len && !quote; i++)
		quote = t->ptr[i] == ' ' || t->ptr[i] == '\t' || t->ptr[i] == '"' ||
			t->ptr[i] == '=';
	if (!quote) {
		fput_safe(stdout, t->ptr, t->len);
		return;
	}
	putchar('"');
	for (i = 0; i < t->len; i++) {
		size_t run = strcspn(t->ptr + i, "\"");

		if (run > t->len - i)
			run = t->len - i;
		fput_safe(stdout, t->ptr + i, run);
		i += run;
		if (i < t->len)
			fputs("\\\"", stdout);
	}
	putchar('"');
}

#define KEEP(f) (1u << (f))

/*
 * One event as a logfmt line: ts in RFC 3339 UTC, op, then the fields the
 * store keeps for its kind (store.c), so that a fill shows what a fill is.
 */
static void print_event(const struct event *ev)
{
	static const unsigned kept[] = {
		[EVENT_SERVE] = ~(KEEP(FIELD_TTL_MS) | KEEP(FIELD_GEN)),
		[EVENT_FILL] = KEEP(FIELD_NODE) | KEEP(FIELD_KEY) | KEEP(FIELD_DEVICE) |
			       KEEP(FIELD_FRAME) | KEEP(FIELD_TTL_MS) | KEEP(FIELD_GEN),
		[EVENT_REMOVAL] = KEEP(FIELD_NODE) | KEEP(FIELD_KEY),
		[EVENT_BINDING] = KEEP(FIELD_DEVICE) | KEEP(FIELD_ACCOUNT),
		[EVENT_SHARE] = KEEP(FIELD_DEVICE) | KEEP(FIELD_ACCOUNT),
	};
	char when[TIMEFMT_SIZE];
	unsigned f;

	timefmt_format(ev->ts, when);
	printf("ts=%s", when);
	if (ev->op)
		printf(" op=%s", ev->op);
	for (f = 0; f < FIELD_COUNT; f++) {
		if (f == FIELD_TS || f == FIELD_OP || !ev->field[f].len ||
		    !(kept[ev->kind] & KEEP(f)))
			continue;
		printf(" %s=", event_field_name((enum field)f));
		print_value(&ev->field[f]);
	}
}

/*
 * Report one line: the events the chosen format gives, else the first
 * other format that matches it (unless the format was forced).  Returns 0
 * when the line gave its events without a rejection.
 */
static int test_line(const struct format_set *set, struct format *chosen,
		     int forced, uint64_t number, const char *line, size_t len,
		     struct format_output *out, char *copy)
{
	struct format *fmt = chosen;
	size_t i, k;
	char shown[120], why[sizeof(out->why)];

	memcpy(copy, line, len);
	format_parse_line(chosen, copy, len, out);
	/* A line the format skips on purpose (#Version:) is no mismatch. */
	for (i = 0; !out->matched && out->why[0] && !forced; i++) {
		/* Another format may know the line; the chosen one's reason is
		 * kept for when none does. */
		if (i == 0)
			memcpy(why, out->why, sizeof(why));
		if (!(fmt = format_set_at(set, i))) {
			quote_bounded(shown, sizeof(shown), line, len);
			printf("%llu: no format matches '%s' (", (unsigned long long)number,
			       shown);
			fput_safe(stdout, why, strlen(why));
			puts(")");
			return -1;
		}
		if (fmt == chosen)
			continue;
		memcpy(copy, line, len);
		format_parse_line(fmt, copy, len, out);
		if (!out->matched && !out->why[0])
			snprintf(out->why, sizeof(out->why), "skipped");
	}
	for (k = 0; k < out->count; k++) {
		printf("%llu: ", (unsigned long long)number);
		fput_safe(stdout, format_name(fmt), strlen(format_name(fmt)));
		fputs(": ", stdout);
		print_event(&out->event[k]);
		putchar('\n');
	}
	if (out->why[0]) {
		printf("%llu: ", (unsigned long long)number);
		fput_safe(stdout, format_name(fmt), strlen(format_name(fmt)));
		fputs(": rejected: ", stdout);
		fput_safe(stdout, out->why, strlen(out->why));
		putchar('\n');
		return -1;
	}
	if (out->count == 0) {
		printf("%llu: ", (unsigned long long)number);
		fput_safe(stdout, format_name(fmt), strlen(format_name(fmt)));
		fputs(out->skipped ? ": skipped by the format\n" : out->matched ?
		      ": header\n" : ": skipped\n", stdout);
	}
	return 0;
}

static int test_file(const struct format_choice *choice, const char *path,
		     long max_lines)
{
	struct input *in = input_open(path);
	char *shown = safe_strdup(path), first[96];
	struct format_output *out;
	struct format *fmt;
	struct line line;
	const char *data, *failure;
	size_t len, matched = 0, sampled = 0;
	long tested = 0;
	int bad = 0;
	char *copy;

	if (!in) {
		error("%s: %s", shown, strerror(errno));
		free(shown);
		return EXIT_INCOMPLETE;
	}
	input_prefix(in, &data, &len);
	fmt = choice->forced;
	if (!fmt)
		fmt = format_sniff(choice->set, data, len, len < INPUT_PREFIX_MAX,
				   first, sizeof(first), &matched, &sampled);
	fputs(shown, stdout);
	if (choice->forced)
		printf(": format %s (given with --input-format)\n", format_name(fmt));
	else if (fmt)
		printf(": format %s (it matches %zu of the first %zu %s)\n",
		       format_name(fmt), matched, sampled,
		       plural(sampled, "line", "lines"));
	else
		printf(": no format matches its first lines\n");
	out = xmalloc(sizeof(*out));
	copy = xmalloc(INPUT_MAX_LINE + 1);
	if (fmt)
		format_begin_file(fmt);
	while (tested < max_lines && input_next_line(in, &line)) {
		size_t n = line.len;

		/* As ingest does: NULs before a line (copytruncate) are passed over. */
		while (!line.overlong && n > 0 && line.ptr[0] == '\0')
			line.ptr++, n--;
		if (line.overlong || line.cut || memchr(line.ptr, '\0', n)) {
			printf("%llu: rejected: %s\n", (unsigned long long)line.number,
			       line.overlong ? "line too long" : line.cut ?
			       "line cut short by unreadable input" : "line holds NUL bytes");
			bad = 1, tested++;
			continue;
		}
		if (n > 0 && line.ptr[n - 1] == '\r')
			n--;
		if (strspn(line.ptr, " \t") >= n)
			continue;
		tested++;
		if (!fmt) {
			quote_bounded(first, sizeof(first), line.ptr, n);
			printf("%llu: no format matches '%s'\n",
			       (unsigned long long)line.number, first);
			bad = 1;
		} else if (test_line(choice->set, fmt, choice->forced != NULL,
				     line.number, line.ptr, n, out, copy)) {
			bad = 1;
		}
	}
	failure = input_failed(in);
	if (failure)
		error("%s: %s", shown, failure);
	free(copy);
	free(out);
	free(shown);
	input_close(in);
	if (failure)
		return EXIT_INCOMPLETE;
	return bad ? EXIT_FINDINGS : EXIT_CLEAN;
}

/* ---- the command ------------------------------------------------------------ */

struct formats_request {
	struct format_request formats;
	long lines;
	enum emit_format format; /* list's */
	unsigned flags;          /* list's EMIT_NO_HEADER, EMIT_WIDE */
	int list_options;        /* given any of list's options */
};

static int handle(int key, const char *arg, void *ctx)
{
	struct formats_request *req = ctx;
	char *end;

	if (format_option(&req->formats, key, arg))
		return 0;
	if (key == OPT_FORMAT) {
		req->list_options = 1;
		if (emit_format_parse(arg, &req->format))
			return cli_usage_error(&formats_command, "invalid --format "
					       "'%s' (use table, json, csv or tsv)",
					       arg), -1;
		return 0;
	}
	if (table_option(&req->flags, key)) {
		req->list_options = 1;
		return 0;
	}
	if (key == OPT_LINES) {
		errno = 0;
		req->lines = strtol(arg, &end, 10);
		if (errno || *end || end == arg || req->lines < 1 ||
		    req->lines > TEST_LINES_MAX)
			return cli_usage_error(&formats_command, "invalid --lines "
					       "'%s' (a number from 1 to %d)", arg,
					       TEST_LINES_MAX), -1;
		return 0;
	}
	return cli_usage_error(&formats_command, "unhandled option"), -1;
}

static int cmd_formats(int argc, char **argv)
{
	struct formats_request req = {.lines = TEST_LINES_DEFAULT};
	struct format_choice choice;
	const char *action;
	int first, status, operands;

	format_request_init(&req.formats);
	if ((first = command_parse(&formats_command, argc, argv, handle, &req,
				   &status)) < 0)
		return status;
	if (first == argc)
		return cli_usage_error(&formats_command, "say list, show NAME or "
				       "test FILE");
	action = argv[first];
	operands = argc - first - 1;
	if (strcmp(action, "list") && strcmp(action, "show") && strcmp(action, "test"))
		return cli_usage_error(&formats_command, "unknown action '%s' (use "
				       "list, show or test)", action);
	if (operands != (strcmp(action, "list") ? 1 : 0))
		return cli_usage_error(&formats_command, "'%s' takes %s", action,
				       !strcmp(action, "list") ? "no operand" :
				       !strcmp(action, "show") ? "one NAME" : "one FILE");
	if (req.formats.name && strcmp(action, "test"))
		return cli_usage_error(&formats_command, "--input-format is for test");
	if (req.list_options && strcmp(action, "list"))
		return cli_usage_error(&formats_command, "--format, --no-header and "
				       "--wide are for list");
	if ((status = format_request_load(&formats_command, &req.formats, &choice)))
		return status;
	if (!strcmp(action, "list")) {
		list_formats(choice.set, req.format, req.flags);
	} else if (!strcmp(action, "show")) {
		struct format *fmt = format_set_find(choice.set, argv[first + 1]);

		if (!fmt)
			status = cli_usage_error(&formats_command, "unknown format '%s' "
						 "(see 'camaudit formats list')",
						 argv[first + 1]);
		else
			show_format(fmt);
	} else {
		status = test_file(&choice, argv[first + 1], req.lines);
	}
	format_set_free(choice.set);
	return status;
}
