/* vigilctl simulate: run the scheduler on a configuration and print its
 * decisions in crm_simulate's layout. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cluster/cib_doc.h"
#include "cluster/cib_xml.h"
#include "cluster/crm_parse.h"
#include "cluster/sched.h"
#include "cluster/sched_output.h"
#include "lib/heap.h"
#include "lib/util.h"

void cmd_simulate_usage(FILE *out)
{
	fputs("Usage: vigilctl simulate (--config FILE | --cib FILE | --live) [OPTIONS]\n"
	      "\n"
	      "Compute what the scheduler decides for a cluster and print it in\n"
	      "crm_simulate's layout.\n"
	      "\n"
	      "  -c, --config FILE     cluster configuration in crmsh syntax\n"
	      "  -x, --cib FILE        Pacemaker CIB XML (configuration and status)\n"
	      "  -L, --live            the running cluster's CIB, asked of vigild\n"
	      "  -s, --state FILE      Vigil state file (with --config)\n"
	      "  -d, --node-down NODE  simulate the loss of NODE\n"
	      "  -f, --fail RSC:NODE[:OP]  simulate a failed operation\n"
	      "  -t, --now EPOCH       the current time, in seconds since the epoch\n"
	      "  -S, --scores          print allocation scores\n"
	      "  -j, --json            print the result as JSON\n"
	      "  -w, --write-cib       print the CIB built from --config and exit\n"
	      "  -h, --help            this help\n", out);
}

#define MAX_EVENTS 64

/* The running cluster's CIB, from vigild (request ["cib"]). Returns the
 * XML text (from malloc()) or NULL with the exit code in *rc. */
static char *fetch_live_cib(const struct cli_ctx *ctx, size_t *len, int *rc)
{
	struct cli_reply rep;
	char err[512], *xml;

	*rc = cli_request(ctx->socket, 1, (char *[]){ "cib" }, &rep, err, sizeof(err));
	if (*rc) {
		fprintf(stderr, "vigilctl simulate: %s\n", err);
		return NULL;
	}
	if (rep.code) {
		fputs(rep.err, stderr);
		*rc = rep.code;
		cli_reply_free(&rep);
		return NULL;
	}
	xml = rep.out;
	*len = strlen(xml);
	rep.out = NULL;
	cli_reply_free(&rep);
	return xml;
}

int cmd_simulate(const struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "cib", required_argument, NULL, 'x' },
		{ "live", no_argument, NULL, 'L' },
		{ "state", required_argument, NULL, 's' },
		{ "node-down", required_argument, NULL, 'd' },
		{ "fail", required_argument, NULL, 'f' },
		{ "now", required_argument, NULL, 't' },
		{ "scores", no_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "write-cib", no_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *cibfile = NULL, *state = NULL;
	const char *down[MAX_EVENTS], *fail[MAX_EVENTS];
	int ndown = 0, nfail = 0, opt, rc = CLI_ERROR;
	bool scores = false, json = false, write_cib = false, live = false;
	long long now = (long long)time(NULL);
	char err[1024] = "";
	struct cib_doc *doc = NULL;
	struct xml_node *cib;
	struct sched_cluster *c = NULL;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:x:Ls:d:f:t:Sjwh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': config = optarg; break;
		case 'x': cibfile = optarg; break;
		case 'L': live = true; break;
		case 's': state = optarg; break;
		case 'd':
			if (ndown == MAX_EVENTS)
				goto usage;
			down[ndown++] = optarg;
			break;
		case 'f':
			if (nfail == MAX_EVENTS)
				goto usage;
			fail[nfail++] = optarg;
			break;
		case 't':
			if (parse_int(optarg, 0, 1LL << 40, &now)) {
				fprintf(stderr, "vigilctl simulate: bad --now '%s'\n", optarg);
				return CLI_USAGE;
			}
			break;
		case 'S': scores = true; break;
		case 'j': json = true; break;
		case 'w': write_cib = true; break;
		case 'h':
			cmd_simulate_usage(stdout);
			return CLI_OK;
		default:
			goto usage;
		}
	}
	if (optind != argc || (!!config + !!cibfile + live) != 1)
		goto usage;
	/* One model built, used and dropped: keep the heap, and have its
	 * pages filled in as it grows (lib/heap.h). */
	heap_keep();
	if (state && !config) {
		fprintf(stderr, "vigilctl simulate: --state goes with --config\n");
		return CLI_USAGE;
	}
	if (config) {
		cib = crm_parse_file(config, err, sizeof(err));
		if (!cib)
			goto fail;
		doc = cib_doc_from_tree(cib);
		if (state ? crm_state_apply(cib, state, &now, err, sizeof(err)) :
			    crm_state_apply_mem(cib, "(none)", "", 0, &now, err, sizeof(err)))
			goto fail;
	} else {
		/* Node histories stay in the text until they are unpacked, unless
		 * a simulated failure adds to them or the whole CIB is printed. */
		unsigned flags = nfail || write_cib ? CIB_DOC_WHOLE : 0;

		if (live) {
			size_t len = 0;
			char *data = fetch_live_cib(ctx, &len, &rc);

			if (!data)
				return rc;
			rc = CLI_ERROR;
			doc = cib_doc_from_text(data, len, "(live CIB)", flags, err, sizeof(err));
		} else {
			doc = cib_doc_read(cibfile, flags, err, sizeof(err));
		}
		if (!doc)
			goto fail;
		cib = cib_doc_tree(doc);
	}
	for (int i = 0; i < ndown; i++)
		crm_status_node_down(cib, down[i]);
	for (int i = 0; i < nfail; i++) {
		char *spec = xstrdup(fail[i]), *node = strchr(spec, ':'), *op = NULL;

		if (node) {
			*node++ = 0;
			op = strchr(node, ':');
			if (op)
				*op++ = 0;
		}
		if (!node || !*node || !*spec) {
			fprintf(stderr, "vigilctl simulate: --fail expects RSC:NODE[:OP], got '%s'\n", fail[i]);
			free(spec);
			cib_doc_free(doc);
			return CLI_USAGE;
		}
		if (crm_status_fail(cib, spec, node, op ? op : "monitor")) {
			snprintf(err, sizeof(err), "--fail: unknown node '%s'", node);
			free(spec);
			goto fail;
		}
		free(spec);
	}
	if (write_cib) {
		cib_write(stdout, cib);
		cib_doc_free(doc);
		return CLI_OK;
	}
	c = cib_doc_unpack(doc, now, err, sizeof(err));
	if (!c)
		goto fail;
	/* The scheduler keeps nothing of the document: freeing it now lets
	 * the scheduler reuse its memory instead of taking more. */
	cib_doc_free(doc);
	doc = NULL;
	/* The scheduler takes half as much again as the model (0.5 to 0.7
	 * times in the bench's clusters and Pacemaker's regression cases). */
	heap_fill_ahead(heap_in_use() / 2);
	if (sched_run(c, err, sizeof(err)))
		goto fail;
	if (json) {
		sched_print_json(c, stdout);
	} else {
		fputs("Current cluster status:\n", stdout);
		sched_print_status(c, stdout, false);
		if (scores) {
			fputs("\nAllocation scores:\n", stdout);
			sched_print_all_scores(c, stdout);
		}
		fputs("\nTransition Summary:\n", stdout);
		sched_print_summary(c, stdout);
		fputs("\nExecuting Cluster Transition:\n", stdout);
		sched_print_graph(c, stdout);
		fputs("\nRevised Cluster Status:\n", stdout);
		sched_print_status(c, stdout, true);
	}
	rc = CLI_OK;
	goto out;
usage:
	cmd_simulate_usage(stderr);
	return CLI_USAGE;
fail:
	fprintf(stderr, "vigilctl simulate: %s\n", err);
out:
	sched_cluster_free(c);
	cib_doc_free(doc);
	return rc;
}
