/* cli: vigilctl subcommands. Each takes its own argv (argv[0] is the
 * subcommand name) and returns the process exit code. */
#ifndef VIGIL_CLI_H
#define VIGIL_CLI_H

#include <stdio.h>

/* Exit codes, one table for every subcommand. */
enum cli_exit {
	CLI_OK = 0,
	CLI_ERROR = 1,       /* the command ran and failed (bad input file) */
	CLI_USAGE = 2,       /* bad command line */
};

int cmd_simulate(int argc, char **argv);
void cmd_simulate_usage(FILE *out);

#endif
