/* vigilctl status, vigilctl history: what the cluster is doing, and what
 * it did. Both are answered by vigild as they are. */
#include <stdio.h>

#include "cli/cli.h"
#include "lib/util.h"

static const struct cli_verb status_verb = {
	.name = "status",
	.summary = "show nodes, resources and failures",
	.synopsis = "[--json]",
	.help = "Show the cluster as this node's vigild sees it: nodes and their states,\n"
		"where each resource runs, fail counts and failed operations.\n"
		"\n"
		"  --json      print a JSON document instead of text\n",
	.max_args = 0,
	.flags = "--json",
};

int cmd_status(const struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_run_verb(ctx, NULL, &status_verb, argc, argv);
}

static const char *history_check(const struct cli_args *a)
{
	long long n;

	if (a->npos && parse_int(a->pos[0], 1, 1000000, &n))
		return "N must be a positive number of events";
	return NULL;
}

static const struct cli_verb history_verb = {
	.name = "history",
	.summary = "show the cluster's recent events",
	.synopsis = "[--json] [N]",
	.help = "Show the cluster's recent events, oldest first: operations run on each\n"
		"node with their results, node joins and losses, fencing, configuration\n"
		"changes.\n"
		"\n"
		"  N           show the last N events (vigild's default when omitted)\n"
		"  --json      print a JSON document instead of text\n",
	.max_args = 1,
	.flags = "--json",
	.check = history_check,
};

int cmd_history(const struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_run_verb(ctx, NULL, &history_verb, argc, argv);
}
