/* Tests for src/cluster/exec*.c: real processes and real agents
 * (ocf:heartbeat:Dummy, ocf:pacemaker:Stateful), plus small agents written
 * into a temporary OCF root. Each test runs in its own child (unit.h); an
 * atexit() handler kills the processes it started and removes its
 * temporary directory, also when a CHECK fails. */
#include "unit.h"
#include "cluster/exec.h"
#include "cluster/exec_int.h"
#include "lib/ev.h"
#include "lib/log.h"
#include "lib/util.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#define GUARD_MS 10000

static char tmp[64];
static pid_t started[16];
static int nstarted;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void cleanup(void)
{
	for (int i = 0; i < nstarted; i++) {
		kill(-started[i], SIGKILL);
		kill(started[i], SIGKILL);
	}
	if (tmp[0])
		nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void remember_pid(pid_t pid)
{
	if (nstarted < (int)ARRAY_SIZE(started))
		started[nstarted++] = pid;
}

static void setup_tmp(void)
{
	snprintf(tmp, sizeof(tmp), "/tmp/vigil-exec-XXXXXX");
	CHECK(mkdtemp(tmp) != NULL);
	atexit(cleanup);
}

static char *tpath(const char *name)
{
	return xasprintf("%s/%s", tmp, name);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	fputs(text, f);
	fclose(f);
	CHECK(chmod(path, mode) == 0);
}

static char *read_file(const char *path)
{
	static char buf[65536];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	return buf;
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* Gone, or a zombie nobody reaps yet (this sandbox's init is slow). */
static bool pid_gone(pid_t pid)
{
	char state = 0;

	return exec_proc_stat(pid, &state, NULL, NULL) < 0 || state == 'Z';
}

/* ---- the loop ---- */

struct got {
	int calls;
	int call_id;
	enum exec_status status;
	int rc;
	char reason[512];
	char output[4096];
	long long exec_ms;
	int rcs[8];         /* every rc, in order */
};

static void on_done(void *arg, const struct exec_op *op, const struct exec_result *res)
{
	struct got *g = arg;

	if (g->calls < (int)ARRAY_SIZE(g->rcs))
		g->rcs[g->calls] = res->rc;
	g->calls++;
	g->call_id = res->call_id;
	g->status = res->status;
	g->rc = res->rc;
	snprintf(g->reason, sizeof(g->reason), "%s", res->reason ? res->reason : "");
	snprintf(g->output, sizeof(g->output), "%s", res->output);
	g->exec_ms = res->exec_ms;
}

static struct ev_loop *loop;

static void guard_cb(struct ev_loop *l, struct ev_timer *t)
{
	fprintf(stderr, "  guard: nothing happened in %d ms\n", GUARD_MS);
	exit(1);
}

static void stop_cb(struct ev_loop *l, struct ev_timer *t)
{
	ev_loop_stop(l);
}

/* Run the loop until g has `calls` results (fail after GUARD_MS). */
static void wait_calls(struct got *g, int calls)
{
	struct ev_timer guard, poll;

	ev_timer_init(&guard, guard_cb, NULL);
	ev_timer_init(&poll, stop_cb, NULL);
	ev_update_time(loop);
	ev_timer_start(loop, &guard, GUARD_MS);
	while (g->calls < calls) {
		ev_timer_start(loop, &poll, 5);
		ev_loop_run(loop);
	}
	ev_timer_stop(loop, &guard);
	ev_timer_stop(loop, &poll);
}

/* Run the loop for ms milliseconds. */
static void run_for(int ms)
{
	struct ev_timer t;

	ev_timer_init(&t, stop_cb, NULL);
	ev_update_time(loop);
	ev_timer_start(loop, &t, (uint64_t)ms);
	ev_loop_run(loop);
	ev_timer_stop(loop, &t);
}

static struct executor *new_executor_prestart(bool fence_prestart)
{
	char *helpers = tpath("helpers"), *state = tpath("state");
	struct exec_config cfg = {
		.node_name = "node1",
		.helper_dir = helpers,
		.socket_path = "/run/vigil/test.sock",
		.state_dir = state,
		.fence_dir = tmp,
		.fence_prestart = fence_prestart,
	};
	struct executor *ex;

	mkdir(helpers, 0755);
	ex = executor_new(loop, &cfg);
	free(helpers);
	free(state);
	return ex;
}

static struct executor *new_executor(void)
{
	return new_executor_prestart(false);
}

static struct exec_op ocf_op(const char *rsc, const char *provider, const char *type,
			     const char *action, const struct sched_attrs *params)
{
	struct exec_op op = {
		.rsc = rsc, .cls = "ocf", .provider = provider, .type = type,
		.action = action, .params = params,
	};

	return op;
}

static struct got run_sync(struct executor *ex, const struct exec_op *op)
{
	struct got g = { 0 };

	CHECK(exec_run(ex, op, on_done, &g) > 0);
	wait_calls(&g, 1);
	return g;
}

static void init(void)
{
	setup_tmp();
	loop = ev_loop_new();
	CHECK(loop != NULL);
}

static void fini(struct executor *ex)
{
	executor_free(ex);
	run_for(1);  /* ev_free_later() memory */
	ev_loop_free(loop);
}

/* ---- tests ---- */

static void test_split_words(void)
{
	char err[128];
	char **w;

	w = exec_split_words("  /bin/echo  'a b' \"c \\\"d\\\" \\x\" e\\ f '' g\"h\"i ", err, sizeof(err));
	CHECK(w != NULL);
	CHECK_STR(w[0], "/bin/echo");
	CHECK_STR(w[1], "a b");
	CHECK_STR(w[2], "c \"d\" \\x");
	CHECK_STR(w[3], "e f");
	CHECK_STR(w[4], "");
	CHECK_STR(w[5], "ghi");
	CHECK(w[6] == NULL);
	exec_words_free(w);
	w = exec_split_words("$(id) `id` *", err, sizeof(err));
	CHECK_STR(w[0], "$(id)");
	CHECK_STR(w[1], "`id`");
	CHECK_STR(w[2], "*");
	exec_words_free(w);
	w = exec_split_words("", err, sizeof(err));
	CHECK(w != NULL && w[0] == NULL);
	exec_words_free(w);
	CHECK(exec_split_words("echo 'oops", err, sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "single quote");
	CHECK(exec_split_words("echo \"oops", err, sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "double quote");
}

static void test_rc_names(void)
{
	CHECK_STR(exec_rc_name(0), "ok");
	CHECK_STR(exec_rc_name(7), "not running");
	CHECK_STR(exec_rc_name(9), "promoted (failed)");
	CHECK_STR(exec_rc_name(191), "degraded promoted");
	CHECK_STR(exec_rc_name(42), "unknown");
}

static void test_dummy(void)
{
	struct sched_attrs params = { 0 };
	struct executor *ex;
	struct exec_op op;
	struct got g;
	char *state;

	init();
	ex = new_executor();
	state = tpath("dummy.state");
	sched_attrs_set(&params, "state", state);

	op = ocf_op("d1", "heartbeat", "Dummy", "monitor", &params);
	g = run_sync(ex, &op);
	CHECK_INT(g.status, EXEC_DONE);
	CHECK_INT(g.rc, OCF_NOT_RUNNING);

	op.action = "start";
	g = run_sync(ex, &op);
	CHECK_INT(g.status, EXEC_DONE);
	CHECK_INT(g.rc, OCF_SUCCESS);
	CHECK(exists(state));

	op.action = "monitor";
	g = run_sync(ex, &op);
	CHECK_INT(g.rc, OCF_SUCCESS);

	op.action = "stop";
	g = run_sync(ex, &op);
	CHECK_INT(g.rc, OCF_SUCCESS);
	CHECK(!exists(state));

	/* A non-probe monitor gives Dummy's exit reason. */
	op.action = "monitor";
	op.interval_ms = 60000;
	g = run_sync(ex, &op);
	CHECK_INT(g.rc, OCF_NOT_RUNNING);
	CHECK_STR(g.reason, "No process state file found");
	exec_cancel_rsc(ex, "d1");
	CHECK_INT(exec_running(ex), 0);

	free(state);
	sched_attrs_clear(&params);
	fini(ex);
}

static void test_missing_agent(void)
{
	struct executor *ex;
	struct exec_op op;
	struct got g;

	init();
	ex = new_executor();
	op = ocf_op("m1", "heartbeat", "NoSuchAgent", "start", NULL);
	g = run_sync(ex, &op);
	CHECK_INT(g.status, EXEC_DONE);
	CHECK_INT(g.rc, OCF_ERR_INSTALLED);
	CHECK_CONTAINS(g.reason, "agent not found: /usr/lib/ocf/resource.d/heartbeat/NoSuchAgent");

	op = ocf_op("m1", "../..", "Dummy", "start", NULL);
	g = run_sync(ex, &op);
	CHECK_INT(g.rc, OCF_ERR_INSTALLED);

	op = ocf_op("m1", "heartbeat", "Dummy", "start", NULL);
	op.cls = "lsb";
	g = run_sync(ex, &op);
	CHECK_INT(g.status, EXEC_NOT_SUPPORTED);

	CHECK(exec_agent_exists(ex, "ocf", "heartbeat", "Dummy"));
	CHECK(exec_agent_exists(ex, "ocf", "pacemaker", "Stateful"));
	CHECK(!exec_agent_exists(ex, "ocf", "heartbeat", "NoSuchAgent"));
	CHECK(!exec_agent_exists(ex, "ocf", "heartbeat", "../pacemaker/Dummy"));
	CHECK(exec_agent_exists(ex, "vigil", NULL, "process"));
	CHECK(exec_agent_exists(ex, "vigil", NULL, "vip"));
	CHECK(!exec_agent_exists(ex, "vigil", NULL, "nope"));
	CHECK(!exec_agent_exists(ex, "stonith", NULL, "fence_nope"));
	CHECK(exec_run(ex, &(struct exec_op){ .rsc = "x" }, on_done, NULL) == -EINVAL);
	fini(ex);
}

/* A test OCF root: resource.d/test/echoenv and friends. */
static char *make_ocf_root(void)
{
	char *root = tpath("ocf"), *dir = tpath("ocf/resource.d"), *prov = tpath("ocf/resource.d/test");
	char *agent;

	CHECK(mkdir(root, 0755) == 0 && mkdir(dir, 0755) == 0 && mkdir(prov, 0755) == 0);
	/* The real agents too: Dummy next to the test ones. */
	agent = tpath("ocf/resource.d/heartbeat");
	CHECK(symlink("/usr/lib/ocf/resource.d/heartbeat", agent) == 0);
	free(agent);
	agent = tpath("ocf/lib");
	CHECK(symlink("/usr/lib/ocf/lib", agent) == 0);
	free(agent);
	agent = tpath("ocf/resource.d/test/echoenv");
	write_file(agent,
		   "#!/bin/sh\n"
		   "case $1 in\n"
		   "start) env > \"$OCF_RESKEY_out\"; cat > \"$OCF_RESKEY_out.stdin\"; exit 0;;\n"
		   "fail) echo hello from agent; echo ocf-exit-reason:custom reason >&2;"
		   " echo after; exit 1;;\n"
		   "segv) kill -SEGV $$;;\n"
		   "*) exit 3;;\n"
		   "esac\n", 0755);
	free(agent);
	/* Hangs: a background grandchild and a foreground sleep; "stubborn"
	 * ignores SIGTERM (and so does its sleep: ignored signals survive
	 * exec). */
	agent = tpath("ocf/resource.d/test/sleeper");
	write_file(agent,
		   "#!/bin/sh\n"
		   "[ \"$OCF_RESKEY_stubborn\" = 1 ] && trap '' TERM\n"
		   "sleep 60 &\n"
		   "echo $! > \"$OCF_RESKEY_gc\"\n"
		   "sleep 60\n", 0755);
	free(agent);
	agent = tpath("ocf/resource.d/test/noexec");
	write_file(agent, "#!/bin/sh\nexit 0\n", 0644);
	free(agent);
	free(dir);
	free(prov);
	return root;
}

static struct executor *new_executor_root(const char *root)
{
	char *helpers = tpath("helpers"), *state = tpath("state");
	struct exec_config cfg = {
		.node_name = "node1",
		.ocf_root = root,
		.helper_dir = helpers,
		.socket_path = "/run/vigil/test.sock",
		.state_dir = state,
		.fence_dir = tmp,
	};
	struct executor *ex;

	mkdir(helpers, 0755);
	ex = executor_new(loop, &cfg);
	free(helpers);
	free(state);
	return ex;
}

static void test_env_and_params(void)
{
	struct sched_attrs params = { 0 }, env = { 0 };
	char *root, *out, *pwned, *evil, *expect, *text;
	struct executor *ex;
	struct exec_op op;
	struct got g;

	init();
	root = make_ocf_root();
	ex = new_executor_root(root);
	out = tpath("env.out");
	pwned = tpath("pwned");
	evil = xasprintf("$(touch %s); `touch %s`; \"quoted\" 'single' \\", pwned, pwned);
	sched_attrs_set(&params, "out", out);
	sched_attrs_set(&params, "x", "hello world");
	sched_attrs_set(&params, "evil", evil);
	sched_attrs_set(&params, "OCF_CHECK_LEVEL", "10");
	sched_attrs_set(&env, "OCF_RESKEY_CRM_meta_notify_type", "pre");
	op = ocf_op("myrsc", "test", "echoenv", "start", &params);
	op.env = &env;
	op.timeout_ms = 12345;
	g = run_sync(ex, &op);
	CHECK_INT(g.status, EXEC_DONE);
	CHECK_INT(g.rc, 0);

	text = read_file(out);
	CHECK(text != NULL);
	CHECK_CONTAINS(text, "\nOCF_RESKEY_x=hello world\n");
	CHECK_CONTAINS(text, "\nOCF_RESOURCE_INSTANCE=myrsc\n");
	CHECK_CONTAINS(text, "\nOCF_RESOURCE_TYPE=echoenv\n");
	CHECK_CONTAINS(text, "\nOCF_RESOURCE_PROVIDER=test\n");
	CHECK_CONTAINS(text, "\nOCF_RA_VERSION_MAJOR=1\n");
	CHECK_CONTAINS(text, "\nOCF_RESKEY_CRM_meta_timeout=12345\n");
	CHECK_CONTAINS(text, "\nOCF_RESKEY_CRM_meta_interval=0\n");
	CHECK_CONTAINS(text, "\nOCF_RESKEY_CRM_meta_on_node=node1\n");
	CHECK_CONTAINS(text, "\nOCF_RESKEY_CRM_meta_notify_type=pre\n");
	CHECK_CONTAINS(text, "\nOCF_CHECK_LEVEL=10\n");
	CHECK_CONTAINS(text, "\nVIGIL_SOCKET=/run/vigil/test.sock\n");
	expect = xasprintf("\nOCF_ROOT=%s\n", root);
	CHECK_CONTAINS(text, expect);
	free(expect);
	expect = xasprintf("\nPATH=%s/helpers:/usr/sbin:/usr/bin:/sbin:/bin\n", tmp);
	CHECK_CONTAINS(text, expect);
	free(expect);
	expect = xasprintf("\nHA_SBIN_DIR=%s/helpers\n", tmp);
	CHECK_CONTAINS(text, expect);
	free(expect);
	expect = xasprintf("\nOCF_RESKEY_evil=%s\n", evil);
	CHECK_CONTAINS(text, expect);
	free(expect);
	CHECK(!strstr(text, "HOME="));          /* a clean environment */
	CHECK(!exists(pwned));
	expect = xasprintf("%s.stdin", out);
	text = read_file(expect);
	free(expect);
	CHECK(text && !*text);                    /* stdin is /dev/null */

	/* Output, exit reason, signal death. */
	op.action = "fail";
	g = run_sync(ex, &op);
	CHECK_INT(g.status, EXEC_DONE);
	CHECK_INT(g.rc, OCF_ERR_GENERIC);
	CHECK_STR(g.reason, "custom reason");
	CHECK_CONTAINS(g.output, "hello from agent\n");
	CHECK_CONTAINS(g.output, "after\n");
	op.action = "segv";
	g = run_sync(ex, &op);
	CHECK_INT(g.status, EXEC_ERROR);
	CHECK_STR(g.reason, "killed by signal 11");
	op.action = "reload";
	g = run_sync(ex, &op);
	CHECK_INT(g.rc, OCF_ERR_UNIMPLEMENTED);

	/* Present but not executable. */
	op = ocf_op("r2", "test", "noexec", "start", NULL);
	g = run_sync(ex, &op);
	CHECK_INT(g.status, EXEC_DONE);
	CHECK_INT(g.rc, OCF_ERR_INSTALLED);
	CHECK_CONTAINS(g.reason, "Permission denied");
	CHECK(!exec_agent_exists(ex, "ocf", "test", "noexec"));

	sched_attrs_clear(&params);
	sched_attrs_clear(&env);
	free(root);
	free(out);
	free(pwned);
	free(evil);
	fini(ex);
}

static void test_timeout(void)
{
	struct sched_attrs params = { 0 };
	char *root, *gc, *text;
	struct executor *ex;
	struct exec_op op;
	pid_t gpid;
	struct got g;
	uint64_t t0;

	init();
	root = make_ocf_root();
	ex = new_executor_root(root);
	gc = tpath("gc.pid");
	sched_attrs_set(&params, "gc", gc);
	op = ocf_op("slow", "test", "sleeper", "start", &params);
	op.timeout_ms = 300;
	t0 = ev_monotonic_ms();
	g = run_sync(ex, &op);
	CHECK_INT(g.status, EXEC_TIMEOUT);
	CHECK_INT(g.rc, OCF_ERR_GENERIC);
	CHECK_STR(g.reason, "timed out after 300 ms");
	CHECK(ev_monotonic_ms() - t0 < 2000);    /* SIGTERM was enough */
	text = read_file(gc);
	CHECK(text != NULL);
	gpid = atoi(text);
	CHECK(gpid > 0);
	remember_pid(gpid);
	CHECK(pid_gone(gpid));
	CHECK_INT(exec_running(ex), 0);

	/* SIGTERM ignored: SIGKILL 2 s later takes the whole group. */
	unlink(gc);
	sched_attrs_set(&params, "stubborn", "1");
	t0 = ev_monotonic_ms();
	g = run_sync(ex, &op);
	CHECK_INT(g.status, EXEC_TIMEOUT);
	CHECK(ev_monotonic_ms() - t0 >= 2000);
	text = read_file(gc);
	CHECK(text != NULL);
	gpid = atoi(text);
	remember_pid(gpid);
	CHECK(pid_gone(gpid));

	sched_attrs_clear(&params);
	free(gc);
	free(root);
	fini(ex);
}

static void test_hang_does_not_block(void)
{
	struct sched_attrs sp = { 0 }, dp = { 0 };
	struct got slow = { 0 }, fast = { 0 };
	char *root, *gc, *state;
	struct executor *ex;
	struct exec_op op;
	int slow_id;

	init();
	root = make_ocf_root();
	ex = new_executor_root(root);
	gc = tpath("gc.pid");
	state = tpath("fast.state");
	sched_attrs_set(&sp, "gc", gc);
	sched_attrs_set(&dp, "state", state);
	op = ocf_op("slow", "test", "sleeper", "start", &sp);
	op.timeout_ms = 30000;
	slow_id = exec_run(ex, &op, on_done, &slow);
	CHECK(slow_id > 0);
	op = ocf_op("fast", "heartbeat", "Dummy", "start", &dp);
	CHECK(exec_run(ex, &op, on_done, &fast) > 0);
	wait_calls(&fast, 1);
	CHECK_INT(fast.rc, 0);
	CHECK_INT(slow.calls, 0);
	CHECK_INT(exec_running(ex), 1);

	/* A second op of the slow resource waits for the first. */
	{
		struct got queued = { 0 };

		op = ocf_op("slow", "heartbeat", "Dummy", "start", &dp);
		CHECK(exec_run(ex, &op, on_done, &queued) > 0);
		run_for(200);
		CHECK_INT(queued.calls, 0);
		exec_cancel(ex, slow_id);
		wait_calls(&queued, 1);
		CHECK_INT(queued.rc, 0);
	}
	run_for(100);
	CHECK_INT(slow.calls, 0);
	CHECK_INT(exec_running(ex), 0);
	if (read_file(gc))
		remember_pid(atoi(read_file(gc)));

	sched_attrs_clear(&sp);
	sched_attrs_clear(&dp);
	free(gc);
	free(state);
	free(root);
	fini(ex);
}

static void test_recurring_dummy(void)
{
	struct sched_attrs params = { 0 };
	struct got g = { 0 }, s;
	struct executor *ex;
	struct exec_op op;
	char *state;
	int id;

	init();
	ex = new_executor();
	state = tpath("rec.state");
	sched_attrs_set(&params, "state", state);
	op = ocf_op("rec", "heartbeat", "Dummy", "start", &params);
	s = run_sync(ex, &op);
	CHECK_INT(s.rc, 0);

	op.action = "monitor";
	op.interval_ms = 100;
	id = exec_run(ex, &op, on_done, &g);
	wait_calls(&g, 1);
	CHECK_INT(g.rc, OCF_SUCCESS);
	CHECK_INT(g.call_id, id);
	run_for(600);                 /* several runs, no change: no report */
	CHECK_INT(g.calls, 1);
	CHECK(unlink(state) == 0);
	wait_calls(&g, 2);
	CHECK_INT(g.rc, OCF_NOT_RUNNING);
	run_for(400);
	CHECK_INT(g.calls, 2);
	exec_cancel(ex, id);
	run_for(300);
	CHECK_INT(g.calls, 2);
	CHECK_INT(exec_running(ex), 0);

	sched_attrs_clear(&params);
	free(state);
	fini(ex);
}

/* ---- cancel ---- */

struct canceller {
	struct executor *ex;
	int calls;
	int id;
	struct exec_op next;  /* run from the callback when rsc is set */
	struct got nested;
};

static void cancel_self(void *arg, const struct exec_op *op, const struct exec_result *res)
{
	struct canceller *c = arg;

	c->calls++;
	exec_cancel(c->ex, res->call_id);
	exec_cancel(c->ex, res->call_id);     /* twice: no effect */
	if (c->next.rsc)
		CHECK(exec_run(c->ex, &c->next, on_done, &c->nested) > 0);
}

static void cancel_rsc_cb(void *arg, const struct exec_op *op, const struct exec_result *res)
{
	struct canceller *c = arg;

	c->calls++;
	exec_cancel_rsc(c->ex, op->rsc);
}

static void test_cancel(void)
{
	struct sched_attrs params = { 0 };
	struct canceller c = { 0 };
	struct got never = { 0 };
	struct executor *ex;
	struct exec_op op;
	char *state;
	int id;

	init();
	ex = new_executor();
	state = tpath("c.state");
	sched_attrs_set(&params, "state", state);
	c.ex = ex;

	/* Cancelled before the loop ran: the result is never reported. */
	op = ocf_op("c1", "heartbeat", "Dummy", "start", &params);
	id = exec_run(ex, &op, on_done, &never);
	exec_cancel(ex, id);
	run_for(500);
	CHECK_INT(never.calls, 0);
	CHECK_INT(exec_running(ex), 0);

	/* A recurring monitor cancelling itself in its callback, and
	 * starting another op from there. */
	op.action = "monitor";
	op.interval_ms = 50;
	c.next = ocf_op("c1", "heartbeat", "Dummy", "start", &params);
	c.id = exec_run(ex, &op, cancel_self, &c);
	wait_calls(&c.nested, 1);
	CHECK_INT(c.nested.rc, 0);
	run_for(400);
	CHECK_INT(c.calls, 1);
	CHECK_INT(c.nested.calls, 1);

	/* exec_cancel_rsc from a callback: the recurring op itself, a
	 * queued op and one running. */
	memset(&c, 0, sizeof(c));
	c.ex = ex;
	op.interval_ms = 50;
	exec_run(ex, &op, cancel_rsc_cb, &c);
	op.interval_ms = 0;
	op.action = "stop";
	exec_run(ex, &op, on_done, &never);
	run_for(500);
	CHECK_INT(c.calls, 1);
	CHECK_INT(never.calls, 0);
	CHECK_INT(exec_running(ex), 0);

	/* Cancelling a running agent. */
	op.action = "stop";
	id = exec_run(ex, &op, on_done, &never);
	CHECK_INT(exec_running(ex), 1);
	exec_cancel(ex, id);
	CHECK_INT(exec_running(ex), 0);
	run_for(300);
	CHECK_INT(never.calls, 0);

	/* An executor freed with an op running: no callback, no zombie. */
	op.action = "monitor";
	exec_run(ex, &op, on_done, &never);

	sched_attrs_clear(&params);
	free(state);
	fini(ex);
	CHECK_INT(never.calls, 0);
	CHECK(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD);
}

/* ---- vigil:process ---- */

static struct exec_op process_op(const char *rsc, const char *action, const struct sched_attrs *p)
{
	struct exec_op op = {
		.rsc = rsc, .cls = "vigil", .type = "process", .action = action, .params = p,
	};

	return op;
}

/* The pid in the pid file, checked against /proc. */
static pid_t pidfile_pid(const char *rsc)
{
	char *path = xasprintf("%s/state/process/%s.pid", tmp, rsc);
	unsigned long long st = 0, start = 0;
	char *text = read_file(path);
	int pid = 0;

	free(path);
	CHECK(text != NULL);
	CHECK(sscanf(text, "%d %llu\n", &pid, &st) == 2);
	CHECK(text[strlen(text) - 1] == '\n');
	CHECK(exec_proc_stat(pid, NULL, NULL, &start) == 0);
	CHECK_INT(start, st);
	remember_pid(pid);
	return pid;
}

static bool pidfile_exists(const char *rsc)
{
	char *path = xasprintf("%s/state/process/%s.pid", tmp, rsc);
	bool ok = exists(path);

	free(path);
	return ok;
}

static void test_process_crash(void)
{
	struct sched_attrs params = { 0 };
	struct got g = { 0 }, s;
	struct executor *ex;
	struct exec_op op;
	uint64_t t0, t1;
	pid_t pid;
	int id;

	init();
	ex = new_executor();
	sched_attrs_set(&params, "command", "sleep 1000");

	op = process_op("p1", "monitor", &params);
	s = run_sync(ex, &op);
	CHECK_INT(s.rc, OCF_NOT_RUNNING);        /* never started */

	op.action = "start";
	s = run_sync(ex, &op);
	CHECK_INT(s.status, EXEC_DONE);
	CHECK_INT(s.rc, OCF_SUCCESS);
	pid = pidfile_pid("p1");
	CHECK(getpgid(pid) == pid && getsid(pid) == pid);

	op.action = "start";                     /* already running */
	s = run_sync(ex, &op);
	CHECK_INT(s.rc, OCF_SUCCESS);
	CHECK_INT(pidfile_pid("p1"), pid);

	op.action = "monitor";
	op.interval_ms = 60000;                   /* the death must not wait for it */
	id = exec_run(ex, &op, on_done, &g);
	wait_calls(&g, 1);
	CHECK_INT(g.rc, OCF_SUCCESS);

	t0 = ev_monotonic_ms();
	CHECK(kill(pid, SIGKILL) == 0);
	wait_calls(&g, 2);
	t1 = ev_monotonic_ms();
	fprintf(stderr, "  crash of a vigil:process reported in %llu ms\n",
		(unsigned long long)(t1 - t0));
	CHECK(t1 - t0 < 5000);
	CHECK_INT(g.status, EXEC_DONE);
	CHECK_INT(g.rc, OCF_NOT_RUNNING);
	CHECK_INT(g.call_id, id);
	{
		char *expect = xasprintf("process %d killed by signal 9", (int)pid);

		CHECK_STR(g.reason, expect);
		free(expect);
	}
	/* Reaped: no zombie left behind. */
	CHECK(exec_proc_stat(pid, NULL, NULL, NULL) == -ENOENT);
	exec_cancel(ex, id);

	op = process_op("p1", "monitor", &params);
	s = run_sync(ex, &op);
	CHECK_INT(s.rc, OCF_NOT_RUNNING);
	op.action = "stop";
	s = run_sync(ex, &op);
	CHECK_INT(s.rc, OCF_SUCCESS);
	CHECK(!pidfile_exists("p1"));

	sched_attrs_clear(&params);
	fini(ex);
}

/* The death lands while the monitor's first result is being reported:
 * the monitor runs again at once instead of after its interval. */
static void test_process_crash_while_reporting(void)
{
	struct sched_attrs params = { 0 };
	struct got g = { 0 }, s;
	struct executor *ex;
	struct exec_op op;
	char state = 0;
	pid_t pid;

	init();
	ex = new_executor();
	sched_attrs_set(&params, "command", "sleep 1000");
	op = process_op("p5", "start", &params);
	s = run_sync(ex, &op);
	CHECK_INT(s.rc, 0);
	pid = pidfile_pid("p5");
	op.action = "monitor";
	op.interval_ms = 60000;
	CHECK(exec_run(ex, &op, on_done, &g) > 0);
	kill(pid, SIGKILL);
	for (int i = 0; i < 500 && state != 'Z'; i++) {
		usleep(1000);
		exec_proc_stat(pid, &state, NULL, NULL);
	}
	CHECK(state == 'Z');
	wait_calls(&g, 2);
	CHECK_INT(g.rcs[0], OCF_SUCCESS);
	CHECK_INT(g.rcs[1], OCF_NOT_RUNNING);
	exec_cancel_rsc(ex, "p5");
	sched_attrs_clear(&params);
	fini(ex);
}

static void test_process_errors(void)
{
	struct sched_attrs params = { 0 };
	struct executor *ex;
	struct exec_op op;
	struct got s;

	init();
	ex = new_executor();
	op = process_op("e1", "start", &params);
	s = run_sync(ex, &op);
	CHECK_INT(s.rc, OCF_ERR_CONFIGURED);
	CHECK_CONTAINS(s.reason, "command");

	sched_attrs_set(&params, "command", "/nonexistent/prog --flag");
	s = run_sync(ex, &op);
	CHECK_INT(s.status, EXEC_DONE);
	CHECK_INT(s.rc, OCF_ERR_INSTALLED);
	CHECK_STR(s.reason, "cannot execute /nonexistent/prog: No such file or directory");
	CHECK(!pidfile_exists("e1"));

	sched_attrs_set(&params, "command", "no-such-program-here");
	s = run_sync(ex, &op);
	CHECK_INT(s.rc, OCF_ERR_INSTALLED);
	CHECK_CONTAINS(s.reason, "cannot execute no-such-program-here");

	sched_attrs_set(&params, "command", "sleep 'unterminated");
	s = run_sync(ex, &op);
	CHECK_INT(s.rc, OCF_ERR_CONFIGURED);

	sched_attrs_set(&params, "command", "sleep 1000");
	sched_attrs_set(&params, "cwd", "/nonexistent-dir");
	s = run_sync(ex, &op);
	CHECK_INT(s.rc, OCF_ERR_INSTALLED);
	CHECK_CONTAINS(s.reason, "cannot change directory to /nonexistent-dir");

	sched_attrs_set(&params, "cwd", "/");
	sched_attrs_set(&params, "user", "no-such-user-here");
	s = run_sync(ex, &op);
	CHECK_INT(s.rc, OCF_ERR_INSTALLED);

	op = process_op("../e1", "start", &params);
	s = run_sync(ex, &op);
	CHECK_INT(s.rc, OCF_ERR_CONFIGURED);

	op = process_op("e1", "stop", &params);
	s = run_sync(ex, &op);
	CHECK_INT(s.rc, OCF_SUCCESS);            /* not running: stopped */

	sched_attrs_clear(&params);
	fini(ex);
}

/* cwd, user, env and quoting reach the process. */
static void test_process_settings(void)
{
	struct sched_attrs params = { 0 };
	struct executor *ex;
	struct exec_op op;
	char *out, *cmd, *text;
	struct got s;
	int i;

	init();
	ex = new_executor();
	out = tpath("proc.out");
	cmd = xasprintf("/bin/sh -c 'pwd > %s; id -un >> %s; echo \"$GREETING\" >> %s; "
			"echo \"$1\" >> %s; echo to-log; exec sleep 1000' sh \"two words\"",
			out, out, out, out);
	sched_attrs_set(&params, "command", cmd);
	sched_attrs_set(&params, "cwd", tmp);
	sched_attrs_set(&params, "user", "nobody");
	sched_attrs_set(&params, "env", "GREETING='hi there' OTHER=1");
	CHECK(chmod(tmp, 0777) == 0);
	op = process_op("p2", "start", &params);
	s = run_sync(ex, &op);
	CHECK_INT(s.rc, 0);
	pidfile_pid("p2");
	for (i = 0; i < 200; i++) {
		text = read_file(out);
		if (text && strstr(text, "two words"))
			break;
		run_for(10);
	}
	text = read_file(out);
	CHECK(text != NULL);
	{
		char *expect = xasprintf("%s\nnobody\nhi there\ntwo words\n", tmp);

		CHECK_STR(text, expect);
		free(expect);
	}
	op.action = "stop";
	s = run_sync(ex, &op);
	CHECK_INT(s.rc, 0);
	CHECK(!pidfile_exists("p2"));

	sched_attrs_set(&params, "env", "1BAD=x");
	op.action = "start";
	s = run_sync(ex, &op);
	CHECK_INT(s.rc, OCF_ERR_CONFIGURED);

	sched_attrs_clear(&params);
	free(out);
	free(cmd);
	fini(ex);
}

/* A restarted vigild finds the process through its pid file. */
static void test_process_restart(void)
{
	struct sched_attrs params = { 0 };
	struct got g = { 0 }, s;
	struct executor *ex;
	struct exec_op op;
	pid_t pid;

	init();
	ex = new_executor();
	sched_attrs_set(&params, "command", "sleep 1000");
	op = process_op("p3", "start", &params);
	s = run_sync(ex, &op);
	CHECK_INT(s.rc, 0);
	pid = pidfile_pid("p3");
	executor_free(ex);
	run_for(1);
	CHECK(!pid_gone(pid));                  /* outlives the executor */

	ex = new_executor();
	op.action = "monitor";
	s = run_sync(ex, &op);
	CHECK_INT(s.rc, OCF_SUCCESS);
	/* A recurring monitor watches the adopted process too. */
	op.interval_ms = 60000;
	exec_run(ex, &op, on_done, &g);
	wait_calls(&g, 1);
	CHECK_INT(g.rc, OCF_SUCCESS);

	op = process_op("p3", "stop", &params);
	s = run_sync(ex, &op);
	CHECK_INT(s.rc, OCF_SUCCESS);
	CHECK(pid_gone(pid));
	CHECK(!pidfile_exists("p3"));
	wait_calls(&g, 2);
	CHECK_INT(g.rc, OCF_NOT_RUNNING);
	exec_cancel_rsc(ex, "p3");

	/* A stale pid file (a pid reused since) is not running. */
	{
		char *path = xasprintf("%s/state/process/p3.pid", tmp);
		char *line = xasprintf("%d 12345\n", (int)getpid());

		write_file(path, line, 0644);
		op = process_op("p3", "monitor", &params);
		s = run_sync(ex, &op);
		CHECK_INT(s.rc, OCF_NOT_RUNNING);
		free(path);
		free(line);
	}

	sched_attrs_clear(&params);
	fini(ex);
}

/* SIGTERM ignored: SIGKILL at the op timeout minus 1 s (at least 1 s). */
static void test_process_stubborn_stop(void)
{
	struct sched_attrs params = { 0 };
	struct executor *ex;
	struct exec_op op;
	uint64_t t0;
	struct got s;
	pid_t pid;

	init();
	ex = new_executor();
	sched_attrs_set(&params, "command", "/bin/sh -c \"trap '' TERM; sleep 1000 & wait\"");
	op = process_op("p4", "start", &params);
	s = run_sync(ex, &op);
	CHECK_INT(s.rc, 0);
	pid = pidfile_pid("p4");
	run_for(100);
	op.action = "stop";
	op.timeout_ms = 1500;
	t0 = ev_monotonic_ms();
	s = run_sync(ex, &op);
	CHECK_INT(s.rc, 0);
	CHECK(ev_monotonic_ms() - t0 >= 1000);
	CHECK(pid_gone(pid));
	/* SIGKILL is delivered, not yet acted on, when kill() returns. */
	for (int i = 0; i < 100 && exec_group_alive(pid); i++)
		usleep(10000);
	CHECK(!exec_group_alive(pid));
	sched_attrs_clear(&params);
	fini(ex);
}

/* ---- vigil:process output ---- */

/* From here on, log lines go to a datagram socket the test reads (and
 * not to stderr). */
static int log_capture(void)
{
	static struct log_target *target;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), size = 1 << 20;
	char err[128];

	CHECK(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/log.sock", tmp);
	CHECK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	target = log_target_new(sa.sun_path, 3, LOG_LVL_NOTICE, err, sizeof(err));
	CHECK(target != NULL);
	log_set_targets(&target, 1);
	log_set_stderr(false);
	return fd;
}

/* The messages logged since the last call, one a line. */
static const char *log_read(int fd)
{
	static char text[65536];
	char buf[2048], *msg;
	size_t used = 0;
	ssize_t n;

	text[0] = 0;
	while ((n = recv(fd, buf, sizeof(buf) - 1, 0)) > 0) {
		buf[n] = 0;
		msg = strstr(buf, "]: ");
		if (msg && used + strlen(msg) + 1 < sizeof(text))
			used += (size_t)snprintf(text + used, sizeof(text) - used, "%s\n", msg + 3);
	}
	return text;
}

/* The N of each "RSC: line N" line in `text`, in order; how many. */
static int line_numbers(const char *text, const char *rsc, int *nums, int max)
{
	char *key = xasprintf("%s: line ", rsc);
	int n = 0;

	for (const char *p = text; (p = strstr(p, key)) && n < max; p++)
		nums[n++] = atoi(p + strlen(key));
	free(key);
	return n;
}

static long long file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* The first number in the last complete line of a file, -1 if none. */
static long last_line_number(const char *path)
{
	char buf[4096], *end, *line;
	long long size = file_size(path);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	CHECK(fd >= 0);
	n = pread(fd, buf, sizeof(buf) - 1, MAX(size - (long long)sizeof(buf) + 1, 0));
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	end = strrchr(buf, '\n');
	if (!end)
		return -1;
	*end = 0;
	line = strrchr(buf, '\n');
	line = line ? line + 1 : buf;
	line += strcspn(line, "0123456789");
	return *line ? strtol(line, NULL, 10) : -1;
}

/* Run the loop until `want` "RSC: line N" lines are logged (at most
 * GUARD_MS); their numbers in `nums`, how many. */
static int wait_lines(int logfd, const char *rsc, int *nums, int max, int want)
{
	int n = 0;

	for (int i = 0; i < GUARD_MS / 20 && n < want; i++) {
		run_for(20);
		n += line_numbers(log_read(logfd), rsc, nums + n, max - n);
	}
	return n;
}

#define LINES_CMD "/bin/sh -c 'i=0; while :; do echo line $i; i=$((i+1)); sleep 0.05; done'"

/* The output goes to a file, not a pipe to vigild: the process keeps
 * writing (no SIGPIPE, no EPIPE) while no executor runs, and the next
 * one follows it from the end. */
static void test_process_output_outlives_executor(void)
{
	struct sched_attrs params = { 0 };
	int logfd, nums[256], n, i;
	struct executor *ex;
	struct exec_op op;
	long long size;
	struct stat st;
	long last;
	char *out;
	struct got s;
	pid_t pid;

	init();
	logfd = log_capture();
	ex = new_executor();
	out = xasprintf("%s/state/process/p6.out", tmp);
	sched_attrs_set(&params, "command", LINES_CMD);
	op = process_op("p6", "start", &params);
	s = run_sync(ex, &op);
	CHECK_INT(s.rc, 0);
	pid = pidfile_pid("p6");
	CHECK(stat(out, &st) == 0);
	CHECK_INT(st.st_mode & 0777, 0600);

	n = wait_lines(logfd, "p6", nums, (int)ARRAY_SIZE(nums), 3);
	CHECK(n >= 3);
	for (i = 0; i < n; i++)
		CHECK_INT(nums[i], i);

	/* vigild exits. */
	executor_free(ex);
	run_for(1);
	log_read(logfd);
	size = file_size(out);
	usleep(400 * 1000);
	CHECK(!pid_gone(pid));
	CHECK(file_size(out) > size);

	/* The next vigild's probe finds it: what it wrote meanwhile is not
	 * logged, what it writes from now on is. */
	last = last_line_number(out);
	CHECK(last >= n);
	ex = new_executor();
	op.action = "monitor";
	s = run_sync(ex, &op);
	CHECK_INT(s.rc, OCF_SUCCESS);
	n = wait_lines(logfd, "p6", nums, (int)ARRAY_SIZE(nums), 3);
	CHECK(n >= 3);
	CHECK(nums[0] > last);
	for (i = 0; i < n; i++)
		CHECK_INT(nums[i], nums[0] + i);
	CHECK(!pid_gone(pid));

	/* A stop removes both files, once the process is gone. */
	op.action = "stop";
	s = run_sync(ex, &op);
	CHECK_INT(s.rc, OCF_SUCCESS);
	CHECK(pid_gone(pid));
	CHECK(!pidfile_exists("p6"));
	CHECK(!exists(out));

	/* stderr too, also opened by name by a process of another user; a
	 * last line without its newline is logged when the process dies;
	 * after a crash the file stays. */
	sched_attrs_set(&params, "command",
			"/bin/sh -c 'echo out; echo err >>/dev/stderr; printf partial; exec sleep 1000'");
	sched_attrs_set(&params, "user", "nobody");
	op = process_op("p7", "start", &params);
	s = run_sync(ex, &op);
	CHECK_INT(s.rc, 0);
	pid = pidfile_pid("p7");
	free(out);
	out = xasprintf("%s/state/process/p7.out", tmp);
	for (i = 0; i < 200 && file_size(out) < (long long)strlen("out\nerr\npartial"); i++)
		run_for(10);
	run_for(50);
	{
		const char *text = log_read(logfd);

		CHECK_CONTAINS(text, "p7: out\n");
		CHECK_CONTAINS(text, "p7: err\n");
		CHECK(strstr(text, "p7: out\n") < strstr(text, "p7: err\n"));
		CHECK(!strstr(text, "partial"));
	}
	kill(pid, SIGKILL);
	for (i = 0; i < 200 && !pid_gone(pid); i++)
		run_for(10);
	run_for(50);
	CHECK_CONTAINS(log_read(logfd), "p7: partial\n");
	CHECK(exists(out));
	CHECK(pidfile_exists("p7"));

	free(out);
	close(logfd);
	sched_attrs_clear(&params);
	fini(ex);
}

/* A process writing fast: once vigild has read everything past 1 MiB the
 * file is emptied, and the process writes on from its start. */
static void test_process_output_bounded(void)
{
	struct sched_attrs params = { 0 };
	long long size, prev = 0, peak = 0, written = 0;
	int logfd, nums[256], n, i, truncations = 0, max_logged = -1;
	struct executor *ex;
	struct exec_op op;
	char *out;
	struct got s;

	init();
	logfd = log_capture();
	ex = new_executor();
	out = xasprintf("%s/state/process/p8.out", tmp);
	/* Bursts of 32 lines of 1 KiB, 10 ms apart: a few MB/s. */
	sched_attrs_set(&params, "command",
			"/bin/sh -c 'l=$(printf %01000d 0); i=0; while :; do "
			"for j in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 "
			"17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32; do "
			"echo line $i $l; i=$((i+1)); done; sleep 0.01; done'");
	op = process_op("p8", "start", &params);
	s = run_sync(ex, &op);
	CHECK_INT(s.rc, 0);
	pidfile_pid("p8");
	for (i = 0; i < 3000 && (written < 3 << 20 || truncations < 2); i++) {
		run_for(5);
		size = file_size(out);
		CHECK(size >= 0);
		truncations += size < prev;
		peak = MAX(peak, size);
		prev = size;
		written = MAX(written, last_line_number(out) * 1012LL);
		n = line_numbers(log_read(logfd), "p8", nums, (int)ARRAY_SIZE(nums));
		if (n)
			max_logged = MAX(max_logged, nums[n - 1]);
	}
	fprintf(stderr, "  %lld bytes written, %d truncations, file at most %lld bytes\n",
		written, truncations, peak);
	CHECK(written >= 3 << 20);
	CHECK(truncations >= 2);
	CHECK(peak < (1 << 20) + (512 << 10));
	/* Still followed after the truncations. */
	CHECK(max_logged > (3 << 20) / 1012 - 200);

	free(out);
	close(logfd);
	sched_attrs_clear(&params);
	fini(ex);
}

/* ---- stonith, vip, meta-data ---- */

static void test_stonith(void)
{
	struct sched_attrs params = { 0 };
	struct executor *ex;
	struct exec_op op = { .rsc = "fence1", .cls = "stonith", .type = "fence_test" };
	char *agent, *in, *script, *text;
	struct got s;

	init();
	ex = new_executor();
	agent = tpath("fence_test");
	in = tpath("fence.stdin");
	script = xasprintf("#!/bin/sh\ncat > %s\n"
			   "grep -q '^action=reboot$' %s && exit 0\n"
			   "echo 'Failed: Unable to connect' >&2; exit 1\n", in, in);
	write_file(agent, script, 0755);
	CHECK(exec_agent_exists(ex, "stonith", NULL, "fence_test"));
	sched_attrs_set(&params, "ip", "192.0.2.1");
	sched_attrs_set(&params, "port", "node2");
	sched_attrs_set(&params, "pcmk_host_list", "node2");
	op.params = &params;
	op.action = "reboot";
	s = run_sync(ex, &op);
	CHECK_INT(s.status, EXEC_DONE);
	CHECK_INT(s.rc, 0);
	text = read_file(in);
	CHECK_STR(text, "ip=192.0.2.1\nport=node2\naction=reboot\n");

	op.action = "monitor";
	s = run_sync(ex, &op);
	CHECK_INT(s.rc, OCF_ERR_GENERIC);
	CHECK_STR(s.reason, "Failed: Unable to connect");

	sched_attrs_clear(&params);
	free(agent);
	free(in);
	free(script);
	fini(ex);
}

/* The pids a fence agent of test_fence_prestart() wrote to `path`, one
 * per line, in order; returns how many. */
static int read_pids(const char *path, pid_t *pids, int max)
{
	char *text = read_file(path), *line, *save = NULL;
	int n = 0;

	for (line = text ? strtok_r(text, "\n", &save) : NULL; line && n < max;
	     line = strtok_r(NULL, "\n", &save))
		pids[n++] = (pid_t)atoi(line);
	return n;
}

/* Run the loop until `path` lists `count` pids (fail after GUARD_MS). */
static void wait_pids(const char *path, int count)
{
	pid_t pids[16];

	for (int waited = 0; read_pids(path, pids, 16) < count; waited += 10) {
		CHECK(waited < GUARD_MS);
		run_for(10);
	}
}

static void test_fence_prestart(void)
{
	struct sched_attrs params = { 0 };
	struct exec_op op = { .rsc = "fence1", .cls = "stonith", .type = "fence_warm" };
	char *agent, *starts, *acted, *script, *in;
	pid_t pids[16], used[16], warm;
	struct executor *ex;
	struct got s;

	init();
	ex = new_executor_prestart(true);
	agent = tpath("fence_warm");
	starts = tpath("warm.starts");
	acted = tpath("warm.acted");
	/* Each start is logged at once; what it was given once stdin ends. */
	script = xasprintf("#!/bin/sh\necho $$ >> %s\nin=$(cat)\necho $$ >> %s\n"
			   "printf '%%s\\n' \"$in\" > %s.$$\n", starts, acted, acted);
	write_file(agent, script, 0755);
	sched_attrs_set(&params, "port", "node2");
	op.params = &params;

	/* One is started ahead and waits for its parameters. */
	exec_fence_prestart(ex, (const char *const[]){ "fence_warm" }, 1);
	wait_pids(starts, 1);
	run_for(100);
	CHECK_INT(read_pids(starts, pids, 16), 1);
	warm = pids[0];
	remember_pid(warm);
	CHECK(!pid_gone(warm));
	CHECK(!exists(acted));

	/* The fence is that agent's: nothing else started. */
	op.action = "reboot";
	s = run_sync(ex, &op);
	CHECK_INT(s.status, EXEC_DONE);
	CHECK_INT(s.rc, OCF_SUCCESS);
	CHECK_INT(read_pids(acted, used, 16), 1);
	CHECK_INT(used[0], warm);
	in = xasprintf("%s.%d", acted, (int)warm);
	CHECK_STR(read_file(in), "port=node2\naction=reboot\n");
	free(in);

	/* Another waits a moment later. A monitor does not take it. */
	wait_pids(starts, 2);
	CHECK_INT(read_pids(starts, pids, 16), 2);
	warm = pids[1];
	remember_pid(warm);
	op.action = "monitor";
	s = run_sync(ex, &op);
	CHECK_INT(s.rc, OCF_SUCCESS);
	CHECK_INT(read_pids(acted, used, 16), 2);
	CHECK(used[1] != warm);
	CHECK(!pid_gone(warm));

	/* An agent changed on disk is started afresh for the fence, and the
	 * one started from the old program is killed without acting. */
	free(script);
	script = xasprintf("#!/bin/sh\necho $$ >> %s\nin=$(cat)\necho $$ >> %s\n"
			   "printf '%%s\\n' \"$in\" > %s.$$\nexit 0\n", starts, acted, acted);
	write_file(agent, script, 0755);
	op.action = "off";
	s = run_sync(ex, &op);
	CHECK_INT(s.rc, OCF_SUCCESS);
	CHECK_INT(read_pids(acted, used, 16), 3);
	CHECK(used[2] != warm);
	CHECK(pid_gone(warm));

	/* Not wanted any more: killed, never run with an empty stdin. (The
	 * starts so far: two ahead, the monitor's, the last fence's.) */
	wait_pids(starts, 5);
	CHECK_INT(read_pids(starts, pids, 16), 5);
	warm = pids[4];
	remember_pid(warm);
	exec_fence_prestart(ex, NULL, 0);
	CHECK(pid_gone(warm));
	run_for(1500);
	CHECK_INT(read_pids(starts, pids, 16), 5);
	CHECK_INT(read_pids(acted, used, 16), 3);

	sched_attrs_clear(&params);
	free(agent);
	free(starts);
	free(acted);
	free(script);
	fini(ex);
}

/* An agent that does not wait for its stdin is not started ahead again;
 * fences still work, each with an agent of its own. Without
 * fence_prestart, nothing is started ahead. */
static void test_fence_prestart_refused(void)
{
	struct exec_op op = { .rsc = "fence1", .cls = "stonith", .type = "fence_quick",
			      .action = "reboot" };
	char *agent, *starts, *script;
	struct executor *ex;
	pid_t pids[16];
	struct got s;

	init();
	agent = tpath("fence_quick");
	starts = tpath("quick.starts");
	script = xasprintf("#!/bin/sh\necho $$ >> %s\n", starts);
	write_file(agent, script, 0755);

	ex = new_executor_prestart(false);
	exec_fence_prestart(ex, (const char *const[]){ "fence_quick" }, 1);
	run_for(300);
	CHECK(!exists(starts));
	executor_free(ex);

	ex = new_executor_prestart(true);
	exec_fence_prestart(ex, (const char *const[]){ "fence_quick" }, 1);
	wait_pids(starts, 1);
	run_for(1500);
	CHECK_INT(read_pids(starts, pids, 16), 1);
	s = run_sync(ex, &op);
	CHECK_INT(s.rc, OCF_SUCCESS);
	run_for(1500);
	CHECK_INT(read_pids(starts, pids, 16), 2);

	free(agent);
	free(starts);
	free(script);
	fini(ex);
}

/* vigild killed (kill -9) while an agent waits: the agent dies too, and
 * never acts on the end of its stdin. */
static void test_fence_prestart_dies_with_vigild(void)
{
	char *agent, *starts, *acted, *script;
	pid_t daemon, pids[16];
	int waited;

	init();
	agent = tpath("fence_warm");
	starts = tpath("warm.starts");
	acted = tpath("warm.acted");
	script = xasprintf("#!/bin/sh\necho $$ >> %s\ncat > /dev/null\necho $$ >> %s\n",
			   starts, acted);
	write_file(agent, script, 0755);
	daemon = fork();
	CHECK(daemon >= 0);
	if (daemon == 0) {
		struct executor *ex;

		loop = ev_loop_new();
		ex = new_executor_prestart(true);
		exec_fence_prestart(ex, (const char *const[]){ "fence_warm" }, 1);
		for (;;)
			run_for(1000);
	}
	remember_pid(daemon);
	wait_pids(starts, 1);
	CHECK_INT(read_pids(starts, pids, 16), 1);
	remember_pid(pids[0]);
	CHECK(kill(daemon, SIGKILL) == 0);
	CHECK(waitpid(daemon, NULL, 0) == daemon);
	for (waited = 0; !pid_gone(pids[0]); waited += 10) {
		CHECK(waited < GUARD_MS);
		run_for(10);
	}
	run_for(300);
	CHECK(!exists(acted));

	free(agent);
	free(starts);
	free(acted);
	free(script);
	ev_loop_free(loop);
}

static void test_stateful(void)
{
	struct sched_attrs params = { 0 };
	char *helper, *log, *script, *state, *text;
	struct executor *ex;
	struct exec_op op;
	struct got s;

	init();
	ex = new_executor();
	helper = tpath("helpers/crm_attribute");
	log = tpath("crm_attribute.log");
	script = xasprintf("#!/bin/sh\necho \"$*\" >> %s\n", log);
	write_file(helper, script, 0755);
	state = tpath("stateful.state");
	sched_attrs_set(&params, "state", state);
	op = ocf_op("st", "pacemaker", "Stateful", "start", &params);
	s = run_sync(ex, &op);
	CHECK_INT(s.rc, OCF_SUCCESS);
	op.action = "promote";
	s = run_sync(ex, &op);
	CHECK_INT(s.rc, OCF_SUCCESS);
	op.action = "monitor";
	op.interval_ms = 10000;
	s = run_sync(ex, &op);
	CHECK_INT(s.rc, OCF_RUNNING_PROMOTED);
	exec_cancel_rsc(ex, "st");
	text = read_file(log);
	CHECK(text != NULL);
	CHECK_CONTAINS(text, "--promotion -v");
	sched_attrs_clear(&params);
	free(helper);
	free(log);
	free(script);
	free(state);
	fini(ex);
}

static void test_vip_params(void)
{
	struct sched_attrs params = { 0 };
	struct executor *ex;
	struct exec_op op = { .rsc = "vip1", .cls = "vigil", .type = "vip", .action = "start" };
	struct got s;

	init();
	ex = new_executor();
	sched_attrs_set(&params, "ip", "not-an-address");
	op.params = &params;
	s = run_sync(ex, &op);
	CHECK_INT(s.status, EXEC_DONE);
	CHECK_INT(s.rc, OCF_ERR_CONFIGURED);
	CHECK_CONTAINS(s.reason, "not-an-address");
	op.action = "stop";                      /* could not have started */
	s = run_sync(ex, &op);
	CHECK_INT(s.rc, OCF_SUCCESS);
	op.action = "meta-data";
	s = run_sync(ex, &op);
	CHECK_INT(s.rc, 0);
	CHECK_CONTAINS(s.output, "<parameter name=\"ip\"");
	sched_attrs_clear(&params);
	fini(ex);
}

/* Loopback of a network namespace of our own: nothing on the host
 * changes. */
static bool private_lo_up(void)
{
	struct ifreq ifr;
	int fd;

	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "  skipped: unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return false;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	CHECK(fd >= 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	CHECK(ioctl(fd, SIOCGIFFLAGS, &ifr) == 0);
	ifr.ifr_flags |= IFF_UP;
	CHECK(ioctl(fd, SIOCSIFFLAGS, &ifr) == 0);
	close(fd);
	return true;
}

static void test_vip(void)
{
	struct sched_attrs params = { 0 };
	struct executor *ex;
	struct exec_op op = { .rsc = "vip2", .cls = "vigil", .type = "vip" };
	struct got s;

	if (!private_lo_up())
		return;
	init();
	ex = new_executor();
	sched_attrs_set(&params, "ip", "198.18.99.1");
	sched_attrs_set(&params, "nic", "lo");
	sched_attrs_set(&params, "cidr_netmask", "24");
	sched_attrs_set(&params, "arp_count", "3");
	op.params = &params;
	op.action = "monitor";
	s = run_sync(ex, &op);
	CHECK_INT(s.rc, OCF_NOT_RUNNING);
	op.action = "start";
	s = run_sync(ex, &op);
	CHECK_INT(s.rc, OCF_SUCCESS);
	op.action = "monitor";
	s = run_sync(ex, &op);
	CHECK_INT(s.rc, OCF_SUCCESS);
	run_for(250);                    /* an announcement or two */
	op.action = "stop";
	s = run_sync(ex, &op);
	CHECK_INT(s.rc, OCF_SUCCESS);
	op.action = "monitor";
	s = run_sync(ex, &op);
	CHECK_INT(s.rc, OCF_NOT_RUNNING);
	/* Announcements pending at executor_free() go with it. */
	op.action = "start";
	s = run_sync(ex, &op);
	CHECK_INT(s.rc, OCF_SUCCESS);
	sched_attrs_clear(&params);
	fini(ex);
}

static void test_metadata(void)
{
	struct executor *ex;
	const char *m, *m2;

	init();
	ex = new_executor();
	m = exec_metadata(ex, "ocf", "heartbeat", "Dummy");
	CHECK(m != NULL);
	CHECK_CONTAINS(m, "<resource-agent");
	m2 = exec_metadata(ex, "ocf", "heartbeat", "Dummy");
	CHECK(m == m2);                          /* cached */
	CHECK(exec_metadata(ex, "ocf", "heartbeat", "NoSuchAgent") == NULL);
	CHECK_INT(exec_default_timeout_ms(ex, "ocf", "heartbeat", "Dummy", "start"), 20000);
	CHECK_INT(exec_default_timeout_ms(ex, "ocf", "heartbeat", "Dummy", "meta-data"), 5000);
	CHECK_INT(exec_default_timeout_ms(ex, "ocf", "pacemaker", "Stateful", "promote"), 10000);
	CHECK_INT(exec_default_timeout_ms(ex, "ocf", "heartbeat", "Dummy", "promote"), 0);
	CHECK_INT(exec_default_timeout_ms(ex, "vigil", NULL, "process", "stop"), 20000);
	CHECK_CONTAINS(exec_metadata(ex, "vigil", NULL, "process"), "name=\"command\"");
	fini(ex);
}

int main(void)
{
	RUN(test_split_words);
	RUN(test_rc_names);
	RUN(test_dummy);
	RUN(test_missing_agent);
	RUN(test_env_and_params);
	RUN(test_timeout);
	RUN(test_hang_does_not_block);
	RUN(test_recurring_dummy);
	RUN(test_cancel);
	RUN(test_process_crash);
	RUN(test_process_crash_while_reporting);
	RUN(test_process_errors);
	RUN(test_process_settings);
	RUN(test_process_restart);
	RUN(test_process_stubborn_stop);
	RUN(test_process_output_outlives_executor);
	RUN(test_process_output_bounded);
	RUN(test_stonith);
	RUN(test_fence_prestart);
	RUN(test_fence_prestart_refused);
	RUN(test_fence_prestart_dies_with_vigild);
	RUN(test_stateful);
	RUN(test_vip_params);
	RUN(test_vip);
	RUN(test_metadata);
	UNIT_DONE();
}
