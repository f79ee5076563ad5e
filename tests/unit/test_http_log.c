/* Tests for src/proxy/http_log.c: log lines for hand-filled exchanges,
 * compared with lines HAProxy 2.6.12 printed for the same exchanges
 * (`log stdout format raw`, `option httplog`, TZ=UTC). */
#include "unit.h"
#include "lib/strbuf.h"
#include "proxy/http_log.h"
#include "proxy/http_rules.h"
#include "proxy/proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <time.h>

static struct sockaddr_in src_addr, dst_addr;
static struct proxy fe;

static void setup(struct http_log_info *in)
{
	setenv("TZ", "UTC", 1);
	tzset();
	memset(&fe, 0, sizeof(fe));
	fe.id = "fl";
	fe.options = PXO_HTTPLOG;
	memset(&src_addr, 0, sizeof(src_addr));
	src_addr.sin_family = AF_INET;
	src_addr.sin_port = htons(45216);
	inet_pton(AF_INET, "127.0.0.1", &src_addr.sin_addr);
	dst_addr = src_addr;
	dst_addr.sin_port = htons(18082);

	memset(in, 0, sizeof(*in));
	in->src = (const struct sockaddr *)&src_addr;
	in->accept_date.tv_sec = 1795626198;          /* 25/Nov/2026:17:03:18 UTC */
	in->accept_date.tv_nsec = 220 * 1000000L + 123;
	in->fe = "fl";
	in->be = "bl";
	in->srv = "s1";
	in->tr = 0;
	in->tw = 0;
	in->tc = 0;
	in->trs = 9;
	in->ta = 9;
	in->status = 404;
	in->bytes_read = 500;
	memcpy(in->term, "----", 5);
	in->actconn = in->feconn = 1;
	in->request_line = "GET /a%22b?x=1 HTTP/1.1";
}

/* The line, in a buffer reused by every call of a test. */
static const char *format(const struct http_log_info *in)
{
	static struct strbuf sb = STRBUF_INIT;

	sb_free(&sb);
	http_log_format(&fe, in, &sb);
	return sb_str(&sb);
}

static void test_httplog_default(void)
{
	struct http_log_info in;

	setup(&in);
	CHECK_STR(format(&in), "127.0.0.1:45216 [25/Nov/2026:17:03:18.220] fl bl/s1 "
		  "0/0/0/9/9 404 500 - - ---- 1/1/0/0/0 0/0 \"GET /a%22b?x=1 HTTP/1.1\"");
}

static void test_httplog_badreq(void)
{
	struct http_log_info in;

	setup(&in);
	src_addr.sin_port = htons(42304);
	in.accept_date.tv_nsec = 943 * 1000000L;
	in.be = "fl";
	in.srv = NULL;
	in.tr = in.tw = in.tc = in.trs = -1;
	in.ta = 0;
	in.status = 400;
	in.bytes_read = 0;
	memcpy(in.term, "PR--", 5);
	in.request_line = NULL;
	CHECK_STR(format(&in), "127.0.0.1:42304 [25/Nov/2026:17:03:18.943] fl fl/<NOSRV> "
		  "-1/-1/-1/-1/0 400 0 - - PR-- 1/1/0/0/0 0/0 \"<BADREQ>\"");
}

static void test_request_line_escaped(void)
{
	struct http_log_info in;
	const char *line;

	setup(&in);
	in.request_line = "GET /\"#\x01 HTTP/1.1";
	line = format(&in);
	CHECK_CONTAINS(line, " 0/0 \"GET /#22#23#01 HTTP/1.1\"");
}

static void test_log_format_variables(void)
{
	struct http_log_info in;

	setup(&in);
	fe.id = "fl2";
	in.fe = "fl2";
	src_addr.sin_port = htons(52442);
	in.accept_date.tv_nsec = 275 * 1000000L;
	in.request_line = "GET /p?q=1 HTTP/1.1";
	memcpy(in.term, "--NI", 5);
	/* The line HAProxy printed, except %[src] which prints "-" here. */
	fe.log_format = "%ci:%cp [%t] %ft %b/%s %Tq %HM %HU %HP %HQ %HV %ts %{+Q}ST "
			"%{+X}ST %%  x%hr%hs y %{+Q}CC %[src] %trg %Ts";
	CHECK_STR(format(&in), "127.0.0.1:52442 [25/Nov/2026:17:03:18.275] fl2 bl/s1 0 GET "
		  "/p?q=1 /p ?q=1 HTTP/1.1 -- 404 404 % x y \"\" - 25/Nov/2026:17:03:18 +0000 "
		  "1795626198");
}

static void test_log_format_addresses(void)
{
	struct http_log_info in;
	struct http_txn *txn = calloc(1, sizeof(*txn));

	setup(&in);
	txn->dst = (const struct sockaddr *)&dst_addr;
	in.txn = txn;
	fe.log_format = "%fi:%fp %{+X}ci:%{+X}cp %{+Q}b %si %B %tsc %U %ID";
	CHECK_STR(format(&in), "127.0.0.1:18082 7F000001:B0A0 \"bl\" - 500 ---- 0 -");
	free(txn);
}

static void test_tcplog(void)
{
	struct http_log_info in;

	setup(&in);
	fe.options = PXO_TCPLOG;
	memcpy(in.term, "SD--", 5);
	CHECK_STR(format(&in), "127.0.0.1:45216 [25/Nov/2026:17:03:18.220] fl bl/s1 "
		  "0/0/9 500 SD 1/1/0/0/0 0/0");
}

static void test_check(void)
{
	char err[256] = "";

	CHECK_INT(http_log_format_check(&fe, HTTP_LOG_FORMAT_HTTP, err, sizeof(err)), 0);
	CHECK_INT(http_log_format_check(&fe, HTTP_LOG_FORMAT_TCP, err, sizeof(err)), 0);
	CHECK_INT(http_log_format_check(&fe, "%{+Q}[capture.req.hdr(0)] 100%% %pid", err, sizeof(err)), 0);
	CHECK_INT(http_log_format_check(&fe, "x%hr%hsy", err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "no such format variable 'hsy'. If you wanted to emit the '%' "
		  "character verbatim, you need to use '%%'");
	CHECK_INT(http_log_format_check(&fe, "50%", err, sizeof(err)), -EINVAL);
	CHECK_INT(http_log_format_check(&fe, "%[src", err, sizeof(err)), -EINVAL);
	CHECK_INT(http_log_format_check(&fe, "%{+Q", err, sizeof(err)), -EINVAL);
	/* HAProxy 2.6: the request is gone when the line is written */
	CHECK_INT(http_log_format_check(&fe, "%ci %[req.hdr(host),lower] x", err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "sample fetch <req.hdr(host),lower] x> may not be reliably used here because "
		  "it needs 'HTTP request headers' which is not available here");
	CHECK_INT(http_log_format_check(&fe, "%[nope]", err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "failed to parse sample expression <nope]> : unknown fetch method 'nope'");
}

/* Compiled %[...] blocks print their samples: missing ones as "-" (""
 * quoted), numbers and strings as they are. */
static void test_log_format_samples(void)
{
	struct http_log_info in;
	struct http_txn *txn = calloc(1, sizeof(*txn));
	char err[256] = "";

	setup(&in);
	txn->src = (const struct sockaddr *)&src_addr;
	in.txn = txn;
	fe.log_format = strdup("%[src] %{+Q}[src] %[str(Ab),upper] %[int(7)] %{+Q}[int(7)] "
			       "%[var(txn.none)] %{+Q}[var(txn.none)] %[src_port]");
	CHECK_INT(http_log_format_compile(&fe, err, sizeof(err)), 0);
	CHECK_STR(format(&in), "127.0.0.1 \"127.0.0.1\" AB 7 \"7\" - \"\" 45216");
	http_rules_free(&fe);
	free(txn);
}

int main(void)
{
	RUN(test_httplog_default);
	RUN(test_httplog_badreq);
	RUN(test_request_line_escaped);
	RUN(test_log_format_variables);
	RUN(test_log_format_addresses);
	RUN(test_tcplog);
	RUN(test_log_format_samples);
	RUN(test_check);
	UNIT_DONE();
}
