/*
 * Option parsing from tables: each command lists its options once, and
 * getopt_long's arrays and the --help text are both built from that list.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "exitcode.h"
#include "timefmt.h"
#include "util.h"

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

/* The longest name a suggestion is computed for; longer is no typo. */
#define SUGGEST_MAX 64

/*
 * Edit distance where a swap of two neighbours counts one, as a slip of the
 * fingers does ("sicne"): the optimal string alignment distance.
 */
static size_t typo_distance(const char *a, size_t alen, const char *b,
			    size_t blen)
{
	size_t rows[3][SUGGEST_MAX + 1], *before = rows[0], *prev = rows[1],
	       *cur = rows[2];

	for (size_t j = 0; j <= blen; j++)
		prev[j] = j;
	for (size_t i = 1; i <= alen; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= blen; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t best = prev[j - 1] + cost;

			if (prev[j] + 1 < best)
				best = prev[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && before[j - 2] + 1 < best)
				best = before[j - 2] + 1;
			cur[j] = best;
		}
		size_t *oldest = before;

		before = prev, prev = cur, cur = oldest;
	}
	return prev[blen];
}

void cli_suggest(char *out, size_t size, const char *typed, size_t typed_len,
		 const char *prefix, const char *const *names, size_t count)
{
	size_t best = SIZE_MAX, used = 0;

	out[0] = '\0';
	if (typed_len == 0 || typed_len > SUGGEST_MAX || size < 32)
		return;
	/* Two passes: the smallest distance, then every name at it. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < count; i++) {
			size_t len = strlen(names[i]), d;

			if (len > SUGGEST_MAX)
				continue;
			d = typo_distance(typed, typed_len, names[i], len);
			/* Close enough: a third of the name, at least one edit. */
			if (d > (len / 3 ? len / 3 : 1))
				continue;
			if (pass == 0 && d < best)
				best = d;
			if (pass == 1 && d == best && used < size)
				used += (size_t)snprintf(out + used, size - used,
							 "%s'%s%s'", used ? " or " :
							 " (did you mean ", prefix,
							 names[i]);
		}
	}
	/* Cut short, the list still ends as a question. */
	if (used >= size)
		used = size - 3;
	if (used)
		snprintf(out + used, size - used, "?)");
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
		cmd->description ? cmd->description : cmd->summary);
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

/* Whether key is one of the n long options' keys. */
static int is_key(const struct option *longopts, size_t n, int key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (longopts[i].val == key)
			return 1;
	return 0;
}

/*
 * getopt_long refused the long option typed ("since=1" without "--"):
 * ambiguous (name the options it could be) or unknown (name the nearest).
 */
static void report_long_option(const struct command *cmd, const char *typed,
			       const struct option *longopts, size_t n)
{
	size_t len = strcspn(typed, "="), matches = 0;
	const char **names = xcalloc(n + 1, sizeof(*names));
	char list[256] = "", nearest[256];

	for (size_t i = 0, used = 0; i < n; i++) {
		names[i] = longopts[i].name;
		if (strncmp(names[i], typed, len))
			continue;
		if (used < sizeof(list))
			used += (size_t)snprintf(list + used, sizeof(list) - used,
						 "%s--%s", matches ? ", " : "",
						 names[i]);
		matches++;
	}
	if (matches > 1) {
		cli_usage_error(cmd, "ambiguous option '--%.*s' (could be %s)",
				(int)len, typed, list);
	} else {
		cli_suggest(nearest, sizeof(nearest), typed, len, "--", names, n);
		cli_usage_error(cmd, "unknown option '--%.*s'%s", (int)len, typed,
				nearest);
	}
	free(names);
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
	optind = 0; /* glibc's full restart, even after a stop inside a bundle */
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (c == OPT_HELP) {
			cli_help(stdout, cmd, tables);
			result = -2;
			goto done;
		}
		if (c == '?') {
			/*
			 * getopt sets optopt to a long option's key when it was
			 * given a value it does not take, to 0 when the name is
			 * unknown or ambiguous (in both, optind has passed the
			 * word), and to the letter when a short one is unknown
			 * (optind may still be on its bundle, so the word before
			 * is no guide).
			 */
			const char *typed = argv[optind - 1];

			if (optopt && is_key(longopts, n, optopt) &&
			    !strncmp(typed, "--", 2))
				cli_usage_error(cmd, "option '%.*s' takes no value",
						(int)strcspn(typed, "="), typed);
			else if (!optopt)
				report_long_option(cmd, typed + 2, longopts, n);
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
