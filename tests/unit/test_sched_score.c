/* Scheduler unit tests: score arithmetic and the parsers' error paths. */
#include <string.h>

#include "unit.h"
#include "cluster/cib_xml.h"
#include "cluster/crm_parse.h"
#include "cluster/sched.h"
#include "cluster/xml.h"

static void test_score_add(void)
{
	CHECK_INT(sched_score_add(1, 2), 3);
	CHECK_INT(sched_score_add(SCORE_INFINITY, 5), SCORE_INFINITY);
	CHECK_INT(sched_score_add(SCORE_INFINITY, -SCORE_INFINITY), -SCORE_INFINITY);
	CHECK_INT(sched_score_add(-SCORE_INFINITY, SCORE_INFINITY), -SCORE_INFINITY);
	CHECK_INT(sched_score_add(999999, 999999), SCORE_INFINITY);
	CHECK_INT(sched_score_add(-999999, -999999), -SCORE_INFINITY);
}

static void test_score_parse(void)
{
	int s;

	CHECK_INT(sched_score_parse("INFINITY", &s), 0);
	CHECK_INT(s, SCORE_INFINITY);
	CHECK_INT(sched_score_parse("-INFINITY", &s), 0);
	CHECK_INT(s, -SCORE_INFINITY);
	CHECK_INT(sched_score_parse("+INFINITY", &s), 0);
	CHECK_INT(s, SCORE_INFINITY);
	CHECK_INT(sched_score_parse("5000000", &s), 0);
	CHECK_INT(s, SCORE_INFINITY);
	CHECK_INT(sched_score_parse("2.0", &s), 0);
	CHECK_INT(s, 2);
	CHECK(sched_score_parse("abc", &s) < 0);
	CHECK(sched_score_parse("", &s) < 0);
}

static void check_crm_error(const char *text, const char *want)
{
	char err[512] = "";
	struct xml_node *cib = crm_parse_mem("t.crm", text, strlen(text), err, sizeof(err));

	CHECK(cib == NULL);
	CHECK_CONTAINS(err, want);
}

static void test_crm_errors(void)
{
	check_crm_error("node n1\nprimitve a ocf:pacemaker:Dummy\n",
			"t.crm:2: unknown keyword 'primitve'; did you mean 'primitive'?");
	check_crm_error("primitive a ocf:Dummy\n", "ocf agents need a provider");
	check_crm_error("primitive a ocf:pacemaker:Dummy meta target-role=Strated\n",
			"invalid target-role 'Strated'");
	check_crm_error("primitive a ocf:pacemaker:Dummy\nprimitive a ocf:pacemaker:Dummy\n",
			"t.crm:2: duplicate id 'a'");
	check_crm_error("primitive a ocf:pacemaker:Dummy\nlocation l b 10: n1\n",
			"unknown resource 'b'");
	check_crm_error("property stonith-enabeld=false\n",
			"unknown property 'stonith-enabeld'; did you mean 'stonith-enabled'?");
	check_crm_error("primitive a ocf:pacemaker:Dummy\ncolocation c abc: a a\n",
			"invalid score 'abc:'");
	check_crm_error("primitive a ocf:pacemaker:Dummy\nlocation l a rule 10: #uname eqq n1\n",
			"unknown operator 'eqq'");
}

static void test_crm_ok(void)
{
	const char *text = "node n1\nnode n2\n"
			   "primitive a ocf:pacemaker:Dummy op monitor interval=10s\n"
			   "primitive b ocf:pacemaker:Dummy\n"
			   "group g a b meta target-role=Started\n"
			   "location l g rule 100: #uname eq n1\n"
			   "property stonith-enabled=false\n";
	char err[512] = "";
	struct xml_node *cib = crm_parse_mem("t.crm", text, strlen(text), err, sizeof(err));
	struct sched_cluster *c;

	CHECK(cib != NULL);
	c = cib_unpack(cib, 0, err, sizeof(err));
	CHECK(c != NULL);
	CHECK_INT(c->nnodes, 2);
	CHECK_INT(c->nrscs, 1);
	CHECK_INT(c->rscs[0]->nchildren, 2);
	CHECK_INT(c->nlocations, 1);
	sched_cluster_free(c);
	xml_free(cib);
}

static void test_xml_errors(void)
{
	char err[256];
	struct xml_node *n;

	CHECK(xml_parse("<a><b></a>", 10, err, sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "does not match");
	CHECK(xml_parse("<a x=1/>", 8, err, sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "quoted value");
	CHECK(xml_parse("<a x='&bogus;'/>", 16, err, sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "unknown entity");
	{
		const char *doc = "<?xml version='1.0'?><!-- c --><a x='&lt;&amp;&#65;'><b/></a>";

		n = xml_parse(doc, strlen(doc), err, sizeof(err));
	}
	CHECK(n != NULL);
	CHECK_STR(xml_get(n, "x"), "<&A");
	CHECK(xml_child(n, "b") != NULL);
	xml_free(n);
}

static void test_cib_not_cib(void)
{
	char err[256];
	struct xml_node *n = xml_parse("<foo/>", 6, err, sizeof(err));

	CHECK(n);
	CHECK(cib_unpack(n, 0, err, sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "not a CIB");
	xml_free(n);
}

int main(void)
{
	RUN(test_score_add);
	RUN(test_score_parse);
	RUN(test_crm_errors);
	RUN(test_crm_ok);
	RUN(test_xml_errors);
	RUN(test_cib_not_cib);
	UNIT_DONE();
}
