/* proxy_hdr: the PROXY protocol header (v1 text, v2 binary) a load
 * balancer in front of us sends first on a connection, received on
 * `bind ... accept-proxy` listeners and after `tcp-request connection
 * expect-proxy layer4`.
 *
 * Per connection (function performing each transition):
 *   WAIT -> next stage   hdr_step(): a whole header was read; its
 *                        addresses replace the socket's and the connection
 *                        goes on to the TLS handshake or the engine
 *   WAIT -> closed       hdr_fail(): malformed or missing header, EOF,
 *                        `timeout client`, or the worker stopping
 * Like a TLS handshake, a waiting connection counts in the worker's streams
 * and in the frontend's connections. Failures are counted as frontend
 * request errors and logged as HAProxy logs them ("CLIENT:PORT [DATE]
 * FE/BIND: Received something which does not look like a PROXY protocol
 * header").
 */
#ifndef VIGIL_PROXY_HDR_H
#define VIGIL_PROXY_HDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct worker;
struct listener;
struct conn_info;

/* Why a header was refused (HAProxy's CO_ER_PRX_* texts). */
enum proxy_hdr_err {
	PROXY_HDR_OK = 0,
	PROXY_HDR_EMPTY,       /* closed before any byte */
	PROXY_HDR_ABORT,       /* socket error */
	PROXY_HDR_TIMEOUT,
	PROXY_HDR_TRUNCATED,   /* closed in the middle of a header */
	PROXY_HDR_NOT_HDR,     /* neither "PROXY " nor the v2 signature */
	PROXY_HDR_BAD_HDR,     /* malformed */
	PROXY_HDR_BAD_PROTO,   /* v1 protocol other than TCP4/TCP6/UNKNOWN */
};

/* Longest header we read: a v2 header announces at most 16 + 65535 bytes;
 * we refuse more than this as HAProxy refuses more than its buffer. */
#define PROXY_HDR_MAX 1024

/* The addresses a header carries. `has_addr` false: UNKNOWN or LOCAL,
 * the connection keeps its own addresses. */
struct proxy_hdr {
	bool has_addr;
	struct sockaddr_storage src, dst;
	socklen_t alen;
};

/* Parse the first `len` bytes received. Returns the header's length (> 0)
 * with *out filled, 0 when more bytes are needed to decide, or -1 with
 * *why set (and out->has_addr when a v2 header's addresses were read
 * before its TLVs were found wrong). Pure function: the fuzz target calls
 * it. */
int proxy_hdr_parse(const uint8_t *buf, size_t len, struct proxy_hdr *out, enum proxy_hdr_err *why);
const char *proxy_hdr_err_str(enum proxy_hdr_err e);

/* Read the header of a just accepted connection, then hand it to the next
 * stage (worker_dispatch_conn()). `ci` is the connection's state so far
 * (owned; moves on with the connection). */
void proxy_hdr_accept(struct worker *w, struct listener *li, int fd, struct conn_info *ci);
/* Close this thread's connections still waiting for their header. */
void proxy_hdr_kill_all(struct worker *w);

/* The sending side (`server ... send-proxy[-v2]`) is send_proxy.h. */

#endif
