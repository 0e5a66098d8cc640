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

static int cmd_help(int argc, char **argv);

static const struct cli_option help_options[] = {
	{"help", OPT_HELP, NULL, "show this help and exit"},
	{NULL, 0, NULL, NULL},
};

static const struct cli_option *const help_option_tables[] = {help_options, NULL};

static const struct command help_command = {
	.name = "help",
	.fn = cmd_help,
	.summary = "show this list, or a command's help (help COMMAND)",
	.description =
	"Show the list of commands, or the help of one command (the same as\n"
	"'camaudit COMMAND --help').",
	.usage = "[COMMAND]",
	.options = help_option_tables,
};

/* The commands, in the order "camaudit --help" lists them. */
static const struct command *const commands[] = {
	&ingest_command, &audit_command, &scan_command, &explain_command,
	&report_command, &status_command, &export_command, &normalize_command,
	&prune_command, &check_command, &formats_command, &help_command,
};

static void usage(FILE *out)
{
	size_t i, width = 0;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (strlen(commands[i]->name) > width)
			width = strlen(commands[i]->name);
	fputs("usage: camaudit [--version] [--help] COMMAND [ARGS]\n\n"
	      "Find cached camera frames that a relay delivered to the wrong\n"
	      "account, from relay, cache and registry logs.\n\ncommands:\n", out);
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-*s %s\n", (int)width, commands[i]->name,
			commands[i]->summary);
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
		if (!strcmp(commands[i]->name, name))
			return commands[i]->fn(argc, argv);
		names[i] = commands[i]->name;
	}
	return unknown("command", name, "", names, ARRAY_SIZE(names));
}

static int ignore_option(int key, const char *arg, void *ctx)
{
	(void)key, (void)arg, (void)ctx;
	return 0;
}

static int cmd_help(int argc, char **argv)
{
	int first, status;

	if ((first = command_parse(&help_command, argc, argv, ignore_option, NULL,
				   &status)) < 0)
		return status;
	if (argc - first > 1)
		return cli_usage_error(&help_command, "unexpected argument '%s'",
				       argv[first + 1]);
	if (first == argc) {
		usage(stdout);
		return EXIT_CLEAN;
	}
	/* "camaudit help audit" is "camaudit audit --help". */
	return run_command(argv[first], 2, (char *[]){argv[first], "--help", NULL});
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
