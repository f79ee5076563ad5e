/* Tests for vigild's state pieces: crmsh statements (merge, constraints,
 * node and meta attributes, rendering that parses back), verified files,
 * the status history layout, and the ipc framing. */
#include "unit.h"
#include "cluster/cib_record.h"
#include "cluster/crm_conf.h"
#include "cluster/crm_parse.h"
#include "cluster/store.h"
#include "lib/ipc.h"
#include "lib/util.h"

#include <errno.h>
#include <fcntl.h>

static const char base[] =
	"node n1\n"
	"primitive a ocf:heartbeat:Dummy params state=\"/tmp/a b\" op monitor interval=10s\n"
	"primitive b vigil:process params command='/bin/sleep 100' \\\n"
	"    meta migration-threshold=3\n"
	"group g a b\n"
	"property stonith-enabled=false no-quorum-policy=ignore\n";

static struct crm_conf *parse(const char *text)
{
	char err[512];
	struct crm_conf *c = crm_conf_parse("t.crm", text, strlen(text), err, sizeof(err));

	if (!c)
		fprintf(stderr, "  %s\n", err);
	CHECK(c);
	return c;
}

/* The rendering must be a valid configuration with the same meaning. */
static void check_valid(const struct crm_conf *c)
{
	char *text = crm_conf_render(c), err[1024];
	struct xml_node *cib = crm_parse_mem("render", text, strlen(text), err, sizeof(err));

	if (!cib)
		fprintf(stderr, "  %s\n---\n%s---\n", err, text);
	CHECK(cib);
	xml_free(cib);
	free(text);
}

static void test_render_roundtrip(void)
{
	struct crm_conf *c = parse(base), *again;
	char *text = crm_conf_render(c), *text2;

	CHECK_CONTAINS(text, "primitive a ocf:heartbeat:Dummy params state=\"/tmp/a b\"");
	CHECK_CONTAINS(text, "command=\"/bin/sleep 100\"");
	/* One property per line, after the resources. */
	CHECK_CONTAINS(text, "group g a b\nproperty stonith-enabled=false\nproperty no-quorum-policy=ignore\n");
	check_valid(c);
	again = parse(text);
	text2 = crm_conf_render(again);
	CHECK_STR(text, text2);
	free(text);
	free(text2);
	crm_conf_free(c);
	crm_conf_free(again);
}

static void test_no_env_expansion(void)
{
	struct crm_conf *c = parse("primitive p vigil:process params command=\"echo $HOME ${PATH}\"\n");
	char *text = crm_conf_render(c);

	CHECK_CONTAINS(text, "command=\"echo \\$HOME \\${PATH}\"");
	check_valid(c);
	free(text);
	crm_conf_free(c);
}

static void test_merge_update(void)
{
	struct crm_conf *c = parse(base);
	struct crm_conf *u = parse("primitive a ocf:heartbeat:Dummy op monitor interval=5s\n"
				   "primitive c ocf:heartbeat:Dummy\n"
				   "property no-quorum-policy=stop\n");
	char *text;

	crm_conf_merge(c, u);
	text = crm_conf_render(c);
	CHECK_CONTAINS(text, "primitive a ocf:heartbeat:Dummy op monitor interval=5s\n");
	CHECK(!strstr(text, "interval=10s"));
	/* New primitive before the group, as crmsh shows it. */
	CHECK_CONTAINS(text, "primitive c ocf:heartbeat:Dummy\ngroup g a b\n");
	CHECK_CONTAINS(text, "property stonith-enabled=false\nproperty no-quorum-policy=stop\n");
	check_valid(c);
	free(text);
	crm_conf_free(c);
	crm_conf_free(u);
}

static void test_constraints_and_attrs(void)
{
	struct crm_conf *c = parse(base), *d;
	const char *ban[] = { "location", "cli-ban-g-on-n1", "g", "-inf:", "n1", NULL };
	char *text;

	crm_conf_put(c, ban);
	crm_conf_node_attr(c, "n1", "standby", "on");
	CHECK(crm_conf_rsc_meta(c, "g", "target-role", "Stopped") == 0);
	CHECK(crm_conf_rsc_meta(c, "nosuch", "target-role", "Stopped") < 0);
	CHECK(crm_conf_rsc_meta(c, "b", "migration-threshold", "5") == 0);
	check_valid(c);
	text = crm_conf_render(c);
	CHECK_CONTAINS(text, "node n1 attributes standby=on\n");
	CHECK_CONTAINS(text, "group g a b meta target-role=Stopped\n");
	CHECK_CONTAINS(text, "meta migration-threshold=5\n");
	CHECK_CONTAINS(text, "location cli-ban-g-on-n1 g -inf: n1\n");
	free(text);
	CHECK_STR(crm_conf_node_attr_get(c, "n1", "standby"), "on");
	CHECK_STR(crm_conf_rsc_meta_get(c, "g", "target-role"), "Stopped");

	d = crm_conf_dup(c);
	crm_conf_node_attr(d, "n1", "standby", NULL);
	CHECK(crm_conf_rsc_meta(d, "g", "target-role", NULL) == 0);
	CHECK(crm_conf_remove(d, "location", "cli-ban-g-on-n1"));
	CHECK(!crm_conf_remove(d, "location", "cli-ban-g-on-n1"));
	text = crm_conf_render(d);
	CHECK_CONTAINS(text, "node n1\n");
	CHECK_CONTAINS(text, "group g a b\n");
	CHECK(!strstr(text, "cli-ban"));
	check_valid(d);
	free(text);
	/* The copy changed, the original did not. */
	CHECK_STR(crm_conf_node_attr_get(c, "n1", "standby"), "on");
	crm_conf_free(c);
	crm_conf_free(d);
}

static void test_parse_error(void)
{
	char err[512];

	CHECK(!crm_conf_parse("bad.crm", "primitive a 'unterminated\n", 26, err, sizeof(err)));
	CHECK_CONTAINS(err, "bad.crm:1");
	CHECK(!crm_conf_parse("bad.crm", "node n1\nprimitve a x:y\n", 23, err, sizeof(err)));
	CHECK_CONTAINS(err, "bad.crm:2");
	CHECK_CONTAINS(err, "primitve");
}

static void test_store_torn(void)
{
	char dir[] = "/tmp/vigil-store-XXXXXX", path[256], err[256], *got;
	size_t len;
	int fd;

	CHECK(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f", dir);
	CHECK(store_write(path, "hello\nworld", 11, STORE_DURABLE, err, sizeof(err)) == 0);
	got = store_read(path, &len, err, sizeof(err));
	CHECK(got && len == 11);
	CHECK_STR(got, "hello\nworld");
	free(got);
	/* Cut the file short: the checksum no longer matches. */
	fd = open(path, O_WRONLY);
	CHECK(fd >= 0 && ftruncate(fd, 20) == 0);
	close(fd);
	CHECK(!store_read(path, &len, err, sizeof(err)) && errno == EBADMSG);
	CHECK_CONTAINS(err, "torn");
	/* Flip a byte. */
	CHECK(store_write(path, "hello", 5, 0, err, sizeof(err)) == 0);
	fd = open(path, O_WRONLY);
	CHECK(fd >= 0 && pwrite(fd, "j", 1, 0) == 1);
	close(fd);
	CHECK(!store_read(path, &len, err, sizeof(err)) && errno == EBADMSG);
	snprintf(path, sizeof(path), "%s/missing", dir);
	CHECK(!store_read(path, &len, err, sizeof(err)) && errno == ENOENT);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	CHECK(system(path) == 0);
}

static void test_record_history(void)
{
	struct xml_node *status = xml_new(NULL, "status");
	struct xml_node *st = cib_node_state(status, "n1", true);
	struct cib_op_result r = { .rsc = "a", .cls = "ocf", .provider = "heartbeat",
				   .type = "Dummy", .task = "start", .rc = 0, .target_rc = 0,
				   .call_id = 1, .when = 100 };

	cib_record_op(st, &r);
	r.task = "monitor";
	r.interval_ms = 10000;
	r.call_id = 2;
	cib_record_op(st, &r);
	/* A failed monitor: kept as the monitor's entry and as last failure. */
	r.rc = 7;
	r.call_id = 3;
	cib_record_op(st, &r);
	CHECK(xml_find_id(status, "lrm_rsc_op", "a_last_0"));
	CHECK(xml_find_id(status, "lrm_rsc_op", "a_monitor_10000"));
	CHECK_STR(xml_get(xml_find_id(status, "lrm_rsc_op", "a_last_failure_0"), "rc-code"), "7");
	cib_count_failure(st, "a", "monitor", 10000, 100, false);
	cib_count_failure(st, "a", "monitor", 10000, 101, false);
	CHECK_STR(cib_node_attr_get(st, "fail-count-a#monitor_10000"), "2");
	CHECK_STR(cib_node_attr_get(st, "last-failure-a#monitor_10000"), "101");
	cib_count_failure(st, "a", "start", 0, 102, true);
	CHECK_STR(cib_node_attr_get(st, "fail-count-a#start_0"), "INFINITY");
	/* A stop ends the recurring monitor's entry. */
	r.task = "stop";
	r.interval_ms = 0;
	r.rc = 0;
	r.call_id = 4;
	cib_record_op(st, &r);
	CHECK(!xml_find_id(status, "lrm_rsc_op", "a_monitor_10000"));
	CHECK_INT(cib_max_call_id(status), 4);
	cib_forget_rsc(st, "a");
	CHECK(!cib_has_history(st, "a"));
	CHECK(!cib_node_attr_get(st, "fail-count-a#monitor_10000"));
	xml_free(status);
}

static void test_ipc_split(void)
{
	struct strbuf sb = STRBUF_INIT;
	char *fields[4], err[128], bad[] = "3:abc,x", trunc[] = "10:abc,";
	size_t lens[4];

	ipc_put_str(&sb, "status");
	ipc_put(&sb, "a,b:c", 5);
	ipc_put_str(&sb, "");
	CHECK_INT(ipc_split(sb.s, sb.len, fields, lens, 4, err, sizeof(err)), 3);
	CHECK_STR(fields[0], "status");
	CHECK_STR(fields[1], "a,b:c");
	CHECK_STR(fields[2], "");
	CHECK_INT(ipc_split(bad, strlen(bad), fields, lens, 4, err, sizeof(err)), -1);
	CHECK_INT(ipc_split(trunc, strlen(trunc), fields, lens, 4, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "truncated");
	sb_free(&sb);
}

int main(void)
{
	RUN(test_render_roundtrip);
	RUN(test_no_env_expansion);
	RUN(test_merge_update);
	RUN(test_constraints_and_attrs);
	RUN(test_parse_error);
	RUN(test_store_torn);
	RUN(test_record_history);
	RUN(test_ipc_split);
	UNIT_DONE();
}
