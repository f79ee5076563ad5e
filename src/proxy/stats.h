/* stats: the text outputs of the runtime API (`show info`, `show stat`,
 * `show servers state`), built from a pxconf into a strbuf.
 *
 * Formats follow HAProxy 2.6 byte for byte where a field exists in Vigil, so
 * tools written for HAProxy (monitoring agents, state-file savers) read
 * them unchanged. Fields Vigil does not track are printed as HAProxy prints
 * an unused counter (0) or left empty where HAProxy leaves them empty.
 * Readers take each backend's lock while they look at its servers.
 */
#ifndef VIGIL_STATS_H
#define VIGIL_STATS_H

#include "lib/strbuf.h"
#include "proxy/proxy.h"

#include <stdbool.h>

#ifndef VIGIL_VERSION
#define VIGIL_VERSION "0.1.0"
#endif
#ifndef VIGIL_RELEASE_DATE
#define VIGIL_RELEASE_DATE "2025/01/01"
#endif

/* `show stat` type filter bits, as HAProxy: 1 frontends, 2 backends,
 * 4 servers. */
#define STATS_TYPE_FE  0x1
#define STATS_TYPE_BE  0x2
#define STATS_TYPE_SV  0x4
#define STATS_TYPE_ALL (STATS_TYPE_FE | STATS_TYPE_BE | STATS_TYPE_SV)

/* Which rows `show stat` prints. */
struct stats_filter {
	int iid;                   /* proxy uuid; -1 = every proxy */
	unsigned types;            /* STATS_TYPE_* */
	int sid;                   /* server puid; -1 = every server */
	bool hide_addr;            /* leave `addr` empty (user level, as HAProxy) */
};

/* "Name: value" lines, HAProxy's `show info` keys in HAProxy's order. */
void stats_show_info(const struct pxconf *c, struct strbuf *out);

/* The CSV header line ("# pxname,svname,...") and one row per frontend,
 * server and backend. */
void stats_show_stat(const struct pxconf *c, struct strbuf *out);
void stats_show_stat_filtered(const struct pxconf *c, const struct stats_filter *f,
			      struct strbuf *out);

/* "1\n# be_id be_name ...\n" then one line per server of `backend`
 * (NULL = every backend). The caller checks that the backend exists. */
void stats_show_servers_state(const struct pxconf *c, const char *backend,
			      struct strbuf *out);

/* The session limit shown for a backend: `fullconn`, or HAProxy's default
 * (10% of the maxconn of the frontends that can reach it, at least 1). */
int stats_backend_fullconn(const struct pxconf *c, const struct proxy *be);

/* HAProxy's numeric healthcheck status (srv_check_status column). */
int stats_hchk_code(enum check_status s);

#endif
