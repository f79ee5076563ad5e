/* crm_state: Vigil's state file, and simulated events, written into a
 * CIB's status section so that one unpacker reads everything. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cluster/cib_record.h"
#include "cluster/crm_parse.h"
#include "lib/cfgtok.h"
#include "lib/util.h"

static const char *const state_keywords[] = {
	"node", "running", "pending", "failed", "failcount", "attr", "quorum", "now", "agent",
	"digest", NULL,
};

static const char *const node_states[] = {
	"online", "offline", "lost", "standby", "maintenance", "unclean", NULL,
};

static int state_error(char *err, size_t errlen, const char *file, int line, const char *word,
		       const char *const *choices, const char *msg)
{
	const char *s = word && choices ? suggest_word(word, choices) : NULL;

	snprintf(err, errlen, "%s:%d: %s%s%s%s%s%s", file, line, msg, word ? " '" : "",
		 word ? word : "", word ? "'" : "", s ? "; did you mean " : "", s ? s : "");
	return -EINVAL;
}

static struct xml_node *node_state(struct xml_node *cib, const char *node, bool create)
{
	struct xml_node *status = xml_child(cib, "status");

	if (!status)
		status = xml_new(cib, "status");
	return cib_node_state(status, node, create);
}

static bool node_known(struct xml_node *cib, const char *node)
{
	struct xml_node *nodes = xml_child(xml_child(cib, "configuration"), "nodes"), *n;

	xml_foreach(n, nodes, "node")
		if (xml_get(n, "uname") && !strcmp(xml_get(n, "uname"), node))
			return true;
	return false;
}

static struct xml_node *find_primitive(struct xml_node *cib, const char *rsc)
{
	struct xml_node *rscs = xml_child(xml_child(cib, "configuration"), "resources");
	struct xml_node *prim = xml_find_id(rscs, "primitive", rsc);
	const char *colon = strrchr(rsc, ':');

	/* A clone instance "rsc:N" is recorded under its primitive's agent. */
	if (!prim && colon) {
		char *base = xstrndup(rsc, colon - rsc);

		prim = xml_find_id(rscs, "primitive", base);
		free(base);
	}
	return prim;
}

/* The history entry (lrm_resource) of rsc on node, created with the
 * configured agent. */
static struct xml_node *history_of(struct xml_node *cib, const char *node, const char *rsc)
{
	struct xml_node *st = node_state(cib, node, true);
	struct xml_node *lrm = xml_child(st, "lrm"), *lrs, *lr = NULL, *prim;

	if (!lrm) {
		lrm = xml_new(st, "lrm");
		xml_set(lrm, "id", xml_get(st, "id"));
	}
	lrs = xml_child(lrm, "lrm_resources");
	if (!lrs)
		lrs = xml_new(lrm, "lrm_resources");
	xml_foreach(lr, lrs, "lrm_resource")
		if (!strcmp(xml_get(lr, "id"), rsc))
			return lr;
	lr = xml_new(lrs, "lrm_resource");
	xml_set(lr, "id", rsc);
	prim = find_primitive(cib, rsc);
	xml_set(lr, "class", prim && xml_get(prim, "class") ? xml_get(prim, "class") : "ocf");
	xml_set(lr, "type", prim && xml_get(prim, "type") ? xml_get(prim, "type") : "Dummy");
	if (prim && xml_get(prim, "provider"))
		xml_set(lr, "provider", xml_get(prim, "provider"));
	return lr;
}

static void add_op(struct xml_node *cib, const char *node, const char *rsc, const char *task,
		   long long interval_ms, int rc, int status, int target)
{
	struct xml_node *lr = history_of(cib, node, rsc), *op;
	char buf[64], *id;

	op = xml_new(lr, "lrm_rsc_op");
	id = xasprintf("%s_%s_%lld", rsc, task, interval_ms);
	xml_set(op, "id", id);
	free(id);
	xml_set(op, "operation", task);
	snprintf(buf, sizeof(buf), "%lld", interval_ms);
	xml_set(op, "interval", buf);
	snprintf(buf, sizeof(buf), "%d", cib_max_call_id(xml_child(cib, "status")) + 1);
	xml_set(op, "call-id", buf);
	snprintf(buf, sizeof(buf), "%d", rc);
	xml_set(op, "rc-code", buf);
	snprintf(buf, sizeof(buf), "%d", status);
	xml_set(op, "op-status", buf);
	snprintf(buf, sizeof(buf), "0:0:%d:00000000-0000-0000-0000-000000000000", target);
	xml_set(op, "transition-key", buf);
}

void crm_status_node_down(struct xml_node *cib, const char *node)
{
	struct xml_node *st = node_state(cib, node, true);

	/* Lost without a clean shutdown: it left the membership. */
	cib_node_set_member(st, false, false);
}

static long long monitor_interval(struct xml_node *cib, const char *rsc)
{
	struct xml_node *prim = find_primitive(cib, rsc), *op;
	struct xml_node *ops = xml_child(prim, "operations");

	xml_foreach(op, ops, "op") {
		const char *iv = xml_get(op, "interval");

		if (!strcmp(xml_get(op, "name"), "monitor") && iv && strcmp(iv, "0")) {
			char *end;
			double v = strtod(iv, &end);

			if (!strcmp(end, "ms"))
				return (long long)v;
			if (!strcmp(end, "m") || !strcmp(end, "min"))
				return (long long)(v * 60000);
			if (!strcmp(end, "h"))
				return (long long)(v * 3600000);
			return (long long)(v * 1000);
		}
	}
	return 10000;
}

int crm_status_fail_rc(struct xml_node *cib, const char *rsc, const char *node, const char *op,
		      int rc)
{
	if (!node_known(cib, node))
		return -ENOENT;
	if (!strcmp(op, "monitor"))
		add_op(cib, node, rsc, "monitor", monitor_interval(cib, rsc), rc, 4, 0);
	else
		add_op(cib, node, rsc, op, 0, rc, 4, 0);
	return 0;
}

int crm_status_fail(struct xml_node *cib, const char *rsc, const char *node, const char *op)
{
	return crm_status_fail_rc(cib, rsc, node, op, 1);
}

int crm_state_apply_mem(struct xml_node *cib, const char *name, const char *data, size_t len,
			long long *now, char *err, size_t errlen)
{
	struct xml_node *nodes = xml_child(xml_child(cib, "configuration"), "nodes"), *n;
	struct cfgtok *t;
	struct cfgtok_line l;
	int r, rc = 0;

	/* Configured nodes start online unless the state says otherwise. */
	xml_foreach(n, nodes, "node")
		node_state(cib, xml_get(n, "uname"), true);
	t = cfgtok_open_mem(name, data, len, 0);
	while (!rc && (r = cfgtok_next(t, &l, err, errlen)) > 0) {
		const char *kw = l.argv[0];
		int argc = l.argc;

		if (!strcmp(kw, "node")) {
			struct xml_node *st;

			if (argc != 3) {
				rc = state_error(err, errlen, name, l.lineno, NULL, NULL,
						 "usage: node NAME online|offline|lost|standby|maintenance|unclean");
				break;
			}
			if (!node_known(cib, l.argv[1])) {
				rc = state_error(err, errlen, name, l.lineno, l.argv[1], NULL, "unknown node");
				break;
			}
			st = node_state(cib, l.argv[1], true);
			if (!strcmp(l.argv[2], "online")) {
				/* default */
			} else if (!strcmp(l.argv[2], "offline")) {
				cib_node_set_member(st, false, true);
			} else if (!strcmp(l.argv[2], "lost") || !strcmp(l.argv[2], "unclean")) {
				crm_status_node_down(cib, l.argv[1]);
			} else if (!strcmp(l.argv[2], "standby")) {
				cib_node_attr_set(st, "standby", "on");
			} else if (!strcmp(l.argv[2], "maintenance")) {
				cib_node_attr_set(st, "maintenance", "on");
			} else {
				rc = state_error(err, errlen, name, l.lineno, l.argv[2], node_states,
						 "unknown node state");
			}
		} else if (!strcmp(kw, "running")) {
			if (argc < 3 || argc > 4 || (argc == 4 && strcmp(l.argv[3], "promoted"))) {
				rc = state_error(err, errlen, name, l.lineno, argc == 4 ? l.argv[3] : NULL,
						 NULL, "usage: running RSC NODE [promoted]; got");
				break;
			}
			if (!node_known(cib, l.argv[2])) {
				rc = state_error(err, errlen, name, l.lineno, l.argv[2], NULL, "unknown node");
				break;
			}
			add_op(cib, l.argv[2], l.argv[1], "start", 0, 0, 0, 0);
			if (argc == 4)
				add_op(cib, l.argv[2], l.argv[1], "promote", 0, 0, 0, 0);
		} else if (!strcmp(kw, "failed")) {
			long long ocf_rc = 1;

			if (argc < 3 || argc > 5 ||
			    (argc == 5 && parse_int(l.argv[4], 1, 255, &ocf_rc))) {
				rc = state_error(err, errlen, name, l.lineno, NULL, NULL,
						 "usage: failed RSC NODE [OP [OCF_RC]]");
				break;
			}
			if (crm_status_fail_rc(cib, l.argv[1], l.argv[2], argc >= 4 ? l.argv[3] : "monitor",
					       (int)ocf_rc)) {
				rc = state_error(err, errlen, name, l.lineno, l.argv[2], NULL, "unknown node");
				break;
			}
		} else if (!strcmp(kw, "pending")) {
			/* An action in flight: recorded with op-status -1. */
			if (argc < 3 || argc > 4) {
				rc = state_error(err, errlen, name, l.lineno, NULL, NULL,
						 "usage: pending RSC NODE [OP]");
				break;
			}
			if (!node_known(cib, l.argv[2])) {
				rc = state_error(err, errlen, name, l.lineno, l.argv[2], NULL, "unknown node");
				break;
			}
			add_op(cib, l.argv[2], l.argv[1], argc == 4 ? l.argv[3] : "start", 0, -1, -1, 0);
		} else if (!strcmp(kw, "failcount")) {
			long long cnt, when = 0;
			char *attr;

			if (argc < 4 || argc > 5 || parse_int(l.argv[3], 0, 1000000, &cnt) ||
			    (argc == 5 && parse_int(l.argv[4], 0, 1LL << 40, &when))) {
				rc = state_error(err, errlen, name, l.lineno, NULL, NULL,
						 "usage: failcount RSC NODE COUNT [LAST_FAILURE_EPOCH]");
				break;
			}
			if (!node_known(cib, l.argv[2])) {
				rc = state_error(err, errlen, name, l.lineno, l.argv[2], NULL, "unknown node");
				break;
			}
			attr = xasprintf("fail-count-%s", l.argv[1]);
			cib_node_attr_set(node_state(cib, l.argv[2], true), attr, l.argv[3]);
			free(attr);
			if (argc == 5) {
				attr = xasprintf("last-failure-%s", l.argv[1]);
				cib_node_attr_set(node_state(cib, l.argv[2], true), attr, l.argv[4]);
				free(attr);
			}
		} else if (!strcmp(kw, "agent")) {
			/* The history on NODE was recorded under another agent than
			 * the configured one (the configuration changed it since):
			 * "agent RSC NODE CLASS:[PROVIDER:]TYPE", before the lines
			 * that add RSC's operations there. */
			struct xml_node *lr;
			char *spec, *c1, *c2;

			if (argc != 4 || !strchr(l.argv[3], ':')) {
				rc = state_error(err, errlen, name, l.lineno, NULL, NULL,
						 "usage: agent RSC NODE CLASS:[PROVIDER:]TYPE");
				break;
			}
			if (!node_known(cib, l.argv[2])) {
				rc = state_error(err, errlen, name, l.lineno, l.argv[2], NULL, "unknown node");
				break;
			}
			lr = history_of(cib, l.argv[2], l.argv[1]);
			spec = xstrdup(l.argv[3]);
			c1 = strchr(spec, ':');
			*c1++ = 0;
			c2 = strchr(c1, ':');
			xml_set(lr, "class", spec);
			if (c2) {
				*c2++ = 0;
				xml_set(lr, "provider", c1);
				xml_set(lr, "type", c2);
			} else {
				xml_unset(lr, "provider");
				xml_set(lr, "type", c1);
			}
			free(spec);
		} else if (!strcmp(kw, "digest")) {
			/* "digest RSC NODE MD5": RSC's last start on NODE was
			 * recorded by Pacemaker's controller with that op-digest
			 * (the parameters it ran with), so the scheduler compares
			 * it with the configuration's. */
			struct xml_node *lr, *op, *start = NULL;

			if (argc != 4 || strlen(l.argv[3]) != 32 ||
			    strspn(l.argv[3], "0123456789abcdef") != 32) {
				rc = state_error(err, errlen, name, l.lineno, NULL, NULL,
						 "usage: digest RSC NODE MD5 (32 hex digits)");
				break;
			}
			if (!node_known(cib, l.argv[2])) {
				rc = state_error(err, errlen, name, l.lineno, l.argv[2], NULL, "unknown node");
				break;
			}
			lr = history_of(cib, l.argv[2], l.argv[1]);
			xml_foreach(op, lr, "lrm_rsc_op")
				if (!strcmp(xml_get(op, "operation"), "start"))
					start = op;
			if (!start) {
				rc = state_error(err, errlen, name, l.lineno, l.argv[1], NULL,
						 "no start recorded before 'digest' for");
				break;
			}
			xml_set(start, "op-digest", l.argv[3]);
			xml_set(start, "crm_feature_set", "3.16.2");
		} else if (!strcmp(kw, "attr")) {
			if (argc != 4 || !node_known(cib, l.argv[1])) {
				rc = state_error(err, errlen, name, l.lineno, argc > 1 ? l.argv[1] : NULL,
						 NULL, "usage: attr NODE NAME VALUE (known node); got");
				break;
			}
			cib_node_attr_set(node_state(cib, l.argv[1], true), l.argv[2], l.argv[3]);
		} else if (!strcmp(kw, "quorum")) {
			if (argc != 2 || (strcmp(l.argv[1], "yes") && strcmp(l.argv[1], "no") &&
					  strcmp(l.argv[1], "never"))) {
				rc = state_error(err, errlen, name, l.lineno, argc > 1 ? l.argv[1] : NULL,
						 NULL, "usage: quorum yes|no|never; got");
				break;
			}
			xml_set(cib, "have-quorum", strcmp(l.argv[1], "yes") ? "0" : "1");
			/* "no": quorum was lost, so no-quorum-policy=suicide applies;
			 * "never": the cluster never had it, and stops instead. */
			xml_set(cib, "no-quorum-panic", strcmp(l.argv[1], "no") ? "0" : "1");
		} else if (!strcmp(kw, "now")) {
			long long v;

			if (argc != 2 || parse_int(l.argv[1], 0, 1LL << 40, &v)) {
				rc = state_error(err, errlen, name, l.lineno, argc > 1 ? l.argv[1] : NULL,
						 NULL, "usage: now EPOCH; got");
				break;
			}
			if (now)
				*now = v;
		} else {
			rc = state_error(err, errlen, name, l.lineno, kw, state_keywords, "unknown keyword");
		}
	}
	if (!rc && r < 0)
		rc = -EINVAL;
	cfgtok_close(t);
	return rc;
}

int crm_state_apply(struct xml_node *cib, const char *path, long long *now, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL, chunk[65536];
	size_t len = 0, n;
	FILE *mem;
	int rc;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	mem = open_memstream(&buf, &len);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, mem);
	fclose(mem);
	fclose(f);
	rc = crm_state_apply_mem(cib, path, buf, len, now, err, errlen);
	free(buf);
	return rc;
}
