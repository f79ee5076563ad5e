/* stats_http: the statistics page served at `stats uri` (HTML for people,
 * ";csv" for scripts) and its admin form (`stats admin if COND`).
 *
 * The page looks like HAProxy 2.6's: one table per proxy with its
 * frontend, servers and backend rows, coloured by server state. The CSV
 * is `show stat`'s, byte for byte.
 */
#ifndef VIGIL_STATS_HTTP_H
#define VIGIL_STATS_HTTP_H

#include "lib/strbuf.h"
#include "proxy/proxy.h"

#include <stdbool.h>
#include <stddef.h>

/* Build the answer for request target `uri` (uri[0..urilen), path and
 * query as received, e.g. "/haproxy?stats;csv;norefresh") served by proxy
 * `px`, whose `stats` settings apply. Options after the stats URI, as
 * HAProxy: ";csv" (CSV), ";norefresh", ";up" (only servers that are up),
 * ";st=RESULT" (banner after an admin action). `admin` shows the admin
 * check boxes and form (the caller evaluated `stats admin if COND`).
 * Appends the body to `body`, sets *content_type to a static string and
 * *status to the HTTP status (200). Returns 0. */
int stats_http_page(const struct pxconf *c, const struct proxy *px, const char *uri,
		    size_t urilen, bool admin, struct strbuf *body,
		    const char **content_type, int *status);

/* Results of an admin action, shown by the page after the redirect as
 * HAProxy's ";st=" option values. */
enum stats_admin_st {
	STATS_ST_NONE,   /* "NONE": nothing to do */
	STATS_ST_DONE,   /* "DONE": applied to every server */
	STATS_ST_PART,   /* "PART": applied to some servers */
	STATS_ST_ERRP,   /* "ERRP": bad form (no backend, no action) */
	STATS_ST_EXCD,   /* "EXCD": form too large */
	STATS_ST_DENY,   /* "DENY": not allowed (caller's decision) */
	STATS_ST_UNKN,   /* "UNKN": action not supported */
};

/* Apply the admin form POSTed by the page: "s=NAME&s=...&action=ACT&b=#IID"
 * (application/x-www-form-urlencoded), ACT one of ready, drain, maint
 * (server_set_admin()); HAProxy's other actions (dhlth, ehlth, hrunn,
 * hnolb, hdown, dagent, eagent, arunn, adown, shutdown) answer UNKN.
 * Returns an enum stats_admin_st and appends a human message to `msg`.
 * The caller answers 303 with "Location: <uri>;st=<stats_admin_st_name()>". */
int stats_http_admin(const struct pxconf *c, const char *body, size_t len,
		     struct strbuf *msg);
const char *stats_admin_st_name(int st);

#endif
