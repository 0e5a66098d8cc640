/*
 * The command layer: each command (cmd_NAME.c) defines one struct command
 * that main.c's table points at; what several commands share, their
 * options and steps, is commands.c's, so that no command calls another.
 */
#ifndef CAMAUDIT_COMMANDS_H
#define CAMAUDIT_COMMANDS_H

#include "cli.h"
#include "correlate.h"
#include "emit.h"
#include "store_open.h"

extern const struct command ingest_command;
extern const struct command audit_command;
extern const struct command scan_command;
extern const struct command explain_command;
extern const struct command report_command;
extern const struct command status_command;
extern const struct command export_command;
extern const struct command normalize_command;
extern const struct command prune_command;
extern const struct command check_command;
extern const struct command formats_command;

/*
 * The option handlers below take one key of their table: they return 1
 * when it was theirs, 0 when it is not one of theirs (try the next
 * handler), -1 after reporting a bad value as a usage error of cmd.
 * option_result() turns the last answer into cli_parse's 0 or -1.
 */
int option_result(const struct command *cmd, int taken);

/*
 * cli_parse() with cmd's own option tables, the exit status decided once:
 * the index of the first operand, or -1 with *status EXIT_CLEAN (--help
 * was printed) or EXIT_USAGE (a usage error was reported).
 */
int command_parse(const struct command *cmd, int argc, char **argv,
		  int (*handle)(int key, const char *arg, void *ctx), void *ctx,
		  int *status);

/* The options every command that opens a store takes. */
struct common_request {
	const char *db;  /* --db, else $CAMAUDIT_DB, else CLI_DEFAULT_DB */
	int quiet;       /* --quiet: no progress or summary on stderr */
	int64_t wait_ms; /* --wait: for another camaudit writing the store */
};
/* --db, --quiet and --help. */
extern const struct cli_option common_options[];
/* --wait, for the commands that write to the store (or may upgrade it). */
extern const struct cli_option wait_options[];
void common_request_init(struct common_request *req);
int common_option(const struct command *cmd, struct common_request *req,
		  int key, const char *arg);

/*
 * --since/--until worded for serves, the same worded for events of every
 * kind (export), and --skew; window_option() takes all three.
 */
extern const struct cli_option window_options[];
extern const struct cli_option event_window_options[];
extern const struct cli_option skew_options[];
/* Every time, --skew 2s. */
void window_init(struct audit_window *window);
int window_option(const struct command *cmd, struct audit_window *window,
		  int key, const char *arg);
/* A usage error (reported, -1) when --since is not before --until. */
int window_check(const struct command *cmd, const struct audit_window *window);

/* What audit and scan are asked for. */
struct audit_request {
	struct audit_window window; /* --since, --until, --skew */
	unsigned types;      /* --type: bits of enum finding_type */
	enum emit_format format;
	unsigned emit_flags; /* EMIT_KEEP_FORMULAS, EMIT_NO_HEADER, EMIT_WIDE */
	double min_traced;   /* --min-traced: a smaller traced share is blind */
	int only_new;        /* --new: print and record what was not reported */
};
/* --type, --format, --keep-formulas, --min-traced. */
extern const struct cli_option audit_options[];
/* --min-traced alone, worded for report, which marks its output incomplete. */
extern const struct cli_option min_traced_options[];
/* Defaults: every time, --type cross_tenant, --format table, --skew 2s,
 * --min-traced 90. */
void audit_request_init(struct audit_request *req);
/* audit_options, min_traced_options, table_options and window_option's. */
int audit_option(const struct command *cmd, struct audit_request *req, int key,
		 const char *arg);
/* --no-header and --wide, for the commands that write tables. */
extern const struct cli_option table_options[];
/* Take key if it is one of table_options (EMIT_NO_HEADER, EMIT_WIDE into
 * *flags): 1 when it was, else 0. */
int table_option(unsigned *flags, int key);

/*
 * The audit step of audit and scan: correlate, print the findings (and
 * record them with --new) and, unless quiet, the summary; returns the exit
 * status (EXIT_BLIND or EXIT_FINDINGS_BLIND when the answer is incomplete).
 */
int audit_execute(struct store *st, const struct audit_request *req, int quiet);

/* --formats and --input-format, for the commands that read logs. */
extern const struct cli_option format_options[];
/* --formats files one command line may give. */
#define FORMAT_FILES_MAX 16
struct format_request {
	const char *paths[FORMAT_FILES_MAX]; /* each --formats, in order */
	size_t path_count;   /* how many were given (may pass the maximum) */
	const char *env;     /* $CAMAUDIT_FORMATS (PATH-like list), else NULL */
	const char *name;    /* --input-format, else NULL: sniff each file */
};
void format_request_init(struct format_request *req);
/* Take key if it is one of format_options: 1 when it was, else 0. */
int format_option(struct format_request *req, int key, const char *arg);
struct format_choice; /* format.h */
/*
 * The presets plus the user's formats, and the forced one; EXIT_CLEAN,
 * or EXIT_USAGE after reporting (every definition error, an unknown
 * name).  Free choice->set with format_set_free().
 */
int format_request_load(const struct command *cmd, const struct format_request *req,
			struct format_choice *choice);

/*
 * Ingest every operand (files, directories, "-") into st and report per
 * file (or only the total); returns EXIT_CLEAN, EXIT_INCOMPLETE or
 * EXIT_BUSY.
 */
int ingest_operands(struct store *st, char **paths, int count, int quiet,
		    int per_file, const struct format_choice *formats);

/* The exit status for a store that could not be opened. */
int exit_for_store_failure(enum store_failure why);
/* The exit status after a store operation failed: busy, or incomplete. */
int exit_for_store_error(struct store *st);

#endif
