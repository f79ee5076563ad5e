/* xml: reader and writer for the XML subset of a Pacemaker CIB. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/xml.h"
#include "lib/util.h"

/* Nesting limit: a CIB is a handful of levels deep; the limit keeps a
 * hostile document from exhausting the stack of a recursive writer. */
#define XML_MAX_DEPTH 256

struct xml_parser {
	const char *p, *end;
	int line;
	char *err;
	size_t errlen;
};

static void xml_error(struct xml_parser *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void xml_error(struct xml_parser *x, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!x->errlen)
		return;
	n = snprintf(x->err, x->errlen, "line %d: ", x->line);
	if (n < 0 || (size_t)n >= x->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(x->err + n, x->errlen - n, fmt, ap);
	va_end(ap);
}

struct xml_node *xml_new(struct xml_node *parent, const char *name)
{
	struct xml_node *n = xcalloc(1, sizeof(*n));

	n->name = xstrdup(name);
	if (parent) {
		n->parent = parent;
		if (parent->last)
			parent->last->next = n;
		else
			parent->children = n;
		parent->last = n;
	}
	return n;
}

void xml_free(struct xml_node *n)
{
	while (n) {
		struct xml_node *next = n->next;

		xml_free(n->children);
		for (int i = 0; i < n->nattrs && !n->attrs_packed; i++) {
			free(n->attrs[i].name);
			free(n->attrs[i].value);
		}
		free(n->attrs);
		free(n->name);
		free(n);
		n = next;
	}
}

void xml_detach(struct xml_node *n)
{
	struct xml_node *p = n->parent, *prev = NULL, *c;

	if (p) {
		for (c = p->children; c && c != n; c = c->next)
			prev = c;
		if (prev)
			prev->next = n->next;
		else
			p->children = n->next;
		if (p->last == n)
			p->last = prev;
	}
	n->next = NULL;
	n->parent = NULL;
}

void xml_remove(struct xml_node *n)
{
	xml_detach(n);
	xml_free(n);
}

char *xml_to_string(const struct xml_node *n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();  /* out of memory, as xmalloc would */
	xml_write(f, n, 0);
	fclose(f);
	return buf;
}

void xml_append(struct xml_node *parent, struct xml_node *n)
{
	n->parent = parent;
	n->next = NULL;
	if (parent->last)
		parent->last->next = n;
	else
		parent->children = n;
	parent->last = n;
}

/* A parsed element's attributes are one block (see parse_attrs); before
 * the first change they become an array of separately allocated strings,
 * sized to the next power of two as xml_set_owned() expects. */
static void unpack_attrs(struct xml_node *n)
{
	struct xml_attr *a;
	int cap = 1;

	if (!n->attrs_packed)
		return;
	while (cap < n->nattrs)
		cap <<= 1;
	a = xmalloc(cap * sizeof(*a));
	for (int i = 0; i < n->nattrs; i++) {
		a[i].name = xstrdup(n->attrs[i].name);
		a[i].value = xstrdup(n->attrs[i].value);
	}
	free(n->attrs);
	n->attrs = a;
	n->attrs_packed = false;
}

static void xml_set_owned(struct xml_node *n, char *name, char *value)
{
	unpack_attrs(n);
	for (int i = 0; i < n->nattrs; i++) {
		if (!strcmp(n->attrs[i].name, name)) {
			free(n->attrs[i].value);
			n->attrs[i].value = value;
			free(name);
			return;
		}
	}
	/* The array doubles at each power of two (its capacity is the next
	 * power of two at or above nattrs): a CIB's elements carry many
	 * attributes, and a realloc() per attribute was most of the parse. */
	if ((n->nattrs & (n->nattrs - 1)) == 0)
		n->attrs = xrealloc(n->attrs, (n->nattrs ? 2 * n->nattrs : 1) * sizeof(*n->attrs));
	n->attrs[n->nattrs].name = name;
	n->attrs[n->nattrs].value = value;
	n->nattrs++;
}

void xml_set(struct xml_node *n, const char *name, const char *value)
{
	xml_set_owned(n, xstrdup(name), xstrdup(value));
}

void xml_unset(struct xml_node *n, const char *name)
{
	unpack_attrs(n);
	for (int i = 0; i < n->nattrs; i++)
		if (!strcmp(n->attrs[i].name, name)) {
			free(n->attrs[i].name);
			free(n->attrs[i].value);
			n->attrs[i] = n->attrs[--n->nattrs];
			return;
		}
}

const char *xml_get(const struct xml_node *n, const char *name)
{
	if (!n)
		return NULL;
	for (int i = 0; i < n->nattrs; i++)
		if (!strcmp(n->attrs[i].name, name))
			return n->attrs[i].value;
	return NULL;
}

struct xml_node *xml_child(const struct xml_node *n, const char *name)
{
	struct xml_node *c;

	if (!n)
		return NULL;
	for (c = n->children; c; c = c->next)
		if (!name || !strcmp(c->name, name))
			return c;
	return NULL;
}

struct xml_node *xml_next(const struct xml_node *n, const char *name)
{
	struct xml_node *c;

	for (c = n->next; c; c = c->next)
		if (!name || !strcmp(c->name, name))
			return c;
	return NULL;
}

struct xml_node *xml_find_id(struct xml_node *root, const char *name, const char *id)
{
	struct xml_node *c, *r;
	const char *v;

	if (!root)
		return NULL;
	if ((!name || !strcmp(root->name, name)) && (v = xml_get(root, "id")) && !strcmp(v, id))
		return root;
	for (c = root->children; c; c = c->next)
		if ((r = xml_find_id(c, name, id)))
			return r;
	return NULL;
}

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.' || c == ':' || (unsigned char)c >= 0x80;
}

static void skip_ws(struct xml_parser *x)
{
	while (x->p < x->end && (*x->p == ' ' || *x->p == '\t' || *x->p == '\r' || *x->p == '\n')) {
		if (*x->p == '\n')
			x->line++;
		x->p++;
	}
}

/* Skip up to and including `term`; counts lines. */
static int skip_past(struct xml_parser *x, const char *term, const char *what)
{
	size_t tl = strlen(term);

	while (x->p + tl <= x->end) {
		if (!memcmp(x->p, term, tl)) {
			x->p += tl;
			return 0;
		}
		if (*x->p == '\n')
			x->line++;
		x->p++;
	}
	xml_error(x, "unterminated %s", what);
	return -EINVAL;
}

static size_t parse_name_len(struct xml_parser *x)
{
	const char *s = x->p;

	while (x->p < x->end && is_name_char(*x->p))
		x->p++;
	return x->p - s;
}

static char *parse_name(struct xml_parser *x)
{
	const char *s = x->p;

	while (x->p < x->end && is_name_char(*x->p))
		x->p++;
	if (x->p == s)
		return NULL;
	return strndup(s, x->p - s);
}

static void put_utf8(char **o, unsigned long cp)
{
	char *d = *o;

	if (cp < 0x80) {
		*d++ = (char)cp;
	} else if (cp < 0x800) {
		*d++ = (char)(0xC0 | (cp >> 6));
		*d++ = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		*d++ = (char)(0xE0 | (cp >> 12));
		*d++ = (char)(0x80 | ((cp >> 6) & 0x3F));
		*d++ = (char)(0x80 | (cp & 0x3F));
	} else {
		*d++ = (char)(0xF0 | (cp >> 18));
		*d++ = (char)(0x80 | ((cp >> 12) & 0x3F));
		*d++ = (char)(0x80 | ((cp >> 6) & 0x3F));
		*d++ = (char)(0x80 | (cp & 0x3F));
	}
	*o = d;
}

/* Decode entities in [s, e) into out, which has room for e - s + 1 bytes
 * (a reference is never shorter than what it stands for). */
static bool decode(struct xml_parser *x, const char *s, const char *e, char *out)
{
	char *o = out;
	static const struct { const char *name; char c; } ents[] = {
		{ "lt", '<' }, { "gt", '>' }, { "amp", '&' }, { "quot", '"' }, { "apos", '\'' },
	};

	while (s < e) {
		const char *semi;
		size_t i, nl;

		if (*s != '&') {
			*o++ = *s++;
			continue;
		}
		semi = memchr(s, ';', e - s);
		if (!semi || semi - s > 12) {
			xml_error(x, "bad entity reference");
			return false;
		}
		nl = semi - s - 1;
		if (nl > 1 && s[1] == '#') {
			char *endp;
			unsigned long cp;
			char num[16];

			memcpy(num, s + 2, nl - 1);
			num[nl - 1] = 0;
			errno = 0;
			if (num[0] == 'x')
				cp = strtoul(num + 1, &endp, 16);
			else
				cp = strtoul(num, &endp, 10);
			if (*endp || errno || cp == 0 || cp > 0x10FFFF || endp == num) {
				xml_error(x, "bad character reference");
				return false;
			}
			put_utf8(&o, cp);
			s = semi + 1;
			continue;
		}
		for (i = 0; i < ARRAY_SIZE(ents); i++)
			if (strlen(ents[i].name) == nl && !memcmp(s + 1, ents[i].name, nl))
				break;
		if (i == ARRAY_SIZE(ents)) {
			xml_error(x, "unknown entity '&%.*s;'", (int)nl, s + 1);
			return false;
		}
		*o++ = ents[i].c;
		s = semi + 1;
	}
	*o = 0;
	return true;
}

/* Skip comments, PIs, doctype and whitespace between elements. Returns 1
 * when positioned on '<' of an element or end tag, 0 at end, <0 on error. */
static int skip_misc(struct xml_parser *x, bool allow_text)
{
	for (;;) {
		if (allow_text) {
			while (x->p < x->end && *x->p != '<') {
				if (*x->p == '\n')
					x->line++;
				x->p++;
			}
		} else {
			skip_ws(x);
		}
		if (x->p >= x->end)
			return 0;
		if (*x->p != '<') {
			xml_error(x, "text outside the root element");
			return -EINVAL;
		}
		if (x->end - x->p >= 4 && !memcmp(x->p, "<!--", 4)) {
			x->p += 4;
			if (skip_past(x, "-->", "comment"))
				return -EINVAL;
		} else if (x->end - x->p >= 2 && !memcmp(x->p, "<?", 2)) {
			x->p += 2;
			if (skip_past(x, "?>", "processing instruction"))
				return -EINVAL;
		} else if (x->end - x->p >= 9 && !memcmp(x->p, "<![CDATA[", 9)) {
			if (!allow_text) {
				xml_error(x, "CDATA outside an element");
				return -EINVAL;
			}
			x->p += 9;
			if (skip_past(x, "]]>", "CDATA section"))
				return -EINVAL;
		} else if (x->end - x->p >= 2 && !memcmp(x->p, "<!", 2)) {
			x->p += 2;
			if (skip_past(x, ">", "declaration"))
				return -EINVAL;
		} else {
			return 1;
		}
	}
}

struct attr_span {
	const char *name, *value, *value_end;
	size_t name_len;
};

/* Parse the attributes of a start tag into one block: the xml_attr array
 * followed by every name and decoded value. A CIB has ~8 attributes per
 * element and hundreds of thousands of them in all; two allocations per
 * attribute were most of the cost of reading it. A repeated attribute
 * keeps its first position and its last value, as xml_set() would.
 * Returns 0 after '>', 1 after '/>', <0 on error. */
static int parse_attrs(struct xml_parser *x, struct xml_node *n)
{
	struct attr_span local[16], *sp = local;
	int nsp = 0, cap = ARRAY_SIZE(local), rc = -EINVAL;
	size_t bytes = 0;
	char *o;

	for (;;) {
		const char *an, *vs;
		size_t anl;
		char q;
		int k;

		skip_ws(x);
		if (x->p >= x->end) {
			xml_error(x, "unterminated start tag <%s>", n->name);
			goto out;
		}
		if (*x->p == '/') {
			if (x->p + 1 >= x->end || x->p[1] != '>') {
				xml_error(x, "expected '>' after '/' in <%s>", n->name);
				goto out;
			}
			x->p += 2;
			rc = 1;
			break;
		}
		if (*x->p == '>') {
			x->p++;
			rc = 0;
			break;
		}
		an = x->p;
		anl = parse_name_len(x);
		if (!anl) {
			xml_error(x, "bad attribute in <%s>", n->name);
			goto out;
		}
		skip_ws(x);
		if (x->p >= x->end || *x->p != '=') {
			xml_error(x, "expected '=' after attribute '%.*s'", (int)anl, an);
			goto out;
		}
		x->p++;
		skip_ws(x);
		if (x->p >= x->end || (*x->p != '"' && *x->p != '\'')) {
			xml_error(x, "expected a quoted value for attribute '%.*s'", (int)anl, an);
			goto out;
		}
		q = *x->p++;
		vs = x->p;
		while (x->p < x->end && *x->p != q) {
			if (*x->p == '\n')
				x->line++;
			if (*x->p == '<') {
				xml_error(x, "'<' in the value of attribute '%.*s'", (int)anl, an);
				goto out;
			}
			x->p++;
		}
		if (x->p >= x->end) {
			xml_error(x, "unterminated value of attribute '%.*s'", (int)anl, an);
			goto out;
		}
		for (k = 0; k < nsp; k++)
			if (sp[k].name_len == anl && !memcmp(sp[k].name, an, anl))
				break;
		if (k == nsp) {
			if (nsp == cap) {
				cap *= 2;
				if (sp == local) {
					sp = xmalloc(cap * sizeof(*sp));
					memcpy(sp, local, sizeof(local));
				} else {
					sp = xrealloc(sp, cap * sizeof(*sp));
				}
			}
			sp[nsp].name = an;
			sp[nsp].name_len = anl;
			bytes += anl + 1;
			nsp++;
		} else {
			bytes -= sp[k].value_end - sp[k].value + 1;
		}
		sp[k].value = vs;
		sp[k].value_end = x->p;
		bytes += x->p - vs + 1;
		x->p++;
	}
	if (!nsp)
		goto out;
	n->attrs = xmalloc(nsp * sizeof(*n->attrs) + bytes);
	n->attrs_packed = true;
	o = (char *)(n->attrs + nsp);
	for (int k = 0; k < nsp; k++) {
		n->attrs[k].name = o;
		memcpy(o, sp[k].name, sp[k].name_len);
		o[sp[k].name_len] = 0;
		o += sp[k].name_len + 1;
		n->attrs[k].value = o;
		n->nattrs = k + 1;
		if (!decode(x, sp[k].value, sp[k].value_end, o)) {
			rc = -EINVAL;
			goto out;
		}
		o += sp[k].value_end - sp[k].value + 1;
	}
out:
	if (sp != local)
		free(sp);
	return rc;
}

static struct xml_node *parse_element(struct xml_parser *x, struct xml_node *parent, int depth)
{
	struct xml_node *n;
	char *name;

	if (depth > XML_MAX_DEPTH) {
		xml_error(x, "elements nested too deeply");
		return NULL;
	}
	x->p++; /* '<' */
	name = parse_name(x);
	if (!name) {
		xml_error(x, "expected an element name");
		return NULL;
	}
	n = xml_new(NULL, name);
	free(name);
	n->line = x->line;
	switch (parse_attrs(x, n)) {
	case 0:
		break;
	case 1:
		goto done;   /* empty-element tag */
	default:
		goto fail;
	}
	/* Content: child elements, text, comments, until the end tag. */
	for (;;) {
		int rc = skip_misc(x, true);

		if (rc < 0)
			goto fail;
		if (rc == 0) {
			xml_error(x, "missing end tag </%s>", n->name);
			goto fail;
		}
		if (x->p + 1 < x->end && x->p[1] == '/') {
			char *ename;

			x->p += 2;
			ename = parse_name(x);
			if (!ename || strcmp(ename, n->name)) {
				xml_error(x, "end tag </%s> does not match <%s>", ename ? ename : "", n->name);
				free(ename);
				goto fail;
			}
			free(ename);
			skip_ws(x);
			if (x->p >= x->end || *x->p != '>') {
				xml_error(x, "expected '>' in end tag </%s>", n->name);
				goto fail;
			}
			x->p++;
			break;
		}
		if (!parse_element(x, n, depth + 1))
			goto fail;
	}
done:
	if (parent) {
		n->parent = parent;
		if (parent->last)
			parent->last->next = n;
		else
			parent->children = n;
		parent->last = n;
	}
	return n;
fail:
	xml_free(n);
	return NULL;
}

struct xml_node *xml_parse(const char *data, size_t len, char *err, size_t errlen)
{
	struct xml_parser x = { data, data + len, 1, err, errlen };
	struct xml_node *root;
	int rc;

	if (errlen)
		err[0] = 0;
	/* A UTF-8 byte order mark is allowed before the prolog. */
	if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3))
		x.p += 3;
	rc = skip_misc(&x, false);
	if (rc <= 0) {
		if (rc == 0)
			xml_error(&x, "no root element");
		return NULL;
	}
	if (x.p + 1 < x.end && x.p[1] == '/') {
		xml_error(&x, "end tag without a start tag");
		return NULL;
	}
	root = parse_element(&x, NULL, 0);
	if (!root)
		return NULL;
	rc = skip_misc(&x, false);
	if (rc != 0) {
		if (rc > 0)
			xml_error(&x, "more than one root element");
		xml_free(root);
		return NULL;
	}
	return root;
}

static void write_escaped(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&apos;", out); break;
		case '\n': fputs("&#10;", out); break;
		default: fputc(*s, out);
		}
	}
}

void xml_write(FILE *out, const struct xml_node *n, int depth)
{
	const struct xml_node *c;

	fprintf(out, "%*s<%s", depth * 2, "", n->name);
	for (int i = 0; i < n->nattrs; i++) {
		fprintf(out, " %s=\"", n->attrs[i].name);
		write_escaped(out, n->attrs[i].value);
		fputc('"', out);
	}
	if (!n->children) {
		fputs("/>\n", out);
		return;
	}
	fputs(">\n", out);
	for (c = n->children; c; c = c->next)
		xml_write(out, c, depth + 1);
	fprintf(out, "%*s</%s>\n", depth * 2, "", n->name);
}
