/* vigilctl node: node states and node attributes, sent to vigild as
 * typed (["node", VERB, ...]). */
#include "cli/cli.h"
#include "lib/util.h"

static const char *attribute_check(const struct cli_args *a)
{
	if (cli_has_opt(a, "--delete") && a->npos == 3)
		return "give either VALUE or --delete";
	return NULL;
}

#define NODE_DEFAULT "  NODE        the node (default: this node)\n"

static const struct cli_verb verbs[] = {
	{ "standby", NULL, "move every resource off the node and keep them off", "[NODE]",
	  "Put NODE in standby: its resources move to other nodes and none may\n"
	  "run there until 'vigilctl node online'. The node stays a cluster\n"
	  "member (it votes and can be fenced).\n"
	  "\n" NODE_DEFAULT,
	  0, 1, NULL, NULL, false, NULL, NULL },
	{ "online", NULL, "end standby: resources may run on the node again", "[NODE]",
	  "End NODE's standby: resources may be placed there again.\n"
	  "\n" NODE_DEFAULT,
	  0, 1, NULL, NULL, false, NULL, NULL },
	{ "maintenance", NULL, "stop managing the node's resources (they keep running)",
	  "[NODE]",
	  "Put NODE in maintenance: vigild stops monitoring, starting and stopping\n"
	  "the resources on it, which keep running as they are, until\n"
	  "'vigilctl node ready'.\n"
	  "\n" NODE_DEFAULT,
	  0, 1, NULL, NULL, false, NULL, NULL },
	{ "ready", NULL, "end maintenance: manage the node's resources again", "[NODE]",
	  "End NODE's maintenance: its resources are probed and managed again.\n"
	  "\n" NODE_DEFAULT,
	  0, 1, NULL, NULL, false, NULL, NULL },
	{ "attribute", NULL, "show, set or delete a permanent node attribute",
	  "NODE NAME [VALUE | --delete]",
	  "Show, set or delete the node attribute NAME of NODE (a permanent\n"
	  "attribute, kept across reboots, as crm_attribute -l forever). Location\n"
	  "rules read node attributes.\n"
	  "\n"
	  "  NODE        the node\n"
	  "  NAME        the attribute's name\n"
	  "  VALUE       set the attribute to VALUE; without it, print its value\n"
	  "  --delete    delete the attribute\n",
	  2, 3, "--delete", NULL, true, attribute_check, NULL },
	{ "list", NULL, "list the cluster's nodes and their states", "",
	  "List the cluster's nodes: id, name and state, one per line.\n",
	  0, 0, NULL, NULL, false, NULL, NULL },
	{ "name", NULL, "print this node's name in the cluster", "",
	  "Print the name under which this node is known to the cluster.\n",
	  0, 0, NULL, NULL, false, NULL, NULL },
};

int cmd_node(const struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_run_group(ctx, "node", "Node states and node attributes.", verbs,
			     ARRAY_SIZE(verbs), argc, argv);
}
