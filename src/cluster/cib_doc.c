/* cib_doc: a CIB read in two passes, so that its operation history is
 * never held whole (see cib_doc.h).
 *
 * The unpacker needs every node's state before any history: a node's
 * membership and attributes decide how its operations count, and a fence
 * found in the states comes before one found in a history (Pacemaker's
 * unpack_status() order). A node_state carries its transient attributes
 * before or after its <lrm>, so histories cannot be unpacked as the text
 * goes by. Instead:
 *
 *   1. cib_doc_read() parses the whole text (every byte checked as
 *      xml_parse() checks it), building all but the content of each
 *      node's <lrm>, whose position it notes;
 *   2. cib_unpack_status() asks read_history() for a node's history when
 *      it comes to it; the <lrm> is parsed again from its position and
 *      each <lrm_resource> unpacked as soon as it is complete, then freed.
 *
 * A file is mapped for the first pass, the pages ahead of the parser
 * filled in and those behind it given back (WINDOW), and each history is
 * read again with pread() into one buffer: the text never counts whole in
 * the process's memory either. (Giving pages back is an madvise() per
 * step, and on the virtual machine the benchmarks run on one took up to
 * 4 ms at times: the second pass, in 32 pieces or more, does without.)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cluster/cib_doc.h"
#include "cluster/cib_int.h"
#include "lib/heap.h"
#include "lib/util.h"

/* The pages of a mapped text around the parser: those ahead of it are
 * filled in WINDOW bytes at a time by one madvise(MADV_POPULATE_READ) (a
 * page fault per 64 KiB otherwise, as costly as the heap's: lib/heap.h),
 * and those behind it given back WINDOW bytes at a time (MADV_DONTNEED). */
#define WINDOW (256 * 1024)

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22   /* Linux 5.14 */
#endif

struct deferred_lrm {
	struct xml_node *lrm;       /* in the tree, without children */
	struct xml_pos at;          /* of its start tag in the text */
	size_t end;                 /* just past its end tag */
};

struct cib_doc {
	struct xml_node *tree;
	char *name;                 /* the path, for messages; from malloc() */
	const char *text;           /* NULL when every history is in the tree
				       or in the file */
	size_t len;
	bool mapped;                /* text is a mapping (else from malloc()) */
	int fd;                     /* the file, for histories, or -1 */
	char *buf;                  /* one history read from fd; from malloc() */
	size_t bufsize;
	bool no_populate;           /* madvise() refused MADV_POPULATE_READ */
	size_t released, filled;    /* mapped: pages before `released` were
				       given back, those up to `filled` filled
				       in */
	size_t page;
	struct deferred_lrm *lrms;  /* in document order; from malloc() */
	int nlrms, next;
	/* While read_history() runs. */
	struct unpack_ctx *u;
	struct sched_node *node;
};

/* The parser is at `pos`: keep the mapped pages around it as WINDOW says
 * and the heap filled in as it grows. */
static void window_at(struct cib_doc *d, size_t pos)
{
	heap_fill();
	if (!d->mapped)
		return;
	if (pos >= d->released + WINDOW) {
		size_t end = pos & ~(d->page - 1);

		madvise((char *)d->text + d->released, end - d->released, MADV_DONTNEED);
		d->released = end;
	}
	if (pos + WINDOW / 2 > d->filled && d->filled < d->len && !d->no_populate) {
		size_t end = MIN(d->len, (pos + WINDOW + d->page - 1) & ~(d->page - 1));

		if (d->filled < d->released)
			d->filled = d->released;
		if (madvise((char *)d->text + d->filled, end - d->filled, MADV_POPULATE_READ))
			d->no_populate = true;
		d->filled = end;
	}
}

/* Pass 1: the first <lrm> of each node_state of the first <status> under
 * the <cib> root is the history cib_unpack_status() reads; it is left for
 * pass 2. */
static bool open_pass1(void *arg, struct xml_node *n, struct xml_pos at)
{
	struct cib_doc *d = arg;
	struct xml_node *st = n->parent, *status, *root;

	window_at(d, at.offset);
	if (strcmp(n->name, "lrm") || !st || strcmp(st->name, "node_state"))
		return false;
	status = st->parent;
	if (!status || strcmp(status->name, "status"))
		return false;
	root = status->parent;
	if (!root || root->parent || strcmp(root->name, "cib") ||
	    xml_child(root, "status") != status || xml_child(st, "lrm") != n)
		return false;
	if ((d->nlrms & (d->nlrms - 1)) == 0)
		d->lrms = xrealloc(d->lrms, (d->nlrms ? 2 * d->nlrms : 1) * sizeof(*d->lrms));
	d->lrms[d->nlrms].lrm = n;
	d->lrms[d->nlrms].at = at;
	d->nlrms++;
	return true;
}

static bool close_pass1(void *arg, struct xml_node *n, struct xml_pos end)
{
	struct cib_doc *d = arg;

	if (d->nlrms && d->lrms[d->nlrms - 1].lrm == n)
		d->lrms[d->nlrms - 1].end = end.offset;
	window_at(d, end.offset);
	return false;
}

/* Pass 2, inside one <lrm> (the root here): only its first
 * <lrm_resources> and the <lrm_resource> elements in it are built, as
 * unpack_node_history() reads a tree. */
static bool open_pass2(void *arg, struct xml_node *n, struct xml_pos at)
{
	struct xml_node *p = n->parent;

	window_at(arg, at.offset);
	if (!p)
		return false;
	if (!p->parent)
		return strcmp(n->name, "lrm_resources") || xml_child(p, "lrm_resources") != n;
	if (!p->parent->parent)
		return strcmp(n->name, "lrm_resource") != 0;
	return false;
}

static bool close_pass2(void *arg, struct xml_node *n, struct xml_pos end)
{
	struct cib_doc *d = arg;
	struct xml_node *p = n->parent;

	window_at(d, end.offset);
	if (!p || !p->parent || p->parent->parent || strcmp(n->name, "lrm_resource"))
		return false;
	cib_unpack_lrm_resource(d->u, d->node, n);
	return true;
}

/* len bytes of fd at off into buf: 0, or -1 (errno 0 when the file is
 * shorter now). */
static int pread_all(int fd, char *buf, size_t len, size_t off)
{
	while (len) {
		ssize_t r = pread(fd, buf, len, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (!r)
				errno = 0;
			return -1;
		}
		buf += r;
		off += r;
		len -= r;
	}
	return 0;
}

static bool read_history(struct unpack_ctx *u, struct xml_node *lrm, struct sched_node *n)
{
	struct cib_doc *d = u->history_arg;
	struct xml_hooks h = { open_pass2, close_pass2, d };
	struct deferred_lrm *dl = NULL;
	struct xml_node *root;
	struct xml_pos at;
	const char *text;
	size_t len;
	char xerr[512];

	/* Asked in document order, unless the tree was changed. */
	for (int i = 0; i < d->nlrms && !dl; i++) {
		int k = (d->next + i) % d->nlrms;

		if (d->lrms[k].lrm == lrm) {
			dl = &d->lrms[k];
			d->next = k + 1;
		}
	}
	if (!dl)
		return false;
	text = d->text;
	len = d->len;
	at = dl->at;
	if (d->fd >= 0) {
		len = dl->end - at.offset;
		if (len > d->bufsize) {
			d->buf = xrealloc(d->buf, len);
			d->bufsize = len;
		}
		if (pread_all(d->fd, d->buf, len, at.offset)) {
			snprintf(xerr, sizeof(xerr), "%s", errno ? strerror(errno) : "shorter");
			root = NULL;
			goto done;
		}
		text = d->buf;
		at.offset = 0;
	}
	d->u = u;
	d->node = n;
	root = xml_parse_at(text, len, at, &h, xerr, sizeof(xerr));
	d->u = NULL;
	d->node = NULL;
done:
	/* It was read once without error: only a file changed since fails. */
	if (!root && !u->rc) {
		u->rc = -EINVAL;
		snprintf(u->err, u->errlen, "%s: %s (changed while read?)", d->name, xerr);
	}
	xml_free(root);
	return true;
}

static struct cib_doc *doc_new(const char *name)
{
	struct cib_doc *d = xcalloc(1, sizeof(*d));

	d->name = xstrdup(name);
	d->page = (size_t)sysconf(_SC_PAGESIZE);
	d->fd = -1;
	return d;
}

/* Drop the text once no history is left in it. */
static void drop_text(struct cib_doc *d)
{
	if (d->mapped)
		munmap((void *)d->text, d->len);
	else
		free((void *)d->text);
	d->text = NULL;
	d->mapped = false;
}

/* Parse d->text into d->tree, with the histories left in the text unless
 * `whole`. */
static int doc_parse(struct cib_doc *d, unsigned flags, char *err, size_t errlen)
{
	char xerr[512];

	if (flags & CIB_DOC_WHOLE) {
		d->tree = xml_parse(d->text, d->len, xerr, sizeof(xerr));
	} else {
		struct xml_hooks h = { open_pass1, close_pass1, d };

		d->tree = xml_parse_hooked(d->text, d->len, &h, xerr, sizeof(xerr));
	}
	if (!d->tree) {
		snprintf(err, errlen, "%s: %s", d->name, xerr);
		return -EINVAL;
	}
	/* Histories are read from the file (fd) or from text in memory. */
	if (!d->nlrms || d->fd >= 0)
		drop_text(d);
	if (!d->nlrms && d->fd >= 0) {
		close(d->fd);
		d->fd = -1;
	}
	return 0;
}

struct cib_doc *cib_doc_from_text(char *text, size_t len, const char *name, unsigned flags,
				  char *err, size_t errlen)
{
	struct cib_doc *d = doc_new(name);

	d->text = text;
	d->len = len;
	if (doc_parse(d, flags, err, errlen)) {
		cib_doc_free(d);
		return NULL;
	}
	return d;
}

/* All of fd, from malloc() (NUL-terminated), or NULL with errno set. */
static char *read_all(int fd, size_t *len)
{
	char *buf = NULL;
	size_t cap = 0, n = 0;
	ssize_t r;

	for (;;) {
		if (n + 65536 > cap) {
			cap = (cap + 65536) * 2;
			buf = xrealloc(buf, cap + 1);
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			free(buf);
			errno = e;
			return NULL;
		}
		if (r == 0)
			break;
		n += r;
	}
	buf[n] = 0;
	*len = n;
	return buf;
}

struct cib_doc *cib_doc_read(const char *path, unsigned flags, char *err, size_t errlen)
{
	struct cib_doc *d;
	struct stat st;
	void *map = MAP_FAILED;
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	d = doc_new(path);
	/* Mapped for the first pass (see window_at()), and kept open for the
	 * second. */
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size > 0 && fd != 0)
		map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map != MAP_FAILED) {
		d->text = map;
		d->len = st.st_size;
		d->mapped = true;
		d->fd = fd;
	} else if (!(d->text = read_all(fd, &d->len))) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno ? errno : EIO));
		goto fail;
	} else if (fd != 0) {
		close(fd);
	}
	fd = -1;
	if (doc_parse(d, flags, err, errlen))
		goto fail;
	return d;
fail:
	if (fd > 0)
		close(fd);
	cib_doc_free(d);
	return NULL;
}

struct cib_doc *cib_doc_from_tree(struct xml_node *cib)
{
	struct cib_doc *d = doc_new("(tree)");

	d->tree = cib;
	return d;
}

struct xml_node *cib_doc_tree(struct cib_doc *d)
{
	return d->tree;
}

struct sched_cluster *cib_doc_unpack(struct cib_doc *d, long long now, char *err, size_t errlen)
{
	return cib_unpack_with(d->tree, now, d->nlrms ? read_history : NULL, d, err, errlen);
}

void cib_doc_free(struct cib_doc *d)
{
	if (!d)
		return;
	if (d->text)
		drop_text(d);
	if (d->fd >= 0)
		close(d->fd);
	free(d->buf);
	xml_free(d->tree);
	free(d->lrms);
	free(d->name);
	free(d);
}
