/* controller_state: the configuration's versions and the status, on disk.
 *
 * Every accepted configuration is a new file config/N.crm written with
 * store_write() (temporary file, fsync, rename), so a crash at any instant
 * leaves either the old version or the new one; a torn file fails its
 * checksum and the previous version is used. The status is one file,
 * status.xml, rewritten after every recorded result.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cluster/cib_record.h"
#include "cluster/cib_xml.h"
#include "cluster/controller_int.h"
#include "cluster/crm_parse.h"
#include "cluster/store.h"
#include "lib/log.h"
#include "lib/util.h"

static char *config_path(struct controller *ctl, long long version)
{
	return xasprintf("%s/config/%lld.crm", ctl->state_dir, version);
}

/* Stored versions, descending. */
static int list_versions(struct controller *ctl, long long **out)
{
	char *dir = xasprintf("%s/config", ctl->state_dir);
	DIR *d = opendir(dir);
	struct dirent *e;
	long long *v = NULL;
	int n = 0;

	free(dir);
	while (d && (e = readdir(d))) {
		char *end;
		long long x = strtoll(e->d_name, &end, 10);

		if (end == e->d_name || strcmp(end, ".crm") || x <= 0)
			continue;
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n++] = x;
	}
	if (d)
		closedir(d);
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j] > v[j - 1]; j--) {
			long long t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	*out = v;
	return n;
}

/* The node names known to the cluster layer must be nodes of the CIB,
 * as Pacemaker adds members to its nodes section. */
static void add_node(struct xml_node *cib, const char *name)
{
	struct xml_node *nodes = xml_child(xml_child(cib, "configuration"), "nodes"), *n;

	xml_foreach(n, nodes, "node")
		if (xml_get(n, "uname") && !strcmp(xml_get(n, "uname"), name))
			return;
	n = xml_new(nodes, "node");
	xml_set(n, "id", name);
	xml_set(n, "uname", name);
}

void ctl_add_known_nodes(struct controller *ctl, struct xml_node *cib)
{
	add_node(cib, ctl->node);
	for (int i = 0; i < ctl->ncnodes; i++)
		add_node(cib, ctl->cnodes[i].name);
	for (int i = 0; i < ctl->nmembers; i++)
		add_node(cib, ctl->members[i].name);
}

struct xml_node *ctl_config_check(struct controller *ctl, const struct crm_conf *conf,
				  const char *name, bool check_agents, char *err, size_t errlen)
{
	char *text = crm_conf_render(conf);
	struct xml_node *cib = crm_parse_mem(name, text, strlen(text), err, errlen);

	free(text);
	if (!cib)
		return NULL;
	ctl_add_known_nodes(ctl, cib);
	/* Every agent must exist on the node that accepts a change. A node
	 * that applies one from the cluster does not check: its probe says
	 * "not installed" and the scheduler keeps the resource away. */
	if (check_agents) {
		struct xml_node *rscs = xml_child(xml_child(cib, "configuration"), "resources");
		struct xml_node *stack[64];
		int sp = 0;

		for (struct xml_node *x = rscs ? rscs->children : NULL; x || sp;) {
			if (!x) {
				x = stack[--sp]->next;
				continue;
			}
			if (!strcmp(x->name, "primitive")) {
				const char *cls = xml_get(x, "class"), *prov = xml_get(x, "provider");
				const char *type = xml_get(x, "type");

				if (!exec_agent_exists(ctl->ex, cls, prov, type)) {
					snprintf(err, errlen, "%s: resource '%s': agent %s%s%s:%s is not installed on %s",
						 name, xml_get(x, "id"), cls, prov ? ":" : "", prov ? prov : "",
						 type, ctl->node);
					xml_free(cib);
					return NULL;
				}
			} else if (x->children && sp < 64) {
				stack[sp++] = x;
				x = x->children;
				continue;
			}
			x = x->next;
		}
	}
	return cib;
}

/* The agent type of every stonith primitive under `n`, each once. */
static void fence_types(const struct xml_node *n, const char **types, int *ntypes, int max)
{
	for (const struct xml_node *c = n ? n->children : NULL; c; c = c->next) {
		const char *cls = xml_get(c, "class"), *type = xml_get(c, "type");
		int i;

		if (strcmp(c->name, "primitive")) {
			fence_types(c, types, ntypes, max);
			continue;
		}
		if (!cls || strcmp(cls, "stonith") || !type)
			continue;
		for (i = 0; i < *ntypes && strcmp(types[i], type); i++)
			;
		if (i == *ntypes && *ntypes < max)
			types[(*ntypes)++] = type;
	}
}

/* Install a checked CIB as the current one, keeping the status. */
static void install_cib(struct controller *ctl, struct xml_node *cib)
{
	struct xml_node *st = xml_child(cib, "status");
	const char *types[32];
	int ntypes = 0;

	if (st)
		xml_remove(st);
	if (ctl->status)
		xml_detach(ctl->status);
	else
		ctl->status = xml_new(NULL, "status");
	xml_free(ctl->cib);
	ctl->cib = cib;
	xml_append(cib, ctl->status);
	/* Any node may become the DC and have to fence: each keeps its
	 * fence agents started ahead. */
	fence_types(xml_child(xml_child(cib, "configuration"), "resources"), types, &ntypes,
		    (int)ARRAY_SIZE(types));
	exec_fence_prestart(ctl->ex, types, ntypes);
}

static void prune_versions(struct controller *ctl)
{
	long long *v;
	int n = list_versions(ctl, &v);

	for (int i = CONFIG_VERSIONS_KEPT; i < n; i++) {
		char *p = config_path(ctl, v[i]);

		unlink(p);
		free(p);
	}
	free(v);
}

int ctl_config_commit(struct controller *ctl, struct crm_conf *conf, long long version,
		      const char *origin, char *err, size_t errlen)
{
	struct xml_node *cib = ctl_config_check(ctl, conf, origin, false, err, errlen);
	char *text, *file, *path;
	int rc;

	if (!cib)
		return -EINVAL;
	text = crm_conf_render(conf);
	file = xasprintf("# vigil configuration version %lld\n# time %lld\n# origin %s\n%s",
			 version, (long long)time(NULL), origin, text);
	path = config_path(ctl, version);
	rc = store_write(path, file, strlen(file), STORE_DURABLE, err, errlen);
	free(path);
	free(file);
	free(text);
	if (rc) {
		xml_free(cib);
		return rc;
	}
	ctl->conf_version = version;
	if (ctl->conf != conf) {
		crm_conf_free(ctl->conf);
		ctl->conf = conf;
	}
	install_cib(ctl, cib);
	prune_versions(ctl);
	log_notice("Configuration version %lld accepted (%s)", ctl->conf_version, origin);
	return 0;
}

char *ctl_config_version_text(struct controller *ctl, long long version)
{
	char *path = config_path(ctl, version), err[256], *text;
	size_t len;

	text = store_read(path, &len, err, sizeof(err));
	free(path);
	return text;
}

void ctl_config_versions(struct controller *ctl, struct strbuf *out)
{
	long long *v;
	int n = list_versions(ctl, &v);

	for (int i = 0; i < n; i++) {
		char *text = ctl_config_version_text(ctl, v[i]);
		long long when = 0;
		char origin[256] = "?", date[64] = "?";
		const char *p;

		if (!text) {
			sb_appendf(out, "%lld  (torn or unreadable)\n", v[i]);
			continue;
		}
		if ((p = strstr(text, "\n# time ")))
			when = atoll(p + 8);
		if ((p = strstr(text, "\n# origin ")))
			sscanf(p + 10, "%255[^\n]", origin);
		if (when) {
			time_t t = (time_t)when;
			struct tm tm;

			strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", localtime_r(&t, &tm));
		}
		sb_appendf(out, "%lld  %s  %s%s\n", v[i], date, origin,
			   v[i] == ctl->conf_version ? "  (current)" : "");
		free(text);
	}
	free(v);
}

static int load_config(struct controller *ctl, char *err, size_t errlen)
{
	long long *v;
	int n = list_versions(ctl, &v);

	for (int i = 0; i < n; i++) {
		char *text = ctl_config_version_text(ctl, v[i]), name[64], perr[1024];
		struct crm_conf *conf;
		struct xml_node *cib;

		snprintf(name, sizeof(name), "config/%lld.crm", v[i]);
		if (!text) {
			log_warning("Configuration version %lld is torn or unreadable; using an older one",
				    v[i]);
			continue;
		}
		conf = crm_conf_parse(name, text, strlen(text), perr, sizeof(perr));
		free(text);
		cib = conf ? ctl_config_check(ctl, conf, name, false, perr, sizeof(perr)) : NULL;
		if (!cib) {
			log_warning("Configuration version %lld is not usable (%s); using an older one",
				    v[i], perr);
			crm_conf_free(conf);
			continue;
		}
		ctl->conf = conf;
		ctl->conf_version = v[i];
		install_cib(ctl, cib);
		free(v);
		log_notice("Configuration version %lld loaded", ctl->conf_version);
		return 0;
	}
	free(v);
	/* No configuration yet: an empty one. */
	ctl->conf = crm_conf_new();
	ctl->conf_version = 0;
	{
		struct xml_node *cib = ctl_config_check(ctl, ctl->conf, "(empty)", false, err, errlen);

		if (!cib)
			return -EINVAL;
		install_cib(ctl, cib);
	}
	return 0;
}

struct xml_node *ctl_self_state(struct controller *ctl)
{
	return cib_node_state(ctl->status, ctl->node, true);
}

struct xml_node *ctl_node_state(struct controller *ctl, const char *node)
{
	struct xml_node *st = cib_node_state(ctl->status, node, false);

	/* A node first heard of is not a member until it joins. */
	if (!st) {
		st = cib_node_state(ctl->status, node, true);
		cib_node_set_member(st, false, true);
	}
	return st;
}

static void read_boot_id(char *buf, size_t len)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	buf[0] = 0;
	if (f) {
		if (!fgets(buf, (int)len, f))
			buf[0] = 0;
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = 0;
}

static void load_status(struct controller *ctl)
{
	char *path = xasprintf("%s/status.xml", ctl->state_dir), err[512], boot[64];
	size_t len;
	char *text = store_read(path, &len, err, sizeof(err));
	struct xml_node *old = NULL, *st;

	free(path);
	if (text) {
		old = xml_parse(text, len, err, sizeof(err));
		free(text);
	} else if (errno != ENOENT) {
		log_warning("Status file unusable (%s): starting with an empty status", err);
	}
	read_boot_id(boot, sizeof(boot));
	/* Transient attributes (fail counts) live until the host reboots, as
	 * Pacemaker's do until the node leaves. */
	if (old && (!xml_get(old, "boot-id") || strcmp(xml_get(old, "boot-id"), boot))) {
		xml_free(old);
		old = NULL;
	}
	st = old ? cib_node_state(old, ctl->node, false) : NULL;
	if (st) {
		struct xml_node *lrm = xml_child(st, "lrm"), *ta = xml_child(st, "transient_attributes");
		struct xml_node *self = ctl_self_state(ctl);

		/* What ran before is learned again by probing; keep attributes. */
		(void)lrm;
		if (ta) {
			struct xml_node *ia = xml_child(ta, "instance_attributes"), *nv;

			xml_foreach(nv, ia, "nvpair")
				cib_node_attr_set(self, xml_get(nv, "name"), xml_get(nv, "value"));
		}
		ctl->call_id = cib_max_call_id(old);
	}
	xml_free(old);
	xml_set(ctl->status, "boot-id", boot);
	ctl_self_state(ctl);
}

int ctl_state_load(struct controller *ctl, char *err, size_t errlen)
{
	char *dirs[3] = {
		xasprintf("%s/config", ctl->state_dir),
		xasprintf("%s/pe", ctl->state_dir),
		xasprintf("%s/process", ctl->state_dir),
	};
	int rc = 0;

	for (int i = 0; i < 3; i++) {
		if (!rc && store_mkdirs(dirs[i], 0700) < 0) {
			snprintf(err, errlen, "%s: %s", dirs[i], strerror(errno));
			rc = -1;
		}
		free(dirs[i]);
	}
	if (rc)
		return rc;
	if ((rc = load_config(ctl, err, errlen)))
		return rc;
	load_status(ctl);
	/* The pe-input series continues after the highest one on disk. */
	{
		char *dir = xasprintf("%s/pe", ctl->state_dir);
		DIR *d = opendir(dir);
		struct dirent *e;

		free(dir);
		while (d && (e = readdir(d))) {
			int n;

			if (sscanf(e->d_name, "pe-input-%d.xml", &n) == 1 && n > ctl->pe_seq)
				ctl->pe_seq = n;
		}
		if (d)
			closedir(d);
	}
	return 0;
}

void ctl_status_save(struct controller *ctl)
{
	char *path = xasprintf("%s/status.xml", ctl->state_dir), err[512];
	char *text = xml_to_string(ctl->status);

	/* Atomic but not fsync'd: it is rewritten after every result, and
	 * what ran is probed again at start anyway. A kill -9 loses nothing
	 * (the page cache survives the process); a power loss may lose the
	 * last fail counts. */
	if (store_write(path, text, strlen(text), 0, err, sizeof(err)))
		log_err("Cannot save the status: %s", err);
	free(text);
	free(path);
}

struct pe_input *ctl_pe_input_take(struct controller *ctl, long long now)
{
	struct pe_input *pe = xmalloc(sizeof(*pe));
	char buf[32];

	pe->seq = ++ctl->pe_seq;
	snprintf(buf, sizeof(buf), "%lld", now);
	xml_set(ctl->cib, "execution-date", buf);
	pe->text = xml_to_string(ctl->cib);
	return pe;
}

void ctl_pe_input_write(struct controller *ctl, struct pe_input *pe)
{
	char *path = xasprintf("%s/pe/pe-input-%d.xml", ctl->state_dir, pe->seq), err[512];

	/* Debugging data: atomic, not fsync'd. */
	if (store_write(path, pe->text, strlen(pe->text), STORE_NO_TRAILER, err, sizeof(err)))
		log_warning("Cannot save the scheduler input: %s", err);
	free(path);
	if (pe->seq > PE_INPUTS_KEPT) {
		path = xasprintf("%s/pe/pe-input-%d.xml", ctl->state_dir, pe->seq - PE_INPUTS_KEPT);
		unlink(path);
		free(path);
	}
	free(pe->text);
	free(pe);
}

void ctl_log_transition(struct controller *ctl, const struct history_entry *h)
{
	char *path = xasprintf("%s/transitions.log", ctl->state_dir);
	FILE *f = fopen(path, "ae");

	free(path);
	if (!f)
		return;
	fprintf(f, "transition %d at %lld: %s; %s\n", h->transition, h->when, h->reason,
		h->result ? h->result : "running");
	fclose(f);
}
