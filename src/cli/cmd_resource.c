/* vigilctl resource: act on one resource. Each verb is sent to vigild as
 * ["resource", VERB, RSC, (NODE)] with crmsh's aliases turned into the
 * canonical verb. */
#include "cli/cli.h"
#include "lib/util.h"

#define NODE_LIMIT "  NODE        only on this node (instances of a clone run on several)\n"

static const struct cli_verb verbs[] = {
	{ "start", NULL, "let the resource run (after stop)", "RSC [NODE]",
	  "Let RSC run again: its target role becomes Started, as crmsh's\n"
	  "'resource start'. For a promotable clone, instances may be promoted.\n"
	  "\n"
	  "  RSC         the resource (primitive, group or clone)\n" NODE_LIMIT,
	  1, 2, NULL, NULL, false, NULL, NULL },
	{ "stop", NULL, "stop the resource and keep it stopped",
	  "RSC [NODE]",
	  "Stop RSC and keep it stopped until 'vigilctl resource start': its\n"
	  "target role becomes Stopped, as crmsh's 'resource stop'. Resources that\n"
	  "depend on it (order and colocation constraints) stop first.\n"
	  "\n"
	  "  RSC         the resource (primitive, group or clone)\n" NODE_LIMIT,
	  1, 2, NULL, NULL, false, NULL, NULL },
	{ "restart", NULL, "stop the resource, then start it where it was", "RSC [NODE]",
	  "Stop RSC and start it again in place, with the resources that depend\n"
	  "on it.\n"
	  "\n"
	  "  RSC         the resource\n" NODE_LIMIT,
	  1, 2, NULL, NULL, false, NULL, NULL },
	{ "cleanup", NULL, "forget failures and fail counts, then re-probe", "RSC [NODE]",
	  "Forget RSC's failed operations and fail counts, and check again where\n"
	  "it runs (a probe), so the scheduler may place it where failures had\n"
	  "banned it. As crm_resource --cleanup.\n"
	  "\n"
	  "  RSC         the resource\n"
	  "  NODE        only the failures on this node\n",
	  1, 2, NULL, NULL, false, NULL, NULL },
	{ "failcount", NULL, "show the resource's fail counts", "RSC [NODE]",
	  "Show how many times RSC failed on each node (the fail count compared\n"
	  "with migration-threshold) and when it last failed.\n"
	  "\n"
	  "  RSC         the resource\n"
	  "  NODE        only the fail count on this node\n",
	  1, 2, NULL, NULL, false, NULL, NULL },
	{ "locate", NULL, "show the nodes where the resource runs", "RSC [NODE]",
	  "Print the nodes where RSC is running (and in which role), as\n"
	  "crm_resource --locate.\n"
	  "\n"
	  "  RSC         the resource\n"
	  "  NODE        only say whether it runs on this node\n",
	  1, 2, NULL, NULL, false, NULL, NULL },
	{ "move", NULL, "move the resource to a node (adds a constraint)", "RSC [NODE]",
	  "Move RSC to NODE by adding a location constraint that prefers NODE\n"
	  "(score INFINITY), as crm_resource --move. Without NODE, move it away\n"
	  "from the node where it runs (a -INFINITY constraint there). The\n"
	  "constraint stays until 'vigilctl resource clear RSC'.\n"
	  "\n"
	  "  RSC         the resource\n"
	  "  NODE        the node to move it to\n",
	  1, 2, NULL, NULL, false, NULL, NULL },
	{ "migrate", "move", "same as 'move' (crmsh)", "RSC [NODE]",
	  "Same as 'vigilctl resource move' (crmsh's older name).\n"
	  "\n"
	  "  RSC         the resource\n"
	  "  NODE        the node to move it to\n",
	  1, 2, NULL, NULL, false, NULL, NULL },
	{ "ban", NULL, "keep the resource off a node (adds a constraint)", "RSC [NODE]",
	  "Keep RSC off NODE with a location constraint of score -INFINITY, as\n"
	  "crm_resource --ban. Without NODE, ban it from the node where it runs.\n"
	  "The constraint stays until 'vigilctl resource clear RSC'.\n"
	  "\n"
	  "  RSC         the resource\n"
	  "  NODE        the node to keep it off\n",
	  1, 2, NULL, NULL, false, NULL, NULL },
	{ "clear", NULL, "remove the constraints added by move and ban", "RSC",
	  "Remove the location constraints that 'move' and 'ban' added for RSC,\n"
	  "as crm_resource --clear. The scheduler may then move it back.\n"
	  "\n"
	  "  RSC         the resource\n",
	  1, 1, NULL, NULL, false, NULL, NULL },
	{ "unmove", "clear", "same as 'clear' (crmsh)", "RSC",
	  "Same as 'vigilctl resource clear'.\n\n  RSC         the resource\n",
	  1, 1, NULL, NULL, false, NULL, NULL },
	{ "unmigrate", "clear", "same as 'clear' (crmsh)", "RSC",
	  "Same as 'vigilctl resource clear'.\n\n  RSC         the resource\n",
	  1, 1, NULL, NULL, false, NULL, NULL },
	{ "unban", "clear", "same as 'clear' (crmsh)", "RSC",
	  "Same as 'vigilctl resource clear'.\n\n  RSC         the resource\n",
	  1, 1, NULL, NULL, false, NULL, NULL },
};

int cmd_resource(const struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_run_group(ctx, "resource", "Act on one resource of the cluster.", verbs,
			     ARRAY_SIZE(verbs), argc, argv);
}
