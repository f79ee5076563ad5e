/* Tests for src/proxy/stats_http.c: the stats page of a hand-built
 * configuration (HTML rows, their classes and balance, the CSV export,
 * page options) and the admin form acting through the real server.c. */
#include "unit.h"
#include "lib/ev.h"
#include "lib/strbuf.h"
#include "lib/util.h"
#include "proxy/proxy.h"
#include "proxy/stats.h"
#include "proxy/stats_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>

/* stream.c is another module's; these stand in for it here. */
void stream_shutdown_server_sessions(struct server *srv);
void queue_process(struct proxy *px);
void stream_shutdown_server_sessions(struct server *srv) { (void)srv; }
void queue_process(struct proxy *px) { (void)px; }

/* ---- fixture: frontend "fe" (http) -> backend "be" (http, four
 * servers in four states), and a tcp listen "db" with one server ---- */

struct env {
	struct pxconf c;
	struct proxy fe, be, db;
	struct proxy *proxies[3];
	struct server s[5];
	struct server *be_servers[4], *db_servers[1];
};

static struct env E;

static void set_addr(struct addr *a, const char *ip, int port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&a->ss;

	memset(a, 0, sizeof(*a));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, ip, &sin->sin_addr);
	a->len = sizeof(*sin);
	a->port_given = true;
	a->port_end = port;
}

static void init_proxy(struct proxy *px, const char *id, int uuid, unsigned cap,
		       enum px_mode mode)
{
	px->id = xstrdup(id);
	px->uuid = uuid;
	px->cap = cap;
	px->mode = mode;
	px->retries = 3;
	pthread_mutex_init(&px->lock, NULL);
	px->last_change_ms = ev_monotonic_ms();
}

static struct server *init_server(int i, struct proxy *px, const char *id, int puid,
				  int port, bool check)
{
	struct server *s = &E.s[i];

	s->px = px;
	s->id = xstrdup(id);
	s->puid = puid;
	set_addr(&s->addr, "127.0.0.1", port);
	s->addr_port_given = true;
	s->iweight = s->uweight = 1;
	s->rise = 2;
	s->fall = 3;
	s->health = check ? 4 : 2;
	s->check_enabled = check;
	s->op_state = SRV_ST_RUNNING;
	s->check_status = check ? HCHK_L4OK : HCHK_UNKNOWN;
	s->last_change_ms = ev_monotonic_ms();
	return s;
}

static void env_init(void)
{
	struct pxconf *c = &E.c;

	memset(&E, 0, sizeof(E));
	c->global.maxconn = 4096;
	c->rt.pid = 4242;
	c->rt.nbthread = 1;
	c->rt.start_wall_s = 1795626065;
	c->rt.start_mono_ms = ev_monotonic_ms();
	init_proxy(&E.fe, "fe", 1, PX_CAP_FE, PX_MODE_HTTP);
	init_proxy(&E.be, "be", 2, PX_CAP_BE, PX_MODE_HTTP);
	init_proxy(&E.db, "db", 3, PX_CAP_FE | PX_CAP_BE, PX_MODE_TCP);
	E.fe.default_backend = &E.be;
	E.fe.maxconn = 100;
	E.db.maxconn = 50;

	/* s1: UP, L7OK/200 in 3ms; s2: DOWN, L4CON; s3: no check;
	 * s4: backup in maintenance */
	E.be_servers[0] = init_server(0, &E.be, "s1", 1, 8001, true);
	E.s[0].check_status = HCHK_L7OK;
	E.s[0].check_code = 200;
	E.s[0].check_duration_ms = 3;
	E.s[0].maxconn = 20;
	E.be_servers[1] = init_server(1, &E.be, "s2", 2, 8002, true);
	E.s[1].op_state = SRV_ST_STOPPED;
	E.s[1].health = 0;
	E.s[1].check_status = HCHK_L4CON;
	snprintf(E.s[1].check_desc, sizeof(E.s[1].check_desc), "Connection refused");
	E.be_servers[2] = init_server(2, &E.be, "s3", 3, 8003, false);
	E.be_servers[3] = init_server(3, &E.be, "s4", 4, 8004, true);
	E.s[3].backup = true;
	E.s[3].admin = SRV_ADMF_FMAINT;
	E.s[3].op_state = SRV_ST_STOPPED;
	E.be.servers = E.be_servers;
	E.be.nservers = 4;
	E.db_servers[0] = init_server(4, &E.db, "m1", 1, 3306, true);
	E.db.servers = E.db_servers;
	E.db.nservers = 1;

	/* traffic */
	atomic_store(&E.fe.cur_conn, 2);
	atomic_store(&E.fe.cnt.max_sess, 5);
	atomic_store(&E.fe.cnt.cum_sess, 40);
	atomic_store(&E.fe.cnt.cum_conn, 41);
	atomic_store(&E.fe.cnt.bytes_in, 1000);
	atomic_store(&E.fe.cnt.bytes_out, 20000);
	atomic_store(&E.fe.cnt.http_reqs, 50);
	atomic_store(&E.fe.cnt.http_rsp[1], 45);
	atomic_store(&E.fe.cnt.http_rsp[3], 4);
	atomic_store(&E.fe.cnt.http_rsp[4], 1);
	atomic_store(&E.fe.cnt.intercepted, 2);
	atomic_store(&E.be.cnt.cum_sess, 38);
	atomic_store(&E.be.cnt.http_reqs, 48);
	atomic_store(&E.be.cnt.http_rsp[1], 45);
	atomic_store(&E.be.cnt.failed_conns, 3);
	atomic_store(&E.s[0].cnt.cum_sess, 38);
	atomic_store(&E.s[0].cnt.http_rsp[1], 45);
	atomic_store(&E.s[1].cnt.failed_checks, 7);
	atomic_store(&E.s[1].cnt.down_trans, 1);

	E.proxies[0] = &E.fe;
	E.proxies[1] = &E.be;
	E.proxies[2] = &E.db;
	c->proxies = E.proxies;
	c->nproxies = 3;
}

static void env_free(void)
{
	for (int i = 0; i < 5; i++)
		free(E.s[i].id);
	free(E.fe.id);
	free(E.be.id);
	free(E.db.id);
}

/* The body, in a buffer reused by every call of a test. */
static const char *page(const char *uri, bool admin, const char **ctype)
{
	static struct strbuf sb = STRBUF_INIT;
	int status = 0;

	sb_free(&sb);
	*ctype = NULL;
	CHECK_INT(stats_http_page(&E.c, &E.fe, uri, strlen(uri), admin, &sb, ctype, &status), 0);
	CHECK_INT(status, 200);
	return sb_str(&sb);
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* The cells a row spans: <td> and <th> count 1, or their colspan. */
static int row_cells(const char *row, const char *end)
{
	int n = 0;

	for (const char *p = strstr(row, "<t"); p && p < end; p = strstr(p + 1, "<t")) {
		const char *gt = strchr(p, '>');
		const char *cs = strstr(p, "colspan=");

		if (strncmp(p, "<td", 3) && strncmp(p, "<th", 3))
			continue;
		n += cs && cs < gt ? atoi(cs + 8) : 1;
	}
	return n;
}

/* Cells of a row that have a rowspan (they also fill the next row). */
static int rowspan_cells(const char *row, const char *end)
{
	int n = 0;

	for (const char *p = strstr(row, "<th"); p && p < end; p = strstr(p + 1, "<th")) {
		const char *rs = strstr(p, "rowspan=");

		if (rs && rs < strchr(p, '>'))
			n++;
	}
	return n;
}

static void test_html_rows_and_classes(void)
{
	const char *ctype;
	const char *html;

	env_init();
	html = page("/haproxy?stats", false, &ctype);
	CHECK_STR(ctype, "text/html");
	CHECK(!strncmp(html, "<!DOCTYPE html>", 15));
	CHECK_CONTAINS(html, "</body></html>\n");
	CHECK_CONTAINS(html, "<h2>Statistics Report for pid 4242</h2>");
	CHECK_CONTAINS(html, "vigil-proxy version " VIGIL_VERSION);
	CHECK(!strstr(html, "http-equiv=\"refresh\""));

	/* balanced tags */
	CHECK_INT(count(html, "<table"), count(html, "</table>"));
	CHECK_INT(count(html, "<tr"), count(html, "</tr>"));
	CHECK_INT(count(html, "<td"), count(html, "</td>"));
	CHECK_INT(count(html, "<th"), count(html, "</th>"));
	CHECK_INT(count(html, "<form"), 0);

	/* rows, coloured as HAProxy */
	CHECK_INT(count(html, "<tr class=\"frontend\">"), 2);    /* fe, db */
	CHECK_INT(count(html, "<tr class=\"backend\">"), 2);     /* be, db */
	CHECK_CONTAINS(html, "<tr class=\"active_up\"><td class=ac><a name=\"be/s1\"></a>s1</td>");
	CHECK_CONTAINS(html, "<tr class=\"active_down\"><td class=ac><a name=\"be/s2\"></a>s2</td>");
	CHECK_CONTAINS(html, "<tr class=\"active_no_check\"><td class=ac><a name=\"be/s3\"></a>s3</td>");
	CHECK_CONTAINS(html, "<tr class=\"maintain\"><td class=ac><a name=\"be/s4\"></a>s4</td>");
	CHECK_CONTAINS(html, "<tr class=\"active_up\"><td class=ac><a name=\"db/m1\"></a>m1</td>");

	/* server columns: status, check, weight, act/bck, chk/dwn */
	CHECK_CONTAINS(html, "<td class=ac>0s UP</td><td class=ac><span title=\"Layer7 check passed\">"
		       "L7OK/200 in 3ms</span></td><td class=ac>1/1</td><td class=ac>Y</td>"
		       "<td class=ac>-</td><td>0</td><td>0</td><td>0s</td>");
	CHECK_CONTAINS(html, "<td class=ac>0s DOWN</td><td class=ac><span title=\"Layer4 connection "
		       "problem: Connection refused\">L4CON in 0ms</span></td><td class=ac>0/1</td>"
		       "<td class=ac>Y</td><td class=ac>-</td><td>7</td><td>1</td><td>0s</td>");
	CHECK_CONTAINS(html, "<td class=ac>0s no check</td><td class=ac></td><td class=ac>1/1</td>");
	CHECK_CONTAINS(html, "<td class=ac>0s MAINT</td>");
	/* frontend sessions cur/max/limit/total, bytes */
	CHECK_CONTAINS(html, "Frontend</td><td colspan=3></td><td>2</td><td>5</td><td>100</td>"
		       "<td>40</td><td></td><td></td><td>1000</td><td>20000</td>");
	/* backend: status, weight, act, bck */
	CHECK_CONTAINS(html, "<td class=ac>0s UP</td><td class=ac>&nbsp;</td><td class=ac>2/2</td>"
		       "<td class=ac>2</td><td class=ac>0</td>");
}

static void test_html_rows_have_header_width(void)
{
	const char *ctype;
	const char *html;
	int rows = 0;

	env_init();
	for (int admin = 0; admin < 2; admin++) {
		html = page("/stats", admin, &ctype);
		/* every data row spans as many cells as the header's two rows */
		for (const char *p = strstr(html, "<tr class=\"titre\"><th rowspan=2"); p;
		     p = strstr(p + 1, "<tr class=\"titre\"><th rowspan=2")) {
			const char *h2 = strstr(p + 1, "<tr class=\"titre\">");
			const char *end = strstr(h2, "</table>");
			int width = rowspan_cells(p, h2);

			width += row_cells(h2, strstr(h2, "</tr>"));
			for (const char *r = strstr(strstr(h2, "</tr>"), "<tr"); r && r < end;
			     r = strstr(r + 1, "<tr")) {
				CHECK_INT(row_cells(r, strstr(r, "</tr>")), width);
				rows++;
			}
		}
	}
	CHECK_INT(rows, 2 * 9);   /* fe, be: 4 servers + backend, db: fe + m1 + be */
}

static void test_html_options(void)
{
	const char *ctype;
	const char *html;

	env_init();
	E.fe.http.stats.refresh_ms = 10000;
	html = page("/stats", false, &ctype);
	CHECK_CONTAINS(html, "<meta http-equiv=\"refresh\" content=\"10\">");
	CHECK_CONTAINS(html, "<a href=\"/stats;norefresh\">Disable refresh</a>");
	html = page("/stats;norefresh", false, &ctype);
	CHECK(!strstr(html, "http-equiv=\"refresh\""));

	E.fe.http.stats.hide_version = true;
	html = page("/stats", false, &ctype);
	CHECK(!strstr(html, VIGIL_VERSION));
	CHECK_CONTAINS(html, "<h1>vigil-proxy</h1>");

	/* ;up hides servers that are down or in maintenance */
	html = page("/stats;up", false, &ctype);
	CHECK_CONTAINS(html, "be/s1");
	CHECK_CONTAINS(html, "be/s3");
	CHECK(!strstr(html, "be/s2"));
	CHECK(!strstr(html, "be/s4"));

	html = page("/stats;st=DONE", false, &ctype);
	CHECK_CONTAINS(html, "Action processed successfully.");

	/* names are escaped */
	free(E.s[2].id);
	E.s[2].id = xstrdup("<b>&");
	html = page("/stats", false, &ctype);
	CHECK_CONTAINS(html, "&lt;b&gt;&amp;");
	CHECK(!strstr(html, "<b>&"));
}

static void test_csv_is_show_stat(void)
{
	struct strbuf csv = STRBUF_INIT;
	const char *ctype;
	const char *body;

	env_init();
	body = page("/haproxy?stats;csv;norefresh", false, &ctype);
	CHECK_STR(ctype, "text/plain");
	stats_show_stat(&E.c, &csv);
	CHECK_STR(body, csv.s);
	CHECK(!strncmp(body, "# pxname,svname,qcur,", 21));
	sb_free(&csv);
	env_free();
}

static void test_admin_form(void)
{
	const char *ctype;
	const char *html;
	struct strbuf msg = STRBUF_INIT;
	const char *form;

	env_init();
	html = page("/stats", true, &ctype);
	CHECK_INT(count(html, "<form method=\"post\" action=\"/stats\">"), 2);   /* be, db */
	CHECK_INT(count(html, "</form>"), 2);
	CHECK_CONTAINS(html, "<input class='be-checkbox' type=\"checkbox\" name=\"s\" value=\"s1\">");
	CHECK_CONTAINS(html, "<input type=\"hidden\" name=\"b\" value=\"#2\">");

	form = "s=s1&s=s3&action=maint&b=%232";
	CHECK_INT(stats_http_admin(&E.c, form, strlen(form), &msg), STATS_ST_DONE);
	CHECK(E.s[0].admin & SRV_ADMF_FMAINT);
	CHECK(E.s[2].admin & SRV_ADMF_FMAINT);
	CHECK_STR(stats_admin_st_name(STATS_ST_DONE), "DONE");

	form = "s=s1&action=ready&b=%232";
	sb_reset(&msg);
	CHECK_INT(stats_http_admin(&E.c, form, strlen(form), &msg), STATS_ST_DONE);
	CHECK(!(E.s[0].admin & SRV_ADMF_FMAINT));

	form = "s=s3&s=nosuch&action=drain&b=be";
	sb_reset(&msg);
	CHECK_INT(stats_http_admin(&E.c, form, strlen(form), &msg), STATS_ST_PART);
	CHECK_CONTAINS(sb_str(&msg), "no server 'nosuch' in backend 'be'");

	form = "s=s1&action=hdown&b=%232";
	CHECK_INT(stats_http_admin(&E.c, form, strlen(form), &msg), STATS_ST_UNKN);
	form = "s=s1&action=maint";
	CHECK_INT(stats_http_admin(&E.c, form, strlen(form), &msg), STATS_ST_ERRP);
	form = "s=s1&action=maint&b=%2399";
	CHECK_INT(stats_http_admin(&E.c, form, strlen(form), &msg), STATS_ST_ERRP);
	form = "action=maint&b=%232";
	CHECK_INT(stats_http_admin(&E.c, form, strlen(form), &msg), STATS_ST_NONE);
	sb_free(&msg);
	env_free();
}

int main(void)
{
	RUN(test_html_rows_and_classes);
	RUN(test_html_rows_have_header_width);
	RUN(test_html_options);
	RUN(test_csv_is_show_stat);
	RUN(test_admin_form);
	UNIT_DONE();
}
