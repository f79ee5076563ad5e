/* prom: the Prometheus exporter (`http-request use-service
 * prometheus-exporter`), text exposition format 0.0.4 with HAProxy 2.6's
 * metric names, HELP texts, types and labels, so HAProxy dashboards and
 * alerts work unchanged on vigil-proxy.
 */
#ifndef VIGIL_PROM_H
#define VIGIL_PROM_H

#include "lib/strbuf.h"
#include "proxy/proxy.h"

/* The Content-Type of the answer. */
#define PROM_CONTENT_TYPE "text/plain; version=0.0.4"

/* Append every metric (process, frontends, backends, servers) to `out`.
 * Takes each backend's lock while it reads the backend's servers. */
void prom_export(const struct pxconf *c, struct strbuf *out);

#endif
