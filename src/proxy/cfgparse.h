/* cfgparse: read HAProxy-compatible configuration files into a pxconf.
 *
 * The parser works in two phases, as HAProxy does: every line is parsed
 * and checked on its own (errors name FILE:LINE), then the "post-parse"
 * phase resolves references between sections (default_backend,
 * use_backend) and checks what needs the whole picture (missing
 * timeouts, check ports). Parsing goes on after an error so one run
 * reports them all; any error makes the result NULL.
 *
 * Messages use HAProxy's format:
 *   [ALERT]    (PID) : config : parsing [FILE:LINE] : unknown keyword ...
 *   [WARNING]  (PID) : config : parsing [FILE:LINE] : ...
 *
 * The module is split by section: cfgparse.c (files, sections, defaults,
 * post-parse), cfgparse-global.c, cfgparse-proxy.c, cfgparse-server.c.
 * The second half of this header is internal to those files.
 */
#ifndef VIGIL_CFGPARSE_H
#define VIGIL_CFGPARSE_H

#include "lib/strbuf.h"
#include "proxy/proxy.h"

#include <stddef.h>

/* Parse the files in order into a new pxconf (a directory stands for every
 * *.cfg file inside it, sorted). Messages go to stderr; *nwarnings (may be
 * NULL) gets the warning count. Returns NULL on any error. The caller frees
 * the result with pxconf_free(). */
struct pxconf *cfg_parse_files(char *const *paths, int npaths, int *nwarnings);

/* Same, from memory; messages are appended to `msgs` when it is not NULL
 * (and go to stderr otherwise). */
struct pxconf *cfg_parse_mem(const char *name, const char *data, size_t len,
			     struct strbuf *msgs, int *nwarnings);
/* Same, never resolving host names (numeric addresses only): what a fuzzer
 * needs, so that no input sends DNS queries. */
struct pxconf *cfg_parse_mem_offline(const char *name, const char *data, size_t len,
				     struct strbuf *msgs, int *nwarnings);

/* ------------------------------------------------------------------------
 * Internal to cfgparse*.c
 * ------------------------------------------------------------------------ */

/* Sections a keyword is allowed in. */
#define CFG_S_GLOBAL   0x01
#define CFG_S_DEFAULTS 0x02
#define CFG_S_FE       0x04  /* frontend */
#define CFG_S_BE       0x08  /* backend */
#define CFG_S_LISTEN   0x10
#define CFG_S_PX       (CFG_S_DEFAULTS | CFG_S_FE | CFG_S_BE | CFG_S_LISTEN)
#define CFG_S_FEX      (CFG_S_DEFAULTS | CFG_S_FE | CFG_S_LISTEN) /* frontend side */
#define CFG_S_BEX      (CFG_S_DEFAULTS | CFG_S_BE | CFG_S_LISTEN) /* backend side */

/* Keyword handler results: the handler writes its message into err and
 * the dispatcher adds "parsing [FILE:LINE] : ". */
#define CFG_OK    0
#define CFG_WARN  1
#define CFG_ERR   2

struct cfgparse;
struct cfg_kw;

typedef int (*cfg_kw_fn)(struct cfgparse *p, char **args, int argc,
			 const struct cfg_kw *kw, char *err, size_t errlen);

/* Typed setters: the value goes at `off` in the section's object (the
 * px_global for global, the proxy otherwise), bounded by [min, max]. */
enum cfg_kw_type { CFG_T_FN, CFG_T_INT, CFG_T_TIME, CFG_T_SIZE, CFG_T_FLAG, CFG_T_STR };

struct cfg_kw {
	const char *name;
	unsigned sections;        /* CFG_S_* */
	enum cfg_kw_type type;
	cfg_kw_fn fn;             /* CFG_T_FN */
	size_t off;
	long long min, max;
};

/* One `log` line, kept until the end to be turned into targets. */
struct cfg_logspec {
	bool global;              /* `log global` */
	char *addr;               /* from malloc(); NULL for stdout/stderr */
	int facility, level;
	const char *file;
	int line;
};

/* Parse state of one proxy or defaults section. */
struct cfg_pxstate {
	struct proxy *px;
	struct server defsrv;     /* default-server template */
	struct cfg_logspec *logs;
	int nlogs;
	bool mode_explicit;       /* `mode` written in this section */
	bool rules_inherited;     /* check.rules came from defaults */
	bool http_send_line;      /* `http-check send` seen */
	int http_send_lineno;
	const char *http_send_file;
	bool tcpchk_rules;        /* `tcp-check` rules seen */
	char **http_only;         /* HTTP-only keywords seen, for the warning */
	int nhttp_only;
	bool is_defaults;
	char *defaults_name;      /* defaults only; from malloc() */
	const char *httplog_file; /* `option httplog` seen here (NULL: not) */
	int httplog_line;
};

struct cfgparse {
	struct pxconf *conf;
	bool no_resolve;          /* host names are errors (no DNS) */
	struct strbuf *msgs;      /* NULL: stderr */
	int nerr, nwarn;
	int file_nerr;
	const char *file;         /* current position */
	int line;

	enum { SEC_NONE, SEC_GLOBAL, SEC_DEFAULTS, SEC_PROXY, SEC_SKIP, SEC_BAD, SEC_USERLIST,
	       SEC_HTTP_ERRORS, SEC_CACHE } sec;
	struct userlist *cur_ul;   /* SEC_USERLIST: the section being read */
	struct cfg_http_errors *http_errors;     /* `http-errors` sections (cfgparse-http.c) */
	struct cfg_http_errors *cur_http_errors; /* SEC_HTTP_ERRORS: the one being read */
	const char *sec_name;     /* "frontend", ... */
	unsigned sec_bit;         /* CFG_S_* of the current section */
	struct cfg_pxstate *cur;  /* current proxy or defaults */

	struct cfg_pxstate **states; /* one per proxy, same order as conf->proxies */
	struct cfg_pxstate **defs;   /* every defaults section */
	int ndefs;
	struct cfg_pxstate *last_defs; /* implicit defaults for new proxies */
	struct cfg_logspec *glogs;   /* global `log` lines */
	int nglogs;
};

/* Messages. cfg_alert/cfg_warn prefix "parsing [FILE:LINE] : "; the
 * _raw variants print the text as is. */
void cfg_alert(struct cfgparse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cfg_warn(struct cfgparse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cfg_alert_raw(struct cfgparse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cfg_warn_raw(struct cfgparse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Run the keyword `args[0]` of `table` (NULL-name terminated) with the
 * typed setter or handler; reports unknown keywords with a suggestion.
 * `obj` is the base of typed setters. Returns CFG_OK/WARN/ERR. */
int cfg_dispatch(struct cfgparse *p, const struct cfg_kw *table, void *obj,
		 char **args, int argc);
/* Set a typed keyword's value from `val` (messages like HAProxy's). */
int cfg_set_typed(const struct cfg_kw *kw, void *obj, const char *val, char *err, size_t errlen);

/* Section keyword tables and their helpers. */
extern const struct cfg_kw cfg_global_kws[];
extern const struct cfg_kw cfg_proxy_kws[];
int cfg_parse_global_line(struct cfgparse *p, char **args, int argc);
int cfg_parse_log(struct cfgparse *p, char **args, int argc, struct cfg_logspec **logs,
		  int *nlogs, bool allow_global, char *err, size_t errlen);
void cfg_logspecs_free(struct cfg_logspec *logs, int n);

/* Servers (cfgparse-server.c). */
int cfg_parse_server(struct cfgparse *p, char **args, int argc, bool is_default,
		     char *err, size_t errlen);
void cfg_server_defaults(struct server *s);
void cfg_server_copy_template(struct server *dst, const struct server *tmpl);

/* Checks configuration helpers (cfgparse-proxy.c). */
void cfg_check_copy(struct check_cfg *dst, const struct check_cfg *src);
void cfg_check_free(struct check_cfg *c);

/* HTTP keywords and the userlist section (cfgparse-http.c,
 * cfgparse-http-settings.c). */
struct userlist;
int cfg_kw_errorfile(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw, char *err, size_t errlen);
int cfg_kw_http_rule(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw, char *err, size_t errlen);
int cfg_kw_redirect(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw, char *err, size_t errlen);
int cfg_kw_stats(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw, char *err, size_t errlen);
int cfg_kw_monitor_uri(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw, char *err, size_t errlen);
int cfg_kw_http_reuse(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw, char *err, size_t errlen);
int cfg_kw_log_format(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw, char *err, size_t errlen);
int cfg_kw_compression(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw, char *err, size_t errlen);
int cfg_kw_cookie(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw, char *err, size_t errlen);
int cfg_kw_declare(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw, char *err, size_t errlen);
int cfg_kw_capture(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw, char *err, size_t errlen);
int cfg_kw_http_ignored(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw, char *err, size_t errlen);
int cfg_kw_http_unsupported(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw, char *err, size_t errlen);
/* `option NAME` of the HTTP layer (forwardfor, http-keep-alive, ...). */
int cfg_http_option(struct cfgparse *p, const char *name, char **args, int argc, bool no, char *err, size_t errlen);
/* balance uri|url_param|hdr()|random; 1 when args[1] is none of them. */
int cfg_balance_http(struct cfgparse *p, char **args, int argc, char *err, size_t errlen);
/* What a defaults section passes on to a proxy in px->http & co. */
void cfg_http_inherit(struct proxy *dst, const struct proxy *src);
/* use_backend with a %[...] format, for rule `idx` of px->switch_rules. */
int cfg_use_backend_fmt(struct cfgparse *p, int idx, const char *name, char *err, size_t errlen);
bool cfg_use_backend_is_fmt(const struct proxy *px, int idx);
/* After parsing: stick tables and userlists named by rules. */
void cfg_http_post_parse(struct cfgparse *p);
int cfg_userlist_line(struct cfgparse *p, struct userlist *ul, char **args, int argc);
/* `http-errors NAME` sections and the `errorfiles` / `... errorfiles NAME`
 * references to them, resolved after parsing (cfgparse-http.c). */
struct cfg_http_errors;
int cfg_http_errors_section(struct cfgparse *p, char **args, int argc);
int cfg_http_errors_line(struct cfgparse *p, char **args, int argc);
void cfg_http_errors_resolve(struct cfgparse *p);
void cfg_http_errors_free(struct cfgparse *p);
/* An errorfile's contents (a whole HTTP response) into `m` (strings from
 * malloc(), released with http_errmsg_release()); 0, or -EINVAL with
 * HAProxy's "'FILE': unable to parse headers (error offset: N)". */
struct http_errmsg;
int cfg_errorfile_parse(const char *data, size_t len, struct http_errmsg *m, char *err, size_t errlen,
			const char *path);
int cfg_kw_http_error(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw, char *err, size_t errlen);

/* "frontend", "backend" or "proxy" (listen), as in HAProxy's messages. */
const char *cfg_proxy_kind(const struct proxy *px);
bool cfg_proxy_is_http(const struct cfgparse *p);
/* Remember an HTTP-only keyword of the current proxy: a TCP proxy gets a
 * warning naming it at the end of its section. */
void cfg_note_http_only(struct cfgparse *p, const char *kw);

#endif
