/* compress: HTTP response compression with zlib, as HAProxy 2.6's
 * `compression algo|type|offload` does it.
 *
 * The request picks the algorithm: the Accept-Encoding token with the
 * highest q-value that names a configured algorithm (the first on a tie,
 * `*` meaning the last configured one, as in HAProxy); `offload` then removes
 * Accept-Encoding so the server sends plain content. The response is
 * compressed only if both sides speak HTTP/1.1, the status is 200, the
 * request was not HEAD, there is a body, no Content-Encoding and no
 * Cache-Control no-transform are present, and its Content-Type (not
 * multipart) starts with one of the configured types (any type when none
 * is configured). It then goes out chunked, with Content-Encoding,
 * `Vary: Accept-Encoding` and a strong ETag made weak.
 */
#ifndef VIGIL_COMPRESS_H
#define VIGIL_COMPRESS_H

#include "lib/strbuf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct http_txn;

enum comp_algo { COMP_NONE = 0, COMP_IDENTITY, COMP_GZIP, COMP_DEFLATE, COMP_RAW_DEFLATE };

struct comp_cfg {
	enum comp_algo algos[8];   /* in configuration order */
	int nalgos;
	char **types;              /* from malloc() */
	int ntypes;
	bool offload;
};

/* `compression ...` (args[0] is "compression"). 0 or -EINVAL with
 * HAProxy's message. */
int comp_cfg_keyword(struct comp_cfg *cfg, char **args, int argc, char *err, size_t errlen);
void comp_cfg_copy(struct comp_cfg *dst, const struct comp_cfg *src);
void comp_cfg_free(struct comp_cfg *cfg);

/* The request side: the algorithm for this exchange (COMP_NONE when the
 * response will not be compressed); removes Accept-Encoding with
 * `offload`. */
enum comp_algo comp_select(const struct comp_cfg *cfg, struct http_txn *txn);

/* The response side: whether txn->rsp may be compressed (see above). */
bool comp_response_ok(const struct comp_cfg *cfg, const struct http_txn *txn, bool head_req);

/* Compress: comp_start() rewrites the response headers and returns the
 * stream state (NULL if zlib refuses, then the response goes out as it
 * was). comp_feed() appends the compressed form of the body's bytes as
 * chunks to `out`; comp_finish() the end of the stream and the last
 * chunk. Byte counts for the statistics are kept in the stream. */
struct comp_stream;
struct comp_stream *comp_start(enum comp_algo algo, struct http_txn *txn);
int comp_feed(struct comp_stream *cs, const char *p, size_t n, struct strbuf *out);
int comp_finish(struct comp_stream *cs, struct strbuf *out);
void comp_stats(const struct comp_stream *cs, uint64_t *in, uint64_t *out);
void comp_free(struct comp_stream *cs);

#endif
