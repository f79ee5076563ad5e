/* cfgparse-global: the `global` section, and `log` lines (shared with
 * proxies). */
#include "proxy/cfgparse.h"
#include "proxy/ssl.h"
#include "lib/addr.h"
#include "lib/log.h"
#include "lib/util.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

#define G(field) offsetof(struct px_global, field)

/* ---- log ---- */

void cfg_logspecs_free(struct cfg_logspec *logs, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(logs[i].addr);
	free(logs);
}

int cfg_parse_log(struct cfgparse *p, char **args, int argc, struct cfg_logspec **logs,
		  int *nlogs, bool allow_global, char *err, size_t errlen)
{
	struct cfg_logspec l;
	const char *addr;
	struct addr a;
	int i = 2, lvl;

	memset(&l, 0, sizeof(l));
	l.file = p->file;
	l.line = p->line;
	l.level = LOG_LVL_DEBUG;
	if (argc == 2 && strcmp(args[1], "global") == 0) {
		if (!allow_global) {
			snprintf(err, errlen, "'log global' is only allowed in 'defaults', 'frontend', 'backend' and 'listen' sections.");
			return CFG_ERR;
		}
		l.global = true;
		goto add;
	}
	if (argc < 3) {
		snprintf(err, errlen, "'log' expects either <address[:port]> and <facility> or 'global' as arguments.");
		return CFG_ERR;
	}
	addr = args[1];
	if (str_starts_with(addr, "udp@") || str_starts_with(addr, "udp4@"))
		addr = strchr(addr, '@') + 1;
	if (strcmp(addr, "stdout") == 0 || strcmp(addr, "stderr") == 0 ||
	    strcmp(addr, "fd@1") == 0 || strcmp(addr, "fd@2") == 0) {
		l.addr = NULL;   /* the process's own stderr log */
	} else if (str_starts_with(addr, "ring@") || str_starts_with(addr, "tcp@") ||
		   str_starts_with(addr, "fd@")) {
		snprintf(err, errlen, "log : target '%s' is not supported by vigil-proxy yet.", args[1]);
		return CFG_ERR;
	} else if (addr_parse(addr, ADDR_ALLOW_UNIX, &a, err, errlen) < 0) {
		char tmp[512];

		snprintf(tmp, sizeof(tmp), "%s", err);
		snprintf(err, errlen, "log : %s", tmp);
		return CFG_ERR;
	} else {
		l.addr = xstrdup(addr);
	}
	/* options before the facility */
	for (;;) {
		if (i + 1 < argc && strcmp(args[i], "len") == 0) {
			long long n;

			if (parse_int(args[i + 1], 80, 65535, &n)) {
				snprintf(err, errlen, "log : invalid 'len' value '%s' (80..65535).", args[i + 1]);
				goto fail;
			}
			i += 2;
		} else if (i + 1 < argc && strcmp(args[i], "format") == 0) {
			static const char *const fmts[] = { "rfc3164", "rfc5424", "raw", "short",
				"priority", "timed", "iso", "local", NULL };
			int k;

			for (k = 0; fmts[k] && strcmp(fmts[k], args[i + 1]) != 0; k++)
				;
			if (!fmts[k]) {
				snprintf(err, errlen, "log : unknown log format '%s'", args[i + 1]);
				goto fail;
			}
			i += 2;
		} else if (i + 1 < argc && strcmp(args[i], "sample") == 0) {
			i += 2;
		} else {
			break;
		}
	}
	if (i >= argc) {
		snprintf(err, errlen, "'log' expects <facility> as argument.");
		goto fail;
	}
	l.facility = log_facility_from_name(args[i]);
	if (l.facility < 0) {
		snprintf(err, errlen, "log : unknown log facility '%s'", args[i]);
		goto fail;
	}
	i++;
	if (i < argc) {
		lvl = log_level_from_name(args[i]);
		if (lvl < 0) {
			snprintf(err, errlen, "log : unknown optional log level '%s'", args[i]);
			goto fail;
		}
		l.level = lvl;
		i++;
	}
	if (i < argc) {
		if (log_level_from_name(args[i]) < 0) {
			snprintf(err, errlen, "log : unknown optional minimum log level '%s'", args[i]);
			goto fail;
		}
		i++;
	}
	if (i < argc) {
		snprintf(err, errlen, "log : cannot handle unexpected argument '%s'.", args[i]);
		goto fail;
	}
add:
	*logs = xrealloc(*logs, sizeof(**logs) * (size_t)(*nlogs + 1));
	(*logs)[(*nlogs)++] = l;
	return CFG_OK;
fail:
	free(l.addr);
	return CFG_ERR;
}

static int kw_log(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
		  char *err, size_t errlen)
{
	return cfg_parse_log(p, args, argc, &p->glogs, &p->nglogs, false, err, errlen);
}

/* ---- users and groups ---- */

static int lookup_user(const char *name, uid_t *uid, char *err, size_t errlen)
{
	struct passwd *pw = getpwnam(name);

	if (!pw) {
		snprintf(err, errlen, "cannot find user id for '%s'", name);
		return -1;
	}
	*uid = pw->pw_uid;
	return 0;
}

static int lookup_group(const char *name, gid_t *gid, char *err, size_t errlen)
{
	struct group *gr = getgrnam(name);

	if (!gr) {
		snprintf(err, errlen, "cannot find group id for '%s'", name);
		return -1;
	}
	*gid = gr->gr_gid;
	return 0;
}

static int kw_user_group(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
			 char *err, size_t errlen)
{
	struct px_global *g = &p->conf->global;
	bool user = strcmp(kw->name, "user") == 0;

	if (argc != 2) {
		snprintf(err, errlen, "'%s' expects a %s name as argument.", kw->name, kw->name);
		return CFG_ERR;
	}
	if (user) {
		if (lookup_user(args[1], &g->uid, err, errlen) < 0)
			return CFG_ERR;
		free(g->user);
		g->user = xstrdup(args[1]);
	} else {
		if (lookup_group(args[1], &g->gid, err, errlen) < 0)
			return CFG_ERR;
		free(g->group);
		g->group = xstrdup(args[1]);
	}
	return CFG_OK;
}

static int kw_uid_gid(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
		      char *err, size_t errlen)
{
	long long n;

	if (argc != 2 || parse_int(args[1], 0, 0x7fffffff, &n)) {
		snprintf(err, errlen, "'%s' expects a non-negative integer argument.", kw->name);
		return CFG_ERR;
	}
	if (strcmp(kw->name, "uid") == 0)
		p->conf->global.uid = (uid_t)n;
	else
		p->conf->global.gid = (gid_t)n;
	return CFG_OK;
}

/* ---- stats ---- */

static int stats_socket(struct cfgparse *p, char **args, int argc, char *err, size_t errlen)
{
	struct px_global *g = &p->conf->global;
	struct stats_socket s;
	int i;

	memset(&s, 0, sizeof(s));
	s.mode = -1;
	s.uid = (uid_t)-1;
	s.gid = (gid_t)-1;
	s.level = CLI_LEVEL_OPERATOR;
	s.fd = -1;
	if (argc < 3) {
		snprintf(err, errlen, "'stats socket' expects an address or a path to a UNIX socket as argument.");
		return CFG_ERR;
	}
	{
		char aerr[256];
		int flags = ADDR_ALLOW_UNIX | (args[2][0] == '/' || str_starts_with(args[2], "unix@")
					      ? 0 : ADDR_PORT_REQUIRED);

		if (addr_parse(args[2], flags, &s.addr, aerr, sizeof(aerr)) < 0) {
			snprintf(err, errlen, "'stats socket' : %s", aerr);
			return CFG_ERR;
		}
	}
	for (i = 3; i < argc; i++) {
		const char *o = args[i], *v = i + 1 < argc ? args[i + 1] : NULL;

		if (strcmp(o, "expose-fd") == 0) {
			if (!v || strcmp(v, "listeners") != 0) {
				snprintf(err, errlen, "'stats socket' : 'expose-fd' expects 'listeners' as argument.");
				return CFG_ERR;
			}
			s.expose_fd_listeners = true;
			i++;
			continue;
		}
		if (!v && strcmp(o, "process") != 0) {
			snprintf(err, errlen, "'stats socket' : unknown keyword '%s' or missing argument.", o);
			return CFG_ERR;
		}
		if (strcmp(o, "mode") == 0) {
			char *end;
			long m = strtol(v, &end, 8);

			if (*end || !*v || m < 0 || m > 07777) {
				snprintf(err, errlen, "'stats socket' : 'mode' expects an octal value (got '%s').", v);
				return CFG_ERR;
			}
			s.mode = (int)m;
		} else if (strcmp(o, "level") == 0) {
			if (strcmp(v, "user") == 0)
				s.level = CLI_LEVEL_USER;
			else if (strcmp(v, "operator") == 0)
				s.level = CLI_LEVEL_OPERATOR;
			else if (strcmp(v, "admin") == 0)
				s.level = CLI_LEVEL_ADMIN;
			else {
				snprintf(err, errlen, "'stats socket' : 'level' only supports 'user', 'operator', and 'admin' (got '%s')", v);
				return CFG_ERR;
			}
		} else if (strcmp(o, "user") == 0) {
			if (lookup_user(v, &s.uid, err, errlen) < 0)
				return CFG_ERR;
		} else if (strcmp(o, "group") == 0) {
			if (lookup_group(v, &s.gid, err, errlen) < 0)
				return CFG_ERR;
		} else if (strcmp(o, "uid") == 0 || strcmp(o, "gid") == 0) {
			long long n;

			if (parse_int(v, 0, 0x7fffffff, &n)) {
				snprintf(err, errlen, "'stats socket' : '%s' expects a non-negative integer (got '%s').", o, v);
				return CFG_ERR;
			}
			if (o[0] == 'u')
				s.uid = (uid_t)n;
			else
				s.gid = (gid_t)n;
		} else if (strcmp(o, "process") == 0 || strcmp(o, "thread") == 0) {
			/* one process: nothing to bind to */
		} else if (strcmp(o, "ssl") == 0 || strcmp(o, "crt") == 0) {
			snprintf(err, errlen, "'stats socket' : TLS ('ssl') is not supported by vigil-proxy yet");
			return CFG_ERR;
		} else {
			snprintf(err, errlen, "'stats socket' : unknown keyword '%s'.", o);
			return CFG_ERR;
		}
		if (v)
			i++;
	}
	g->stats_sockets = xrealloc(g->stats_sockets, sizeof(s) * (size_t)(g->nstats_sockets + 1));
	g->stats_sockets[g->nstats_sockets++] = s;
	return CFG_OK;
}

static int kw_stats(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
		    char *err, size_t errlen)
{
	struct px_global *g = &p->conf->global;
	uint64_t v;

	if (argc >= 2 && strcmp(args[1], "socket") == 0)
		return stats_socket(p, args, argc, err, errlen);
	if (argc >= 2 && strcmp(args[1], "timeout") == 0) {
		if (argc != 3 || parse_time_ms(args[2], &v) < 0 || v == 0 || v > 0x7fffffff) {
			snprintf(err, errlen, "'stats timeout' expects a positive time value (got '%s').",
				 argc > 2 ? args[2] : "");
			return CFG_ERR;
		}
		g->stats_timeout_ms = (uint32_t)v;
		return CFG_OK;
	}
	if (argc >= 2 && strcmp(args[1], "maxconn") == 0) {
		long long n;

		if (argc != 3 || parse_int(args[2], 1, 1000000, &n)) {
			snprintf(err, errlen, "'stats maxconn' expects a positive integer (got '%s').",
				 argc > 2 ? args[2] : "");
			return CFG_ERR;
		}
		return CFG_OK;
	}
	if (argc >= 2 && strcmp(args[1], "bind-process") == 0) {
		snprintf(err, errlen, "'stats bind-process' is ignored by vigil-proxy (single process).");
		return CFG_WARN;
	}
	snprintf(err, errlen, "'stats' only supports 'socket', 'maxconn', 'bind-process' and 'timeout' (got '%s').",
		 argc > 1 ? args[1] : "");
	return CFG_ERR;
}

/* ---- environment ---- */

static int kw_env(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
		  char *err, size_t errlen)
{
	int i;

	if (strcmp(kw->name, "setenv") == 0 || strcmp(kw->name, "presetenv") == 0) {
		if (argc != 3) {
			snprintf(err, errlen, "'%s' expects a name and a value.", kw->name);
			return CFG_ERR;
		}
		if (setenv(args[1], args[2], kw->name[0] == 's') < 0) {
			snprintf(err, errlen, "'%s' : failed on variable '%s' : %s.", kw->name, args[1], strerror(errno));
			return CFG_ERR;
		}
		return CFG_OK;
	}
	if (strcmp(kw->name, "unsetenv") == 0) {
		if (argc < 2) {
			snprintf(err, errlen, "'unsetenv' expects at least one variable name.");
			return CFG_ERR;
		}
		for (i = 1; i < argc; i++)
			unsetenv(args[i]);
		return CFG_OK;
	}
	/* resetenv [NAME...]: remove every variable but those listed */
	for (;;) {
		char **e, *name = NULL;

		for (e = environ; e && *e; e++) {
			size_t n = strcspn(*e, "=");
			bool keep = false;

			for (i = 1; i < argc; i++)
				if (strlen(args[i]) == n && strncmp(*e, args[i], n) == 0)
					keep = true;
			if (!keep) {
				name = xasprintf("%.*s", (int)n, *e);
				break;
			}
		}
		if (!name)
			break;
		unsetenv(name);
		free(name);
	}
	return CFG_OK;
}

/* ---- accepted and ignored ---- */

static int kw_ignored(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
		      char *err, size_t errlen)
{
	snprintf(err, errlen, "'%s' is not supported by vigil-proxy and is ignored.", args[0]);
	return CFG_WARN;
}

static int kw_accept(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
		     char *err, size_t errlen)
{
	return CFG_OK;
}

static int kw_removed(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
		      char *err, size_t errlen)
{
	snprintf(err, errlen, "'%s' is not supported anymore, please check the documentation.", args[0]);
	return CFG_ERR;
}

static int kw_master_worker(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
			    char *err, size_t errlen)
{
	if (argc > 2 || (argc == 2 && strcmp(args[1], "no-exit-on-failure") != 0)) {
		snprintf(err, errlen, "'master-worker' only supports 'no-exit-on-failure' option.");
		return CFG_ERR;
	}
	p->conf->global.master_worker = true;
	return CFG_OK;
}

static int kw_hostname(struct cfgparse *p, char **args, int argc, const struct cfg_kw *kw,
		       char *err, size_t errlen)
{
	return CFG_OK;
}

#define GS CFG_S_GLOBAL
const struct cfg_kw cfg_global_kws[] = {
	{ "daemon",            GS, CFG_T_FLAG, NULL, G(daemon), 0, 0 },
	{ "master-worker",     GS, CFG_T_FN, kw_master_worker, 0, 0, 0 },
	{ "maxconn",           GS, CFG_T_INT, NULL, G(maxconn), 1, 10000000 },
	{ "nbthread",          GS, CFG_T_INT, NULL, G(nbthread), 1, 4096 },
	{ "pidfile",           GS, CFG_T_STR, NULL, G(pidfile), 0, 0 },
	{ "log",               GS, CFG_T_FN, kw_log, 0, 0, 0 },
	{ "log-send-hostname", GS, CFG_T_FN, kw_hostname, 0, 0, 0 },
	{ "log-tag",           GS, CFG_T_FN, kw_ignored, 0, 0, 0 },
	{ "stats",             GS, CFG_T_FN, kw_stats, 0, 0, 0 },
	{ "user",              GS, CFG_T_FN, kw_user_group, 0, 0, 0 },
	{ "group",             GS, CFG_T_FN, kw_user_group, 0, 0, 0 },
	{ "uid",               GS, CFG_T_FN, kw_uid_gid, 0, 0, 0 },
	{ "gid",               GS, CFG_T_FN, kw_uid_gid, 0, 0, 0 },
	{ "chroot",            GS, CFG_T_STR, NULL, G(chroot), 0, 0 },
	{ "node",              GS, CFG_T_STR, NULL, G(node), 0, 0 },
	{ "description",       GS, CFG_T_FN, kw_accept, 0, 0, 0 },
	{ "tune.bufsize",      GS, CFG_T_SIZE, NULL, G(bufsize), 1024, 1 << 30 },
	{ "tune.maxrewrite",   GS, CFG_T_FN, kw_accept, 0, 0, 0 },
	{ "tune.http.maxhdr",  GS, CFG_T_INT, NULL, G(maxhdr), 1, 32767 },
	{ "nosplice",          GS, CFG_T_FLAG, NULL, G(nosplice), 0, 0 },
	{ "hard-stop-after",   GS, CFG_T_TIME, NULL, G(hard_stop_after_ms), 0, 0x7fffffff },
	{ "spread-checks",     GS, CFG_T_FN, kw_accept, 0, 0, 0 },
	{ "ulimit-n",          GS, CFG_T_FN, kw_accept, 0, 0, 0 },
	{ "cpu-map",           GS, CFG_T_FN, kw_ignored, 0, 0, 0 },
	{ "ca-base",           GS, CFG_T_FN, ssl_global_kw, 0, 0, 0 },
	{ "crt-base",          GS, CFG_T_FN, ssl_global_kw, 0, 0, 0 },
	{ "ssl-default-bind-ciphers",        GS, CFG_T_FN, ssl_global_kw, 0, 0, 0 },
	{ "ssl-default-bind-ciphersuites",   GS, CFG_T_FN, ssl_global_kw, 0, 0, 0 },
	{ "ssl-default-bind-options",        GS, CFG_T_FN, ssl_global_kw, 0, 0, 0 },
	{ "ssl-default-bind-curves",         GS, CFG_T_FN, ssl_global_kw, 0, 0, 0 },
	{ "ssl-default-bind-sigalgs",        GS, CFG_T_FN, ssl_global_kw, 0, 0, 0 },
	{ "ssl-default-server-ciphers",      GS, CFG_T_FN, ssl_global_kw, 0, 0, 0 },
	{ "ssl-default-server-ciphersuites", GS, CFG_T_FN, ssl_global_kw, 0, 0, 0 },
	{ "ssl-default-server-options",      GS, CFG_T_FN, ssl_global_kw, 0, 0, 0 },
	{ "ssl-default-server-curves",       GS, CFG_T_FN, ssl_global_kw, 0, 0, 0 },
	{ "ssl-dh-param-file",               GS, CFG_T_FN, ssl_global_kw, 0, 0, 0 },
	{ "ssl-server-verify",               GS, CFG_T_FN, ssl_global_kw, 0, 0, 0 },
	{ "setenv",            GS, CFG_T_FN, kw_env, 0, 0, 0 },
	{ "presetenv",         GS, CFG_T_FN, kw_env, 0, 0, 0 },
	{ "resetenv",          GS, CFG_T_FN, kw_env, 0, 0, 0 },
	{ "unsetenv",          GS, CFG_T_FN, kw_env, 0, 0, 0 },
	{ "default-path",      GS, CFG_T_FN, kw_ignored, 0, 0, 0 },
	{ "zero-warning",      GS, CFG_T_FN, kw_accept, 0, 0, 0 },
	{ "quiet",             GS, CFG_T_FN, kw_accept, 0, 0, 0 },
	{ "maxsslconn",        GS, CFG_T_FN, ssl_global_kw, 0, 0, 0 },
	{ "nbproc",            GS, CFG_T_FN, kw_removed, 0, 0, 0 },
	{ NULL, 0, 0, NULL, 0, 0, 0 },
};

/* A `global` line: tune.ssl.* and the other ssl-default-* go to the TLS
 * module, which knows which ones it uses. */
int cfg_parse_global_line(struct cfgparse *p, char **args, int argc)
{
	if (str_starts_with(args[0], "tune.ssl.") || str_starts_with(args[0], "ssl-default-")) {
		static const struct cfg_kw tls_kw[] = {
			{ "", GS, CFG_T_FN, ssl_global_kw, 0, 0, 0 },
			{ NULL, 0, 0, NULL, 0, 0, 0 },
		};
		char err[512];
		int rc;

		for (int i = 0; cfg_global_kws[i].name; i++)
			if (strcmp(cfg_global_kws[i].name, args[0]) == 0)
				return cfg_dispatch(p, cfg_global_kws, &p->conf->global, args, argc);
		err[0] = 0;
		rc = ssl_global_kw(p, args, argc, &tls_kw[0], err, sizeof(err));
		if (rc == CFG_ERR)
			cfg_alert(p, "%s", err);
		else if (rc == CFG_WARN)
			cfg_warn(p, "%s", err);
		return rc;
	}
	return cfg_dispatch(p, cfg_global_kws, &p->conf->global, args, argc);
}
