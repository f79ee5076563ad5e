/* heap: the heap's new pages filled in by the kernel in bulk.
 *
 * Each page a process touches for the first time costs a page fault. On
 * the virtual machines Vigil is measured on, a fault from user space costs
 * about 15 µs, while madvise(MADV_POPULATE_WRITE) (Linux 5.14) fills pages
 * in at about 0.25 µs each: for a run that builds a few MiB of structures
 * and exits (vigilctl simulate on a large CIB), the faults were a fifth of
 * its time. These helpers fill in heap that malloc() has already taken
 * from the kernel or is about to use, so the process's memory does not grow
 * by them. Advice only: they do nothing where madvise() cannot.
 */
#ifndef VIGIL_HEAP_H
#define VIGIL_HEAP_H

#include <stddef.h>

/* For a short-lived process that builds large structures once, or a
 * daemon whose work comes in bursts: the heap grows in steps of
 * HEAP_STEP, large blocks come from it rather than from mmap(), and what
 * is freed stays for the next allocations instead of going back to the
 * kernel (glibc gives the top of the heap back after each burst, and the
 * next one faults it in again page by page). Call once, before
 * allocating much. */
#define HEAP_STEP (256 * 1024)
void heap_keep(void);

/* Fill in the heap up to the current break. Cheap when the heap has not
 * grown since the last call: call it now and then while building
 * something large. */
void heap_fill(void);

/* Bytes of heap in use. */
size_t heap_in_use(void);

/* Make room for about `bytes` more at the top of the heap and fill them
 * in: before a phase that allocates at least that much and cannot call
 * heap_fill() itself. Needs heap_keep(). */
void heap_fill_ahead(size_t bytes);

#endif
