/* xml: reader and writer for the XML subset of a Pacemaker CIB. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/xml.h"
#include "lib/util.h"

/* Nesting limit: a CIB is a handful of levels deep; the limit keeps a
 * hostile document from exhausting the stack of a recursive writer. */
#define XML_MAX_DEPTH 256

struct xml_parser {
	const char *start;      /* of the document: positions are offsets */
	const char *p, *end;
	int line;
	char *err;
	size_t errlen;
	const struct xml_hooks *hooks;  /* may be NULL */
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

/* A node and its name are one allocation: a large CIB has hundreds of
 * thousands of elements, and each malloc() shows. */
static struct xml_node *node_alloc(const char *name, size_t len)
{
	struct xml_node *n = xcalloc(1, sizeof(*n) + len + 1);

	n->name = (char *)(n + 1);
	memcpy(n->name, name, len);
	return n;
}

struct xml_node *xml_new(struct xml_node *parent, const char *name)
{
	struct xml_node *n = node_alloc(name, strlen(name));

	if (parent)
		xml_append(parent, n);
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
	/* The first byte rules out most names without a call. */
	for (int i = 0; i < n->nattrs; i++)
		if (n->attrs[i].name[0] == name[0] && !strcmp(n->attrs[i].name, name))
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

/* Byte classes for the loops that go over most of a document's bytes:
 * one table look-up per byte instead of a chain of comparisons. */
#define C_NAME  1       /* in element and attribute names */
#define C_SPACE 2       /* white space */

static const unsigned char cclass[256] = {
	['a' ... 'z'] = C_NAME, ['A' ... 'Z'] = C_NAME, ['0' ... '9'] = C_NAME,
	['_'] = C_NAME, ['-'] = C_NAME, ['.'] = C_NAME, [':'] = C_NAME,
	[0x80 ... 0xff] = C_NAME,
	[' '] = C_SPACE, ['\t'] = C_SPACE, ['\r'] = C_SPACE, ['\n'] = C_SPACE,
};

/* The scanning loops work on local copies of x->p: a char read may alias
 * the parser's fields, so the compiler would reload and store x->p for
 * every byte otherwise. */
static void skip_ws(struct xml_parser *x)
{
	const char *p = x->p, *end = x->end;

	while (p < end && (cclass[(unsigned char)*p] & C_SPACE)) {
		if (*p == '\n')
			x->line++;
		p++;
	}
	x->p = p;
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
	const char *s = x->p, *p = s, *end = x->end;

	while (p < end && (cclass[(unsigned char)*p] & C_NAME))
		p++;
	x->p = p;
	return p - s;
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
 * (a reference is never shorter than what it stands for). With out NULL,
 * only check them. */
static bool decode(struct xml_parser *x, const char *s, const char *e, char *out)
{
	char *o = out;
	static const struct { const char *name; char c; } ents[] = {
		{ "lt", '<' }, { "gt", '>' }, { "amp", '&' }, { "quot", '"' }, { "apos", '\'' },
	};

	while (s < e) {
		const char *amp = memchr(s, '&', e - s), *semi;
		size_t i, nl;

		if (!amp)
			amp = e;
		if (o) {
			memcpy(o, s, amp - s);
			o += amp - s;
		}
		s = amp;
		if (s == e)
			break;
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
			if (o)
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
		if (o)
			*o++ = ents[i].c;
		s = semi + 1;
	}
	if (o)
		*o = 0;
	return true;
}

/* Skip comments, PIs, doctype and whitespace between elements. Returns 1
 * when positioned on '<' of an element or end tag, 0 at end, <0 on error. */
static int skip_misc(struct xml_parser *x, bool allow_text)
{
	for (;;) {
		if (allow_text) {
			const char *p = x->p, *end = x->end;

			while (p < end && *p != '<') {
				if (*p == '\n')
					x->line++;
				p++;
			}
			x->p = p;
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

/* The first byte from p on that an attribute value quoted by q cannot
 * pass over without a look: the quote, '<' (an error), a newline (a line
 * to count) or '&' (an entity to decode); end if none. (Comparing 16
 * bytes at a time with SSE2 made reading a 32-node, 2000-resource CIB
 * only 2 % faster: not worth the intrinsics.) */
static const char *value_scan(const char *p, const char *end, char q)
{
	while (p < end && *p != q && *p != '<' && *p != '\n' && *p != '&')
		p++;
	return p;
}

struct attr_span {
	const char *name, *value, *value_end;
	size_t name_len;
	bool entity;            /* the value has an '&' to decode */
};

/* Parse the attributes of the start tag of element `tag` into one block of
 * n: the xml_attr array followed by every name and decoded value. A CIB
 * has ~8 attributes per element and hundreds of thousands of them in all;
 * two allocations per attribute were most of the cost of reading it. A
 * repeated attribute keeps its first position and its last value, as
 * xml_set() would. With n NULL (an element skipped), the same checks are
 * made, in the same order, and nothing is kept. Returns 0 after '>', 1
 * after '/>', <0 on error. */
static int parse_attrs(struct xml_parser *x, const char *tag, int taglen, struct xml_node *n)
{
	struct attr_span local[16], *sp = local;
	int nsp = 0, cap = ARRAY_SIZE(local), rc = -EINVAL;
	size_t bytes = 0;
	uint64_t seen = 0;
	char *o = NULL;

	for (;;) {
		const char *an, *vs;
		size_t anl;
		unsigned bit;
		bool entity;
		char q;
		int k;

		/* The text ahead, asked for before it is needed: 1.5 % of
		 * `vigilctl simulate` on a 32-node, 2000-resource CIB, from
		 * cache (and, on a virtual machine, TLB) misses at each new
		 * page. Harmless past the end: a prefetch does not fault. */
		__builtin_prefetch(x->p + 1024);
		skip_ws(x);
		if (x->p >= x->end) {
			xml_error(x, "unterminated start tag <%.*s>", taglen, tag);
			goto out;
		}
		if (*x->p == '/') {
			if (x->p + 1 >= x->end || x->p[1] != '>') {
				xml_error(x, "expected '>' after '/' in <%.*s>", taglen, tag);
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
			xml_error(x, "bad attribute in <%.*s>", taglen, tag);
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
		entity = false;
		for (;;) {
			x->p = value_scan(x->p, x->end, q);
			if (x->p >= x->end || *x->p == q)
				break;
			if (*x->p == '\n') {
				x->line++;
			} else if (*x->p == '<') {
				xml_error(x, "'<' in the value of attribute '%.*s'", (int)anl, an);
				goto out;
			} else {
				entity = true;
			}
			x->p++;
		}
		if (x->p >= x->end) {
			xml_error(x, "unterminated value of attribute '%.*s'", (int)anl, an);
			goto out;
		}
		/* A repeated name is rare: a 64-bit filter of the names seen
		 * spares most attributes the search. */
		bit = ((unsigned char)an[0] + anl * 31) & 63;
		k = nsp;
		if (seen & (1ULL << bit))
			for (k = 0; k < nsp; k++)
				if (sp[k].name_len == anl && !memcmp(sp[k].name, an, anl))
					break;
		seen |= 1ULL << bit;
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
		sp[k].entity = entity;
		bytes += x->p - vs + 1;
		x->p++;
	}
	if (!nsp)
		goto out;
	if (n) {
		n->attrs = xmalloc(nsp * sizeof(*n->attrs) + bytes);
		n->attrs_packed = true;
		o = (char *)(n->attrs + nsp);
	}
	for (int k = 0; k < nsp; k++) {
		if (n) {
			n->attrs[k].name = o;
			memcpy(o, sp[k].name, sp[k].name_len);
			o[sp[k].name_len] = 0;
			o += sp[k].name_len + 1;
			n->attrs[k].value = o;
			n->nattrs = k + 1;
		}
		if (!sp[k].entity) {
			if (n) {
				memcpy(o, sp[k].value, sp[k].value_end - sp[k].value);
				o[sp[k].value_end - sp[k].value] = 0;
			}
		} else if (!decode(x, sp[k].value, sp[k].value_end, o)) {
			rc = -EINVAL;
			goto out;
		}
		if (n)
			o += sp[k].value_end - sp[k].value + 1;
	}
out:
	if (sp != local)
		free(sp);
	return rc;
}

/* A new element named by [name, name + len), appended to parent. */
static struct xml_node *new_node(struct xml_node *parent, const char *name, size_t len, int line)
{
	struct xml_node *n = node_alloc(name, len);

	n->line = line;
	if (parent)
		xml_append(parent, n);
	return n;
}

/* The element whose '<' is at x->p, built under parent and stored in *out
 * as soon as it exists (the caller frees the whole tree on failure), or
 * with `build` false only checked: the same errors, nothing kept. The open
 * hook may turn building off for the element's content. */
static int parse_element(struct xml_parser *x, struct xml_node *parent, int depth, bool build,
			 struct xml_node **out)
{
	const struct xml_hooks *h = x->hooks;
	struct xml_pos at = { (size_t)(x->p - x->start), x->line };
	struct xml_node *n = NULL, *prev = parent ? parent->last : NULL;
	const char *name;
	int nlen, rc;

	if (depth > XML_MAX_DEPTH) {
		xml_error(x, "elements nested too deeply");
		return -EINVAL;
	}
	x->p++; /* '<' */
	name = x->p;
	nlen = (int)parse_name_len(x);
	if (!nlen) {
		xml_error(x, "expected an element name");
		return -EINVAL;
	}
	if (build) {
		n = new_node(parent, name, nlen, x->line);
		*out = n;
	}
	rc = parse_attrs(x, name, nlen, n);
	if (rc < 0)
		return rc;
	if (n && h && h->open && h->open(h->arg, n, at))
		build = false;
	/* Content: child elements, text, comments, until the end tag. */
	while (rc == 0) {
		const char *ename;
		int elen;

		rc = skip_misc(x, true);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			xml_error(x, "missing end tag </%.*s>", nlen, name);
			return -EINVAL;
		}
		if (!(x->p + 1 < x->end && x->p[1] == '/')) {
			struct xml_node *child;

			rc = parse_element(x, n, depth + 1, build, &child);
			if (rc < 0)
				return rc;
			continue;
		}
		x->p += 2;
		ename = x->p;
		elen = (int)parse_name_len(x);
		if (elen != nlen || memcmp(ename, name, nlen)) {
			xml_error(x, "end tag </%.*s> does not match <%.*s>", elen, ename, nlen, name);
			return -EINVAL;
		}
		skip_ws(x);
		if (x->p >= x->end || *x->p != '>') {
			xml_error(x, "expected '>' in end tag </%.*s>", nlen, name);
			return -EINVAL;
		}
		x->p++;
		break;
	}
	if (n && h && h->close) {
		struct xml_pos end = { (size_t)(x->p - x->start), x->line };

		/* Dropped, n is its parent's last child and prev the one before. */
		if (h->close(h->arg, n, end) && parent) {
			if (prev)
				prev->next = NULL;
			else
				parent->children = NULL;
			parent->last = prev;
			xml_free(n);
		}
	}
	return 0;
}

static struct xml_node *parse_document(const char *data, size_t len, const struct xml_hooks *h,
				       char *err, size_t errlen)
{
	struct xml_parser x = { data, data, data + len, 1, err, errlen, h };
	struct xml_node *root = NULL;
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
	if (parse_element(&x, NULL, 0, true, &root) < 0)
		goto fail;
	rc = skip_misc(&x, false);
	if (rc != 0) {
		if (rc > 0)
			xml_error(&x, "more than one root element");
		goto fail;
	}
	return root;
fail:
	xml_free(root);
	return NULL;
}

struct xml_node *xml_parse(const char *data, size_t len, char *err, size_t errlen)
{
	return parse_document(data, len, NULL, err, errlen);
}

struct xml_node *xml_parse_hooked(const char *data, size_t len, const struct xml_hooks *h,
				  char *err, size_t errlen)
{
	return parse_document(data, len, h, err, errlen);
}

struct xml_node *xml_parse_at(const char *data, size_t len, struct xml_pos at,
			      const struct xml_hooks *h, char *err, size_t errlen)
{
	struct xml_parser x = { data, data + at.offset, data + len, at.line, err, errlen, h };
	struct xml_node *root = NULL;

	if (errlen)
		err[0] = 0;
	if (at.offset >= len || data[at.offset] != '<') {
		xml_error(&x, "no element at offset %zu", at.offset);
		return NULL;
	}
	if (parse_element(&x, NULL, 0, true, &root) < 0) {
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
