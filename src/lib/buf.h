/* buf: a fixed-capacity byte buffer with a read and a write position.
 *
 * Data lives in [head, tail). Writers append at tail; readers consume from
 * head; buf_compact() moves the live bytes to the front when the free space
 * at the end runs short. The storage is allocated once per buffer.
 */
#ifndef VIGIL_BUF_H
#define VIGIL_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct buf {
	char *data;      /* from malloc(); NULL until buf_alloc() */
	size_t size, head, tail;
};

void buf_alloc(struct buf *b, size_t size);
void buf_free(struct buf *b);

static inline size_t buf_len(const struct buf *b) { return b->tail - b->head; }
static inline bool buf_empty(const struct buf *b) { return b->tail == b->head; }
static inline char *buf_head(const struct buf *b) { return b->data + b->head; }
static inline char *buf_tail(const struct buf *b) { return b->data + b->tail; }
/* Contiguous room after tail (compacting first when that helps). */
size_t buf_room(struct buf *b);
static inline void buf_produced(struct buf *b, size_t n) { b->tail += n; }
static inline void buf_consumed(struct buf *b, size_t n)
{
	b->head += n;
	if (b->head == b->tail)
		b->head = b->tail = 0;
}
void buf_compact(struct buf *b);
/* Append; returns false (and appends nothing) when it does not fit. */
bool buf_append(struct buf *b, const void *p, size_t n);

#endif
