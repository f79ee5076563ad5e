/* Reading a CIB without holding its histories: the XML reader's hooks
 * (skipped content checked as thoroughly, elements dropped as they close,
 * an element read again from its position) and cib_doc against a whole
 * tree. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "cluster/cib_doc.h"
#include "cluster/cib_xml.h"
#include "cluster/crm_parse.h"
#include "cluster/sched.h"
#include "cluster/sched_output.h"
#include "cluster/xml.h"
#include "lib/util.h"

static bool skip_all(void *arg, struct xml_node *n, struct xml_pos at)
{
	return n->parent != NULL;
}

/* Every document gets the same verdict, and a malformed one the same
 * message, whether its elements are built or only checked (a repeated
 * attribute's earlier value is not decoded, so it is no error). */
static void test_skip_same_errors(void)
{
	static const char *const docs[] = {
		"<a><b></a>",
		"<a><b x=1/></a>",
		"<a><b x='&bogus;'/></a>",
		"<a><b x='&#0;'/></a>",
		"<a><b x='<'/></a>",
		"<a><b x='1' x='&bad;' x='2'/></a>",
		"<a><b x='&bad;' x='2'/></a>",
		"<a><b x='1'\n y='&lt'/></a>",
		"<a><b><c></b></a>",
		"<a><b><!-- x </b></a>",
		"<a><b><? x </b></a>",
		"<a><b><![CDATA[ x </b></a>",
		"<a><b x='1' / ></a>",
		"<a><b x='1'",
		"<a><b>\n\n<c/>",
		"<a><b></b ></a><c/>",
		"<a><b></bb></a>",
		"<a><b>< c/></b></a>",
		"<a><b x = 'v' y\n='w'/></a> x",
	};
	struct xml_hooks h = { skip_all, NULL, NULL };

	for (size_t i = 0; i < ARRAY_SIZE(docs); i++) {
		char e1[256], e2[256];
		struct xml_node *a = xml_parse(docs[i], strlen(docs[i]), e1, sizeof(e1));
		struct xml_node *b = xml_parse_hooked(docs[i], strlen(docs[i]), &h, e2, sizeof(e2));

		if (!a != !b || (!a && strcmp(e1, e2)))
			fprintf(stderr, "  doc %zu: '%s' / '%s'\n", i, a ? "ok" : e1, b ? "ok" : e2);
		CHECK(!a == !b);
		if (!a)
			CHECK_STR(e1, e2);
		xml_free(a);
		xml_free(b);
	}
}

struct drop_ctx {
	int closed;
	struct xml_pos skipped;
};

static bool skip_c(void *arg, struct xml_node *n, struct xml_pos at)
{
	struct drop_ctx *d = arg;

	if (strcmp(n->name, "c"))
		return false;
	d->skipped = at;
	return true;
}

static bool drop_b(void *arg, struct xml_node *n, struct xml_pos end)
{
	struct drop_ctx *d = arg;

	d->closed++;
	return !strcmp(n->name, "b");
}

static void test_hooks(void)
{
	const char *doc = "<a>\n  <b x='1'><d/></b>\n  <c y='&lt;'>\n    <e z='2'/>\n  </c>\n  <b/>\n</a>";
	struct drop_ctx d = { 0 };
	struct xml_hooks h = { skip_c, drop_b, &d };
	char err[256];
	struct xml_node *a = xml_parse_hooked(doc, strlen(doc), &h, err, sizeof(err)), *c, *e;

	CHECK(a != NULL);
	/* b, d, b, c and a closed (not e: c's content was only checked). */
	CHECK_INT(d.closed, 5);
	CHECK(xml_child(a, "b") == NULL);
	c = xml_child(a, "c");
	CHECK(c != NULL);
	CHECK_STR(xml_get(c, "y"), "<");
	CHECK(c->children == NULL);
	CHECK_INT(c->line, 3);
	CHECK_INT(d.skipped.line, 3);
	/* The skipped element, read again from its position. */
	c = xml_parse_at(doc, strlen(doc), d.skipped, NULL, err, sizeof(err));
	CHECK(c != NULL);
	e = xml_child(c, "e");
	CHECK(e != NULL);
	CHECK_STR(xml_get(e, "z"), "2");
	CHECK_INT(e->line, 4);
	xml_free(c);
	xml_free(a);
	/* Not an element there. */
	CHECK(xml_parse_at(doc, strlen(doc), (struct xml_pos){ 1, 1 }, NULL, err, sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "no element");
}

/* Two nodes: one with its transient attributes after its history (a fail
 * count that bans r1 there), one before; node1's state is in the CIB
 * twice. */
static const char cib_text[] =
	"<cib have-quorum='1'>\n"
	" <configuration>\n"
	"  <crm_config><cluster_property_set id='o'>\n"
	"   <nvpair id='o1' name='stonith-enabled' value='false'/>\n"
	"  </cluster_property_set></crm_config>\n"
	"  <nodes><node id='1' uname='node1'/><node id='2' uname='node2'/></nodes>\n"
	"  <resources>\n"
	"   <primitive id='r1' class='ocf' provider='pacemaker' type='Dummy'>\n"
	"    <meta_attributes id='m'><nvpair id='m1' name='migration-threshold' value='1'/></meta_attributes>\n"
	"   </primitive>\n"
	"   <clone id='c'><primitive id='r2' class='ocf' provider='pacemaker' type='Dummy'/></clone>\n"
	"  </resources>\n"
	"  <constraints/>\n"
	" </configuration>\n"
	" <status>\n"
	"  <node_state id='1' uname='node1' in_ccm='true' crmd='online' join='member' expected='member'>\n"
	"   <lrm id='1'><lrm_resources>\n"
	"    <lrm_resource id='r1' class='ocf' provider='pacemaker' type='Dummy'>\n"
	"     <lrm_rsc_op id='a' operation='start' interval='0' call-id='2' rc-code='0' op-status='0' transition-key='1:1:0:x'/>\n"
	"     <lrm_rsc_op id='b' operation='monitor' interval='10000' call-id='3' rc-code='1' op-status='0' transition-key='1:1:0:x'/>\n"
	"    </lrm_resource>\n"
	"    <lrm_resource id='r2' class='ocf' provider='pacemaker' type='Dummy'>\n"
	"     <lrm_rsc_op id='c' operation='start' interval='0' call-id='4' rc-code='0' op-status='0' transition-key='1:1:0:x'/>\n"
	"    </lrm_resource>\n"
	"   </lrm_resources></lrm>\n"
	"   <transient_attributes id='1'><instance_attributes id='t1'>\n"
	"    <nvpair id='t1a' name='fail-count-r1#monitor_10000' value='1'/>\n"
	"   </instance_attributes></transient_attributes>\n"
	"  </node_state>\n"
	"  <node_state id='2' uname='node2' in_ccm='true' crmd='online' join='member' expected='member'>\n"
	"   <transient_attributes id='2'><instance_attributes id='t2'>\n"
	"    <nvpair id='t2a' name='standby' value='on'/>\n"
	"   </instance_attributes></transient_attributes>\n"
	"   <lrm id='2'><lrm_resources>\n"
	"    <lrm_resource id='r2' class='ocf' provider='pacemaker' type='Dummy'>\n"
	"     <lrm_rsc_op id='d' operation='start' interval='0' call-id='5' rc-code='0' op-status='0' transition-key='1:1:0:x'/>\n"
	"    </lrm_resource>\n"
	"   </lrm_resources></lrm>\n"
	"  </node_state>\n"
	"  <node_state id='1' uname='node1' in_ccm='true' crmd='online' join='member' expected='member'/>\n"
	" </status>\n"
	"</cib>\n";

static char *decisions(struct sched_cluster *c)
{
	char err[256], *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	CHECK(f != NULL);
	CHECK_INT(sched_run(c, err, sizeof(err)), 0);
	sched_print_status(c, f, false);
	sched_print_all_scores(c, f);
	sched_print_summary(c, f);
	fclose(f);
	sched_cluster_free(c);
	return out;
}

/* The same decisions from a whole tree and from cib_doc, with a node
 * taken down in each first. */
static void check_same(struct cib_doc *d, const char *down)
{
	char err[256];
	struct xml_node *x = xml_parse(cib_text, strlen(cib_text), err, sizeof(err));
	struct sched_cluster *c;
	char *a, *b;

	CHECK(x != NULL);
	CHECK(d != NULL);
	if (down) {
		crm_status_node_down(x, down);
		crm_status_node_down(cib_doc_tree(d), down);
	}
	c = cib_unpack(x, 0, err, sizeof(err));
	CHECK(c != NULL);
	a = decisions(c);
	c = cib_doc_unpack(d, 0, err, sizeof(err));
	CHECK(c != NULL);
	b = decisions(c);
	CHECK_STR(a, b);
	/* The history counted: r1 failed on node1, banned there. */
	CHECK_CONTAINS(b, "r1 allocation score on node1: -INFINITY");
	free(a);
	free(b);
	xml_free(x);
	cib_doc_free(d);
}

static void test_doc_from_text(void)
{
	char err[256];

	check_same(cib_doc_from_text(xstrdup(cib_text), strlen(cib_text), "t", 0, err, sizeof(err)),
		   NULL);
	check_same(cib_doc_from_text(xstrdup(cib_text), strlen(cib_text), "t", 0, err, sizeof(err)),
		   "node2");
	check_same(cib_doc_from_text(xstrdup(cib_text), strlen(cib_text), "t", CIB_DOC_WHOLE, err,
				     sizeof(err)), "node1");
}

/* A file is mapped (the other way of reading); its errors name it. */
static void test_doc_read(void)
{
	char path[] = "/tmp/vigil-test-cib-XXXXXX", err[256];
	int fd = mkstemp(path);
	FILE *f;

	CHECK(fd >= 0);
	f = fdopen(fd, "w");
	fputs(cib_text, f);
	fclose(f);
	check_same(cib_doc_read(path, 0, err, sizeof(err)), "node1");
	f = fopen(path, "w");
	fputs("<cib>\n <status>\n  <node_state><lrm><lrm_resources>\n   <x a='&b;'/>", f);
	fclose(f);
	CHECK(cib_doc_read(path, 0, err, sizeof(err)) == NULL);
	CHECK(!strncmp(err, path, strlen(path)));
	CHECK_CONTAINS(err, ": line 4: unknown entity '&b;'");
	unlink(path);
	CHECK(cib_doc_read(path, 0, err, sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "No such file or directory");
}

int main(void)
{
	RUN(test_skip_same_errors);
	RUN(test_hooks);
	RUN(test_doc_from_text);
	RUN(test_doc_read);
	UNIT_DONE();
}
