#include "lib/cfgtok.h"
#include "lib/util.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NESTING 32

struct cfgtok {
	char *name;              /* from malloc() */
	FILE *fp;
	int options;
	int lineno;
	char raw[CFGTOK_MAX_LINE];   /* physical line(s) being read */
	char words[CFGTOK_MAX_LINE]; /* unescaped words, NUL-separated */
	/* Conditional blocks: for each open .if, whether its branch is taken
	 * and whether one branch was already taken. */
	int depth;
	bool active[MAX_NESTING], done[MAX_NESTING];
	void (*warn_cb)(void *ctx, const char *file, int line, const char *msg);
	void *warn_ctx;
};

static struct cfgtok *tok_new(const char *name, FILE *fp, int options)
{
	struct cfgtok *t = xcalloc(1, sizeof(*t));

	t->name = xstrdup(name);
	t->fp = fp;
	t->options = options;
	return t;
}

struct cfgtok *cfgtok_open(const char *path, int options, char *err, size_t errlen)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");

	if (!fp) {
		snprintf(err, errlen, "Could not open configuration file %s : %s", path, strerror(errno));
		return NULL;
	}
	return tok_new(path, fp, options);
}

struct cfgtok *cfgtok_open_mem(const char *name, const char *data, size_t len, int options)
{
	FILE *fp = fmemopen((void *)data, len, "r");

	if (!fp)
		return NULL;
	return tok_new(name, fp, options);
}

void cfgtok_close(struct cfgtok *t)
{
	if (!t)
		return;
	if (t->fp && t->fp != stdin)
		fclose(t->fp);
	free(t->name);
	free(t);
}

void cfgtok_set_warn_cb(struct cfgtok *t, void (*cb)(void *, const char *, int, const char *), void *ctx)
{
	t->warn_cb = cb;
	t->warn_ctx = ctx;
}

/* Read one logical line into t->raw. Returns 1, 0 at EOF, -1 if too long. */
static int read_line(struct cfgtok *t, char *err, size_t errlen)
{
	size_t used = 0;
	bool any = false;

	for (;;) {
		size_t n;

		if (!fgets(t->raw + used, (int)(sizeof(t->raw) - used), t->fp))
			return any ? 1 : 0;
		any = true;
		t->lineno++;
		n = strlen(t->raw + used);
		if (n > 0 && t->raw[used + n - 1] != '\n' && !feof(t->fp)) {
			snprintf(err, errlen, "line too long (limit is %d characters)", CFGTOK_MAX_LINE - 1);
			return -1;
		}
		used += n;
		while (used > 0 && (t->raw[used - 1] == '\n' || t->raw[used - 1] == '\r'))
			t->raw[--used] = 0;
		if (!(t->options & CFGTOK_CONTINUATION) || used == 0 || t->raw[used - 1] != '\\')
			return 1;
		/* Count trailing backslashes: an even number is escaped text. */
		size_t bs = 0;
		while (bs < used && t->raw[used - 1 - bs] == '\\')
			bs++;
		if (bs % 2 == 0)
			return 1;
		t->raw[--used] = ' ';
		used++;
	}
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Append $VAR or ${VAR} from the environment; *pp points at the '$'.
 * Returns the new output position, or NULL on a malformed reference. */
static char *expand_var(const char **pp, char *out, const char *end)
{
	const char *p = *pp + 1, *name = p;
	char buf[256];
	size_t n;
	const char *val;

	if (*p == '{') {
		const char *close = strchr(p, '}');

		if (!close)
			return NULL;
		name = p + 1;
		n = (size_t)(close - name);
		*pp = close + 1;
	} else {
		while (isalnum((unsigned char)*p) || *p == '_')
			p++;
		n = (size_t)(p - name);
		*pp = p;
	}
	if (n == 0 || n >= sizeof(buf))
		return NULL;
	memcpy(buf, name, n);
	buf[n] = 0;
	val = getenv(buf);
	if (val) {
		size_t l = strlen(val);

		if (out + l >= end)
			return NULL;
		memcpy(out, val, l);
		out += l;
	}
	return out;
}

static int split_words(struct cfgtok *t, struct cfgtok_line *line, char *err, size_t errlen)
{
	const char *p = t->raw;
	char *out = t->words, *end = t->words + sizeof(t->words) - 1;

	line->argc = 0;
	for (;;) {
		bool in_word = false;
		char quote = 0;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			break;
		if (line->argc == CFGTOK_MAX_WORDS) {
			snprintf(err, errlen, "too many words, truncating after word %d", CFGTOK_MAX_WORDS);
			return -1;
		}
		line->argv[line->argc++] = out;
		while (*p && (quote || (*p != ' ' && *p != '\t' && *p != '#'))) {
			in_word = true;
			if (out >= end)
				goto too_long;
			if (quote != '\'' && *p == '\\') {
				int hi, lo;

				p++;
				switch (*p) {
				case 0:
					snprintf(err, errlen, "unfinished escape at end of line");
					return -1;
				case 't': *out++ = '\t'; p++; break;
				case 'n': *out++ = '\n'; p++; break;
				case 'r': *out++ = '\r'; p++; break;
				case 'x':
					hi = hexval(p[1]);
					lo = hi < 0 ? -1 : hexval(p[2]);
					if (lo < 0) {
						snprintf(err, errlen, "truncated or invalid hexadecimal sequence");
						return -1;
					}
					*out++ = (char)(hi * 16 + lo);
					p += 3;
					break;
				case '\\': case ' ': case '#': case '"': case '\'': case '$': case '\t':
					*out++ = *p++;
					break;
				default:
					/* Not an escape: the backslash stays, as in
					 * HAProxy (regex back-references "\1"). */
					if (out + 1 >= end)
						goto too_long;
					*out++ = '\\';
					*out++ = *p++;
				}
			} else if (!quote && (*p == '"' || *p == '\'')) {
				quote = *p++;
			} else if (quote && *p == quote) {
				quote = 0;
				p++;
			} else if (quote == '"' && *p == '$' && !(t->options & CFGTOK_NO_EXPAND) &&
				   (p[1] == '{' || isalpha((unsigned char)p[1]) || p[1] == '_')) {
				out = expand_var(&p, out, end);
				if (!out) {
					snprintf(err, errlen, "invalid environment variable reference");
					return -1;
				}
			} else {
				*out++ = *p++;
			}
		}
		if (quote) {
			snprintf(err, errlen, "unmatched quote (%c)", quote);
			return -1;
		}
		(void)in_word;
		*out++ = 0;
	}
	line->argv[line->argc] = NULL;
	return 0;
too_long:
	snprintf(err, errlen, "line too long after expansion");
	return -1;
}

/* Evaluate a .if condition: a number, defined(VAR), streq(A,B),
 * strneq(A,B), feature(X), version_atleast(V), version_before(V). */
static int eval_cond(int argc, char **argv, char *err, size_t errlen)
{
	const char *c;
	char name[64], a[256], b[256];
	bool neg = false;

	if (argc < 2) {
		snprintf(err, errlen, ".if/.elif needs a condition");
		return -1;
	}
	c = argv[1];
	if (*c == '!') {
		neg = true;
		c++;
	}
	if (isdigit((unsigned char)*c) || *c == '-')
		return neg ^ (atoll(c) != 0);
	if (sscanf(c, "%63[a-z_](%255[^,)],%255[^)])", name, a, b) == 3) {
		if (strcmp(name, "streq") == 0)
			return neg ^ (strcmp(a, b) == 0);
		if (strcmp(name, "strneq") == 0)
			return neg ^ (strcmp(a, b) != 0);
	} else if (sscanf(c, "%63[a-z_](%255[^)])", name, a) == 2) {
		if (strcmp(name, "defined") == 0)
			return neg ^ (getenv(a) != NULL);
		if (strcmp(name, "feature") == 0)
			return neg ^ 0;  /* no optional build features */
		if (strcmp(name, "version_atleast") == 0)
			return neg ^ (strverscmp("2.6", a) >= 0);
		if (strcmp(name, "version_before") == 0)
			return neg ^ (strverscmp("2.6", a) < 0);
	} else if (sscanf(c, "%63[a-z_]()", name) == 1 && strchr(c, '(')) {
		snprintf(err, errlen, "empty argument in condition '%s'", argv[1]);
		return -1;
	}
	snprintf(err, errlen, "unparsable condition '%s'", argv[1]);
	return -1;
}

static bool all_active(const struct cfgtok *t)
{
	for (int i = 0; i < t->depth; i++)
		if (!t->active[i])
			return false;
	return true;
}

static void join_message(const struct cfgtok_line *line, char *buf, size_t len)
{
	buf[0] = 0;
	for (int i = 1; i < line->argc; i++) {
		size_t used = strlen(buf);

		snprintf(buf + used, len - used, "%s%s", i > 1 ? " " : "", line->argv[i]);
	}
}

/* Handle a directive line starting with '.'. Returns 0 when handled,
 * -1 on error, 1 when the line is not a directive. */
static int directive(struct cfgtok *t, struct cfgtok_line *line, char *err, size_t errlen)
{
	const char *d = line->argv[0];
	bool outer = t->depth == 0 || all_active(t);

	if (strcmp(d, ".if") == 0) {
		int v;

		if (t->depth == MAX_NESTING) {
			snprintf(err, errlen, "too many nested '.if' blocks");
			return -1;
		}
		v = outer ? eval_cond(line->argc, line->argv, err, errlen) : 0;
		if (v < 0)
			return -1;
		t->active[t->depth] = v;
		t->done[t->depth] = v;
		t->depth++;
		return 0;
	}
	if (strcmp(d, ".elif") == 0 || strcmp(d, ".else") == 0 || strcmp(d, ".endif") == 0) {
		if (t->depth == 0) {
			snprintf(err, errlen, "'%s' without a matching '.if'", d);
			return -1;
		}
		if (strcmp(d, ".endif") == 0) {
			t->depth--;
			return 0;
		}
		t->depth--;
		outer = all_active(t);
		t->depth++;
		if (t->done[t->depth - 1] || !outer) {
			t->active[t->depth - 1] = false;
		} else if (d[2] == 'l' && d[3] == 'i') {
			int v = eval_cond(line->argc, line->argv, err, errlen);

			if (v < 0)
				return -1;
			t->active[t->depth - 1] = v;
			t->done[t->depth - 1] = v;
		} else {
			t->active[t->depth - 1] = true;
			t->done[t->depth - 1] = true;
		}
		return 0;
	}
	if (!all_active(t))
		return 0;
	if (strcmp(d, ".diag") == 0 || strcmp(d, ".notice") == 0 || strcmp(d, ".warning") == 0) {
		char msg[1024];

		join_message(line, msg, sizeof(msg));
		if (t->warn_cb && strcmp(d, ".diag") != 0)
			t->warn_cb(t->warn_ctx, t->name, line->lineno, msg);
		return 0;
	}
	if (strcmp(d, ".alert") == 0) {
		join_message(line, err, errlen);
		return -1;
	}
	return 1;
}

int cfgtok_next(struct cfgtok *t, struct cfgtok_line *line, char *err, size_t errlen)
{
	for (;;) {
		int ret = read_line(t, err, errlen);

		line->file = t->name;
		line->lineno = t->lineno;
		if (ret <= 0) {
			if (ret == 0 && t->depth > 0) {
				snprintf(err, errlen, "missing '.endif' at end of file");
				return -1;
			}
			return ret;
		}
		if (split_words(t, line, err, errlen) < 0)
			return -1;
		if (line->argc == 0)
			continue;
		if ((t->options & CFGTOK_CONDITIONALS) && line->argv[0][0] == '.') {
			ret = directive(t, line, err, errlen);
			if (ret < 0)
				return -1;
			if (ret == 0)
				continue;
		}
		if ((t->options & CFGTOK_CONDITIONALS) && !all_active(t))
			continue;
		return 1;
	}
}
