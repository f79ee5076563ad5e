/* Tests for src/proxy/prom.c: the exporter's output for a hand-built
 * configuration, line by line against the lines HAProxy 2.6.12 printed
 * for servers in the same states, and every line checked against the
 * text exposition format. */
#include "unit.h"
#include "lib/ev.h"
#include "lib/strbuf.h"
#include "lib/util.h"
#include "proxy/prom.h"
#include "proxy/proxy.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <pthread.h>

/* stream.c is another module's; these stand in for it here. */
#include "fixture_pxconf.h"

/* The whole output, in a buffer reused by every call of a test. */
static const char *export(void)
{
	static struct strbuf sb = STRBUF_INIT;

	sb_free(&sb);
	prom_export(&E.c, &sb);
	return sb_str(&sb);
}

/* name{label="v",...} value, as the 0.0.4 text format allows it. */
static bool sample_line_ok(const char *l, const char *end)
{
	const char *p = l;

	if (!(isalpha((unsigned char)*p) || *p == '_'))
		return false;
	while (p < end && (isalnum((unsigned char)*p) || *p == '_'))
		p++;
	if (p < end && *p == '{') {
		p++;
		while (p < end && *p != '}') {
			while (p < end && (isalnum((unsigned char)*p) || *p == '_'))
				p++;
			if (p + 1 >= end || p[0] != '=' || p[1] != '"')
				return false;
			p += 2;
			while (p < end && *p != '"') {
				if (*p == '\\')
					p++;
				p++;
			}
			if (p >= end)
				return false;
			p++;
			if (p < end && *p == ',')
				p++;
		}
		if (p >= end)
			return false;
		p++;
	}
	if (p >= end || *p != ' ')
		return false;
	p++;
	if (end - p == 3 && !memcmp(p, "NaN", 3))
		return true;
	if (p == end)
		return false;
	for (; p < end; p++)
		if (!isdigit((unsigned char)*p) && *p != '.')
			return false;
	return true;
}

static void test_every_line_parses(void)
{
	const char *out;
	int samples = 0, helps = 0, types = 0;

	env_init();
	out = export();
	CHECK(out != NULL);
	for (const char *l = out; *l; ) {
		const char *end = strchr(l, '\n');

		CHECK(end != NULL);
		if (!strncmp(l, "# HELP haproxy_", 15)) {
			helps++;
		} else if (!strncmp(l, "# TYPE haproxy_", 15)) {
			CHECK(!strncmp(end - 6, " gauge", 6) || !strncmp(end - 8, " counter", 8));
			types++;
		} else {
			if (!sample_line_ok(l, end)) {
				fprintf(stderr, "bad line: %.*s\n", (int)(end - l), l);
				CHECK(0);
			}
			samples++;
		}
		l = end + 1;
	}
	CHECK_INT(helps, types);
	CHECK(helps >= 70);
	CHECK(samples > helps);
}

static void test_process(void)
{
	const char *out;

	env_init();
	out = export();
	CHECK(!strncmp(out, "# HELP haproxy_process_nbthread Number of started threads "
		       "(global.nbthread)\n# TYPE haproxy_process_nbthread gauge\n"
		       "haproxy_process_nbthread 1\n", 113));
	CHECK_CONTAINS(out, "\nhaproxy_process_max_connections 4096\n");
	CHECK_CONTAINS(out, "\nhaproxy_process_requests_total 50\n");
	CHECK_CONTAINS(out, "\nhaproxy_process_build_info{version=\"");
	CHECK_CONTAINS(out, "\n# TYPE haproxy_process_start_time_seconds gauge\n"
		       "haproxy_process_start_time_seconds 1795626065\n");
	CHECK_CONTAINS(out, "\nhaproxy_process_uptime_seconds 0\n");
}

static void test_frontend(void)
{
	const char *out;

	env_init();
	out = export();
	CHECK_CONTAINS(out, "# HELP haproxy_frontend_current_sessions Number of current sessions "
		       "on the frontend, backend or server\n"
		       "# TYPE haproxy_frontend_current_sessions gauge\n"
		       "haproxy_frontend_current_sessions{proxy=\"fe\"} 2\n"
		       "haproxy_frontend_current_sessions{proxy=\"db\"} 0\n");
	CHECK_CONTAINS(out, "haproxy_frontend_limit_sessions{proxy=\"fe\"} 100\n");
	CHECK_CONTAINS(out, "haproxy_frontend_status{proxy=\"fe\",state=\"DOWN\"} 0\n"
		       "haproxy_frontend_status{proxy=\"fe\",state=\"UP\"} 1\n"
		       "haproxy_frontend_status{proxy=\"db\",state=\"DOWN\"} 0\n");
	CHECK_CONTAINS(out, "# TYPE haproxy_frontend_http_responses_total counter\n"
		       "haproxy_frontend_http_responses_total{proxy=\"fe\",code=\"1xx\"} 0\n"
		       "haproxy_frontend_http_responses_total{proxy=\"fe\",code=\"2xx\"} 45\n"
		       "haproxy_frontend_http_responses_total{proxy=\"fe\",code=\"3xx\"} 0\n"
		       "haproxy_frontend_http_responses_total{proxy=\"fe\",code=\"4xx\"} 4\n"
		       "haproxy_frontend_http_responses_total{proxy=\"fe\",code=\"5xx\"} 1\n"
		       "haproxy_frontend_http_responses_total{proxy=\"fe\",code=\"other\"} 0\n"
		       "# HELP haproxy_frontend_http_requests_rate_max");
	CHECK_CONTAINS(out, "# TYPE haproxy_frontend_http_requests_total counter\n"
		       "haproxy_frontend_http_requests_total{proxy=\"fe\"} 50\n# HELP");
	CHECK_CONTAINS(out, "haproxy_frontend_intercepted_requests_total{proxy=\"fe\"} 2\n# HELP");
	CHECK_CONTAINS(out, "haproxy_frontend_connections_total{proxy=\"fe\"} 41\n"
		       "haproxy_frontend_connections_total{proxy=\"db\"} 0\n");
	/* no HTTP metrics for the tcp proxy */
	CHECK(!strstr(out, "haproxy_frontend_http_requests_total{proxy=\"db\"}"));
	CHECK(!strstr(out, "haproxy_backend_http_responses_total{proxy=\"db\""));
}

static void test_backend(void)
{
	const char *out;

	env_init();
	out = export();
	CHECK_CONTAINS(out, "haproxy_backend_status{proxy=\"be\",state=\"DOWN\"} 0\n"
		       "haproxy_backend_status{proxy=\"be\",state=\"UP\"} 1\n");
	/* s1 and s3 are usable actives, s4 (backup) is in maintenance */
	CHECK_CONTAINS(out, "haproxy_backend_active_servers{proxy=\"be\"} 2\n");
	CHECK_CONTAINS(out, "haproxy_backend_backup_servers{proxy=\"be\"} 0\n");
	CHECK_CONTAINS(out, "haproxy_backend_weight{proxy=\"be\"} 2\n");
	CHECK_CONTAINS(out, "haproxy_backend_connection_errors_total{proxy=\"be\"} 3\n");
	/* fullconn: 10% of fe's maxconn 100 */
	CHECK_CONTAINS(out, "haproxy_backend_limit_sessions{proxy=\"be\"} 10\n");
	CHECK_CONTAINS(out, "haproxy_backend_http_requests_total{proxy=\"be\"} 48\n");
	CHECK_CONTAINS(out, "haproxy_backend_http_responses_total{proxy=\"be\",code=\"2xx\"} 45\n");
}

static void test_server_status_as_haproxy(void)
{
	const char *out;

	env_init();
	out = export();
	CHECK_CONTAINS(out, "# HELP haproxy_server_status Current status of the service, per "
		       "state label value.\n# TYPE haproxy_server_status gauge\n"
		       "haproxy_server_status{proxy=\"be\",server=\"s1\",state=\"DOWN\"} 0\n"
		       "haproxy_server_status{proxy=\"be\",server=\"s1\",state=\"UP\"} 1\n"
		       "haproxy_server_status{proxy=\"be\",server=\"s1\",state=\"MAINT\"} 0\n"
		       "haproxy_server_status{proxy=\"be\",server=\"s1\",state=\"DRAIN\"} 0\n"
		       "haproxy_server_status{proxy=\"be\",server=\"s1\",state=\"NOLB\"} 0\n"
		       "haproxy_server_status{proxy=\"be\",server=\"s2\",state=\"DOWN\"} 1\n"
		       "haproxy_server_status{proxy=\"be\",server=\"s2\",state=\"UP\"} 0\n");
	CHECK_CONTAINS(out, "haproxy_server_status{proxy=\"be\",server=\"s4\",state=\"MAINT\"} 1\n");
	CHECK_CONTAINS(out, "haproxy_server_status{proxy=\"db\",server=\"m1\",state=\"UP\"} 1\n");
	CHECK_CONTAINS(out, "haproxy_server_limit_sessions{proxy=\"be\",server=\"s1\"} 20\n"
		       "haproxy_server_limit_sessions{proxy=\"be\",server=\"s2\"} NaN\n");
	CHECK_CONTAINS(out, "haproxy_server_check_failures_total{proxy=\"be\",server=\"s2\"} 7\n"
		       "haproxy_server_check_failures_total{proxy=\"be\",server=\"s3\"} NaN\n");
	CHECK_CONTAINS(out, "haproxy_server_check_status{proxy=\"be\",server=\"s2\",state=\"L4CON\"} 1\n");
	CHECK_CONTAINS(out, "haproxy_server_check_status{proxy=\"be\",server=\"s1\",state=\"L7OK\"} 1\n");
	/* unchecked and maintenance servers have no check_status lines */
	CHECK(!strstr(out, "haproxy_server_check_status{proxy=\"be\",server=\"s3\""));
	CHECK(!strstr(out, "haproxy_server_check_status{proxy=\"be\",server=\"s4\""));
	CHECK_CONTAINS(out, "haproxy_server_check_code{proxy=\"be\",server=\"s1\"} 200\n"
		       "haproxy_server_check_code{proxy=\"be\",server=\"s2\"} 0\n"
		       "haproxy_server_check_code{proxy=\"db\",server=\"m1\"} 0\n# HELP");
	CHECK(!strstr(out, "haproxy_server_check_duration_seconds{proxy=\"be\",server=\"s4\"}"));
	CHECK_CONTAINS(out, "haproxy_server_check_duration_seconds{proxy=\"be\",server=\"s1\"} 0.003000\n");
	CHECK_CONTAINS(out, "haproxy_server_http_responses_total{proxy=\"be\",server=\"s1\",code=\"2xx\"} 45\n");
	CHECK(!strstr(out, "haproxy_server_http_responses_total{proxy=\"db\""));
	CHECK_CONTAINS(out, "haproxy_server_weight{proxy=\"be\",server=\"s1\"} 1\n"
		       "haproxy_server_weight{proxy=\"be\",server=\"s2\"} 0\n");
}

static void test_drain_and_label_escaping(void)
{
	const char *out;

	env_init();
	E.s[0].admin = SRV_ADMF_FDRAIN;
	free(E.be.id);
	E.be.id = xstrdup("a\"b\\c");
	out = export();
	CHECK_CONTAINS(out, "haproxy_server_status{proxy=\"a\\\"b\\\\c\",server=\"s1\",state=\"DRAIN\"} 1\n");
}

int main(void)
{
	RUN(test_every_line_parses);
	RUN(test_process);
	RUN(test_frontend);
	RUN(test_backend);
	RUN(test_server_status_as_haproxy);
	RUN(test_drain_and_label_escaping);
	UNIT_DONE();
}
