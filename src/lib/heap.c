/* heap: the heap's new pages filled in by the kernel in bulk (heap.h). */
#include <errno.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/heap.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23  /* Linux 5.14 */
#endif

static uintptr_t filled;        /* the heap below this address is filled in */
static bool cannot;             /* madvise() refused: stop asking */

void heap_keep(void)
{
	mallopt(M_TOP_PAD, HEAP_STEP);
	/* The largest threshold glibc takes on 64-bit systems. */
	mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
	mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024);
}

void heap_fill(void)
{
	uintptr_t brk = (uintptr_t)sbrk(0), page = (uintptr_t)sysconf(_SC_PAGESIZE);

	if (cannot || brk == (uintptr_t)-1)
		return;
	if (!filled || brk < filled)   /* first call, or the heap shrank */
		filled = (brk - mallinfo2().arena) & ~(page - 1);
	if (brk <= filled)
		return;
	/* Pages already there (most of the heap below the free top) are
	 * passed over quickly. */
	if (madvise((void *)filled, brk - filled, MADV_POPULATE_WRITE) && errno != EINTR) {
		cannot = true;
		return;
	}
	filled = brk;
}

size_t heap_in_use(void)
{
	return mallinfo2().uordblks;
}

void heap_fill_ahead(size_t bytes)
{
	/* Freed, the block joins the free top of the heap, where the next
	 * allocations are carved from; heap_keep() keeps it there. (volatile:
	 * a compiler may drop a malloc() that nothing uses.) */
	void *volatile p = malloc(bytes);

	free(p);
	heap_fill();
}
