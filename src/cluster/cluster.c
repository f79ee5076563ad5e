/* cluster: the layer-independent part of the interface. */
#include "cluster/cluster_int.h"

int cluster_send(struct cluster *c, const void *data, size_t len)
{
	return c->ops->send(c, data, len);
}

const struct cluster_member *cluster_self(const struct cluster *c)
{
	return &c->self;
}

const char *cluster_node_name(const struct cluster *c, uint32_t id)
{
	return c->ops->node_name(c, id);
}

void cluster_free(struct cluster *c)
{
	if (c)
		c->ops->free(c);
}
