/* log: one line per event, to stderr and/or syslog targets.
 *
 * Daemons log, tools print. A line says what happened and its context
 * ("Server be/s1 is DOWN, reason: ..."); the caller formats the context.
 * Targets: stderr, a local syslog socket (unix datagram, e.g. /dev/log) or
 * a UDP syslog server, in RFC 3164 format. Thread-safe.
 */
#ifndef VIGIL_LOG_H
#define VIGIL_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* syslog(3) severities. */
enum log_level {
	LOG_LVL_EMERG, LOG_LVL_ALERT, LOG_LVL_CRIT, LOG_LVL_ERR,
	LOG_LVL_WARNING, LOG_LVL_NOTICE, LOG_LVL_INFO, LOG_LVL_DEBUG,
};

struct log_target;

/* Program name shown in every line; stderr threshold (default NOTICE;
 * quiet mode raises it to ERR). */
void log_init(const char *ident);
void log_set_stderr_level(enum log_level max_level);
void log_set_stderr(bool enabled);

/* Parse a level name ("info", "warning", ...); -1 when unknown. */
int log_level_from_name(const char *name);
/* Parse a facility name ("local0", "daemon", ...); -1 when unknown. */
int log_facility_from_name(const char *name);

/* A syslog target: "/dev/log" (unix datagram) or "IP[:PORT]" (UDP, port
 * 514 by default). Returns NULL with a message in err on a bad address. */
struct log_target *log_target_new(const char *addr, int facility,
				  enum log_level max_level,
				  char *err, size_t errlen);
void log_target_free(struct log_target *t);
/* Route subsequent log_*() lines to these targets as well (replaces the
 * previous set; the caller keeps ownership). */
void log_set_targets(struct log_target **targets, int n);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap);
/* Send a preformatted line to one target only (traffic logs). */
void log_send(struct log_target *t, enum log_level level, const char *line);

#define log_err(...)     log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_LVL_WARNING, __VA_ARGS__)
#define log_notice(...)  log_msg(LOG_LVL_NOTICE, __VA_ARGS__)
#define log_info(...)    log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...)   log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
