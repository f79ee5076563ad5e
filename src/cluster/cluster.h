/* cluster: vigild's cluster layer (DESIGN.md layer 1): membership, totally
 * ordered messages and quorum. No consensus of our own: with Corosync,
 * CPG's virtual synchrony gives every member the same membership changes
 * and the same message order, and votequorum says whether this partition
 * is quorate.
 *
 * Two implementations behind one interface:
 *   cluster_local_new()     one node, no network: a message is delivered to
 *                           the sender itself, in order, on the next loop
 *                           iteration; always quorate.
 *   cluster_corosync_new()  libcpg (group "vigild"), libvotequorum,
 *                           libcmap (node names from the nodelist).
 *
 * Callbacks run on the caller's event loop. A message sent is delivered to
 * every member, the sender included, after every message sent before it
 * by anyone, and after the membership change that precedes it.
 */
#ifndef VIGIL_CLUSTER_H
#define VIGIL_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ev_loop;
struct cluster;

struct cluster_member {
	uint32_t id;          /* Corosync node id (1 for the local layer) */
	char name[64];        /* node name: nodelist name, else ring0_addr */
	bool node_down;       /* in a `left` list: its node left the Corosync
				 membership (not only vigild) */
	uint32_t votes;       /* in the quorum callback's list: the node's
				 votes (0: unknown) */
};

struct cluster_events {
	/* The members running vigild (the CPG group) changed: all of them
	 * (sorted by id), and who left and joined in this change. A member
	 * that left because its node failed, rather than leaving cleanly, has
	 * `left_failed` set at the same index. */
	void (*membership)(void *arg, const struct cluster_member *members, int n,
			   const struct cluster_member *left, const bool *left_failed, int nleft,
			   const struct cluster_member *joined, int njoined);
	/* A message, in the same total order on every member. */
	void (*message)(void *arg, const struct cluster_member *from, const void *data,
			size_t len);
	/* Quorum and the nodes in the Corosync membership (vigild running
	 * there or not), sorted by id, with their votes; `needed` is the
	 * number of votes this view needs for quorum (0: unknown). */
	void (*quorum)(void *arg, bool quorate, const struct cluster_member *nodes, int n,
		       uint32_t needed);
	/* The connection to Corosync is lost: vigild cannot go on safely. */
	void (*lost)(void *arg);
};

struct cluster *cluster_local_new(struct ev_loop *loop, const char *node_name,
				  const struct cluster_events *ev, void *arg,
				  char *err, size_t errlen);
struct cluster *cluster_corosync_new(struct ev_loop *loop, const struct cluster_events *ev,
				     void *arg, char *err, size_t errlen);
/* Leave the group cleanly (the other members see this one in `left`
 * without left_failed), then free. */
void cluster_free(struct cluster *c);

/* Broadcast (copied; queued while Corosync says "try again"). 0, or
 * -EMSGSIZE (over CLUSTER_MAX_MSG) / -ENOTCONN. */
#define CLUSTER_MAX_MSG (1u << 20)
int cluster_send(struct cluster *c, const void *data, size_t len);

const struct cluster_member *cluster_self(const struct cluster *c);
/* The node name of a Corosync node id from the nodelist, or NULL. */
const char *cluster_node_name(const struct cluster *c, uint32_t id);

#endif
