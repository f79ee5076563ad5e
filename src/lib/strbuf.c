#include "lib/strbuf.h"
#include "lib/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void sb_grow(struct strbuf *sb, size_t extra)
{
	if (sb->len + extra + 1 <= sb->cap)
		return;
	while (sb->len + extra + 1 > sb->cap)
		sb->cap = sb->cap ? sb->cap * 2 : 256;
	sb->s = xrealloc(sb->s, sb->cap);
}

void sb_append(struct strbuf *sb, const char *s, size_t n)
{
	sb_grow(sb, n);
	memcpy(sb->s + sb->len, s, n);
	sb->len += n;
	sb->s[sb->len] = 0;
}

void sb_puts(struct strbuf *sb, const char *s) { sb_append(sb, s, strlen(s)); }
void sb_putc(struct strbuf *sb, char ch) { sb_append(sb, &ch, 1); }

void sb_appendf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	sb_grow(sb, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(sb->s + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

void sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->s)
		sb->s[0] = 0;
}

void sb_free(struct strbuf *sb)
{
	xfree(&sb->s);
	sb->len = sb->cap = 0;
}

const char *sb_str(const struct strbuf *sb) { return sb->s ? sb->s : ""; }
