/* vigilctl: the Vigil command line. A small dispatcher: each subcommand
 * lives in its own cmd_*.c and registers here. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/util.h"

struct cli_command {
	const char *name;
	const char *summary;
	int (*run)(const struct cli_ctx *ctx, int argc, char **argv);
};

static const struct cli_command commands[] = {
	{ "status", "show nodes, resources and failures", cmd_status },
	{ "configure", "show, load, verify or edit the cluster configuration", cmd_configure },
	{ "resource", "start, stop, move, ban or clean up a resource", cmd_resource },
	{ "node", "put a node in standby or maintenance, set node attributes", cmd_node },
	{ "history", "show the cluster's recent events", cmd_history },
	{ "simulate", "compute the scheduler's decisions for a configuration", cmd_simulate },
};

static void usage(FILE *out)
{
	fputs("Usage: vigilctl [--socket PATH] COMMAND [ARGUMENTS]\n"
	      "\n"
	      "Control vigild, the Vigil cluster resource manager, through its local\n"
	      "socket.\n"
	      "\n"
	      "Commands:\n", out);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\n"
	      "Options:\n"
	      "  --socket PATH  vigild's socket (default: $VIGIL_SOCKET, else\n"
	      "                 " CLI_DEFAULT_SOCKET ")\n"
	      "  -h, --help     this help\n"
	      "\n"
	      "Exit status: 0 success, 1 the command failed (vigild refused it),\n"
	      "2 usage error, 3 vigild unreachable, 4 permission denied.\n"
	      "\n"
	      "Run 'vigilctl COMMAND --help' for a command's arguments.\n", out);
}

int main(int argc, char **argv)
{
	const char *socket_opt = NULL;
	struct cli_ctx ctx;
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return CLI_OK;
		} else if (!strcmp(argv[i], "--socket")) {
			if (i + 1 == argc || !*argv[i + 1]) {
				fputs("vigilctl: --socket needs a path\n", stderr);
				usage(stderr);
				return CLI_USAGE;
			}
			socket_opt = argv[++i];
		} else if (str_starts_with(argv[i], "--socket=") && argv[i][9]) {
			socket_opt = argv[i] + 9;
		} else {
			fprintf(stderr, "vigilctl: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return CLI_USAGE;
		}
	}
	if (i == argc) {
		usage(stderr);
		return CLI_USAGE;
	}
	if (!strcmp(argv[i], "help")) {
		usage(stdout);
		return CLI_OK;
	}
	ctx.socket = cli_socket_path(socket_opt);
	for (size_t c = 0; c < ARRAY_SIZE(commands); c++)
		if (!strcmp(argv[i], commands[c].name))
			return commands[c].run(&ctx, argc - i, argv + i);
	{
		const char *names[ARRAY_SIZE(commands) + 1];
		const char *near;

		for (size_t c = 0; c < ARRAY_SIZE(commands); c++)
			names[c] = commands[c].name;
		names[ARRAY_SIZE(commands)] = NULL;
		near = suggest_word(argv[i], names);
		fprintf(stderr, "vigilctl: unknown command '%s'%s%s%s\n", argv[i],
			near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
	}
	usage(stderr);
	return CLI_USAGE;
}
