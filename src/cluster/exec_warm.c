/* exec_warm: fence agents started ahead of their use.
 *
 * A fence is on the critical path of every failover, and starting its
 * agent is most of it: fence-agents are mostly Python programs whose
 * interpreter and imports take 100 ms and more, and on small virtual
 * machines even a compiled agent's process creation takes a few
 * milliseconds. Every agent reads all of its parameters from stdin before
 * it acts, so the executor keeps one agent of each configured fence agent
 * type started and blocked on its stdin; a fence writes its parameters
 * into that pipe and the agent acts at once.
 *
 * A waiting agent is never given an empty stdin (an agent's default action
 * is reboot): one that is not wanted any more is killed (SIGKILL to its
 * process group) before its pipe is closed. Each serves one operation; a
 * new one starts WARM_REFILL_MS later. The program's file is checked when
 * one is taken (device, inode, size, modification time): an upgraded agent
 * starts afresh. One that exits on its own within WARM_BROKEN_MS of its
 * start does not wait for stdin as fence-agents do: its type is started
 * per operation from then on, and the log says so once.
 */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cluster/exec_int.h"
#include "lib/log.h"
#include "lib/util.h"

#define WARM_REFILL_MS 1000     /* after one is used or replaced */
#define WARM_BROKEN_MS 10000    /* exits sooner: its type is not started ahead */

struct exec_warm {
	struct exec_warm *next;
	struct executor *ex;
	char *type;
	bool wanted;            /* named by the last exec_fence_prestart() */
	bool broken;            /* exited while waiting: not started ahead again */
	pid_t pid;              /* 0: none waiting */
	int pidfd, in_fd, out_fd;
	uint64_t started_ms;
	struct stat prog;       /* the program's file when it was started */
	struct ev_io pid_io;
	struct ev_timer refill;
};

static bool same_program(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static void warm_close(struct exec_warm *w)
{
	ev_io_stop(w->ex->loop, &w->pid_io);
	close(w->pidfd);
	close(w->in_fd);
	close(w->out_fd);
	w->pid = 0;
}

/* Killed before its stdin closes: it never acts. */
static void warm_kill(struct exec_warm *w)
{
	if (!w->pid)
		return;
	kill(-w->pid, SIGKILL);
	exec_reap_blocking(w->pidfd);
	warm_close(w);
}

static void warm_died(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
	struct exec_warm *w = io->data;
	char how[64];
	int wstatus;
	int r = exec_reap(w->pidfd, &wstatus);

	if (r == 0)
		return;
	if (r > 0)
		exec_describe_exit(wstatus, how, sizeof(how));
	else
		snprintf(how, sizeof(how), "was reaped elsewhere");
	warm_close(w);
	if (ev_now_ms(loop) - w->started_ms < WARM_BROKEN_MS) {
		w->broken = true;
		log_warning("Fence agent %s, started ahead, %s before it was used: it is "
			    "started for each operation from now on", w->type, how);
		return;
	}
	log_info("Fence agent %s, started ahead, %s before it was used", w->type, how);
	ev_timer_start(loop, &w->refill, WARM_REFILL_MS);
}

static void warm_start(struct exec_warm *w)
{
	struct executor *ex = w->ex;
	struct exec_env env = { 0 };
	struct exec_spawn sp = { 0 };
	char path[PATH_MAX], err[PATH_MAX + 128];
	char *argv[2] = { path, NULL };
	int in[2], out[2];

	if (w->pid || w->broken || !w->wanted ||
	    !exec_agent_path(ex, EXEC_CLASS_STONITH, NULL, w->type, path, sizeof(path)) ||
	    stat(path, &w->prog) < 0)
		return;
	if (pipe2(in, O_CLOEXEC) < 0)
		return;
	if (pipe2(out, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		return;
	}
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	exec_base_env(ex, &env);
	sp.path = path;
	sp.argv = argv;
	sp.envp = env.v;
	sp.stdin_fd = in[0];
	sp.out_fd = out[1];
	/* Killed with vigild: its stdin must not end without parameters. */
	sp.die_with_vigild = true;
	if (exec_spawn(&sp, &w->pid, &w->pidfd, err, sizeof(err)) != 0) {
		log_info("Cannot start fence agent %s ahead: %s", w->type, err);
		w->pid = 0;
		close(in[1]);
		close(out[0]);
	} else {
		w->in_fd = in[1];
		w->out_fd = out[0];
		w->started_ms = ev_now_ms(ex->loop);
		if (ev_io_start(ex->loop, &w->pid_io, w->pidfd, EPOLLIN) < 0)
			warm_kill(w);
	}
	close(in[0]);
	close(out[1]);
	exec_env_free(&env);
}

static void refill_cb(struct ev_loop *loop, struct ev_timer *t)
{
	warm_start(t->data);
}

static void warm_free(struct exec_warm *w)
{
	warm_kill(w);
	ev_timer_stop(w->ex->loop, &w->refill);
	free(w->type);
	free(w);
}

void exec_fence_prestart(struct executor *ex, const char *const *types, int n)
{
	struct exec_warm **pp, *w;

	if (!ex->fence_prestart)
		return;
	for (w = ex->warm; w; w = w->next)
		w->wanted = false;
	for (int i = 0; i < n; i++) {
		for (w = ex->warm; w && strcmp(w->type, types[i]); w = w->next)
			;
		if (!w) {
			w = xcalloc(1, sizeof(*w));
			w->ex = ex;
			w->type = xstrdup(types[i]);
			ev_io_init(&w->pid_io, warm_died, w);
			ev_timer_init(&w->refill, refill_cb, w);
			w->next = ex->warm;
			ex->warm = w;
		}
		w->wanted = true;
		warm_start(w);
	}
	for (pp = &ex->warm; (w = *pp);) {
		if (w->wanted) {
			pp = &w->next;
			continue;
		}
		*pp = w->next;
		warm_free(w);
	}
}

bool exec_warm_take(struct executor *ex, const char *type, const char *path,
		    struct exec_warm_agent *out)
{
	struct exec_warm *w;
	struct stat st;
	int wstatus;

	for (w = ex->warm; w && strcmp(w->type, type); w = w->next)
		;
	if (!w || !w->pid)
		return false;
	if (stat(path, &st) < 0 || !same_program(&st, &w->prog)) {
		log_info("Fence agent %s changed since it was started ahead: starting it afresh",
			 type);
		warm_kill(w);
		ev_timer_start(ex->loop, &w->refill, WARM_REFILL_MS);
		return false;
	}
	if (exec_reap(w->pidfd, &wstatus) != 0) {
		/* Died a moment ago, its pidfd not read yet. */
		warm_close(w);
		ev_timer_start(ex->loop, &w->refill, WARM_REFILL_MS);
		return false;
	}
	ev_io_stop(ex->loop, &w->pid_io);
	out->pid = w->pid;
	out->pidfd = w->pidfd;
	out->in_fd = w->in_fd;
	out->out_fd = w->out_fd;
	w->pid = 0;
	ev_timer_start(ex->loop, &w->refill, WARM_REFILL_MS);
	return true;
}

void exec_warm_free(struct executor *ex)
{
	while (ex->warm) {
		struct exec_warm *w = ex->warm;

		ex->warm = w->next;
		warm_free(w);
	}
}
