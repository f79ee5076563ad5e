/* proxy: the configuration model of vigil-proxy and the runtime state of
 * its proxies and servers.
 *
 * One `struct pxconf` holds everything a configuration file describes; the
 * parser (cfgparse.c) builds it, the worker runs it. Runtime state that
 * several threads touch is either atomic (counters, current sessions) or
 * guarded by its backend's `lock` (server state, weights, balancing state,
 * the queue). Threads other than the first never change server state: they
 * read it under the lock when choosing a server.
 */
#ifndef VIGIL_PROXY_H
#define VIGIL_PROXY_H

#include "lib/addr.h"
#include "lib/ev.h"
#include "proxy/freq.h"

#include <pthread.h>
#include <regex.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct stream;
struct pendconn;
struct worker;
struct log_target;
struct ssl_bind;
struct ssl_global;
struct ssl_srv;

enum px_mode { PX_MODE_TCP, PX_MODE_HTTP };

/* Proxy capabilities: what kind of section declared it. */
#define PX_CAP_FE 0x1
#define PX_CAP_BE 0x2

enum lb_algo {
	LB_ROUNDROBIN, LB_STATIC_RR, LB_LEASTCONN, LB_SOURCE, LB_FIRST,
	LB_URI,        /* balance uri [whole] [len N] [depth N] */
	LB_URL_PARAM,  /* balance url_param NAME: px->lb_param */
	LB_HDR,        /* balance hdr(NAME): px->lb_param */
	LB_RANDOM,     /* balance random */
};

/* Proxy option flags (`option X`, `no option X`). */
#define PXO_REDISPATCH   0x0001
#define PXO_ALLBACKUPS   0x0002
#define PXO_TCPLOG       0x0004
#define PXO_CLITCPKA     0x0008
#define PXO_SRVTCPKA     0x0010
#define PXO_DONTLOGNULL  0x0020
#define PXO_SPLICE_REQ   0x0040
#define PXO_SPLICE_RSP   0x0080
#define PXO_SPLICE_AUTO  0x0100
#define PXO_LOG_HEALTH   0x0200  /* option log-health-checks */
#define PXO_HTTPLOG      0x0400
#define PXO_PREFER_LAST  0x0800  /* option prefer-last-server */
#define PXO_TCPKA        (PXO_CLITCPKA | PXO_SRVTCPKA)

/* Timeouts in milliseconds; 0 means "not set" (infinite, as in HAProxy). */
struct px_timeouts {
	uint32_t connect, client, server, queue, check, tunnel;
	uint32_t http_request, http_keep_alive, client_fin, server_fin;
};

/* ---- health checks (configuration) ---- */

enum check_type {
	CHK_NONE,     /* `check` not set: server is always "no check" */
	CHK_TCP,      /* layer 4 connect only (default with `check`) */
	CHK_TCPCHK,   /* option tcp-check + tcp-check rules */
	CHK_HTTP,     /* option httpchk (+ http-check rules) */
	CHK_MYSQL,    /* option mysql-check */
};

enum tcpcheck_action {
	TCPCHK_CONNECT,        /* arg: port (0 = server's check port) */
	TCPCHK_SEND,           /* data/len: bytes to send */
	TCPCHK_EXPECT_STRING,  /* data: substring of the response */
	TCPCHK_EXPECT_RSTRING, /* re: regex against the response */
	TCPCHK_EXPECT_STATUS,  /* HTTP: data is a status list "200,201" or "2xx"? exact codes */
	TCPCHK_EXPECT_RSTATUS, /* HTTP: re against the status code */
	TCPCHK_COMMENT,
};

struct tcpcheck_rule {
	enum tcpcheck_action action;
	char *data;           /* from malloc(); may contain NULs for binary */
	size_t len;
	regex_t re;           /* compiled for the R* expects */
	bool negate;          /* `expect ! string ...` */
	int port;             /* connect port; 0 = default */
	bool ssl;             /* connect ... ssl: the check speaks TLS */
};

struct check_cfg {
	enum check_type type;
	/* option httpchk [METH] [URI] [VER], http-check send ... */
	char *http_method, *http_uri, *http_version; /* from malloc() */
	char *http_headers;   /* "Name: value\r\n"..., from malloc() or NULL */
	char *http_body;      /* from malloc() or NULL */
	char *mysql_user;     /* option mysql-check user NAME; NULL = no login */
	struct tcpcheck_rule *rules; /* tcp-check / http-check expect rules */
	int nrules;
};

/* ---- servers ---- */

/* Operational state, numbered as HAProxy's `show servers state`. */
enum srv_op_state {
	SRV_ST_STOPPED = 0, SRV_ST_STARTING = 1, SRV_ST_RUNNING = 2, SRV_ST_STOPPING = 3,
};

/* Administrative flags, valued as HAProxy's srv_admin_state. */
#define SRV_ADMF_FMAINT 0x01   /* forced maintenance (CLI) */
#define SRV_ADMF_CMAINT 0x04   /* `disabled` in the configuration */
#define SRV_ADMF_FDRAIN 0x08   /* forced drain (CLI) */
#define SRV_ADMF_MAINT  (SRV_ADMF_FMAINT | SRV_ADMF_CMAINT)

/* Check result, as `check_status` is shown by HAProxy. */
enum check_status {
	HCHK_UNKNOWN, HCHK_INI, HCHK_L4OK, HCHK_L4TOUT, HCHK_L4CON,
	HCHK_L6OK, HCHK_L6TOUT, HCHK_L6RSP, HCHK_L7OK, HCHK_L7OKC,
	HCHK_L7TOUT, HCHK_L7RSP, HCHK_L7STS, HCHK_SOCKERR,
};

struct server_counters {
	_Atomic uint64_t cum_sess, bytes_in, bytes_out;
	_Atomic uint64_t failed_conns, failed_resp, retries, redispatches;
	_Atomic uint64_t failed_checks, down_trans;
	_Atomic uint32_t max_sess;
	/* HTTP mode: responses by class, index PX_HRSP_IDX(status) */
	_Atomic uint64_t http_rsp[6];
	struct freq_ctr sess_rate;      /* sessions per second (freq.h) */
	_Atomic uint32_t sps_max;       /* highest of it */
};

struct server {
	struct proxy *px;          /* its backend */
	char *id;                  /* from malloc() */
	int puid;                  /* 1-based position in the backend */
	struct addr addr;          /* where traffic goes */
	bool addr_port_given;      /* false: use the client's destination port */

	/* configuration */
	int iweight;               /* initial weight (0..256) */
	bool backup;
	int maxconn;               /* 0 = unlimited */
	bool check_enabled;
	struct addr check_addr;    /* `addr` option; len 0 = server address */
	int check_port;            /* `port` option; 0 = server port */
	uint32_t inter_ms, fastinter_ms, downinter_ms;
	int rise, fall;
	bool shutdown_on_down;     /* on-marked-down shutdown-sessions */
	bool send_proxy, send_proxy_v2;
	unsigned pp2_opts;         /* TLVs of a v2 header: PP2_OPT_* (send_proxy.h) */
	char *cookie;              /* cookie value, HTTP mode only; from malloc() */
	struct ssl_srv *ssl;       /* TLS settings (ssl.h); owned; NULL = none */

	/* runtime: guarded by px->lock, written by the checking thread and
	 * the runtime API */
	int uweight;               /* user weight: set weight / set server weight */
	unsigned admin;            /* SRV_ADMF_* */
	enum srv_op_state op_state;
	int health;                /* 0..rise+fall-1; up when >= rise */
	enum check_status check_status;
	int check_code;            /* L7 status code of the last check */
	uint32_t check_duration_ms;
	char check_desc[128];      /* why the last check failed */
	uint64_t last_change_ms;   /* monotonic time of the last state change */
	struct server_check *check; /* check engine state, owned by check.c */

	/* runtime: balancing, guarded by px->lock */
	uint64_t rr_pos;           /* smooth weighted round robin current weight */

	/* runtime: atomics */
	_Atomic int cur_sess;
	_Atomic int queued;
	_Atomic int idle_conns;    /* in the HTTP idle pools of all threads */
	struct server_counters cnt;
};

/* ---- listeners and proxies ---- */

struct listener {
	struct proxy *fe;
	struct addr addr;
	char *spec;                /* as written in `bind`, for messages; from malloc() */
	int fd;                    /* -1 until bound */
	bool transparent, freebind, v6only, v4v6;
	int backlog;               /* 0 = frontend maxconn */
	char *name;                /* bind ... name NAME, or NULL */
	char *interface;           /* bind ... interface IF, or NULL */
	int maxconn;
	struct ssl_bind *ssl;      /* `ssl` and its options (ssl.h), shared by the
				      listeners of one bind line; NULL = plain */
	bool accept_proxy;         /* a PROXY protocol header comes first (proxy_hdr.h) */
};

/* A `use_backend NAME [if|unless COND]` rule; conditions are evaluated by
 * acl.c (TCP-layer criteria until the HTTP layer brings more). */
struct switch_rule {
	char *backend_name;        /* from malloc() */
	struct proxy *backend;     /* resolved after parsing */
	struct acl_cond *cond;     /* NULL = unconditional */
};

struct proxy_counters {
	_Atomic uint64_t cum_conn, cum_sess, bytes_in, bytes_out;
	_Atomic uint64_t denied_conn, failed_req, failed_conns, failed_resp;
	_Atomic uint64_t denied_req;    /* tcp-request content / http-request
					   deny, tarpit, reject, silent-drop */
	_Atomic uint64_t denied_sess;   /* tcp-request session reject */
	_Atomic uint64_t retries, redispatches;
	_Atomic uint32_t max_sess;
	/* HTTP mode, counted by the analyzer */
	_Atomic uint64_t http_reqs;     /* requests received (fe) / forwarded (be) */
	_Atomic uint64_t http_rsp[6];   /* responses by class, index PX_HRSP_IDX() */
	_Atomic uint64_t intercepted;   /* answered by the proxy itself (stats, ...) */
	_Atomic uint64_t denied_resp;   /* http-response deny */
	/* per second (freq.h) and the highest values seen: sessions,
	 * connections and HTTP requests of a frontend, sessions of a backend
	 * (apart: a `listen` is both) */
	struct freq_ctr sess_rate, conn_rate, req_rate, be_sess_rate;
	_Atomic uint32_t sps_max, cps_max, rps_max, be_sps_max;
	/* cache and compression (HTTP mode) */
	_Atomic uint64_t cache_lookups, cache_hits;
	_Atomic uint64_t comp_in, comp_out, comp_rsp;
};

/* Index into http_rsp[]: 0..4 for 1xx..5xx, 5 for any other status. */
#define PX_HRSP_IDX(status) ((status) >= 100 && (status) < 600 ? (status) / 100 - 1 : 5)

/* HTTP keep-alive mode, as `option http-keep-alive|http-server-close|
 * httpclose` choose it (the last one written wins; default keep-alive). */
enum http_conn_mode { HTTP_KAL = 0, HTTP_SCL, HTTP_CLO };
/* `http-reuse` (default safe). */
enum http_reuse { HTTP_REUSE_SAFE = 0, HTTP_REUSE_NEVER, HTTP_REUSE_AGGRESSIVE, HTTP_REUSE_ALWAYS };

/* `stats` keywords of a proxy: the stats page served over HTTP. */
struct px_stats_cfg {
	bool enabled;
	char *uri;                 /* default "/haproxy?stats"; from malloc() */
	char *realm;               /* from malloc() or NULL */
	char **auth;               /* "user:password" entries, from malloc() */
	int nauth;
	uint32_t refresh_ms;       /* 0 = no refresh */
	bool hide_version;
	bool show_legends, show_node;
	struct acl_cond *admin_cond; /* `stats admin if COND`, or NULL */
};

/* Settings of a `mode http` proxy that the analyzer itself reads. The
 * rules (http-request, ACLs, redirects, ...) are kept by http_rules.c
 * behind `rules`. */
struct px_http {
	enum http_conn_mode conn_mode;
	enum http_reuse reuse;
	bool forwardfor;           /* option forwardfor */
	char *forwardfor_hdr;      /* default "X-Forwarded-For"; from malloc() */
	struct addr forwardfor_except; /* len 0 = none */
	int forwardfor_except_bits;
	bool ifnone;               /* forwardfor if-none */
	bool buffer_request;       /* option http-buffer-request */
	char *monitor_uri;         /* from malloc() or NULL */
	struct px_stats_cfg stats;
	void *rules;               /* http_rules.c's own data; owned by it */
};

struct proxy {
	char *id;                  /* from malloc() */
	int uuid;                  /* 1-based, in declaration order */
	unsigned cap;              /* PX_CAP_* */
	enum px_mode mode;
	const char *conf_file;     /* where declared (for messages) */
	int conf_line;
	bool disabled;

	/* frontend side */
	struct listener **listeners;
	int nlisteners;
	int maxconn;               /* 0 = global default */
	char *default_backend_name;
	struct proxy *default_backend;
	struct switch_rule *switch_rules;
	int nswitch_rules;
	struct log_target **logs;  /* traffic log targets (log global resolved) */
	int nlogs;

	/* backend side */
	enum lb_algo lb;
	struct server **servers;
	int nservers;
	int retries;               /* default 3 */
	unsigned options;          /* PXO_* */
	struct px_timeouts timeouts;
	struct check_cfg check;
	int fullconn;
	int max_session_srv_conns; /* private server connections a client keeps (5) */

	/* runtime */
	pthread_mutex_t lock;      /* guards servers' state, lb state, queue */
	struct pendconn *queue_head, *queue_tail; /* waiting for a server slot (queue.h) */
	int queue_len;
	int lb_first_cursor;       /* static-rr / roundrobin fallbacks */
	_Atomic int cur_sess;
	_Atomic int cur_conn;      /* frontend: accepted and not closed */
	struct proxy_counters cnt;
	uint64_t last_change_ms;   /* backend went up/down */
	_Atomic uint64_t down_trans;

	/* ACLs and tcp-request rules (acl.h) */
	struct acl *acls;          /* named ACLs, owned; see acl.h */
	struct tcp_rule *tcp_rules; /* tcp-request connection/content, in order */
	int ntcp_rules;
	uint32_t tcp_inspect_delay_ms; /* tcp-request inspect-delay; 0 = none */

	/* HTTP mode (filled by the parser; see http_rules.h, http_ana.c) */
	struct px_http http;

	/* persistence (stick.h) */
	struct stick_table *stick_table; /* `stick-table` of this proxy, owned */
	struct stick_rule *stick_rules;  /* in declaration order */
	int nstick_rules;

	/* `log-format STR`: from malloc(), or NULL for the option's default
	 * (httplog / tcplog); checked by http_log_format_check() */
	char *log_format;
	const char *log_format_file; /* where it was written (for messages) */
	int log_format_line;

	/* HTTP mode: counters and balancing parameters */
	struct stkctr_table *stkctr; /* counters of `stick-table ... store`, owned
				      (stick_counters.h); NULL if none */
	char *lb_param;            /* url_param / hdr name; from malloc() or NULL */
	bool lb_uri_whole;         /* balance uri whole */
	int lb_uri_len, lb_uri_depth; /* 0 = no limit */
	bool lb_consistent;        /* hash-type consistent (default map-based) */
};

/* `stats socket` entries. */
enum cli_level { CLI_LEVEL_USER = 0, CLI_LEVEL_OPERATOR = 1, CLI_LEVEL_ADMIN = 2 };

struct stats_socket {
	struct addr addr;          /* unix path or IP:PORT */
	int mode;                  /* file mode for unix sockets; -1 = default */
	uid_t uid;                 /* owner; (uid_t)-1 = default */
	gid_t gid;
	enum cli_level level;      /* default operator, as HAProxy */
	bool expose_fd_listeners;
	int fd;                    /* -1 until bound */
};

struct px_global {
	bool daemon;
	bool master_worker;
	int maxconn;               /* default 2000?: HAProxy derives it; we use 4096 */
	int nbthread;              /* 0 = number of CPUs allowed */
	char *pidfile;
	struct log_target **logs;
	int nlogs;
	struct stats_socket *stats_sockets;
	int nstats_sockets;
	uint32_t stats_timeout_ms; /* default 10s */
	char *user, *group, *chroot;
	uid_t uid;
	gid_t gid;
	size_t bufsize;            /* tune.bufsize, default 16384 */
	int maxhdr;                /* tune.http.maxhdr, default 101 */
	bool nosplice;
	uint32_t hard_stop_after_ms; /* 0 = never */
	char *node;                /* shown in show info; default hostname */
	struct ssl_global *ssl;    /* ca-base, ssl-default-*, ... (ssl.h); owned */
};

/* Process-wide figures for `show info`; written by the worker. */
struct px_runtime {
	pid_t pid;
	int relative_pid;          /* 1 */
	uint64_t start_wall_s;     /* time(NULL) at start */
	uint64_t start_mono_ms;
	int nbthread;              /* threads actually running */
	_Atomic int cur_conn;      /* client connections open, all frontends */
	_Atomic uint64_t cum_conn;
	_Atomic bool stopping;     /* soft stop in progress */
	struct freq_ctr conn_rate, sess_rate; /* per second, all frontends */
	_Atomic uint32_t cps_max, sps_max;
};

struct pxconf {
	struct px_global global;
	struct px_runtime rt;
	struct proxy **proxies;    /* frontends, backends and listens, in order */
	int nproxies;
	char **files;              /* configuration files read, for messages */
	int nfiles;
	struct userlist *userlists; /* `userlist` sections (userlist.h), owned */
	struct cache *caches;      /* `cache` sections (cache.h), owned */
};

/* Lookups. */
struct proxy *pxconf_find_proxy(const struct pxconf *c, const char *id, unsigned cap);
struct server *proxy_find_server(const struct proxy *px, const char *id);
void pxconf_free(struct pxconf *c);

/* ---- server state (server.c): every change goes through these, under
 * the backend lock, and logs one line saying why. ---- */

/* True if the server may take new connections now. Lock held. */
bool server_is_usable(const struct server *srv);
/* Effective weight used for balancing (0 = no new traffic). Lock held. */
int server_eweight(const struct server *srv);
/* A check result: adjusts health, marks the server up or down (logging
 * HAProxy's line), and on down cuts sessions if configured. Takes the lock. */
void server_check_result(struct server *srv, bool ok, enum check_status status,
			 int code, const char *desc);
/* Runtime API: state ready|drain|maint, weight, address. Return 0 or -errno
 * with a message in err. Take the lock. */
int server_set_admin(struct server *srv, const char *state, char *err, size_t errlen);
int server_set_weight(struct server *srv, const char *value, char *err, size_t errlen);
int server_set_addr(struct server *srv, const char *addr, const char *port, char *err, size_t errlen);
/* Where a connection to `srv` goes: its address, with the port the client
 * connected to (`local`) when the server has none. Takes the lock (the
 * runtime API may be moving the server). Returns the address length. */
socklen_t server_target(struct server *srv, const struct sockaddr_storage *local,
			struct sockaddr_storage *dst);
/* "UP", "DOWN", "MAINT", "DRAIN", "no check", "UP 1/3", ... Lock held. */
const char *server_status_str(const struct server *srv, char *buf, size_t len);
const char *check_status_name(enum check_status s);   /* "L4OK", ... */
const char *check_status_desc(enum check_status s);   /* "Layer4 check passed" */
/* Backend has at least one usable server (counting backups). Lock held. */
bool backend_is_up(const struct proxy *px);
int backend_active_count(const struct proxy *px);
int backend_backup_count(const struct proxy *px);

#endif
