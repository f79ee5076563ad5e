/* libFuzzer target: cluster messages as vigild applies them (what another
 * node, or anything that can send to the CPG group, can make it read).
 * A malformed message must be refused without harm; "exec" messages are
 * skipped because applying one runs an agent. The controller runs on the
 * local layer with a state directory of its own, and its event loop is
 * never run (no timers fire, nothing is executed). */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cluster/controller_int.h"
#include "lib/ev.h"
#include "lib/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct controller *ctl;
static struct ev_loop *loop;
static char dir[64];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* The state directory goes with the process. */
static void cleanup(void)
{
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void setup(void)
{
	char err[512];
	struct controller_config cfg = { .node_name = "n1" };

	snprintf(dir, sizeof(dir), "/tmp/vigil-fuzz-msg-%d", (int)getpid());
	atexit(cleanup);
	cfg.state_dir = dir;
	cfg.socket_path = "/nonexistent";
	cfg.helper_dir = "/nonexistent";
	log_set_stderr(false);
	loop = ev_loop_new();
	ctl = controller_new(loop, &cfg, err, sizeof(err));
	if (!ctl) {
		fprintf(stderr, "fuzz_cluster_msg: %s\n", err);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cluster_member from = { .id = 2, .name = "n2" };

	if (!ctl)
		setup();
	if (size >= 7 && !memcmp(data, "4:exec,", 7))
		return 0;
	ctl_cluster_events.message(ctl, &from, data, size);
	return 0;
}
