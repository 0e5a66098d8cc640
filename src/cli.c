/*
 * Option parsing from tables: each command lists its options once, and
 * getopt_long's arrays and the --help text are both built from that list.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "exitcode.h"
#include "timefmt.h"
#include "util.h"

const struct cli_option cli_common_options[] = {
	{"db", OPT_DB, "PATH",
	 "the database (default: $CAMAUDIT_DB, else ./" CLI_DEFAULT_DB ")"},
	{"quiet", OPT_QUIET, NULL, "no progress or summary on stderr"},
	{"help", OPT_HELP, NULL, "show this help and exit"},
	{NULL, 0, NULL, NULL},
};

const char *cli_default_db(void)
{
	const char *env = getenv("CAMAUDIT_DB");

	return env && *env ? env : CLI_DEFAULT_DB;
}

int cli_usage_error(const struct command *cmd, const char *fmt, ...)
{
	va_list ap;

	char message[512];

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	/* error() escapes what the user typed (a glob can expand to any name). */
	error("%s; see 'camaudit %s --help'", message, cmd->name);
	return EXIT_USAGE;
}

int cli_parse_time(const struct command *cmd, const char *option,
		   const char *arg, int64_t *ms)
{
	struct timespec now;
	const char *why;

	clock_gettime(CLOCK_REALTIME, &now);
	why = timefmt_parse_when(arg, (int64_t)now.tv_sec * 1000 +
				 now.tv_nsec / 1000000, ms);
	if (!why)
		return 0;
	cli_usage_error(cmd, "invalid time '%s' for --%s: %s; use "
			TIMEFMT_WHEN_FORMS, arg, option, why);
	return -1;
}

static size_t count_options(const struct cli_option *const *tables)
{
	size_t n = 0;

	for (; *tables; tables++)
		for (const struct cli_option *o = *tables; o->name; o++)
			n++;
	return n;
}

void cli_help(FILE *out, const struct command *cmd,
	      const struct cli_option *const *tables)
{
	fprintf(out, "usage: camaudit %s %s\n\n%s\n", cmd->name, cmd->usage,
		cmd->summary);
	if (cmd->details)
		fprintf(out, "\n%s\n", cmd->details);
	fputs("\noptions:\n", out);
	for (; *tables; tables++) {
		for (const struct cli_option *o = *tables; o->name; o++) {
			char left[64];

			if (o->key < OPT_LONG_ONLY)
				snprintf(left, sizeof(left), "-%c, --%s%s%s", o->key,
					 o->name, o->arg ? " " : "", o->arg ? o->arg : "");
			else
				snprintf(left, sizeof(left), "    --%s%s%s", o->name,
					 o->arg ? " " : "", o->arg ? o->arg : "");
			fprintf(out, "  %-24s %s\n", left, o->help);
		}
	}
	fputs("\nSee camaudit(1) for the full description.\n", out);
}

int cli_parse(int argc, char **argv, const struct command *cmd,
	      const struct cli_option *const *tables,
	      int (*handle)(int key, const char *arg, void *ctx), void *ctx)
{
	size_t n = count_options(tables), i = 0;
	struct option *longopts = xcalloc(n + 1, sizeof(*longopts));
	char *shortopts = xmalloc(2 * n + 2);
	size_t s = 0;
	int c, result = -1;

	shortopts[s++] = ':'; /* report a missing argument as ':' */
	for (const struct cli_option *const *t = tables; *t; t++) {
		for (const struct cli_option *o = *t; o->name; o++, i++) {
			longopts[i] = (struct option){o->name,
				o->arg ? required_argument : no_argument, NULL, o->key};
			if (o->key < OPT_LONG_ONLY) {
				shortopts[s++] = (char)o->key;
				if (o->arg)
					shortopts[s++] = ':';
			}
		}
	}
	shortopts[s] = '\0';

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (c == OPT_HELP) {
			cli_help(stdout, cmd, tables);
			result = -2;
			goto done;
		}
		if (c == '?') {
			const char *typed = argv[optind - 1];

			/* getopt sets optopt to a long option's key when it was
			 * given a value it does not take, and to 0 when the name is
			 * unknown or ambiguous. */
			if (!strncmp(typed, "--", 2) && optopt)
				cli_usage_error(cmd, "option '%.*s' takes no value",
						(int)strcspn(typed, "="), typed);
			else if (!strncmp(typed, "--", 2))
				cli_usage_error(cmd, "unknown option '%.*s'",
						(int)strcspn(typed, "="), typed);
			else
				cli_usage_error(cmd, "unknown option '-%c'", optopt);
			goto done;
		}
		if (c == ':') {
			cli_usage_error(cmd, "option '%s' needs a value",
					argv[optind - 1]);
			goto done;
		}
		if (handle(c, optarg, ctx))
			goto done;
	}
	result = optind;
done:
	free(longopts);
	free(shortopts);
	return result;
}

int cli_finish_output(void)
{
	static int reported;

	if (fflush(stdout) != 0 || ferror(stdout)) {
		/* main() checks again after the command: say it only once. */
		if (!reported++)
			error("writing standard output: %s", strerror(errno));
		return -1;
	}
	return 0;
}
