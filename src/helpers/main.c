/* vigil-helper: the Pacemaker commands OCF resource agents call, answered
 * by vigild. One binary, linked as crm_attribute, crm_master, crm_node,
 * attrd_updater and crm_resource (build/helpers/), dispatched on the name
 * it was run under; `vigil-helper NAME ARGS...` works too.
 *
 * vigild runs agents with PATH and HA_SBIN_DIR pointing at these links and
 * VIGIL_SOCKET set. Each helper implements the options agents use, with
 * Pacemaker's output and exit codes, and sends one of vigild's internal
 * requests:
 *
 *   attribute update NODE NAME VALUE LIFETIME    (LIFETIME: reboot|forever)
 *   attribute query NODE NAME LIFETIME           stdout: VALUE; code 5: unset
 *   attribute delete NODE NAME LIFETIME
 *   node name                                    stdout: NAME
 *   node list                                    stdout: "ID NAME STATE" lines
 *   resource locate RSC                          stdout: "resource RSC is running
 *                                                on: NODE..." or "NODE [ROLE]" lines
 *
 * vigild's reply code 5 (no such node, attribute or resource) becomes
 * Pacemaker's CRM_EX_NOSUCH (105).
 *
 * Where Vigil does not do what Pacemaker does, the helper says so and exits
 * with CRM_EX_UNIMPLEMENT_FEATURE (3); an unknown option is a usage error
 * (64). Nothing is ignored silently except options that change nothing
 * here (verbosity, attribute ids and sets, attrd's dampening delay).
 */
#include <ctype.h>
#include <getopt.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/util.h"

/* Pacemaker's exit codes (include/crm/common/results.h). */
enum crm_exit {
	CRM_EX_OK = 0,
	CRM_EX_ERROR = 1,
	CRM_EX_UNIMPLEMENT_FEATURE = 3,
	CRM_EX_INSUFFICIENT_PRIV = 4,
	CRM_EX_USAGE = 64,
	CRM_EX_UNAVAILABLE = 69,
	CRM_EX_NOSUCH = 105,
};

#define VIGIL_HELPER_VERSION "0.1.0"

struct helper_ctx {
	const char *prog;    /* the name we run under: "crm_attribute" */
	const char *socket;  /* vigild's socket */
};

/* vigild's reply code -> Pacemaker's exit code. */
static int crm_exit_of(int code)
{
	switch (code) {
	case CLI_OK: return CRM_EX_OK;
	case CLI_USAGE: return CRM_EX_USAGE;
	case CLI_DENIED: return CRM_EX_INSUFFICIENT_PRIV;
	case CLI_NOSUCH: return CRM_EX_NOSUCH;
	default: return CRM_EX_ERROR;
	}
}

/* One request to vigild. Returns 0 with the reply in *rep, or prints why
 * vigild could not answer and returns the exit code. */
static int call(const struct helper_ctx *h, struct cli_reply *rep, int argc, char **argv)
{
	char err[512];
	int rc = cli_request(h->socket, argc, argv, rep, err, sizeof(err));

	if (!rc)
		return 0;
	fprintf(stderr, "%s: %s\n", h->prog, err);
	return rc == CLI_DENIED ? CRM_EX_INSUFFICIENT_PRIV : CRM_EX_UNAVAILABLE;
}

/* Strip one trailing newline: replies are lines. */
static void chomp(char *s)
{
	size_t n = strlen(s);

	if (n && s[n - 1] == '\n')
		s[n - 1] = 0;
}

/* A request whose reply is just passed on: its texts printed, its code
 * mapped. */
static int call_simple(const struct helper_ctx *h, int argc, char **argv)
{
	struct cli_reply rep;
	int rc = call(h, &rep, argc, argv);

	if (rc)
		return rc;
	fputs(rep.out, stdout);
	fputs(rep.err, stderr);
	rc = crm_exit_of(rep.code);
	cli_reply_free(&rep);
	return rc;
}

/* This node's name, from vigild (from malloc() in *name). */
static int local_node(const struct helper_ctx *h, char **name)
{
	struct cli_reply rep;
	int rc = call(h, &rep, 2, (char *[]){ "node", "name" });

	if (rc)
		return rc;
	if (rep.code || !*rep.out) {
		fputs(rep.err, stderr);
		rc = rep.code ? crm_exit_of(rep.code) : CRM_EX_ERROR;
		if (!rep.code)
			fprintf(stderr, "%s: vigild did not say this node's name\n", h->prog);
		cli_reply_free(&rep);
		return rc;
	}
	chomp(rep.out);
	*name = rep.out;
	rep.out = NULL;
	cli_reply_free(&rep);
	return 0;
}

/* --- Nodes -------------------------------------------------------------- */

struct node_ent {
	long long id;
	const char *name;    /* points into the reply */
	bool member;
};

/* Parse `node list`: "ID NAME STATE" lines. Lines without an id get their
 * position as id, a missing state means member; states other than
 * member/online/standby/maintenance count as lost. Returns the count; the
 * entries point into `text`, which is modified. */
static int parse_node_list(char *text, struct node_ent *nodes, int max)
{
	char *save = NULL;
	int n = 0;

	for (char *line = strtok_r(text, "\n", &save); line && n < max;
	     line = strtok_r(NULL, "\n", &save)) {
		char *tsave = NULL, *tok[3] = { NULL, NULL, NULL };
		int nt = 0, k = 0;
		long long id;
		const char *state;

		for (char *t = strtok_r(line, " \t", &tsave); t && nt < 3; t = strtok_r(NULL, " \t", &tsave))
			tok[nt++] = t;
		if (!nt)
			continue;
		if (nt >= 2 && !parse_int(tok[0], 0, 1LL << 62, &id)) {
			k = 1;
		} else {
			id = n + 1;
		}
		nodes[n].id = id;
		nodes[n].name = tok[k];
		state = tok[k + 1];
		nodes[n].member = !state || !strcmp(state, "member") || !strcmp(state, "online") ||
				  !strcmp(state, "standby") || !strcmp(state, "maintenance");
		n++;
	}
	return n;
}

#define MAX_NODES 256

static int node_list(const struct helper_ctx *h, struct cli_reply *rep, struct node_ent *nodes,
		     int *n)
{
	int rc = call(h, rep, 2, (char *[]){ "node", "list" });

	if (rc)
		return rc;
	if (rep->code) {
		fputs(rep->err, stderr);
		rc = crm_exit_of(rep->code);
		cli_reply_free(rep);
		return rc;
	}
	*n = parse_node_list(rep->out, nodes, MAX_NODES);
	return 0;
}

/* --- Attributes --------------------------------------------------------- */

enum attr_style { STYLE_CRM_ATTRIBUTE, STYLE_ATTRD };

struct attr_op {
	char cmd;               /* 'G' query, 'v' update, 'D' delete */
	const char *name;
	const char *value;      /* with 'v' */
	const char *node;       /* NULL: this node */
	const char *lifetime;   /* "reboot" or "forever" */
	const char *dflt;       /* printed by a query when the attribute is unset */
	bool quiet;             /* print only the value */
	bool all_nodes;         /* attrd_updater -A */
	enum attr_style style;
};

static void print_value(const struct attr_op *op, const char *node, const char *value)
{
	if (op->quiet)
		printf("%s\n", value);
	else if (op->style == STYLE_ATTRD)
		printf("name=\"%s\" host=\"%s\" value=\"%s\"\n", op->name, node, value);
	else
		printf("scope=%s  name=%s value=%s\n",
		       strcmp(op->lifetime, "reboot") ? "nodes" : "status", op->name, value);
}

/* Query NAME on one node: 0 printed, CRM_EX_NOSUCH unset (nothing
 * printed), other codes printed. */
static int query_one(const struct helper_ctx *h, const struct attr_op *op, const char *node)
{
	struct cli_reply rep;
	int rc = call(h, &rep, 5,
		      (char *[]){ "attribute", "query", (char *)node, (char *)op->name,
				  (char *)op->lifetime });

	if (rc)
		return rc;
	if (rep.code == CLI_OK) {
		chomp(rep.out);
		print_value(op, node, rep.out);
	} else if (rep.code == CLI_NOSUCH) {
		rc = CRM_EX_NOSUCH;
	} else {
		fputs(rep.err, stderr);
		rc = crm_exit_of(rep.code);
	}
	cli_reply_free(&rep);
	return rc;
}

static void print_unset(const struct helper_ctx *h, const struct attr_op *op)
{
	if (op->style == STYLE_ATTRD)
		fprintf(stderr, "%s: Could not query value of %s: attribute does not exist\n", h->prog,
			op->name);
	else
		fprintf(stderr, "%s: Error performing operation: No such device or address\n",
			h->prog);
}

static int query_all(const struct helper_ctx *h, const struct attr_op *op)
{
	struct node_ent nodes[MAX_NODES];
	struct cli_reply rep;
	int n, rc, found = 0;

	rc = node_list(h, &rep, nodes, &n);
	if (rc)
		return rc;
	for (int i = 0; i < n && !rc; i++) {
		int r = query_one(h, op, nodes[i].name);

		if (r == CRM_EX_OK)
			found++;
		else if (r != CRM_EX_NOSUCH)
			rc = r;
	}
	cli_reply_free(&rep);
	if (!rc && !found) {
		print_unset(h, op);
		rc = CRM_EX_NOSUCH;
	}
	return rc;
}

static int attr_run(const struct helper_ctx *h, const struct attr_op *op)
{
	char *local = NULL;
	const char *node = op->node;
	int rc;

	if (op->cmd == 'G' && op->all_nodes && !op->node)
		return query_all(h, op);
	if (!node) {
		rc = local_node(h, &local);
		if (rc)
			return rc;
		node = local;
	}
	switch (op->cmd) {
	case 'v':
		rc = call_simple(h, 6,
				 (char *[]){ "attribute", "update", (char *)node, (char *)op->name,
					     (char *)op->value, (char *)op->lifetime });
		break;
	case 'D':
		rc = call_simple(h, 5,
				 (char *[]){ "attribute", "delete", (char *)node, (char *)op->name,
					     (char *)op->lifetime });
		break;
	default:
		rc = query_one(h, op, node);
		if (rc == CRM_EX_NOSUCH && op->dflt) {
			print_value(op, node, op->dflt);
			rc = CRM_EX_OK;
		} else if (rc == CRM_EX_NOSUCH) {
			print_unset(h, op);
		}
		break;
	}
	free(local);
	return rc;
}

/* "master-RSC" for a promotion score: RSC given, else the agent's
 * OCF_RESOURCE_INSTANCE, without a clone instance suffix (":1"). */
static char *promotion_name(const char *rsc)
{
	const char *colon;
	size_t len;

	if (!rsc || !*rsc)
		rsc = getenv("OCF_RESOURCE_INSTANCE");
	if (!rsc || !*rsc)
		return NULL;
	len = strlen(rsc);
	colon = strrchr(rsc, ':');
	if (colon && colon[1] && strspn(colon + 1, "0123456789") == strlen(colon + 1))
		len = (size_t)(colon - rsc);
	return xasprintf("master-%.*s", (int)len, rsc);
}

static int usage_error(const struct helper_ctx *h, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int usage_error(const struct helper_ctx *h, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", h->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nRun '%s --help' for the options Vigil supports.\n", h->prog);
	return CRM_EX_USAGE;
}

/* A Pacemaker feature Vigil does not have: say so, exit 3. */
static int unsupported(const struct helper_ctx *h, const char *what, const char *hint)
{
	fprintf(stderr, "%s: %s is not supported by Vigil%s%s%s\n", h->prog, what,
		hint ? " (" : "", hint ? hint : "", hint ? ")" : "");
	return CRM_EX_UNIMPLEMENT_FEATURE;
}

/* getopt_long's complaint about argv[optind - 1], as a usage error. */
static int bad_option(const struct helper_ctx *h, char **argv, int opt)
{
	if (opt == ':')
		return usage_error(h, "option '%s' needs a value", argv[optind - 1]);
	return usage_error(h, "unknown option '%s'", argv[optind - 1]);
}

static void version(const struct helper_ctx *h)
{
	printf("%s (Vigil " VIGIL_HELPER_VERSION "): Pacemaker's command for resource agents, "
	       "answered by vigild\n", h->prog);
}

/* --- crm_attribute ------------------------------------------------------ */

static void crm_attribute_usage(FILE *out)
{
	fputs("Usage: crm_attribute -n NAME [-N NODE] [-l reboot|forever] [-G|-v VALUE|-D] [OPTIONS]\n"
	      "       crm_attribute -p [RSC] [-G|-v VALUE|-D] [OPTIONS]\n"
	      "\n"
	      "Query and update node attributes, through vigild (Vigil's version of\n"
	      "Pacemaker's crm_attribute, for resource agents).\n"
	      "\n"
	      "  -n, --name NAME          the attribute\n"
	      "  -p, --promotion[=RSC]    the promotion score of RSC (master-RSC; RSC defaults\n"
	      "                           to $OCF_RESOURCE_INSTANCE without its :N suffix);\n"
	      "                           lifetime reboot unless -l says otherwise\n"
	      "  -G, --query              print the value (the default command)\n"
	      "  -v, --update VALUE       set the value\n"
	      "  -D, --delete             delete the attribute\n"
	      "  -N, --node NODE          the node (default: this node)\n"
	      "  -l, --lifetime LIFETIME  reboot (transient) or forever (permanent)\n"
	      "  -t, --type status|nodes  same as -l reboot / -l forever\n"
	      "  -q, --quiet              print only the value\n"
	      "  -d, --default VALUE      print VALUE when the attribute is not set\n"
	      "  -i, --id ID, -s, --set-name SET  accepted and ignored\n"
	      "  -V, --verbose            accepted and ignored\n"
	      "  -h, --help               this help\n"
	      "\n"
	      "Without -N, -l, -t or -p, Pacemaker's crm_attribute works on cluster\n"
	      "options: Vigil keeps those in its configuration (vigilctl configure), so\n"
	      "that, -t crm_config|rsc_defaults|op_defaults|tickets, -z and -P are\n"
	      "refused with exit status 3.\n"
	      "Exit status: 0 ok, 105 attribute not set, 64 usage, 69 vigild unreachable.\n",
	      out);
}

/* Options shared by crm_attribute and crm_master, applied to `op`. */
static int lifetime_arg(const struct helper_ctx *h, struct attr_op *op, const char *arg)
{
	if (!strcmp(arg, "reboot") || !strcmp(arg, "forever")) {
		op->lifetime = arg;
		return 0;
	}
	return usage_error(h, "unknown value for --lifetime: '%s' (reboot or forever)", arg);
}

static int crm_attribute_main(const struct helper_ctx *h, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "promotion", optional_argument, NULL, 'p' },
		{ "query", no_argument, NULL, 'G' },
		{ "get-value", no_argument, NULL, 'G' },
		{ "update", required_argument, NULL, 'v' },
		{ "attr-value", required_argument, NULL, 'v' },
		{ "delete", no_argument, NULL, 'D' },
		{ "delete-attr", no_argument, NULL, 'D' },
		{ "node", required_argument, NULL, 'N' },
		{ "uname", required_argument, NULL, 'U' },
		{ "lifetime", required_argument, NULL, 'l' },
		{ "type", required_argument, NULL, 't' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "default", required_argument, NULL, 'd' },
		{ "id", required_argument, NULL, 'i' },
		{ "attr-id", required_argument, NULL, 'i' },
		{ "set-name", required_argument, NULL, 's' },
		{ "utilization", no_argument, NULL, 'z' },
		{ "pattern", required_argument, NULL, 'P' },
		{ "verbose", no_argument, NULL, 'V' },
		{ "version", no_argument, NULL, '$' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct attr_op op = { .cmd = 'G', .style = STYLE_CRM_ATTRIBUTE };
	char *promo = NULL;
	bool promotion = false;
	const char *promo_rsc = NULL;
	int opt, rc;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":n:p::Gv:DN:U:l:t:qd:i:s:zP:V$h", opts, NULL)) != -1) {
		switch (opt) {
		case 'n': op.name = optarg; break;
		case 'p': promotion = true; promo_rsc = optarg; break;
		case 'G': case 'D': op.cmd = (char)opt; break;
		case 'v': op.cmd = 'v'; op.value = optarg; break;
		case 'N': case 'U': op.node = optarg; break;
		case 'l':
			if ((rc = lifetime_arg(h, &op, optarg)))
				return rc;
			break;
		case 't':
			if (!strcmp(optarg, "status") || !strcmp(optarg, "reboot"))
				op.lifetime = "reboot";
			else if (!strcmp(optarg, "nodes") || !strcmp(optarg, "forever"))
				op.lifetime = "forever";
			else if (!strcmp(optarg, "crm_config") || !strcmp(optarg, "rsc_defaults") ||
				 !strcmp(optarg, "op_defaults") || !strcmp(optarg, "tickets"))
				return unsupported(h, "--type crm_config|rsc_defaults|op_defaults|tickets",
						   "cluster options are set with vigilctl configure");
			else
				return usage_error(h, "unknown --type '%s'", optarg);
			break;
		case 'q': op.quiet = true; break;
		case 'd': op.dflt = optarg; break;
		case 'i': case 's': case 'V': break;
		case 'z': return unsupported(h, "--utilization", NULL);
		case 'P': return unsupported(h, "--pattern", NULL);
		case '$': version(h); return CRM_EX_OK;
		case 'h': crm_attribute_usage(stdout); return CRM_EX_OK;
		default: return bad_option(h, argv, opt);
		}
	}
	if (optind < argc)
		return usage_error(h, "unexpected argument '%s'", argv[optind]);
	if (promotion) {
		promo = promotion_name(promo_rsc);
		if (!promo)
			return usage_error(h, "%s", "--promotion needs a resource: none given and "
					   "OCF_RESOURCE_INSTANCE is not set");
		op.name = promo;
		if (!op.lifetime)
			op.lifetime = "reboot";
	}
	if (!op.name) {
		rc = usage_error(h, "%s", "-n NAME is required (Vigil does not list attributes)");
		goto out;
	}
	if (!op.lifetime && !op.node) {
		rc = unsupported(h, "a cluster option (no -N, -l, -t or -p)",
				 "use vigilctl configure; for a node attribute give -l reboot|forever");
		goto out;
	}
	if (!op.lifetime)
		op.lifetime = "forever";   /* -N alone: a permanent node attribute */
	rc = attr_run(h, &op);
out:
	free(promo);
	return rc;
}

/* --- crm_master --------------------------------------------------------- */

static void crm_master_usage(FILE *out)
{
	fputs("Usage: crm_master [-G|-v VALUE|-D] [-r RSC] [-N NODE] [-l reboot|forever] [-q]\n"
	      "\n"
	      "Query, update or delete a resource's promotion score (deprecated in\n"
	      "Pacemaker for crm_attribute --promotion, which it is the same as here).\n"
	      "\n"
	      "  -G, --query              print the score (the default command)\n"
	      "  -v, --update VALUE       set the score\n"
	      "  -D, --delete             delete the score\n"
	      "  -r, --resource RSC       the resource (default: $OCF_RESOURCE_INSTANCE,\n"
	      "                           without its :N suffix)\n"
	      "  -N, --node NODE          the node (default: this node)\n"
	      "  -l, --lifetime LIFETIME  reboot (the default) or forever\n"
	      "  -q, --quiet              print only the value\n"
	      "  -i, --id ID, -V          accepted and ignored\n"
	      "  -h, --help               this help\n", out);
}

static int crm_master_main(const struct helper_ctx *h, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "query", no_argument, NULL, 'G' },
		{ "get-value", no_argument, NULL, 'G' },
		{ "update", required_argument, NULL, 'v' },
		{ "attr-value", required_argument, NULL, 'v' },
		{ "delete", no_argument, NULL, 'D' },
		{ "delete-attr", no_argument, NULL, 'D' },
		{ "node", required_argument, NULL, 'N' },
		{ "uname", required_argument, NULL, 'U' },
		{ "lifetime", required_argument, NULL, 'l' },
		{ "resource", required_argument, NULL, 'r' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "id", required_argument, NULL, 'i' },
		{ "attr-id", required_argument, NULL, 'i' },
		{ "verbose", no_argument, NULL, 'V' },
		{ "version", no_argument, NULL, '$' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct attr_op op = { .cmd = 'G', .lifetime = "reboot", .style = STYLE_CRM_ATTRIBUTE };
	const char *rsc = NULL;
	char *name;
	int opt, rc;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":GQv:DN:U:l:r:qi:V$h", opts, NULL)) != -1) {
		switch (opt) {
		case 'G': case 'Q': op.cmd = 'G'; break;
		case 'D': op.cmd = 'D'; break;
		case 'v': op.cmd = 'v'; op.value = optarg; break;
		case 'N': case 'U': op.node = optarg; break;
		case 'l':
			if ((rc = lifetime_arg(h, &op, optarg)))
				return rc;
			break;
		case 'r': rsc = optarg; break;
		case 'q': op.quiet = true; break;
		case 'i': case 'V': break;
		case '$': version(h); return CRM_EX_OK;
		case 'h': crm_master_usage(stdout); return CRM_EX_OK;
		default: return bad_option(h, argv, opt);
		}
	}
	if (optind < argc)
		return usage_error(h, "unexpected argument '%s'", argv[optind]);
	name = promotion_name(rsc);
	if (!name)
		return usage_error(h, "%s", "no resource specified (-r RSC or OCF_RESOURCE_INSTANCE)");
	op.name = name;
	rc = attr_run(h, &op);
	free(name);
	return rc;
}

/* --- attrd_updater ------------------------------------------------------ */

static void attrd_updater_usage(FILE *out)
{
	fputs("Usage: attrd_updater -n NAME (-U VALUE | -Q | -D) [-N NODE] [-A] [-q]\n"
	      "\n"
	      "Query and update transient node attributes (lifetime reboot), through\n"
	      "vigild (Vigil's version of Pacemaker's attrd_updater).\n"
	      "\n"
	      "  -n, --name NAME          the attribute\n"
	      "  -U, --update VALUE       set the value (also -v)\n"
	      "  -B, --update-both VALUE  set the value (the delay is not used)\n"
	      "  -Y, --update-delay       accepted: Vigil writes attributes at once\n"
	      "  -Q, --query              print name=\"NAME\" host=\"NODE\" value=\"VALUE\"\n"
	      "  -D, --delete             delete the attribute\n"
	      "  -R, --refresh            accepted: nothing to resend\n"
	      "  -N, --node NODE          the node (default: this node)\n"
	      "  -A, --all                query every node\n"
	      "  -q, --quiet              print only the value\n"
	      "  -d, --delay SECONDS      accepted and ignored: no dampening, updates\n"
	      "                           apply at once\n"
	      "  -p, --private, -s, --set SET, -l, --lifetime L, -S SECTION, -V\n"
	      "                           accepted and ignored\n"
	      "  -h, --help               this help\n"
	      "\n"
	      "Exit status: 0 ok, 105 attribute not set, 64 usage, 69 vigild unreachable.\n",
	      out);
}

static int attrd_updater_main(const struct helper_ctx *h, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "update", required_argument, NULL, 'U' },
		{ "value", required_argument, NULL, 'v' },
		{ "update-both", required_argument, NULL, 'B' },
		{ "update-delay", no_argument, NULL, 'Y' },
		{ "query", no_argument, NULL, 'Q' },
		{ "delete", no_argument, NULL, 'D' },
		{ "refresh", no_argument, NULL, 'R' },
		{ "node", required_argument, NULL, 'N' },
		{ "all", no_argument, NULL, 'A' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "delay", required_argument, NULL, 'd' },
		{ "set", required_argument, NULL, 's' },
		{ "lifetime", required_argument, NULL, 'l' },
		{ "section", required_argument, NULL, 'S' },
		{ "private", no_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'V' },
		{ "version", no_argument, NULL, '$' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct attr_op op = { .lifetime = "reboot", .style = STYLE_ATTRD };
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":n:U:v:B:YQDRN:Aqd:s:l:S:pV$h", opts, NULL)) != -1) {
		switch (opt) {
		case 'n': op.name = optarg; break;
		case 'U': case 'v': case 'B': op.cmd = 'v'; op.value = optarg; break;
		case 'Y': case 'R': op.cmd = (char)opt; break;
		case 'Q': op.cmd = 'G'; break;
		case 'D': op.cmd = 'D'; break;
		case 'N': op.node = optarg; break;
		case 'A': op.all_nodes = true; break;
		case 'q': op.quiet = true; break;
		case 'd': case 's': case 'l': case 'S': case 'p': case 'V': break;
		case '$': version(h); return CRM_EX_OK;
		case 'h': attrd_updater_usage(stdout); return CRM_EX_OK;
		default: return bad_option(h, argv, opt);
		}
	}
	if (optind < argc)
		return usage_error(h, "unexpected argument '%s'", argv[optind]);
	if (!op.cmd)
		return usage_error(h, "%s", "a command is required (-U, -Q, -D, -Y or -R)");
	if (op.cmd == 'R')
		return CRM_EX_OK;   /* values are stored at once: nothing to resend */
	if (!op.name)
		return usage_error(h, "%s", "-n NAME is required");
	if (op.cmd == 'Y')
		return CRM_EX_OK;   /* no dampening delay to change */
	return attr_run(h, &op);
}

/* --- crm_node ----------------------------------------------------------- */

static void crm_node_usage(FILE *out)
{
	fputs("Usage: crm_node (-n | -l | -p | -i | -N ID)\n"
	      "\n"
	      "Node names and membership, through vigild (Vigil's version of\n"
	      "Pacemaker's crm_node).\n"
	      "\n"
	      "  -n, --name               print this node's name\n"
	      "  -l, --list               print \"ID NAME STATE\" for every node\n"
	      "                           (STATE: member or lost)\n"
	      "  -p, --partition          print the members, separated by spaces\n"
	      "  -i, --cluster-id         print this node's id\n"
	      "  -N, --name-for-id ID     print the name of the node with this id\n"
	      "  -Q, --quiet, -f, -V      accepted and ignored\n"
	      "  -h, --help               this help\n"
	      "\n"
	      "-q (--quorum) and -R (--remove) are not supported by Vigil (exit 3):\n"
	      "see vigilctl status.\n", out);
}

static int crm_node_main(const struct helper_ctx *h, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", no_argument, NULL, 'n' },
		{ "list", no_argument, NULL, 'l' },
		{ "partition", no_argument, NULL, 'p' },
		{ "cluster-id", no_argument, NULL, 'i' },
		{ "name-for-id", required_argument, NULL, 'N' },
		{ "quorum", no_argument, NULL, 'q' },
		{ "remove", required_argument, NULL, 'R' },
		{ "quiet", no_argument, NULL, 'Q' },
		{ "force", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'V' },
		{ "version", no_argument, NULL, '$' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct node_ent nodes[MAX_NODES];
	struct cli_reply rep;
	char cmd = 0, *local = NULL;
	const char *for_id = NULL;
	long long id = 0;
	int opt, n, rc;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":nlpiN:qR:QfV$h", opts, NULL)) != -1) {
		switch (opt) {
		case 'n': case 'l': case 'p': case 'i': cmd = (char)opt; break;
		case 'N': cmd = 'N'; for_id = optarg; break;
		case 'q': return unsupported(h, "--quorum", "see vigilctl status");
		case 'R': return unsupported(h, "--remove", NULL);
		case 'Q': case 'f': case 'V': break;
		case '$': version(h); return CRM_EX_OK;
		case 'h': crm_node_usage(stdout); return CRM_EX_OK;
		default: return bad_option(h, argv, opt);
		}
	}
	if (optind < argc)
		return usage_error(h, "unexpected argument '%s'", argv[optind]);
	if (!cmd)
		return usage_error(h, "%s", "a command is required (-n, -l, -p, -i or -N ID)");
	if (cmd == 'N' && parse_int(for_id, 0, 1LL << 62, &id))
		return usage_error(h, "-N expects a node id, got '%s'", for_id);
	if (cmd == 'n') {
		rc = local_node(h, &local);
		if (!rc)
			printf("%s\n", local);
		free(local);
		return rc;
	}
	if (cmd == 'i' && (rc = local_node(h, &local)))
		return rc;
	rc = node_list(h, &rep, nodes, &n);
	if (rc) {
		free(local);
		return rc;
	}
	rc = CRM_EX_OK;
	if (cmd == 'l') {
		for (int i = 0; i < n; i++)
			printf("%lld %s %s\n", nodes[i].id, nodes[i].name,
			       nodes[i].member ? "member" : "lost");
	} else if (cmd == 'p') {
		const char *sep = "";

		for (int i = 0; i < n; i++) {
			if (nodes[i].member) {
				printf("%s%s", sep, nodes[i].name);
				sep = " ";
			}
		}
		putchar('\n');
	} else {
		int i = 0;

		while (i < n && (cmd == 'i' ? strcmp(nodes[i].name, local) : nodes[i].id != id))
			i++;
		if (i == n) {
			if (cmd == 'i')
				fprintf(stderr, "%s: this node (%s) is not in the node list\n", h->prog, local);
			else
				fprintf(stderr, "%s: no node has id %lld\n", h->prog, id);
			rc = CRM_EX_NOSUCH;
		} else if (cmd == 'i') {
			printf("%lld\n", nodes[i].id);
		} else {
			printf("%s\n", nodes[i].name);
		}
	}
	cli_reply_free(&rep);
	free(local);
	return rc;
}

/* --- crm_resource ------------------------------------------------------- */

static void crm_resource_usage(FILE *out)
{
	fputs("Usage: crm_resource --locate -r RSC [-Q]\n"
	      "\n"
	      "Where a resource runs, through vigild. Vigil supports only --locate:\n"
	      "the other commands of Pacemaker's crm_resource are vigilctl resource.\n"
	      "\n"
	      "  -W, --locate             print \"resource RSC is running on: NODE\" per\n"
	      "                           node, or \"resource RSC is NOT running\" on\n"
	      "                           standard error (exit status 0 either way)\n"
	      "  -r, --resource RSC       the resource\n"
	      "  -Q, --quiet              print only the node names\n"
	      "  -V, --verbose            accepted and ignored\n"
	      "  -h, --help               this help\n", out);
}

static bool is_role(const char *word)
{
	return !strcasecmp(word, "promoted") || !strcasecmp(word, "master") ||
	       !strcasecmp(word, "unpromoted") || !strcasecmp(word, "slave") ||
	       !strcasecmp(word, "started");
}

/* Print the nodes of one line of a locate reply, one Pacemaker line each
 * ("resource RSC is running on: NODE[ Promoted]"). vigild may answer
 * Pacemaker's lines, "resource RSC is running on: NODE NODE...", "resource
 * RSC is NOT running", or "NODE [ROLE]" lines. Returns how many nodes. */
static int print_locations(const char *rsc, char *line, bool quiet)
{
	const char *prefix = "is running on: ";
	char *p = strstr(line, prefix), *save = NULL, *words[64];
	int n = 0, count = 0;

	if (str_starts_with(line, "resource ")) {
		if (!p)
			return 0;   /* "resource RSC is NOT running" */
		line = p + strlen(prefix);
	}
	for (char *w = strtok_r(line, " \t", &save); w && n < 64; w = strtok_r(NULL, " \t", &save))
		words[n++] = w;
	for (int i = 0; i < n; i++) {
		bool promoted = i + 1 < n && is_role(words[i + 1]) &&
				(!strcasecmp(words[i + 1], "promoted") ||
				 !strcasecmp(words[i + 1], "master"));

		if (quiet)
			printf("%s\n", words[i]);
		else
			printf("resource %s is running on: %s%s\n", rsc, words[i],
			       promoted ? " Promoted" : "");
		count++;
		if (i + 1 < n && is_role(words[i + 1]))
			i++;
	}
	return count;
}

static int crm_resource_main(const struct helper_ctx *h, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "locate", no_argument, NULL, 'W' },
		{ "resource", required_argument, NULL, 'r' },
		{ "quiet", no_argument, NULL, 'Q' },
		{ "verbose", no_argument, NULL, 'V' },
		{ "version", no_argument, NULL, '$' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_reply rep;
	const char *rsc = NULL;
	bool locate = false, quiet = false;
	int found = 0;
	char *save = NULL;
	int opt, rc;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":Wr:QV$h", opts, NULL)) != -1) {
		switch (opt) {
		case 'W': locate = true; break;
		case 'r': rsc = optarg; break;
		case 'Q': quiet = true; break;
		case 'V': break;
		case '$': version(h); return CRM_EX_OK;
		case 'h': crm_resource_usage(stdout); return CRM_EX_OK;
		case ':': return bad_option(h, argv, opt);
		default:
			fprintf(stderr, "%s: '%s': only --locate is supported by Vigil "
				"(see vigilctl resource)\n", h->prog, argv[optind - 1]);
			return CRM_EX_USAGE;
		}
	}
	if (optind < argc)
		return usage_error(h, "unexpected argument '%s'", argv[optind]);
	if (!locate) {
		fprintf(stderr, "%s: only --locate is supported by Vigil (see vigilctl resource)\n",
			h->prog);
		return CRM_EX_USAGE;
	}
	if (!rsc)
		return usage_error(h, "%s", "--locate needs -r RSC");
	rc = call(h, &rep, 3, (char *[]){ "resource", "locate", (char *)rsc });
	if (rc)
		return rc;
	if (rep.code) {
		fputs(rep.err, stderr);
		rc = crm_exit_of(rep.code);
		cli_reply_free(&rep);
		return rc;
	}
	for (char *line = strtok_r(rep.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		found += print_locations(rsc, line, quiet);
	}
	if (!found && !quiet)
		fprintf(stderr, "resource %s is NOT running\n", rsc);
	cli_reply_free(&rep);
	return CRM_EX_OK;
}

/* --- Dispatch ----------------------------------------------------------- */

static const struct {
	const char *name;
	int (*run)(const struct helper_ctx *h, int argc, char **argv);
} helpers[] = {
	{ "crm_attribute", crm_attribute_main },
	{ "crm_master", crm_master_main },
	{ "attrd_updater", attrd_updater_main },
	{ "crm_node", crm_node_main },
	{ "crm_resource", crm_resource_main },
};

int main(int argc, char **argv)
{
	struct helper_ctx h = { .socket = cli_socket_path(NULL) };
	char *self = xstrdup(argv[0]);
	const char *name = basename(self);
	int rc = CRM_EX_USAGE;

	if (!strcmp(name, "vigil-helper") && argc > 1) {
		argc--;
		argv++;
		name = argv[0];
	}
	for (size_t i = 0; i < ARRAY_SIZE(helpers); i++) {
		if (!strcmp(name, helpers[i].name)) {
			h.prog = helpers[i].name;
			rc = helpers[i].run(&h, argc, argv);
			goto out;
		}
	}
	fprintf(stderr, "Usage: vigil-helper COMMAND [OPTIONS], or run as one of:");
	for (size_t i = 0; i < ARRAY_SIZE(helpers); i++)
		fprintf(stderr, " %s", helpers[i].name);
	fputs("\nPacemaker's commands for OCF resource agents, answered by vigild.\n", stderr);
out:
	free(self);
	return rc;
}
