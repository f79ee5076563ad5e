/* vigilctl simulate: run the scheduler on a configuration and print its
 * decisions in crm_simulate's layout. */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cluster/cib_xml.h"
#include "cluster/crm_parse.h"
#include "cluster/sched.h"
#include "cluster/sched_output.h"
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

/* Grow the heap once by about `bytes` and ask for transparent huge pages
 * on it. A large CIB becomes hundreds of thousands of small allocations;
 * faulting their memory in 4 KiB at a time was a third of the run (far
 * more on virtual machines, where a page fault is expensive). Advice
 * only: nothing changes where huge pages are unavailable. */
static void heap_reserve(size_t bytes)
{
	uintptr_t start, end;
	void *probe;

	if (bytes < (4u << 20))
		return;
	mallopt(M_TOP_PAD, (int)MIN(bytes, (size_t)1 << 30));
	probe = malloc(1);
	start = ((uintptr_t)probe + (2u << 20) - 1) & ~(uintptr_t)((2u << 20) - 1);
	end = (uintptr_t)sbrk(0) & ~(uintptr_t)((2u << 20) - 1);
	if (end > start)
		madvise((void *)start, end - start, MADV_HUGEPAGE);
	free(probe);
	mallopt(M_TOP_PAD, 128 * 1024);  /* back to glibc's default */
}

/* A regular file's contents, mapped read-only and faulted in at once
 * (MAP_POPULATE): a large CIB is read without copying it into fresh heap
 * pages. NULL (and *len 0) when the file cannot be mapped; the caller then
 * reads it. Unmap with munmap(p, *len). */
static char *map_file(const char *path, size_t *len)
{
	struct stat st;
	void *p;
	int fd;

	*len = 0;
	if (!strcmp(path, "-"))
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0) {
		close(fd);
		return NULL;
	}
	p = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return NULL;
	*len = st.st_size;
	return p;
}

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
	struct xml_node *cib = NULL;
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
	if (state && !config) {
		fprintf(stderr, "vigilctl simulate: --state goes with --config\n");
		return CLI_USAGE;
	}
	if (config) {
		cib = crm_parse_file(config, err, sizeof(err));
		if (!cib)
			goto fail;
		if (state ? crm_state_apply(cib, state, &now, err, sizeof(err)) :
			    crm_state_apply_mem(cib, "(none)", "", 0, &now, err, sizeof(err)))
			goto fail;
	} else {
		size_t len = 0;
		char *data;
		char xerr[512];
		bool mapped = false;

		if (live) {
			data = fetch_live_cib(ctx, &len, &rc);
			if (!data)
				return rc;
			rc = CLI_ERROR;
			cibfile = "(live CIB)";
		} else if ((data = map_file(cibfile, &len))) {
			mapped = true;
			/* The tree and the scheduler's tables take up to ~6x the text. */
			heap_reserve(len * 6);
		} else {
			data = cli_read_file(cibfile, &len, err, sizeof(err));
			if (!data)
				goto fail;
		}
		cib = xml_parse(data, len, xerr, sizeof(xerr));
		if (mapped)
			munmap(data, len);
		else
			free(data);
		if (!cib) {
			snprintf(err, sizeof(err), "%s: %s", cibfile, xerr);
			goto fail;
		}
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
			xml_free(cib);
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
		xml_free(cib);
		return CLI_OK;
	}
	c = cib_unpack(cib, now, err, sizeof(err));
	if (!c)
		goto fail;
	/* The scheduler keeps nothing of the document: freeing it now lets
	 * the scheduler reuse its memory instead of faulting in more (a
	 * large CIB's tree is most of the process's memory). */
	xml_free(cib);
	cib = NULL;
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
	xml_free(cib);
	return rc;
}
