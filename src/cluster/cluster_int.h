/* cluster_int: what each cluster layer implementation provides. Every
 * implementation's state starts with a struct cluster. */
#ifndef VIGIL_CLUSTER_INT_H
#define VIGIL_CLUSTER_INT_H

#include "cluster/cluster.h"

struct cluster_ops {
	int (*send)(struct cluster *c, const void *data, size_t len);
	const char *(*node_name)(const struct cluster *c, uint32_t id);
	void (*free)(struct cluster *c);
};

struct cluster {
	const struct cluster_ops *ops;
	struct cluster_events ev;
	void *arg;
	struct cluster_member self;
};

#endif
