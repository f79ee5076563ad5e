/* freq: events per second, as HAProxy's freq_ctr counts them.
 *
 * A counter keeps the count of the current second and of the previous
 * one. The rate "over the last second" is the current count plus the
 * previous count weighted by the part of the previous second still inside
 * the sliding window (HAProxy's read_freq_ctr()); the maximum rate is the
 * highest count a second reached (HAProxy's sps_max, rps_max, cps_max are
 * updated with the current second's count on every event).
 *
 * Lock-free: the second and its count share one 64-bit word changed by
 * compare-and-swap; the previous count is written by the thread that
 * turned the second over (another thread racing it at that instant may
 * lose one event in `prev`, which only ever lowers a reading).
 */
#ifndef VIGIL_FREQ_H
#define VIGIL_FREQ_H

#include <stdatomic.h>
#include <stdint.h>

struct freq_ctr {
	_Atomic uint64_t cur;      /* second << 32 | count in that second */
	_Atomic uint32_t prev;     /* count of the second before `cur`'s */
};

/* Count one event at `now_ms` (monotonic); returns the count of the
 * current second, and raises *max to it. */
static inline uint32_t freq_ctr_hit(struct freq_ctr *f, _Atomic uint32_t *max, uint64_t now_ms)
{
	uint64_t sec = now_ms / 1000, old = atomic_load(&f->cur), nw;
	uint32_t n, m;

	for (;;) {
		uint64_t osec = old >> 32;

		if (osec == sec) {
			nw = old + 1;
		} else {
			atomic_store(&f->prev, osec + 1 == sec ? (uint32_t)old : 0);
			nw = (sec << 32) | 1;
		}
		if (atomic_compare_exchange_weak(&f->cur, &old, nw))
			break;
	}
	n = (uint32_t)nw;
	m = atomic_load(max);
	while (n > m && !atomic_compare_exchange_weak(max, &m, n))
		;
	return n;
}

/* Events over the last second at `now_ms`. */
static inline uint32_t freq_ctr_read(const struct freq_ctr *f, uint64_t now_ms)
{
	uint64_t sec = now_ms / 1000, cur = atomic_load(&f->cur), csec = cur >> 32;
	uint64_t curr, prev;

	if (csec == sec) {
		curr = (uint32_t)cur;
		prev = atomic_load(&f->prev);
	} else if (csec + 1 == sec) {
		curr = 0;
		prev = (uint32_t)cur;
	} else {
		return 0;
	}
	return (uint32_t)(curr + prev * (1000 - now_ms % 1000) / 1000);
}

#endif
