/* fence_topology: fencing levels, read from a CIB. */
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/fence_topology.h"
#include "cluster/sched.h"
#include "cluster/xml.h"
#include "lib/util.h"

enum target_kind { BY_NAME, BY_PATTERN, BY_ATTRIBUTE, NKINDS };

static bool pattern_matches(const char *pattern, const char *node)
{
	regex_t re;
	bool match;

	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB))
		return false;
	match = regexec(&re, node, 0, NULL, 0) == 0;
	regfree(&re);
	return match;
}

/* How `level` targets `node`, or -1 when it does not. */
static int targets(const struct xml_node *level, const char *node, const struct sched_attrs *attrs)
{
	const char *v;

	if ((v = xml_get(level, "target")))
		return strcmp(v, node) ? -1 : BY_NAME;
	if ((v = xml_get(level, "target-pattern")))
		return pattern_matches(v, node) ? BY_PATTERN : -1;
	if ((v = xml_get(level, "target-attribute"))) {
		const char *want = xml_get(level, "target-value"), *have;

		have = attrs ? sched_attrs_get(attrs, v) : NULL;
		return have && want && !strcmp(have, want) ? BY_ATTRIBUTE : -1;
	}
	return -1;
}

static int by_index(const void *a, const void *b)
{
	return ((const struct fence_level *)a)->index - ((const struct fence_level *)b)->index;
}

void fence_plan_add(struct fence_plan *p, int index, const char *devices)
{
	struct fence_level *l;
	char *copy = xstrdup(devices), *save = NULL;

	p->levels = xrealloc(p->levels, (p->n + 1) * sizeof(*p->levels));
	l = &p->levels[p->n++];
	l->index = index;
	l->devices = NULL;
	l->n = 0;
	for (char *d = strtok_r(copy, ",", &save); d; d = strtok_r(NULL, ",", &save)) {
		l->devices = xrealloc(l->devices, (l->n + 1) * sizeof(char *));
		l->devices[l->n++] = xstrdup(d);
	}
	free(copy);
}

void fence_plan_for(const struct xml_node *cib, const char *node,
		    const struct sched_attrs *attrs, struct fence_plan *out)
{
	const struct xml_node *config = cib ? xml_child(cib, "configuration") : NULL;
	const struct xml_node *topo = config ? xml_child(config, "fencing-topology") : NULL;

	out->levels = NULL;
	out->n = 0;
	if (!topo)
		return;
	/* The first kind of target that has levels for the node wins. */
	for (int kind = 0; kind < NKINDS && !out->n; kind++)
		for (const struct xml_node *l = xml_child(topo, "fencing-level"); l;
		     l = xml_next(l, "fencing-level"))
			if (targets(l, node, attrs) == kind && xml_get(l, "devices"))
				fence_plan_add(out, atoi(xml_get(l, "index") ? xml_get(l, "index") : "0"),
					       xml_get(l, "devices"));
	if (out->n > 1)
		qsort(out->levels, out->n, sizeof(*out->levels), by_index);
}

void fence_plan_free(struct fence_plan *p)
{
	for (int i = 0; i < p->n; i++) {
		for (int k = 0; k < p->levels[i].n; k++)
			free(p->levels[i].devices[k]);
		free(p->levels[i].devices);
	}
	free(p->levels);
	p->levels = NULL;
	p->n = 0;
}
