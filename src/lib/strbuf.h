/* strbuf: a growable NUL-terminated string for building output. */
#ifndef VIGIL_STRBUF_H
#define VIGIL_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *s;       /* from malloc(); always NUL-terminated once used */
	size_t len, cap;
};

#define STRBUF_INIT { NULL, 0, 0 }

void sb_appendf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_append(struct strbuf *sb, const char *s, size_t n);
void sb_puts(struct strbuf *sb, const char *s);
void sb_putc(struct strbuf *sb, char ch);
void sb_reset(struct strbuf *sb);
void sb_free(struct strbuf *sb);
/* The contents ("" when empty); valid until the next change. */
const char *sb_str(const struct strbuf *sb);

#endif
