/* compress: HTTP response compression with zlib (see compress.h). */
#include "proxy/compress.h"
#include "proxy/http_txn.h"
#include "lib/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

/* tune.comp.maxlevel's default */
#define COMP_LEVEL 1

static const struct {
	const char *cfg_name, *ua_name;    /* in the configuration, in Accept-Encoding */
	enum comp_algo algo;
} algos[] = {
	{ "identity", "identity", COMP_IDENTITY },
	{ "deflate", "deflate", COMP_DEFLATE },
	{ "raw-deflate", "deflate", COMP_RAW_DEFLATE },
	{ "gzip", "gzip", COMP_GZIP },
};

struct comp_stream {
	z_stream z;
	uint64_t in, out;
};

/* ---- configuration ---- */

int comp_cfg_keyword(struct comp_cfg *cfg, char **args, int argc, char *err, size_t errlen)
{
	const char *what = argc > 1 ? args[1] : "";

	if (!strcmp(what, "algo")) {
		if (argc < 3) {
			snprintf(err, errlen, "'%s' expects <algorithm>.", args[0]);
			return -EINVAL;
		}
		for (int i = 2; i < argc; i++) {
			size_t k;

			for (k = 0; k < ARRAY_SIZE(algos); k++)
				if (!strcmp(args[i], algos[k].cfg_name))
					break;
			if (k == ARRAY_SIZE(algos)) {
				snprintf(err, errlen, "'%s' : '%s' is not a supported algorithm.", args[0], args[i]);
				return -EINVAL;
			}
			if (cfg->nalgos < (int)ARRAY_SIZE(cfg->algos))
				cfg->algos[cfg->nalgos++] = algos[k].algo;
		}
		return 0;
	}
	if (!strcmp(what, "type")) {
		if (argc < 3) {
			snprintf(err, errlen, "'%s' expects <type>.", args[0]);
			return -EINVAL;
		}
		for (int i = 2; i < argc; i++) {
			cfg->types = xrealloc(cfg->types, sizeof(char *) * (size_t)(cfg->ntypes + 1));
			cfg->types[cfg->ntypes++] = xstrdup(args[i]);
		}
		return 0;
	}
	if (!strcmp(what, "offload")) {
		cfg->offload = true;
		return 0;
	}
	snprintf(err, errlen, "'%s' expects 'algo', 'type' or 'offload'", args[0]);
	return -EINVAL;
}

void comp_cfg_copy(struct comp_cfg *dst, const struct comp_cfg *src)
{
	*dst = *src;
	dst->types = NULL;
	if (src->ntypes) {
		dst->types = xmalloc(sizeof(char *) * (size_t)src->ntypes);
		for (int i = 0; i < src->ntypes; i++)
			dst->types[i] = xstrdup(src->types[i]);
	}
}

void comp_cfg_free(struct comp_cfg *cfg)
{
	for (int i = 0; i < cfg->ntypes; i++)
		free(cfg->types[i]);
	free(cfg->types);
	memset(cfg, 0, sizeof(*cfg));
}

/* ---- deciding ---- */

static bool name_is(const struct http_str *n, const char *name)
{
	size_t l = strlen(name);

	return n->len == l && strncasecmp(n->p, name, l) == 0;
}

static const char *ua_name(enum comp_algo a)
{
	for (size_t k = 0; k < ARRAY_SIZE(algos); k++)
		if (algos[k].algo == a)
			return algos[k].ua_name;
	return "";
}

static bool version_11(const struct http_str *vsn)
{
	return vsn->len == 8 && memcmp(vsn->p, "HTTP/1.1", 8) == 0;
}

struct comp_choice {
	const struct comp_cfg *cfg;
	enum comp_algo best;
	int best_q;
};

/* The configured algorithm with the highest q the client gives (the first
 * such element wins a tie). */
static bool choose_coding(void *arg, const char *coding, size_t len, int q)
{
	struct comp_choice *ch = arg;

	if (q <= ch->best_q)
		return false;
	/* HAProxy keeps its algorithms in reverse order: `*` (or "deflate"
	 * with both deflates) takes the last one configured. */
	for (int k = ch->cfg->nalgos - 1; k >= 0; k--) {
		const char *n = ua_name(ch->cfg->algos[k]);

		if ((len == 1 && *coding == '*') ||
		    (strlen(n) == len && strncasecmp(coding, n, len) == 0)) {
			ch->best = ch->cfg->algos[k];
			ch->best_q = q;
			break;
		}
	}
	return false;
}

enum comp_algo comp_select(const struct comp_cfg *cfg, struct http_txn *txn)
{
	struct comp_choice ch = { cfg, COMP_NONE, 0 };
	enum comp_algo best;

	if (!cfg || !cfg->nalgos)
		return COMP_NONE;
	http_accept_encoding_each(&txn->req, choose_coding, &ch);
	best = ch.best;
	if (cfg->offload)
		http_hdr_del(&txn->req, "Accept-Encoding");
	if (!version_11(&txn->req.vsn) || best == COMP_IDENTITY)
		return COMP_NONE;
	return best;
}

static bool has_token(const struct http_head *h, const char *name, const char *token)
{
	size_t tl = strlen(token);

	for (int i = 0; i < h->nhdrs; i++) {
		const struct http_str *v = &h->hdrs[i].value;

		if (!name_is(&h->hdrs[i].name, name))
			continue;
		for (size_t k = 0; k + tl <= v->len; k++)
			if (strncasecmp(v->p + k, token, tl) == 0)
				return true;
	}
	return false;
}

bool comp_response_ok(const struct comp_cfg *cfg, const struct http_txn *txn, bool head_req)
{
	struct http_str ct, cl;

	if (head_req || txn->rsp.status != 200 || !version_11(&txn->rsp.vsn))
		return false;
	if (http_hdr_find(&txn->rsp, "Content-Encoding", 0) >= 0 ||
	    has_token(&txn->rsp, "Cache-Control", "no-transform"))
		return false;
	if (http_hdr_get(&txn->rsp, "Content-Length", -1, &cl) && cl.len == 1 && cl.p[0] == '0')
		return false;
	if (http_hdr_get(&txn->rsp, "Content-Type", -1, &ct)) {
		if (ct.len >= 9 && strncasecmp(ct.p, "multipart", 9) == 0)
			return false;
		if (!cfg->ntypes)
			return true;
		for (int i = 0; i < cfg->ntypes; i++) {
			size_t l = strlen(cfg->types[i]);

			if (ct.len >= l && strncasecmp(ct.p, cfg->types[i], l) == 0)
				return true;
		}
		return false;
	}
	return !cfg->ntypes;
}

/* ---- compressing ---- */

struct comp_stream *comp_start(enum comp_algo algo, struct http_txn *txn)
{
	struct comp_stream *cs = xcalloc(1, sizeof(*cs));
	int wbits = algo == COMP_GZIP ? 15 + 16 : algo == COMP_RAW_DEFLATE ? -15 : 15;
	struct http_str etag;

	if (deflateInit2(&cs->z, COMP_LEVEL, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(cs);
		return NULL;
	}
	http_hdr_del(&txn->rsp, "Content-Length");
	http_hdr_del(&txn->rsp, "Transfer-Encoding");
	/* the representation changes: a strong validator no longer holds */
	if (http_hdr_get(&txn->rsp, "ETag", -1, &etag) && etag.len && etag.p[0] == '"') {
		char weak[512];
		int n = snprintf(weak, sizeof(weak), "W/%.*s", (int)etag.len, etag.p);

		if (n > 0 && (size_t)n < sizeof(weak))
			http_hdr_set(txn, &txn->rsp, "ETag", weak, (size_t)n);
	}
	if (http_hdr_add(txn, &txn->rsp, "Transfer-Encoding", "chunked", 7) < 0 ||
	    (!has_token(&txn->rsp, "Vary", "accept-encoding") &&
	     http_hdr_add(txn, &txn->rsp, "Vary", "Accept-Encoding", 15) < 0) ||
	    http_hdr_add(txn, &txn->rsp, "Content-Encoding", ua_name(algo), strlen(ua_name(algo))) < 0) {
		/* out of header room: the head is already changed, so the
		 * caller answers 500 as it does for other failed rewrites */
		deflateEnd(&cs->z);
		free(cs);
		return NULL;
	}
	return cs;
}

/* Run deflate on the input with `flush`, appending one chunk of output. */
static int deflate_chunk(struct comp_stream *cs, int flush, struct strbuf *out)
{
	unsigned char buf[16384];
	struct strbuf data = STRBUF_INIT;
	int rc;

	do {
		cs->z.next_out = buf;
		cs->z.avail_out = sizeof(buf);
		rc = deflate(&cs->z, flush);
		if (rc == Z_STREAM_ERROR) {
			sb_free(&data);
			return -EIO;
		}
		sb_append(&data, (const char *)buf, sizeof(buf) - cs->z.avail_out);
	} while (cs->z.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
	if (data.len) {
		sb_appendf(out, "%zx\r\n", data.len);
		sb_append(out, data.s, data.len);
		sb_puts(out, "\r\n");
		cs->out += data.len;
	}
	sb_free(&data);
	return 0;
}

int comp_feed(struct comp_stream *cs, const char *p, size_t n, struct strbuf *out)
{
	if (!n)
		return 0;
	cs->z.next_in = (unsigned char *)(uintptr_t)p;
	cs->z.avail_in = (uInt)n;
	cs->in += n;
	/* a sync flush per batch: what arrived leaves at once (streams,
	 * server-sent events), at a small cost in ratio */
	return deflate_chunk(cs, Z_SYNC_FLUSH, out);
}

int comp_finish(struct comp_stream *cs, struct strbuf *out)
{
	int rc;

	cs->z.next_in = NULL;
	cs->z.avail_in = 0;
	rc = deflate_chunk(cs, Z_FINISH, out);
	sb_puts(out, "0\r\n\r\n");
	return rc;
}

void comp_stats(const struct comp_stream *cs, uint64_t *in, uint64_t *out)
{
	*in = cs->in;
	*out = cs->out;
}

void comp_free(struct comp_stream *cs)
{
	if (!cs)
		return;
	deflateEnd(&cs->z);
	free(cs);
}
