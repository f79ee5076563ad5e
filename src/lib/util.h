/* util: allocation, number/time/size parsing, and keyword suggestions.
 *
 * Out-of-memory policy, decided once: the x*alloc() helpers print a message
 * and abort. Callers never check for NULL.
 */
#ifndef VIGIL_UTIL_H
#define VIGIL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* free(*pp) and set *pp to NULL. */
#define xfree(pp) do { free(*(pp)); *(pp) = NULL; } while (0)

/* Parse a whole decimal integer in [min, max]. 0 or -EINVAL / -ERANGE. */
int parse_int(const char *s, long long min, long long max, long long *out);

/* Parse a duration in HAProxy's units (us, ms, s, m, h, d; none = ms).
 * Stores milliseconds (microseconds round up). 0 or -EINVAL / -ERANGE. */
int parse_time_ms(const char *s, uint64_t *out_ms);

/* Parse a size with optional k/m/g suffix (powers of 1024). */
int parse_size(const char *s, uint64_t *out);

/* The entry of `words` (NULL-terminated) closest to `word` by edit
 * distance, or NULL when nothing is reasonably close. */
const char *suggest_word(const char *word, const char *const *words);

/* Levenshtein distance between two strings (bounded to 64 chars each). */
int edit_distance(const char *a, const char *b);

bool str_starts_with(const char *s, const char *prefix);
bool str_ends_with(const char *s, const char *suffix);

#endif
