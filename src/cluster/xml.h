/* xml: a small XML reader and writer for the subset a Pacemaker CIB uses.
 *
 * Elements, attributes (single or double quoted), character data (kept
 * but not interpreted), comments, processing instructions such as
 * <?xml ...?>, CDATA sections, and the five predefined entities plus
 * numeric character references. No DTDs, no namespaces. The parser is
 * pure: it reads from memory and reports errors as "line N: ..." in the
 * caller's buffer. Hooks let a caller take each element as it is read
 * and free it, or leave parts of a document unbuilt until it needs them.
 */
#ifndef VIGIL_XML_H
#define VIGIL_XML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct xml_attr {
	char *name;             /* from malloc() */
	char *value;            /* from malloc(), entities decoded */
};

struct xml_node {
	char *name;             /* element name, allocated with the node */
	struct xml_attr *attrs; /* from malloc() */
	int nattrs;
	bool attrs_packed;      /* private to xml.c: attrs and their strings are
				   one block from malloc() (as parsed) */
	int line;               /* line of the start tag */
	struct xml_node *parent;
	struct xml_node *children; /* first child */
	struct xml_node *last;     /* last child, for appending */
	struct xml_node *next;     /* next sibling */
};

/* Parse a whole document. Returns the root element, or NULL with a
 * message in err. The caller frees the result with xml_free(). */
struct xml_node *xml_parse(const char *data, size_t len, char *err, size_t errlen);

/* Reading a document too large to keep whole as a tree.
 *
 * xml_parse_hooked() parses like xml_parse() (same checks, same errors)
 * and calls the hooks on the way:
 *   open(arg, n, at)   after n's start tag: n has its attributes and is
 *                      linked to its parent, but has no children yet.
 *                      Returning true skips n's content: it is checked
 *                      all the same but not built, and no hook is called
 *                      inside it. `at` is where n starts, so that the
 *                      content can be read later with xml_parse_at().
 *   close(arg, n, end) after n's end tag, its subtree complete. Returning
 *                      true unlinks and frees n: the hook took what it
 *                      needed. `end` is just past the end tag. The root is
 *                      returned whatever close says.
 * Either hook may be NULL. */
struct xml_pos {
	size_t offset;          /* of an element's '<' (or just past its end) */
	int line;
};

struct xml_hooks {
	bool (*open)(void *arg, struct xml_node *n, struct xml_pos at);
	bool (*close)(void *arg, struct xml_node *n, struct xml_pos end);
	void *arg;
};

struct xml_node *xml_parse_hooked(const char *data, size_t len, const struct xml_hooks *h,
				  char *err, size_t errlen);
/* The one element that starts at `at` in data (a position an open hook
 * was given for the same data), with hooks h (may be NULL). The parse
 * ends with that element; errors name lines of the whole document. */
struct xml_node *xml_parse_at(const char *data, size_t len, struct xml_pos at,
			      const struct xml_hooks *h, char *err, size_t errlen);
void xml_free(struct xml_node *n);

/* A new element, appended to parent when parent is not NULL. */
struct xml_node *xml_new(struct xml_node *parent, const char *name);
/* Set (replace) an attribute. */
void xml_set(struct xml_node *n, const char *name, const char *value);
const char *xml_get(const struct xml_node *n, const char *name);
void xml_unset(struct xml_node *n, const char *name);
/* First child element named `name` (any name when NULL). */
struct xml_node *xml_child(const struct xml_node *n, const char *name);
/* Next sibling element named `name` after `n` (any name when NULL). */
struct xml_node *xml_next(const struct xml_node *n, const char *name);
/* First descendant (depth first) with this name and attribute id. */
struct xml_node *xml_find_id(struct xml_node *root, const char *name, const char *id);
/* Unlink `n` from its parent and free it. */
void xml_remove(struct xml_node *n);
/* Unlink `n` from its parent without freeing it; append a parentless node. */
void xml_detach(struct xml_node *n);
void xml_append(struct xml_node *parent, struct xml_node *n);

/* Write `n` indented by two spaces per level. */
void xml_write(FILE *out, const struct xml_node *n, int depth);
/* The same, as a string from malloc(). */
char *xml_to_string(const struct xml_node *n);

#define xml_foreach(child, parent, nm) \
	for ((child) = xml_child((parent), (nm)); (child); (child) = xml_next((child), (nm)))

#endif
