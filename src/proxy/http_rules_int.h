/* http_rules_int: the configuration of a `mode http` proxy's rules, kept
 * behind px->http.rules. Internal to http_rules.c, http_reply.c,
 * http_cookie.c and cfgparse-http.c.
 */
#ifndef VIGIL_HTTP_RULES_INT_H
#define VIGIL_HTTP_RULES_INT_H

#include "proxy/compress.h"
#include "proxy/http_rules.h"
#include "proxy/sample.h"

#include <regex.h>

struct acl_cond;

enum http_act {
	HA_ALLOW, HA_DENY, HA_TARPIT, HA_REDIRECT, HA_SET_HDR, HA_ADD_HDR, HA_DEL_HDR,
	HA_REPLACE_HDR, HA_REPLACE_VAL, HA_SET_PATH, HA_SET_QUERY, HA_SET_URI, HA_SET_VAR,
	HA_UNSET_VAR, HA_RETURN, HA_AUTH, HA_USE_SERVICE, HA_TRACK_SC, HA_SET_LOG_LEVEL,
	HA_SET_STATUS, HA_SET_METHOD, HA_CACHE_USE, HA_CACHE_STORE, HA_STRICT_MODE,
	HA_REJECT, HA_SILENT_DROP, HA_REPLACE_PATH, HA_REPLACE_URI, HA_CAPTURE,
};

enum redirect_type { RDR_LOCATION, RDR_PREFIX, RDR_SCHEME };

struct http_redirect {
	enum redirect_type type;
	struct http_fmt *target;
	int code;                  /* 301, 302 (default), 303, 307, 308 */
	bool drop_query, append_slash;
	char *cookie;              /* "NAME=value; path=/;" for set/clear-cookie, or NULL */
};

struct http_hdr_fmt {
	char *name;                /* from malloc() */
	struct http_fmt *value;
};

struct http_rule {
	enum http_act act;
	struct acl_cond *cond;     /* NULL = always */
	char *name;                /* header or variable name; from malloc() */
	struct http_fmt *fmt;      /* header value, path, uri...; set-var expression: */
	struct sample_expr *expr;  /* set-var, track-sc key */
	regex_t re;                /* replace-header / replace-value */
	bool has_re;
	int status;                /* deny_status, return status, set-status;
				      strict-mode: 1 on, 0 off */
	char *reason;              /* set-status reason */
	char *content_type;        /* return */
	char *body;                /* return string/file; from malloc() */
	size_t body_len;
	bool body_is_errorfile;    /* return ... errorfile: body is a whole response */
	struct http_errmsg *errmsg; /* return/deny ... errorfile F | errorfiles S:
				      the whole response; from malloc() or NULL */
	char *errfiles_name;       /* errorfiles S, until resolved after parsing */
	struct http_hdr_fmt *hdrs; /* return ... hdr N V */
	int nhdrs;
	char *realm;               /* auth */
	int sc;                    /* track-sc0/1/2; capture: slot */
	char *table_name;          /* track-sc ... table T, or NULL */
	struct proxy *table_px;    /* resolved */
	struct cache *cache;       /* cache-use / cache-store NAME (in name), resolved */
	struct http_redirect rdr;
	int log_level;
	const char *file;
	int line;
};

/* `errorfile` / `errorloc302|303` / `http-error` for one status. */
struct http_errmsg {
	int status;                /* the code it replaces */
	int reason_status;         /* the status sent (the file's, or 302/303) */
	char *head;                /* header lines "name: value\r\n" (lowercase names) */
	char *body;                /* from malloc() */
	size_t body_len;
	char *content_type;        /* or NULL */
	char *lf;                  /* http-error lf-string / lf-file: the body
				      as a log-format, evaluated for each
				      reply (the source text: messages are
				      copied to every proxy that inherits
				      them); NULL: body as it is */
	struct http_fmt *fmt;      /* lf parsed for the proxy holding this copy
				      (cfg_http_errors_resolve()); not copied */
	bool head_lf;              /* http-error: `head` is a log-format (some
				      hdr value fetches), parsed into head_fmt
				      as lf is into fmt */
	struct http_fmt *head_fmt;
	bool hdrs_first;           /* http-error: `head` holds only its hdr lines
				      (sent before content-length) and
				      content_type goes after, as HAProxy does */
	bool builtin;              /* http-error ... default-errorfiles: the
				      built-in page (hides earlier entries) */
	/* `errorfiles NAME [CODE...]` before it is resolved after parsing:
	 * the section's messages for those codes (all when ncodes == 0) take
	 * this entry's place. Unused once resolved. */
	char *ref;                 /* from malloc() or NULL */
	int *ref_codes;            /* from malloc() */
	int nref_codes;
	const char *file;
	int line;
};

/* Copy a message (every string duplicated). */
void http_errmsg_copy(struct http_errmsg *dst, const struct http_errmsg *src);
void http_errmsg_release(struct http_errmsg *m);

/* CK_PASSIVE: `cookie NAME` alone: the request's cookie picks the server,
 * nothing is changed in responses. */
enum cookie_mode { CK_NONE, CK_INSERT, CK_REWRITE, CK_PREFIX, CK_PASSIVE };

/* A capture slot, in declaration order: `capture request|response header
 * NAME len N` (name set), or `declare capture`/`http-request capture ...
 * len N` (name NULL: filled by http-request/response capture rules). */
struct http_capture {
	char *name;                /* from malloc(), or NULL */
	int len;
};

struct http_rules {
	struct http_rule *req;     /* http-request, in order */
	int nreq;
	struct http_rule *rsp;     /* http-response */
	int nrsp;
	struct http_rule *after;   /* http-after-response */
	int nafter;
	struct http_rule *redirects; /* `redirect` (act HA_REDIRECT) */
	int nredirects;
	struct http_fmt **switch_fmt; /* per px->switch_rules entry: NULL when static */
	int nswitch_fmt;
	/* cookie persistence */
	enum cookie_mode ck_mode;
	char *ck_name, *ck_domain;
	bool ck_indirect, ck_nocache, ck_preserve, ck_httponly, ck_secure;
	/* error messages replacing the built-in pages */
	struct http_errmsg *errs;
	int nerrs;
	struct http_capture req_caps[8], rsp_caps[8];
	int nreq_caps, nrsp_caps;
	struct pxconf *conf;       /* for use_backend formats; set after parsing */
	struct comp_cfg comp;      /* `compression` (compress.h) */
	/* the log-format's %[...] expressions, in order (http_log.c), owned */
	struct sample_expr **log_exprs;
	int nlog_exprs;
};

/* Get (creating) the rules of px. */
struct http_rules *http_rules_of(struct proxy *px);
void http_rule_release(struct http_rule *r);
const char *http_reason(int status);
/* Fill `r` with a rule-generated response (status + reply), honouring the
 * proxy's errorfiles. */
void http_reply_from_msg(const struct http_errmsg *m, int status, struct http_txn *txn,
			 struct http_reply *r);
const struct http_errmsg *http_errmsg_find(const struct proxy *px, int status);

#endif
