/* stats_http: the statistics page (see stats_http.h).
 *
 * The HTML follows HAProxy 2.6's page: the same row classes and colours
 * (active_up green, active_down red, maintain brown, draining blue, ...),
 * the same column groups (minus "Session rate", which Vigil does not
 * measure) and the same admin form, so people used to HAProxy read it at
 * a glance. Each backend's servers are read under the backend's lock.
 */
#include "proxy/stats_http.h"
#include "proxy/stats.h"
#include "lib/ev.h"
#include "lib/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Options of the request, parsed from the ";xxx" parts of the URI. */
struct stats_opts {
	bool csv, norefresh, up_only;
	char st[8];                /* ";st=DONE" banner, or "" */
	char base[256];            /* URI without options nor query string */
};

/* ---- small helpers ---- */

static void px_lock(const struct proxy *px)
{
	pthread_mutex_lock((pthread_mutex_t *)&px->lock);
}

static void px_unlock(const struct proxy *px)
{
	pthread_mutex_unlock((pthread_mutex_t *)&px->lock);
}

static uint64_t secs_since(const struct pxconf *c, uint64_t then_ms)
{
	uint64_t now = ev_monotonic_ms();

	if (then_ms == 0)
		then_ms = c->rt.start_mono_ms;
	if (then_ms == 0 || then_ms > now)
		return 0;
	return (now - then_ms) / 1000;
}

/* HAProxy's human_time(): "5s", "2m3s", "1h2m", "3d4h". */
static void put_human_time(struct strbuf *out, uint64_t s)
{
	if (s < 60)
		sb_appendf(out, "%llus", (unsigned long long)s);
	else if (s < 3600)
		sb_appendf(out, "%llum%llus", (unsigned long long)(s / 60),
			   (unsigned long long)(s % 60));
	else if (s < 86400)
		sb_appendf(out, "%lluh%llum", (unsigned long long)(s / 3600),
			   (unsigned long long)(s / 60 % 60));
	else
		sb_appendf(out, "%llud%lluh", (unsigned long long)(s / 86400),
			   (unsigned long long)(s / 3600 % 24));
}

static void put_html(struct strbuf *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': sb_puts(out, "&lt;"); break;
		case '>': sb_puts(out, "&gt;"); break;
		case '&': sb_puts(out, "&amp;"); break;
		case '"': sb_puts(out, "&quot;"); break;
		case '\'': sb_puts(out, "&#39;"); break;
		default: sb_append(out, s, 1); break;
		}
	}
}

static void td_u(struct strbuf *out, unsigned long long v)
{
	sb_appendf(out, "<td>%llu</td>", v);
}

static void td_empty(struct strbuf *out)
{
	sb_puts(out, "<td></td>");
}

static int frontend_maxconn(const struct pxconf *c, const struct proxy *fe)
{
	return fe->maxconn > 0 ? fe->maxconn : c->global.maxconn;
}

static void parse_opts(const char *uri, size_t urilen, struct stats_opts *o)
{
	size_t base = 0;

	memset(o, 0, sizeof(*o));
	while (base < urilen && uri[base] != ';')
		base++;
	snprintf(o->base, sizeof(o->base), "%.*s", (int)base, uri);
	for (size_t i = base; i < urilen; ) {
		size_t j = i + 1, n;

		while (j < urilen && uri[j] != ';' && uri[j] != '?' && uri[j] != '&')
			j++;
		n = j - (i + 1);
		if (n == 3 && memcmp(uri + i + 1, "csv", 3) == 0)
			o->csv = true;
		else if (n == 9 && memcmp(uri + i + 1, "norefresh", 9) == 0)
			o->norefresh = true;
		else if (n == 2 && memcmp(uri + i + 1, "up", 2) == 0)
			o->up_only = true;
		else if (n > 3 && n < 3 + sizeof(o->st) && memcmp(uri + i + 1, "st=", 3) == 0)
			snprintf(o->st, sizeof(o->st), "%.*s", (int)(n - 3), uri + i + 4);
		i = j;
	}
}

/* ---- server state as the page shows it ---- */

/* HAProxy's row class for a server. Lock held. */
static const char *server_row_class(const struct server *srv)
{
	bool bck = srv->backup;

	if (srv->admin & SRV_ADMF_MAINT)
		return "maintain";
	if (srv->admin & SRV_ADMF_FDRAIN)
		return bck ? "backup_draining" : "active_draining";
	if (!srv->check_enabled)
		return bck ? "backup_no_check" : "active_no_check";
	switch (srv->op_state) {
	case SRV_ST_STOPPED:
		if (srv->health > 0)
			return bck ? "backup_going_up" : "active_going_up";
		return bck ? "backup_down" : "active_down";
	case SRV_ST_STOPPING:
		return bck ? "backup_nolb" : "active_nolb";
	case SRV_ST_STARTING:
	case SRV_ST_RUNNING:
		if (srv->health < srv->rise + srv->fall - 1)
			return bck ? "backup_going_down" : "active_going_down";
		return bck ? "backup_up" : "active_up";
	}
	return "active_down";
}

static bool server_shown_up(const struct server *srv)
{
	return !(srv->admin & SRV_ADMF_MAINT) && srv->op_state != SRV_ST_STOPPED;
}

/* ---- the HTML page ---- */

static const char page_css[] =
	"body { font-family: arial, helvetica, sans-serif; font-size: 12px; background: white; color: black; }\n"
	"th,td { font-size: 10px; }\n"
	"h1 { font-size: x-large; margin-bottom: 0.5em; }\n"
	"h2 { font-size: x-large; font-style: italic; color: #6020a0; margin: 0; }\n"
	"h3 { font-size: 16px; color: #b00040; background: #e8e8d0; margin: 0; }\n"
	".titre { background: #20D0D0; color: #000000; font-weight: bold; text-align: center; }\n"
	".frontend, .backend { background: #e8e8d0; }\n"
	".active_down, .backup_down { background: #ff9090; }\n"
	".active_going_up { background: #ffd020; }\n"
	".active_going_down { background: #ffffa0; }\n"
	".active_up { background: #c0ffc0; }\n"
	".active_nolb, .active_draining { background: #20a0ff; }\n"
	".active_no_check, .backup_no_check { background: #e0e0e0; }\n"
	".backup_going_up { background: #ff80ff; }\n"
	".backup_going_down { background: #c060ff; }\n"
	".backup_up { background: #b0d0ff; }\n"
	".backup_nolb { background: #90b0e0; }\n"
	".backup_draining { background: #cc9900; }\n"
	".maintain { background: #c07820; }\n"
	"table.tbl { border-collapse: collapse; border-style: none; }\n"
	"table.tbl td { text-align: right; border: 1px solid gray; padding: 2px 3px; white-space: nowrap; }\n"
	"table.tbl td.ac { text-align: center; }\n"
	"table.tbl th { border: 1px solid gray; }\n"
	"table.tbl th.pxname { background: #b00040; color: #ffff40; font-weight: bold; padding: 2px 3px; white-space: nowrap; }\n"
	"table.tbl th.empty { border-style: none; background: white; }\n"
	"table.lgd { border-collapse: collapse; }\n"
	"table.lgd td { border: 1px solid gray; padding: 2px; }\n"
	"table.lgd td.noborder { border-style: none; white-space: nowrap; }\n"
	"a.px { color: #ffff40; text-decoration: none; }\n"
	"a.lfsb { color: #000000; text-decoration: none; }\n";

static const char legend[] =
	"<table class=\"lgd\"><tr>\n"
	"<td class=\"active_up\">&nbsp;</td><td class=\"noborder\">active UP </td>"
	"<td class=\"backup_up\">&nbsp;</td><td class=\"noborder\">backup UP </td></tr><tr>\n"
	"<td class=\"active_going_down\"></td><td class=\"noborder\">active UP, going down </td>"
	"<td class=\"backup_going_down\"></td><td class=\"noborder\">backup UP, going down </td></tr><tr>\n"
	"<td class=\"active_going_up\"></td><td class=\"noborder\">active DOWN, going up </td>"
	"<td class=\"backup_going_up\"></td><td class=\"noborder\">backup DOWN, going up </td></tr><tr>\n"
	"<td class=\"active_down\"></td><td class=\"noborder\">active or backup DOWN &nbsp;</td>"
	"<td class=\"active_no_check\"></td><td class=\"noborder\">not checked </td></tr><tr>\n"
	"<td class=\"maintain\"></td><td class=\"noborder\" colspan=\"3\">active or backup DOWN for maintenance (MAINT) &nbsp;</td></tr><tr>\n"
	"<td class=\"active_draining\"></td><td class=\"noborder\" colspan=\"3\">active or backup SOFT STOPPED for maintenance &nbsp;</td></tr></table>\n"
	"Note: \"NOLB\"/\"DRAIN\" = UP with load-balancing disabled.";

static const char table_head[] =
	"<tr class=\"titre\"><th rowspan=2></th><th colspan=3>Queue</th>"
	"<th colspan=6>Sessions</th><th colspan=2>Bytes</th><th colspan=2>Denied</th>"
	"<th colspan=3>Errors</th><th colspan=2>Warnings</th><th colspan=9>Server</th></tr>\n"
	"<tr class=\"titre\"><th>Cur</th><th>Max</th><th>Limit</th><th>Cur</th><th>Max</th>"
	"<th>Limit</th><th>Total</th><th>LbTot</th><th>Last</th><th>In</th><th>Out</th>"
	"<th>Req</th><th>Resp</th><th>Req</th><th>Conn</th><th>Resp</th><th>Retr</th>"
	"<th>Redis</th><th>Status</th><th>LastChk</th><th>Wght</th><th>Act</th><th>Bck</th>"
	"<th>Chk</th><th>Dwn</th><th>Dwntme</th><th>Thrtle</th></tr>\n";

static void page_header(const struct pxconf *c, const struct proxy *px,
			const struct stats_opts *o, struct strbuf *out)
{
	const struct px_stats_cfg *st = &px->http.stats;
	uint64_t up = secs_since(c, 0);

	sb_puts(out, "<!DOCTYPE html>\n<html><head><title>Statistics Report for vigil-proxy");
	if (st->show_node && c->global.node) {
		sb_puts(out, " on ");
		put_html(out, c->global.node);
	}
	sb_puts(out, "</title>\n<meta http-equiv=\"content-type\" content=\"text/html; charset=iso-8859-1\">\n");
	if (st->refresh_ms && !o->norefresh)
		sb_appendf(out, "<meta http-equiv=\"refresh\" content=\"%u\">\n",
			   (unsigned)((st->refresh_ms + 999) / 1000));
	sb_appendf(out, "<style type=\"text/css\">\n%s</style></head>\n<body>", page_css);
	if (st->hide_version)
		sb_puts(out, "<h1>vigil-proxy</h1>\n");
	else
		sb_puts(out, "<h1>vigil-proxy version " VIGIL_VERSION ", released "
			VIGIL_RELEASE_DATE "</h1>\n");
	sb_appendf(out, "<h2>Statistics Report for pid %d", (int)c->rt.pid);
	if (st->show_node && c->global.node) {
		sb_puts(out, " on ");
		put_html(out, c->global.node);
	}
	sb_puts(out, "</h2>\n<hr width=\"100%\" class=\"hr\">\n");
	sb_puts(out, "<h3>&gt; General process information</h3>\n");
	sb_puts(out, "<table border=0><tr><td align=\"left\" nowrap width=\"1%\">\n");
	sb_appendf(out, "<p><b>pid = </b> %d (process #1, nbproc = 1, nbthread = %d)<br>\n",
		   (int)c->rt.pid, c->rt.nbthread > 0 ? c->rt.nbthread : 1);
	sb_appendf(out, "<b>uptime = </b> %ud %uh%02um%02us<br>\n", (unsigned)(up / 86400),
		   (unsigned)(up / 3600 % 24), (unsigned)(up / 60 % 60), (unsigned)(up % 60));
	sb_appendf(out, "<b>maxconn = </b> %d<br>\ncurrent conns = %d<br>\n",
		   c->global.maxconn, atomic_load(&c->rt.cur_conn));
	sb_puts(out, "</td><td align=\"center\" nowrap>\n");
	sb_puts(out, legend);
	sb_puts(out, "</td><td align=\"left\" valign=\"top\" nowrap width=\"1%\">"
		"<b>Display option:</b><ul style=\"margin-top: 0.25em;\">\n");
	sb_puts(out, "<li><a href=\"");
	put_html(out, o->base);
	sb_puts(out, o->up_only ? "\">Show all servers</a><br>\n" : ";up\">Hide 'DOWN' servers</a><br>\n");
	if (st->refresh_ms) {
		sb_puts(out, "<li><a href=\"");
		put_html(out, o->base);
		sb_puts(out, o->norefresh ? "\">Enable refresh</a><br>\n"
			: ";norefresh\">Disable refresh</a><br>\n");
	}
	sb_puts(out, "<li><a href=\"");
	put_html(out, o->base);
	sb_puts(out, "\">Refresh now</a><br>\n<li><a href=\"");
	put_html(out, o->base);
	sb_puts(out, ";csv;norefresh\">CSV export</a><br>\n</ul></td></tr></table>\n");

	if (o->st[0]) {
		const char *msg = "Unexpected result.";

		if (!strcmp(o->st, "DONE"))
			msg = "Action processed successfully.";
		else if (!strcmp(o->st, "PART"))
			msg = "Action not processed for some servers (wrong state or unknown server).";
		else if (!strcmp(o->st, "NONE"))
			msg = "Nothing has changed.";
		else if (!strcmp(o->st, "ERRP"))
			msg = "Action not processed because of invalid parameters.";
		else if (!strcmp(o->st, "EXCD"))
			msg = "Action not processed: the buffer couldn't store all the data.";
		else if (!strcmp(o->st, "DENY"))
			msg = "Action denied.";
		else if (!strcmp(o->st, "UNKN"))
			msg = "Action not supported by this version.";
		sb_appendf(out, "<p><div class=%s><b>%s</b> [<a href=\"",
			   !strcmp(o->st, "DONE") ? "active_up" : "active_down", msg);
		put_html(out, o->base);
		sb_puts(out, "\">X</a>]</div>\n");
	}
	sb_puts(out, "<p>\n");
}

static void frontend_html_row(const struct pxconf *c, const struct proxy *fe, bool admin,
			      struct strbuf *out)
{
	sb_puts(out, "<tr class=\"frontend\">");
	if (admin)
		sb_puts(out, "<td></td>");
	sb_puts(out, "<td class=ac><a name=\"");
	put_html(out, fe->id);
	sb_puts(out, "/Frontend\"></a>Frontend</td>");
	sb_puts(out, "<td colspan=3></td>");
	td_u(out, (unsigned)atomic_load(&fe->cur_conn));
	td_u(out, atomic_load(&fe->cnt.max_sess));
	td_u(out, (unsigned)frontend_maxconn(c, fe));
	td_u(out, atomic_load(&fe->cnt.cum_sess));
	td_empty(out);
	td_empty(out);
	td_u(out, atomic_load(&fe->cnt.bytes_in));
	td_u(out, atomic_load(&fe->cnt.bytes_out));
	td_u(out, atomic_load(&fe->cnt.denied_conn));
	td_u(out, atomic_load(&fe->cnt.denied_resp));
	td_u(out, atomic_load(&fe->cnt.failed_req));
	td_empty(out);
	td_empty(out);
	td_empty(out);
	td_empty(out);
	sb_appendf(out, "<td class=ac>%s</td><td colspan=8></td></tr>\n",
		   fe->disabled ? "STOP" : "OPEN");
}

/* Lock held. */
static void server_html_row(const struct pxconf *c, const struct server *srv, bool admin,
			    struct strbuf *out)
{
	const struct proxy *px = srv->px;
	char status[64];
	uint64_t lastchg = secs_since(c, srv->last_change_ms);

	sb_appendf(out, "<tr class=\"%s\">", server_row_class(srv));
	if (admin) {
		sb_puts(out, "<td><input class='");
		put_html(out, px->id);
		sb_puts(out, "-checkbox' type=\"checkbox\" name=\"s\" value=\"");
		put_html(out, srv->id);
		sb_puts(out, "\"></td>");
	}
	sb_puts(out, "<td class=ac><a name=\"");
	put_html(out, px->id);
	sb_puts(out, "/");
	put_html(out, srv->id);
	sb_puts(out, "\"></a>");
	put_html(out, srv->id);
	sb_puts(out, "</td>");
	td_u(out, (unsigned)atomic_load(&srv->queued));
	td_u(out, 0);
	sb_puts(out, "<td>-</td>");
	td_u(out, (unsigned)atomic_load(&srv->cur_sess));
	td_u(out, atomic_load(&srv->cnt.max_sess));
	if (srv->maxconn > 0)
		td_u(out, (unsigned)srv->maxconn);
	else
		sb_puts(out, "<td>-</td>");
	td_u(out, atomic_load(&srv->cnt.cum_sess));
	td_u(out, atomic_load(&srv->cnt.cum_sess));
	sb_puts(out, "<td>?</td>");
	td_u(out, atomic_load(&srv->cnt.bytes_in));
	td_u(out, atomic_load(&srv->cnt.bytes_out));
	td_empty(out);
	td_u(out, 0);
	td_empty(out);
	td_u(out, atomic_load(&srv->cnt.failed_conns));
	td_u(out, atomic_load(&srv->cnt.failed_resp));
	td_u(out, atomic_load(&srv->cnt.retries));
	td_u(out, atomic_load(&srv->cnt.redispatches));

	/* Status: "4s UP", "1m2s DOWN", "MAINT", "UP 1/3" ... */
	sb_puts(out, "<td class=ac>");
	put_human_time(out, lastchg);
	sb_puts(out, " ");
	put_html(out, server_status_str(srv, status, sizeof(status)));
	sb_puts(out, "</td>");

	/* LastChk: "L7OK/200 in 3ms" with the reason on hover. */
	sb_puts(out, "<td class=ac>");
	if (srv->check_enabled) {
		const char *name = check_status_name(srv->check_status);
		bool coded = srv->check_status == HCHK_L7OK || srv->check_status == HCHK_L7OKC ||
			     srv->check_status == HCHK_L7STS;
		bool done = srv->check_status != HCHK_UNKNOWN && srv->check_status != HCHK_INI;

		sb_appendf(out, "<span title=\"%s", check_status_desc(srv->check_status));
		if (srv->check_desc[0]) {
			sb_puts(out, ": ");
			put_html(out, srv->check_desc);
		}
		sb_appendf(out, "\">%s", name);
		if (coded)
			sb_appendf(out, "/%d", srv->check_code);
		if (done)
			sb_appendf(out, " in %ums", (unsigned)srv->check_duration_ms);
		sb_puts(out, "</span>");
	}
	sb_puts(out, "</td>");
	sb_appendf(out, "<td class=ac>%d/%d</td>", server_eweight(srv), srv->uweight);
	sb_appendf(out, "<td class=ac>%s</td><td class=ac>%s</td>",
		   srv->backup ? "-" : "Y", srv->backup ? "Y" : "-");
	if (srv->check_enabled) {
		bool down = srv->op_state == SRV_ST_STOPPED && !(srv->admin & SRV_ADMF_MAINT);

		td_u(out, atomic_load(&srv->cnt.failed_checks));
		td_u(out, atomic_load(&srv->cnt.down_trans));
		sb_puts(out, "<td>");
		put_human_time(out, down ? lastchg : 0);
		sb_puts(out, "</td>");
	} else {
		sb_puts(out, "<td colspan=3></td>");
	}
	sb_puts(out, "<td class=ac>-</td></tr>\n");
}

/* Lock held. */
static void backend_html_row(const struct pxconf *c, const struct proxy *be, bool admin,
			     struct strbuf *out)
{
	int act = 0, bck = 0, wact = 0, wbck = 0, uwact = 0, uwbck = 0;
	bool up = backend_is_up(be);
	uint64_t lastchg = secs_since(c, be->last_change_ms);

	for (int i = 0; i < be->nservers; i++) {
		const struct server *srv = be->servers[i];

		if (!server_is_usable(srv))
			continue;
		if (srv->backup) {
			bck++;
			wbck += server_eweight(srv);
			uwbck += srv->uweight;
		} else {
			act++;
			wact += server_eweight(srv);
			uwact += srv->uweight;
		}
	}
	sb_puts(out, "<tr class=\"backend\">");
	if (admin)
		sb_puts(out, "<td></td>");
	sb_puts(out, "<td class=ac><a name=\"");
	put_html(out, be->id);
	sb_puts(out, "/Backend\"></a>Backend</td>");
	td_u(out, (unsigned)be->queue_len);
	td_u(out, 0);
	td_empty(out);
	td_u(out, (unsigned)atomic_load(&be->cur_sess));
	td_u(out, atomic_load(&be->cnt.max_sess));
	td_u(out, (unsigned)stats_backend_fullconn(c, be));
	td_u(out, atomic_load(&be->cnt.cum_sess));
	td_u(out, atomic_load(&be->cnt.cum_sess));
	sb_puts(out, "<td>?</td>");
	td_u(out, atomic_load(&be->cnt.bytes_in));
	td_u(out, atomic_load(&be->cnt.bytes_out));
	td_u(out, 0);
	td_u(out, atomic_load(&be->cnt.denied_resp));
	td_empty(out);
	td_u(out, atomic_load(&be->cnt.failed_conns));
	td_u(out, atomic_load(&be->cnt.failed_resp));
	td_u(out, atomic_load(&be->cnt.retries));
	td_u(out, atomic_load(&be->cnt.redispatches));
	sb_puts(out, "<td class=ac>");
	put_human_time(out, lastchg);
	sb_appendf(out, " %s</td><td class=ac>&nbsp;</td>", up ? "UP" : "DOWN");
	sb_appendf(out, "<td class=ac>%d/%d</td>", act ? wact : wbck, act ? uwact : uwbck);
	sb_appendf(out, "<td class=ac>%d</td><td class=ac>%d</td>", act, bck);
	sb_puts(out, "<td class=ac>&nbsp;</td>");
	td_u(out, atomic_load(&be->down_trans));
	sb_puts(out, "<td>");
	put_human_time(out, up ? 0 : lastchg);
	sb_puts(out, "</td><td></td></tr>\n");
}

static const char admin_select[] =
	"Choose the action to perform on the checked servers : <select name=action>"
	"<option value=\"\"></option>"
	"<option value=\"ready\">Set state to READY</option>"
	"<option value=\"drain\">Set state to DRAIN</option>"
	"<option value=\"maint\">Set state to MAINT</option>"
	"</select>";

static void proxy_html(const struct pxconf *c, const struct proxy *px, bool admin,
		       const struct stats_opts *o, struct strbuf *out)
{
	bool with_form = admin && (px->cap & PX_CAP_BE) && px->nservers > 0;

	if (with_form) {
		sb_puts(out, "<form method=\"post\" action=\"");
		put_html(out, o->base);
		sb_puts(out, "\">\n");
	}
	sb_puts(out, "<table class=\"tbl\" width=\"100%\">\n<tr class=\"titre\">"
		"<th class=\"pxname\" width=\"10%\"><a name=\"");
	put_html(out, px->id);
	sb_puts(out, "\"></a><a class=px href=\"#");
	put_html(out, px->id);
	sb_puts(out, "\">");
	put_html(out, px->id);
	sb_puts(out, "</a></th><th class=\"empty\" width=\"90%\"></th></tr>\n</table>\n");
	sb_puts(out, "<table class=\"tbl\" width=\"100%\">\n");
	if (with_form)
		sb_puts(out, "<tr class=\"titre\"><th rowspan=2 width=1></th>");
	else
		sb_puts(out, "<tr class=\"titre\">");
	/* table_head starts with its own "<tr class=\"titre\">": skip it. */
	sb_puts(out, table_head + strlen("<tr class=\"titre\">"));

	if (px->cap & PX_CAP_FE)
		frontend_html_row(c, px, with_form, out);
	if (px->cap & PX_CAP_BE) {
		px_lock(px);
		for (int i = 0; i < px->nservers; i++) {
			const struct server *srv = px->servers[i];

			if (o->up_only && !server_shown_up(srv))
				continue;
			server_html_row(c, srv, with_form, out);
		}
		backend_html_row(c, px, with_form, out);
		px_unlock(px);
	}
	sb_puts(out, "</table>\n");
	if (with_form) {
		sb_puts(out, admin_select);
		sb_appendf(out, "<input type=\"hidden\" name=\"b\" value=\"#%d\">"
			   "&nbsp;<input type=\"submit\" value=\"Apply\"></form>\n", px->uuid);
	}
	sb_puts(out, "<p>\n");
}

int stats_http_page(const struct pxconf *c, const struct proxy *px, const char *uri,
		    size_t urilen, bool admin, struct strbuf *body,
		    const char **content_type, int *status)
{
	struct stats_opts o;

	parse_opts(uri, urilen, &o);
	*status = 200;
	if (o.csv) {
		*content_type = "text/plain";
		stats_show_stat(c, body);
		return 0;
	}
	*content_type = "text/html";
	page_header(c, px, &o, body);
	for (int i = 0; i < c->nproxies; i++)
		proxy_html(c, c->proxies[i], admin, &o, body);
	sb_puts(body, "</body></html>\n");
	return 0;
}

/* ---- admin form ---- */

static const char *const st_names[] = {
	[STATS_ST_NONE] = "NONE", [STATS_ST_DONE] = "DONE", [STATS_ST_PART] = "PART",
	[STATS_ST_ERRP] = "ERRP", [STATS_ST_EXCD] = "EXCD", [STATS_ST_DENY] = "DENY",
	[STATS_ST_UNKN] = "UNKN",
};

const char *stats_admin_st_name(int st)
{
	if (st < 0 || st > STATS_ST_UNKN)
		return "UNKN";
	return st_names[st];
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* x-www-form-urlencoded value p[0..len) into out (NUL-terminated);
 * false if it does not fit. */
static bool form_decode(const char *p, size_t len, char *out, size_t outlen)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		char ch = p[i];

		if (ch == '+') {
			ch = ' ';
		} else if (ch == '%' && i + 2 < len && hexval(p[i + 1]) >= 0 &&
			   hexval(p[i + 2]) >= 0) {
			ch = (char)(hexval(p[i + 1]) * 16 + hexval(p[i + 2]));
			i += 2;
		}
		if (o + 1 >= outlen)
			return false;
		out[o++] = ch;
	}
	out[o] = 0;
	return true;
}

#define STATS_ADMIN_MAX_SRV 256

int stats_http_admin(const struct pxconf *c, const char *body, size_t len,
		     struct strbuf *msg)
{
	char action[128] = "", backend[128] = "", err[256];
	char (*names)[128] = NULL;
	int nnames = 0, done = 0, failed = 0, ret;
	struct proxy *be = NULL;

	if (len > 16384) {
		sb_puts(msg, "form too large");
		return STATS_ST_EXCD;
	}
	names = xcalloc(STATS_ADMIN_MAX_SRV, sizeof(*names));
	for (size_t i = 0; i < len; ) {
		size_t j = i, eq;
		char val[128];

		while (j < len && body[j] != '&')
			j++;
		eq = i;
		while (eq < j && body[eq] != '=')
			eq++;
		if (eq < j && form_decode(body + eq + 1, j - eq - 1, val, sizeof(val))) {
			size_t klen = eq - i;

			if (klen == 1 && body[i] == 's' && nnames < STATS_ADMIN_MAX_SRV)
				snprintf(names[nnames++], sizeof(names[0]), "%s", val);
			else if (klen == 6 && !memcmp(body + i, "action", 6))
				snprintf(action, sizeof(action), "%s", val);
			else if (klen == 1 && body[i] == 'b')
				snprintf(backend, sizeof(backend), "%s", val);
		}
		i = j + 1;
	}

	if (backend[0] == '#') {
		int iid = atoi(backend + 1);

		for (int i = 0; i < c->nproxies; i++)
			if (c->proxies[i]->uuid == iid && (c->proxies[i]->cap & PX_CAP_BE))
				be = c->proxies[i];
	} else if (backend[0]) {
		be = pxconf_find_proxy(c, backend, PX_CAP_BE);
	}
	if (!be || !action[0]) {
		sb_puts(msg, !be ? "no such backend" : "no action");
		ret = STATS_ST_ERRP;
		goto out;
	}
	if (strcmp(action, "ready") && strcmp(action, "drain") && strcmp(action, "maint")) {
		sb_appendf(msg, "action '%s' is not supported", action);
		ret = STATS_ST_UNKN;
		goto out;
	}
	for (int i = 0; i < nnames; i++) {
		struct server *srv = proxy_find_server(be, names[i]);

		if (!srv) {
			sb_appendf(msg, "%sno server '%s' in backend '%s'", failed + done ? "; " : "",
				   names[i], be->id);
			failed++;
			continue;
		}
		if (server_set_admin(srv, action, err, sizeof(err)) != 0) {
			sb_appendf(msg, "%s%s/%s: %s", failed + done ? "; " : "", be->id, srv->id, err);
			failed++;
			continue;
		}
		done++;
	}
	if (done == 0 && failed == 0) {
		sb_puts(msg, "no server selected");
		ret = STATS_ST_NONE;
	} else if (failed == 0) {
		sb_appendf(msg, "%s applied to %d server%s of '%s'", action, done,
			   done > 1 ? "s" : "", be->id);
		ret = STATS_ST_DONE;
	} else {
		ret = done ? STATS_ST_PART : STATS_ST_NONE;
	}
out:
	free(names);
	return ret;
}
