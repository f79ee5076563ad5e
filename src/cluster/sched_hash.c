/* sched_hash: the scheduler's lookup tables, so that finding a resource by
 * id or an ordering by its two actions costs O(1) instead of a scan of
 * every resource or every ordering (both grow with the cluster: a 32-node
 * cluster with 2,000 resources has ~10^4 resources and ~10^5 orderings).
 *
 * Both are open-addressing tables with linear probing, sized to a power of
 * two at least twice the number of entries, holding indexes into the
 * cluster's own arrays (c->all, c->edges), which stay the single source of
 * truth. Nothing is ever removed from them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/sched_int.h"
#include "lib/util.h"

struct sched_rsc_index {
	struct sched_rsc *const *all;  /* c->all it was built from */
	int nall;
	unsigned mask;
	int *slot;                    /* index into all, -1 empty; from malloc() */
};

struct sched_edge_index {
	unsigned mask;
	int n;
	int *slot;                    /* index into c->edges, -1 empty; from malloc() */
};

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;  /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static uint32_t hash_ptr2(const void *a, const void *b)
{
	uint64_t x = (uint64_t)(uintptr_t)a * 0x9E3779B97F4A7C15ull;

	x ^= (uint64_t)(uintptr_t)b + 0x7F4A7C159E3779B9ull + (x << 6) + (x >> 2);
	x ^= x >> 29;
	x *= 0xBF58476D1CE4E5B9ull;
	x ^= x >> 32;
	return (uint32_t)x;
}

static unsigned table_size(int n)
{
	unsigned size = 16;

	while (size < 2u * (unsigned)n + 1)
		size <<= 1;
	return size;
}

static int *new_slots(unsigned size)
{
	int *slot = xmalloc(size * sizeof(*slot));

	memset(slot, 0xff, size * sizeof(*slot));  /* every slot -1 */
	return slot;
}

void sched_hash_free(struct sched_cluster *c)
{
	if (c->rsc_index)
		free(c->rsc_index->slot);
	free(c->rsc_index);
	c->rsc_index = NULL;
	if (c->edge_index)
		free(c->edge_index->slot);
	free(c->edge_index);
	c->edge_index = NULL;
}

void sched_hash_index_rscs(struct sched_cluster *c)
{
	struct sched_rsc_index *x = c->rsc_index;

	if (!x)
		x = c->rsc_index = xcalloc(1, sizeof(*x));
	free(x->slot);
	x->all = c->all;
	x->nall = c->nall;
	x->mask = table_size(c->nall) - 1;
	x->slot = new_slots(x->mask + 1);
	/* The first resource of an id wins, as the scan it replaces did. */
	for (int i = 0; i < c->nall; i++) {
		unsigned h = hash_str(c->all[i]->id) & x->mask;

		for (;; h = (h + 1) & x->mask) {
			if (x->slot[h] < 0) {
				x->slot[h] = i;
				break;
			}
			if (!strcmp(c->all[x->slot[h]]->id, c->all[i]->id))
				break;
		}
	}
}

struct sched_rsc *sched_rsc_find(const struct sched_cluster *c, const char *id)
{
	const struct sched_rsc_index *x = c->rsc_index;

	/* An index older than c->all (resources registered since) is not
	 * trusted: scan. sched_index() rebuilds it. */
	if (!x || x->all != c->all || x->nall != c->nall) {
		for (int i = 0; i < c->nall; i++)
			if (!strcmp(c->all[i]->id, id))
				return c->all[i];
		return NULL;
	}
	for (unsigned h = hash_str(id) & x->mask; x->slot[h] >= 0; h = (h + 1) & x->mask)
		if (!strcmp(c->all[x->slot[h]]->id, id))
			return c->all[x->slot[h]];
	return NULL;
}

static void edge_index_grow(struct sched_cluster *c)
{
	struct sched_edge_index *x = c->edge_index;
	unsigned size = table_size(c->nedges + 1);

	if (x && x->mask + 1 >= size)
		return;
	if (!x)
		x = c->edge_index = xcalloc(1, sizeof(*x));
	free(x->slot);
	x->mask = size - 1;
	x->slot = new_slots(size);
	x->n = 0;
	for (int i = 0; i < c->nedges; i++) {
		unsigned h = hash_ptr2(c->edges[i].first, c->edges[i].then) & x->mask;

		while (x->slot[h] >= 0)
			h = (h + 1) & x->mask;
		x->slot[h] = i;
		x->n++;
	}
}

struct sched_edge *sched_hash_edge(struct sched_cluster *c, struct sched_action *first,
				   struct sched_action *then, bool *created)
{
	struct sched_edge_index *x;
	unsigned h;

	edge_index_grow(c);
	x = c->edge_index;
	for (h = hash_ptr2(first, then) & x->mask; x->slot[h] >= 0; h = (h + 1) & x->mask) {
		struct sched_edge *e = &c->edges[x->slot[h]];

		if (e->first == first && e->then == then) {
			*created = false;
			return e;
		}
	}
	if (c->nedges == c->edges_cap) {
		c->edges_cap = c->edges_cap ? c->edges_cap * 2 : 256;
		c->edges = xrealloc(c->edges, c->edges_cap * sizeof(*c->edges));
	}
	x->slot[h] = c->nedges;
	x->n++;
	c->edges[c->nedges].first = first;
	c->edges[c->nedges].then = then;
	c->edges[c->nedges].flags = 0;
	c->edges[c->nedges].rank = c->edge_rank;
	c->edges[c->nedges].seq = c->edge_seq++;
	*created = true;
	return &c->edges[c->nedges++];
}
