/* http_log: HAProxy's log-format language (see http_log.h).
 *
 * A format is read left to right, as HAProxy's parse_logformat_string()
 * does: `%%` is a '%', `%{opts}name` or `%name` a variable (letters
 * only), `%[expr]` a sample expression, a run of spaces one separator, and
 * anything else literal text. A separator prints one space, and only when
 * the last thing printed was not already a separator, so a variable that
 * prints nothing (%hr without captures) does not leave a double space.
 * The same walker serves the check (out == NULL) and the output.
 */
#include "proxy/http_log.h"

#include <time.h>

#include "proxy/http_rules_int.h"
#include "proxy/sample.h"
#include "lib/addr.h"
#include "lib/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum lf_var {
	LF_CI, LF_CP, LF_FI, LF_FP, LF_FT, LF_F, LF_B, LF_S, LF_SI, LF_SP,
	LF_T_ACC, LF_TR_DATE, LF_TRG, LF_TRL, LF_T_GMT, LF_TL, LF_TS_SEC, LF_MS,
	LF_TA, LF_TC, LF_TD, LF_TH, LF_TI, LF_TQ, LF_TR, LF_TRS, LF_TT, LF_TW,
	LF_ST, LF_BYTES, LF_UP, LF_CC, LF_CS, LF_HR, LF_HRL, LF_HS, LF_HSL,
	LF_REQ, LF_HM, LF_HU, LF_HP, LF_HPO, LF_HQ, LF_HV,
	LF_AC, LF_FC, LF_BC, LF_SC, LF_RC, LF_SQ, LF_BQ, LF_TSTATE, LF_TSC,
	LF_PID, LF_ID, LF_HOST, LF_RT, LF_LC, LF_SAMPLE,
};

static const struct {
	const char *name;
	enum lf_var var;
} lf_vars[] = {
	{ "ci", LF_CI }, { "cp", LF_CP }, { "fi", LF_FI }, { "fp", LF_FP },
	{ "ft", LF_FT }, { "f", LF_F }, { "b", LF_B }, { "s", LF_S },
	{ "si", LF_SI }, { "sp", LF_SP }, { "bi", LF_SI }, { "bp", LF_SP },
	{ "t", LF_T_ACC }, { "tr", LF_TR_DATE }, { "trg", LF_TRG },
	{ "trl", LF_TRL }, { "T", LF_T_GMT }, { "Tl", LF_TL }, { "Ts", LF_TS_SEC },
	{ "ms", LF_MS }, { "Ta", LF_TA }, { "Tc", LF_TC }, { "Td", LF_TD },
	{ "Th", LF_TH }, { "Ti", LF_TI }, { "Tq", LF_TQ }, { "TR", LF_TR },
	{ "Tr", LF_TRS }, { "Tt", LF_TT }, { "Tw", LF_TW }, { "ST", LF_ST },
	{ "B", LF_BYTES }, { "U", LF_UP }, { "CC", LF_CC }, { "CS", LF_CS },
	{ "hr", LF_HR }, { "hrl", LF_HRL }, { "hs", LF_HS }, { "hsl", LF_HSL },
	{ "r", LF_REQ }, { "HM", LF_HM }, { "HU", LF_HU }, { "HP", LF_HP },
	{ "HPO", LF_HPO }, { "HQ", LF_HQ }, { "HV", LF_HV },
	{ "ac", LF_AC }, { "fc", LF_FC }, { "bc", LF_BC }, { "sc", LF_SC },
	{ "rc", LF_RC }, { "sq", LF_SQ }, { "bq", LF_BQ }, { "ts", LF_TSTATE },
	{ "tsc", LF_TSC }, { "pid", LF_PID }, { "ID", LF_ID }, { "H", LF_HOST },
	{ "rt", LF_RT }, { "lc", LF_LC },
};

#define LF_OPT_QUOTE 0x1   /* +Q */
#define LF_OPT_HEX   0x2   /* +X */

/* Output state: the line, and whether the last thing printed was a
 * separator (true at the start, so leading separators print nothing). */
struct lf_out {
	struct strbuf *sb;
	bool last_sep;
	const struct proxy *fe;
	const struct http_log_info *info;
	struct sample_expr *const *exprs; /* the format's %[...] blocks, in order */
	int nexprs, iexpr;
};

/* What the walker does with a %[...] block when it does not print: check
 * it against `px` (collect == NULL) or also keep it. */
struct lf_compile {
	struct proxy *px;
	struct sample_expr ***exprs;  /* OUT: grown with xrealloc() */
	int *nexprs;
};

static bool lf_lookup(const char *name, size_t len, enum lf_var *var)
{
	for (size_t i = 0; i < sizeof(lf_vars) / sizeof(lf_vars[0]); i++) {
		if (strlen(lf_vars[i].name) == len && memcmp(lf_vars[i].name, name, len) == 0) {
			*var = lf_vars[i].var;
			return true;
		}
	}
	return false;
}

/* ---- value printers ---- */

static void put_text(struct lf_out *o, const char *s, size_t len, unsigned opts)
{
	if (opts & LF_OPT_QUOTE)
		sb_puts(o->sb, "\"");
	if (s && len)
		sb_append(o->sb, s, len);
	else if (!(opts & LF_OPT_QUOTE))
		sb_puts(o->sb, "-");
	if (opts & LF_OPT_QUOTE)
		sb_puts(o->sb, "\"");
}

static void put_str(struct lf_out *o, const char *s, unsigned opts)
{
	put_text(o, s, s ? strlen(s) : 0, opts);
}

/* Numbers ignore +Q, as HAProxy prints them (%{+Q}ST is 404, unquoted). */
static void put_int(struct lf_out *o, long long v, unsigned opts)
{
	sb_appendf(o->sb, "%lld", v);
}

/* Addresses, ports, %Ts and %pid honour +X (upper-case hex) and +Q. */
static void put_num(struct lf_out *o, unsigned long long v, unsigned opts)
{
	char num[32];

	snprintf(num, sizeof(num), (opts & LF_OPT_HEX) ? "%llX" : "%llu", v);
	put_str(o, num, opts);
}

/* Like HAProxy's lf_encode_string() with url_encode_map: control
 * characters, bytes >= 127, '"' and '#' become "#XX". */
static void put_encoded(struct lf_out *o, const char *s, size_t len, unsigned opts)
{
	if (opts & LF_OPT_QUOTE)
		sb_puts(o->sb, "\"");
	if (!s || !len) {
		if (!(opts & LF_OPT_QUOTE))
			sb_puts(o->sb, "-");
	}
	for (size_t i = 0; s && i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 32 || ch >= 127 || ch == '"' || ch == '#')
			sb_appendf(o->sb, "#%02X", ch);
		else
			sb_append(o->sb, s + i, 1);
	}
	if (opts & LF_OPT_QUOTE)
		sb_puts(o->sb, "\"");
}

static void put_ip(struct lf_out *o, const struct sockaddr *sa, unsigned opts)
{
	char buf[INET6_ADDRSTRLEN];
	const char *s = NULL;

	if (sa && sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		if (opts & LF_OPT_HEX) {
			put_num(o, ntohl(sin->sin_addr.s_addr), opts);
			return;
		}
		s = inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof(buf));
	} else if (sa && sa->sa_family == AF_INET6) {
		s = inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr,
			      buf, sizeof(buf));
	} else if (sa && sa->sa_family == AF_UNIX) {
		s = "unix";
	}
	put_str(o, s, opts);
}

static void put_port(struct lf_out *o, const struct sockaddr *sa, unsigned opts)
{
	if (sa && sa->sa_family == AF_INET)
		put_num(o, ntohs(((const struct sockaddr_in *)sa)->sin_port), opts);
	else if (sa && sa->sa_family == AF_INET6)
		put_num(o, ntohs(((const struct sockaddr_in6 *)sa)->sin6_port), opts);
	else if (sa && sa->sa_family == AF_UNIX)
		put_str(o, "unix", opts);
	else
		put_str(o, NULL, opts);
}

static const char *const lf_months[12] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

/* "25/Nov/2026:10:00:00.123" (local time), or with `zone` the GMT or
 * local form "25/Nov/2026:10:00:00 +0000" without milliseconds. */
static void put_date(struct lf_out *o, const struct timespec *ts, bool gmt, bool zone,
		     unsigned opts)
{
	time_t t = ts->tv_sec;
	struct tm tm;
	char buf[64];
	long off;

	if (gmt)
		gmtime_r(&t, &tm);
	else
		localtime_r(&t, &tm);
	if (!zone) {
		snprintf(buf, sizeof(buf), "%02d/%s/%04d:%02d:%02d:%02d.%03ld",
			 tm.tm_mday, lf_months[tm.tm_mon], tm.tm_year + 1900,
			 tm.tm_hour, tm.tm_min, tm.tm_sec, ts->tv_nsec / 1000000);
	} else {
		off = gmt ? 0 : tm.tm_gmtoff / 60;
		snprintf(buf, sizeof(buf), "%02d/%s/%04d:%02d:%02d:%02d %c%02ld%02ld",
			 tm.tm_mday, lf_months[tm.tm_mon], tm.tm_year + 1900,
			 tm.tm_hour, tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+',
			 (off < 0 ? -off : off) / 60, (off < 0 ? -off : off) % 60);
	}
	put_str(o, buf, opts);
}

/* Part `n` (0 method, 1 URI, 2 version) of the request line. */
static bool req_part(const char *line, int n, const char **p, size_t *len)
{
	const char *s = line;

	if (!line)
		return false;
	for (int i = 0; ; i++) {
		const char *e;

		while (*s == ' ')
			s++;
		if (!*s)
			return false;
		e = s;
		while (*e && *e != ' ')
			e++;
		if (i == n) {
			*p = s;
			*len = (size_t)(e - s);
			return true;
		}
		s = e;
	}
}

static void put_req_part(struct lf_out *o, int part, unsigned opts, int which)
{
	const char *p = NULL, *q;
	size_t len = 0;

	if (!req_part(o->info->request_line, part, &p, &len)) {
		put_text(o, NULL, 0, opts);
		return;
	}
	if (which == 0) {                 /* whole part */
		put_encoded(o, p, len, opts);
		return;
	}
	q = memchr(p, '?', len);
	if (which == 1)                   /* path: before '?' */
		put_encoded(o, p, q ? (size_t)(q - p) : len, opts);
	else if (q)                       /* query: from '?' on */
		put_encoded(o, q, len - (size_t)(q - p), opts);
	else                              /* no query: nothing, as HAProxy */
		sb_puts(o->sb, (opts & LF_OPT_QUOTE) ? "\"\"" : "");
}

/* %hr / %hs: "{v1|v2}" (HAProxy's format, values encoded), %hrl / %hsl:
 * "v1 v2"; nothing at all when the proxy captures nothing. */
static bool put_captures(struct lf_out *o, enum lf_var v, unsigned opts)
{
	const struct http_txn *txn = o->info->txn;
	const struct http_rules *R = o->fe->http.rules;
	bool req = v == LF_HR || v == LF_HRL, list = v == LF_HRL || v == LF_HSL;
	int ncfg = R ? (req ? R->nreq_caps : R->nrsp_caps) : 0;
	int n = txn ? (req ? txn->ncaptures : txn->nrsp_captures) : 0;

	if (!ncfg)
		return false;
	if (opts & LF_OPT_QUOTE)
		sb_puts(o->sb, "\"");
	if (!list)
		sb_puts(o->sb, "{");
	for (int i = 0; i < ncfg; i++) {
		const struct http_str *c = i < n ? (req ? &txn->captures[i] : &txn->rsp_captures[i]) : NULL;

		if (i)
			sb_puts(o->sb, list ? " " : "|");
		if (c && c->len)
			put_encoded(o, c->p, c->len, 0);
		else if (list)
			sb_puts(o->sb, "-");
	}
	if (!list)
		sb_puts(o->sb, "}");
	if (opts & LF_OPT_QUOTE)
		sb_puts(o->sb, "\"");
	return true;
}

/* %[expr]: the next compiled expression, printed as text ("-" when the
 * sample does not exist, "" quoted), not encoded: HAProxy prints sample
 * strings as they are. */
static void put_sample(struct lf_out *o, unsigned opts)
{
	const struct sample_expr *e = o->iexpr < o->nexprs ? o->exprs[o->iexpr] : NULL;
	struct smp smp;

	o->iexpr++;
	/* the fetches allowed here read the transaction, never change it */
	if (!e || !sample_eval(e, (struct http_txn *)o->info->txn, 0, &smp)) {
		put_text(o, NULL, 0, opts);
		return;
	}
	put_text(o, smp.p, smp.len, opts);
}

static long sum_timers(const struct http_log_info *in)
{
	if (in->tr < 0 || in->tw < 0 || in->tc < 0 || in->trs < 0 || in->ta < 0)
		return -1;
	return in->ta - (in->tr + in->tw + in->tc + in->trs);
}

static void lf_emit_var(struct lf_out *o, enum lf_var v, unsigned opts)
{
	const struct http_log_info *in = o->info;
	const struct http_txn *txn = in->txn;
	const struct sockaddr *srv_sa = NULL;
	char host[256];

	if (txn && txn->srv && txn->srv->addr.len > 0)
		srv_sa = (const struct sockaddr *)&txn->srv->addr.ss;

	switch (v) {
	case LF_CI: put_ip(o, in->src, opts); break;
	case LF_CP: put_port(o, in->src, opts); break;
	case LF_FI: put_ip(o, txn ? txn->dst : NULL, opts); break;
	case LF_FP: put_port(o, txn ? txn->dst : NULL, opts); break;
	case LF_FT: case LF_F:
		put_str(o, in->fe ? in->fe : o->fe->id, opts);
		break;
	case LF_B:
		put_str(o, in->be ? in->be : (in->fe ? in->fe : o->fe->id), opts);
		break;
	case LF_S: put_str(o, in->srv ? in->srv : "<NOSRV>", opts); break;
	case LF_SI: put_ip(o, srv_sa, opts); break;
	case LF_SP: put_port(o, srv_sa, opts); break;
	case LF_T_ACC: case LF_TR_DATE:
		put_date(o, &in->accept_date, false, false, opts);
		break;
	case LF_TRG: case LF_T_GMT:
		put_date(o, &in->accept_date, true, true, opts);
		break;
	case LF_TRL: case LF_TL:
		put_date(o, &in->accept_date, false, true, opts);
		break;
	case LF_TS_SEC: put_num(o, (unsigned long long)in->accept_date.tv_sec, opts); break;
	case LF_MS:
		snprintf(host, sizeof(host), "%03ld", in->accept_date.tv_nsec / 1000000);
		put_str(o, host, opts);
		break;
	case LF_TA: case LF_TT: put_int(o, in->ta, opts); break;
	case LF_TC: put_int(o, in->tc, opts); break;
	case LF_TD: put_int(o, sum_timers(in), opts); break;
	case LF_TH: case LF_TI: put_int(o, 0, opts); break;
	case LF_TQ: case LF_TR: put_int(o, in->tr, opts); break;
	case LF_TRS: put_int(o, in->trs, opts); break;
	case LF_TW: put_int(o, in->tw, opts); break;
	case LF_ST: put_int(o, in->status, opts); break;
	case LF_BYTES: put_int(o, (long long)in->bytes_read, opts); break;
	case LF_UP: put_int(o, 0, opts); break;
	case LF_CC: case LF_CS: put_str(o, NULL, opts); break;
	case LF_HR: case LF_HRL: case LF_HS: case LF_HSL:
		if (!put_captures(o, v, opts))
			return;   /* no captures: nothing, not even a separator */
		break;
	case LF_REQ:
		put_encoded(o, in->request_line ? in->request_line : "<BADREQ>",
			    strlen(in->request_line ? in->request_line : "<BADREQ>"), opts);
		break;
	case LF_HM: put_req_part(o, 0, opts, 0); break;
	case LF_HU: put_req_part(o, 1, opts, 0); break;
	case LF_HP: case LF_HPO: put_req_part(o, 1, opts, 1); break;
	case LF_HQ: put_req_part(o, 1, opts, 2); break;
	case LF_HV: put_req_part(o, 2, opts, 0); break;
	case LF_AC: put_int(o, in->actconn, opts); break;
	case LF_FC: put_int(o, in->feconn, opts); break;
	case LF_BC: put_int(o, in->beconn, opts); break;
	case LF_SC: put_int(o, in->srvconn, opts); break;
	case LF_RC: put_int(o, in->retries, opts); break;
	case LF_SQ: put_int(o, in->srv_queue, opts); break;
	case LF_BQ: put_int(o, in->be_queue, opts); break;
	case LF_TSTATE: put_text(o, in->term, strnlen(in->term, 2), opts); break;
	case LF_TSC: put_text(o, in->term, strnlen(in->term, 4), opts); break;
	case LF_PID: put_num(o, (unsigned long long)getpid(), opts); break;
	case LF_ID: put_str(o, NULL, opts); break;
	case LF_HOST:
		if (gethostname(host, sizeof(host)) != 0)
			host[0] = 0;
		host[sizeof(host) - 1] = 0;
		put_str(o, host, opts);
		break;
	case LF_RT: case LF_LC: put_int(o, 0, opts); break;
	case LF_SAMPLE: put_sample(o, opts); break;
	}
	o->last_sep = false;
}

/* Parse `{+Q,-X,...}` at *pp; unknown options are ignored, as HAProxy
 * only warns about them. */
static unsigned lf_parse_opts(const char **pp)
{
	const char *p = *pp + 1;
	unsigned opts = 0;

	while (*p && *p != '}') {
		bool add = *p == '+';

		if (*p == '+' || *p == '-') {
			unsigned bit = p[1] == 'Q' ? LF_OPT_QUOTE : p[1] == 'X' ? LF_OPT_HEX : 0;

			opts = add ? (opts | bit) : (opts & ~bit);
			if (p[1])
				p++;
		}
		p++;
	}
	*pp = *p ? p + 1 : p;
	return opts;
}

/* Fetches HAProxy 2.6 refuses in a log format: the request and the
 * response are gone when the line is written ("may not be reliably used
 * here"); captures (capture.req.hdr) are the way to log headers. */
static const struct {
	const char *name, *needs;
} lf_unavailable[] = {
	{ "req.hdr", "HTTP request headers" }, { "req.fhdr", "HTTP request headers" },
	{ "req.hdr_cnt", "HTTP request headers" }, { "path", "HTTP request headers" },
	{ "url", "HTTP request headers" }, { "base", "HTTP request headers" },
	{ "query", "HTTP request headers" }, { "url_param", "HTTP request headers" },
	{ "urlp", "HTTP request headers" }, { "req.cook", "HTTP request headers" },
	{ "cook", "HTTP request headers" }, { "http_auth", "HTTP request headers" },
	{ "http_auth_group", "HTTP request headers" }, { "req.ver", "HTTP request headers" },
	{ "req_ver", "HTTP request headers" }, { "req.host", "HTTP request headers" },
	{ "res.hdr", "HTTP response headers" }, { "shdr", "HTTP response headers" },
	{ "res.hdr_cnt", "HTTP response headers" },
	{ "hdr", "HTTP request headers,HTTP response headers" },
	{ "hdr_cnt", "HTTP request headers,HTTP response headers" },
};

/* One %[...] block (`s`, `len` bytes, without the brackets): parsed
 * against the proxy, refused if HAProxy refuses it, kept if asked. */
static int lf_compile_expr(const struct lf_compile *cc, const char *s, size_t len, char *err, size_t errlen)
{
	char expr[1024], perr[512];
	struct sample_expr *e;

	if (len >= sizeof(expr)) {
		snprintf(err, errlen, "sample expression <%.*s...> is too long", 64, s);
		return -EINVAL;
	}
	memcpy(expr, s, len);
	expr[len] = 0;
	e = sample_expr_parse(cc->px, expr, perr, sizeof(perr));
	if (!e) {
		/* HAProxy quotes the format from the expression on */
		snprintf(err, errlen, "failed to parse sample expression <%s> : %s", s, perr);
		return -EINVAL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(lf_unavailable); i++) {
		if (strcmp(sample_expr_fetch_name(e), lf_unavailable[i].name) == 0) {
			snprintf(err, errlen, "sample fetch <%s> may not be reliably used here because it needs '%s' which is not available here",
				 s, lf_unavailable[i].needs);
			sample_expr_free(e);
			return -EINVAL;
		}
	}
	if (!cc->exprs) {
		sample_expr_free(e);
		return 0;
	}
	*cc->exprs = xrealloc(*cc->exprs, sizeof(**cc->exprs) * (size_t)(*cc->nexprs + 1));
	(*cc->exprs)[(*cc->nexprs)++] = e;
	return 0;
}

/* The walker. With o == NULL only checks (and compiles the %[...] blocks
 * when cc is given). */
static int lf_walk(const char *fmt, struct lf_out *o, const struct lf_compile *cc, char *err, size_t errlen)
{
	const char *p = fmt;

	while (*p) {
		const char *name;
		unsigned opts = 0;
		enum lf_var var;

		if (*p == ' ') {
			while (*p == ' ')
				p++;
			if (o && !o->last_sep) {
				sb_puts(o->sb, " ");
				o->last_sep = true;
			}
			continue;
		}
		if (*p != '%') {
			size_t n = strcspn(p, "% ");

			if (o) {
				sb_append(o->sb, p, n);
				o->last_sep = false;
			}
			p += n;
			continue;
		}
		p++;
		if (*p == '%') {
			if (o) {
				sb_puts(o->sb, "%");
				o->last_sep = false;
			}
			p++;
			continue;
		}
		if (*p == '{') {
			if (!strchr(p, '}')) {
				snprintf(err, errlen, "missing '}' after '%%{' in '%s'", fmt);
				return -EINVAL;
			}
			opts = lf_parse_opts(&p);
		}
		if (*p == '[') {
			const char *end = strchr(p, ']');

			if (!end) {
				snprintf(err, errlen, "missing ']' after '%%[' in '%s'", fmt);
				return -EINVAL;
			}
			if (cc && lf_compile_expr(cc, p + 1, (size_t)(end - p - 1), err, errlen) < 0)
				return -EINVAL;
			if (o)
				lf_emit_var(o, LF_SAMPLE, opts);
			p = end + 1;
			continue;
		}
		name = p;
		while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
			p++;
		if (p == name) {
			snprintf(err, errlen, "unexpected character '%c' after '%%' in '%s'; "
				 "use '%%%%' for a literal '%%'", *p ? *p : ' ', fmt);
			return -EINVAL;
		}
		if (!lf_lookup(name, (size_t)(p - name), &var)) {
			snprintf(err, errlen, "no such format variable '%.*s'. If you wanted to "
				 "emit the '%%' character verbatim, you need to use '%%%%'",
				 (int)(p - name), name);
			return -EINVAL;
		}
		if (o)
			lf_emit_var(o, var, opts);
	}
	return 0;
}

const char *http_log_format_http_var(const char *fmt, size_t *len)
{
	static const char *const http_only[] = {
		"CC", "CS", "HM", "HP", "HPO", "HQ", "HU", "HV", "r", "Ta", "Ti", "tr", "trg", "trl",
		"Tq", "TR", "Tr", NULL,
	};
	const char *p = fmt;

	while ((p = strchr(p, '%')) != NULL) {
		const char *name;

		p++;
		if (*p == '%') {
			p++;
			continue;
		}
		if (*p == '{' && strchr(p, '}'))
			p = strchr(p, '}') + 1;
		if (*p == '[') {
			const char *end = strchr(p, ']');

			if (!end)
				return NULL;
			p = end + 1;
			continue;
		}
		name = p;
		while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
			p++;
		for (int i = 0; http_only[i]; i++) {
			if (strlen(http_only[i]) == (size_t)(p - name) && memcmp(http_only[i], name, (size_t)(p - name)) == 0) {
				*len = (size_t)(p - name);
				return name;
			}
		}
	}
	return NULL;
}

int http_log_format_check(struct proxy *px, const char *fmt, char *err, size_t errlen)
{
	struct lf_compile cc = { .px = px };

	return lf_walk(fmt, NULL, &cc, err, errlen);
}

int http_log_format_compile(struct proxy *px, char *err, size_t errlen)
{
	struct http_rules *R;
	struct lf_compile cc = { .px = px };

	if (!px->log_format)
		return 0;
	R = http_rules_of(px);
	cc.exprs = &R->log_exprs;
	cc.nexprs = &R->nlog_exprs;
	return lf_walk(px->log_format, NULL, &cc, err, errlen);
}

void http_log_format(const struct proxy *fe, const struct http_log_info *info, struct strbuf *out)
{
	struct lf_out o = { .sb = out, .last_sep = true, .fe = fe, .info = info };
	const struct http_rules *R = fe->http.rules;
	const char *fmt = HTTP_LOG_FORMAT_HTTP;
	char err[256];

	if (fe->log_format) {
		fmt = fe->log_format;
		if (R) {
			o.exprs = R->log_exprs;
			o.nexprs = R->nlog_exprs;
		}
	} else if ((fe->options & PXO_TCPLOG) && !(fe->options & PXO_HTTPLOG)) {
		fmt = HTTP_LOG_FORMAT_TCP;
	}
	/* A stored format was checked by the parser; a bad one prints what
	 * precedes the error. */
	(void)lf_walk(fmt, &o, NULL, err, sizeof(err));
}
