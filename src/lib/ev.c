/* ev: epoll loop and a binary min-heap of timers (see ev.h). */
#include "lib/ev.h"
#include "lib/util.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define EV_MAX_EVENTS 256

struct ev_loop {
	int epfd;
	bool stop;
	uint64_t now_ms;
	struct ev_timer **heap;   /* min-heap on expire_ms; from malloc() */
	int heap_len, heap_cap;
	struct ev_io wake_io;     /* eventfd written by ev_wake() */
	ev_hook_cb wake_cb;
	void *wake_arg;
	ev_hook_cb before_sleep;
	void *before_sleep_arg;
	void **garbage;           /* freed after each batch; from malloc() */
	int garbage_len, garbage_cap;
	uint64_t timer_pass;      /* run_timers() calls so far */
	long spin_ns;             /* ev_set_spin() */
	bool busy;                /* the last wait returned several events */
};

uint64_t ev_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t ev_now_ms(const struct ev_loop *loop) { return loop->now_ms; }
void ev_update_time(struct ev_loop *loop) { loop->now_ms = ev_monotonic_ms(); }

static void wake_drain(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
	uint64_t n;

	while (read(io->fd, &n, sizeof(n)) > 0)
		;
	if (loop->wake_cb)
		loop->wake_cb(loop, loop->wake_arg);
}

struct ev_loop *ev_loop_new(void)
{
	struct ev_loop *loop = xcalloc(1, sizeof(*loop));
	int efd;

	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0)
		goto err;
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (efd < 0)
		goto err;
	ev_io_init(&loop->wake_io, wake_drain, NULL);
	if (ev_io_start(loop, &loop->wake_io, efd, EPOLLIN) < 0) {
		close(efd);
		goto err;
	}
	loop->now_ms = ev_monotonic_ms();
	return loop;
err:
	if (loop->epfd >= 0)
		close(loop->epfd);
	free(loop);
	return NULL;
}

static void collect_garbage(struct ev_loop *loop);

void ev_loop_free(struct ev_loop *loop)
{
	if (!loop)
		return;
	collect_garbage(loop);
	close(loop->wake_io.fd);
	close(loop->epfd);
	free(loop->heap);
	free(loop->garbage);
	free(loop);
}

void ev_free_later(struct ev_loop *loop, void *ptr)
{
	if (loop->garbage_len == loop->garbage_cap) {
		loop->garbage_cap = loop->garbage_cap ? loop->garbage_cap * 2 : 64;
		loop->garbage = xrealloc(loop->garbage, sizeof(void *) * (size_t)loop->garbage_cap);
	}
	loop->garbage[loop->garbage_len++] = ptr;
}

static void collect_garbage(struct ev_loop *loop)
{
	for (int i = 0; i < loop->garbage_len; i++)
		free(loop->garbage[i]);
	loop->garbage_len = 0;
}

void ev_loop_stop(struct ev_loop *loop) { loop->stop = true; ev_wake(loop); }

void ev_io_init(struct ev_io *io, ev_io_cb cb, void *data)
{
	io->fd = -1;
	io->events = 0;
	io->cb = cb;
	io->data = data;
}

int ev_io_start(struct ev_loop *loop, struct ev_io *io, int fd, uint32_t events)
{
	struct epoll_event ee = { .events = events, .data.ptr = io };

	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ee) < 0)
		return -errno;
	io->fd = fd;
	io->events = events;
	return 0;
}

int ev_io_set(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
	struct epoll_event ee = { .events = events, .data.ptr = io };

	if (io->fd < 0 || io->events == events)
		return 0;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, io->fd, &ee) < 0)
		return -errno;
	io->events = events;
	return 0;
}

void ev_io_stop(struct ev_loop *loop, struct ev_io *io)
{
	if (io->fd < 0)
		return;
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, io->fd, NULL);
	io->fd = -1;
	io->events = 0;
}

void ev_io_close(struct ev_loop *loop, struct ev_io *io, int (*closer)(int fd))
{
	int fd = io->fd;

	(void)loop;
	if (fd < 0)
		return;
	io->fd = -1;
	io->events = 0;
	closer(fd);
}

/* ---- timers: binary heap, index kept in the timer for O(log n) removal ---- */

static void heap_swap(struct ev_loop *loop, int a, int b)
{
	struct ev_timer *t = loop->heap[a];

	loop->heap[a] = loop->heap[b];
	loop->heap[b] = t;
	loop->heap[a]->heap_idx = a;
	loop->heap[b]->heap_idx = b;
}

static void heap_up(struct ev_loop *loop, int i)
{
	while (i > 0) {
		int parent = (i - 1) / 2;

		if (loop->heap[parent]->expire_ms <= loop->heap[i]->expire_ms)
			break;
		heap_swap(loop, i, parent);
		i = parent;
	}
}

static void heap_down(struct ev_loop *loop, int i)
{
	for (;;) {
		int l = 2 * i + 1, r = l + 1, min = i;

		if (l < loop->heap_len && loop->heap[l]->expire_ms < loop->heap[min]->expire_ms)
			min = l;
		if (r < loop->heap_len && loop->heap[r]->expire_ms < loop->heap[min]->expire_ms)
			min = r;
		if (min == i)
			return;
		heap_swap(loop, i, min);
		i = min;
	}
}

void ev_timer_init(struct ev_timer *t, ev_timer_cb cb, void *data)
{
	t->expire_ms = 0;
	t->heap_idx = -1;
	t->cb = cb;
	t->data = data;
}

void ev_timer_stop(struct ev_loop *loop, struct ev_timer *t)
{
	int i = t->heap_idx;

	if (i < 0)
		return;
	t->heap_idx = -1;
	loop->heap_len--;
	if (i == loop->heap_len)
		return;
	loop->heap[i] = loop->heap[loop->heap_len];
	loop->heap[i]->heap_idx = i;
	heap_up(loop, i);
	heap_down(loop, loop->heap[i]->heap_idx);
}

void ev_timer_start(struct ev_loop *loop, struct ev_timer *t, uint64_t after_ms)
{
	ev_timer_stop(loop, t);
	if (loop->heap_len == loop->heap_cap) {
		/* Grows only to the peak number of armed timers; never per event. */
		loop->heap_cap = loop->heap_cap ? loop->heap_cap * 2 : 64;
		loop->heap = xrealloc(loop->heap, sizeof(*loop->heap) * (size_t)loop->heap_cap);
	}
	t->expire_ms = loop->now_ms + after_ms;
	t->pass = loop->timer_pass;
	t->heap_idx = loop->heap_len;
	loop->heap[loop->heap_len++] = t;
	heap_up(loop, t->heap_idx);
}

static int next_timeout_ms(struct ev_loop *loop)
{
	uint64_t first;

	if (loop->heap_len == 0)
		return -1;
	first = loop->heap[0]->expire_ms;
	if (first <= loop->now_ms)
		return 0;
	return first - loop->now_ms > 60000 ? 60000 : (int)(first - loop->now_ms);
}

/* A timer that a timer callback arms for now runs at the next turn,
 * after that turn's events: re-arming for 0 ms is how a callback yields
 * (one TLS handshake per turn, a stream that has worked long enough),
 * and must not take the whole turn. */
static void run_timers(struct ev_loop *loop)
{
	uint64_t pass = ++loop->timer_pass;

	while (loop->heap_len > 0 && loop->heap[0]->expire_ms <= loop->now_ms) {
		struct ev_timer *t = loop->heap[0];

		if (t->pass == pass)
			break;

		ev_timer_stop(loop, t);
		t->cb(loop, t);
	}
}

/* ---- cross-thread wake and hooks ---- */

void ev_set_wake_cb(struct ev_loop *loop, ev_hook_cb cb, void *arg)
{
	loop->wake_cb = cb;
	loop->wake_arg = arg;
}

void ev_wake(struct ev_loop *loop)
{
	uint64_t one = 1;

	/* EAGAIN means the counter is saturated: a wake is pending anyway. */
	if (write(loop->wake_io.fd, &one, sizeof(one)) < 0)
		return;
}

void ev_set_spin(struct ev_loop *loop, unsigned us)
{
	loop->spin_ns = (long)us * 1000;
}

/* After a batch of events, look again for up to spin_ns before sleeping:
 * 0 or the number of events that came meanwhile. */
static int spin_wait(struct ev_loop *loop, struct epoll_event *events)
{
	struct timespec a, b;
	int n;

	clock_gettime(CLOCK_MONOTONIC, &a);
	do {
		n = epoll_wait(loop->epfd, events, EV_MAX_EVENTS, 0);
		if (n != 0)
			return n;
		clock_gettime(CLOCK_MONOTONIC, &b);
	} while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < loop->spin_ns);
	return 0;
}

void ev_set_before_sleep(struct ev_loop *loop, ev_hook_cb cb, void *arg)
{
	loop->before_sleep = cb;
	loop->before_sleep_arg = arg;
}

int ev_loop_run(struct ev_loop *loop)
{
	struct epoll_event events[EV_MAX_EVENTS];

	loop->stop = false;
	while (!loop->stop) {
		int n;

		if (loop->before_sleep)
			loop->before_sleep(loop, loop->before_sleep_arg);
		if (loop->stop)
			break;
		n = 0;
		if (loop->spin_ns && loop->busy)
			n = spin_wait(loop, events);
		if (n == 0)
			n = epoll_wait(loop->epfd, events, EV_MAX_EVENTS, next_timeout_ms(loop));
		if (n < 0 && errno != EINTR)
			return -errno;
		loop->busy = n > 1;
		loop->now_ms = ev_monotonic_ms();
		for (int i = 0; i < n; i++) {
			struct ev_io *io = events[i].data.ptr;

			/* A callback earlier in this batch may have stopped io. */
			if (io->fd >= 0)
				io->cb(loop, io, events[i].events);
		}
		run_timers(loop);
		collect_garbage(loop);
	}
	return 0;
}
