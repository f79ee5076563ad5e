/* h1: HTTP/1.x message heads and bodies, parsed strictly (RFC 9112).
 *
 * The parser never allocates and never copies: it indexes the head where
 * it lies in the caller's buffer (offsets, so the buffer may move). It is
 * incremental in the simplest way: call it again with more bytes until it
 * says the head is complete; heads are small and bounded by tune.bufsize.
 *
 * What it refuses (each with its own error code, so logs say why) is what
 * request smuggling and desynchronisation are made of: Content-Length with
 * Transfer-Encoding on HTTP/1.0, differing or invalid Content-Length,
 * Transfer-Encoding that does not end in "chunked" on a request, obs-fold,
 * whitespace before a colon, bare CR, NUL and control characters in names
 * and values, invalid tokens in method and header names, invalid request
 * targets and versions, a missing or invalid Host on HTTP/1.1, too many
 * headers, and heads larger than the buffer.
 *
 * A request with both Transfer-Encoding: chunked and Content-Length is
 * accepted as HAProxy does: the length is ignored (H1_F_DROP_CL: the
 * caller removes the header) and the connection closes after the response.
 */
#ifndef VIGIL_H1_H
#define VIGIL_H1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define H1_MAX_HDRS_LIMIT 1024

/* A span of the buffer the head was parsed from. */
struct h1_span {
	uint32_t off, len;
};

struct h1_hdr {
	struct h1_span name, value;   /* value without surrounding blanks */
};

enum h1_body {
	H1_BODY_NONE,        /* no body (GET without length, 204, 304, HEAD response, ...) */
	H1_BODY_LENGTH,      /* content_length bytes */
	H1_BODY_CHUNKED,     /* chunked framing, see h1_chunk_feed() */
	H1_BODY_CLOSE,       /* response body delimited by the connection's end */
};

/* Message flags. */
#define H1_F_CONN_CLOSE   0x0001  /* Connection: close (or HTTP/1.0 without keep-alive) */
#define H1_F_CONN_KA      0x0002  /* Connection: keep-alive */
#define H1_F_UPGRADE      0x0004  /* Connection: upgrade + Upgrade header */
#define H1_F_EXPECT_100   0x0008  /* Expect: 100-continue */
#define H1_F_DROP_CL      0x0010  /* TE chunked + CL: CL must be removed, close after */
#define H1_F_HAS_HOST     0x0020
#define H1_F_TE_10        0x0040  /* TE on HTTP/1.0: forward and close */

struct h1_msg {
	bool is_request;
	struct h1_span method, uri, version;   /* request line */
	struct h1_span reason;                 /* response line (version too) */
	int status;                            /* response status code */
	int minor;                             /* 0 or 1 (HTTP/1.x) */
	struct h1_hdr *hdrs;                   /* caller's array, `maxhdr` entries */
	int nhdrs, maxhdr;
	uint32_t head_len;                     /* bytes up to and including the empty line */
	enum h1_body body;
	uint64_t content_length;
	unsigned flags;                        /* H1_F_* */
	int host_idx;                          /* index of the Host header, or -1 */
};

/* Why a message was refused. */
enum h1_error {
	H1_OK = 0,
	H1_ERR_TOO_LARGE,        /* head does not fit in the buffer */
	H1_ERR_TOO_MANY_HDRS,
	H1_ERR_METHOD,           /* invalid method token */
	H1_ERR_URI,              /* invalid request target */
	H1_ERR_VERSION,          /* not HTTP/1.0 or HTTP/1.1 */
	H1_ERR_STATUS,           /* response status line */
	H1_ERR_HDR_NAME,         /* invalid character in a header name, or empty name */
	H1_ERR_HDR_VALUE,        /* NUL, bare CR or a control character in a value */
	H1_ERR_SPACE_COLON,      /* whitespace between name and colon */
	H1_ERR_OBS_FOLD,         /* a line starting with a blank (obsolete folding) */
	H1_ERR_BARE_CR,          /* CR not followed by LF in the framing */
	H1_ERR_BARE_LF,          /* lines must end in CRLF (requests: strict) */
	H1_ERR_CL_INVALID,       /* Content-Length not a number */
	H1_ERR_CL_MULTIPLE,      /* differing Content-Length values */
	H1_ERR_TE_INVALID,       /* Transfer-Encoding not ending in chunked, unknown coding, empty element */
	H1_ERR_TE_CL_10,         /* never used: kept for the table of reasons */
	H1_ERR_HOST_MISSING,     /* HTTP/1.1 request without Host */
	H1_ERR_HOST_INVALID,     /* Host not a valid host[:port], or several Host headers */
	H1_ERR_CHUNK_SIZE,       /* invalid or oversized chunk size */
	H1_ERR_CHUNK_CRLF,       /* chunk data not followed by CRLF */
	H1_ERR_TRAILER,          /* invalid trailer section */
};

/* Human words for an error ("invalid header name", ...). */
const char *h1_strerror(enum h1_error e);

/* Parse a request (or a response, given the request method for the body
 * rules of HEAD and CONNECT) from buf[0..len). Returns 1 when the head is
 * complete (m->head_len set), 0 when more bytes are needed (if len is the
 * whole buffer size, that is H1_ERR_TOO_LARGE), or -1 with *err set and
 * *err_pos the offset of the offending byte. */
int h1_parse_request(const char *buf, size_t len, size_t bufsize, struct h1_msg *m,
		     enum h1_error *err, size_t *err_pos);
int h1_parse_response(const char *buf, size_t len, size_t bufsize, bool head_request,
		      bool connect_request, struct h1_msg *m, enum h1_error *err, size_t *err_pos);

/* Chunked body, passed through as it is (framing included) while being
 * checked. Feed bytes as they arrive: the return value is how many of them
 * belong to the body (all of them until the end; fewer when the body ends
 * inside `n`), or -1 with *err set. *done becomes true once the last chunk
 * and the trailer section are complete. No allocation; any chunk boundary
 * may fall anywhere. */
struct h1_chunk_state {
	int state;
	uint64_t remaining;     /* bytes of chunk data still to pass */
	int size_digits;
	int line_len;           /* bytes of the current size/trailer line */
};
void h1_chunk_init(struct h1_chunk_state *st);
/* True while the next bytes fed are chunk data (st->remaining of them),
 * not framing: what a filter that needs the payload alone looks at. */
bool h1_chunk_in_data(const struct h1_chunk_state *st);
ssize_t h1_chunk_feed(struct h1_chunk_state *st, const char *p, size_t n, bool *done,
		      enum h1_error *err);

/* Helpers on a parsed head. `buf` is the buffer the offsets refer to. */
static inline const char *h1_ptr(const char *buf, struct h1_span s) { return buf + s.off; }
/* Case-insensitive name comparison. */
bool h1_name_is(const char *buf, const struct h1_hdr *h, const char *name);
/* Does the comma-separated value list of header `h` contain `token`
 * (case-insensitive)? */
bool h1_value_has_token(const char *buf, const struct h1_hdr *h, const char *token);

#endif
