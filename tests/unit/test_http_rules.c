/* Unit tests for the HTTP rules: ACL criteria, http-request/response
 * actions, redirects, use_backend formats with maps, cookies, forwardfor,
 * authentication, rate limiting, error pages. */
#include "unit.h"
#include "proxy/acl.h"
#include "proxy/cfgparse.h"
#include "proxy/http_rules.h"
#include "proxy/http_txn.h"
#include "proxy/stick_counters.h"
#include "lib/strbuf.h"
#include "lib/util.h"

#include <arpa/inet.h>
#include <netinet/in.h>

static struct strbuf msgs;
static struct sockaddr_in src4, dst4;

static struct pxconf *parse(const char *text)
{
	int nwarn = 0;
	struct pxconf *c;

	sb_reset(&msgs);
	c = cfg_parse_mem("t.cfg", text, strlen(text), &msgs, &nwarn);
	if (!c)
		fprintf(stderr, "%s", sb_str(&msgs));
	return c;
}

static struct proxy *px_named(struct pxconf *c, const char *name)
{
	struct proxy *px = pxconf_find_proxy(c, name, PX_CAP_FE | PX_CAP_BE);

	CHECK(px != NULL);
	return px;
}

/* Load a head ("GET / HTTP/1.1\r\nA: b\r\n\r\n") into one side of txn;
 * `text` must outlive the transaction. */
static void load_head(struct http_txn *txn, enum http_side side, const char *text)
{
	struct http_head *h = side == HTTP_REQ ? &txn->req : &txn->rsp;
	const char *p = text, *eol = strstr(p, "\r\n"), *sp1, *sp2;

	memset(h, 0, sizeof(*h));
	CHECK(eol != NULL);
	sp1 = memchr(p, ' ', (size_t)(eol - p));
	CHECK(sp1 != NULL);
	sp2 = memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1));
	if (side == HTTP_REQ) {
		CHECK(sp2 != NULL);
		h->meth = (struct http_str){ p, (size_t)(sp1 - p) };
		h->uri = (struct http_str){ sp1 + 1, (size_t)(sp2 - sp1 - 1) };
		h->vsn = (struct http_str){ sp2 + 1, (size_t)(eol - sp2 - 1) };
	} else {
		h->vsn = (struct http_str){ p, (size_t)(sp1 - p) };
		h->status = atoi(sp1 + 1);
		if (sp2)
			h->reason = (struct http_str){ sp2 + 1, (size_t)(eol - sp2 - 1) };
	}
	p = eol + 2;
	while ((eol = strstr(p, "\r\n")) && eol != p) {
		const char *colon = memchr(p, ':', (size_t)(eol - p)), *v = colon + 1;

		CHECK(colon != NULL);
		while (*v == ' ')
			v++;
		h->hdrs[h->nhdrs].name = (struct http_str){ p, (size_t)(colon - p) };
		h->hdrs[h->nhdrs].value = (struct http_str){ v, (size_t)(eol - v) };
		h->nhdrs++;
		p = eol + 2;
	}
}

static struct http_txn *new_txn(const char *req)
{
	struct http_txn *txn = xcalloc(1, sizeof(*txn));

	src4.sin_family = AF_INET;
	inet_pton(AF_INET, "192.0.2.10", &src4.sin_addr);
	src4.sin_port = htons(40000);
	dst4.sin_family = AF_INET;
	inet_pton(AF_INET, "10.0.0.1", &dst4.sin_addr);
	dst4.sin_port = htons(80);
	txn->src = (struct sockaddr *)&src4;
	txn->dst = (struct sockaddr *)&dst4;
	if (req)
		load_head(txn, HTTP_REQ, req);
	return txn;
}

static void free_txn(struct http_txn *txn)
{
	http_rules_txn_end(txn);
	free(txn);
}

/* The value of request/response header `name`, as a C string. */
static const char *hdr(const struct http_head *h, const char *name)
{
	static char buf[1024];
	struct http_str v;

	if (!http_hdr_get(h, name, 1, &v))
		return NULL;
	snprintf(buf, sizeof(buf), "%.*s", (int)v.len, v.p);
	return buf;
}

static const char *serialize(const struct http_reply *r)
{
	static struct strbuf out;

	sb_reset(&out);
	http_reply_serialize(r, &out);
	return sb_str(&out);
}

#define FE_HEAD "defaults\n mode http\n timeout client 1s\n timeout server 1s\n timeout connect 1s\n"

/* Run the frontend `fe`'s request rules on `req`. */
static enum http_verdict run(struct pxconf *c, const char *fe, struct http_txn *txn, struct http_reply *r)
{
	http_reply_init(r);
	return http_req_rules_run(px_named(c, fe), txn, r);
}

/* ---- error pages ---- */

static void test_builtin_errors(void)
{
	struct http_reply r;

	http_reply_init(&r);
	http_reply_error(NULL, 400, NULL, &r);
	CHECK_STR(serialize(&r), "HTTP/1.1 400 Bad request\r\ncontent-length: 90\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n"
		  "<html><body><h1>400 Bad request</h1>\nYour browser sent an invalid request.\n</body></html>\n");
	http_reply_error(NULL, 403, NULL, &r);
	CHECK_STR(serialize(&r), "HTTP/1.1 403 Forbidden\r\ncontent-length: 93\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n"
		  "<html><body><h1>403 Forbidden</h1>\nRequest forbidden by administrative rules.\n</body></html>\n");
	http_reply_error(NULL, 503, NULL, &r);
	CHECK_STR(serialize(&r), "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 107\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n"
		  "<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n");
	http_reply_error(NULL, 429, NULL, &r);
	CHECK_CONTAINS(serialize(&r), "HTTP/1.1 429 Too Many Requests\r\ncontent-length: 117\r\n");
	CHECK_CONTAINS(serialize(&r), "<h1>429 Too Many Requests</h1>\nYou have sent too many requests in a given amount of time.\n");
	http_reply_error(NULL, 504, NULL, &r);
	CHECK_CONTAINS(serialize(&r), "<h1>504 Gateway Time-out</h1>\nThe server didn't respond in time.\n");
	http_reply_error(NULL, 502, NULL, &r);
	CHECK_CONTAINS(serialize(&r), "<h1>502 Bad Gateway</h1>\nThe server returned an invalid or incomplete response.\n");
	http_reply_error(NULL, 408, NULL, &r);
	CHECK_CONTAINS(serialize(&r), "HTTP/1.1 408 Request Time-out\r\n");
	r.close = true;
	CHECK_CONTAINS(serialize(&r), "content-type: text/html\r\nconnection: close\r\n\r\n");
	http_reply_free(&r);
}

static void test_errorfile(void)
{
	FILE *f = fopen("/tmp/vigil-test-503.http", "w");
	struct pxconf *c;
	struct http_reply r;

	CHECK(f != NULL);
	fputs("HTTP/1.0 503 Service Unavailable\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n<html>maintenance</html>\n", f);
	fclose(f);
	c = parse(FE_HEAD " errorfile 503 /tmp/vigil-test-503.http\nfrontend f\n bind :8080\n default_backend b\nbackend b\n server a 127.0.0.1:1\n");
	CHECK(c != NULL);
	http_reply_init(&r);
	http_reply_error(px_named(c, "f"), 503, NULL, &r);
	CHECK_STR(serialize(&r), "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 25\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n<html>maintenance</html>\n");
	http_reply_error(px_named(c, "f"), 501, NULL, &r);
	CHECK_CONTAINS(serialize(&r), "<h1>501 Not Implemented</h1>\n.The server does not support");
	http_reply_error(px_named(c, "f"), 404, NULL, &r);
	CHECK_INT(r.body.len, 83);
	http_reply_error(px_named(c, "f"), 405, NULL, &r);
	CHECK_INT(r.body.len, 146);
	/* other codes keep the built-in page */
	http_reply_error(px_named(c, "b"), 403, NULL, &r);
	CHECK_CONTAINS(serialize(&r), "Request forbidden by administrative rules.");
	pxconf_free(c);
	c = parse(FE_HEAD "frontend f\n bind :8080\n errorloc303 503 http://sorry.example/\n default_backend b\nbackend b\n server a 127.0.0.1:1\n");
	CHECK(c != NULL);
	http_reply_error(px_named(c, "f"), 503, NULL, &r);
	CHECK_STR(serialize(&r), "HTTP/1.1 303 See Other\r\ncontent-length: 0\r\nlocation: http://sorry.example/\r\n\r\n");
	http_reply_free(&r);
	pxconf_free(c);
	unlink("/tmp/vigil-test-503.http");
}

/* ---- ACL criteria ---- */

/* Is `req` denied by `http-request deny if COND` (acl lines first)? */
static bool denied(const char *acls, const char *cond, const char *req)
{
	char *cfg = xasprintf(FE_HEAD "userlist L\n user alice insecure-password secret groups admins\n user bob insecure-password pw\n"
			      "frontend f\n bind :8080\n%s http-request deny deny_status 429 if %s\n default_backend b\nbackend b\n server a 127.0.0.1:1\n",
			      acls, cond);
	struct pxconf *c = parse(cfg);
	struct http_txn *txn;
	struct http_reply r;
	enum http_verdict v;

	if (!c) {
		fprintf(stderr, "config:\n%s", cfg);
		CHECK(0);
	}
	txn = new_txn(req);
	v = run(c, "f", txn, &r);
	if (v == HTTP_V_REPLY)
		CHECK_INT(r.status, 429);
	http_reply_free(&r);
	free_txn(txn);
	pxconf_free(c);
	free(cfg);
	return v == HTTP_V_REPLY;
}

#define REQ "GET /api/v1/items?id=42&x=y HTTP/1.1\r\nHost: www.Example.com\r\nX-Num: 12\r\nX-Multi: a\r\nX-Multi: b\r\nCookie: sid=abc; lang=fr\r\n\r\n"

static void test_acl_criteria(void)
{
	CHECK(denied("", "{ path /api/v1/items }", REQ));
	CHECK(!denied("", "{ path /api }", REQ));
	CHECK(denied("", "{ path_beg /api/ }", REQ));
	CHECK(denied("", "{ path_end /items }", REQ));
	CHECK(denied("", "{ path_sub v1 }", REQ));
	CHECK(denied("", "{ path_reg ^/api/v[0-9]+/ }", REQ));
	CHECK(denied("", "{ path_dir v1 }", REQ));
	CHECK(!denied("", "{ path_dir v }", REQ));
	CHECK(denied("", "{ url /api/v1/items?id=42&x=y }", REQ));
	CHECK(denied("", "{ url_beg /api }", REQ));
	CHECK(denied("", "{ url_sub id=42 }", REQ));
	CHECK(denied("", "{ url_reg id=[0-9]+ }", REQ));
	CHECK(denied("", "{ method GET }", REQ));
	CHECK(!denied("", "{ method POST }", REQ));
	CHECK(denied("", "{ hdr(host) -i www.example.com }", REQ));
	CHECK(!denied("", "{ hdr(host) www.example.com }", REQ));
	CHECK(denied("", "{ req.hdr(host) -m beg www. }", REQ));
	CHECK(denied("", "{ hdr_beg(host) www. }", REQ));
	CHECK(denied("", "{ hdr_end(host) .com }", REQ));
	CHECK(denied("", "{ hdr_dom(host) -i example.com }", REQ));
	CHECK(!denied("", "{ hdr_dom(host) ample.com }", REQ));
	CHECK(denied("", "{ hdr_reg(host) ^www\\. }", REQ));
	CHECK(denied("", "{ hdr_sub(host) Example }", REQ));
	CHECK(denied("", "{ hdr_cnt(x-multi) eq 2 }", REQ));
	CHECK(denied("", "{ req.hdr_cnt(x-multi) gt 1 }", REQ));
	CHECK(denied("", "{ hdr_val(x-num) ge 12 }", REQ));
	CHECK(!denied("", "{ hdr_val(x-num) gt 12 }", REQ));
	CHECK(denied("", "{ hdr(x-multi) a }", REQ));     /* any occurrence */
	CHECK(denied("", "{ hdr(x-l) b }", "GET / HTTP/1.1\r\nX-L: a, b\r\n\r\n"));  /* split on commas */
	CHECK(!denied("", "{ req.fhdr(x-l) b }", "GET / HTTP/1.1\r\nX-L: a, b\r\n\r\n"));
	CHECK(denied("", "{ req.fhdr(x-l) -m sub b }", "GET / HTTP/1.1\r\nX-L: a, b\r\n\r\n"));
	CHECK(denied("", "{ hdr_cnt(x-l) 3 }", "GET / HTTP/1.1\r\nX-L: a, b\r\nX-L: c\r\n\r\n"));
	CHECK(denied("", "{ hdr(x-multi) b }", REQ));
	CHECK(denied("", "{ hdr(x-none) -m found } || { hdr(host) -m found }", REQ));
	CHECK(!denied("", "{ hdr(x-none) -m found }", REQ));
	CHECK(denied("", "{ hdr(host) -m len 15 }", REQ));
	CHECK(denied("", "{ base -i www.example.com/api/v1/items }", REQ));
	CHECK(denied("", "{ base_beg www.Example.com/api }", REQ));
	CHECK(denied("", "{ query id=42&x=y }", REQ));
	CHECK(denied("", "{ url_param(id) 42 }", REQ));
	CHECK(denied("", "{ urlp(x) y }", REQ));
	CHECK(denied("", "{ req.cook(lang) fr }", REQ));
	CHECK(denied("", "{ src 192.0.2.0/24 }", REQ));
	CHECK(!denied("", "{ src 10.0.0.0/8 }", REQ));
	CHECK(denied("", "{ dst 10.0.0.1 }", REQ));
	CHECK(denied("", "{ dst_port 80 }", REQ));
	CHECK(!denied("", "{ ssl_fc }", REQ));
	CHECK(denied("", "!{ ssl_fc }", REQ));
	CHECK(denied("", "TRUE", REQ));
	CHECK(!denied("", "FALSE", REQ));
	CHECK(denied("", "{ always_true }", REQ));
	/* named ACLs, AND, OR, negation */
	CHECK(denied(" acl api path_beg /api\n acl get method GET\n", "api get", REQ));
	CHECK(!denied(" acl api path_beg /api\n acl post method POST\n", "api post", REQ));
	CHECK(denied(" acl api path_beg /api\n acl post method POST\n", "post || api", REQ));
	CHECK(denied(" acl api path_beg /api\n acl post method POST\n", "api !post", REQ));
	CHECK(denied(" acl h hdr(host) -i a.com\n acl h hdr(host) -i www.example.com\n", "h", REQ));
	/* -f FILE */
	{
		FILE *f = fopen("/tmp/vigil-test-paths.lst", "w");

		CHECK(f != NULL);
		fputs("# paths\n/other\n/api/v1/items\n", f);
		fclose(f);
		CHECK(denied("", "{ path -f /tmp/vigil-test-paths.lst }", REQ));
		unlink("/tmp/vigil-test-paths.lst");
	}
	/* authentication */
	CHECK(denied("", "{ http_auth(L) }", "GET / HTTP/1.1\r\nAuthorization: Basic YWxpY2U6c2VjcmV0\r\n\r\n"));
	CHECK(!denied("", "{ http_auth(L) }", "GET / HTTP/1.1\r\nAuthorization: Basic YWxpY2U6d3Jvbmc=\r\n\r\n"));
	CHECK(denied("", "{ http_auth_group(L) admins }", "GET / HTTP/1.1\r\nAuthorization: Basic YWxpY2U6c2VjcmV0\r\n\r\n"));
	CHECK(!denied("", "{ http_auth_group(L) admins }", "GET / HTTP/1.1\r\nAuthorization: Basic Ym9iOnB3\r\n\r\n"));
}

static void test_acl_tcp_eval_ignores_http(void)
{
	struct pxconf *c = parse(FE_HEAD "frontend f\n bind :8080\n use_backend b if { path /x }\n default_backend b\nbackend b\n server a 127.0.0.1:1\n");

	CHECK(c != NULL);
	/* without a transaction, HTTP criteria never match */
	CHECK(!acl_cond_eval(px_named(c, "f")->switch_rules[0].cond, (struct sockaddr *)&src4, (struct sockaddr *)&dst4));
	pxconf_free(c);
}

/* ---- actions ---- */

static void test_header_actions(void)
{
	struct pxconf *c = parse(FE_HEAD "frontend f\n bind :8080\n"
				 " http-request set-header X-Set %[req.hdr(host),lower]\n"
				 " http-request add-header X-Multi c\n"
				 " http-request del-header Cookie\n"
				 " http-request replace-header Host '^www\\.(.*)$' 'api.\\1'\n"
				 " http-request replace-value X-List ^b$ z\n"
				 " http-request set-var(txn.who) req.hdr(x-num)\n"
				 " http-request set-header X-Who %[var(txn.who)]\n"
				 " http-request set-path /v2%[path]\n"
				 " http-request set-query a=1\n"
				 " http-request add-header X-Proto https if { dst_port 80 }\n"
				 " http-request add-header X-Client %ci:%cp\n"
				 " http-request add-header X-Never 1 if { dst_port 81 }\n"
				 " default_backend b\nbackend b\n server a 127.0.0.1:1\n");
	struct http_txn *txn;
	struct http_reply r;
	int n = 0, i = -1;

	CHECK(c != NULL);
	txn = new_txn("GET /x?q=1 HTTP/1.1\r\nHost: www.Example.com\r\nX-Num: 7\r\nX-Multi: a\r\nX-List: a, b, c\r\nCookie: a=b\r\n\r\n");
	CHECK_INT(run(c, "f", txn, &r), HTTP_V_CONTINUE);
	CHECK_STR(hdr(&txn->req, "X-Set"), "www.example.com");
	while ((i = http_hdr_find(&txn->req, "X-Multi", i + 1)) >= 0)
		n++;
	CHECK_INT(n, 2);
	CHECK(hdr(&txn->req, "Cookie") == NULL);
	CHECK_STR(hdr(&txn->req, "Host"), "api.Example.com");
	CHECK_STR(hdr(&txn->req, "X-List"), "a, z, c");
	CHECK_STR(hdr(&txn->req, "X-Who"), "7");
	CHECK_STR(hdr(&txn->req, "X-Proto"), "https");
	CHECK_STR(hdr(&txn->req, "X-Client"), "192.0.2.10:40000");
	CHECK(hdr(&txn->req, "X-Never") == NULL);
	CHECK_INT(txn->req.uri.len, strlen("/v2/x?a=1"));
	CHECK(memcmp(txn->req.uri.p, "/v2/x?a=1", txn->req.uri.len) == 0);
	http_reply_free(&r);
	free_txn(txn);
	pxconf_free(c);
}

static void test_deny_return_allow(void)
{
	struct pxconf *c = parse(FE_HEAD "frontend f\n bind :8080\n"
				 " http-request allow if { path /allowed }\n"
				 " http-request return status 200 content-type text/plain string ok hdr X-A b if { path /health }\n"
				 " http-request deny if { path_beg /admin }\n"
				 " http-request deny deny_status 429 if { path_beg /slow }\n"
				 " http-request deny\n"
				 " http-request use-service prometheus-exporter if { path /metrics }\n"
				 " default_backend b\nbackend b\n server a 127.0.0.1:1\n");
	struct http_txn *txn;
	struct http_reply r;

	CHECK(c != NULL);
	txn = new_txn("GET /allowed HTTP/1.1\r\n\r\n");
	CHECK_INT(run(c, "f", txn, &r), HTTP_V_CONTINUE);
	http_reply_free(&r);
	free_txn(txn);

	txn = new_txn("GET /health HTTP/1.1\r\n\r\n");
	CHECK_INT(run(c, "f", txn, &r), HTTP_V_REPLY);
	CHECK_STR(serialize(&r), "HTTP/1.1 200 OK\r\nx-a: b\r\ncontent-length: 2\r\ncontent-type: text/plain\r\n\r\nok");
	http_reply_free(&r);
	free_txn(txn);

	txn = new_txn("GET /admin/x HTTP/1.1\r\n\r\n");
	CHECK_INT(run(c, "f", txn, &r), HTTP_V_REPLY);
	CHECK_INT(r.status, 403);
	CHECK_INT(txn->deny_status, 403);
	CHECK_CONTAINS(serialize(&r), "Request forbidden by administrative rules.");
	http_reply_free(&r);
	free_txn(txn);

	txn = new_txn("GET /slow HTTP/1.1\r\n\r\n");
	CHECK_INT(run(c, "f", txn, &r), HTTP_V_REPLY);
	CHECK_INT(r.status, 429);
	http_reply_free(&r);
	free_txn(txn);
	pxconf_free(c);

	c = parse(FE_HEAD "frontend f\n bind :8080\n http-request use-service prometheus-exporter if { path /metrics }\n"
		  " monitor-uri /up\n default_backend b\nbackend b\n server a 127.0.0.1:1\n");
	CHECK(c != NULL);
	txn = new_txn("GET /metrics HTTP/1.1\r\n\r\n");
	CHECK_INT(run(c, "f", txn, &r), HTTP_V_PROMETHEUS);
	http_reply_free(&r);
	free_txn(txn);
	txn = new_txn("GET /up HTTP/1.1\r\n\r\n");
	CHECK_INT(run(c, "f", txn, &r), HTTP_V_REPLY);
	CHECK_STR(serialize(&r), "HTTP/1.1 200 OK\r\ncontent-length: 58\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n"
		  "<html><body><h1>200 OK</h1>\nService ready.\n</body></html>\n");
	http_reply_free(&r);
	free_txn(txn);
	pxconf_free(c);
}

static void test_redirects(void)
{
	struct pxconf *c = parse(FE_HEAD "frontend f\n bind :8080\n"
				 " http-request redirect scheme https code 301 if { path_beg /secure }\n"
				 " http-request redirect location /login if { path /old }\n"
				 " redirect prefix http://new.example.com drop-query if { path_beg /p }\n"
				 " redirect prefix /base append-slash set-cookie SEEN=1 if { path_beg /dir }\n"
				 " redirect location https://%[req.hdr(host)]/x code 308 if { path /fmt }\n"
				 " default_backend b\nbackend b\n server a 127.0.0.1:1\n");
	struct http_txn *txn;
	struct http_reply r;

	CHECK(c != NULL);
	txn = new_txn("GET /secure/a?b=1 HTTP/1.1\r\nHost: example.com\r\n\r\n");
	CHECK_INT(run(c, "f", txn, &r), HTTP_V_REPLY);
	CHECK_STR(serialize(&r), "HTTP/1.1 301 Moved Permanently\r\ncontent-length: 0\r\nlocation: https://example.com/secure/a?b=1\r\n\r\n");
	CHECK_INT(txn->redirect_code, 301);
	http_reply_free(&r);
	free_txn(txn);

	txn = new_txn("GET /old HTTP/1.1\r\n\r\n");
	CHECK_INT(run(c, "f", txn, &r), HTTP_V_REPLY);
	CHECK_INT(r.status, 302);
	CHECK_CONTAINS(serialize(&r), "HTTP/1.1 302 Found\r\n");
	CHECK_CONTAINS(serialize(&r), "location: /login\r\n");
	http_reply_free(&r);
	free_txn(txn);

	txn = new_txn("GET /p/q?x=1 HTTP/1.1\r\n\r\n");
	CHECK_INT(run(c, "f", txn, &r), HTTP_V_REPLY);
	CHECK_CONTAINS(serialize(&r), "location: http://new.example.com/p/q\r\n");
	http_reply_free(&r);
	free_txn(txn);

	txn = new_txn("GET /dir HTTP/1.1\r\n\r\n");
	CHECK_INT(run(c, "f", txn, &r), HTTP_V_REPLY);
	CHECK_CONTAINS(serialize(&r), "location: /base/dir/\r\n");
	CHECK_CONTAINS(serialize(&r), "set-cookie: SEEN=1; path=/;\r\n");
	http_reply_free(&r);
	free_txn(txn);

	txn = new_txn("GET /fmt HTTP/1.1\r\nHost: h.example\r\n\r\n");
	CHECK_INT(run(c, "f", txn, &r), HTTP_V_REPLY);
	CHECK_INT(r.status, 308);
	CHECK_CONTAINS(serialize(&r), "HTTP/1.1 308 Permanent Redirect\r\n");
	CHECK_CONTAINS(serialize(&r), "location: https://h.example/x\r\n");
	http_reply_free(&r);
	free_txn(txn);

	txn = new_txn("GET /other HTTP/1.1\r\n\r\n");
	CHECK_INT(run(c, "f", txn, &r), HTTP_V_CONTINUE);
	http_reply_free(&r);
	free_txn(txn);
	pxconf_free(c);
}

static void test_use_backend_formats(void)
{
	FILE *f = fopen("/tmp/vigil-test-hosts.map", "w");
	struct pxconf *c;
	struct http_txn *txn;

	CHECK(f != NULL);
	fputs("# host to backend\nexample.com be_example\napi.test be_api\n", f);
	fclose(f);
	c = parse(FE_HEAD "frontend f\n bind :8080\n"
		  " use_backend be_static if { path_beg /static }\n"
		  " use_backend %[req.hdr(host),lower,map_dom(/tmp/vigil-test-hosts.map,be_default)]\n"
		  " default_backend be_fallback\n"
		  "frontend g\n bind :8081\n use_backend be_%[req.hdr(host),lower,field(1,.)]\n default_backend be_fallback\n"
		  "backend be_static\n server a 127.0.0.1:1\n"
		  "backend be_example\n server a 127.0.0.1:1\n"
		  "backend be_api\n server a 127.0.0.1:1\n"
		  "backend be_default\n server a 127.0.0.1:1\n"
		  "backend be_fallback\n server a 127.0.0.1:1\n");
	CHECK(c != NULL);
	txn = new_txn("GET /static/a.css HTTP/1.1\r\nHost: example.com\r\n\r\n");
	CHECK_STR(http_select_backend(px_named(c, "f"), txn)->id, "be_static");
	free_txn(txn);
	txn = new_txn("GET / HTTP/1.1\r\nHost: WWW.Example.COM\r\n\r\n");
	CHECK_STR(http_select_backend(px_named(c, "f"), txn)->id, "be_example");
	free_txn(txn);
	txn = new_txn("GET / HTTP/1.1\r\nHost: api.test\r\n\r\n");
	CHECK_STR(http_select_backend(px_named(c, "f"), txn)->id, "be_api");
	free_txn(txn);
	txn = new_txn("GET / HTTP/1.1\r\nHost: unknown.org\r\n\r\n");
	CHECK_STR(http_select_backend(px_named(c, "f"), txn)->id, "be_default");
	free_txn(txn);
	txn = new_txn("GET / HTTP/1.1\r\nHost: api.x\r\n\r\n");
	CHECK_STR(http_select_backend(px_named(c, "g"), txn)->id, "be_api");
	free_txn(txn);
	/* a name that is no backend: default_backend */
	txn = new_txn("GET / HTTP/1.1\r\nHost: nope.x\r\n\r\n");
	CHECK_STR(http_select_backend(px_named(c, "g"), txn)->id, "be_fallback");
	free_txn(txn);
	pxconf_free(c);
	unlink("/tmp/vigil-test-hosts.map");
}

static void test_response_rules(void)
{
	struct pxconf *c = parse(FE_HEAD "backend b\n server a 127.0.0.1:1\n"
				 " http-response set-header X-Frame-Options DENY\n"
				 " http-response del-header Server\n"
				 " http-response replace-header Location '^http://(.*)$' 'https://\\1'\n"
				 " http-response set-status 503 reason Down if { status 500 }\n"
				 " http-response deny if { res.hdr(X-Secret) -m found }\n");
	struct http_txn *txn;

	CHECK(c != NULL);
	txn = new_txn("GET / HTTP/1.1\r\n\r\n");
	load_head(txn, HTTP_RSP, "HTTP/1.1 302 Found\r\nServer: x\r\nLocation: http://a/b\r\n\r\n");
	CHECK(http_rsp_rules_run(px_named(c, "b"), txn));
	CHECK_STR(hdr(&txn->rsp, "X-Frame-Options"), "DENY");
	CHECK(hdr(&txn->rsp, "Server") == NULL);
	CHECK_STR(hdr(&txn->rsp, "Location"), "https://a/b");
	load_head(txn, HTTP_RSP, "HTTP/1.1 500 Oops\r\n\r\n");
	CHECK(http_rsp_rules_run(px_named(c, "b"), txn));
	CHECK_INT(txn->rsp.status, 503);
	CHECK_INT(txn->rsp.reason.len, 4);
	load_head(txn, HTTP_RSP, "HTTP/1.1 200 OK\r\nX-Secret: 1\r\n\r\n");
	CHECK(!http_rsp_rules_run(px_named(c, "b"), txn));
	CHECK_INT(txn->deny_status, 502);
	free_txn(txn);
	pxconf_free(c);
}

/* ---- forwardfor, cookies, auth, stats ---- */

static void test_forwardfor(void)
{
	struct pxconf *c = parse(FE_HEAD "frontend f\n bind :8080\n option forwardfor except 127.0.0.0/8\n default_backend b\n"
				 "frontend g\n bind :8081\n option forwardfor header X-Real-IP if-none\n default_backend b\n"
				 "backend b\n server a 127.0.0.1:1\n");
	struct http_txn *txn;

	CHECK(c != NULL);
	CHECK_STR(px_named(c, "f")->http.forwardfor_hdr, "X-Forwarded-For");
	txn = new_txn("GET / HTTP/1.1\r\n\r\n");
	http_add_forwardfor(px_named(c, "f"), txn);
	CHECK_STR(hdr(&txn->req, "X-Forwarded-For"), "192.0.2.10");
	free_txn(txn);

	txn = new_txn("GET / HTTP/1.1\r\n\r\n");
	inet_pton(AF_INET, "127.0.0.5", &src4.sin_addr);
	http_add_forwardfor(px_named(c, "f"), txn);
	CHECK(hdr(&txn->req, "X-Forwarded-For") == NULL);
	free_txn(txn);

	txn = new_txn("GET / HTTP/1.1\r\nX-Real-IP: 1.2.3.4\r\n\r\n");
	http_add_forwardfor(px_named(c, "g"), txn);
	CHECK_STR(hdr(&txn->req, "X-Real-IP"), "1.2.3.4");
	CHECK_INT(http_hdr_find(&txn->req, "X-Real-IP", 1), -1);
	free_txn(txn);
	txn = new_txn("GET / HTTP/1.1\r\n\r\n");
	http_add_forwardfor(px_named(c, "g"), txn);
	CHECK_STR(hdr(&txn->req, "X-Real-IP"), "192.0.2.10");
	free_txn(txn);
	pxconf_free(c);
}

static void test_cookie_insert(void)
{
	struct pxconf *c = parse(FE_HEAD "backend b\n cookie SRV insert indirect nocache httponly\n"
				 " server s1 127.0.0.1:1 cookie one\n server s2 127.0.0.1:2 cookie two\n");
	struct proxy *be;
	struct http_txn *txn;
	struct server *s;

	CHECK(c != NULL);
	be = px_named(c, "b");
	/* first request: no cookie; the response gets one */
	txn = new_txn("GET / HTTP/1.1\r\n\r\n");
	CHECK(http_cookie_server(be, txn) == NULL);
	txn->srv = be->servers[1];
	load_head(txn, HTTP_RSP, "HTTP/1.1 200 OK\r\n\r\n");
	http_cookie_response(be, txn, false);
	CHECK_STR(hdr(&txn->rsp, "Set-Cookie"), "SRV=two; path=/; HttpOnly");
	CHECK_STR(hdr(&txn->rsp, "Cache-control"), "private");
	free_txn(txn);

	/* next request: the cookie picks the server and is removed (indirect) */
	txn = new_txn("GET / HTTP/1.1\r\nCookie: a=1; SRV=two; b=2\r\n\r\n");
	s = http_cookie_server(be, txn);
	CHECK(s == be->servers[1]);
	CHECK_STR(hdr(&txn->req, "Cookie"), "a=1; b=2");
	txn->srv = s;
	load_head(txn, HTTP_RSP, "HTTP/1.1 200 OK\r\n\r\n");
	http_cookie_response(be, txn, true);
	CHECK(hdr(&txn->rsp, "Set-Cookie") == NULL);
	free_txn(txn);

	txn = new_txn("GET / HTTP/1.1\r\nCookie: SRV=nosuch\r\n\r\n");
	CHECK(http_cookie_server(be, txn) == NULL);
	free_txn(txn);
	pxconf_free(c);

	c = parse(FE_HEAD "backend b\n cookie JSESSIONID prefix\n server s1 127.0.0.1:1 cookie one\n");
	CHECK(c != NULL);
	be = px_named(c, "b");
	txn = new_txn("GET / HTTP/1.1\r\n\r\n");
	txn->srv = be->servers[0];
	load_head(txn, HTTP_RSP, "HTTP/1.1 200 OK\r\nSet-Cookie: JSESSIONID=xyz; Path=/\r\n\r\n");
	http_cookie_response(be, txn, false);
	CHECK_STR(hdr(&txn->rsp, "Set-Cookie"), "JSESSIONID=one~xyz; Path=/");
	free_txn(txn);
	txn = new_txn("GET / HTTP/1.1\r\nCookie: JSESSIONID=one~xyz\r\n\r\n");
	CHECK(http_cookie_server(be, txn) == be->servers[0]);
	CHECK_STR(hdr(&txn->req, "Cookie"), "JSESSIONID=xyz");
	free_txn(txn);
	pxconf_free(c);
}

static void test_auth_and_stats(void)
{
	struct pxconf *c = parse(FE_HEAD "userlist admins\n user alice insecure-password secret\n"
				 "frontend f\n bind :8080\n acl ok http_auth(admins)\n"
				 " http-request auth realm Restricted if { path_beg /private } !ok\n"
				 " default_backend b\n"
				 "listen stats\n bind :8404\n stats enable\n stats uri /st\n stats auth admin:pw\n stats admin if TRUE\n"
				 "listen stats2\n bind :8405\n stats enable\n"
				 "backend b\n server a 127.0.0.1:1\n");
	struct http_txn *txn;
	struct http_reply r;

	CHECK(c != NULL);
	txn = new_txn("GET /private/x HTTP/1.1\r\n\r\n");
	CHECK_INT(run(c, "f", txn, &r), HTTP_V_REPLY);
	CHECK_INT(r.status, 401);
	CHECK_CONTAINS(serialize(&r), "HTTP/1.1 401 Unauthorized\r\n");
	CHECK_STR(serialize(&r), "HTTP/1.1 401 Unauthorized\r\ncontent-length: 112\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n"
		  "www-authenticate: Basic realm=\"Restricted\"\r\n\r\n"
		  "<html><body><h1>401 Unauthorized</h1>\nYou need a valid user and password to access this content.\n</body></html>\n");
	CHECK_CONTAINS(serialize(&r), "You need a valid user and password to access this content.");
	http_reply_free(&r);
	free_txn(txn);

	txn = new_txn("GET /private/x HTTP/1.1\r\nAuthorization: Basic YWxpY2U6c2VjcmV0\r\n\r\n");
	CHECK_INT(run(c, "f", txn, &r), HTTP_V_CONTINUE);
	http_reply_free(&r);
	free_txn(txn);

	CHECK_STR(px_named(c, "stats2")->http.stats.uri, "/haproxy?stats");
	txn = new_txn("GET /st HTTP/1.1\r\n\r\n");
	CHECK_INT(run(c, "stats", txn, &r), HTTP_V_REPLY);
	CHECK_CONTAINS(serialize(&r), "www-authenticate: Basic realm=\"HAProxy Statistics\"\r\n");
	http_reply_free(&r);
	free_txn(txn);
	txn = new_txn("GET /st;csv HTTP/1.1\r\nAuthorization: Basic YWRtaW46cHc=\r\n\r\n");
	CHECK_INT(run(c, "stats", txn, &r), HTTP_V_STATS);
	CHECK(http_stats_admin(px_named(c, "stats"), txn));
	http_reply_free(&r);
	free_txn(txn);
	pxconf_free(c);
}

/* ---- stick counters ---- */

static void test_rate_limit(void)
{
	struct pxconf *c = parse(FE_HEAD "frontend f\n bind :8080\n"
				 " stick-table type ip size 100 expire 10s store http_req_rate(10s),http_err_rate(10s),conn_cur\n"
				 " http-request track-sc0 src\n"
				 " http-request deny deny_status 429 if { sc_http_req_rate(0) gt 10 }\n"
				 " default_backend b\nbackend b\n server a 127.0.0.1:1\n");
	struct http_txn *txn;
	struct http_reply r;

	CHECK(c != NULL);
	for (int i = 1; i <= 11; i++) {
		enum http_verdict v;

		txn = new_txn("GET / HTTP/1.1\r\n\r\n");
		v = run(c, "f", txn, &r);
		if (i <= 10) {
			CHECK_INT(v, HTTP_V_CONTINUE);
		} else {
			CHECK_INT(v, HTTP_V_REPLY);
			CHECK_INT(r.status, 429);
			CHECK_CONTAINS(serialize(&r), "HTTP/1.1 429 Too Many Requests\r\n");
		}
		http_track_response(txn, i == 3 ? 404 : 200);
		http_reply_free(&r);
		free_txn(txn);
	}
	/* another client is not limited */
	txn = new_txn("GET / HTTP/1.1\r\n\r\n");
	inet_pton(AF_INET, "192.0.2.11", &src4.sin_addr);
	CHECK_INT(run(c, "f", txn, &r), HTTP_V_CONTINUE);
	http_reply_free(&r);
	free_txn(txn);
	CHECK_INT(stkctr_count(px_named(c, "f")->stkctr), 2);

	/* a txn reused without http_rules_txn_end(): the frontend's call
	 * releases what the previous request tracked, and tracks again */
	txn = new_txn("GET / HTTP/1.1\r\n\r\n");
	inet_pton(AF_INET, "192.0.2.12", &src4.sin_addr);
	txn->fe = px_named(c, "f");
	for (int i = 1; i <= 11; i++) {
		enum http_verdict v = run(c, "f", txn, &r);

		CHECK_INT(v, i <= 10 ? HTTP_V_CONTINUE : HTTP_V_REPLY);
		http_reply_free(&r);
	}
	free_txn(txn);
	pxconf_free(c);
}

static void test_rate_limit_other_table(void)
{
	/* the neutron metadata proxy pattern (compat file 07) */
	struct pxconf *c = parse(FE_HEAD "backend base_rate_limiter\n stick-table type ip size 10k expire 10s store http_req_rate(10s)\n"
				 "frontend f\n bind :8080\n"
				 " http-request track-sc0 src table base_rate_limiter\n"
				 " http-request deny deny_status 429 if { src_http_req_rate(base_rate_limiter) gt 3 }\n"
				 " http-request deny deny_status 403 if { sc_http_err_rate(0) gt 1 }\n"
				 " default_backend b\nbackend b\n server a 127.0.0.1:1\n");
	struct http_txn *txn;
	struct http_reply r;
	int denied = 0;

	CHECK(c != NULL);
	for (int i = 0; i < 5; i++) {
		txn = new_txn("GET / HTTP/1.1\r\n\r\n");
		if (run(c, "f", txn, &r) == HTTP_V_REPLY) {
			CHECK_INT(r.status, 429);
			denied++;
		}
		http_reply_free(&r);
		free_txn(txn);
	}
	CHECK_INT(denied, 2);
	pxconf_free(c);
}


/* ---- the compat files of ../shared/compat/haproxy ---- */

#define COMPAT_DIR "../shared/compat/haproxy"

/* The file with `edits` (pairs: from, to) applied; NULL if absent. */
static struct pxconf *compat_edited(const char *file, const char *const *edits)
{
	char *path = xasprintf("%s/%s", COMPAT_DIR, file);
	FILE *fp = fopen(path, "r");
	struct strbuf text = STRBUF_INIT;
	struct pxconf *c;
	char buf[4096];
	size_t n;
	int nwarn;

	if (!fp) {
		printf("  (skipped: %s not found)\n", path);
		free(path);
		return NULL;
	}
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		sb_append(&text, buf, n);
	fclose(fp);
	for (; edits[0]; edits += 2) {
		struct strbuf out = STRBUF_INIT;
		const char *s = sb_str(&text), *hit;

		while ((hit = strstr(s, edits[0]))) {
			sb_append(&out, s, (size_t)(hit - s));
			sb_puts(&out, edits[1]);
			s = hit + strlen(edits[0]);
		}
		sb_puts(&out, s);
		sb_free(&text);
		text = out;
	}
	sb_reset(&msgs);
	c = cfg_parse_mem(path, sb_str(&text), text.len, &msgs, &nwarn);
	if (!c)
		fprintf(stderr, "%s", sb_str(&msgs));
	CHECK(c != NULL);
	sb_free(&text);
	free(path);
	return c;
}

static void test_compat_kolla(void)
{
	static const char *const e04[] = { "group kolla", "group root", "user haproxy", "user root",
		"group haproxy", "group root", " ssl crt /etc/haproxy/certificates/haproxy.pem alpn h2,http/1.1", "", NULL };
	struct pxconf *c = compat_edited("04-kolla-ansible-rendered.cfg", e04);
	struct proxy *px;
	struct http_txn *txn;
	struct http_reply r;

	if (!c)
		return;
	px = px_named(c, "stats");
	CHECK(px->http.stats.enabled);
	CHECK_STR(px->http.stats.uri, "/");
	CHECK_STR(px->http.stats.realm, "Haproxy Stats");
	CHECK_STR(px->http.stats.auth[0], "openstack:STATS_PASSWORD");
	CHECK_INT(px->http.stats.refresh_ms, 15000);

	txn = new_txn("GET /metrics HTTP/1.1\r\n\r\n");
	CHECK_INT(run(c, "metrics", txn, &r), HTTP_V_PROMETHEUS);
	http_reply_free(&r);
	free_txn(txn);

	txn = new_txn("GET / HTTP/1.1\r\n\r\n");
	CHECK_INT(run(c, "status", txn, &r), HTTP_V_REPLY);
	CHECK_INT(r.status, 200);
	http_reply_free(&r);
	free_txn(txn);

	txn = new_txn("GET /Server-Status/x HTTP/1.1\r\nX-Forwarded-Proto: http\r\n\r\n");
	CHECK_INT(run(c, "keystone_external_front", txn, &r), HTTP_V_REPLY);
	CHECK_INT(r.status, 403);
	http_reply_free(&r);
	free_txn(txn);

	txn = new_txn("GET /v3 HTTP/1.1\r\nX-Forwarded-Proto: http\r\n\r\n");
	px = px_named(c, "keystone_external_front");
	CHECK_INT(run(c, "keystone_external_front", txn, &r), HTTP_V_CONTINUE);
	CHECK(hdr(&txn->req, "X-Forwarded-Proto") == NULL);   /* deleted; ssl_fc is false */
	CHECK_STR(http_select_backend(px, txn)->id, "keystone_external_back");
	http_add_forwardfor(px, txn);
	CHECK_STR(hdr(&txn->req, "X-Forwarded-For"), "192.0.2.10");
	http_reply_free(&r);
	free_txn(txn);
	pxconf_free(c);
}

static void test_compat_openstack_ansible(void)
{
	static const char *const e05[] = { "user haproxy", "user root", "group haproxy", "group root",
		" ssl crt /etc/haproxy/ssl/haproxy_lb1-203.0.113.9.pem alpn h2,http/1.1", "", NULL };
	struct pxconf *c = compat_edited("05-openstack-ansible-rendered.cfg", e05);
	struct proxy *px;
	struct http_txn *txn;
	struct http_reply r;

	if (!c)
		return;
	px = px_named(c, "stats");
	CHECK(px->http.stats.hide_version && px->http.stats.show_node && px->http.stats.show_legends);
	CHECK(px->http.stats.admin_cond != NULL);
	txn = new_txn("GET / HTTP/1.1\r\nAuthorization: Basic YWRtaW46U1RBVFNfUEFTU1dPUkQ=\r\n\r\n");
	CHECK_INT(run(c, "stats", txn, &r), HTTP_V_STATS);
	CHECK(http_stats_admin(px, txn));
	http_reply_free(&r);
	free_txn(txn);

	/* 4xx responses counted by http_err_rate: the 22nd request within
	 * 10 s after 21 errors is refused, except from private networks */
	px = px_named(c, "keystone_service-back");
	CHECK(stkctr_table_stores(px->stkctr, STKCTR_HTTP_ERR_RATE));
	inet_pton(AF_INET, "203.0.113.77", &src4.sin_addr);
	for (int i = 0; i < 22; i++) {
		enum http_verdict v;

		txn = new_txn("GET /v3 HTTP/1.1\r\n\r\n");
		src4.sin_family = AF_INET;
		inet_pton(AF_INET, "203.0.113.77", &src4.sin_addr);
		v = run(c, "keystone_service-back", txn, &r);
		if (i < 21) {
			CHECK_INT(v, HTTP_V_CONTINUE);
			http_track_response(txn, 401);
		} else {
			CHECK_INT(v, HTTP_V_REPLY);
			CHECK_INT(r.status, 429);
		}
		http_reply_free(&r);
		free_txn(txn);
	}
	pxconf_free(c);
}

static void test_compat_neutron_metadata(void)
{
	static const char *const e07[] = { "user        neutron", "user root", "group       neutron", "group root", NULL };
	struct pxconf *c = compat_edited("07-neutron-metadata-proxy-ratelimited.cfg", e07);
	struct http_txn *txn;
	struct http_reply r;

	if (!c)
		return;
	for (int i = 1; i <= 11; i++) {
		txn = new_txn("GET /latest/meta-data HTTP/1.1\r\n\r\n");
		CHECK_INT(run(c, "listener", txn, &r), i <= 10 ? HTTP_V_CONTINUE : HTTP_V_REPLY);
		if (i == 11)
			CHECK_INT(r.status, 429);
		http_reply_free(&r);
		free_txn(txn);
	}
	pxconf_free(c);
}

static void test_lb_hash(void)
{
	struct pxconf *c = parse(FE_HEAD "backend u\n balance uri depth 2\n server a 127.0.0.1:1\n"
				 "backend w\n balance uri whole\n server a 127.0.0.1:1\n"
				 "backend p\n balance url_param sid\n server a 127.0.0.1:1\n"
				 "backend h\n balance hdr(X-User)\n server a 127.0.0.1:1\n");
	struct http_txn *t1, *t2, *t3;
	uint32_t h1, h2, h3;

	CHECK(c != NULL);
	t1 = new_txn("GET /a/b/c?x=1 HTTP/1.1\r\nX-User: bob\r\n\r\n");
	t2 = new_txn("GET /a/b/d?sid=7 HTTP/1.1\r\n\r\n");
	t3 = new_txn("GET /a/b HTTP/1.1\r\nX-User: bob\r\n\r\n");
	CHECK(http_lb_hash(px_named(c, "u"), t1, &h1) && http_lb_hash(px_named(c, "u"), t2, &h2));
	CHECK(http_lb_hash(px_named(c, "u"), t3, &h3));
	CHECK(h1 == h2 && h1 == h3);              /* depth 2: "/a/b" */
	CHECK(http_lb_hash(px_named(c, "w"), t1, &h1) && http_lb_hash(px_named(c, "w"), t2, &h2));
	CHECK(h1 != h2);
	CHECK(!http_lb_hash(px_named(c, "p"), t1, &h1));
	CHECK(http_lb_hash(px_named(c, "p"), t2, &h2));
	CHECK(http_lb_hash(px_named(c, "h"), t1, &h1) && http_lb_hash(px_named(c, "h"), t3, &h3));
	CHECK(h1 == h3);
	CHECK(!http_lb_hash(px_named(c, "h"), t2, &h2));
	free_txn(t1);
	free_txn(t2);
	free_txn(t3);
	pxconf_free(c);
}

int main(void)
{
	RUN(test_builtin_errors);
	RUN(test_errorfile);
	RUN(test_acl_criteria);
	RUN(test_acl_tcp_eval_ignores_http);
	RUN(test_header_actions);
	RUN(test_deny_return_allow);
	RUN(test_redirects);
	RUN(test_use_backend_formats);
	RUN(test_response_rules);
	RUN(test_forwardfor);
	RUN(test_cookie_insert);
	RUN(test_auth_and_stats);
	RUN(test_rate_limit);
	RUN(test_rate_limit_other_table);
	RUN(test_lb_hash);
	RUN(test_compat_kolla);
	RUN(test_compat_openstack_ansible);
	RUN(test_compat_neutron_metadata);
	sb_free(&msgs);
	UNIT_DONE();
}
