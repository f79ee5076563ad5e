/* Fencing levels: crmsh's fencing_topology into the CIB, and which levels
 * a node gets. */
#include "unit.h"

#include "cluster/crm_conf.h"
#include "cluster/crm_parse.h"
#include "cluster/fence_topology.h"
#include "cluster/sched.h"
#include "cluster/xml.h"

static const char devices[] =
	"primitive ipmi stonith:fence_ipmilan\n"
	"primitive pdu1 stonith:fence_apc\n"
	"primitive pdu2 stonith:fence_apc\n";

static struct xml_node *parse(const char *topology, char *err, size_t errlen)
{
	char text[2048];

	snprintf(text, sizeof(text), "%s%s\n", devices, topology);
	return crm_parse_mem("t.crm", text, strlen(text), err, errlen);
}

static void check_level(const struct fence_plan *p, int i, int index, const char *devs)
{
	char joined[256] = "";

	CHECK(i < p->n);
	CHECK_INT(p->levels[i].index, index);
	for (int k = 0; k < p->levels[i].n; k++) {
		if (k)
			strcat(joined, ",");
		strcat(joined, p->levels[i].devices[k]);
	}
	CHECK_STR(joined, devs);
}

static void test_per_node_levels_in_order(void)
{
	char err[512];
	struct xml_node *cib = parse("fencing_topology n1: ipmi pdu1,pdu2 n2: pdu2", err, sizeof(err));
	struct fence_plan p;

	CHECK(cib);
	fence_plan_for(cib, "n1", NULL, &p);
	CHECK_INT(p.n, 2);
	check_level(&p, 0, 1, "ipmi");
	check_level(&p, 1, 2, "pdu1,pdu2");
	fence_plan_free(&p);
	fence_plan_for(cib, "n2", NULL, &p);
	CHECK_INT(p.n, 1);
	check_level(&p, 0, 1, "pdu2");
	fence_plan_free(&p);
	fence_plan_for(cib, "n3", NULL, &p);    /* no levels: any capable device */
	CHECK_INT(p.n, 0);
	fence_plan_free(&p);
	xml_free(cib);
}

static void test_every_node_without_target(void)
{
	char err[512];
	struct xml_node *cib = parse("fencing_topology ipmi pdu1", err, sizeof(err));
	struct fence_plan p;

	CHECK(cib);
	fence_plan_for(cib, "any-node", NULL, &p);
	CHECK_INT(p.n, 2);
	check_level(&p, 0, 1, "ipmi");
	check_level(&p, 1, 2, "pdu1");
	fence_plan_free(&p);
	xml_free(cib);
}

/* Pacemaker's fencer: a name target first, then a pattern, then an
 * attribute; only the first kind that has levels is used. */
static void test_name_before_pattern_before_attribute(void)
{
	char err[512];
	struct xml_node *cib = parse("fencing_topology attr:rack=r1 pdu1 pattern:web[0-9]+ pdu2 "
				     "web1: ipmi", err, sizeof(err));
	struct sched_attrs attrs = { 0 };
	struct fence_plan p;

	CHECK(cib);
	sched_attrs_set(&attrs, "rack", "r1");
	fence_plan_for(cib, "web1", &attrs, &p);
	CHECK_INT(p.n, 1);
	check_level(&p, 0, 1, "ipmi");
	fence_plan_free(&p);
	fence_plan_for(cib, "web2", &attrs, &p);
	CHECK_INT(p.n, 1);
	check_level(&p, 0, 1, "pdu2");
	fence_plan_free(&p);
	fence_plan_for(cib, "db1", &attrs, &p);
	CHECK_INT(p.n, 1);
	check_level(&p, 0, 1, "pdu1");
	fence_plan_free(&p);
	fence_plan_for(cib, "db1", NULL, &p);
	CHECK_INT(p.n, 0);
	fence_plan_free(&p);
	sched_attrs_clear(&attrs);
	xml_free(cib);
}

static void test_errors_name_line_and_word(void)
{
	static const struct { const char *stmt, *msg; } bad[] = {
		{ "fencing_topology n1: nosuch", "t.crm:4: fencing level names an unknown fence device: 'nosuch'" },
		{ "fencing_topology n1:", "t.crm:4: no fence device after the target 'n1:'" },
		{ "fencing_topology n1: n2: ipmi", "t.crm:4: no fence device after the target 'n1:'" },
		{ "fencing_topology ipmi n1: ipmi", "t.crm:4: levels for every node and per target cannot mix: 'n1:'" },
		{ "fencing_topology attr:rack ipmi", "t.crm:4: expected attr:NAME=VALUE, got 'attr:rack'" },
		{ "fencing_topology pattern:( ipmi", "t.crm:4: invalid regular expression in 'pattern:('" },
		{ "fencing_topology n1: ipmi,,pdu1", "t.crm:4: empty device in fencing level 'ipmi,,pdu1'" },
		{ "fencing_topology n1: a b c d e f g h i j", "more than 9 fencing levels" },
		{ "fencing_topology", "usage: fencing_topology" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[512] = "";
		struct xml_node *cib = parse(bad[i].stmt, err, sizeof(err));

		if (cib)
			fprintf(stderr, "  accepted: %s\n", bad[i].stmt);
		CHECK(!cib);
		CHECK_CONTAINS(err, bad[i].msg);
	}
}

/* The configuration keeps one topology statement and renders it back. */
static void test_statement_replaced_and_rendered(void)
{
	static const char text[] = "primitive ipmi stonith:fence_ipmilan\n"
				   "fencing_topology n1: ipmi\n"
				   "fencing_topology pattern:n.* ipmi\n";
	char err[512];
	struct crm_conf *c = crm_conf_parse("t.crm", text, strlen(text), err, sizeof(err));
	char *out;

	CHECK(c);
	out = crm_conf_render(c);
	CHECK_STR(out, "primitive ipmi stonith:fence_ipmilan\nfencing_topology pattern:n.* ipmi\n");
	free(out);
	crm_conf_free(c);
}

int main(void)
{
	RUN(test_per_node_levels_in_order);
	RUN(test_every_node_without_target);
	RUN(test_name_before_pattern_before_attribute);
	RUN(test_errors_name_line_and_word);
	RUN(test_statement_replaced_and_rendered);
	UNIT_DONE();
}
