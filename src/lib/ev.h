/* ev: an epoll event loop with timers, one loop per thread.
 *
 * Watchers (struct ev_io, struct ev_timer) are embedded in the caller's own
 * objects, so arming, firing and disarming never allocate. Callbacks run on
 * the loop's thread. Another thread reaches a loop only through ev_wake(),
 * which runs the loop's wake callback on its own thread.
 */
#ifndef VIGIL_EV_H
#define VIGIL_EV_H

#include <stdbool.h>
#include <stdint.h>

struct ev_loop;
struct ev_io;
struct ev_timer;

/* `events` is a mask of EPOLLIN/EPOLLOUT/EPOLLERR/EPOLLHUP/EPOLLRDHUP. */
typedef void (*ev_io_cb)(struct ev_loop *loop, struct ev_io *io, uint32_t events);
typedef void (*ev_timer_cb)(struct ev_loop *loop, struct ev_timer *t);
typedef void (*ev_hook_cb)(struct ev_loop *loop, void *arg);

struct ev_io {
	int fd;            /* -1 when not registered */
	uint32_t events;   /* mask currently registered with epoll */
	ev_io_cb cb;
	void *data;        /* owner's context */
};

struct ev_timer {
	uint64_t expire_ms; /* absolute, on the loop's monotonic clock */
	uint64_t pass;      /* the loop's timer pass when armed */
	int heap_idx;       /* -1 when not armed */
	ev_timer_cb cb;
	void *data;
};

/* Create a loop; NULL with errno set on failure. */
struct ev_loop *ev_loop_new(void);
void ev_loop_free(struct ev_loop *loop);

/* Run until ev_loop_stop(); returns 0, or a negative errno if epoll fails. */
int ev_loop_run(struct ev_loop *loop);
void ev_loop_stop(struct ev_loop *loop);

/* Milliseconds on CLOCK_MONOTONIC, cached at each loop iteration. */
uint64_t ev_now_ms(const struct ev_loop *loop);
/* Refresh the cached clock (after a slow callback). */
void ev_update_time(struct ev_loop *loop);
uint64_t ev_monotonic_ms(void);

/* Initialise a watcher before first use. */
void ev_io_init(struct ev_io *io, ev_io_cb cb, void *data);
void ev_timer_init(struct ev_timer *t, ev_timer_cb cb, void *data);

/* Register `io` for fd with `events` (EPOLLIN|EPOLLOUT|EPOLLEXCLUSIVE...).
 * Returns 0 or a negative errno. */
int ev_io_start(struct ev_loop *loop, struct ev_io *io, int fd, uint32_t events);
/* Change the registered mask; no system call when nothing changes. */
int ev_io_set(struct ev_loop *loop, struct ev_io *io, uint32_t events);
/* Unregister (does not close the fd). Safe on a stopped watcher. */
void ev_io_stop(struct ev_loop *loop, struct ev_io *io);
/* Stop the watcher and close its fd, letting close() unregister it: one
 * system call instead of two. Only for an fd no other process or
 * descriptor shares (no fork while it is open, no dup()): epoll drops an
 * entry when the last reference to the open file goes, and a shared one
 * would keep reporting events for a watcher that is gone. */
void ev_io_close(struct ev_loop *loop, struct ev_io *io, int (*closer)(int fd));
static inline bool ev_io_active(const struct ev_io *io) { return io->fd >= 0; }

/* Arm `t` to fire once, `after_ms` from now; re-arming moves it. */
void ev_timer_start(struct ev_loop *loop, struct ev_timer *t, uint64_t after_ms);
void ev_timer_stop(struct ev_loop *loop, struct ev_timer *t);
static inline bool ev_timer_active(const struct ev_timer *t) { return t->heap_idx >= 0; }

/* Cross-thread: make `loop` call `cb(loop, arg)` on its own thread soon.
 * The callback is set once with ev_set_wake_cb() before the loop runs. */
void ev_set_wake_cb(struct ev_loop *loop, ev_hook_cb cb, void *arg);
void ev_wake(struct ev_loop *loop);

/* Free `ptr` (from malloc()) after the current batch of callbacks, so a
 * watcher embedded in it can still be looked at by the loop this round. */
void ev_free_later(struct ev_loop *loop, void *ptr);

/* After a wait that returned several events (concurrent traffic), keep
 * polling (without sleeping) for up to `us` microseconds before the next
 * wait that may sleep. Under load the next events usually come within
 * that time, and a sleep in
 * epoll_wait() followed by a wake-up costs more than the polling: on these
 * 2-CPU virtual machines vigil-proxy went to sleep three to four times as
 * often as HAProxy for the same traffic, and spent more CPU per request
 * on those wake-ups. A single event (one client at a time) does not
 * poll: there the polling doubled the CPU per request. 0 (the default)
 * never polls. */
void ev_set_spin(struct ev_loop *loop, unsigned us);

/* Called once per iteration before the loop sleeps (deferred work). */
void ev_set_before_sleep(struct ev_loop *loop, ev_hook_cb cb, void *arg);

#endif
