/* controller: vigild's decision loop.
 *
 * On every event (configuration change, operation result, process crash,
 * timer, command) it runs the scheduler on the configuration and the
 * recorded status, and executes the resulting transition in dependency
 * order through the executor; a new event lets the running actions finish,
 * starts nothing more, and recomputes. When vigild starts it forgets the
 * node's operation history and probes every resource, so a restart of
 * vigild never restarts a healthy service.
 *
 * Probes and recurring monitors are the controller's own business on each
 * node: a resource without history here is probed before anything else is
 * decided, and the recurring monitors follow the recorded state (started on
 * each active resource, with the role's expected result; cancelled before a
 * stop or demote).
 *
 * State lives in the state directory:
 *   config/N.crm        configuration versions (the highest valid one wins)
 *   status.xml          operation history, fail counts, node attributes
 *   pe/pe-input-N.xml   inputs of the recent decisions (for simulate)
 *   transitions.log     one line per transition: why and what
 */
#ifndef VIGIL_CONTROLLER_H
#define VIGIL_CONTROLLER_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/strbuf.h"

struct ev_loop;
struct controller;

struct controller_config {
	const char *node_name;    /* local layer; Corosync names the node itself */
	bool corosync;            /* the Corosync cluster layer, else local */
	const char *fence_dir;    /* where fence agents are (default /usr/sbin) */
	const char *state_dir;
	const char *socket_path;  /* for the agents' helper commands */
	const char *helper_dir;   /* Vigil's crm_attribute & co. */
	const char *ocf_root;     /* NULL: /usr/lib/ocf */
	bool no_fence_prestart;   /* start fence agents only when they fence */
};

/* Load the newest valid configuration and the status, start probing.
 * NULL with a message in err (state directory unusable). */
struct controller *controller_new(struct ev_loop *loop, const struct controller_config *cfg,
				  char *err, size_t errlen);
void controller_free(struct controller *ctl);

struct ctl_conn;

/* A vigilctl request (argv without "vigilctl"). Writes the command's
 * stdout and stderr texts; returns its exit code (cli.h's codes), or
 * CTL_ASYNC when it answers `conn` later (a change is being delivered to
 * the cluster). */
int controller_command(struct controller *ctl, struct ctl_conn *conn, int argc, char **argv,
		       struct strbuf *out, struct strbuf *err);
/* SIGTERM. Single node: returns true, exit now, resources keep running
 * (they are probed at the next start). In a cluster a node must not leave
 * with resources running, or they would run twice: as Pacemaker does, it
 * asks to be shut down (the scheduler moves or stops its resources) and
 * stops the loop once nothing runs on it; returns false meanwhile. */
bool controller_shutdown(struct controller *ctl);
/* This node's name (from Corosync's nodelist with --cluster corosync). */
const char *controller_node_name(const struct controller *ctl);

#endif
