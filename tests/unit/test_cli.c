/*
 * Unit tests of src/cli.c: the "did you mean" (which names a typo is near
 * enough to suggest, and how the suggestion is worded), and cli_parse()
 * (long and short options, abbreviations, values, usage errors).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli.h"
#include "util.h"

static const char *const audit_options[] = {
	"since", "until", "type", "format", "keep-formulas", "min-traced",
	"skew", "new", "wait", "db", "quiet", "help",
};
static const char *const commands[] = {
	"ingest", "audit", "scan", "explain", "report", "status", "export",
	"prune", "check", "formats", "help",
};

static void assert_suggests(const char *typed, const char *const *names,
			    size_t count, const char *prefix, const char *expected)
{
	char out[128];

	cli_suggest(out, sizeof(out), typed, strlen(typed), prefix, names, count);
	assert_string_equal(out, expected);
}

#define OPTION(typed, expected) \
	assert_suggests(typed, audit_options, ARRAY_SIZE(audit_options), "--", expected)
#define COMMAND(typed, expected) \
	assert_suggests(typed, commands, ARRAY_SIZE(commands), "", expected)

static void test_one_wrong_letter_is_suggested(void **state)
{
	(void)state;
	OPTION("sinse", " (did you mean '--since'?)");
	COMMAND("audti", " (did you mean 'audit'?)");
}

static void test_two_swapped_letters_count_as_one_slip(void **state)
{
	(void)state;
	OPTION("sicne", " (did you mean '--since'?)");
	COMMAND("stauts", " (did you mean 'status'?)");
}

static void test_a_letter_too_many_or_too_few_is_suggested(void **state)
{
	(void)state;
	OPTION("keep-formulae", " (did you mean '--keep-formulas'?)");
	COMMAND("expor", " (did you mean 'export'?)");
	COMMAND("prunne", " (did you mean 'prune'?)");
}

static void test_a_word_far_from_every_name_gets_no_suggestion(void **state)
{
	(void)state;
	OPTION("bogus", "");
	COMMAND("frobnicate", "");
	OPTION("x", "");
}

/* Two edits in a five-letter name is another word, not a slip. */
static void test_two_slips_in_a_short_name_are_too_far(void **state)
{
	(void)state;
	OPTION("sxnse", "");
}

static void test_a_long_name_allows_more_slips(void **state)
{
	(void)state;
	OPTION("kep-fromulas", " (did you mean '--keep-formulas'?)");
}

static void test_names_at_the_same_distance_are_all_suggested(void **state)
{
	static const char *const names[] = {"scan", "span", "status"};

	(void)state;
	assert_suggests("sxan", names, ARRAY_SIZE(names), "",
			" (did you mean 'scan' or 'span'?)");
}

static void test_the_nearest_wins_over_a_farther_one(void **state)
{
	static const char *const names[] = {"formats", "format"};

	(void)state;
	assert_suggests("formta", names, ARRAY_SIZE(names), "--",
			" (did you mean '--format'?)");
}

static void test_empty_and_overlong_input_get_no_suggestion(void **state)
{
	char long_name[200];

	(void)state;
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	OPTION("", "");
	OPTION(long_name, "");
}

static void test_a_cut_suggestion_still_ends_as_a_question(void **state)
{
	static const char *const names[] = {"aaaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaab",
					    "aaaaaaaaaaaaaaac"};
	char out[40];

	(void)state;
	cli_suggest(out, sizeof(out), "aaaaaaaaaaaaaaax", 16, "--", names,
		    ARRAY_SIZE(names));
	assert_int_equal(strlen(out), sizeof(out) - 1);
	assert_string_equal(out + strlen(out) - 2, "?)");
}

/* ---- cli_parse ------------------------------------------------------------ */

enum {
	KEY_SINCE = OPT_LONG_ONLY + 1,
	KEY_SKEW,
	KEY_FORMATS,
	KEY_FAIL,
	KEY_NEW = 'n',
	KEY_FORMAT = 'f',
};

static const struct cli_option test_options[] = {
	{"since", KEY_SINCE, "TIME", "from this time"},
	{"skew", KEY_SKEW, "MS", "clock skew"},
	{"format", KEY_FORMAT, "FORMAT", "text or json"},
	{"formats", KEY_FORMATS, "FILE", "format definitions"},
	{"new", KEY_NEW, NULL, "only new findings"},
	{"fail", KEY_FAIL, "X", "the handler refuses any value"},
	{NULL, 0, NULL, NULL},
};
/* Like the common options (kept here: where those live may change). */
static const struct cli_option test_common_options[] = {
	{"db", OPT_DB, "PATH", "the database"},
	{"quiet", OPT_QUIET, NULL, "no progress or summary on stderr"},
	{"help", OPT_HELP, NULL, "show this help and exit"},
	{NULL, 0, NULL, NULL},
};
static const struct cli_option *const test_tables[] = {test_options,
						       test_common_options, NULL};
static const struct command test_command = {
	.name = "audit",
	.summary = "Report cross-tenant deliveries.",
	.usage = "[OPTION]...",
};

/* What the handler was given, as "key=arg" words: "n f=json since=2h". */
struct seen {
	char text[512];
	size_t calls;
};

static int record(int key, const char *arg, void *ctx)
{
	struct seen *seen = ctx;
	size_t used = strlen(seen->text);
	char name[16];

	if (key == KEY_FAIL)
		return -1;
	if (key < OPT_LONG_ONLY)
		snprintf(name, sizeof(name), "%c", key);
	else
		snprintf(name, sizeof(name), "%s", key == KEY_SINCE ? "since" :
			 key == KEY_SKEW ? "skew" : "formats");
	snprintf(seen->text + used, sizeof(seen->text) - used, "%s%s%s%s",
		 used ? " " : "", name, arg ? "=" : "", arg ? arg : "");
	seen->calls++;
	return 0;
}

/*
 * cli_parse() over the words (NULL-terminated, the command name first);
 * what the handler saw into seen, what was written to stderr and stdout
 * into err and out.
 */
struct parse {
	int result;
	char *argv[16];
	int argc;
	struct seen seen;
	char err[1024];
	char out[4096];
};

static void read_back(FILE *fp, char *buf, size_t size)
{
	size_t n;

	rewind(fp);
	n = fread(buf, 1, size - 1, fp);
	buf[n] = '\0';
	fclose(fp);
}

static void parse(struct parse *p, ...)
{
	FILE *err = tmpfile(), *out = tmpfile();
	int saved_err = dup(2), saved_out = dup(1);
	const char *word;
	va_list ap;

	memset(p, 0, sizeof(*p));
	va_start(ap, p);
	while ((word = va_arg(ap, const char *)) != NULL) {
		assert_true(p->argc < 15);
		p->argv[p->argc++] = (char *)word;
	}
	va_end(ap);
	assert_non_null(err);
	assert_non_null(out);
	fflush(stdout);
	fflush(stderr);
	dup2(fileno(err), 2);
	dup2(fileno(out), 1);
	p->result = cli_parse(p->argc, p->argv, &test_command, test_tables,
			      record, &p->seen);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_err, 2);
	dup2(saved_out, 1);
	close(saved_err);
	close(saved_out);
	read_back(err, p->err, sizeof(p->err));
	read_back(out, p->out, sizeof(p->out));
}

/* A usage error: -1, nothing handled after it, one line on stderr. */
static void assert_usage_error(const struct parse *p, const char *message)
{
	char expected[512];

	snprintf(expected, sizeof(expected), "camaudit: %s; see 'camaudit audit "
		 "--help'\n", message);
	assert_int_equal(p->result, -1);
	assert_string_equal(p->err, expected);
	assert_string_equal(p->out, "");
}

static void test_a_value_follows_the_option_or_its_equals_sign(void **state)
{
	struct parse p;

	(void)state;
	parse(&p, "audit", "--since", "2h", "--format=json", "--skew=500", NULL);
	assert_int_equal(p.result, 5);
	assert_string_equal(p.seen.text, "since=2h f=json skew=500");
	assert_string_equal(p.err, "");
}

/* A value may look like an option or be empty: it is the option's. */
static void test_the_word_after_an_option_is_its_value_whatever_it_is(void **state)
{
	struct parse p;

	(void)state;
	parse(&p, "audit", "--skew", "-5", "--since=", "--format", "--new", NULL);
	assert_int_equal(p.result, 6);
	assert_string_equal(p.seen.text, "skew=-5 since= f=--new");
}

static void test_a_unique_abbreviation_is_the_option(void **state)
{
	struct parse p;

	(void)state;
	parse(&p, "audit", "--si", "2h", "--sk=9", "--ne", "--q", NULL);
	assert_int_equal(p.result, 6);
	assert_string_equal(p.seen.text, "since=2h skew=9 n q");
}

/* "--format" is whole, though "--formats" starts with it too. */
static void test_an_exact_name_wins_over_a_longer_one(void **state)
{
	struct parse p;

	(void)state;
	parse(&p, "audit", "--format", "json", "--formats", "my.formats", NULL);
	assert_int_equal(p.result, 5);
	assert_string_equal(p.seen.text, "f=json formats=my.formats");
}

static void test_an_ambiguous_abbreviation_names_the_candidates(void **state)
{
	struct parse p;

	(void)state;
	parse(&p, "audit", "--new", "--s", "2h", NULL);
	assert_usage_error(&p, "ambiguous option '--s' (could be --since, --skew)");
	assert_string_equal(p.seen.text, "n");
	/* With its value attached, the name alone is quoted. */
	parse(&p, "audit", "--form=json", NULL);
	assert_usage_error(&p, "ambiguous option '--form' (could be --format, "
			   "--formats)");
	assert_int_equal(p.seen.calls, 0);
}

static void test_an_unknown_option_gets_the_nearest_name(void **state)
{
	struct parse p;

	(void)state;
	parse(&p, "audit", "--sicne", "2h", NULL);
	assert_usage_error(&p, "unknown option '--sicne' (did you mean '--since'?)");
	parse(&p, "audit", "--bd=x.db", NULL);
	assert_usage_error(&p, "unknown option '--bd' (did you mean '--db'?)");
	parse(&p, "audit", "--frobnicate", NULL);
	assert_usage_error(&p, "unknown option '--frobnicate'");
	parse(&p, "audit", "-x", NULL);
	assert_usage_error(&p, "unknown option '-x'");
}

static void test_an_option_without_its_value_is_a_usage_error(void **state)
{
	struct parse p;

	(void)state;
	parse(&p, "audit", "--new", "--since", NULL);
	assert_usage_error(&p, "option '--since' needs a value");
	assert_string_equal(p.seen.text, "n");
	parse(&p, "audit", "-f", NULL);
	assert_usage_error(&p, "option '-f' needs a value");
	/* An abbreviation is named as it was typed. */
	parse(&p, "audit", "--sin", NULL);
	assert_usage_error(&p, "option '--sin' needs a value");
}

static void test_a_flag_given_a_value_is_a_usage_error(void **state)
{
	struct parse p;

	(void)state;
	parse(&p, "audit", "--new=yes", NULL);
	assert_usage_error(&p, "option '--new' takes no value");
	assert_int_equal(p.seen.calls, 0);
}

static void test_double_dash_ends_the_options(void **state)
{
	struct parse p;

	(void)state;
	parse(&p, "audit", "--new", "--", "--since", "-f", NULL);
	assert_int_equal(p.result, 3);
	assert_string_equal(p.seen.text, "n");
	assert_string_equal(p.argv[p.result], "--since");
	assert_string_equal(p.argv[p.result + 1], "-f");
}

/* getopt_long's order: options after operands count, the operands last. */
static void test_options_after_operands_are_read_too(void **state)
{
	struct parse p;

	(void)state;
	parse(&p, "audit", "relay.log", "--new", "cache.log", "-f", "json", NULL);
	assert_int_equal(p.result, 4);
	assert_string_equal(p.seen.text, "n f=json");
	assert_string_equal(p.argv[4], "relay.log");
	assert_string_equal(p.argv[5], "cache.log");
	/* A lone "-" is an operand (standard input). */
	parse(&p, "audit", "-", "--new", NULL);
	assert_int_equal(p.result, 2);
	assert_string_equal(p.argv[2], "-");
}

static void test_short_options_bundle(void **state)
{
	struct parse p;

	(void)state;
	parse(&p, "audit", "-nq", "-fjson", "-nf", "text", NULL);
	assert_int_equal(p.result, 5);
	assert_string_equal(p.seen.text, "n q f=json n f=text");
	/* A bundle ending in an option that needs its value. */
	parse(&p, "audit", "-qf", NULL);
	assert_usage_error(&p, "option '-qf' needs a value");
}

static void test_help_is_printed_on_stdout_and_nothing_handled(void **state)
{
	struct parse p;

	(void)state;
	parse(&p, "audit", "--help", "--new", NULL);
	assert_int_equal(p.result, -2);
	assert_int_equal(p.seen.calls, 0);
	assert_string_equal(p.err, "");
	assert_non_null(strstr(p.out, "usage: camaudit audit [OPTION]...\n"));
	assert_non_null(strstr(p.out, "\n      --since TIME"));
	assert_non_null(strstr(p.out, "\n  -f, --format FORMAT"));
	assert_non_null(strstr(p.out, "\n  -n, --new "));
	assert_non_null(strstr(p.out, "\n  -d, --db PATH"));
	/* An abbreviation and the short form are help too. */
	parse(&p, "audit", "--he", NULL);
	assert_int_equal(p.result, -2);
	parse(&p, "audit", "-nh", NULL);
	assert_int_equal(p.result, -2);
}

/* The handler's refusal (it reported why) stops the parse. */
static void test_a_value_the_handler_refuses_stops_the_parse(void **state)
{
	struct parse p;

	(void)state;
	parse(&p, "audit", "--fail", "x", "--new", NULL);
	assert_int_equal(p.result, -1);
	assert_int_equal(p.seen.calls, 0);
	assert_string_equal(p.err, "");
}

/*
 * An unknown letter inside a bundle is named as such, whatever word came
 * before it: getopt has not moved optind past a bundle it stopped
 * inside, so the word before is no guide (`audit --new -xq` used to say
 * "option '--new' takes no value").
 */
static void test_an_unknown_letter_in_a_bundle_is_named(void **state)
{
	struct parse p;

	(void)state;
	parse(&p, "audit", "--new", "-xq", NULL);
	assert_usage_error(&p, "unknown option '-x'");
	parse(&p, "audit", "--since=2h", "-xq", NULL);
	assert_usage_error(&p, "unknown option '-x'");
}

/*
 * Each parse starts afresh, even after one that stopped inside a bundle
 * of short options (getopt keeps its place in a static; optind = 1 made
 * glibc carry on inside the old argv's bundle).
 */
static void test_a_parse_after_a_stopped_bundle_starts_afresh(void **state)
{
	struct parse p;

	(void)state;
	parse(&p, "audit", "-xn", NULL);
	assert_usage_error(&p, "unknown option '-x'");
	parse(&p, "audit", "-q", NULL);
	assert_int_equal(p.result, 2);
	assert_string_equal(p.seen.text, "q");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_wrong_letter_is_suggested),
		cmocka_unit_test(test_two_swapped_letters_count_as_one_slip),
		cmocka_unit_test(test_a_letter_too_many_or_too_few_is_suggested),
		cmocka_unit_test(test_a_word_far_from_every_name_gets_no_suggestion),
		cmocka_unit_test(test_two_slips_in_a_short_name_are_too_far),
		cmocka_unit_test(test_a_long_name_allows_more_slips),
		cmocka_unit_test(test_names_at_the_same_distance_are_all_suggested),
		cmocka_unit_test(test_the_nearest_wins_over_a_farther_one),
		cmocka_unit_test(test_empty_and_overlong_input_get_no_suggestion),
		cmocka_unit_test(test_a_cut_suggestion_still_ends_as_a_question),
		cmocka_unit_test(test_a_value_follows_the_option_or_its_equals_sign),
		cmocka_unit_test(test_the_word_after_an_option_is_its_value_whatever_it_is),
		cmocka_unit_test(test_a_unique_abbreviation_is_the_option),
		cmocka_unit_test(test_an_exact_name_wins_over_a_longer_one),
		cmocka_unit_test(test_an_ambiguous_abbreviation_names_the_candidates),
		cmocka_unit_test(test_an_unknown_option_gets_the_nearest_name),
		cmocka_unit_test(test_an_option_without_its_value_is_a_usage_error),
		cmocka_unit_test(test_a_flag_given_a_value_is_a_usage_error),
		cmocka_unit_test(test_double_dash_ends_the_options),
		cmocka_unit_test(test_options_after_operands_are_read_too),
		cmocka_unit_test(test_short_options_bundle),
		cmocka_unit_test(test_help_is_printed_on_stdout_and_nothing_handled),
		cmocka_unit_test(test_a_value_the_handler_refuses_stops_the_parse),
		cmocka_unit_test(test_an_unknown_letter_in_a_bundle_is_named),
		cmocka_unit_test(test_a_parse_after_a_stopped_bundle_starts_afresh),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
