#include "lib/util.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t n)
{
	fprintf(stderr, "out of memory allocating %zu bytes\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom(n);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (!p)
		oom(nmemb * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		oom(0);
	va_end(ap);
	return s;
}

int parse_int(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	if (!*s || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

/* Split "123ms" into its number and unit; the unit must be one of `units`
 * with its multiplier, scaled so that the result fits in uint64_t. */
struct unit { const char *name; uint64_t mul, div; };

static int parse_with_units(const char *s, const struct unit *units, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	for (const struct unit *u = units; u->name; u++) {
		if (strcmp(end, u->name) != 0)
			continue;
		if (u->mul > 1 && v > UINT64_MAX / u->mul)
			return -ERANGE;
		*out = (v * u->mul + u->div - 1) / u->div;
		return 0;
	}
	return -EINVAL;
}

int parse_time_ms(const char *s, uint64_t *out_ms)
{
	static const struct unit units[] = {
		{ "", 1, 1 }, { "us", 1, 1000 }, { "ms", 1, 1 }, { "s", 1000, 1 },
		{ "m", 60000, 1 }, { "h", 3600000, 1 }, { "d", 86400000, 1 },
		{ NULL, 0, 0 },
	};
	uint64_t v;
	int ret = parse_with_units(s, units, &v);

	/* HAProxy keeps timers in signed 32-bit milliseconds. */
	if (ret == 0 && v > INT32_MAX)
		return -ERANGE;
	if (ret == 0)
		*out_ms = v;
	return ret;
}

int parse_size(const char *s, uint64_t *out)
{
	static const struct unit units[] = {
		{ "", 1, 1 }, { "k", 1024, 1 }, { "K", 1024, 1 },
		{ "m", 1 << 20, 1 }, { "M", 1 << 20, 1 },
		{ "g", 1 << 30, 1 }, { "G", 1 << 30, 1 }, { NULL, 0, 0 },
	};
	return parse_with_units(s, units, out);
}

int edit_distance(const char *a, const char *b)
{
	int la = (int)MIN(strlen(a), 64), lb = (int)MIN(strlen(b), 64);
	int prev[65], cur[65];

	for (int j = 0; j <= lb; j++)
		prev[j] = j;
	for (int i = 1; i <= la; i++) {
		cur[0] = i;
		for (int j = 1; j <= lb; j++) {
			int cost = a[i - 1] == b[j - 1] ? 0 : 1;

			cur[j] = MIN(MIN(prev[j] + 1, cur[j - 1] + 1), prev[j - 1] + cost);
		}
		memcpy(prev, cur, sizeof(int) * (size_t)(lb + 1));
	}
	return prev[lb];
}

const char *suggest_word(const char *word, const char *const *words)
{
	const char *best = NULL;
	int best_d = 1 << 30;

	for (; *words; words++) {
		int d = edit_distance(word, *words);

		if (d < best_d) {
			best_d = d;
			best = *words;
		}
	}
	/* Close enough to be a typo: at most a third of the word differs. */
	if (best && best_d <= 1 + (int)strlen(word) / 3)
		return best;
	return NULL;
}

bool str_starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}
