/* http_log: HAProxy's log-format language for traffic logs.
 *
 * http_log_format() (declared in http_rules.h, with struct http_log_info)
 * writes one log line; this header adds what the configuration parser
 * needs to reject a bad `log-format` string before the proxy starts.
 */
#ifndef VIGIL_HTTP_LOG_H
#define VIGIL_HTTP_LOG_H

#include <stddef.h>

/* HAProxy's built-in formats, as `option httplog` and `option tcplog`
 * choose them. */
#define HTTP_LOG_FORMAT_HTTP \
	"%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc " \
	"%ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %{+Q}r"
#define HTTP_LOG_FORMAT_TCP \
	"%ci:%cp [%t] %ft %b/%s %Tw/%Tc/%Tt %B %ts %ac/%fc/%bc/%sc/%rc %sq/%bq"

struct proxy;

/* Check a `log-format` string of proxy `px`: 0 if every %-variable is
 * known and every %[sample] parses and may be used in a log line, or
 * -EINVAL with a message in err, e.g. "no such format variable 'foo'. If
 * you wanted to emit the '%' character verbatim, you need to use '%%'". */
int http_log_format_check(struct proxy *px, const char *fmt, char *err, size_t errlen);
/* The first variable of `fmt` that HAProxy reserves for HTTP mode ("r",
 * "HM", "Tr", ...), or NULL; *len gets its length. */
const char *http_log_format_http_var(const char *fmt, size_t *len);
/* Parse px->log_format's %[sample] blocks for the proxy that logs with it
 * (once per proxy after parsing: a format from `defaults` is parsed
 * against each proxy that inherits it). 0 or -EINVAL with a message. */
int http_log_format_compile(struct proxy *px, char *err, size_t errlen);

#endif
