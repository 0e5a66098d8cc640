/*
 * Command-line plumbing shared by the commands: the command table, option
 * tables that drive both getopt_long and --help, and the options every
 * command takes (--db, --quiet, --help).
 */
#ifndef CAMAUDIT_CLI_H
#define CAMAUDIT_CLI_H

#include <stdint.h>
#include <stdio.h>

/* Keys for long options that have no short form. */
enum { OPT_LONG_ONLY = 256 };

struct cli_option {
	const char *name;  /* long name, without "--" */
	int key;           /* short letter, or OPT_LONG_ONLY + n */
	const char *arg;   /* argument name for --help, NULL for a flag */
	const char *help;  /* one line */
};

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;   /* one line, for "camaudit --help" */
	const char *usage;     /* after "camaudit NAME " */
	const char *details;   /* paragraph after the usage, or NULL */
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

/* The options every command that opens a store takes. */
enum { OPT_DB = 'd', OPT_QUIET = 'q', OPT_HELP = 'h' };
extern const struct cli_option cli_common_options[];

/* --db, else $CAMAUDIT_DB, else CLI_DEFAULT_DB. */
#define CLI_DEFAULT_DB "camaudit.db"
const char *cli_default_db(void);

/* Flush stdout and report a write error; returns 0 or -1. */
int cli_finish_output(void);

#endif
