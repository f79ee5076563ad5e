/* cfgparse-server: `server` and `default-server` lines. */
#include "proxy/cfgparse.h"
#include "proxy/send_proxy.h"
#include "proxy/ssl.h"
#include "lib/addr.h"
#include "lib/util.h"

#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cfg_server_defaults(struct server *s)
{
	memset(s, 0, sizeof(*s));
	s->iweight = 1;
	s->rise = 2;
	s->fall = 3;
	s->inter_ms = 2000;
}

/* Copy the settings of a default-server template (not the identity). */
void cfg_server_copy_template(struct server *dst, const struct server *tmpl)
{
	free(dst->cookie);
	ssl_srv_free(dst->ssl);
	*dst = *tmpl;
	dst->id = NULL;
	dst->px = NULL;
	dst->cookie = tmpl->cookie ? xstrdup(tmpl->cookie) : NULL;
	dst->ssl = ssl_srv_dup(tmpl->ssl);
	memset(&dst->addr, 0, sizeof(dst->addr));
	dst->addr_port_given = false;
}

enum srv_arg { A_NONE, A_INT, A_TIME, A_STR };

/* Server keywords: what each takes, and how it is handled. */
enum srv_kw_id {
	SK_CHECK, SK_NO_CHECK, SK_PORT, SK_ADDR, SK_INTER, SK_FASTINTER, SK_DOWNINTER,
	SK_RISE, SK_FALL, SK_WEIGHT, SK_BACKUP, SK_NO_BACKUP, SK_MAXCONN, SK_DISABLED,
	SK_ENABLED, SK_ON_MARKED_DOWN, SK_SEND_PROXY, SK_SEND_PROXY_V2, SK_NO_SEND_PROXY,
	SK_COOKIE, SK_WARN, SK_TLS, SK_UNSUPPORTED, SK_CHECK_SEND_PROXY,
	SK_SEND_PROXY_V2_SSL, SK_SEND_PROXY_V2_SSL_CN, SK_NO_SEND_PROXY_V2_SSL, SK_NO_SEND_PROXY_V2_SSL_CN,
	SK_PROXY_V2_OPTIONS,
};

static const struct srv_kw {
	const char *name;
	enum srv_arg arg;
	enum srv_kw_id id;
} srv_kws[] = {
	{ "check", A_NONE, SK_CHECK },
	{ "no-check", A_NONE, SK_NO_CHECK },
	{ "port", A_INT, SK_PORT },
	{ "addr", A_STR, SK_ADDR },
	{ "inter", A_TIME, SK_INTER },
	{ "fastinter", A_TIME, SK_FASTINTER },
	{ "downinter", A_TIME, SK_DOWNINTER },
	{ "rise", A_INT, SK_RISE },
	{ "fall", A_INT, SK_FALL },
	{ "weight", A_INT, SK_WEIGHT },
	{ "backup", A_NONE, SK_BACKUP },
	{ "no-backup", A_NONE, SK_NO_BACKUP },
	{ "maxconn", A_INT, SK_MAXCONN },
	{ "disabled", A_NONE, SK_DISABLED },
	{ "enabled", A_NONE, SK_ENABLED },
	{ "on-marked-down", A_STR, SK_ON_MARKED_DOWN },
	{ "send-proxy", A_NONE, SK_SEND_PROXY },
	{ "send-proxy-v2", A_NONE, SK_SEND_PROXY_V2 },
	{ "no-send-proxy", A_NONE, SK_NO_SEND_PROXY },
	{ "no-send-proxy-v2", A_NONE, SK_NO_SEND_PROXY },
	{ "send-proxy-v2-ssl", A_NONE, SK_SEND_PROXY_V2_SSL },
	{ "send-proxy-v2-ssl-cn", A_NONE, SK_SEND_PROXY_V2_SSL_CN },
	{ "no-send-proxy-v2-ssl", A_NONE, SK_NO_SEND_PROXY_V2_SSL },
	{ "no-send-proxy-v2-ssl-cn", A_NONE, SK_NO_SEND_PROXY_V2_SSL_CN },
	{ "proxy-v2-options", A_STR, SK_PROXY_V2_OPTIONS },
	{ "cookie", A_STR, SK_COOKIE },
	{ "check-send-proxy", A_NONE, SK_CHECK_SEND_PROXY },
	/* accepted with a warning, ignored */
	{ "minconn", A_INT, SK_WARN },
	{ "maxqueue", A_INT, SK_WARN },
	{ "on-marked-up", A_STR, SK_WARN },
	{ "observe", A_STR, SK_WARN },
	{ "error-limit", A_INT, SK_WARN },
	{ "on-error", A_STR, SK_WARN },
	{ "slowstart", A_TIME, SK_WARN },
	{ "resolvers", A_STR, SK_WARN },
	{ "init-addr", A_STR, SK_WARN },
	{ "resolve-prefer", A_STR, SK_WARN },
	{ "resolve-net", A_STR, SK_WARN },
	{ "resolve-opts", A_STR, SK_WARN },
	{ "id", A_STR, SK_WARN },
	{ "pool-max-conn", A_STR, SK_WARN },
	{ "pool-purge-delay", A_STR, SK_WARN },
	{ "pool-low-conn", A_STR, SK_WARN },
	{ "tfo", A_NONE, SK_WARN },
	{ "redir", A_STR, SK_WARN },
	{ "proto", A_STR, SK_WARN },
	{ "check-proto", A_STR, SK_WARN },
	{ "max-reuse", A_STR, SK_WARN },
	/* TLS */
	{ "ssl", A_NONE, SK_TLS },
	{ "check-ssl", A_NONE, SK_TLS },
	{ "verify", A_STR, SK_TLS },
	{ "verifyhost", A_STR, SK_TLS },
	{ "crt", A_STR, SK_TLS },
	{ "ca-file", A_STR, SK_TLS },
	{ "crl-file", A_STR, SK_TLS },
	{ "sni", A_STR, SK_TLS },
	{ "check-sni", A_STR, SK_TLS },
	{ "alpn", A_STR, SK_TLS },
	{ "check-alpn", A_STR, SK_TLS },
	{ "ciphers", A_STR, SK_TLS },
	{ "ciphersuites", A_STR, SK_TLS },
	{ "ssl-min-ver", A_STR, SK_TLS },
	{ "ssl-max-ver", A_STR, SK_TLS },
	{ "ssl-reuse", A_NONE, SK_TLS },
	{ "force-tlsv12", A_NONE, SK_TLS },
	{ "force-tlsv13", A_NONE, SK_TLS },
	{ "no-ssl", A_NONE, SK_WARN },
	{ "no-verifyhost", A_NONE, SK_WARN },
	/* not supported yet */
	{ "track", A_STR, SK_UNSUPPORTED },
	{ "agent-check", A_NONE, SK_UNSUPPORTED },
	{ "agent-port", A_STR, SK_UNSUPPORTED },
	{ "agent-inter", A_STR, SK_UNSUPPORTED },
	{ "agent-send", A_STR, SK_UNSUPPORTED },
	{ "agent-addr", A_STR, SK_UNSUPPORTED },
	{ "source", A_STR, SK_UNSUPPORTED },
	{ "namespace", A_STR, SK_UNSUPPORTED },
	{ "socks4", A_STR, SK_UNSUPPORTED },
	{ "set-proxy-v2-tlv-fmt", A_STR, SK_UNSUPPORTED },
	{ "usesrc", A_STR, SK_UNSUPPORTED },
};

/* Parse ADDR[:PORT] of a server: numeric, unix path, or a host name
 * resolved now through the libc resolver, as HAProxy does at startup. */
static int server_addr(const char *spec, struct server *s, bool resolve, char *err, size_t errlen)
{
	char host[256], aerr[256];
	const char *colon, *port = NULL;
	struct addrinfo hints, *res = NULL;
	size_t hlen;
	long long pnum = 0;

	colon = strrchr(spec, ':');
	if (colon && (colon[1] == '+' || colon[1] == '-')) {
		snprintf(err, errlen, "port offsets ('%s') are not supported by vigil-proxy yet", colon + 1);
		return -EINVAL;
	}
	if (addr_parse(spec, ADDR_ALLOW_UNIX, &s->addr, aerr, sizeof(aerr)) == 0) {
		s->addr_port_given = s->addr.port_given || addr_is_unix(&s->addr);
		return 0;
	}
	if (str_starts_with(spec, "ipv4@") || str_starts_with(spec, "ipv6@") || strchr(spec, '@') ||
	    strchr(spec, '[')) {
		snprintf(err, errlen, "%s", aerr);
		return -EINVAL;
	}
	if (colon && strchr(spec, ':') != colon) {
		/* several colons but not a valid IPv6 address */
		snprintf(err, errlen, "%s", aerr);
		return -EINVAL;
	}
	if (colon) {
		port = colon + 1;
		if (*port && parse_int(port, 0, 65535, &pnum)) {
			snprintf(err, errlen, "invalid port '%s'", port);
			return -EINVAL;
		}
	}
	hlen = colon ? (size_t)(colon - spec) : strlen(spec);
	if (hlen == 0 || hlen >= sizeof(host)) {
		snprintf(err, errlen, "%s", aerr);
		return -EINVAL;
	}
	memcpy(host, spec, hlen);
	host[hlen] = 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (!resolve)
		hints.ai_flags = AI_NUMERICHOST;
	if (getaddrinfo(host, NULL, &hints, &res) != 0 || !res) {
		snprintf(err, errlen, "could not resolve address '%s'.", host);
		return -EINVAL;
	}
	memset(&s->addr, 0, sizeof(s->addr));
	memcpy(&s->addr.ss, res->ai_addr, res->ai_addrlen);
	s->addr.len = res->ai_addrlen;
	freeaddrinfo(res);
	if (port && *port) {
		addr_set_port(&s->addr, (int)pnum);
		s->addr.port_end = (int)pnum;
		s->addr.port_given = true;
	}
	s->addr_port_given = s->addr.port_given;
	return 0;
}

static int apply_kw(const struct srv_kw *k, const char *v, struct server *s, const char *who,
		    struct cfgparse *p, char *err, size_t errlen)
{
	long long n = 0;
	uint64_t t = 0;

	if (k->arg == A_INT && parse_int(v, k->id == SK_WEIGHT || k->id == SK_MAXCONN ? 0 : 1,
					 k->id == SK_WEIGHT ? 256 : 0x7fffffff, &n)) {
		if (k->id == SK_WEIGHT)
			snprintf(err, errlen, "%s : weight of server %s is not within 0 and 256 (%s).", who,
				 s->id ? s->id : "", v);
		else if (k->id == SK_RISE || k->id == SK_FALL)
			snprintf(err, errlen, "%s : '%s' has to be > 0 (got '%s').", who, k->name, v);
		else
			snprintf(err, errlen, "%s : '%s' expects an integer argument (got '%s').", who, k->name, v);
		return CFG_ERR;
	}
	if (k->arg == A_TIME && (parse_time_ms(v, &t) < 0 || t > 0x7fffffff ||
				 (t == 0 && k->id != SK_WARN))) {
		snprintf(err, errlen, "%s : invalid time value '%s' for '%s' (a positive delay is expected).",
			 who, v, k->name);
		return CFG_ERR;
	}
	switch (k->id) {
	case SK_CHECK: s->check_enabled = true; break;
	case SK_NO_CHECK: s->check_enabled = false; break;
	case SK_PORT:
		if (n > 65535) {
			snprintf(err, errlen, "%s : invalid port '%s' for 'port'.", who, v);
			return CFG_ERR;
		}
		s->check_port = (int)n;
		break;
	case SK_ADDR: {
		char aerr[256];

		if (addr_parse(v, 0, &s->check_addr, aerr, sizeof(aerr)) < 0) {
			snprintf(err, errlen, "%s : 'addr' : %s", who, aerr);
			return CFG_ERR;
		}
		break;
	}
	case SK_INTER: s->inter_ms = (uint32_t)t; break;
	case SK_FASTINTER: s->fastinter_ms = (uint32_t)t; break;
	case SK_DOWNINTER: s->downinter_ms = (uint32_t)t; break;
	case SK_RISE: s->rise = (int)n; break;
	case SK_FALL: s->fall = (int)n; break;
	case SK_WEIGHT: s->iweight = (int)n; break;
	case SK_BACKUP: s->backup = true; break;
	case SK_NO_BACKUP: s->backup = false; break;
	case SK_MAXCONN: s->maxconn = (int)n; break;
	case SK_DISABLED: s->admin |= SRV_ADMF_CMAINT; break;
	case SK_ENABLED: s->admin &= ~(unsigned)SRV_ADMF_CMAINT; break;
	case SK_ON_MARKED_DOWN:
		if (strcmp(v, "shutdown-sessions") != 0) {
			snprintf(err, errlen, "%s : 'on-marked-down' expects 'shutdown-sessions' but got '%s'.", who, v);
			return CFG_ERR;
		}
		s->shutdown_on_down = true;
		break;
	case SK_SEND_PROXY: s->send_proxy = true; break;
	case SK_SEND_PROXY_V2: s->send_proxy_v2 = true; break;
	case SK_NO_SEND_PROXY: s->send_proxy = s->send_proxy_v2 = false; break;
	/* HAProxy's meanings: the -ssl keywords set v2 and the TLV bits,
	 * their no- forms clear v2 and those bits */
	case SK_SEND_PROXY_V2_SSL:
		s->send_proxy_v2 = true;
		s->pp2_opts |= PP2_OPT_SSL;
		break;
	case SK_SEND_PROXY_V2_SSL_CN:
		s->send_proxy_v2 = true;
		s->pp2_opts |= PP2_OPT_SSL | PP2_OPT_SSL_CN;
		break;
	case SK_NO_SEND_PROXY_V2_SSL:
		s->send_proxy_v2 = false;
		s->pp2_opts &= ~(unsigned)PP2_OPT_SSL;
		break;
	case SK_NO_SEND_PROXY_V2_SSL_CN:
		s->send_proxy_v2 = false;
		s->pp2_opts &= ~(unsigned)(PP2_OPT_SSL | PP2_OPT_SSL_CN);
		break;
	case SK_PROXY_V2_OPTIONS: {
		char perr[256];

		if (send_proxy_parse_options(v, &s->pp2_opts, perr, sizeof(perr)) < 0) {
			snprintf(err, errlen, "%s : %s", who, perr);
			return CFG_ERR;
		}
		break;
	}
	case SK_COOKIE:
		free(s->cookie);
		s->cookie = xstrdup(v);
		break;
	case SK_CHECK_SEND_PROXY:
		cfg_warn(p, "%s : 'check-send-proxy' is not supported by vigil-proxy and is ignored.", who);
		break;
	case SK_WARN:
		cfg_warn(p, "%s : '%s' is not supported by vigil-proxy and is ignored.", who, k->name);
		break;
	case SK_TLS:
		snprintf(err, errlen, "%s : TLS ('%s') is not supported by vigil-proxy yet", who, k->name);
		return CFG_ERR;
	case SK_UNSUPPORTED:
		snprintf(err, errlen, "%s : '%s' is not supported by vigil-proxy yet", who, k->name);
		return CFG_ERR;
	}
	return CFG_OK;
}

static void add_server(struct cfgparse *p, struct proxy *px, struct server *s)
{
	px->servers = xrealloc(px->servers, sizeof(*px->servers) * (size_t)(px->nservers + 1));
	px->servers[px->nservers++] = s;
	s->puid = px->nservers;
	s->px = px;
}

int cfg_parse_server(struct cfgparse *p, char **args, int argc, bool is_default,
		     char *err, size_t errlen)
{
	struct cfg_pxstate *st = p->cur;
	struct proxy *px = st->px;
	struct server *s;
	char who[300];
	int i;

	if (is_default) {
		s = &st->defsrv;
		snprintf(who, sizeof(who), "'default-server'");
		i = 1;
	} else {
		if (argc < 3) {
			snprintf(err, errlen, "'server' expects <name> and <addr>[:<port>] as arguments.");
			return CFG_ERR;
		}
		s = xcalloc(1, sizeof(*s));
		cfg_server_copy_template(s, &st->defsrv);
		s->id = xstrdup(args[1]);
		snprintf(who, sizeof(who), "'server %s/%s'", px->id, args[1]);
		if (server_addr(args[2], s, !p->no_resolve, err + 0, errlen) < 0) {
			char tmp[512];

			snprintf(tmp, sizeof(tmp), "%s", err);
			snprintf(err, errlen, "%s : %s", who, tmp);
			goto fail;
		}
		i = 3;
	}
	for (; i < argc; i++) {
		const struct srv_kw *k = NULL;
		size_t j;
		int rc;

		rc = ssl_srv_parse_kw(p, s, args, i, argc, err, errlen);
		if (rc < 0)
			goto fail;
		if (rc > 0) {
			i += rc - 1;
			continue;
		}
		for (j = 0; j < ARRAY_SIZE(srv_kws); j++)
			if (strcmp(srv_kws[j].name, args[i]) == 0)
				k = &srv_kws[j];
		if (!k) {
			const char *names[ARRAY_SIZE(srv_kws) + 1], *sugg;

			for (j = 0; j < ARRAY_SIZE(srv_kws); j++)
				names[j] = srv_kws[j].name;
			names[j] = NULL;
			sugg = suggest_word(args[i], names);
			if (sugg)
				snprintf(err, errlen, "%s : unknown keyword '%s'; did you mean '%s' maybe ?",
					 who, args[i], sugg);
			else
				snprintf(err, errlen, "%s : unknown keyword '%s'.", who, args[i]);
			goto fail;
		}
		if (k->arg != A_NONE && (i + 1 >= argc || !*args[i + 1])) {
			snprintf(err, errlen, "%s : '%s' expects an argument.", who, k->name);
			goto fail;
		}
		rc = apply_kw(k, k->arg != A_NONE ? args[i + 1] : NULL, s, who, p, err, errlen);
		if (rc == CFG_ERR)
			goto fail;
		if (k->arg != A_NONE)
			i++;
	}
	if (is_default)
		return CFG_OK;

	for (i = 0; i < px->nservers; i++) {
		if (strcmp(px->servers[i]->id, s->id) == 0) {
			snprintf(err, errlen, "%s '%s', another server named '%s' was already defined, please use distinct names.",
				 cfg_proxy_kind(px), px->id, s->id);
			goto fail;
		}
	}
	/* runtime state at start, as HAProxy: up, and with checks "up but
	 * going down at the first failure" */
	if (!s->fastinter_ms)
		s->fastinter_ms = s->inter_ms;
	if (!s->downinter_ms)
		s->downinter_ms = s->inter_ms;
	s->uweight = s->iweight;
	s->health = s->check_enabled ? s->rise : 0;
	s->check_status = s->check_enabled ? HCHK_INI : HCHK_UNKNOWN;
	s->op_state = (s->admin & SRV_ADMF_CMAINT) ? SRV_ST_STOPPED : SRV_ST_RUNNING;
	/* HAProxy sends a PROXY header whenever a server has any of these
	 * settings: options without send-proxy-v2 give a v1 line (which
	 * carries none of them) */
	if (s->pp2_opts && !s->send_proxy_v2 && !s->send_proxy) {
		s->send_proxy = true;
		cfg_warn(p, "%s : 'proxy-v2-options' without 'send-proxy-v2': the server gets a PROXY protocol v1 header, without the options, as HAProxy sends it.",
			 who);
	}
	if (ssl_srv_finish(p, s, err, errlen) < 0)
		goto fail;
	add_server(p, px, s);
	return CFG_OK;
fail:
	if (!is_default) {
		free(s->id);
		free(s->cookie);
		ssl_srv_free(s->ssl);
		free(s);
	}
	return CFG_ERR;
}
