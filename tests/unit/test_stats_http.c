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
#include "fixture_pxconf.h"

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
