/* cli: the stats socket runtime API (see cli.h and docs/runtime-api.md).
 *
 * A connection goes through these states:
 *
 *   reading --(command line complete)--> run it, queue its answer
 *      |  ^                                        |
 *      |  +--- prompt mode, or more input queued --+
 *      |
 *      +--(no prompt and input drained, `quit`, EOF, error, idle timeout)
 *            --> flushing: write what is queued (conn_flush)
 *            --> draining: shutdown(SHUT_WR), read and discard until the
 *                client closes or the timeout fires (conn_close)
 *
 * Answers are formatted exactly as HAProxy 2.6 prints them: a command's
 * text, then "\n" (or "\n> " in prompt mode). Commands live in one table
 * (cli_cmds) with their keywords, help line and minimum level.
 */
#include "proxy/cli.h"
#include "proxy/stats.h"
#include "proxy/stick.h"
#include "proxy/stick_counters.h"
#include "proxy/stream.h"
#include "lib/addr.h"
#include "lib/log.h"
#include "lib/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define CLI_INBUF          16384   /* longest command line, as HAProxy's bufsize */
#define CLI_MAX_ARGS       64
#define CLI_OUT_HIGHWATER  (256 * 1024) /* stop running commands above this */
#define CLI_DEFAULT_TIMEOUT_MS 10000
#define CLI_DEFAULT_MODE   0600
#define CLI_BACKLOG        128
#define CLI_MAX_MATCHES    5

/* What one client may do and has asked for; shared by socket clients and
 * cli_run_line(). */
struct cli_sess {
	struct pxconf *conf;
	enum cli_level level;
	bool prompt;               /* interactive mode: "> " after each answer */
	bool quit;                 /* close once the output is flushed */
	struct strbuf *out;
};

struct cli;

struct cli_listen {
	struct cli *cli;
	struct stats_socket *sock;
	struct ev_io io;
};

enum conn_state { CONN_READING, CONN_FLUSHING, CONN_DRAINING };

struct cli_conn {
	struct cli *cli;
	struct cli_conn *prev, *next;
	struct ev_io io;
	struct ev_timer timer;       /* idle timeout */
	enum conn_state state;
	struct cli_sess sess;
	char in[CLI_INBUF];
	size_t inlen;
	bool eof;                    /* the client shut its side */
	struct strbuf out;
	size_t out_off;              /* bytes of `out` already written */
};

struct cli {
	struct cli *next;
	struct pxconf *conf;
	struct ev_loop *loop;
	struct cli_listen *ls;       /* from malloc(), nls entries */
	int nls;
	struct cli_conn *conns;      /* open client connections */
};

/* Instances started by cli_start(), found again by cli_stop(). Touched
 * only from the loop thread that serves them. */
static struct cli *cli_instances;

/* ---- commands ---- */

typedef void (*cli_cmd_fn)(struct cli_sess *s, char **args, int nargs);

struct cli_cmd {
	const char *kw[4];           /* keywords, NULL-terminated */
	const char *usage;           /* help line, as HAProxy prints it */
	enum cli_level level;        /* minimum level */
	cli_cmd_fn fn;
};

static void out_puts(struct cli_sess *s, const char *str) { sb_puts(s->out, str); }

/* Print a message from server.c (or elsewhere) as one answer line. */
static void out_msg_line(struct cli_sess *s, const char *msg)
{
	size_t n = strlen(msg);

	sb_puts(s->out, msg);
	if (n == 0 || msg[n - 1] != '\n')
		sb_puts(s->out, "\n");
}

static struct proxy *find_proxy(struct pxconf *c, const char *id, unsigned cap)
{
	for (int i = 0; i < c->nproxies; i++) {
		struct proxy *px = c->proxies[i];

		if ((px->cap & cap) && strcmp(px->id, id) == 0)
			return px;
	}
	return NULL;
}

static struct server *find_server(struct proxy *px, const char *id)
{
	for (int i = 0; i < px->nservers; i++)
		if (strcmp(px->servers[i]->id, id) == 0)
			return px->servers[i];
	return NULL;
}

/* "backend/server" as HAProxy's cli_find_server(): NULL after printing
 * the error. */
static struct server *cli_find_server(struct cli_sess *s, const char *arg)
{
	char name[512];
	const char *slash;
	struct proxy *px;
	struct server *srv;
	size_t n;

	if (!arg || !*arg || !(slash = strchr(arg, '/'))) {
		out_puts(s, "Require 'backend/server'.\n");
		return NULL;
	}
	n = (size_t)(slash - arg);
	if (n >= sizeof(name))
		n = sizeof(name) - 1;
	memcpy(name, arg, n);
	name[n] = 0;
	px = find_proxy(s->conf, name, PX_CAP_BE);
	if (!px) {
		out_puts(s, "No such backend.\n");
		return NULL;
	}
	srv = find_server(px, slash + 1);
	if (!srv) {
		out_puts(s, "No such server.\n");
		return NULL;
	}
	if (px->disabled) {
		out_puts(s, "Proxy is disabled.\n");
		return NULL;
	}
	return srv;
}

static const char *arg_at(char **args, int nargs, int i)
{
	return i < nargs ? args[i] : "";
}

static void cmd_show_info(struct cli_sess *s, char **args, int nargs)
{
	stats_show_info(s->conf, s->out);
}

static void cmd_show_stat(struct cli_sess *s, char **args, int nargs)
{
	struct stats_filter f = {
		.iid = -1, .types = STATS_TYPE_ALL, .sid = -1,
		.hide_addr = s->level < CLI_LEVEL_OPERATOR,
	};

	for (int i = 2; i < nargs; i++) {
		if (!strcmp(args[i], "json") || !strcmp(args[i], "typed") ||
		    !strcmp(args[i], "desc") || !strcmp(args[i], "up") ||
		    !strcmp(args[i], "no-maint")) {
			sb_appendf(s->out, "'show stat %s' is not supported.\n", args[i]);
			return;
		}
	}
	if (nargs >= 5) {
		long long v;

		if (strcmp(args[2], "-1") != 0) {
			struct proxy *px = find_proxy(s->conf, args[2], PX_CAP_FE | PX_CAP_BE);

			if (px)
				f.iid = px->uuid;
			else if (parse_int(args[2], 1, INT_MAX, &v) == 0)
				f.iid = (int)v;
			else {
				out_puts(s, "No such proxy.\n");
				return;
			}
		}
		if (parse_int(args[3], INT_MIN, INT_MAX, &v) == 0)
			f.types = (unsigned)(int)v;
		if (parse_int(args[4], INT_MIN, INT_MAX, &v) == 0)
			f.sid = (int)v < 0 ? -1 : (int)v;
	}
	stats_show_stat_filtered(s->conf, &f, s->out);
}

static void cmd_show_servers_state(struct cli_sess *s, char **args, int nargs)
{
	const char *be = nargs > 3 ? args[3] : NULL;

	if (be && !find_proxy(s->conf, be, PX_CAP_BE)) {
		out_puts(s, "Can't find backend.\n");
		return;
	}
	stats_show_servers_state(s->conf, be, s->out);
}

static void cmd_show_backend(struct cli_sess *s, char **args, int nargs)
{
	out_puts(s, "# name\n");
	for (int i = 0; i < s->conf->nproxies; i++) {
		const struct proxy *px = s->conf->proxies[i];

		if (px->cap & PX_CAP_BE)
			sb_appendf(s->out, "%s\n", px->id);
	}
}

/* `show table [NAME [key K | data.TYPE OP VALUE]]`, as HAProxy 2.6 prints
 * it: the tables (last declared first), or one table's entries. Only the
 * counters a table stores (`store ...`) have entries here. */
static const char *const table_type_names[] = { "ip", "ipv6", "integer", "string" };

static void table_header(struct cli_sess *s, const struct proxy *px)
{
	const struct stick_table *t = px->stick_table;
	int used = px->stkctr ? stkctr_count(px->stkctr) : stick_table_count(px->stick_table);

	sb_appendf(s->out, "# table: %s, type: %s, size:%d, used:%d\n", px->id, table_type_names[t->type],
		   t->size, used);
}

/* The proxy whose table is NAME, or NULL after HAProxy's message. */
static struct proxy *table_named(struct cli_sess *s, const char *name)
{
	for (int i = 0; i < s->conf->nproxies; i++)
		if (s->conf->proxies[i]->stick_table && strcmp(s->conf->proxies[i]->id, name) == 0)
			return s->conf->proxies[i];
	out_puts(s, "No such table\n");
	return NULL;
}

/* A key of the table's type into key[16] (an address) or pointing at the
 * argument (a string); false after HAProxy's message. */
static bool table_key(struct cli_sess *s, const struct proxy *px, const char *k, unsigned char *key,
		      struct stkctr_filter *f)
{
	enum stick_key_type kt = px->stick_table->type;

	if (kt == STK_IP || kt == STK_IPV6) {
		if (inet_pton(kt == STK_IP ? AF_INET : AF_INET6, k, key) != 1) {
			out_puts(s, kt == STK_IP ? "Invalid IPv4 address\n" : "Invalid IPv6 address\n");
			return false;
		}
		f->key = key;
		f->klen = kt == STK_IP ? 4 : 16;
	} else {
		f->key = (const unsigned char *)k;
		f->klen = strlen(k);
	}
	return true;
}

/* The data type of "data.TYPE" stored in px's table: -1 after HAProxy's
 * message (`what` prefixes it, "Filter entry #1: " for filters). */
static int table_data(struct cli_sess *s, const struct proxy *px, const char *arg, const char *what)
{
	int d = stkctr_data_by_name(arg + 5);

	if (d < 0) {
		sb_appendf(s->out, "%sUnknown data type\n", what);
		return -1;
	}
	if (!stkctr_table_stores(px->stkctr, (enum stkctr_data)d)) {
		sb_appendf(s->out, "%sData type not stored in this table\n", what);
		return -1;
	}
	return d;
}

/* The filter of show/clear table at args[3..]: `key K` or `data.TYPE OP
 * VALUE` (none: every entry). 0, 1 when args[3] is neither (the caller
 * words that), -1 after HAProxy's message. */
static int table_filter(struct cli_sess *s, const struct proxy *px, char **args, int nargs,
			unsigned char *key, struct stkctr_filter *f)
{
	const char *opt = arg_at(args, nargs, 3), *op = arg_at(args, nargs, 4);
	long long v;

	memset(f, 0, sizeof(*f));
	f->data = -1;
	if (!*opt)
		return 0;
	if (!strcmp(opt, "key"))
		return table_key(s, px, arg_at(args, nargs, 4), key, f) ? 0 : -1;
	if (strncmp(opt, "data.", 5))
		return 1;
	if ((f->data = table_data(s, px, opt, "Filter entry #1: ")) < 0)
		return -1;
	if (strcmp(op, "eq") && strcmp(op, "ne") && strcmp(op, "lt") && strcmp(op, "le") &&
	    strcmp(op, "gt") && strcmp(op, "ge")) {
		out_puts(s, "Filter entry #1: Require and operator among \"eq\", \"ne\", \"le\", \"ge\", \"lt\", \"gt\"\n");
		return -1;
	}
	if (parse_int(arg_at(args, nargs, 5), LLONG_MIN, LLONG_MAX, &v)) {
		out_puts(s, "Filter entry #1: Require a valid integer value to compare against\n");
		return -1;
	}
	f->op = op;
	f->value = v < 0 ? 0 : (uint64_t)v;
	return 0;
}

static void cmd_show_table(struct cli_sess *s, char **args, int nargs)
{
	const char *name = arg_at(args, nargs, 2);
	struct stkctr_filter f;
	unsigned char key[16];
	struct strbuf lines = STRBUF_INIT;
	struct proxy *px;
	int r, n;

	if (!*name) {
		for (int i = s->conf->nproxies - 1; i >= 0; i--)
			if (s->conf->proxies[i]->stick_table)
				table_header(s, s->conf->proxies[i]);
		return;
	}
	if (!(px = table_named(s, name)) || (r = table_filter(s, px, args, nargs, key, &f)) < 0)
		return;
	if (r > 0) {
		out_puts(s, "Optional argument only supports \"data.<store_data_type>\" <operator> <value> and key <key>\n");
		return;
	}
	n = px->stkctr ? stkctr_dump(px->stkctr, px->stick_table->type <= STK_IPV6, &f, &lines,
				     stkctr_now_ms()) : 0;
	/* a key that is not there: nothing at all, as HAProxy */
	if (!f.key || n > 0) {
		table_header(s, px);
		sb_append(s->out, sb_str(&lines), lines.len);
	}
	sb_free(&lines);
}

/* `clear table NAME [key K | data.TYPE OP VALUE]`: the entries that
 * match go (all of them without a filter), except those a connection
 * tracks right now; silent, as HAProxy. */
static void cmd_clear_table(struct cli_sess *s, char **args, int nargs)
{
	struct stkctr_filter f;
	unsigned char key[16];
	struct proxy *px;
	int r;

	if (!*arg_at(args, nargs, 2)) {
		out_puts(s, "Required arguments: <table> \"data.<store_data_type>\" <operator> <value> or <table> key <key>\n");
		return;
	}
	if (!(px = table_named(s, arg_at(args, nargs, 2))) ||
	    (r = table_filter(s, px, args, nargs, key, &f)) < 0)
		return;
	if (r > 0) {
		out_puts(s, "Required arguments: <table> \"data.<store_data_type>\" <operator> <value> or <table> key <key>\n");
		return;
	}
	if (px->stkctr)
		stkctr_clear(px->stkctr, &f, stkctr_now_ms());
}

/* `set table NAME key K [data.TYPE VALUE]...`: the entry is created if
 * needed and each counter set; all arguments are checked before anything
 * changes. */
static void cmd_set_table(struct cli_sess *s, char **args, int nargs)
{
	static const char usage[] = "Required arguments: <table> key <key> [data.<store_data_type> <value>]*\n";
	struct stkctr_value vals[STKCTR_NDATA];
	struct stkctr_filter f;
	unsigned char key[16];
	struct proxy *px;
	int n = 0;

	if (!*arg_at(args, nargs, 2)) {
		out_puts(s, usage);
		return;
	}
	if (!(px = table_named(s, arg_at(args, nargs, 2))))
		return;
	if (strcmp(arg_at(args, nargs, 3), "key") != 0) {
		out_puts(s, usage);
		return;
	}
	if (!*arg_at(args, nargs, 4)) {
		out_puts(s, "Key value expected\n");
		return;
	}
	memset(&f, 0, sizeof(f));
	if (!table_key(s, px, arg_at(args, nargs, 4), key, &f))
		return;
	/* every argument checked before anything changes */
	for (int i = 5; i < nargs; i += 2) {
		long long v;
		int d, k;

		if (strncmp(args[i], "data.", 5)) {
			out_puts(s, "\"data.<type>\" followed by a value expected\n");
			return;
		}
		if ((d = table_data(s, px, args[i], "")) < 0)
			return;
		if (parse_int(arg_at(args, nargs, i + 1), 0, LLONG_MAX, &v)) {
			out_puts(s, "Require a valid integer value to store\n");
			return;
		}
		/* a type given twice: the last value */
		for (k = 0; k < n && vals[k].data != (enum stkctr_data)d; k++)
			;
		vals[k] = (struct stkctr_value){ (enum stkctr_data)d, (uint64_t)v };
		n += k == n;
	}
	if (!px->stkctr || stkctr_set(px->stkctr, f.key, f.klen, vals, n, stkctr_now_ms()) < 0)
		out_puts(s, "Unable to allocate a new entry\n");
}

static const char *level_name(enum cli_level l)
{
	return l == CLI_LEVEL_ADMIN ? "admin" : l == CLI_LEVEL_OPERATOR ? "operator" : "user";
}

static void cmd_show_cli_level(struct cli_sess *s, char **args, int nargs)
{
	sb_appendf(s->out, "%s\n", level_name(s->level));
}

static void cmd_operator(struct cli_sess *s, char **args, int nargs)
{
	s->level = CLI_LEVEL_OPERATOR;
}

static void cmd_user(struct cli_sess *s, char **args, int nargs)
{
	s->level = CLI_LEVEL_USER;
}

static void cmd_prompt(struct cli_sess *s, char **args, int nargs)
{
	s->prompt = !s->prompt;
}

static void cmd_quit(struct cli_sess *s, char **args, int nargs)
{
	s->quit = true;
}

/* Weight as HAProxy's server_parse_weight_change_request(): "N" (0..256)
 * or "N%" of the initial weight. Returns the absolute weight, or -1 after
 * printing HAProxy's message. */
static int parse_weight(struct cli_sess *s, const struct server *srv, const char *str)
{
	const struct proxy *px = srv->px;
	char *end;
	long w;

	errno = 0;
	w = strtol(str, &end, 10);
	if (end == str) {
		out_puts(s, "Empty weight string empty or preceded by garbage");
		return -1;
	}
	if (end[0] == '%' && end[1] == '\0') {
		if (w < 0) {
			out_puts(s, "Relative weight must be positive.\n");
			return -1;
		}
		if (w > 25600)
			w = 25600;
		w = srv->iweight * w / 100;
		if (w > 256)
			w = 256;
	} else if (w < 0 || w > 256 || errno == ERANGE) {
		out_puts(s, "Absolute weight can only be between 0 and 256 inclusive.\n");
		return -1;
	} else if (end[0] != '\0') {
		out_puts(s, "Trailing garbage in weight string");
		return -1;
	}
	if ((px->lb == LB_STATIC_RR || (px->lb == LB_SOURCE && !px->lb_consistent)) && w != 0 && w != srv->iweight) {
		out_puts(s, "Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.\n");
		return -1;
	}
	return (int)w;
}

static void apply_weight(struct cli_sess *s, struct server *srv, const char *str)
{
	char num[16], err[256] = "";
	int w = parse_weight(s, srv, str);

	if (w < 0)
		return;
	snprintf(num, sizeof(num), "%d", w);
	if (server_set_weight(srv, num, err, sizeof(err)) < 0)
		out_msg_line(s, err[0] ? err : "Failed to change the weight.");
}

static void apply_state(struct cli_sess *s, struct server *srv, const char *state)
{
	char err[256] = "";

	if (server_set_admin(srv, state, err, sizeof(err)) < 0)
		out_msg_line(s, err[0] ? err : "Failed to change the server state.");
}

static void cmd_set_weight(struct cli_sess *s, char **args, int nargs)
{
	struct server *srv = cli_find_server(s, arg_at(args, nargs, 2));

	if (!srv)
		return;
	if (!*arg_at(args, nargs, 3)) {
		out_puts(s, "Require <weight> or <weight%>.\n");
		return;
	}
	apply_weight(s, srv, args[3]);
}

static void cmd_get_weight(struct cli_sess *s, char **args, int nargs)
{
	struct server *srv = cli_find_server(s, arg_at(args, nargs, 2));
	int uw, iw;

	if (!srv)
		return;
	pthread_mutex_lock(&srv->px->lock);
	uw = srv->uweight;
	iw = srv->iweight;
	pthread_mutex_unlock(&srv->px->lock);
	sb_appendf(s->out, "%d (initial %d)\n", uw, iw);
}

static void cmd_disable_server(struct cli_sess *s, char **args, int nargs)
{
	struct server *srv = cli_find_server(s, arg_at(args, nargs, 2));

	if (srv)
		apply_state(s, srv, "maint");
}

static void cmd_enable_server(struct cli_sess *s, char **args, int nargs)
{
	struct server *srv = cli_find_server(s, arg_at(args, nargs, 2));

	if (srv)
		apply_state(s, srv, "ready");
}

static bool valid_ip(const char *str)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, str, buf) == 1 || inet_pton(AF_INET6, str, buf) == 1;
}

/* set server B/S addr A [port P]: HAProxy's messages, including the ones
 * printed on success. */
static void set_server_addr(struct cli_sess *s, struct server *srv, char **args, int nargs)
{
	const char *addr = arg_at(args, nargs, 4);
	const char *port = NULL;
	char old_host[ADDR_STRLEN], new_host[ADDR_STRLEN], err[256] = "";
	int old_port, new_port;
	long long p;

	if (!*addr) {
		out_puts(s, "set server <b>/<s> addr requires an address and optionally a port.\n");
		return;
	}
	if (!strcmp(arg_at(args, nargs, 5), "port"))
		port = arg_at(args, nargs, 6);
	if (!valid_ip(addr)) {
		sb_appendf(s->out, "Invalid addr '%s' by 'stats socket command'\n", addr);
		return;
	}
	if (port && parse_int(port, 0, 65535, &p) < 0) {
		sb_appendf(s->out, "no need to change the addr, problem converting port '%s' "
			   "to an int by 'stats socket command'\n", port);
		return;
	}

	pthread_mutex_lock(&srv->px->lock);
	addr_host_str((const struct sockaddr *)&srv->addr.ss, old_host, sizeof(old_host));
	old_port = addr_port(&srv->addr);
	pthread_mutex_unlock(&srv->px->lock);

	if (server_set_addr(srv, addr, port, err, sizeof(err)) < 0) {
		out_msg_line(s, err[0] ? err : "Failed to change the address.");
		return;
	}

	pthread_mutex_lock(&srv->px->lock);
	addr_host_str((const struct sockaddr *)&srv->addr.ss, new_host, sizeof(new_host));
	new_port = addr_port(&srv->addr);
	pthread_mutex_unlock(&srv->px->lock);

	if (strcmp(old_host, new_host) != 0)
		sb_appendf(s->out, "IP changed from '%s' to '%s'", old_host, new_host);
	else
		out_puts(s, port ? "no need to change the addr" : "No need to change the addr");
	if (port) {
		if (old_port != new_port)
			sb_appendf(s->out, ", port changed from '%d' to '%d'", old_port, new_port);
		else
			out_puts(s, ", no need to change the port");
	}
	out_puts(s, " by 'stats socket command'\n");
}

static void cmd_set_server(struct cli_sess *s, char **args, int nargs)
{
	static const char *const unsupported[] = {
		"agent", "agent-addr", "agent-port", "agent-send", "check-addr",
		"check-port", "fqdn", "health", "ssl", NULL
	};
	struct server *srv = cli_find_server(s, arg_at(args, nargs, 2));
	const char *what = arg_at(args, nargs, 3);

	if (!srv)
		return;
	if (!strcmp(what, "state")) {
		const char *st = arg_at(args, nargs, 4);

		if (strcmp(st, "ready") && strcmp(st, "drain") && strcmp(st, "maint")) {
			out_puts(s, "'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n");
			return;
		}
		apply_state(s, srv, st);
	} else if (!strcmp(what, "weight")) {
		if (!*arg_at(args, nargs, 4)) {
			out_puts(s, "Require <weight> or <weight%>.\n");
			return;
		}
		apply_weight(s, srv, args[4]);
	} else if (!strcmp(what, "addr")) {
		set_server_addr(s, srv, args, nargs);
	} else {
		for (int i = 0; unsupported[i]; i++) {
			if (!strcmp(what, unsupported[i])) {
				sb_appendf(s->out, "'set server <srv> %s' is not supported by vigil-proxy.\n", what);
				return;
			}
		}
		out_puts(s, "usage: set server <backend>/<server> addr | agent | agent-addr | "
			 "agent-port | agent-send | check-addr | check-port | fqdn | health | "
			 "ssl | state | weight\n");
	}
}

static void cmd_shutdown_sessions_server(struct cli_sess *s, char **args, int nargs)
{
	struct server *srv = cli_find_server(s, arg_at(args, nargs, 3));

	if (srv)
		stream_shutdown_server_sessions(srv);
}

static void cmd_set_maxconn_frontend(struct cli_sess *s, char **args, int nargs)
{
	const char *name = arg_at(args, nargs, 3), *val = arg_at(args, nargs, 4);
	struct proxy *fe;
	long long v;

	if (!*name) {
		out_puts(s, "A frontend name is expected.\n");
		return;
	}
	fe = find_proxy(s->conf, name, PX_CAP_FE);
	if (!fe) {
		out_puts(s, "No such frontend.\n");
		return;
	}
	if (!*val || (parse_int(val, LLONG_MIN, LLONG_MAX, &v) < 0)) {
		out_puts(s, "Integer value expected.\n");
		return;
	}
	if (v < 0 || v > INT_MAX) {
		out_puts(s, "Value out of range.\n");
		return;
	}
	/* Read by every worker thread without the lock. */
	__atomic_store_n(&fe->maxconn, (int)v, __ATOMIC_RELAXED);
}

static void cmd_help(struct cli_sess *s, char **args, int nargs);

static const struct cli_cmd cli_cmds[] = {
	{ { "help", NULL }, NULL, CLI_LEVEL_USER, cmd_help },
	{ { "prompt", NULL }, NULL, CLI_LEVEL_USER, cmd_prompt },
	{ { "quit", NULL }, NULL, CLI_LEVEL_USER, cmd_quit },
	{ { "show", "info", NULL },
	  "show info [desc|json|typed|float]*      : report information about the running process",
	  CLI_LEVEL_USER, cmd_show_info },
	{ { "show", "stat", NULL },
	  "show stat [desc|json|no-maint|typed|up]*: report counters for each proxy and server",
	  CLI_LEVEL_USER, cmd_show_stat },
	{ { "show", "servers", "state", NULL },
	  "show servers state [<backend>]          : dump volatile server information (all or for a single backend)",
	  CLI_LEVEL_USER, cmd_show_servers_state },
	{ { "show", "backend", NULL },
	  "show backend                            : list backends in the current running config",
	  CLI_LEVEL_USER, cmd_show_backend },
	{ { "show", "cli", "level", NULL },
	  "show cli level                          : display the level of the current CLI session",
	  CLI_LEVEL_USER, cmd_show_cli_level },
	{ { "operator", NULL },
	  "operator                                : lower the level of the current CLI session to operator",
	  CLI_LEVEL_OPERATOR, cmd_operator },
	{ { "user", NULL },
	  "user                                    : lower the level of the current CLI session to user",
	  CLI_LEVEL_USER, cmd_user },
	{ { "show", "table", NULL },
	  "show table <table> [<filter>]*          : report table usage stats or dump this table's contents (filter: data/key)",
	  CLI_LEVEL_USER, cmd_show_table },
	{ { "clear", "table", NULL },
	  "clear table <table> [<filter>]*         : remove an entry from a table (filter: data/key)",
	  CLI_LEVEL_OPERATOR, cmd_clear_table },
	{ { "set", "table", NULL },
	  "set table <table> key <k> [data.* <v>]* : update or create a table entry's data",
	  CLI_LEVEL_OPERATOR, cmd_set_table },
	{ { "get", "weight", NULL },
	  "get weight <bk>/<srv>                   : report a server's current weight",
	  CLI_LEVEL_USER, cmd_get_weight },
	{ { "set", "weight", NULL },
	  "set weight <bk>/<srv>  (DEPRECATED)     : change a server's weight (use 'set server' instead)",
	  CLI_LEVEL_ADMIN, cmd_set_weight },
	{ { "set", "server", NULL },
	  "set server <bk>/<srv> [opts]            : change a server's state, weight, address or ssl",
	  CLI_LEVEL_ADMIN, cmd_set_server },
	{ { "disable", "server", NULL },
	  "disable server (DEPRECATED)             : disable a server for maintenance (use 'set server' instead)",
	  CLI_LEVEL_ADMIN, cmd_disable_server },
	{ { "enable", "server", NULL },
	  "enable server  (DEPRECATED)             : enable a disabled server (use 'set server' instead)",
	  CLI_LEVEL_ADMIN, cmd_enable_server },
	{ { "shutdown", "sessions", "server", NULL },
	  "shutdown sessions server <bk>/<srv>     : kill sessions on a server",
	  CLI_LEVEL_ADMIN, cmd_shutdown_sessions_server },
	{ { "set", "maxconn", "frontend", NULL },
	  "set maxconn frontend <frontend> <value> : change a frontend's maxconn setting",
	  CLI_LEVEL_ADMIN, cmd_set_maxconn_frontend },
};

/* ---- usage and suggestions, as HAProxy 2.6 ---- */

/* Letter-pair histogram of a word (27 letter classes + separators), and
 * the L1 distance between two histograms: the fuzzy match behind
 * "maybe one of the following ones is a better match". */
#define FP_SIZE 1024

static int fp_class(int ch)
{
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 1;
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A' + 1;
	if (ch >= '0' && ch <= '9')
		return 27;
	return 28;
}

static void fp_add_word(uint8_t *fp, const char *word)
{
	int from = 28;

	for (const char *p = word; *p; p++) {
		int to = fp_class((unsigned char)*p);

		fp[32 * from + to]++;
		from = to;
	}
	fp[32 * from + 28]++;
}

static int fp_distance(const uint8_t *a, const uint8_t *b)
{
	int d = 0;

	for (int i = 0; i < FP_SIZE; i++)
		d += abs((int)a[i] - (int)b[i]);
	return d;
}

static int kw_count(const struct cli_cmd *cmd)
{
	int n = 0;

	while (n < 4 && cmd->kw[n])
		n++;
	return n;
}

/* Number of leading words of args equal to the command's keywords. */
static int kw_prefix_match(const struct cli_cmd *cmd, char **args, int nargs)
{
	int i;

	for (i = 0; i < kw_count(cmd) && i < nargs && *args[i]; i++)
		if (strcmp(cmd->kw[i], args[i]) != 0)
			break;
	return i;
}

static int cmp_usage(const void *a, const void *b)
{
	const struct cli_cmd *const *x = a, *const *y = b;

	return strcmp((*x)->usage, (*y)->usage);
}

/* The answer to `help [words]` and to an unknown command. */
static void print_usage(struct cli_sess *s, char **args, int nargs, bool ishelp)
{
	const struct cli_cmd *entries[ARRAY_SIZE(cli_cmds)];
	struct { const struct cli_cmd *cmd; int dist; } m[CLI_MAX_MATCHES];
	int nentries = 0, length = 0;
	size_t i;

	if (ishelp) {
		args++;
		nargs--;
	}
	for (i = 0; i < ARRAY_SIZE(cli_cmds); i++) {
		int n = kw_prefix_match(&cli_cmds[i], args, nargs);

		if (n > length)
			length = n;
	}

	if (ishelp)
		out_puts(s, "The following commands are valid at this level:\n");
	else if (!length && (nargs == 0 || !*args[0]))
		out_puts(s, "Unknown command. Please enter one of the following commands only:\n");
	else
		out_puts(s, "Unknown command, but maybe one of the following ones is a better match:\n");

	for (int k = 0; k < CLI_MAX_MATCHES; k++) {
		m[k].cmd = NULL;
		m[k].dist = INT_MAX;
	}
	if (length < nargs && *args[length]) {
		for (i = 0; i < ARRAY_SIZE(cli_cmds); i++) {
			const struct cli_cmd *cmd = &cli_cmds[i];
			uint8_t wsig[FP_SIZE], ksig[FP_SIZE];
			int totlen = 0, dist;

			if (!cmd->usage || kw_prefix_match(cmd, args, length) != length)
				continue;
			memset(wsig, 0, sizeof(wsig));
			memset(ksig, 0, sizeof(ksig));
			for (int a = length; a < nargs && a < 4 && *args[a]; a++) {
				fp_add_word(wsig, args[a]);
				totlen += (int)strlen(args[a]);
			}
			for (int a = length; a < kw_count(cmd); a++) {
				fp_add_word(ksig, cmd->kw[a]);
				totlen += (int)strlen(cmd->kw[a]);
			}
			dist = fp_distance(wsig, ksig);
			if (dist < 5 * totlen / 2 && dist < m[CLI_MAX_MATCHES - 1].dist) {
				int k = CLI_MAX_MATCHES - 1;

				m[k].cmd = cmd;
				m[k].dist = dist;
				for (; k > 0 && m[k].dist < m[k - 1].dist; k--) {
					typeof(m[0]) t = m[k];

					m[k] = m[k - 1];
					m[k - 1] = t;
				}
			}
		}
	}

	if (m[0].cmd) {
		for (int k = 0; k < CLI_MAX_MATCHES && m[k].cmd; k++) {
			if (m[k].dist > 5 * m[0].dist / 2)
				break;
			entries[nentries++] = m[k].cmd;
		}
	} else {
		for (i = 0; i < ARRAY_SIZE(cli_cmds); i++) {
			const struct cli_cmd *cmd = &cli_cmds[i];

			if (cmd->usage && kw_prefix_match(cmd, args, length) == length)
				entries[nentries++] = cmd;
		}
	}
	qsort(entries, (size_t)nentries, sizeof(entries[0]), cmp_usage);
	for (int k = 0; k < nentries; k++)
		sb_appendf(s->out, "  %s\n", entries[k]->usage);
	out_puts(s,
		 "  help [<command>]                        : list matching or all commands\n"
		 "  prompt                                  : toggle interactive mode with prompt\n"
		 "  quit                                    : disconnect\n");
}

static void cmd_help(struct cli_sess *s, char **args, int nargs)
{
	print_usage(s, args, nargs, true);
}

/* ---- one command ---- */

/* Split a command in place into words: blanks separate, a backslash
 * makes the next character literal (HAProxy's rules). */
static int split_args(char *line, char **args, int max)
{
	int n = 0;
	char *p = line;

	while (n < max) {
		char *w, *d;

		p += strspn(p, " \t");
		if (!*p)
			break;
		w = d = p;
		while (*p && *p != ' ' && *p != '\t') {
			if (*p == '\\' && p[1])
				p++;
			*d++ = *p++;
		}
		if (*p)
			p++;
		*d = 0;
		args[n++] = w;
	}
	return n;
}

/* Run one command (a line or a ';'-separated part of one) and queue its
 * answer followed by the prompt. */
static void run_command(struct cli_sess *s, char *cmdline)
{
	char *args[CLI_MAX_ARGS + 1];
	int nargs = split_args(cmdline, args, CLI_MAX_ARGS);
	const struct cli_cmd *cmd = NULL;

	args[nargs] = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(cli_cmds) && nargs > 0; i++) {
		int n = kw_count(&cli_cmds[i]);

		if (nargs >= n && kw_prefix_match(&cli_cmds[i], args, nargs) == n) {
			cmd = &cli_cmds[i];
			break;
		}
	}
	if (!cmd)
		print_usage(s, args, nargs, false);
	else if (s->level < cmd->level)
		out_puts(s, "Permission denied\n");
	else
		cmd->fn(s, args, nargs);

	if (s->quit)
		return;
	out_puts(s, s->prompt ? "\n> " : "\n");
}

/* Length of the next command in buf (up to an unescaped ';' or '\n',
 * excluded), or -1 when no complete command is there yet. */
static ssize_t next_command(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\\') {
			i++;
			continue;
		}
		if (buf[i] == ';' || buf[i] == '\n')
			return (ssize_t)i;
	}
	return -1;
}

void cli_run_line(struct pxconf *c, enum cli_level level, const char *line,
		  struct strbuf *out)
{
	struct cli_sess s = { .conf = c, .level = level, .out = out };
	size_t len = strlen(line), off = 0;
	char *buf = xmalloc(len + 2);

	memcpy(buf, line, len);
	buf[len++] = '\n';
	buf[len] = 0;
	while (off < len && !s.quit) {
		ssize_t n = next_command(buf + off, len - off);

		if (n < 0)
			break;
		buf[off + (size_t)n] = 0;
		if (n > 0 && buf[off + (size_t)n - 1] == '\r')
			buf[off + (size_t)n - 1] = 0;
		run_command(&s, buf + off);
		off += (size_t)n + 1;
	}
	free(buf);
}

/* ---- connections ---- */

static uint32_t cli_timeout_ms(const struct cli *cli)
{
	uint32_t t = cli->conf->global.stats_timeout_ms;

	return t ? t : CLI_DEFAULT_TIMEOUT_MS;
}

/* Close and forget a client connection; its memory goes after the
 * current batch of events, which may still name its watcher. */
static void conn_destroy(struct cli_conn *cn)
{
	struct cli *cli = cn->cli;
	int fd = cn->io.fd;

	ev_io_stop(cli->loop, &cn->io);
	ev_timer_stop(cli->loop, &cn->timer);
	if (fd >= 0)
		close(fd);
	if (cn->prev)
		cn->prev->next = cn->next;
	else
		cli->conns = cn->next;
	if (cn->next)
		cn->next->prev = cn->prev;
	sb_free(&cn->out);
	ev_free_later(cli->loop, cn);
}

static void conn_update_events(struct cli_conn *cn)
{
	uint32_t ev = 0;
	bool pending = cn->out.len > cn->out_off;

	if (cn->state == CONN_DRAINING)
		ev = EPOLLIN;
	else {
		if (pending)
			ev |= EPOLLOUT;
		if (cn->state == CONN_READING && !cn->eof &&
		    cn->out.len - cn->out_off < CLI_OUT_HIGHWATER && cn->inlen < sizeof(cn->in))
			ev |= EPOLLIN;
	}
	ev_io_set(cn->cli->loop, &cn->io, ev | EPOLLRDHUP);
}

/* Write what is queued. Returns false if the connection was destroyed. */
static bool conn_flush(struct cli_conn *cn)
{
	while (cn->out.len > cn->out_off) {
		ssize_t n = send(cn->io.fd, cn->out.s + cn->out_off,
				 cn->out.len - cn->out_off, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return true;
			conn_destroy(cn);
			return false;
		}
		cn->out_off += (size_t)n;
	}
	sb_reset(&cn->out);
	cn->out_off = 0;
	if (cn->state == CONN_FLUSHING) {
		/* Answer complete: half-close and wait for the client to
		 * close, so unread input cannot turn into a reset that
		 * destroys the answer in flight. */
		shutdown(cn->io.fd, SHUT_WR);
		cn->state = CONN_DRAINING;
		if (cn->eof) {
			conn_destroy(cn);
			return false;
		}
	}
	return true;
}

/* Run the complete commands received so far, while the output queue has
 * room; decide whether the connection ends. */
static void conn_process(struct cli_conn *cn)
{
	size_t off = 0;

	while (cn->state == CONN_READING && cn->out.len - cn->out_off < CLI_OUT_HIGHWATER) {
		ssize_t n = next_command(cn->in + off, cn->inlen - off);
		char *cmd;

		if (n < 0)
			break;
		cmd = cn->in + off;
		cmd[n] = 0;
		if (n > 0 && cmd[n - 1] == '\r')
			cmd[n - 1] = 0;
		off += (size_t)n + 1;
		run_command(&cn->sess, cmd);
		if (cn->sess.quit) {
			cn->state = CONN_FLUSHING;
			break;
		}
		/* Without prompt, the connection ends once the input received
		 * so far is consumed (HAProxy closes on an empty request
		 * buffer). */
		if (!cn->sess.prompt && off == cn->inlen)
			cn->state = CONN_FLUSHING;
	}
	if (off) {
		memmove(cn->in, cn->in + off, cn->inlen - off);
		cn->inlen -= off;
	}
	if (cn->state == CONN_READING) {
		if (cn->inlen == sizeof(cn->in))
			cn->state = CONN_FLUSHING;   /* line too long: give up */
		else if (cn->eof)
			cn->state = CONN_FLUSHING;   /* a partial line is dropped */
	}
}

static void conn_io_cb(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
	struct cli_conn *cn = io->data;

	if (cn->state == CONN_DRAINING) {
		char junk[4096];
		ssize_t n;

		while ((n = recv(io->fd, junk, sizeof(junk), 0)) > 0)
			;
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
			conn_destroy(cn);
		return;
	}

	if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP)) && !cn->eof) {
		while (cn->inlen < sizeof(cn->in)) {
			ssize_t n = recv(io->fd, cn->in + cn->inlen, sizeof(cn->in) - cn->inlen, 0);

			if (n > 0) {
				cn->inlen += (size_t)n;
				continue;
			}
			if (n == 0) {
				cn->eof = true;
				break;
			}
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				conn_destroy(cn);
				return;
			}
			break;
		}
		ev_timer_start(loop, &cn->timer, cli_timeout_ms(cn->cli));
	}

	conn_process(cn);
	if (!conn_flush(cn))
		return;
	/* Output drained below the high-water mark: run what is pending. */
	if (cn->state == CONN_READING && cn->inlen > 0) {
		conn_process(cn);
		if (!conn_flush(cn))
			return;
	}
	conn_update_events(cn);
}

static void conn_timeout_cb(struct ev_loop *loop, struct ev_timer *t)
{
	conn_destroy(t->data);
}

static void listen_cb(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
	struct cli_listen *l = io->data;
	struct cli *cli = l->cli;

	for (;;) {
		int fd = accept4(io->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct cli_conn *cn;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_warning("stats socket: accept failed: %s", strerror(errno));
			return;
		}
		cn = xcalloc(1, sizeof(*cn));
		cn->cli = cli;
		cn->state = CONN_READING;
		cn->sess.conf = cli->conf;
		cn->sess.level = l->sock->level;
		cn->sess.out = &cn->out;
		ev_io_init(&cn->io, conn_io_cb, cn);
		ev_timer_init(&cn->timer, conn_timeout_cb, cn);
		if (ev_io_start(cli->loop, &cn->io, fd, EPOLLIN | EPOLLRDHUP) < 0) {
			close(fd);
			free(cn);
			continue;
		}
		cn->next = cli->conns;
		if (cli->conns)
			cli->conns->prev = cn;
		cli->conns = cn;
		ev_timer_start(cli->loop, &cn->timer, cli_timeout_ms(cli));
	}
}

/* ---- listening sockets ---- */

static int bind_unix(struct stats_socket *ss, char *err, size_t errlen)
{
	const struct sockaddr_un *want = (const struct sockaddr_un *)&ss->addr.ss;
	struct sockaddr_un tmp = { .sun_family = AF_UNIX };
	const char *path = want->sun_path;
	mode_t mode = ss->mode >= 0 ? (mode_t)ss->mode : CLI_DEFAULT_MODE;
	bool use_tmp;
	int fd, ret;

	/* Bind under a temporary name, set the rights, then rename over the
	 * configured path: clients never see a socket with the wrong mode,
	 * and a stale (or a predecessor's) socket file is replaced at once. */
	ret = snprintf(tmp.sun_path, sizeof(tmp.sun_path), "%s.%d.tmp", path, (int)getpid());
	use_tmp = ret > 0 && (size_t)ret < sizeof(tmp.sun_path);
	if (!use_tmp)
		snprintf(tmp.sun_path, sizeof(tmp.sun_path), "%s", path);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "stats socket '%s': socket: %s", path, strerror(errno));
		return ret;
	}
	unlink(tmp.sun_path);
	if (bind(fd, (struct sockaddr *)&tmp, sizeof(tmp)) < 0) {
		ret = -errno;
		snprintf(err, errlen, "stats socket '%s': cannot bind: %s", path, strerror(errno));
		goto err;
	}
	if (chmod(tmp.sun_path, mode) < 0) {
		ret = -errno;
		snprintf(err, errlen, "stats socket '%s': cannot change mode to %o: %s",
			 path, (unsigned)mode, strerror(errno));
		goto err_unlink;
	}
	if ((ss->uid != (uid_t)-1 || ss->gid != (gid_t)-1) &&
	    chown(tmp.sun_path, ss->uid, ss->gid) < 0) {
		ret = -errno;
		snprintf(err, errlen, "stats socket '%s': cannot change owner: %s", path, strerror(errno));
		goto err_unlink;
	}
	if (listen(fd, CLI_BACKLOG) < 0) {
		ret = -errno;
		snprintf(err, errlen, "stats socket '%s': cannot listen: %s", path, strerror(errno));
		goto err_unlink;
	}
	if (use_tmp && rename(tmp.sun_path, path) < 0) {
		ret = -errno;
		snprintf(err, errlen, "stats socket '%s': cannot rename '%s': %s",
			 path, tmp.sun_path, strerror(errno));
		goto err_unlink;
	}
	return fd;
err_unlink:
	unlink(tmp.sun_path);
err:
	close(fd);
	return ret;
}

static int bind_inet(struct stats_socket *ss, char *err, size_t errlen)
{
	char name[ADDR_STRLEN];
	int one = 1, fd, ret;

	addr_to_str((const struct sockaddr *)&ss->addr.ss, name, sizeof(name));
	fd = socket(ss->addr.ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "stats socket '%s': socket: %s", name, strerror(errno));
		return ret;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss->addr.ss, ss->addr.len) < 0) {
		ret = -errno;
		snprintf(err, errlen, "stats socket '%s': cannot bind: %s", name, strerror(errno));
		close(fd);
		return ret;
	}
	if (listen(fd, CLI_BACKLOG) < 0) {
		ret = -errno;
		snprintf(err, errlen, "stats socket '%s': cannot listen: %s", name, strerror(errno));
		close(fd);
		return ret;
	}
	return fd;
}

int cli_start(struct pxconf *c, struct ev_loop *loop, char *err, size_t errlen)
{
	int n = c->global.nstats_sockets, ret = 0;
	bool *bound_here = xcalloc((size_t)(n ? n : 1), sizeof(bool));
	struct cli *cli = xcalloc(1, sizeof(*cli));

	cli->conf = c;
	cli->loop = loop;
	cli->ls = xcalloc((size_t)(n ? n : 1), sizeof(*cli->ls));

	for (int i = 0; i < n; i++) {
		struct stats_socket *ss = &c->global.stats_sockets[i];
		struct cli_listen *l = &cli->ls[i];

		if (ss->fd < 0) {
			int fd = addr_is_unix(&ss->addr) ? bind_unix(ss, err, errlen)
							 : bind_inet(ss, err, errlen);
			if (fd < 0) {
				ret = fd;
				goto fail;
			}
			ss->fd = fd;
			bound_here[i] = true;
		} else {
			int fl = fcntl(ss->fd, F_GETFL);

			if (fl >= 0 && !(fl & O_NONBLOCK))
				fcntl(ss->fd, F_SETFL, fl | O_NONBLOCK);
		}
		l->cli = cli;
		l->sock = ss;
		ev_io_init(&l->io, listen_cb, l);
		ret = ev_io_start(loop, &l->io, ss->fd, EPOLLIN);
		if (ret < 0) {
			snprintf(err, errlen, "stats socket: cannot watch fd %d: %s", ss->fd, strerror(-ret));
			goto fail;
		}
		cli->nls = i + 1;
	}
	cli->next = cli_instances;
	cli_instances = cli;
	free(bound_here);
	return 0;

fail:
	for (int i = 0; i < n; i++) {
		struct stats_socket *ss = &c->global.stats_sockets[i];

		if (i < cli->nls)
			ev_io_stop(loop, &cli->ls[i].io);
		if (bound_here[i]) {
			if (addr_is_unix(&ss->addr))
				unlink(((struct sockaddr_un *)&ss->addr.ss)->sun_path);
			close(ss->fd);
			ss->fd = -1;
		}
	}
	free(bound_here);
	free(cli->ls);
	free(cli);
	return ret;
}

void cli_stop(struct pxconf *c, struct ev_loop *loop)
{
	struct cli **pp = &cli_instances;

	while (*pp) {
		struct cli *cli = *pp;

		if (cli->conf != c || cli->loop != loop) {
			pp = &cli->next;
			continue;
		}
		*pp = cli->next;
		for (int i = 0; i < cli->nls; i++)
			ev_io_stop(loop, &cli->ls[i].io);
		while (cli->conns)
			conn_destroy(cli->conns);
		free(cli->ls);
		free(cli);
	}
}
