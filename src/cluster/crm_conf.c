/* crm_conf: crmsh statements, merged and rendered. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/crm_conf.h"
#include "cluster/crm_parse.h"
#include "lib/cfgtok.h"
#include "lib/strbuf.h"
#include "lib/util.h"

struct crm_stmt {
	char **argv;          /* NULL-terminated, owned */
	int argc;
	int kind;             /* index in kinds[] */
	char *id;             /* owned */
};

struct crm_conf {
	struct crm_stmt *v;
	int n;
};

/* Rendering order; the last three merge per name. */
static const char *const kinds[] = {
	"node", "primitive", "group", "clone", "ms", "location", "colocation", "order",
	"fencing_topology", "property", "rsc_defaults", "op_defaults", NULL,
};
#define FENCING_TOPOLOGY_KIND 8
#define FIRST_PROPERTY_KIND 9

static int kind_of(const char *w)
{
	if (!strcmp(w, "collocation"))
		w = "colocation";
	for (int i = 0; kinds[i]; i++)
		if (!strcmp(kinds[i], w))
			return i;
	return -1;
}

struct crm_conf *crm_conf_new(void)
{
	return xcalloc(1, sizeof(struct crm_conf));
}

static void stmt_free(struct crm_stmt *s)
{
	for (int i = 0; i < s->argc; i++)
		free(s->argv[i]);
	free(s->argv);
	free(s->id);
}

void crm_conf_free(struct crm_conf *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->n; i++)
		stmt_free(&c->v[i]);
	free(c->v);
	free(c);
}

static int find(const struct crm_conf *c, int kind, const char *id)
{
	for (int i = 0; i < c->n; i++)
		if ((kind < 0 || c->v[i].kind == kind) && !strcmp(c->v[i].id, id))
			return i;
	return -1;
}

/* Take ownership of argv; replace a statement of the same identity. */
static void put_owned(struct crm_conf *c, char **argv, int argc, int kind, const char *id)
{
	struct crm_stmt s = { argv, argc, kind, xstrdup(id) };
	int i = find(c, kind, id);

	if (i >= 0) {
		stmt_free(&c->v[i]);
		c->v[i] = s;
		return;
	}
	c->v = xrealloc(c->v, (c->n + 1) * sizeof(*c->v));
	c->v[c->n++] = s;
}

static char **dup_argv(const char *const *argv, int *argc)
{
	int n = 0;
	char **out;

	while (argv[n])
		n++;
	out = xcalloc(n + 1, sizeof(char *));
	for (int i = 0; i < n; i++)
		out[i] = xstrdup(argv[i]);
	*argc = n;
	return out;
}

/* property a=1 b=2 -> one statement per name, id = the name. */
static void put_properties(struct crm_conf *c, int kind, const char *const *argv)
{
	for (int i = 1; argv[i]; i++) {
		const char *eq = strchr(argv[i], '=');
		char *name;
		const char *one[3] = { kinds[kind], argv[i], NULL };
		int argc = 0;

		/* Set ids ("cib-bootstrap-options:", "$id=x") are not kept. */
		if (!eq || argv[i][0] == '$')
			continue;
		char **copy;

		name = xstrndup(argv[i], (size_t)(eq - argv[i]));
		copy = dup_argv(one, &argc);
		put_owned(c, copy, argc, kind, name);
		free(name);
	}
}

void crm_conf_put(struct crm_conf *c, const char *const *argv)
{
	int kind = argv[0] ? kind_of(argv[0]) : -1, argc = 0;

	if (kind < 0 || !argv[1])
		return;
	if (kind >= FIRST_PROPERTY_KIND) {
		put_properties(c, kind, argv);
		return;
	}
	char **copy = dup_argv(argv, &argc);

	/* One topology per configuration: a new statement replaces it. */
	put_owned(c, copy, argc, kind, kind == FENCING_TOPOLOGY_KIND ? kinds[kind] : argv[1]);
}

struct crm_conf *crm_conf_parse(const char *name, const char *text, size_t len,
				char *err, size_t errlen)
{
	struct crm_conf *c = crm_conf_new();
	size_t elen;
	char *escaped = crm_escape_hashes(text, len, &elen);
	struct cfgtok *t = cfgtok_open_mem(name, escaped, elen, CFGTOK_CONTINUATION | CFGTOK_NO_EXPAND);
	struct cfgtok_line line;
	int r;

	while ((r = cfgtok_next(t, &line, err, errlen)) > 0) {
		if (kind_of(line.argv[0]) < 0 || line.argc < 2) {
			const char *s = suggest_word(line.argv[0], kinds);

			snprintf(err, errlen, "%s:%d: %s '%s'%s%s", name, line.lineno,
				 line.argc < 2 ? "incomplete statement" : "unknown keyword", line.argv[0],
				 s ? "; did you mean " : "", s ? s : "");
			r = -1;
			break;
		}
		crm_conf_put(c, (const char *const *)line.argv);
	}
	if (r < 0 && !strstr(err, name)) {
		char msg[512];

		snprintf(msg, sizeof(msg), "%s:%d: %s", name, line.lineno, err);
		snprintf(err, errlen, "%s", msg);
	}
	cfgtok_close(t);
	free(escaped);
	if (r < 0) {
		crm_conf_free(c);
		return NULL;
	}
	return c;
}

void crm_conf_merge(struct crm_conf *dst, const struct crm_conf *src)
{
	for (int i = 0; i < src->n; i++)
		crm_conf_put(dst, (const char *const *)src->v[i].argv);
}

bool crm_conf_remove(struct crm_conf *c, const char *kind, const char *id)
{
	int i = find(c, kind ? kind_of(kind) : -1, id);

	if (i < 0)
		return false;
	stmt_free(&c->v[i]);
	memmove(&c->v[i], &c->v[i + 1], (c->n - i - 1) * sizeof(*c->v));
	c->n--;
	return true;
}

bool crm_conf_has(const struct crm_conf *c, const char *id)
{
	return find(c, -1, id) >= 0;
}

static bool plain_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       strchr("_.:/=@%+,-[]()<>!*^~{}", ch);
}

/* Quote what cfgtok would split or interpret: NAME="VALUE" keeps crmsh's
 * look for parameters. */
static void render_word(struct strbuf *sb, const char *w)
{
	const char *eq = strchr(w, '='), *p;
	bool plain = *w != 0;

	for (p = w; *p; p++)
		if (!plain_char(*p)) {
			plain = false;
			break;
		}
	if (plain) {
		sb_puts(sb, w);
		return;
	}
	p = w;
	if (eq && eq > w) {
		bool name_plain = true;

		for (const char *q = w; q < eq; q++)
			name_plain = name_plain && plain_char(*q);
		if (name_plain) {
			sb_append(sb, w, (size_t)(eq - w) + 1);
			p = eq + 1;
		}
	}
	sb_putc(sb, '"');
	for (; *p; p++) {
		if (*p == '"' || *p == '\\' || *p == '$')
			sb_putc(sb, '\\');
		if (*p == '\n')
			sb_puts(sb, "\\n");
		else if (*p == '\t')
			sb_puts(sb, "\\t");
		else
			sb_putc(sb, *p);
	}
	sb_putc(sb, '"');
}

char *crm_conf_render(const struct crm_conf *c)
{
	struct strbuf sb = STRBUF_INIT;

	for (int k = 0; kinds[k]; k++)
		for (int i = 0; i < c->n; i++) {
			const struct crm_stmt *s = &c->v[i];

			if (s->kind != k)
				continue;
			for (int w = 0; w < s->argc; w++) {
				if (w)
					sb_putc(&sb, ' ');
				render_word(&sb, s->argv[w]);
			}
			sb_putc(&sb, '\n');
		}
	return sb.s ? sb.s : xstrdup("");
}

/* Words [from, to) of a statement's SECTION ("attributes", "meta"): the
 * NAME=VALUE words after the section keyword. from = -1 if none. */
static void section_span(const struct crm_stmt *s, const char *section, int *from, int *to)
{
	int i = 2;

	*from = *to = -1;
	while (i < s->argc && strcmp(s->argv[i], section))
		i++;
	if (i == s->argc)
		return;
	*from = ++i;
	while (i < s->argc && strchr(s->argv[i], '='))
		i++;
	*to = i;
}

static bool attr_is(const char *word, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(word, name, n) && word[n] == '=';
}

static const char *section_get(const struct crm_stmt *s, const char *section, const char *name)
{
	int from, to;

	section_span(s, section, &from, &to);
	for (int w = from; w >= 0 && w < to; w++)
		if (attr_is(s->argv[w], name))
			return s->argv[w] + strlen(name) + 1;
	return NULL;
}

/* Set or (value NULL) delete NAME in a statement's SECTION. */
static void section_set(struct crm_conf *c, int i, const char *section, const char *name,
			const char *value)
{
	struct crm_stmt *s = &c->v[i];
	int from, to, n = 0, argc;
	const char **argv = xcalloc(s->argc + 4, sizeof(char *));
	char *kv = value ? xasprintf("%s=%s", name, value) : NULL;
	bool done = false;
	char **copy;

	section_span(s, section, &from, &to);
	for (int w = 0; w < s->argc; w++) {
		if (from >= 0 && w >= from && w < to && attr_is(s->argv[w], name)) {
			if (kv && !done)
				argv[n++] = kv;
			done = true;
			continue;
		}
		if (from >= 0 && w == to && kv && !done) {
			argv[n++] = kv;
			done = true;
		}
		argv[n++] = s->argv[w];
	}
	if (kv && !done) {
		if (from < 0)
			argv[n++] = section;
		argv[n++] = kv;
	}
	/* A section keyword with nothing after it is not valid crmsh. */
	for (int w = 0; w < n; w++)
		if (!strcmp(argv[w], section) && (!argv[w + 1] || !strchr(argv[w + 1], '='))) {
			memmove(&argv[w], &argv[w + 1], (n - w) * sizeof(char *));
			n--;
			break;
		}
	argv[n] = NULL;
	copy = dup_argv(argv, &argc);
	free(argv);
	free(kv);
	put_owned(c, copy, argc, s->kind, c->v[i].id);
}

const char *crm_conf_node_attr_get(const struct crm_conf *c, const char *node, const char *name)
{
	int i = find(c, 0, node);

	return i < 0 ? NULL : section_get(&c->v[i], "attributes", name);
}

void crm_conf_node_attr(struct crm_conf *c, const char *node, const char *name, const char *value)
{
	int i = find(c, 0, node);

	if (i < 0) {
		const char *fresh[] = { "node", node, NULL };

		if (!value)
			return;
		crm_conf_put(c, fresh);
		i = find(c, 0, node);
	}
	section_set(c, i, "attributes", name, value);
}

static int find_rsc(const struct crm_conf *c, const char *id)
{
	for (int k = 1; k <= 4; k++) {
		int i = find(c, k, id);

		if (i >= 0)
			return i;
	}
	return -1;
}

int crm_conf_rsc_meta(struct crm_conf *c, const char *rsc, const char *name, const char *value)
{
	int i = find_rsc(c, rsc);

	if (i < 0)
		return -1;
	section_set(c, i, "meta", name, value);
	return 0;
}

const char *crm_conf_rsc_meta_get(const struct crm_conf *c, const char *rsc, const char *name)
{
	int i = find_rsc(c, rsc);

	return i < 0 ? NULL : section_get(&c->v[i], "meta", name);
}

struct crm_conf *crm_conf_dup(const struct crm_conf *c)
{
	struct crm_conf *d = crm_conf_new();

	for (int i = 0; i < c->n; i++) {
		int argc;
		char **copy = dup_argv((const char *const *)c->v[i].argv, &argc);

		put_owned(d, copy, argc, c->v[i].kind, c->v[i].id);
	}
	return d;
}

int crm_conf_ids(const struct crm_conf *c, const char *kind, const char ***ids)
{
	int k = kind ? kind_of(kind) : -1, n = 0;

	*ids = xcalloc(c->n + 1, sizeof(char *));
	for (int i = 0; i < c->n; i++)
		if (k < 0 || c->v[i].kind == k)
			(*ids)[n++] = c->v[i].id;
	return n;
}
