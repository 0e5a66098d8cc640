/*
 * Command-line plumbing shared by the commands: the command table, option
 * tables that drive both getopt_long and --help, and the options every
 * command takes (--db, --quiet, --help).
 */
#ifndef CAMAUDIT_CLI_H
#define CAMAUDIT_CLI_H

#include <stdint.h>
#include <stdio.h>

/*
 * The key of every option of the program, in this one list so that no two
 * options can share a key by accident: an option with a short form has
 * its letter (one meaning per letter across the commands), a long-only
 * option a number from OPT_LONG_ONLY up.  A new option adds its key here.
 */
enum option_key {
	OPT_BEFORE = 'b',
	OPT_DB = 'd',
	OPT_EVENTS = 'e',
	OPT_FORMAT = 'f',
	OPT_HELP = 'h',
	OPT_LIST = 'l',
	OPT_LINES = 'n',
	OPT_OUTPUT = 'o',
	OPT_QUIET = 'q',
	OPT_SINCE = 's',
	OPT_TYPE = 't',
	OPT_UNTIL = 'u',

	OPT_LONG_ONLY = 256, /* keys from here on have no short form */
	OPT_SKEW = OPT_LONG_ONLY,
	OPT_NEW,
	OPT_WAIT,
	OPT_KEEP_FORMULAS,
	OPT_MIN_TRACED,
	OPT_FORMATS,
	OPT_INPUT_FORMAT,
	OPT_VACUUM,
	OPT_REPAIR,
	OPT_MAX_AGE,
	OPT_NO_HEADER,
	OPT_WIDE,
};

struct cli_option {
	const char *name;  /* long name, without "--" */
	int key;           /* an enum option_key */
	const char *arg;   /* argument name for --help, NULL for a flag */
	const char *help;  /* one line */
};

/*
 * A command: cmd_NAME.c defines one, main.c's table points at it, and
 * cli_parse() and --help read its options.
 */
struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;   /* one line, for "camaudit --help" */
	const char *usage;     /* after "camaudit NAME " */
	const char *details;   /* paragraph after the description, or NULL */
	/* Its option tables, NULL-terminated, searched in order. */
	const struct cli_option *const *options;
	/* What --help says under the usage; NULL: the summary. */
	const char *description;
};

/*
 * Parse argv against the NULL-terminated option tables (searched in
 * order).  handle() gets each option's key and argument and returns 0, or
 * -1 after reporting a bad value.  Returns the index of the first operand,
 * -1 on a usage error (reported, with a pointer to --help), or -2 when
 * --help was given and printed.
 */
int cli_parse(int argc, char **argv, const struct command *cmd,
	      const struct cli_option *const *tables,
	      int (*handle)(int key, const char *arg, void *ctx), void *ctx);

/* Print a command's --help from its option tables. */
void cli_help(FILE *out, const struct command *cmd,
	      const struct cli_option *const *tables);

/* Report a usage error and point at --help; returns EXIT_USAGE. */
int cli_usage_error(const struct command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * A time option's value (timefmt_parse_when, counted back from the current
 * time) into *ms; 0, or -1 after a usage error that lists the forms.
 */
int cli_parse_time(const struct command *cmd, const char *option,
		   const char *arg, int64_t *ms);

/*
 * Git's "did you mean": the names (each written after prefix, as "--")
 * within a typo's reach of typed[0..typed_len), into out as
 * " (did you mean '--since'?)" or " (did you mean 'scan' or 'status'?)";
 * "" when none is that near.  size is at least 32.
 */
void cli_suggest(char *out, size_t size, const char *typed, size_t typed_len,
		 const char *prefix, const char *const *names, size_t count);

/* --db, else $CAMAUDIT_DB, else CLI_DEFAULT_DB. */
#define CLI_DEFAULT_DB "camaudit.db"
const char *cli_default_db(void);

/* Flush stdout and report a write error; returns 0 or -1. */
int cli_finish_output(void);

#endif
