/*
 * camaudit: find cached camera frames delivered to the wrong account.
 * This file holds the command table and dispatches to cmd_NAME.c.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "exitcode.h"
#include "util.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{"ingest", cmd_ingest, "load relay, cache and registry logs into the store"},
	{"audit", cmd_audit, "correlate the store and print cross-tenant deliveries"},
	{"scan", cmd_scan, "ingest files into a temporary store and audit them"},
	{"explain", cmd_explain, "show the evidence behind the verdict on one serve"},
	{"report", cmd_report, "write the incident report: who saw whose frames, when"},
	{"status", cmd_status, "show sources, time spans and coverage gaps of the store"},
	{"export", cmd_export, "stream the store's events as NDJSON or CSV"},
	{"prune", cmd_prune, "drop old events from the store"},
	{"check", cmd_check, "judge every serve again and compare with the stored verdicts"},
	{"formats", cmd_formats, "list, show and test the input formats"},
};

static void usage(FILE *out)
{
	size_t i;

	fputs("usage: camaudit [--version] [--help] COMMAND [ARGS]\n\n"
	      "Find cached camera frames that a relay delivered to the wrong\n"
	      "account, from relay, cache and registry logs.\n\ncommands:\n", out);
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fputs("\n'camaudit COMMAND --help' shows a command's options; "
	      "camaudit(1) has the rest.\n", out);
}

/* An unknown command or global option, with the nearest name if one is near. */
static int unknown(const char *what, const char *typed, const char *prefix,
		   const char *const *names, size_t count)
{
	size_t skip = strncmp(typed, prefix, strlen(prefix)) ? 0 : strlen(prefix);
	char nearest[128];

	cli_suggest(nearest, sizeof(nearest), typed + skip, strlen(typed + skip),
		    prefix, names, count);
	error("unknown %s '%s'%s; see 'camaudit --help'", what, typed, nearest);
	return EXIT_USAGE;
}

static int run_command(const char *name, int argc, char **argv)
{
	const char *names[ARRAY_SIZE(commands)];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		if (!strcmp(commands[i].name, name))
			return commands[i].fn(argc, argv);
		names[i] = commands[i].name;
	}
	return unknown("command", name, "", names, ARRAY_SIZE(names));
}

int main(int argc, char **argv)
{
	const char *arg = argc > 1 ? argv[1] : NULL;
	int status;

	if (!arg) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
		usage(stdout);
		status = EXIT_CLEAN;
	} else if (!strcmp(arg, "--version") || !strcmp(arg, "-V")) {
		printf("camaudit %s\n", PACKAGE_VERSION);
		status = EXIT_CLEAN;
	} else if (!strcmp(arg, "help")) {
		/* "camaudit help audit" is "camaudit audit --help". */
		char *help_argv[] = {argc > 2 ? argv[2] : NULL, "--help", NULL};

		if (argc < 3) {
			usage(stdout);
			return cli_finish_output() ? EXIT_INCOMPLETE : EXIT_CLEAN;
		}
		status = run_command(argv[2], 2, help_argv);
	} else if (arg[0] == '-') {
		static const char *const global[] = {"help", "version"};

		return unknown("option", arg, "--", global, ARRAY_SIZE(global));
	} else {
		status = run_command(arg, argc - 1, argv + 1);
	}
	if (cli_finish_output() && status != EXIT_USAGE)
		status = EXIT_INCOMPLETE;
	return status;
}
