/* Tests for src/proxy/cfgparse*.c and acl.c: the model built from a
 * configuration, defaults inheritance, every error message with its
 * FILE:LINE, and the real-world files of ../shared/compat/haproxy. */
#include "unit.h"
#include "proxy/acl.h"
#include "proxy/cfgparse.h"
#include "proxy/send_proxy.h"
#include "lib/strbuf.h"
#include "lib/util.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/stat.h>

#define COMPAT_DIR "../shared/compat/haproxy"

/* Five lines: the snippets of the error table start at line 6. */
#define PRE "defaults\n mode tcp\n timeout connect 5s\n timeout client 5s\n timeout server 5s\n"

static struct strbuf msgs;
static int nwarn;

static struct pxconf *parse(const char *text)
{
	sb_reset(&msgs);
	nwarn = -1;
	return cfg_parse_mem("t.cfg", text, strlen(text), &msgs, &nwarn);
}

static char *read_all(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf;
	long n;

	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = xcalloc(1, (size_t)n + 1);
	if (fread(buf, 1, (size_t)n, fp) != (size_t)n)
		n = 0;
	fclose(fp);
	return buf;
}

static char *replace_all(const char *s, const char *from, const char *to)
{
	struct strbuf sb = STRBUF_INIT;
	const char *hit;

	while ((hit = strstr(s, from))) {
		sb_append(&sb, s, (size_t)(hit - s));
		sb_puts(&sb, to);
		s = hit + strlen(from);
	}
	sb_puts(&sb, s);
	return sb.s;
}

static void test_model_basic(void)
{
	struct pxconf *c = parse(
		"global\n"
		"  daemon\n"
		"  nbthread 4\n"
		"  pidfile /run/x.pid\n"
		"  stats socket /run/x.sock mode 600 level admin expose-fd listeners\n"
		"  stats socket 127.0.0.1:9999 level user\n"
		"  stats timeout 2m\n"
		"  hard-stop-after 5m\n"
		"  tune.bufsize 32k\n"
		"  log 127.0.0.1:514 local2 warning\n"
		PRE
		"frontend fe\n"
		"  bind 127.0.0.1:8000-8002,[::1]:9000 name x transparent\n"
		"  maxconn 100\n"
		"  default_backend be\n"
		"  log global\n"
		"backend be\n"
		"  balance leastconn\n"
		"  option redispatch\n"
		"  option tcpka\n"
		"  retries 5\n"
		"  server a 10.0.0.1:80 check inter 3s rise 3 fall 4 weight 20 backup maxconn 7\n"
		"  server b 10.0.0.2 disabled send-proxy-v2 on-marked-down shutdown-sessions\n"
		"  server c 10.0.0.3 check port 9200\n");
	struct proxy *fe, *be;
	struct server *s;

	CHECK(c != NULL);
	CHECK_INT(nwarn, 0);
	CHECK(c->global.daemon);
	CHECK_INT(c->global.nbthread, 4);
	CHECK_INT(c->global.maxconn, 4096);
	CHECK_STR(c->global.pidfile, "/run/x.pid");
	CHECK_INT(c->global.nstats_sockets, 2);
	CHECK_INT(c->global.stats_sockets[0].mode, 0600);
	CHECK_INT(c->global.stats_sockets[0].level, CLI_LEVEL_ADMIN);
	CHECK(c->global.stats_sockets[0].expose_fd_listeners);
	CHECK_INT(c->global.stats_sockets[1].level, CLI_LEVEL_USER);
	CHECK_INT(c->global.stats_timeout_ms, 120000);
	CHECK_INT(c->global.hard_stop_after_ms, 300000);
	CHECK_INT(c->global.bufsize, 32768);
	CHECK_INT(c->global.maxhdr, 101);
	CHECK_INT(c->global.nlogs, 1);

	CHECK_INT(c->nproxies, 2);
	fe = pxconf_find_proxy(c, "fe", PX_CAP_FE);
	be = pxconf_find_proxy(c, "be", PX_CAP_BE);
	CHECK(fe && be);
	CHECK(pxconf_find_proxy(c, "fe", PX_CAP_BE) == NULL);
	CHECK_INT(fe->uuid, 1);
	CHECK_INT(be->uuid, 2);
	CHECK_INT(fe->nlisteners, 4);
	CHECK_INT(addr_port(&fe->listeners[2]->addr), 8002);
	CHECK_STR(fe->listeners[0]->name, "x");
	CHECK(fe->listeners[0]->transparent);
	CHECK_INT(fe->listeners[3]->addr.ss.ss_family, AF_INET6);
	CHECK_INT(fe->listeners[0]->fd, -1);
	CHECK_INT(fe->maxconn, 100);
	CHECK(fe->default_backend == be);
	CHECK_INT(fe->nlogs, 1);
	CHECK(fe->logs[0] == c->global.logs[0]);
	CHECK_INT(fe->timeouts.client, 5000);
	CHECK_STR(fe->conf_file, "t.cfg");
	CHECK_INT(fe->conf_line, 16);

	CHECK_INT(be->lb, LB_LEASTCONN);
	CHECK_INT(be->retries, 5);
	CHECK(be->options & PXO_REDISPATCH);
	CHECK((be->options & PXO_TCPKA) == PXO_TCPKA);
	CHECK_INT(be->nservers, 3);
	s = proxy_find_server(be, "a");
	CHECK(s && s->puid == 1 && s->px == be);
	CHECK(s->check_enabled);
	CHECK_INT(s->inter_ms, 3000);
	CHECK_INT(s->fastinter_ms, 3000);
	CHECK_INT(s->rise, 3);
	CHECK_INT(s->fall, 4);
	CHECK_INT(s->health, 3);
	CHECK_INT(s->iweight, 20);
	CHECK_INT(s->uweight, 20);
	CHECK(s->backup);
	CHECK_INT(s->maxconn, 7);
	CHECK_INT(s->op_state, SRV_ST_RUNNING);
	CHECK_INT(s->check_status, HCHK_INI);
	CHECK(s->addr_port_given);
	s = proxy_find_server(be, "b");
	CHECK(s && s->puid == 2);
	CHECK(!s->addr_port_given);
	CHECK_INT(s->admin, SRV_ADMF_CMAINT);
	CHECK_INT(s->op_state, SRV_ST_STOPPED);
	CHECK(s->send_proxy_v2 && s->shutdown_on_down);
	CHECK_INT(s->iweight, 1);
	CHECK_INT(s->rise, 2);
	CHECK_INT(s->fall, 3);
	CHECK_INT(s->inter_ms, 2000);
	CHECK_INT(s->health, 0);
	CHECK_INT(proxy_find_server(be, "c")->check_port, 9200);
	CHECK(proxy_find_server(be, "zz") == NULL);
	pxconf_free(c);
}

static void test_defaults_inheritance(void)
{
	struct pxconf *c = parse(
		"defaults base\n"
		"  mode tcp\n"
		"  timeout connect 1s\n"
		"  timeout client 2s\n"
		"  timeout server 3s\n"
		"  retries 7\n"
		"  option redispatch\n"
		"  balance source\n"
		"  default-server inter 3s fall 5 check\n"
		"defaults\n"
		"  timeout connect 10s\n"
		"  timeout client 20s\n"
		"  timeout server 30s\n"
		"listen a from base\n"
		"  bind :1000\n"
		"  no option redispatch\n"
		"  server s 1.1.1.1:1\n"
		"listen b\n"
		"  bind :1001\n"
		"  server s 1.1.1.1:1\n"
		"defaults other from base\n"
		"  retries 9\n"
		"backend c\n"
		"  timeout connect 1s\n"
		"  timeout server 1s\n"
		"  server s 1.1.1.1:1 no-check\n");
	struct proxy *a, *b, *cc;

	CHECK(c != NULL);
	a = pxconf_find_proxy(c, "a", PX_CAP_FE);
	b = pxconf_find_proxy(c, "b", PX_CAP_FE);
	cc = pxconf_find_proxy(c, "c", PX_CAP_BE);
	CHECK(a && b && cc);
	CHECK_INT(a->timeouts.connect, 1000);
	CHECK_INT(a->retries, 7);
	CHECK(!(a->options & PXO_REDISPATCH));
	CHECK_INT(a->lb, LB_SOURCE);
	CHECK(a->servers[0]->check_enabled);
	CHECK_INT(a->servers[0]->inter_ms, 3000);
	CHECK_INT(a->servers[0]->fall, 5);
	/* the unnamed defaults is the last one: fresh values */
	CHECK_INT(b->timeouts.connect, 10000);
	CHECK_INT(b->retries, 3);
	CHECK_INT(b->lb, LB_ROUNDROBIN);
	CHECK(!b->servers[0]->check_enabled);
	/* "defaults other from base" is now the implicit one */
	CHECK_INT(cc->retries, 9);
	CHECK_INT(cc->lb, LB_SOURCE);
	CHECK(!cc->servers[0]->check_enabled);
	CHECK_INT(cc->servers[0]->fall, 5);
	pxconf_free(c);
}

static void test_checks_model(void)
{
	struct pxconf *c = parse(PRE
		"backend h\n"
		"  option httpchk GET /health HTTP/1.1\\r\\nHost:\\ www\n"
		"  http-check expect rstatus ^2\n"
		"  server s 1.1.1.1:80 check\n"
		"backend h2\n"
		"  option httpchk\n"
		"  http-check send meth HEAD uri /x ver HTTP/1.1 hdr Host a hdr X-A b body hi\n"
		"  http-check expect ! string down\n"
		"  server s 1.1.1.1:80 check\n"
		"backend t\n"
		"  option tcp-check\n"
		"  tcp-check connect port 8080\n"
		"  tcp-check send PING\\r\\n\n"
		"  tcp-check send-binary 0a0B\n"
		"  tcp-check expect string +PONG\n"
		"  tcp-check expect binary 00ff\n"
		"  tcp-check comment hello\n"
		"  server s 1.1.1.1:80 check\n"
		"backend m\n"
		"  option mysql-check user haproxy post-41\n"
		"  server s 1.1.1.1:80 check\n");
	struct proxy *px;

	CHECK(c != NULL);
	CHECK_INT(nwarn, 1);   /* legacy header form */
	px = pxconf_find_proxy(c, "h", PX_CAP_BE);
	CHECK_INT(px->check.type, CHK_HTTP);
	CHECK_STR(px->check.http_method, "GET");
	CHECK_STR(px->check.http_uri, "/health");
	CHECK_STR(px->check.http_version, "HTTP/1.1");
	CHECK_STR(px->check.http_headers, "Host: www\r\n");
	CHECK_INT(px->check.nrules, 1);
	CHECK_INT(px->check.rules[0].action, TCPCHK_EXPECT_RSTATUS);
	CHECK(regexec(&px->check.rules[0].re, "204", 0, NULL, 0) == 0);
	px = pxconf_find_proxy(c, "h2", PX_CAP_BE);
	CHECK_STR(px->check.http_method, "HEAD");
	CHECK_STR(px->check.http_uri, "/x");
	CHECK_STR(px->check.http_version, "HTTP/1.1");
	CHECK_STR(px->check.http_headers, "Host: a\r\nX-A: b\r\n");
	CHECK_STR(px->check.http_body, "hi");
	CHECK(px->check.rules[0].negate);
	CHECK_STR(px->check.rules[0].data, "down");
	px = pxconf_find_proxy(c, "t", PX_CAP_BE);
	CHECK_INT(px->check.type, CHK_TCPCHK);
	CHECK_INT(px->check.nrules, 6);
	CHECK_INT(px->check.rules[0].action, TCPCHK_CONNECT);
	CHECK_INT(px->check.rules[0].port, 8080);
	CHECK_STR(px->check.rules[1].data, "PING\r\n");
	CHECK_INT(px->check.rules[2].len, 2);
	CHECK(memcmp(px->check.rules[2].data, "\x0a\x0b", 2) == 0);
	CHECK_INT(px->check.rules[3].action, TCPCHK_EXPECT_STRING);
	CHECK_INT(px->check.rules[4].len, 2);
	CHECK(memcmp(px->check.rules[4].data, "\x00\xff", 2) == 0);
	CHECK_INT(px->check.rules[5].action, TCPCHK_COMMENT);
	px = pxconf_find_proxy(c, "m", PX_CAP_BE);
	CHECK_INT(px->check.type, CHK_MYSQL);
	CHECK_STR(px->check.mysql_user, "haproxy");
	pxconf_free(c);
}

static void sin4(struct sockaddr_in *s, const char *ip, int port)
{
	memset(s, 0, sizeof(*s));
	s->sin_family = AF_INET;
	s->sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, ip, &s->sin_addr);
}

static void test_acl_rules(void)
{
	struct pxconf *c = parse(PRE
		"frontend f\n"
		"  bind :80\n"
		"  acl lan src 10.0.0.0/8 192.168.1.1\n"
		"  acl lan src 172.16.0.0/255.240.0.0\n"
		"  acl web dst_port 80 443 8000:8100\n"
		"  acl high src_port gt 1024\n"
		"  tcp-request inspect-delay 2s\n"
		"  tcp-request connection reject if !lan\n"
		"  tcp-request content accept if lan web || { dst 127.0.0.1 }\n"
		"  tcp-request content reject\n"
		"  use_backend b2 if web high\n"
		"  use_backend b2 unless TRUE\n"
		"  default_backend b\n"
		"backend b\n"
		"backend b2\n");
	struct sockaddr_in src, dst;
	struct proxy *f;

	if (!c)
		fprintf(stderr, "%s", sb_str(&msgs));
	CHECK(c != NULL);
	f = pxconf_find_proxy(c, "f", PX_CAP_FE);
	CHECK_INT(f->tcp_inspect_delay_ms, 2000);
	CHECK_INT(f->ntcp_rules, 3);
	CHECK_INT(f->tcp_rules[0].layer, TCP_RULE_CONNECTION);
	CHECK_INT(f->tcp_rules[0].action, TCP_ACT_REJECT);
	CHECK_INT(f->tcp_rules[1].layer, TCP_RULE_CONTENT);
	CHECK_INT(f->tcp_rules[1].action, TCP_ACT_ACCEPT);
	CHECK(f->tcp_rules[2].cond == NULL);
	CHECK_INT(f->tcp_rules[1].line, 14);

	sin4(&src, "10.1.2.3", 2000);
	sin4(&dst, "1.1.1.1", 80);
	CHECK(!acl_cond_eval(f->tcp_rules[0].cond, (struct sockaddr *)&src, (struct sockaddr *)&dst));
	CHECK(acl_cond_eval(f->tcp_rules[1].cond, (struct sockaddr *)&src, (struct sockaddr *)&dst));
	CHECK(acl_cond_eval(f->switch_rules[0].cond, (struct sockaddr *)&src, (struct sockaddr *)&dst));
	CHECK(!acl_cond_eval(f->switch_rules[1].cond, (struct sockaddr *)&src, (struct sockaddr *)&dst));
	sin4(&src, "172.20.0.1", 1000);
	CHECK(!acl_cond_eval(f->tcp_rules[0].cond, (struct sockaddr *)&src, (struct sockaddr *)&dst));
	CHECK(!acl_cond_eval(f->switch_rules[0].cond, (struct sockaddr *)&src, (struct sockaddr *)&dst));
	sin4(&src, "8.8.8.8", 2000);
	CHECK(acl_cond_eval(f->tcp_rules[0].cond, (struct sockaddr *)&src, (struct sockaddr *)&dst));
	CHECK(!acl_cond_eval(f->tcp_rules[1].cond, (struct sockaddr *)&src, (struct sockaddr *)&dst));
	sin4(&dst, "127.0.0.1", 22);
	CHECK(acl_cond_eval(f->tcp_rules[1].cond, (struct sockaddr *)&src, (struct sockaddr *)&dst));
	sin4(&dst, "1.1.1.1", 8050);
	sin4(&src, "10.0.0.1", 2000);
	CHECK(acl_cond_eval(f->tcp_rules[1].cond, (struct sockaddr *)&src, (struct sockaddr *)&dst));
	sin4(&dst, "1.1.1.1", 8101);
	CHECK(!acl_cond_eval(f->tcp_rules[1].cond, (struct sockaddr *)&src, (struct sockaddr *)&dst));
	CHECK(f->switch_rules[0].backend == pxconf_find_proxy(c, "b2", PX_CAP_BE));
	pxconf_free(c);
}

/* Each bad line and its exact message. The snippet follows PRE. */
static const struct {
	const char *cfg;
	const char *msg;
} bad[] = {
	{ "foo\n", "parsing [t.cfg:6] : unknown keyword 'foo' in 'defaults' section; did you mean 'no' maybe ?" },
	{ "global\n maxconn abc\n", "parsing [t.cfg:7] : 'maxconn' expects an integer argument (got 'abc')." },
	{ "global\n maxconn 0\n", "parsing [t.cfg:7] : 'maxconn' must be between 1 and 10000000 (got '0')." },
	{ "global\n nbthread\n", "parsing [t.cfg:7] : 'nbthread' expects an integer argument." },
	{ "global\n daemon 1\n", "parsing [t.cfg:7] : 'daemon' cannot handle unexpected argument '1'." },
	{ "global\n maxcon 5\n", "parsing [t.cfg:7] : unknown keyword 'maxcon' in 'global' section; did you mean 'maxconn' maybe ?" },
	{ "global\n zzzzzzzz\n", "parsing [t.cfg:7] : unknown keyword 'zzzzzzzz' in 'global' section" },
	{ "global\n user nosuchuser-xyz\n", "parsing [t.cfg:7] : cannot find user id for 'nosuchuser-xyz'" },
	{ "global\n group nosuchgroup-xyz\n", "parsing [t.cfg:7] : cannot find group id for 'nosuchgroup-xyz'" },
	{ "global\n uid -1\n", "parsing [t.cfg:7] : 'uid' expects a non-negative integer argument." },
	{ "global\n stats socket /x level bogus\n", "parsing [t.cfg:7] : 'stats socket' : 'level' only supports 'user', 'operator', and 'admin' (got 'bogus')" },
	{ "global\n stats socket /x mode 999\n", "parsing [t.cfg:7] : 'stats socket' : 'mode' expects an octal value (got '999')." },
	{ "global\n stats socket /x user nosuchuser-xyz\n", "parsing [t.cfg:7] : cannot find user id for 'nosuchuser-xyz'" },
	{ "global\n stats socket /x foo bar\n", "parsing [t.cfg:7] : 'stats socket' : unknown keyword 'foo'." },
	{ "global\n stats socket /x expose-fd all\n", "parsing [t.cfg:7] : 'stats socket' : 'expose-fd' expects 'listeners' as argument." },
	{ "global\n stats socket\n", "parsing [t.cfg:7] : 'stats socket' expects an address or a path to a UNIX socket as argument." },
	{ "global\n stats socket 1.2.3.4\n", "parsing [t.cfg:7] : 'stats socket' : missing port in '1.2.3.4'" },
	{ "global\n stats timeout 5x\n", "parsing [t.cfg:7] : 'stats timeout' expects a positive time value (got '5x')." },
	{ "global\n stats foo\n", "parsing [t.cfg:7] : 'stats' only supports 'socket', 'maxconn', 'bind-process' and 'timeout' (got 'foo')." },
	{ "global\n log 1.2.3.4 bogusfac\n", "parsing [t.cfg:7] : log : unknown log facility 'bogusfac'" },
	{ "global\n log 1.2.3.4 local0 loud\n", "parsing [t.cfg:7] : log : unknown optional log level 'loud'" },
	{ "global\n log 1.2.3.4\n", "parsing [t.cfg:7] : 'log' expects either <address[:port]> and <facility> or 'global' as arguments." },
	{ "global\n log global\n", "parsing [t.cfg:7] : 'log global' is only allowed in 'defaults', 'frontend', 'backend' and 'listen' sections." },
	{ "global\n log 1.2.3.4 format json local0\n", "parsing [t.cfg:7] : log : unknown log format 'json'" },
	{ "global\n log ring@x local0\n", "parsing [t.cfg:7] : log : target 'ring@x' is not supported by vigil-proxy yet." },
	{ "global\n tune.bufsize 10\n", "parsing [t.cfg:7] : 'tune.bufsize' expects a size between 1024 and 1073741824 (got '10')." },
	{ "global\n hard-stop-after 5x\n", "parsing [t.cfg:7] : 'hard-stop-after' expects a time value (in milliseconds, or with a unit: us, ms, s, m, h, d), got '5x'." },
	{ "global\n master-worker foo\n", "parsing [t.cfg:7] : 'master-worker' only supports 'no-exit-on-failure' option." },
	{ "global\n nbproc 2\n", "parsing [t.cfg:7] : 'nbproc' is not supported anymore, please check the documentation." },
	{ "global\n setenv X\n", "parsing [t.cfg:7] : 'setenv' expects a name and a value." },
	{ "global\n unsetenv\n", "parsing [t.cfg:7] : 'unsetenv' expects at least one variable name." },
	{ "global foo\n", "parsing [t.cfg:6] : 'global' cannot handle unexpected argument 'foo'." },
	{ "listen x 1.2.3.4:80\n server a 1.1.1.1:1\n", "parsing [t.cfg:6] : please use the 'bind' keyword for listening addresses." },
	{ "listen x 1.2.3.4:80\n server a 1.1.1.1:1\n", "parsing [t.cfg:7] : 'listen' or 'defaults' expected." },
	{ "frontend\n", "parsing [t.cfg:6] : 'frontend' expects <name> as argument." },
	{ "backend a/b\n", "parsing [t.cfg:6] : character '/' is not permitted in 'backend' name 'a/b'." },
	{ "backend b from nope\n", "parsing [t.cfg:6] : backend 'b' : unable to find defaults section 'nope'." },
	{ "defaults d from nope\n", "parsing [t.cfg:6] : defaults section 'd' : unable to find defaults section 'nope'." },
	{ "backend b\nbackend b\n", "Parsing [t.cfg:7]: backend 'b' has the same name as backend 'b' declared at t.cfg:6." },
	{ "listen b\n bind :1\nbackend b\n", "Parsing [t.cfg:8]: backend 'b' has the same name as proxy 'b' declared at t.cfg:6." },
	{ "backend b\n balanse roundrobin\n", "parsing [t.cfg:7] : unknown keyword 'balanse' in 'backend' section; did you mean 'balance' maybe ?" },
	{ "backend b\n balance bogus\n", "parsing [t.cfg:7] : 'balance' only supports 'roundrobin', 'static-rr', 'leastconn', 'source' and 'first' (got 'bogus')." },
	{ "backend b\n balance roundrobbin\n", "parsing [t.cfg:7] : 'balance' only supports 'roundrobin', 'static-rr', 'leastconn', 'source' and 'first' (got 'roundrobbin'); did you mean 'roundrobin' maybe ?" },
	{ "backend b\n balance url_param\n", "parsing [t.cfg:7] : balance url_param requires an URL parameter name." },
	{ "backend b\n balance hdr(host) use_domain_only\n", "parsing [t.cfg:7] : 'balance hdr() use_domain_only' is not supported by vigil-proxy yet" },
	{ "backend b\n balance\n", "parsing [t.cfg:7] : 'balance' expects an algorithm." },
	{ "backend b\n mode http\n http-reuse foo\n", "parsing [t.cfg:8] : 'http-reuse' only supports 'never', 'safe', 'aggressive', 'always'." },
	{ "frontend f\n mode http\n redirect location /x code 305\n", "parsing [t.cfg:8] : error detected in frontend 'f' while parsing redirect rule : 'code': unsupported HTTP code '305' (must be one of 301, 302, 303, 307 or 308)." },
	{ "frontend f\n mode http\n redirect foo /x\n", "parsing [t.cfg:8] : error detected in frontend 'f' while parsing redirect rule : expects 'code', 'prefix', 'location', 'scheme', 'set-cookie', 'clear-cookie', 'drop-query', 'ignore-empty' or 'append-slash' (was 'foo')." },
	{ "frontend f\n mode http\n http-request deny deny_status 999\n", "parsing [t.cfg:8] : error detected in frontend 'f' while parsing 'http-request deny' rule : Unexpected status code '999'." },
	{ "frontend f\n mode http\n http-request foo\n", "parsing [t.cfg:8] : 'http-request' expects 'wait-for-handshake', 'ot-group', 'set-log-level'" },
	{ "frontend f\n mode http\n http-request set-src src\n", "parsing [t.cfg:8] : 'http-request set-src' is not supported by vigil-proxy yet." },
	{ "frontend f\n mode http\n capture request header Host\n", "parsing [t.cfg:8] : 'capture request' expects 'header' <header_name> 'len' <len>." },
	{ "frontend f\n mode http\n stats foo\n", "parsing [t.cfg:8] : unknown stats parameter 'foo', expects 'admin', 'uri', 'realm', 'auth', 'scope', 'enable', 'hide-version', 'show-node', 'show-desc' or 'show-legends'." },
	{ "frontend f\n mode http\n errorfile 503 /nonexistent/503.http\n", "parsing [t.cfg:8] : errorfile : error opening file '/nonexistent/503.http'." },
	{ "frontend f\n mode http\n errorfile 599 /etc/hostname\n", "parsing [t.cfg:8] : errorfile : status code '599' not handled." },
	{ "frontend f\n mode http\n errorfile 503 /etc/hostname\n", "parsing [t.cfg:8] : errorfile : '/etc/hostname': unable to parse headers (error offset: 0)" },
	{ "frontend f\n mode http\n http-request track-sc0 src\n", "parsing [t.cfg:8] : frontend 'f': unable to find stick-table 'f'." },
	{ "frontend f\n mode http\n use_backend %[req.hdr(host),nosuchconv]\n", "parsing [t.cfg:8] : failed to parse use_backend rule '%[req.hdr(host),nosuchconv]' : failed to parse sample expression <req.hdr(host),nosuchconv]> : unknown converter 'nosuchconv'." },
	{ "frontend f\n mode http\n acl a http_auth(nolist)\n http-request auth if !a\n", "proxy 'f': unable to find userlist 'nolist' referenced in 'http_auth'." },
	{ "frontend f\n mode http\n http-request set-header X %bi\n", "parsing [t.cfg:8] : 'http-request set-header' : format variable '%bi' is not supported by vigil-proxy yet (use %[...] sample expressions)" },
	{ "frontend f\n mode http\n log-format \"%foo %ci\"\n", "parsing [t.cfg:8] : failed to parse log-format : no such format variable 'foo'. If you wanted to emit the '%' character verbatim, you need to use '%%'." },
	{ "frontend f\n mode http\n compression algo foo\n", "parsing [t.cfg:8] : 'compression' : 'foo' is not a supported algorithm." },
	{ "frontend f\n mode http\n http-request cache-use\n", "parsing [t.cfg:8] : error detected in frontend 'f' while parsing 'http-request cache-use' rule : expects a cache name." },
	{ "frontend f\n mode http\n http-after-response deny\n", "parsing [t.cfg:8] : 'http-after-response' expects 'ot-group', 'add-header', 'allow', 'capture', 'del-header', 'replace-header', 'replace-value', 'set-header', 'set-status', 'strict-mode', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', but got 'deny'." },
	{ "backend b\n mode health\n", "parsing [t.cfg:7] : 'mode health' doesn't exist anymore. Please use 'http-request return status 200' instead." },
	{ "backend b\n mode bogus\n", "parsing [t.cfg:7] : unknown proxy mode 'bogus'." },
	{ "backend b\n contimeout 5s\n", "parsing [t.cfg:7] : the 'contimeout' directive is not supported anymore since HAProxy 2.1. Use 'timeout connect'." },
	{ "backend b\n srvtimeout 5s\n", "parsing [t.cfg:7] : the 'srvtimeout' directive is not supported anymore since HAProxy 2.1. Use 'timeout server'." },
	{ "frontend f\n clitimeout 5s\n", "parsing [t.cfg:7] : the 'clitimeout' directive is not supported anymore since HAProxy 2.1. Use 'timeout client'." },
	{ "backend b\n timeout foo 5s\n", "parsing [t.cfg:7] : 'timeout' supports 'client', 'server', 'connect', 'check', 'queue', 'http-keep-alive', 'http-request', 'tunnel', 'tarpit', 'client-fin' and 'server-fin' (got 'foo')" },
	{ "backend b\n timeout server\n", "parsing [t.cfg:7] : 'timeout server' expects an integer value (in milliseconds)" },
	{ "backend b\n timeout server 5q\n", "parsing [t.cfg:7] : 'timeout server' : invalid time value '5q' (a delay in milliseconds, or with a unit: us, ms, s, m, h, d)." },
	{ "backend b\n retries x\n", "parsing [t.cfg:7] : 'retries' expects an integer argument (got 'x')." },
	{ "backend b\n option bogus\n", "parsing [t.cfg:7] : unknown option 'bogus'." },
	{ "backend b\n option redispatc\n", "parsing [t.cfg:7] : unknown option 'redispatc'; did you mean 'redispatch' maybe ?" },
	{ "backend b\n option redis-check\n", "parsing [t.cfg:7] : 'option redis-check' is not supported by vigil-proxy yet." },
	{ "backend b\n option ldap-check\n", "parsing [t.cfg:7] : 'option ldap-check' is not supported by vigil-proxy yet." },
	{ "backend b\n option redispatch 1\n", "parsing [t.cfg:7] : 'option redispatch' cannot handle unexpected argument '1'." },
	{ "backend b\n no option httpchk\n", "parsing [t.cfg:7] : 'no option httpchk' is not supported." },
	{ "backend b\n no foo\n", "parsing [t.cfg:7] : 'no' only supports 'option' and 'log' (got 'foo')." },
	{ "backend b\n option mysql-check foo\n", "parsing [t.cfg:7] : 'option mysql-check' only supports 'user <name> [post-41]'." },
	{ "backend b\n option httpchk a b c d\n", "parsing [t.cfg:7] : 'option httpchk' cannot handle unexpected argument 'd'." },
	{ "backend b\n stick-table type ip\n", "parsing [t.cfg:7] : 'stick-table' : missing size." },
	{ "backend b\n stick-table size 10\n", "parsing [t.cfg:7] : 'stick-table' : missing type." },
	{ "backend b\n stick-table type ipx size 10\n", "parsing [t.cfg:7] : 'stick-table' : unknown type 'ipx' (expected 'ip', 'ipv6', 'integer', 'string' or 'binary')." },
	{ "backend b\n stick-table type ip size 10 expire 5q\n", "parsing [t.cfg:7] : 'stick-table' : invalid expire '5q'." },
	{ "backend b\n stick-table type ip size 10 bogus 1\n", "parsing [t.cfg:7] : 'stick-table' : unknown argument 'bogus'." },
	{ "backend b\n stick-table type ip size 1\n stick-table type ip size 1\n", "parsing [t.cfg:8] : only one stick-table per proxy is allowed, 'b' has one already." },
	{ "backend b\n stick-table type ip size 2\n stick on src_port\n", "parsing [t.cfg:8] : 'stick on' : pattern 'src_port' is not supported by vigil-proxy yet (supported: src, dst)." },
	{ "backend b\n stick-table type ip size 2\n stick sometimes src\n", "parsing [t.cfg:8] : 'stick' : unknown keyword 'sometimes' (expected 'on', 'match', 'store-request' or 'store-response')." },
	{ "backend b\n stick-table type ip size 2\n stick on src foo\n", "parsing [t.cfg:8] : 'stick on' : unexpected 'foo' (expected 'table', 'if' or 'unless')." },
	{ "defaults\n server a 1.1.1.1:1\n", "parsing [t.cfg:7] : 'server' not allowed in 'defaults' section." },
	{ "defaults\n acl a src 1.1.1.1\n", "parsing [t.cfg:7] : 'acl' not allowed in 'defaults' section." },
	{ "backend b\n server a\n", "parsing [t.cfg:7] : 'server' expects <name> and <addr>[:<port>] as arguments." },
	{ "backend b\n server a 1.1.1.1:1 weight 300\n", "parsing [t.cfg:7] : 'server b/a' : weight of server a is not within 0 and 256 (300)." },
	{ "backend b\n server a 1.1.1.1:1 weitgh 3\n", "parsing [t.cfg:7] : 'server b/a' : unknown keyword 'weitgh'; did you mean 'weight' maybe ?" },
	{ "backend b\n server a 1.1.1.1:1 inter 5x\n", "parsing [t.cfg:7] : 'server b/a' : invalid time value '5x' for 'inter' (a positive delay is expected)." },
	{ "backend b\n server a 1.1.1.1:1 rise 0\n", "parsing [t.cfg:7] : 'server b/a' : 'rise' has to be > 0 (got '0')." },
	{ "backend b\n server a 1.1.1.1:1 fall\n", "parsing [t.cfg:7] : 'server b/a' : 'fall' expects an argument." },
	{ "backend b\n server a 1.1.1.1:1 port 70000\n", "parsing [t.cfg:7] : 'server b/a' : invalid port '70000' for 'port'." },
	{ "backend b\n server a 1.1.1.1:1 maxconn x\n", "parsing [t.cfg:7] : 'server b/a' : 'maxconn' expects an integer argument (got 'x')." },
	{ "backend b\n server a 1.1.1.1:1 addr foo\n", "parsing [t.cfg:7] : 'server b/a' : 'addr' : invalid address 'foo' (a numeric IPv4/IPv6 address is expected)" },
	{ "backend b\n server a 1.1.1.1:1 on-marked-down x\n", "parsing [t.cfg:7] : 'server b/a' : 'on-marked-down' expects 'shutdown-sessions' but got 'x'." },
	{ "backend b\n server a 1.1.1.1:1 ssl\n", "parsing [t.cfg:7] : 'server b/a' : verify is enabled by default but no CA file specified." },
	{ "backend b\n server a 1.1.1.1:1 check verify optional\n", "parsing [t.cfg:7] : 'server b/a' : 'verify' : unknown verify method 'optional', only 'none' and 'required' are supported." },
	{ "backend b\n server a 1.1.1.1:1 send-proxy-v2 proxy-v2-options ssl,foo\n", "parsing [t.cfg:7] : 'server b/a' : 'foo' : proxy v2 option not implemented." },
	{ "backend b\n server a 1.1.1.1:1 send-proxy-v2 proxy-v2-options ssl,\n", "parsing [t.cfg:7] : 'server b/a' : '' : proxy v2 option not implemented." },
	{ "backend b\n server a 1.1.1.1:1 send-proxy-v2 proxy-v2-options alpn\n", "parsing [t.cfg:7] : 'server b/a' : 'alpn' : proxy v2 option not implemented." },
	{ "backend b\n server a 1.1.1.1:1 send-proxy-v2 proxy-v2-options unique-id\n", "parsing [t.cfg:7] : 'server b/a' : 'proxy-v2-options unique-id' is not supported by vigil-proxy yet." },
	{ "backend b\n server a 1.1.1.1:1 proxy-v2-options\n", "parsing [t.cfg:7] : 'server b/a' : 'proxy-v2-options' expects an argument." },
	{ "backend b\n server a 1.1.1.1:1 track b/c\n", "parsing [t.cfg:7] : 'server b/a' : 'track' is not supported by vigil-proxy yet" },
	{ "backend b\n server a 1.1.1.1:99999\n", "parsing [t.cfg:7] : 'server b/a' : invalid port '99999'" },
	{ "backend b\n server a 1.1.1.1:+1\n", "parsing [t.cfg:7] : 'server b/a' : port offsets ('+1') are not supported by vigil-proxy yet" },
	{ "backend b\n server a host.invalid:+1\n", "parsing [t.cfg:7] : 'server b/a' : port offsets ('+1') are not supported by vigil-proxy yet" },
	{ "backend b\n server a nosuchhost.invalid:80\n", "parsing [t.cfg:7] : 'server b/a' : could not resolve address 'nosuchhost.invalid'." },
	{ "backend b\n server a 1.1.1.1:1\n server a 1.1.1.2:1\n", "parsing [t.cfg:8] : backend 'b', another server named 'a' was already defined, please use distinct names." },
	{ "backend b\n default-server weight 999\n", "parsing [t.cfg:7] : 'default-server' : weight of server  is not within 0 and 256 (999)." },
	{ "frontend f\n bind 1.2.3.4:99999\n", "parsing [t.cfg:7] : 'bind 1.2.3.4:99999' : invalid port '99999'" },
	{ "frontend f\n bind 1.2.3.4\n", "parsing [t.cfg:7] : 'bind 1.2.3.4' : missing port in '1.2.3.4'" },
	{ "frontend f\n bind\n", "parsing [t.cfg:7] : 'bind' expects {<path>|[addr1]:port1[-end1]}{,[addr]:port[-end]}... as arguments." },
	{ "frontend f\n bind :80 foo\n", "parsing [t.cfg:7] : 'bind :80' in section 'frontend': unknown keyword 'foo'; did you mean 'tfo' maybe ?" },
	{ "frontend f\n bind :80 ssl crt /x.pem\n", "parsing [t.cfg:7] : 'bind :80' in section 'frontend' : unable to stat SSL certificate from file '/x.pem' : No such file or directory." },
	{ "frontend f\n bind :80 namespace x\n", "parsing [t.cfg:7] : 'bind :80' : 'namespace' is not supported by vigil-proxy yet" },
	{ "frontend f\n bind :80 maxconn x\n", "parsing [t.cfg:7] : 'bind :80' : 'maxconn' expects a positive integer (got 'x')." },
	{ "frontend f\n bind :80 name\n", "parsing [t.cfg:7] : 'bind :80' : missing argument for 'name'." },
	{ "frontend f\n bind quic4@:443\n", "parsing [t.cfg:7] : 'bind quic4@:443' : address family of 'quic4@:443' is not supported by vigil-proxy yet" },
	{ "frontend f\n bind :0\n", "parsing [t.cfg:7] : 'bind :0' : invalid port '0'" },
	{ "frontend f\n bind :80\n use_backend\n", "parsing [t.cfg:8] : 'use_backend' expects a backend name." },
	{ "frontend f\n bind :80\n use_backend b when x\n", "parsing [t.cfg:8] : 'use_backend' : expects 'if' or 'unless' followed by a condition but found 'when'." },
	{ "frontend f\n bind :80\n use_backend b if nosuchacl\n", "parsing [t.cfg:8] : error detected while parsing switching rule : no such ACL : 'nosuchacl'." },
	{ "frontend f\n bind :80\n use_backend b if\n", "parsing [t.cfg:8] : error detected while parsing switching rule : missing condition after 'if'." },
	{ "frontend f\n bind :80\n use_backend b if TRUE ||\n", "parsing [t.cfg:8] : error detected while parsing switching rule : incomplete condition after '||'." },
	{ "frontend f\n bind :80\n use_backend b if { src 1.1.1.1\n", "parsing [t.cfg:8] : error detected while parsing switching rule : missing closing '}' in condition." },
	{ "frontend f\n bind :80\n default_backend\n", "parsing [t.cfg:8] : 'default_backend' expects a backend name." },
	{ "frontend f\n acl x src 1.2.3.4/33\n", "parsing [t.cfg:7] : error detected while parsing ACL 'x' : '1.2.3.4/33' is not a valid IPv4 or IPv6 address" },
	{ "frontend f\n acl x dst_port 80:70\n", "parsing [t.cfg:7] : error detected while parsing ACL 'x' : '80:70' is not a valid port or port range" },
	{ "frontend f\n bind :1\n tcp-request content reject if { path /x }\n", "parsing [t.cfg:8] : 'tcp-request content' conditions using HTTP criteria ('path') are not supported by vigil-proxy yet." },
	{ "frontend f\n bind :1\n use_backend b if { hdr(host) x }\nbackend b\n", "frontend 'f': 'use_backend b' conditions using HTTP criteria ('hdr') in a TCP proxy are not supported by vigil-proxy yet." },
	{ "frontend f\n acl b foo_bar x\n", "parsing [t.cfg:7] : error detected while parsing ACL 'b' : unknown fetch method 'foo_bar' in ACL expression 'foo_bar'." },
	{ "frontend f\n acl x ssl_c_sha1 a\n", "parsing [t.cfg:7] : ACL criterion 'ssl_c_sha1' is not supported by vigil-proxy yet" },
	{ "frontend f\n acl x path_beg -m foo /x\n", "parsing [t.cfg:7] : error detected while parsing ACL 'x' : unknown matching method 'foo' when parsing ACL expression." },
	{ "frontend f\n acl x path_reg ([\n", "parsing [t.cfg:7] : error detected while parsing ACL 'x' : invalid regex '(['" },
	{ "frontend f\n acl x foo 1\n", "parsing [t.cfg:7] : error detected while parsing ACL 'x' : unknown fetch method 'foo' in ACL expression 'foo'." },
	{ "frontend f\n acl x src\n", "parsing [t.cfg:7] : error detected while parsing ACL 'x' : criterion 'src' expects at least one value" },
	{ "frontend f\n acl x always_true 1\n", "parsing [t.cfg:7] : error detected while parsing ACL 'x' : 'always_true' takes no value (got '1')" },
	{ "frontend f\n acl x src -m beg 1.1.1.1\n", "parsing [t.cfg:7] : error detected while parsing ACL 'x' : match method 'beg' is not supported with criterion 'src' by vigil-proxy" },
	{ "frontend f\n acl x src -q 1.1.1.1\n", "parsing [t.cfg:7] : error detected while parsing ACL 'x' : '-q' is not a valid flag (-i, -n, -u, -m, -f, --)" },
	{ "frontend f\n acl x src -f /nonexistent/file\n", "parsing [t.cfg:7] : error detected while parsing ACL 'x' : failed to open pattern file </nonexistent/file>" },
	{ "frontend f\n acl TRUE src 1.1.1.1\n", "parsing [t.cfg:7] : 'acl' : 'TRUE' is a reserved ACL name" },
	{ "frontend f\n acl a/b src 1.1.1.1\n", "parsing [t.cfg:7] : 'acl' : invalid character '/' in ACL name 'a/b'" },
	{ "frontend f\n acl x\n", "parsing [t.cfg:7] : 'acl' expects an ACL name and a criterion." },
	{ "frontend f\n tcp-request content bogus\n", "parsing [t.cfg:7] : 'tcp-request content' expects 'accept', 'reject', 'capture', 'expect-proxy', 'track-sc0' ... 'track-sc2', 'set-var(*)', 'silent-drop', ... in frontend 'f' (got 'bogus')." },
	{ "frontend f\n tcp-request content capture src len 5\n", "parsing [t.cfg:7] : 'tcp-request content capture' is not supported by vigil-proxy yet." },
	{ "frontend f\n tcp-request connection track-sc3 src\n", "parsing [t.cfg:7] : 'tcp-request connection track-sc3' : 3 track-sc number exceeding 2 (MAX_SESS_STKCTR-1) value" },
	{ "frontend f\n tcp-request content expect-proxy layer4\n", "parsing [t.cfg:7] : 'expect-proxy layer4' is not allowed in 'tcp-request content' rules in frontend 'f'" },
	{ "frontend f\n http-request replace-uri a\n", "parsing [t.cfg:7] : error detected in frontend 'f' while parsing 'http-request replace-uri' rule : expects exactly 2 arguments <match-regex> and <replace-format>." },
	{ "backend b\n hash-type foo\n", "parsing [t.cfg:7] : 'hash-type' only supports 'consistent' and 'map-based'." },
	{ "backend b\n hash-type consistent sdbm foo\n", "parsing [t.cfg:7] : 'hash-type' only supports 'avalanche' as a modifier for hash functions." },
	{ "frontend f\n declare capture request\n", "parsing [t.cfg:7] : 'declare capture' requires a capture length ('len')" },
	{ "frontend f\n tcp-request connection reject if { foo 1 }\n", "parsing [t.cfg:7] : 'tcp-request connection reject' : error detected in frontend 'f' while parsing 'if' condition : unknown fetch method 'foo' in ACL expression 'foo'" },
	{ "frontend f\n tcp-request foo\n", "parsing [t.cfg:7] : 'tcp-request' expects 'inspect-delay', 'connection', 'session' or 'content' in frontend 'f' (got 'foo')." },
	{ "frontend f\n tcp-request content\n", "parsing [t.cfg:7] : 'tcp-request content' expects an action in frontend 'f'." },
	{ "frontend f\n tcp-request inspect-delay x\n", "parsing [t.cfg:7] : 'tcp-request inspect-delay' expects a positive delay in milliseconds, in frontend 'f' (got 'x')." },
	{ "backend b\n tcp-request session reject\n", "parsing [t.cfg:7] : tcp-request session is not allowed because backend b is not a frontend" },
	{ "backend b\n tcp-request connection accept\n", "parsing [t.cfg:7] : backend 'b' : 'tcp-request connection' is only allowed in frontends." },
	{ "defaults\n tcp-request content accept\n", "parsing [t.cfg:7] : 'tcp-request' rules in 'defaults' sections are not supported by vigil-proxy yet." },
	{ "backend b\n tcp-check expect foo bar\n", "parsing [t.cfg:7] : 'tcp-check expect' : only supports '[!]string', '[!]rstring' and '[!]binary' but got 'foo' as argument." },
	{ "backend b\n tcp-check expect\n", "parsing [t.cfg:7] : 'tcp-check expect' : expects at least a matching pattern as arguments." },
	{ "backend b\n tcp-check expect string\n", "parsing [t.cfg:7] : 'tcp-check expect string' expects <pattern> as an argument." },
	{ "backend b\n tcp-check expect rstring (\n", "parsing [t.cfg:7] : 'tcp-check expect' : regex '(' : " },
	{ "backend b\n tcp-check expect binary zz\n", "parsing [t.cfg:7] : 'tcp-check expect binary' : 'zz' invalid binary string (an hex digit is expected (found 'z'))." },
	{ "backend b\n tcp-check expect min-recv 3\n", "parsing [t.cfg:7] : 'tcp-check expect min-recv' is not supported by vigil-proxy yet." },
	{ "backend b\n tcp-check send-binary zz\n", "parsing [t.cfg:7] : 'tcp-check send-binary' : 'zz' invalid binary string (an hex digit is expected (found 'z'))." },
	{ "backend b\n tcp-check send\n", "parsing [t.cfg:7] : 'tcp-check send' expects a string as argument." },
	{ "backend b\n tcp-check connect port x\n", "parsing [t.cfg:7] : 'tcp-check connect' : 'port' expects a port number (got 'x')." },
	{ "backend b\n tcp-check connect ssl sni x\n", "parsing [t.cfg:7] : 'tcp-check connect' : 'sni' is not supported by vigil-proxy yet" },
	{ "backend b\n tcp-check connect send-proxy\n", "parsing [t.cfg:7] : 'tcp-check connect' : option 'send-proxy' is not supported by vigil-proxy yet." },
	{ "backend b\n tcp-check bogus\n", "parsing [t.cfg:7] : 'tcp-check' only supports 'comment', 'connect', 'send', 'send-binary' or 'expect' (got 'bogus')." },
	{ "backend b\n http-check expect foo bar\n", "parsing [t.cfg:7] : 'http-check expect' : only supports '[!]status', '[!]rstatus', '[!]string' and '[!]rstring' but got 'foo' as argument." },
	{ "backend b\n http-check expect\n", "parsing [t.cfg:7] : 'http-check expect' : expects at least a matching pattern as arguments." },
	{ "backend b\n http-check connect ssl alpn h2\n", "parsing [t.cfg:7] : 'http-check connect' : 'alpn' is not supported by vigil-proxy yet" },
	{ "backend b\n http-check send foo 1\n", "parsing [t.cfg:7] : 'http-check send' expects 'meth', 'uri', 'uri-lf', 'ver', 'hdr', 'body' or 'body-lf' but got 'foo' as argument." },
	{ "backend b\n http-check send hdr X\n", "parsing [t.cfg:7] : 'http-check send' : 'hdr' expects <name> and <value> as arguments." },
	{ "backend b\n http-check send meth\n", "parsing [t.cfg:7] : 'http-check send' : 'meth' expects an argument." },
	{ "backend b\n http-check bogus\n", "parsing [t.cfg:7] : 'http-check' only supports 'disable-on-404', 'send-state', 'comment', 'connect', 'send', 'expect', 'set-var' and 'unset-var' (got 'bogus')." },
	{ "backend b\n log 1.2.3.4 nofac\n", "parsing [t.cfg:7] : log : unknown log facility 'nofac'" },
	{ "backend b\n log foo:bar local0\n", "parsing [t.cfg:7] : log : invalid address 'foo:bar' (a numeric IPv4/IPv6 address is expected)" },
	{ "backend b\n server-template s 3 1.1.1.1:1\n", "parsing [t.cfg:7] : 'server-template' is not supported by vigil-proxy yet." },
	/* post-parse */
	{ "frontend f\n bind :80\n default_backend nobe\n", "Proxy 'f': unable to find required default_backend: 'nobe'." },
	{ "frontend f\n bind :80\n use_backend nobe if TRUE\n", "Proxy 'f': unable to find required use_backend: 'nobe'." },
	{ "backend b\n server s 1.1.1.1 check\n", "backend 'b': server 's' has neither service port nor check port." },
	{ ".if\n", "parsing [t.cfg:6] : " },
	{ "global\n .alert stop here\n", "parsing [t.cfg:7] : stop here" },
	{ "global\n description \"unterminated\n", "parsing [t.cfg:7] : " },
};

static void test_errors(void)
{
	size_t i;
	int failed = 0;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		char *cfg = xasprintf(PRE "%s", bad[i].cfg);
		struct pxconf *c = parse(cfg);

		if (c || !strstr(sb_str(&msgs), bad[i].msg)) {
			fprintf(stderr, "  case %zu: %s  expected: %s\n  got:\n%s\n", i, bad[i].cfg,
				bad[i].msg, sb_str(&msgs));
			failed++;
			pxconf_free(c);
			free(cfg);
			continue;
		}
		CHECK_CONTAINS(sb_str(&msgs), "[ALERT]    (");
		CHECK_CONTAINS(sb_str(&msgs), "Fatal errors found in configuration.");
		free(cfg);
	}
	CHECK_INT(failed, 0);
}

/* Warnings: the configuration is accepted, the message is given. */
static const struct {
	const char *cfg;
	const char *msg;
} warn[] = {
	{ "global\n cpu-map auto:1/all 0-3\n", "parsing [t.cfg:7] : 'cpu-map' is not supported by vigil-proxy and is ignored." },
	{ "global\n tune.ssl.cachesize 1000\n", "parsing [t.cfg:7] : 'tune.ssl.cachesize' is not supported by vigil-proxy and is ignored." },
	{ "global\n ca-base /a\n ca-base /b\n", "parsing [t.cfg:8] : 'ca-base' already specified. Continuing." },
	{ "userlist u\n user a password x\n", "parsing [t.cfg:7] : user 'a' : encrypted passwords are not supported yet; the user cannot authenticate." },
	{ "backend b\n server a 1.1.1.1:1 proxy-v2-options ssl\n", "parsing [t.cfg:7] : 'server b/a' : 'proxy-v2-options' without 'send-proxy-v2': the server gets a PROXY protocol v1 header, without the options, as HAProxy sends it." },
	{ "frontend f\n bind :80 defer-accept\n", "parsing [t.cfg:7] : 'bind :80' : 'defer-accept' is not supported by vigil-proxy and is ignored." },
	{ "frontend f\n bind :80 process 1\n", "parsing [t.cfg:7] : 'bind :80' : 'process' is not supported by vigil-proxy and is ignored." },
	{ "frontend f\n bind :80\n retries 3\n", "parsing [t.cfg:8] : 'retries' ignored because frontend 'f' has no backend capability." },
	{ "frontend f\n bind :80\n option forwardfor\n", "'option forwardfor' ignored for frontend 'f' as it requires HTTP mode." },
	{ "frontend f\n bind :80\n stats enable\n", "'stats' statement ignored for frontend 'f' as it requires HTTP mode." },
	{ "frontend f\n mode http\n use_backend b\n redirect location /x\n http-request deny\nbackend b\n mode http\n", "parsing [t.cfg:9] : a 'redirect' rule placed after a 'use_backend' rule will still be processed before." },
	{ "frontend f\n mode http\n use_backend b\n redirect location /x\n http-request deny\nbackend b\n mode http\n", "parsing [t.cfg:10] : a 'http-request' rule placed after a 'redirect' rule will still be processed before." },
	{ "frontend f\n bind :1\n acl p path /x\n tcp-request connection reject if p\n", "parsing [t.cfg:9] : acl 'p' will never match in 'tcp-request connection' because it uses keyword 'path' which is incompatible with 'frontend tcp-request connection rule'" },
	{ "frontend f\n mode http\n bind :1\n tcp-request connection reject if { path /x }\n", "parsing [t.cfg:9] : anonymous acl will never match in 'tcp-request connection' because it uses keyword 'path' which is incompatible with 'frontend tcp-request connection rule'" },
	{ "userlist u\n user a insecure-password x\n user b password $6$x\n", "parsing [t.cfg:8] : user 'b' : encrypted passwords are not supported yet; the user cannot authenticate." },
	{ "backend b\n mode http\n cookie S insert maxidle 1h\n", "parsing [t.cfg:8] : 'cookie' : 'maxidle' is not supported by vigil-proxy and is ignored." },
	{ "frontend f\n mode http\n option http-pretend-keepalive\n", "parsing [t.cfg:8] : 'option http-pretend-keepalive' is not supported by vigil-proxy and is ignored." },
	{ "frontend f\n bind :80\n http-request deny\n", "'http-request' rules ignored for frontend 'f' as they require HTTP mode." },
	{ "frontend f\n bind :80\n option httplog\n", "parsing [t.cfg:8] : 'option httplog' not usable with frontend 'f' (needs 'mode http'). Falling back to 'option tcplog'." },
	{ "backend b\n bind :80\n", "parsing [t.cfg:7] : 'bind' ignored because backend 'b' has no frontend capability." },
	{ "backend b\n timeout client 1s\n", "parsing [t.cfg:7] : 'timeout client' ignored because backend 'b' has no frontend capability." },
	{ "backend b\n log-format-sd x\n", "parsing [t.cfg:7] : 'log-format-sd' is not supported by vigil-proxy and is ignored." },
	{ "backend b\n server s 1.1.1.1:1 slowstart 10s\n", "parsing [t.cfg:7] : 'server b/s' : 'slowstart' is not supported by vigil-proxy and is ignored." },
	{ "backend b\n server s 1.1.1.1:1 minconn 3\n", "parsing [t.cfg:7] : 'server b/s' : 'minconn' is not supported by vigil-proxy and is ignored." },
	{ "backend b\n http-check send meth GET\n", "parsing [t.cfg:7] : 'http-check send' ignored for backend 'b' because 'option httpchk' is not set; servers are checked at layer 4." },
	{ "backend b\n tcp-check connect\n", "'tcp-check' rules ignored for backend 'b' because 'option tcp-check' is not set." },
	{ "backend b\n option httpchk GET / HTTP/1.1\\r\\nHost:\\ x\n", "parsing [t.cfg:7] : 'option httpchk' : hiding headers or body at the end of the version string is deprecated. Please, consider to use 'http-check send' directive instead." },
	{ "global\n .warning careful\n", "parsing [t.cfg:7] : careful" },
	{ "frontend f\n bind :80\nbackend b\n", "missing timeouts for frontend 'f'." },
	{ "frontend f\n default_backend b\nbackend b\n", "frontend 'f' has no 'bind' directive. Please declare it as a backend if this was intended." },
};

/* send-proxy-v2-ssl[-cn], their no- forms and proxy-v2-options, with
 * HAProxy's meanings, through default-server too. */
static void test_proxy_v2_options(void)
{
	struct pxconf *c = parse(
		PRE
		"backend be\n"
		"  default-server proxy-v2-options crc32c\n"
		"  server a 10.0.0.1:80 send-proxy-v2-ssl-cn\n"
		"  server b 10.0.0.2:80 send-proxy-v2 proxy-v2-options cert-key,ssl-cipher,authority\n"
		"  server c 10.0.0.3:80 send-proxy-v2-ssl-cn no-send-proxy-v2-ssl-cn\n"
		"  server d 10.0.0.4:80 send-proxy-v2-ssl proxy-v2-options cert-sig no-send-proxy-v2-ssl\n"
		"  default-server no-send-proxy-v2-ssl-cn\n"
		"  server e 10.0.0.5:80 send-proxy-v2-ssl\n");
	struct proxy *be;
	struct server *s;

	CHECK(c != NULL);
	be = pxconf_find_proxy(c, "be", PX_CAP_BE);
	CHECK(be != NULL);
	s = proxy_find_server(be, "a");
	CHECK(s->send_proxy_v2 && !s->send_proxy);
	CHECK_INT(s->pp2_opts, PP2_OPT_CRC32C | PP2_OPT_SSL | PP2_OPT_SSL_CN);
	s = proxy_find_server(be, "b");
	CHECK(s->send_proxy_v2);
	CHECK_INT(s->pp2_opts, PP2_OPT_CRC32C | PP2_OPT_SSL | PP2_OPT_SSL_KEY | PP2_OPT_SSL_CIPHER |
		  PP2_OPT_AUTHORITY);
	/* v2 cleared, an option left: a v1 line, as HAProxy (with a
	 * warning each) */
	s = proxy_find_server(be, "c");
	CHECK(!s->send_proxy_v2 && s->send_proxy);
	CHECK_INT(s->pp2_opts, PP2_OPT_CRC32C);
	s = proxy_find_server(be, "d");
	CHECK(!s->send_proxy_v2 && s->send_proxy);
	CHECK_INT(s->pp2_opts, PP2_OPT_CRC32C | PP2_OPT_SSL_SIG);
	CHECK_INT(nwarn, 2);
	s = proxy_find_server(be, "e");
	CHECK(s->send_proxy_v2);
	CHECK_INT(s->pp2_opts, PP2_OPT_CRC32C | PP2_OPT_SSL);
	pxconf_free(c);
}

static void test_warnings(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(warn); i++) {
		char *cfg = xasprintf("%s%s", strstr(warn[i].msg, "missing timeouts") ? "" : PRE, warn[i].cfg);
		struct pxconf *c = parse(cfg);

		if (!c || !strstr(sb_str(&msgs), warn[i].msg)) {
			fprintf(stderr, "  case %zu: %s  expected: %s\n  got:\n%s\n", i, warn[i].cfg,
				warn[i].msg, sb_str(&msgs));
			CHECK(0);
		}
		CHECK(nwarn >= 1);
		CHECK_CONTAINS(sb_str(&msgs), "[WARNING]  (");
		pxconf_free(c);
		free(cfg);
	}
}

static void test_message_format(void)
{
	char want[256];
	struct pxconf *c = parse("global\n  bogus\n");

	CHECK(c == NULL);
	snprintf(want, sizeof(want),
		 "[ALERT]    (%d) : config : parsing [t.cfg:2] : unknown keyword 'bogus' in 'global' section\n"
		 "[ALERT]    (%d) : config : Error(s) found in configuration file : t.cfg\n"
		 "[ALERT]    (%d) : config : Fatal errors found in configuration.\n",
		 (int)getpid(), (int)getpid(), (int)getpid());
	CHECK_STR(sb_str(&msgs), want);
	c = parse("foo\n");
	CHECK(c == NULL);
	CHECK_CONTAINS(sb_str(&msgs), "parsing [t.cfg:1]: unknown keyword 'foo' out of section.");
	/* an empty configuration is valid, as in HAProxy */
	c = parse("");
	CHECK(c != NULL);
	CHECK_INT(c->nproxies, 0);
	pxconf_free(c);
}

static void test_global_misc(void)
{
	struct pxconf *c;

	unsetenv("VIGIL_T_X");
	c = parse("global\n setenv VIGIL_T_X 1\n presetenv VIGIL_T_X 2\n"
		  " log stdout format raw local0\n log /dev/log local0 info notice\n"
		  " user root\n group root\n uid 0\n chroot /var/empty\n node n1\n"
		  " tune.http.maxhdr 50\n nosplice\n master-worker\n");
	CHECK(c != NULL);
	CHECK_STR(getenv("VIGIL_T_X"), "1");
	CHECK_INT(c->global.nlogs, 1);   /* stdout goes to the process's stderr */
	CHECK_STR(c->global.user, "root");
	CHECK_INT(c->global.uid, 0);
	CHECK_INT(c->global.gid, 0);
	CHECK_STR(c->global.chroot, "/var/empty");
	CHECK_STR(c->global.node, "n1");
	CHECK_INT(c->global.maxhdr, 50);
	CHECK(c->global.nosplice && c->global.master_worker);
	pxconf_free(c);
	c = parse("global\n unsetenv VIGIL_T_X\n");
	CHECK(c && getenv("VIGIL_T_X") == NULL);
	pxconf_free(c);
}

static void test_files_and_dirs(void)
{
	char dir[] = "/tmp/vigil-cfgXXXXXX";
	char *a, *b, *paths[2];
	FILE *fp;
	struct pxconf *c;
	int nw;

	CHECK(mkdtemp(dir) != NULL);
	a = xasprintf("%s/20-b.cfg", dir);
	b = xasprintf("%s/10-a.cfg", dir);
	fp = fopen(a, "w");
	fputs("backend two\n timeout connect 1s\n timeout server 1s\n", fp);
	fclose(fp);
	fp = fopen(b, "w");
	fputs("backend one\n timeout connect 1s\n timeout server 1s\n", fp);
	fclose(fp);
	paths[0] = dir;
	c = cfg_parse_files(paths, 1, &nw);
	CHECK(c != NULL);
	CHECK_INT(c->nproxies, 2);
	CHECK_STR(c->proxies[0]->id, "one");
	CHECK_STR(c->proxies[1]->id, "two");
	CHECK_INT(c->nfiles, 2);
	pxconf_free(c);
	paths[0] = "/nonexistent/vigil.cfg";
	c = cfg_parse_files(paths, 1, &nw);
	CHECK(c == NULL);
	unlink(a);
	unlink(b);
	rmdir(dir);
	free(a);
	free(b);
}

/* ---- ../shared/compat/haproxy ---- */

struct compat_case {
	const char *file;
	bool accept;
	const char *msgs[4];   /* messages the output must contain */
};

static const struct compat_case compat[] = {
	{ "01-openstack-ha-guide.cfg", false, { "01-openstack-ha-guide.cfg:30] : 'bind <Virtual' in section 'listen': unknown keyword 'IP>:443'." } },
	{ "02-rhosp-puppet-osp.cfg", true, { NULL } },
	{ "03-rhosp-tripleo-galera.cfg", true, { NULL } },
	{ "04-kolla-ansible-rendered.cfg", false, {
		"04-kolla-ansible-rendered.cfg:92] : 'bind 203.0.113.250:5000' in section 'frontend' : unable to stat SSL certificate from file '/etc/haproxy/certificates/haproxy.pem' : No such file or directory.",
		"04-kolla-ansible-rendered.cfg:25] : cannot find group id for 'kolla'" } },
	{ "05-openstack-ansible-rendered.cfg", false, {
		"05-openstack-ansible-rendered.cfg:81] : 'bind 203.0.113.9:5000' in section 'frontend' : unable to stat SSL certificate from file '/etc/haproxy/ssl/haproxy_lb1-203.0.113.9.pem' : No such file or directory.",
		"05-openstack-ansible-rendered.cfg:71] : 'http-check send' ignored for backend 'galera-back'" } },
	{ "06-octavia-amphora-base.cfg", true, { NULL } },
	{ "06-octavia-amphora-srcip.cfg", true, { NULL } },
	{ "06-octavia-amphora-tls.cfg", false, { "06-octavia-amphora-tls.cfg:32] : 'bind 10.0.0.2:443' in section 'frontend' : unable to load crt-list file '/fake_cert_dir/sample_loadbalancer_id_1/sample_listener_id_1.pem' : No such file or directory." } },
	{ "07-neutron-metadata-proxy-ratelimited.cfg", false, { "07-neutron-metadata-proxy-ratelimited.cfg:13] : cannot find user id for 'neutron'" } },
	{ "08-patroni-postgresql.cfg", true, { NULL } },
	{ "09-kubeadm-apiserver.cfg", false, { "09-kubeadm-apiserver.cfg:41] : 'bind *:${APISERVER_DEST_PORT}' : invalid port '${APISERVER_DEST_PORT}'" } },
	{ "10-haproxy-upstream-basic-config-edge.cfg", false, { "10-haproxy-upstream-basic-config-edge.cfg:75] : 'bind :443' in section 'frontend' : unable to stat SSL certificate from file 'pub1.pem' : No such file or directory.",
 } },
	{ "11-debian-default.cfg", true, { NULL } },
	{ "12-percona-clustercheck-fragment.cfg", false, { "12-percona-clustercheck-fragment.cfg:7] : please use the 'bind' keyword for listening addresses.",
		"12-percona-clustercheck-fragment.cfg:8] : 'listen' or 'defaults' expected." } },
	{ "13-juju-charm-helpers-rendered.cfg", false, { "13-juju-charm-helpers-rendered.cfg:45] : unknown option 'http-use-htx'" } },
};

static bool compat_present(void)
{
	struct stat st;

	if (stat(COMPAT_DIR, &st) != 0) {
		printf("  (skipped: %s not found)\n", COMPAT_DIR);
		return false;
	}
	return true;
}

static void test_compat_files(void)
{
	size_t i, j;

	if (!compat_present())
		return;
	for (i = 0; i < ARRAY_SIZE(compat); i++) {
		char *path = xasprintf("%s/%s", COMPAT_DIR, compat[i].file);
		char *text = read_all(path);
		struct pxconf *c;

		CHECK(text != NULL);
		sb_reset(&msgs);
		c = cfg_parse_mem(path, text, strlen(text), &msgs, &nwarn);
		if ((c != NULL) != compat[i].accept) {
			fprintf(stderr, "  %s: expected %s\n%s", compat[i].file,
				compat[i].accept ? "accept" : "reject", sb_str(&msgs));
			CHECK(0);
		}
		for (j = 0; j < ARRAY_SIZE(compat[i].msgs) && compat[i].msgs[j]; j++)
			CHECK_CONTAINS(sb_str(&msgs), compat[i].msgs[j]);
		pxconf_free(c);
		free(text);
		free(path);
	}
}

/* The TCP sections of the compat files, once what vigil-proxy does not
 * support yet is taken out, build the model they describe. */
static struct pxconf *compat_edited(const char *file, const char *const *edits)
{
	char *path = xasprintf("%s/%s", COMPAT_DIR, file);
	char *text = read_all(path), *t;
	struct pxconf *c;

	CHECK(text != NULL);
	for (; edits[0]; edits += 2) {
		t = replace_all(text, edits[0], edits[1]);
		free(text);
		text = t;
	}
	sb_reset(&msgs);
	c = cfg_parse_mem(path, text, strlen(text), &msgs, &nwarn);
	if (!c)
		fprintf(stderr, "%s", sb_str(&msgs));
	free(text);
	free(path);
	return c;
}

static void test_compat_tcp_sections(void)
{
	static const char *const e01[] = { "<Virtual IP>", "127.0.0.1", NULL };
	static const char *const e02[] = { "  mode  http\n", "  mode  tcp\n", "  cookie  SERVERID insert indirect nocache\n", "",
		"  option  httplog\n", "", NULL };
	static const char *const e03[] = { NULL };
	static const char *const e08[] = { "    mode http\n", "    mode tcp\n", "    stats enable\n", "",
		"    stats uri /\n", "", NULL };
	static const char *const e09[] = { "${APISERVER_DEST_PORT}", "6443", "${HOST1_ID}", "cp1",
		"${HOST1_ADDRESS}", "192.0.2.10", "${APISERVER_SRC_PORT}", "6443",
		"    http-check connect ssl\n", "", " verify none", "", "    mode                    http\n", "", NULL };
	static const char *const e12[] = { "listen percona-cluster 0.0.0.0:3307\n",
		"listen percona-cluster\n  bind 0.0.0.0:3307\n", NULL };
	struct pxconf *c;
	struct proxy *px;
	struct server *s;

	if (!compat_present())
		return;
	c = compat_edited("01-openstack-ha-guide.cfg", e01);
	CHECK(c != NULL);
	CHECK_INT(c->nproxies, 14);
	px = pxconf_find_proxy(c, "galera_cluster", PX_CAP_BE);
	CHECK(px && px->lb == LB_SOURCE && px->check.type == CHK_MYSQL);
	CHECK_INT(px->nservers, 3);
	s = px->servers[1];
	CHECK(s->backup && s->check_enabled && s->check_port == 9200 && s->fall == 5);
	px = pxconf_find_proxy(c, "dashboard_cluster", PX_CAP_BE);
	CHECK(px->check.type == CHK_HTTP && (px->options & PXO_TCPLOG) && (px->options & PXO_TCPKA));
	CHECK(px->options & PXO_REDISPATCH);
	CHECK_INT(px->maxconn, 4000);
	CHECK_INT(px->timeouts.check, 10000);
	CHECK_INT(c->global.maxconn, 4000);
	pxconf_free(c);

	c = compat_edited("02-rhosp-puppet-osp.cfg", e02);
	CHECK(c != NULL);
	px = pxconf_find_proxy(c, "galera", PX_CAP_BE);
	CHECK(px && px->servers[0]->shutdown_on_down && px->servers[0]->check_port == 9200);
	CHECK_INT(px->servers[0]->inter_ms, 1000);
	CHECK_INT(px->timeouts.client, 90 * 60000);
	CHECK_INT(pxconf_find_proxy(c, "ceilometer-api", PX_CAP_FE)->nlisteners, 3);
	CHECK_INT(px->nlogs, 1);
	pxconf_free(c);

	c = compat_edited("03-rhosp-tripleo-galera.cfg", e03);
	CHECK(c != NULL);
	px = pxconf_find_proxy(c, "mysql", PX_CAP_BE);
	CHECK(px->servers[0]->backup && px->servers[1]->backup && px->servers[2]->backup);
	CHECK_INT(px->timeouts.client, 0);
	pxconf_free(c);

	c = compat_edited("08-patroni-postgresql.cfg", e08);
	CHECK(c != NULL);
	px = pxconf_find_proxy(c, "batman", PX_CAP_BE);
	CHECK_INT(px->retries, 2);
	CHECK_INT(px->check.nrules, 1);
	CHECK_INT(px->check.rules[0].action, TCPCHK_EXPECT_STATUS);
	CHECK_STR(px->check.rules[0].data, "200");
	s = px->servers[1];
	CHECK(s->shutdown_on_down && s->inter_ms == 3000 && s->maxconn == 100 && s->check_port == 8009);
	pxconf_free(c);

	c = compat_edited("09-kubeadm-apiserver.cfg", e09);
	CHECK(c != NULL);
	px = pxconf_find_proxy(c, "apiserverbackend", PX_CAP_BE);
	CHECK_STR(px->check.http_method, "GET");
	CHECK_STR(px->check.http_uri, "/healthz");
	CHECK(pxconf_find_proxy(c, "apiserver", PX_CAP_FE)->default_backend == px);
	pxconf_free(c);

	c = compat_edited("12-percona-clustercheck-fragment.cfg", e12);
	CHECK(c != NULL);
	px = pxconf_find_proxy(c, "percona-cluster", PX_CAP_BE);
	CHECK(px->lb == LB_LEASTCONN && px->servers[2]->backup && px->servers[0]->fastinter_ms == 2000);
	pxconf_free(c);
}

/* The HTTP settings of `mode http` proxies, with defaults inheritance. */
static void test_http_model(void)
{
	struct pxconf *c = parse("defaults\n mode http\n option http-server-close\n option forwardfor except 10.0.0.0/8 header X-Client if-none\n"
				 " timeout http-request 5s\n timeout http-keep-alive 2s\n log-format \"%ci %[capture.req.hdr(0)]\"\n"
				 " timeout client 1s\n timeout server 1s\n timeout connect 1s\n"
				 "frontend f\n bind :80\n option httpclose\n monitor-uri /up\n option http-buffer-request\n"
				 " stick-table type ip size 1k expire 30s store http_req_rate(10s),conn_cur\n"
				 " capture request header Host len 32\n default_backend b\n"
				 "backend b\n http-reuse always\n balance uri whole depth 2 len 10\n"
				 " stats enable\n stats uri /s\n stats realm Admin\n stats auth a:b\n stats refresh 10s\n stats hide-version\n"
				 " server s1 127.0.0.1:1 cookie c1\n"
				 "backend b2\n balance url_param sid\n server s1 127.0.0.1:1\n"
				 "backend b3\n balance hdr(X-User)\n server s1 127.0.0.1:1\n"
				 "backend b4\n balance random\n mode tcp\n server s1 127.0.0.1:1\n");
	struct proxy *f, *b;

	if (!c)
		fprintf(stderr, "%s", sb_str(&msgs));
	CHECK(c != NULL);
	f = pxconf_find_proxy(c, "f", PX_CAP_FE);
	b = pxconf_find_proxy(c, "b", PX_CAP_BE);
	CHECK_INT(f->mode, PX_MODE_HTTP);
	CHECK_INT(f->http.conn_mode, HTTP_CLO);
	CHECK_INT(b->http.conn_mode, HTTP_SCL);
	CHECK(f->http.forwardfor && f->http.ifnone);
	CHECK_STR(f->http.forwardfor_hdr, "X-Client");
	CHECK_INT(f->http.forwardfor_except_bits, 8);
	CHECK(f->http.buffer_request);
	CHECK_STR(f->http.monitor_uri, "/up");
	CHECK_INT(f->timeouts.http_request, 5000);
	CHECK_INT(f->timeouts.http_keep_alive, 2000);
	CHECK_STR(f->log_format, "%ci %[capture.req.hdr(0)]");
	CHECK(f->stkctr != NULL);
	CHECK_INT(b->http.reuse, HTTP_REUSE_ALWAYS);
	CHECK_INT(b->lb, LB_URI);
	CHECK(b->lb_uri_whole);
	CHECK_INT(b->lb_uri_depth, 2);
	CHECK_INT(b->lb_uri_len, 10);
	CHECK(b->http.stats.enabled);
	CHECK_STR(b->http.stats.uri, "/s");
	CHECK_STR(b->http.stats.realm, "Admin");
	CHECK_INT(b->http.stats.nauth, 1);
	CHECK_STR(b->http.stats.auth[0], "a:b");
	CHECK_INT(b->http.stats.refresh_ms, 10000);
	CHECK(b->http.stats.hide_version);
	CHECK_STR(b->servers[0]->cookie, "c1");
	b = pxconf_find_proxy(c, "b2", PX_CAP_BE);
	CHECK_INT(b->lb, LB_URL_PARAM);
	CHECK_STR(b->lb_param, "sid");
	b = pxconf_find_proxy(c, "b3", PX_CAP_BE);
	CHECK_INT(b->lb, LB_HDR);
	CHECK_STR(b->lb_param, "X-User");
	b = pxconf_find_proxy(c, "b4", PX_CAP_BE);
	CHECK_INT(b->lb, LB_RANDOM);
	CHECK_INT(b->mode, PX_MODE_TCP);
	pxconf_free(c);
}

int main(void)
{
	RUN(test_model_basic);
	RUN(test_defaults_inheritance);
	RUN(test_checks_model);
	RUN(test_acl_rules);
	RUN(test_errors);
	RUN(test_proxy_v2_options);
	RUN(test_warnings);
	RUN(test_message_format);
	RUN(test_global_misc);
	RUN(test_files_and_dirs);
	RUN(test_compat_files);
	RUN(test_compat_tcp_sections);
	RUN(test_http_model);
	sb_free(&msgs);
	UNIT_DONE();
}
