/* vigilctl: the Vigil command line. A small dispatcher: each subcommand
 * lives in its own cmd_*.c and registers here. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

struct cli_command {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
};

static const struct cli_command commands[] = {
	{ "simulate", "compute the scheduler's decisions for a configuration", cmd_simulate },
};

static void usage(FILE *out)
{
	fputs("Usage: vigilctl COMMAND [OPTIONS]\n\nCommands:\n", out);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\nRun 'vigilctl COMMAND --help' for a command's options.\n", out);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CLI_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return CLI_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "vigilctl: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return CLI_USAGE;
}
