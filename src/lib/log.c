#include "lib/log.h"
#include "lib/addr.h"
#include "lib/util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

struct log_target {
	int fd;              /* datagram socket, connected to the target */
	int facility;        /* syslog facility number (local0 = 16) */
	enum log_level max_level;
};

static const char *level_names[] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug", NULL,
};
static const char *facility_names[] = {
	"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
	"uucp", "cron", "auth2", "ftp", "ntp", "audit", "alert", "cron2",
	"local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
	NULL,
};

static struct {
	char ident[64];
	bool to_stderr;
	enum log_level stderr_level;
	struct log_target **targets;
	int ntargets;
	pthread_mutex_t lock;
} logger = {
	.ident = "vigil", .to_stderr = true, .stderr_level = LOG_LVL_NOTICE,
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

void log_init(const char *ident)
{
	snprintf(logger.ident, sizeof(logger.ident), "%s", ident);
}

void log_set_stderr_level(enum log_level max_level) { logger.stderr_level = max_level; }
void log_set_stderr(bool enabled) { logger.to_stderr = enabled; }

int log_level_from_name(const char *name)
{
	for (int i = 0; level_names[i]; i++)
		if (strcmp(name, level_names[i]) == 0)
			return i;
	return -1;
}

int log_facility_from_name(const char *name)
{
	for (int i = 0; facility_names[i]; i++)
		if (strcmp(name, facility_names[i]) == 0)
			return i;
	return -1;
}

struct log_target *log_target_new(const char *spec, int facility, enum log_level max_level,
				  char *err, size_t errlen)
{
	struct addr a;
	struct log_target *t;
	int fd;

	if (addr_parse(spec, ADDR_ALLOW_UNIX, &a, err, errlen) < 0)
		return NULL;
	if (!addr_is_unix(&a) && !a.port_given)
		addr_set_port(&a, 514);
	fd = socket(a.ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create a socket for log target '%s': %s", spec, strerror(errno));
		return NULL;
	}
	/* A missing /dev/log is not fatal: lines to it are dropped, as with
	 * HAProxy, and the connect is retried at each line. */
	if (connect(fd, (struct sockaddr *)&a.ss, a.len) < 0 && !addr_is_unix(&a)) {
		snprintf(err, errlen, "cannot use log target '%s': %s", spec, strerror(errno));
		close(fd);
		return NULL;
	}
	t = xcalloc(1, sizeof(*t));
	t->fd = fd;
	t->facility = facility;
	t->max_level = max_level;
	return t;
}

void log_target_free(struct log_target *t)
{
	if (!t)
		return;
	close(t->fd);
	free(t);
}

void log_set_targets(struct log_target **targets, int n)
{
	pthread_mutex_lock(&logger.lock);
	logger.targets = targets;
	logger.ntargets = n;
	pthread_mutex_unlock(&logger.lock);
}

void log_send(struct log_target *t, enum log_level level, const char *line)
{
	char buf[2048], date[32];
	time_t now = time(NULL);
	struct tm tm;
	int n;

	if (level > t->max_level)
		return;
	localtime_r(&now, &tm);
	strftime(date, sizeof(date), "%b %e %H:%M:%S", &tm);
	n = snprintf(buf, sizeof(buf), "<%d>%s %s[%d]: %s", t->facility * 8 + (int)level,
		     date, logger.ident, (int)getpid(), line);
	if (n < 0)
		return;
	/* Datagram send: a full or absent receiver loses the line, never
	 * blocks the caller. */
	if (send(t->fd, buf, (size_t)MIN(n, (int)sizeof(buf) - 1), MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		return;
}

void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char line[1536];
	va_list ap2;

	va_copy(ap2, ap);
	vsnprintf(line, sizeof(line), fmt, ap2);
	va_end(ap2);

	pthread_mutex_lock(&logger.lock);
	if (logger.to_stderr && level <= logger.stderr_level) {
		char date[40];
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(stderr, "[%s] %s.%03ld (%d) : %s\n",
			level <= LOG_LVL_ERR ? "ALERT" : level == LOG_LVL_WARNING ? "WARNING" :
			level == LOG_LVL_NOTICE ? "NOTICE" : level == LOG_LVL_INFO ? "INFO" : "DEBUG",
			date, ts.tv_nsec / 1000000, (int)getpid(), line);
	}
	for (int i = 0; i < logger.ntargets; i++)
		log_send(logger.targets[i], level, line);
	pthread_mutex_unlock(&logger.lock);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}
