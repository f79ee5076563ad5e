#include "lib/buf.h"
#include "lib/util.h"

#include <stdlib.h>

void buf_alloc(struct buf *b, size_t size)
{
	b->data = xmalloc(size);
	b->size = size;
	b->head = b->tail = 0;
}

void buf_free(struct buf *b)
{
	xfree(&b->data);
	b->size = b->head = b->tail = 0;
}

void buf_compact(struct buf *b)
{
	if (b->head == 0)
		return;
	memmove(b->data, b->data + b->head, b->tail - b->head);
	b->tail -= b->head;
	b->head = 0;
}

size_t buf_room(struct buf *b)
{
	if (b->size - b->tail < b->size / 4)
		buf_compact(b);
	return b->size - b->tail;
}

bool buf_append(struct buf *b, const void *p, size_t n)
{
	if (b->size - buf_len(b) < n)
		return false;
	if (b->size - b->tail < n)
		buf_compact(b);
	memcpy(b->data + b->tail, p, n);
	b->tail += n;
	return true;
}
