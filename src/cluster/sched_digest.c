/* sched_digest: Pacemaker's fingerprint of the parameters an operation ran
 * with (lrm_rsc_op's op-digest and op-restart-digest).
 *
 * Pacemaker's controller records, with every operation, the MD5 of a
 * canonical XML element holding the parameters it passed to the agent. The
 * scheduler recomputes it from the configuration and, when the two differ,
 * knows the definition changed since (pe_digest.c calculate_main_digest,
 * operations.c pcmk__filter_op_for_digest, xml.c calculate_xml_digest_v1 in
 * Pacemaker 2.1.5). Matching its digests byte for byte is what lets Vigil
 * read a Pacemaker CIB without restarting everything, so every detail below
 * is Pacemaker's:
 *
 *   - the parameters are the resource's instance attributes, its parents'
 *     (group, clone), then the operation's own instance attributes (a name already present keeps its
 *     first value), then the operation's meta-attributes as CRM_meta_NAME;
 *   - every CRM_meta_* is dropped, except CRM_meta_timeout for a recurring
 *     operation, and so are id, crm_feature_set, op-digest, on_node,
 *     on_node_uuid and pcmk_external_ip;
 *   - the restart digest keeps only the names its op-force-restart lists;
 *   - the text is " <parameters a=\"1\" b=\"2\"/>\n": attributes sorted by
 *     name (strcmp), values escaped the way crm_xml_escape() does.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cluster/sched_int.h"
#include "lib/md5.h"
#include "lib/strbuf.h"
#include "lib/util.h"

/* Pacemaker's default operation timeout (default-action-timeout). */
#define DIGEST_DEFAULT_TIMEOUT_MS 20000

struct digest_param {
	const char *name, *value;
};

static int param_cmp(const void *a, const void *b)
{
	return strcmp(((const struct digest_param *)a)->name, ((const struct digest_param *)b)->name);
}

/* Not part of what the agent was given (should_filter_for_digest). */
static bool digest_filtered(const char *name)
{
	static const char *const names[] = {
		"id", "crm_feature_set", "op-digest", "on_node", "on_node_uuid",
		"pcmk_external_ip",
	};

	if (!strncmp(name, "CRM_meta_", 9))
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

/* " name " appears in a space-separated list such as op-force-restart. */
static bool listed(const char *list, const char *name)
{
	char *pat = xasprintf(" %s ", name);
	bool found = strstr(list, pat) != NULL;

	free(pat);
	return found;
}

static void add_param(struct digest_param **v, int *n, const char *name, const char *value)
{
	for (int i = 0; i < *n; i++)
		if (!strcmp((*v)[i].name, name))
			return;   /* hash2field: the first value stays */
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[*n].name = name;
	(*v)[*n].value = value;
	(*n)++;
}

/* crm_xml_escape(): XML's five entities, a tab as four spaces, newlines
 * and carriage returns as "\n" and "\r", and any other byte outside
 * ' '..'~' as a backslash and its octal value. The byte is a signed char
 * there, so bytes from 0x80 print as a negative number's octal. */
static void put_escaped(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		signed char ch = (signed char)*s;

		switch (ch) {
		case '<': sb_puts(sb, "&lt;"); break;
		case '>': sb_puts(sb, "&gt;"); break;
		case '"': sb_puts(sb, "&quot;"); break;
		case '\'': sb_puts(sb, "&apos;"); break;
		case '&': sb_puts(sb, "&amp;"); break;
		case '\t': sb_puts(sb, "    "); break;
		case '\n': sb_puts(sb, "\\n"); break;
		case '\r': sb_puts(sb, "\\r"); break;
		default:
			if (ch < ' ' || ch > '~')
				sb_appendf(sb, "\\%.3o", (unsigned)(int)ch);
			else
				sb_putc(sb, ch);
		}
	}
}

const struct sched_op *sched_op_config(const struct sched_rsc *r, const char *task,
				       long long interval_ms)
{
	for (int i = 0; i < r->nops; i++)
		if (r->ops[i].enabled && r->ops[i].interval_ms == interval_ms &&
		    !strcasecmp(r->ops[i].name, task))
			return &r->ops[i];
	return NULL;
}

char *sched_op_digest(const struct sched_rsc *r, const char *task, long long interval_ms,
		      const char *only)
{
	const struct sched_op *op = sched_op_config(r, task, interval_ms);
	struct digest_param *v = NULL;
	struct strbuf sb = STRBUF_INIT;
	char timeout[32], hex[33];
	int n = 0, kept = 0;

	/* A resource's parameters include its parents' instance attributes
	 * (get_rsc_attributes), its own taking precedence. */
	for (const struct sched_rsc *p = r; p; p = p->parent)
		for (int i = 0; i < p->params.n; i++)
			add_param(&v, &n, p->params.v[i].name, p->params.v[i].value);
	if (op)
		for (int i = 0; i < op->params.n; i++)
			add_param(&v, &n, op->params.v[i].name, op->params.v[i].value);
	/* Of the operation's meta-attributes only the timeout survives the
	 * filter, and only for recurring operations. */
	if (interval_ms > 0) {
		snprintf(timeout, sizeof(timeout), "%lld",
			 op && op->timeout_ms ? op->timeout_ms : (long long)DIGEST_DEFAULT_TIMEOUT_MS);
		add_param(&v, &n, "CRM_meta_timeout", timeout);
	}
	for (int i = 0; i < n; i++) {
		bool keep = !digest_filtered(v[i].name) ||
			    (interval_ms > 0 && !strcmp(v[i].name, "CRM_meta_timeout"));

		if (keep && only && !listed(only, v[i].name))
			keep = false;
		if (keep)
			v[kept++] = v[i];
	}
	if (kept)
		qsort(v, kept, sizeof(*v), param_cmp);
	sb_puts(&sb, " <parameters");
	for (int i = 0; i < kept; i++) {
		sb_appendf(&sb, " %s=\"", v[i].name);
		put_escaped(&sb, v[i].value);
		sb_puts(&sb, "\"");
	}
	sb_puts(&sb, "/>\n");
	md5_hex(sb_str(&sb), sb.len, hex);
	sb_free(&sb);
	free(v);
	return xstrdup(hex);
}
