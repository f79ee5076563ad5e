/* sample: fetches and converters of HAProxy's sample expressions, as used
 * in `%[...]` formats, ACL criteria and track-sc keys.
 *
 *   FETCH[(ARG[,ARG])][,CONV[(ARG[,ARG])]]...
 *
 * Fetches: req.hdr(NAME[,OCC]), hdr(NAME[,OCC]), req.hdr_cnt(NAME),
 * res.hdr(NAME[,OCC]), req.cook(NAME), path, url, base, method, query,
 * url_param(NAME), status, src, dst, src_port, dst_port, ssl_fc,
 * http_auth(USERLIST), http_auth_group(USERLIST), var(txn.NAME),
 * sc_*(N[,TABLE]) / scN_* / src_*([TABLE]) counters (stick_counters.h),
 * always_true, always_false, str(S), int(N).
 * Converters: lower, upper, map*(FILE[,DEFAULT]), field(N,DELIM),
 * word(N,DELIM), base64, regsub(RE,SUBST[,g]).
 *
 * Evaluation never allocates: results live in a struct smp.
 */
#ifndef VIGIL_SAMPLE_H
#define VIGIL_SAMPLE_H

#include "lib/strbuf.h"

#include <stdbool.h>
#include <stddef.h>

struct http_txn;
struct proxy;
struct pxconf;
struct sample_expr;
struct sockaddr;
struct userlist;

#define SMP_BUFSIZE 2048

/* One evaluated sample: a string (p, len) or an integer. */
struct smp {
	const char *p;
	size_t len;
	long long num;
	bool is_int;
	bool is_ip;                /* src/dst: `sa` is valid */
	const struct sockaddr *sa;
	char buf[SMP_BUFSIZE];     /* storage for computed strings */
};

/* Kinds of fetch, as ACL matching needs to know them. */
enum smp_type { SMP_T_STR, SMP_T_INT, SMP_T_IP, SMP_T_BOOL };

/* Parse `s` (a whole expression). `px` is the proxy the expression is
 * declared in (default stick table, userlists). NULL with a message. */
struct sample_expr *sample_expr_parse(struct proxy *px, const char *s, char *err, size_t errlen);
void sample_expr_free(struct sample_expr *e);
/* The fetch's name ("req.hdr") and output type; whether it returns
 * several values (headers: ACLs try each occurrence). */
const char *sample_expr_fetch_name(const struct sample_expr *e);
enum smp_type sample_expr_type(const struct sample_expr *e);
bool sample_expr_multi(const struct sample_expr *e);
/* True if the fetch needs an HTTP transaction (not usable in TCP). */
bool sample_expr_is_http(const struct sample_expr *e);
/* http_auth_group(L): its userlist once resolved, or NULL. */
const struct userlist *sample_expr_userlist(const struct sample_expr *e);
/* The stick-table key of a sample: 4 bytes for IPv4 addresses, 16 for
 * IPv6, the string otherwise. Returns its length. */
size_t sample_key(const struct smp *s, unsigned char *key, size_t keymax);
/* True when the name is a known fetch. */
bool sample_fetch_known(const char *name);

/* Evaluate; `occ` (1-based) selects the occurrence for multi-valued
 * fetches without an explicit one (0 = the fetch's default). `txn` may be
 * NULL for connection-level fetches (then src/dst come from the args).
 * False when the sample does not exist. */
bool sample_eval(const struct sample_expr *e, struct http_txn *txn, int occ, struct smp *out);

/* Resolve references by name (stick tables, userlists) once every proxy
 * is known. Returns the number of errors, reported through `report`. */
int sample_resolve_all(struct pxconf *c, void (*report)(void *ctx, const char *msg), void *ctx);

/* Log-format strings: literal text and %[expr] blocks (other %-variables
 * are kept as literal text). */
struct http_fmt;
struct http_fmt *http_fmt_parse(struct proxy *px, const char *s, char *err, size_t errlen);
void http_fmt_eval(const struct http_fmt *f, struct http_txn *txn, struct strbuf *out);
bool http_fmt_is_const(const struct http_fmt *f);
void http_fmt_free(struct http_fmt *f);

#endif
