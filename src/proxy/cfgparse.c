/* cfgparse: files, sections, defaults inheritance, keyword dispatch and
 * the post-parse checks. Section keywords live in cfgparse-global.c,
 * cfgparse-proxy.c and cfgparse-server.c. */
#include "proxy/cfgparse.h"
#include "proxy/ssl.h"
#include "proxy/stick.h"
#include "proxy/acl.h"
#include "proxy/sample.h"
#include "proxy/http_rules.h"
#include "proxy/userlist.h"
#include "proxy/cache.h"
#include "lib/cfgtok.h"
#include "lib/log.h"
#include "lib/util.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- messages ---- */

static void emit(struct cfgparse *p, bool alert, const char *text)
{
	char head[64];

	snprintf(head, sizeof(head), "%s (%d) : config : ", alert ? "[ALERT]   " : "[WARNING] ",
		 (int)getpid());
	if (p->msgs) {
		sb_puts(p->msgs, head);
		sb_puts(p->msgs, text);
		sb_puts(p->msgs, "\n");
	} else {
		fprintf(stderr, "%s%s\n", head, text);
	}
	if (alert) {
		p->nerr++;
		p->file_nerr++;
	} else {
		p->nwarn++;
	}
}

static void vmsg(struct cfgparse *p, bool alert, bool where, const char *fmt, va_list ap)
{
	char body[4096], text[4400];

	vsnprintf(body, sizeof(body), fmt, ap);
	if (where)
		snprintf(text, sizeof(text), "parsing [%s:%d] : %s", p->file ? p->file : "?", p->line, body);
	else
		snprintf(text, sizeof(text), "%s", body);
	emit(p, alert, text);
}

void cfg_alert(struct cfgparse *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(p, true, true, fmt, ap);
	va_end(ap);
}

void cfg_warn(struct cfgparse *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(p, false, true, fmt, ap);
	va_end(ap);
}

void cfg_alert_raw(struct cfgparse *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(p, true, false, fmt, ap);
	va_end(ap);
}

void cfg_warn_raw(struct cfgparse *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(p, false, false, fmt, ap);
	va_end(ap);
}

/* ---- keyword dispatch ---- */

int cfg_set_typed(const struct cfg_kw *kw, void *obj, const char *val, char *err, size_t errlen)
{
	char *field = (char *)obj + kw->off;
	long long n;
	uint64_t v;

	switch (kw->type) {
	case CFG_T_INT:
		if (parse_int(val, kw->min, kw->max, &n) == -ERANGE) {
			snprintf(err, errlen, "'%s' must be between %lld and %lld (got '%s').",
				 kw->name, kw->min, kw->max, val);
			return CFG_ERR;
		} else if (parse_int(val, kw->min, kw->max, &n) < 0) {
			snprintf(err, errlen, "'%s' expects an integer argument (got '%s').", kw->name, val);
			return CFG_ERR;
		}
		*(int *)field = (int)n;
		return CFG_OK;
	case CFG_T_TIME:
		if (parse_time_ms(val, &v) < 0 || v > (uint64_t)kw->max) {
			snprintf(err, errlen, "'%s' expects a time value (in milliseconds, or with a unit: us, ms, s, m, h, d), got '%s'.",
				 kw->name, val);
			return CFG_ERR;
		}
		*(uint32_t *)field = (uint32_t)v;
		return CFG_OK;
	case CFG_T_SIZE:
		if (parse_size(val, &v) < 0 || v < (uint64_t)kw->min || v > (uint64_t)kw->max) {
			snprintf(err, errlen, "'%s' expects a size between %lld and %lld (got '%s').",
				 kw->name, kw->min, kw->max, val);
			return CFG_ERR;
		}
		*(size_t *)field = (size_t)v;
		return CFG_OK;
	case CFG_T_STR:
		free(*(char **)field);
		*(char **)field = xstrdup(val);
		return CFG_OK;
	case CFG_T_FLAG:
	case CFG_T_FN:
		break;
	}
	return CFG_OK;
}

static const char *section_label(const struct cfgparse *p)
{
	return p->sec_name ? p->sec_name : "global";
}

int cfg_dispatch(struct cfgparse *p, const struct cfg_kw *table, void *obj, char **args, int argc)
{
	const struct cfg_kw *kw = NULL, *k;
	char err[2048] = "";
	int rc;

	for (k = table; k->name; k++) {
		if (strcmp(k->name, args[0]) == 0) {
			kw = k;
			break;
		}
	}
	if (!kw) {
		const char *names[512], *sugg;
		int n = 0;

		for (k = table; k->name && n < (int)ARRAY_SIZE(names) - 1; k++)
			if (k->sections & p->sec_bit)
				names[n++] = k->name;
		names[n] = NULL;
		sugg = suggest_word(args[0], names);
		if (sugg)
			cfg_alert(p, "unknown keyword '%s' in '%s' section; did you mean '%s' maybe ?",
				  args[0], section_label(p), sugg);
		else
			cfg_alert(p, "unknown keyword '%s' in '%s' section", args[0], section_label(p));
		return CFG_ERR;
	}
	if (!(kw->sections & p->sec_bit)) {
		struct proxy *px = p->cur ? p->cur->px : NULL;

		if (p->sec_bit == CFG_S_FE && (kw->sections & CFG_S_BE) && px) {
			cfg_warn(p, "'%s' ignored because frontend '%s' has no backend capability.",
				 kw->name, px->id);
			return CFG_WARN;
		}
		if (p->sec_bit == CFG_S_BE && (kw->sections & CFG_S_FE) && px) {
			cfg_warn(p, "'%s' ignored because backend '%s' has no frontend capability.",
				 kw->name, px->id);
			return CFG_WARN;
		}
		cfg_alert(p, "'%s' not allowed in '%s' section.", kw->name, section_label(p));
		return CFG_ERR;
	}
	if (kw->type == CFG_T_FLAG) {
		if (argc > 1) {
			cfg_alert(p, "'%s' cannot handle unexpected argument '%s'.", kw->name, args[1]);
			return CFG_ERR;
		}
		*(bool *)((char *)obj + kw->off) = true;
		return CFG_OK;
	}
	if (kw->type != CFG_T_FN) {
		if (argc < 2 || !*args[1]) {
			cfg_alert(p, "'%s' expects %s argument.", kw->name,
				  kw->type == CFG_T_INT ? "an integer" : kw->type == CFG_T_TIME ? "a time" :
				  kw->type == CFG_T_SIZE ? "a size" : "an");
			return CFG_ERR;
		}
		if (argc > 2) {
			cfg_alert(p, "'%s' cannot handle unexpected argument '%s'.", kw->name, args[2]);
			return CFG_ERR;
		}
		rc = cfg_set_typed(kw, obj, args[1], err, sizeof(err));
	} else {
		rc = kw->fn(p, args, argc, kw, err, sizeof(err));
	}
	if (rc == CFG_ERR && err[0])
		cfg_alert(p, "%s", err);
	else if (rc == CFG_WARN && err[0])
		cfg_warn(p, "%s", err);
	return rc;
}

/* ---- proxies and defaults ---- */

static struct cfg_pxstate *pxstate_new(bool is_defaults)
{
	struct cfg_pxstate *st = xcalloc(1, sizeof(*st));

	st->px = xcalloc(1, sizeof(*st->px));
	st->is_defaults = is_defaults;
	pthread_mutex_init(&st->px->lock, NULL);
	st->px->retries = 3;
	st->px->max_session_srv_conns = 5;   /* HAProxy's MAX_SRV_LIST */
	st->px->mode = PX_MODE_TCP;
	st->px->lb = LB_ROUNDROBIN;
	cfg_server_defaults(&st->defsrv);
	return st;
}

static void pxstate_free(struct cfg_pxstate *st, bool with_proxy)
{
	int i;

	if (!st)
		return;
	cfg_logspecs_free(st->logs, st->nlogs);
	for (i = 0; i < st->nhttp_only; i++)
		free(st->http_only[i]);
	free(st->http_only);
	free(st->defaults_name);
	free(st->defsrv.cookie);
	free(st->defsrv.id);
	ssl_srv_free(st->defsrv.ssl);
	if (with_proxy && st->px) {
		/* a defaults section: only what it can hold */
		cfg_check_free(&st->px->check);
		http_rules_free(st->px);
		free(st->px->default_backend_name);
		free(st->px->id);
		pthread_mutex_destroy(&st->px->lock);
		free(st->px);
	}
	free(st);
}

/* Copy what a defaults section passes on to a new proxy (or defaults). */
static void inherit(struct cfg_pxstate *dst, const struct cfg_pxstate *src)
{
	struct proxy *d = dst->px;
	const struct proxy *s = src->px;
	int i;

	d->mode = s->mode;
	d->maxconn = s->maxconn;
	d->lb = s->lb;
	d->lb_consistent = s->lb_consistent;
	d->retries = s->retries;
	d->options = s->options;
	d->timeouts = s->timeouts;
	d->fullconn = s->fullconn;
	d->max_session_srv_conns = s->max_session_srv_conns;
	d->tcp_inspect_delay_ms = s->tcp_inspect_delay_ms;
	if (s->default_backend_name)
		d->default_backend_name = xstrdup(s->default_backend_name);
	cfg_check_copy(&d->check, &s->check);
	dst->rules_inherited = d->check.nrules > 0;
	cfg_server_copy_template(&dst->defsrv, &src->defsrv);
	for (i = 0; i < src->nlogs; i++) {
		struct cfg_logspec *l;

		dst->logs = xrealloc(dst->logs, sizeof(*dst->logs) * (size_t)(dst->nlogs + 1));
		l = &dst->logs[dst->nlogs++];
		*l = src->logs[i];
		if (l->addr)
			l->addr = xstrdup(l->addr);
	}
	cfg_http_inherit(d, s);
	dst->http_send_line = src->http_send_line;
	dst->http_send_file = src->http_send_file;
	dst->http_send_lineno = src->http_send_lineno;
}

static bool valid_name(const char *s, char *bad)
{
	for (; *s; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '-' || *s == '_' || *s == '.' || *s == ':')) {
			*bad = *s;
			return false;
		}
	}
	return true;
}

static const char *cap_name(unsigned cap)
{
	return cap == (PX_CAP_FE | PX_CAP_BE) ? "proxy" : cap == PX_CAP_FE ? "frontend" : "backend";
}

const char *cfg_proxy_kind(const struct proxy *px)
{
	return cap_name(px->cap);
}

bool cfg_proxy_is_http(const struct cfgparse *p)
{
	return p->cur && p->cur->px->mode == PX_MODE_HTTP;
}

void cfg_note_http_only(struct cfgparse *p, const char *kw)
{
	struct cfg_pxstate *st = p->cur;
	int i;

	if (!st || st->is_defaults)
		return;
	for (i = 0; i < st->nhttp_only; i++)
		if (strcmp(st->http_only[i], kw) == 0)
			return;
	st->http_only = xrealloc(st->http_only, sizeof(char *) * (size_t)(st->nhttp_only + 1));
	st->http_only[st->nhttp_only++] = xstrdup(kw);
}

static struct cfg_pxstate *find_defaults(struct cfgparse *p, const char *name)
{
	int i;

	for (i = p->ndefs - 1; i >= 0; i--)
		if (p->defs[i]->defaults_name && strcmp(p->defs[i]->defaults_name, name) == 0)
			return p->defs[i];
	return NULL;
}

/* End of a proxy section: what needs the whole section. */
static void section_end(struct cfgparse *p)
{
	struct cfg_pxstate *st = p->cur;
	struct proxy *px;
	int i;

	if (p->sec != SEC_PROXY || !st) {
		p->cur = p->sec == SEC_DEFAULTS ? p->cur : NULL;
		return;
	}
	px = st->px;
	if (px->mode == PX_MODE_TCP && st->httplog_file && (px->options & PXO_HTTPLOG)) {
		px->options &= ~PXO_HTTPLOG;
		px->options |= PXO_TCPLOG;
		cfg_warn_raw(p, "parsing [%s:%d] : 'option httplog' not usable with %s '%s' (needs 'mode http'). Falling back to 'option tcplog'.",
			     st->httplog_file, st->httplog_line, cap_name(px->cap), px->id);
	}
	if (px->mode == PX_MODE_TCP) {
		for (i = 0; i < st->nhttp_only; i++) {
			const char *k = st->http_only[i];

			if (str_starts_with(k, "http-") || str_starts_with(k, "tcp-response"))
				cfg_warn_raw(p, "'%s' rules ignored for %s '%s' as they require HTTP mode.",
					     k, cap_name(px->cap), px->id);
			else if (strcmp(k, "stats") == 0)
				cfg_warn_raw(p, "'stats' statement ignored for %s '%s' as it requires HTTP mode.",
					     cap_name(px->cap), px->id);
			else
				cfg_warn_raw(p, "'%s' ignored for %s '%s' as it requires HTTP mode.",
					     k, cap_name(px->cap), px->id);
		}
	}
	if (st->http_send_line && px->check.type != CHK_HTTP && (px->cap & PX_CAP_BE))
		cfg_warn_raw(p, "parsing [%s:%d] : 'http-check send' ignored for %s '%s' because 'option httpchk' is not set; servers are checked at layer 4.",
			     st->http_send_file, st->http_send_lineno, cap_name(px->cap), px->id);
	if (st->tcpchk_rules && px->check.type != CHK_TCPCHK && (px->cap & PX_CAP_BE))
		cfg_warn_raw(p, "'tcp-check' rules ignored for %s '%s' because 'option tcp-check' is not set.",
			     cap_name(px->cap), px->id);
	p->cur = NULL;
}

static void add_proxy(struct cfgparse *p, struct cfg_pxstate *st)
{
	struct pxconf *c = p->conf;

	c->proxies = xrealloc(c->proxies, sizeof(*c->proxies) * (size_t)(c->nproxies + 1));
	p->states = xrealloc(p->states, sizeof(*p->states) * (size_t)(c->nproxies + 1));
	c->proxies[c->nproxies] = st->px;
	p->states[c->nproxies] = st;
	c->nproxies++;
	st->px->uuid = c->nproxies;
}

static const char *const skipped_sections[] = {
	"peers", "resolvers", "program", "mailers", "ring",
	"crt-store", "traces", "log-forward", "fcgi-app", NULL,
};

static const char *const section_words[] = {
	"global", "defaults", "frontend", "backend", "listen", NULL,
};

static bool is_section(const char *w)
{
	int i;

	for (i = 0; section_words[i]; i++)
		if (strcmp(w, section_words[i]) == 0)
			return true;
	if (strcmp(w, "userlist") == 0 || strcmp(w, "http-errors") == 0 || strcmp(w, "cache") == 0)
		return true;
	for (i = 0; skipped_sections[i]; i++)
		if (strcmp(w, skipped_sections[i]) == 0)
			return true;
	return false;
}

static void start_section(struct cfgparse *p, char **args, int argc)
{
	const char *kind = args[0];
	struct cfg_pxstate *st, *from = NULL;
	unsigned cap;
	char bad;
	int i;

	section_end(p);
	p->cur = NULL;
	/* args live in the tokenizer's buffer: keep a static copy of the name */
	for (i = 0; section_words[i]; i++)
		if (strcmp(kind, section_words[i]) == 0)
			p->sec_name = section_words[i];
	if (strcmp(kind, "userlist") == 0) {
		struct userlist *ul;

		p->sec = SEC_USERLIST;
		p->sec_name = "userlist";
		p->cur_ul = NULL;
		if (argc < 2) {
			cfg_alert(p, "'userlist' expects <name> as argument.");
			p->sec = SEC_SKIP;
			return;
		}
		if (userlist_find(p->conf->userlists, args[1])) {
			cfg_alert(p, "userlist '%s' already exists.", args[1]);
			p->sec = SEC_SKIP;
			return;
		}
		ul = xcalloc(1, sizeof(*ul));
		ul->name = xstrdup(args[1]);
		ul->next = p->conf->userlists;
		p->conf->userlists = ul;
		p->cur_ul = ul;
		return;
	}
	if (strcmp(kind, "http-errors") == 0) {
		p->sec = SEC_HTTP_ERRORS;
		p->sec_name = "http-errors";
		cfg_http_errors_section(p, args, argc);
		return;
	}
	if (strcmp(kind, "cache") == 0) {
		p->sec = SEC_CACHE;
		p->sec_name = "cache";
		cfg_cache_section(p, args, argc);
		return;
	}
	if (strcmp(kind, "global") == 0) {
		p->sec = SEC_GLOBAL;
		p->sec_bit = CFG_S_GLOBAL;
		if (argc > 1)
			cfg_alert(p, "'global' cannot handle unexpected argument '%s'.", args[1]);
		return;
	}
	for (i = 0; skipped_sections[i]; i++) {
		if (strcmp(kind, skipped_sections[i]) == 0) {
			p->sec = SEC_SKIP;
			cfg_warn(p, "section '%s' is not supported by vigil-proxy and is ignored", kind);
			return;
		}
	}
	if (strcmp(kind, "defaults") == 0) {
		const char *name = NULL;

		p->sec = SEC_DEFAULTS;
		p->sec_bit = CFG_S_DEFAULTS;
		i = 1;
		if (argc > 1 && strcmp(args[1], "from") != 0)
			name = args[i++];
		if (i < argc && strcmp(args[i], "from") == 0) {
			if (i + 1 >= argc) {
				cfg_alert(p, "'from' expects a defaults section name.");
			} else if (!(from = find_defaults(p, args[i + 1]))) {
				cfg_alert(p, "defaults section '%s' : unable to find defaults section '%s'.",
					  name ? name : "", args[i + 1]);
			}
			i += 2;
		}
		if (i < argc)
			cfg_alert(p, "'defaults' cannot handle unexpected argument '%s'.", args[i]);
		if (name && !valid_name(name, &bad))
			cfg_alert(p, "character '%c' is not permitted in 'defaults' name '%s'.", bad, name);
		st = pxstate_new(true);
		st->px->conf_file = p->file;
		st->px->conf_line = p->line;
		if (name)
			st->defaults_name = xstrdup(name);
		if (from)
			inherit(st, from);
		p->defs = xrealloc(p->defs, sizeof(*p->defs) * (size_t)(p->ndefs + 1));
		p->defs[p->ndefs++] = st;
		p->last_defs = st;
		p->cur = st;
		return;
	}

	/* frontend / backend / listen */
	cap = strcmp(kind, "frontend") == 0 ? PX_CAP_FE : strcmp(kind, "backend") == 0 ? PX_CAP_BE
		: PX_CAP_FE | PX_CAP_BE;
	p->sec_bit = cap == PX_CAP_FE ? CFG_S_FE : cap == PX_CAP_BE ? CFG_S_BE : CFG_S_LISTEN;
	if (argc < 2 || !*args[1]) {
		cfg_alert(p, "'%s' expects <name> as argument.", kind);
		p->sec = SEC_BAD;
		return;
	}
	if (!valid_name(args[1], &bad)) {
		cfg_alert(p, "character '%c' is not permitted in '%s' name '%s'.", bad, kind, args[1]);
		p->sec = SEC_BAD;
		return;
	}
	from = p->last_defs;
	if (argc > 2) {
		if (strcmp(args[2], "from") != 0) {
			cfg_alert(p, "please use the 'bind' keyword for listening addresses.");
			p->sec = SEC_BAD;
			return;
		}
		if (argc < 4) {
			cfg_alert(p, "'from' expects a defaults section name.");
			p->sec = SEC_BAD;
			return;
		}
		from = find_defaults(p, args[3]);
		if (!from) {
			cfg_alert(p, "%s '%s' : unable to find defaults section '%s'.", kind, args[1], args[3]);
			p->sec = SEC_BAD;
			return;
		}
		if (argc > 4) {
			cfg_alert(p, "'%s' cannot handle unexpected argument '%s'.", kind, args[4]);
			p->sec = SEC_BAD;
			return;
		}
	}
	for (i = 0; i < p->conf->nproxies; i++) {
		struct proxy *o = p->conf->proxies[i];

		if ((o->cap & cap) && strcmp(o->id, args[1]) == 0) {
			cfg_alert_raw(p, "Parsing [%s:%d]: %s '%s' has the same name as %s '%s' declared at %s:%d.",
				      p->file, p->line, cap_name(cap), args[1], cap_name(o->cap), o->id,
				      o->conf_file, o->conf_line);
			break;
		}
	}
	st = pxstate_new(false);
	if (from)
		inherit(st, from);
	st->px->id = xstrdup(args[1]);
	st->px->cap = cap;
	st->px->conf_file = p->file;
	st->px->conf_line = p->line;
	add_proxy(p, st);
	p->sec = SEC_PROXY;
	p->cur = st;
}

static void parse_line(struct cfgparse *p, char **args, int argc)
{
	if (is_section(args[0])) {
		start_section(p, args, argc);
		return;
	}
	switch (p->sec) {
	case SEC_NONE:
		cfg_alert_raw(p, "parsing [%s:%d]: unknown keyword '%s' out of section.", p->file, p->line, args[0]);
		break;
	case SEC_BAD:
		cfg_alert(p, "'listen' or 'defaults' expected.");
		break;
	case SEC_SKIP:
		break;
	case SEC_USERLIST:
		cfg_userlist_line(p, p->cur_ul, args, argc);
		break;
	case SEC_HTTP_ERRORS:
		cfg_http_errors_line(p, args, argc);
		break;
	case SEC_CACHE:
		cfg_cache_line(p, args, argc);
		break;
	case SEC_GLOBAL:
		cfg_parse_global_line(p, args, argc);
		break;
	case SEC_DEFAULTS:
	case SEC_PROXY:
		cfg_dispatch(p, cfg_proxy_kws, p->cur->px, args, argc);
		break;
	}
}

static void tok_warn(void *ctx, const char *file, int line, const char *msg)
{
	struct cfgparse *p = ctx;

	cfg_warn_raw(p, "parsing [%s:%d] : %s", file, line, msg);
}

static const char *remember_file(struct cfgparse *p, const char *name)
{
	struct pxconf *c = p->conf;

	c->files = xrealloc(c->files, sizeof(*c->files) * (size_t)(c->nfiles + 1));
	c->files[c->nfiles] = xstrdup(name);
	return c->files[c->nfiles++];
}

static void parse_stream(struct cfgparse *p, struct cfgtok *t)
{
	struct cfgtok_line *line = xmalloc(sizeof(*line));
	char err[1024];
	int rc, last_err_line = -1;

	cfgtok_set_warn_cb(t, tok_warn, p);
	p->file_nerr = 0;
	p->sec = SEC_NONE;
	p->sec_name = NULL;
	p->sec_bit = 0;
	p->cur = NULL;
	for (;;) {
		rc = cfgtok_next(t, line, err, sizeof(err));
		p->line = line->lineno;
		if (rc == 0)
			break;
		if (rc < 0) {
			cfg_alert(p, "%s", err);
			if (line->lineno == last_err_line)
				break;
			last_err_line = line->lineno;
			continue;
		}
		parse_line(p, line->argv, line->argc);
	}
	section_end(p);
	if (p->file_nerr)
		cfg_alert_raw(p, "Error(s) found in configuration file : %s", p->file);
	free(line);
}

/* ---- post-parse ---- */

static void resolve_logs(struct cfgparse *p)
{
	struct pxconf *c = p->conf;
	char err[512];
	int i, j, k;

	for (i = 0; i < p->nglogs; i++) {
		struct cfg_logspec *l = &p->glogs[i];
		struct log_target *t;

		if (!l->addr)
			continue;
		t = log_target_new(l->addr, l->facility, (enum log_level)l->level, err, sizeof(err));
		if (!t) {
			cfg_alert_raw(p, "parsing [%s:%d] : log : %s", l->file, l->line, err);
			continue;
		}
		c->global.logs = xrealloc(c->global.logs, sizeof(t) * (size_t)(c->global.nlogs + 1));
		c->global.logs[c->global.nlogs++] = t;
	}
	for (i = 0; i < c->nproxies; i++) {
		struct cfg_pxstate *st = p->states[i];
		struct proxy *px = c->proxies[i];

		for (j = 0; j < st->nlogs; j++) {
			struct cfg_logspec *l = &st->logs[j];

			if (l->global) {
				for (k = 0; k < c->global.nlogs; k++) {
					px->logs = xrealloc(px->logs, sizeof(*px->logs) * (size_t)(px->nlogs + 1));
					px->logs[px->nlogs++] = c->global.logs[k];
				}
			} else if (l->addr) {
				struct log_target *t = log_target_new(l->addr, l->facility,
								      (enum log_level)l->level, err, sizeof(err));

				if (!t) {
					cfg_alert_raw(p, "parsing [%s:%d] : log : %s", l->file, l->line, err);
					continue;
				}
				px->logs = xrealloc(px->logs, sizeof(*px->logs) * (size_t)(px->nlogs + 1));
				px->logs[px->nlogs++] = t;
			}
		}
	}
}

static void check_backend_ref(struct cfgparse *p, struct proxy *fe, const char *name,
			      struct proxy **out, const char *rule)
{
	struct proxy *be = pxconf_find_proxy(p->conf, name, PX_CAP_BE);

	if (!be) {
		cfg_alert_raw(p, "Proxy '%s': unable to find required %s: '%s'.", fe->id, rule, name);
		return;
	}
	if (be->mode != fe->mode) {
		cfg_alert_raw(p, "%s '%s' (%s:%d) tries to use incompatible %s '%s' (%s:%d) in a '%s' rule (see 'mode').",
			      cap_name(fe->cap), fe->id, fe->conf_file, fe->conf_line, cap_name(be->cap),
			      be->id, be->conf_file, be->conf_line, rule);
		return;
	}
	*out = be;
}

/* HTTP criteria where there is no HTTP message: HAProxy's warning for
 * `tcp-request connection`; an error for `tcp-request content` and, in a
 * TCP proxy, use_backend and stick rules, where HAProxy would parse the
 * buffered data as HTTP. */
static void check_http_criteria(struct cfgparse *p, struct proxy *px)
{
	const char *kw, *name;
	bool warned_session = false;

	for (int j = 0; j < px->ntcp_rules; j++) {
		struct tcp_rule *r = &px->tcp_rules[j];

		if (r->layer == TCP_RULE_CONTENT && r->action == TCP_ACT_TRACK_SC && px->mode == PX_MODE_HTTP &&
		    (px->cap & PX_CAP_FE) && !sample_expr_is_http(r->expr) && !warned_session) {
			cfg_warn_raw(p, "%s '%s' : a 'tcp-request content track-sc*' rule not depending on request contents for an HTTP frontend should be executed at the session level, using a 'tcp-request session' rule (mandatory to track invalid HTTP requests).",
				     cap_name(px->cap), px->id);
			warned_session = true;
		}
		if (r->layer == TCP_RULE_CONTENT && r->expr && sample_expr_is_http(r->expr) && px->mode == PX_MODE_TCP)
			cfg_alert_raw(p, "parsing [%s:%d] : 'tcp-request content track-sc%d' keys using HTTP fetches ('%s') are not supported by vigil-proxy yet in TCP mode.",
				      r->file, r->line, r->sc, sample_expr_fetch_name(r->expr));
		if (!(kw = acl_cond_http_keyword(r->cond, &name)))
			continue;
		/* an HTTP proxy runs its content rules on each request */
		if (r->layer == TCP_RULE_CONTENT && px->mode == PX_MODE_HTTP)
			continue;
		if (r->layer == TCP_RULE_CONNECTION || r->layer == TCP_RULE_SESSION) {
			const char *layer = r->layer == TCP_RULE_CONNECTION ? "connection" : "session";
			char who[160];

			if (name)
				snprintf(who, sizeof(who), "acl '%s'", name);
			else
				snprintf(who, sizeof(who), "anonymous acl");
			cfg_warn_raw(p, "parsing [%s:%d] : %s will never match in 'tcp-request %s' because it uses keyword '%s' which is incompatible with '%s tcp-request %s rule'",
				     r->file, r->line, who, layer, kw, cap_name(px->cap), layer);
		} else {
			/* evaluated by the data path before any HTTP parsing */
			cfg_alert_raw(p, "parsing [%s:%d] : 'tcp-request content' conditions using HTTP criteria ('%s') are not supported by vigil-proxy yet.",
				      r->file, r->line, kw);
		}
	}
	if (px->mode != PX_MODE_TCP)
		return;
	for (int j = 0; j < px->nswitch_rules; j++)
		if ((kw = acl_cond_http_keyword(px->switch_rules[j].cond, &name)))
			cfg_alert_raw(p, "%s '%s': 'use_backend %s' conditions using HTTP criteria ('%s') in a TCP proxy are not supported by vigil-proxy yet.",
				      cap_name(px->cap), px->id, px->switch_rules[j].backend_name, kw);
	for (int j = 0; j < px->nstick_rules; j++)
		if ((kw = acl_cond_http_keyword(px->stick_rules[j].cond, &name)))
			cfg_alert_raw(p, "%s '%s': 'stick' conditions using HTTP criteria ('%s') in a TCP proxy are not supported by vigil-proxy yet.",
				      cap_name(px->cap), px->id, kw);
}

static void post_parse(struct cfgparse *p)
{
	struct pxconf *c = p->conf;
	int i, j;

	if (c->global.maxconn == 0)
		c->global.maxconn = 4096;
	resolve_logs(p);
	cfg_http_post_parse(p);
	for (i = 0; i < c->nproxies; i++) {
		struct proxy *px = c->proxies[i];
		const char *missing = NULL;

		check_http_criteria(p, px);
		if (px->cap & PX_CAP_FE) {
			if (px->default_backend_name)
				check_backend_ref(p, px, px->default_backend_name, &px->default_backend,
						  "default_backend");
			for (j = 0; j < px->nswitch_rules; j++)
				if (!cfg_use_backend_is_fmt(px, j))
					check_backend_ref(p, px, px->switch_rules[j].backend_name,
						  &px->switch_rules[j].backend, "use_backend");
			if (px->nlisteners == 0)
				cfg_warn_raw(p, "%s '%s' has no 'bind' directive. Please declare it as a backend if this was intended.",
					      cap_name(px->cap), px->id);
		} else if (px->default_backend_name) {
			/* inherited from defaults by a backend: meaningless, as in HAProxy */
			xfree(&px->default_backend_name);
		}
		for (j = 0; j < px->ntcp_rules; j++) {
			struct tcp_rule *r = &px->tcp_rules[j];
			struct proxy *tp;

			if (r->action != TCP_ACT_TRACK_SC)
				continue;
			tp = r->table_name ? pxconf_find_proxy(c, r->table_name, PX_CAP_FE | PX_CAP_BE) : px;
			if (!tp || !tp->stick_table)
				cfg_alert_raw(p, "Proxy '%s': unable to find table '%s' referenced by track-sc%d.",
					      px->id, r->table_name ? r->table_name : px->id, r->sc);
			else
				r->table_px = tp;
		}
		for (j = 0; j < px->nstick_rules; j++) {
			struct stick_rule *r = &px->stick_rules[j];
			const char *tname = r->table_name ? r->table_name : px->id;
			struct proxy *tp = r->table_name ? pxconf_find_proxy(c, tname, PX_CAP_FE | PX_CAP_BE) : px;

			if (!tp || !tp->stick_table)
				cfg_alert_raw(p, "Proxy '%s': unable to find stick-table '%s'.", px->id, tname);
			else
				r->table = tp->stick_table;
		}
		if (px->cap & PX_CAP_BE) {
			for (j = 0; j < px->nservers; j++) {
				struct server *s = px->servers[j];

				if (s->check_enabled && !s->addr_port_given && !s->check_port &&
				    !s->check_addr.port_given)
					cfg_alert_raw(p, "backend '%s': server '%s' has neither service port nor check port.",
						      px->id, s->id);
			}
		}
		if ((px->cap & PX_CAP_FE) && !px->timeouts.client)
			missing = "client";
		if ((px->cap & PX_CAP_BE) && (!px->timeouts.connect || !px->timeouts.server))
			missing = "connect";
		if (missing)
			cfg_warn_raw(p, "missing timeouts for %s '%s'.\n"
				     "   | While not properly invalid, you will certainly encounter various problems\n"
				     "   | with such a configuration. To fix this, please ensure that all following\n"
				     "   | timeouts are set to a non-zero value: 'client', 'connect', 'server'.",
				     cap_name(px->cap), px->id);
	}
}

/* ---- entry points ---- */

static void cfgparse_init(struct cfgparse *p, struct strbuf *msgs)
{
	struct px_global *g;

	memset(p, 0, sizeof(*p));
	p->msgs = msgs;
	p->conf = xcalloc(1, sizeof(*p->conf));
	g = &p->conf->global;
	g->stats_timeout_ms = 10000;
	g->bufsize = 16384;
	g->maxhdr = 101;
	g->uid = (uid_t)-1;
	g->gid = (gid_t)-1;
}

static struct pxconf *cfgparse_finish(struct cfgparse *p, int *nwarnings)
{
	struct pxconf *c = p->conf;
	int i;

	if (p->nerr == 0)
		post_parse(p);
	cfg_http_errors_free(p);
	for (i = 0; i < c->nproxies; i++)
		pxstate_free(p->states[i], false);
	free(p->states);
	for (i = 0; i < p->ndefs; i++)
		pxstate_free(p->defs[i], true);
	free(p->defs);
	cfg_logspecs_free(p->glogs, p->nglogs);
	if (p->nerr) {
		cfg_alert_raw(p, "Fatal errors found in configuration.");
		pxconf_free(c);
		c = NULL;
	}
	if (nwarnings)
		*nwarnings = p->nwarn;
	return c;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void parse_path(struct cfgparse *p, const char *path)
{
	struct stat st;
	struct cfgtok *t;
	char err[1024];

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *de;
		char **names = NULL;
		int n = 0, i;

		if (!d) {
			cfg_alert_raw(p, "Could not open configuration directory %s : %s", path, strerror(errno));
			return;
		}
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.' || !str_ends_with(de->d_name, ".cfg"))
				continue;
			names = xrealloc(names, sizeof(*names) * (size_t)(n + 1));
			names[n++] = xasprintf("%s%s%s", path, str_ends_with(path, "/") ? "" : "/", de->d_name);
		}
		closedir(d);
		qsort(names, (size_t)n, sizeof(*names), cmp_names);
		for (i = 0; i < n; i++) {
			struct stat fst;

			if (stat(names[i], &fst) == 0 && S_ISREG(fst.st_mode))
				parse_path(p, names[i]);
			free(names[i]);
		}
		free(names);
		return;
	}
	t = cfgtok_open(path, CFGTOK_CONDITIONALS, err, sizeof(err));
	if (!t) {
		cfg_alert_raw(p, "%s", err);
		return;
	}
	p->file = remember_file(p, path);
	parse_stream(p, t);
	cfgtok_close(t);
}

struct pxconf *cfg_parse_files(char *const *paths, int npaths, int *nwarnings)
{
	struct cfgparse p;
	int i;

	cfgparse_init(&p, NULL);
	for (i = 0; i < npaths; i++)
		parse_path(&p, paths[i]);
	return cfgparse_finish(&p, nwarnings);
}

static struct pxconf *parse_mem(const char *name, const char *data, size_t len,
				struct strbuf *msgs, int *nwarnings, bool no_resolve)
{
	struct cfgparse p;
	struct cfgtok *t;

	cfgparse_init(&p, msgs);
	p.no_resolve = no_resolve;
	p.file = remember_file(&p, name);
	/* fmemopen() refuses an empty buffer: an empty file has no lines */
	if (len > 0) {
		t = cfgtok_open_mem(name, data, len, CFGTOK_CONDITIONALS);
		if (!t) {
			cfg_alert_raw(&p, "Could not read configuration %s : %s", name, strerror(errno));
		} else {
			parse_stream(&p, t);
			cfgtok_close(t);
		}
	}
	return cfgparse_finish(&p, nwarnings);
}

struct pxconf *cfg_parse_mem(const char *name, const char *data, size_t len,
			     struct strbuf *msgs, int *nwarnings)
{
	return parse_mem(name, data, len, msgs, nwarnings, false);
}

struct pxconf *cfg_parse_mem_offline(const char *name, const char *data, size_t len,
				     struct strbuf *msgs, int *nwarnings)
{
	return parse_mem(name, data, len, msgs, nwarnings, true);
}
