/* ssl_ctx: the OpenSSL contexts of bind lines and servers (see ssl.h).
 *
 * A bind line has one SSL_CTX holding its default certificate (the first
 * one loaded) and a table of every certificate by name. The servername
 * callback picks a certificate by SNI and installs it on the connection
 * (SSL_use_cert_and_key), so verification settings, the session cache and
 * ALPN stay those of the one context.
 *
 * Names come from the certificate (subjectAltName DNS entries, or the CN
 * when there are none) or from a crt-list line's SNI filters, which then
 * replace them; "*.example.com" matches one leading label, "!name"
 * excludes a name. An exact match wins over a wildcard; no match gives
 * the default certificate (strict-sni refuses the handshake instead).
 */
#include "proxy/ssl.h"
#include "lib/util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

struct ssl_cert {
	X509 *x509;
	EVP_PKEY *key;
	STACK_OF(X509) *chain;
	char *path;                /* from malloc() */
};

struct sni_entry {
	char *name;                /* lower case; "*.dom" for a wildcard; from malloc() */
	bool neg;                  /* "!name": never this certificate */
	int cert;                  /* index in certs */
};

struct ssl_bind_ctx {
	SSL_CTX *ctx;
	struct ssl_cert *certs;
	int ncerts;
	struct sni_entry *sni;
	int nsni;
	bool strict_sni;
	unsigned char *alpn;       /* the bind's list, wire format (not owned) */
	size_t alpn_len;
};

/* The servername callback finds its table through this index. */
static int bind_ctx_idx = -1;

const char *ssl_errors(char *buf, size_t len)
{
	unsigned long e;
	size_t off = 0;

	buf[0] = 0;
	while ((e = ERR_get_error()) != 0) {
		const char *r = ERR_reason_error_string(e);
		int n;

		if (!r)
			r = "unknown error";
		n = snprintf(buf + off, len - off, "%s%s", off ? ": " : "", r);
		if (n < 0 || (size_t)n >= len - off)
			break;
		off += (size_t)n;
	}
	if (!buf[0])
		snprintf(buf, len, "unknown error");
	ERR_clear_error();
	return buf;
}

/* Files are read while the configuration is: a device or a FIFO named by
 * mistake (or by a fuzzer) must not hang the parser. */
static int check_regular(const char *path, const char *what, char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		snprintf(err, errlen, "unable to load %s '%s' : %s.", what, path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s '%s' is not a regular file.", what, path);
		return -1;
	}
	return 0;
}

/* A server's last session, offered again on its next connection
 * (HAProxy's ssl-reuse, on by default): a resumed handshake skips the key
 * exchange and the certificate checks. One per server, shared by the
 * worker threads. */
struct ssl_resume {
	pthread_mutex_t lock;
	SSL_SESSION *sess;
	char sni[256];          /* the name it was made with ("" for none):
				   a TLS 1.3 ticket does not record it */
};

static int resume_idx = -1, check_conn_idx = -1;

static void init_once(void)
{
	if (bind_ctx_idx < 0)
		bind_ctx_idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	if (resume_idx < 0)
		resume_idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	if (check_conn_idx < 0)
		check_conn_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

/* OpenSSL hands over each new session (in TLS 1.3, each ticket, after
 * the handshake): the newest replaces the one kept. */
static int new_session(SSL *ssl, SSL_SESSION *sess)
{
	struct ssl_resume *r = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), resume_idx);
	const char *sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	SSL_SESSION *old;

	/* a health check's session (its own SNI) would push out the traffic's */
	if (!r || SSL_get_ex_data(ssl, check_conn_idx) || !SSL_SESSION_is_resumable(sess))
		return 0;
	pthread_mutex_lock(&r->lock);
	old = r->sess;
	r->sess = sess;
	snprintf(r->sni, sizeof(r->sni), "%s", sni ? sni : "");
	pthread_mutex_unlock(&r->lock);
	SSL_SESSION_free(old);
	return 1;   /* the reference is ours */
}

SSL_SESSION *ssl_srv_session(struct ssl_srv *s, const char *sni)
{
	struct ssl_resume *r = s ? s->resume : NULL;
	SSL_SESSION *sess = NULL;

	if (!r)
		return NULL;
	pthread_mutex_lock(&r->lock);
	/* a session is for the name it was made with */
	if (r->sess && !strcmp(r->sni, sni) && SSL_SESSION_up_ref(r->sess))
		sess = r->sess;
	pthread_mutex_unlock(&r->lock);
	return sess;
}

void ssl_srv_check_conn(struct ssl_st *ssl)
{
	SSL_set_ex_data(ssl, check_conn_idx, (void *)1);
}

void ssl_srv_resume_free(struct ssl_srv *s)
{
	if (!s->resume)
		return;
	SSL_SESSION_free(s->resume->sess);
	pthread_mutex_destroy(&s->resume->lock);
	free(s->resume);
	s->resume = NULL;
}

static int proto_version(enum ssl_ver v)
{
	switch (v) {
	case SSL_V_SSL3: return SSL3_VERSION;
	case SSL_V_TLS10: return TLS1_VERSION;
	case SSL_V_TLS11: return TLS1_1_VERSION;
	case SSL_V_TLS12: return TLS1_2_VERSION;
	case SSL_V_TLS13: return TLS1_3_VERSION;
	default: return 0;
	}
}

/* Protocol range, ciphers, tickets: a line's own options over the global
 * defaults, as HAProxy merges them (no-* flags add up, the rest is the
 * line's if it has one). HAProxy 2.6's default minimum is TLSv1.2. */
static int apply_opts(SSL_CTX *ctx, const struct ssl_opts *o, const struct ssl_opts *def,
		      bool server_side, char *err, size_t errlen)
{
	enum ssl_ver minv = o->min_ver ? o->min_ver : def && def->min_ver ? def->min_ver : SSL_V_TLS12;
	enum ssl_ver maxv = o->max_ver ? o->max_ver : def ? def->max_ver : SSL_V_UNSET;
	unsigned no = o->no_mask | (def ? def->no_mask : 0);
	const char *ciphers = o->ciphers ? o->ciphers : def ? def->ciphers : NULL;
	const char *suites = o->ciphersuites ? o->ciphersuites : def ? def->ciphersuites : NULL;
	const char *curves = o->curves ? o->curves : def ? def->curves : NULL;
	const char *sigalgs = o->sigalgs ? o->sigalgs : def ? def->sigalgs : NULL;
	uint64_t opts = SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF;
	char ebuf[256];

	/* no-* flags raise the minimum past disabled versions at the bottom
	 * and lower the maximum past those at the top, as HAProxy does */
	while (minv <= SSL_V_TLS13 && (no & (1u << (minv - 1))))
		minv++;
	if (!maxv)
		maxv = SSL_V_TLS13;
	while (maxv >= SSL_V_SSL3 && (no & (1u << (maxv - 1))))
		maxv--;
	if (minv > maxv) {
		snprintf(err, errlen, "all SSL/TLS versions are disabled");
		return -1;
	}
	if (!SSL_CTX_set_min_proto_version(ctx, proto_version(minv)) ||
	    !SSL_CTX_set_max_proto_version(ctx, proto_version(maxv))) {
		snprintf(err, errlen, "cannot set the protocol versions: %s", ssl_errors(ebuf, sizeof(ebuf)));
		return -1;
	}
	if (ciphers && !SSL_CTX_set_cipher_list(ctx, ciphers)) {
		snprintf(err, errlen, "unable to set SSL cipher list to '%s'", ciphers);
		ERR_clear_error();
		return -1;
	}
	if (suites && !SSL_CTX_set_ciphersuites(ctx, suites)) {
		snprintf(err, errlen, "unable to set TLS 1.3 cipher suites to '%s'", suites);
		ERR_clear_error();
		return -1;
	}
	if (curves && !SSL_CTX_set1_curves_list(ctx, curves)) {
		snprintf(err, errlen, "unable to set SSL curves list to '%s'", curves);
		ERR_clear_error();
		return -1;
	}
	if (sigalgs && !SSL_CTX_set1_sigalgs_list(ctx, sigalgs)) {
		snprintf(err, errlen, "unable to set SSL signature algorithms to '%s'", sigalgs);
		ERR_clear_error();
		return -1;
	}
	if (o->no_tickets || (def && def->no_tickets))
		opts |= SSL_OP_NO_TICKET;
	/* HAProxy prefers its own cipher order unless told otherwise */
	if (!server_side && !o->prefer_client_ciphers && !(def && def->prefer_client_ciphers))
		opts |= SSL_OP_CIPHER_SERVER_PREFERENCE;
	SSL_CTX_set_options(ctx, opts);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
			 SSL_MODE_RELEASE_BUFFERS);
	return 0;
}

static int load_ca(SSL_CTX *ctx, const char *ca_file, const char *crl_file, bool client_list,
		   char *err, size_t errlen)
{
	char ebuf[256];

	if (ca_file) {
		if (check_regular(ca_file, "CA file", err, errlen) < 0)
			return -1;
		if (!SSL_CTX_load_verify_locations(ctx, ca_file, NULL)) {
			snprintf(err, errlen, "unable to load CA file '%s' (%s)", ca_file,
				 ssl_errors(ebuf, sizeof(ebuf)));
			return -1;
		}
		if (client_list) {
			STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(ca_file);

			if (names)
				SSL_CTX_set_client_CA_list(ctx, names);
			ERR_clear_error();
		}
	}
	if (crl_file) {
		X509_STORE *st = SSL_CTX_get_cert_store(ctx);

		if (check_regular(crl_file, "CRL file", err, errlen) < 0)
			return -1;
		if (!X509_STORE_load_file(st, crl_file)) {
			snprintf(err, errlen, "unable to configure CRL file '%s' (%s)", crl_file,
				 ssl_errors(ebuf, sizeof(ebuf)));
			return -1;
		}
		X509_STORE_set_flags(st, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
	}
	return 0;
}

/* Finite-field DH for the DHE suites: tune.ssl.default-dh-param picks an
 * RFC 7919 group of that size (2048 when unset, as HAProxy 2.6), or
 * ssl-dh-param-file gives the parameters. */
static int set_dh(SSL_CTX *ctx, const struct ssl_global *g, char *err, size_t errlen)
{
	int bits = g && g->dh_bits ? g->dh_bits : 2048;
	const char *group = bits >= 8192 ? "ffdhe8192" : bits >= 6144 ? "ffdhe6144" :
		bits >= 4096 ? "ffdhe4096" : bits >= 3072 ? "ffdhe3072" : "ffdhe2048";
	EVP_PKEY *dh = NULL;
	char ebuf[256];

	if (g && g->dh_param_file) {
		BIO *in;

		if (check_regular(g->dh_param_file, "DH parameters file", err, errlen) < 0)
			return -1;
		in = BIO_new_file(g->dh_param_file, "r");

		if (in) {
			dh = PEM_read_bio_Parameters(in, NULL);
			BIO_free(in);
		}
		if (!dh) {
			snprintf(err, errlen, "unable to load the DH parameters from '%s' (%s)", g->dh_param_file,
				 ssl_errors(ebuf, sizeof(ebuf)));
			return -1;
		}
	} else {
		EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
		OSSL_PARAM params[2];

		params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, 0);
		params[1] = OSSL_PARAM_construct_end();
		if (!pc || EVP_PKEY_paramgen_init(pc) <= 0 || EVP_PKEY_CTX_set_params(pc, params) <= 0 ||
		    EVP_PKEY_paramgen(pc, &dh) <= 0)
			dh = NULL;
		EVP_PKEY_CTX_free(pc);
		if (!dh) {
			snprintf(err, errlen, "unable to set up DH group %s (%s)", group, ssl_errors(ebuf, sizeof(ebuf)));
			return -1;
		}
	}
	if (!SSL_CTX_set0_tmp_dh_pkey(ctx, dh)) {
		EVP_PKEY_free(dh);
		snprintf(err, errlen, "unable to set the DH parameters (%s)", ssl_errors(ebuf, sizeof(ebuf)));
		return -1;
	}
	return 0;
}

/* ---- certificates ---- */

/* Read a PEM holding a certificate, its chain and its key (or the key in
 * PATH.key, as HAProxy looks for it). */
static int cert_load(struct ssl_cert *c, const char *path, char *err, size_t errlen)
{
	BIO *in;
	X509 *x;
	struct stat st;
	char ebuf[256];

	memset(c, 0, sizeof(*c));
	if (stat(path, &st) < 0) {
		snprintf(err, errlen, "unable to stat SSL certificate from file '%s' : %s.", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "SSL certificate file '%s' is not a regular file.", path);
		return -1;
	}
	in = BIO_new_file(path, "r");
	if (!in) {
		snprintf(err, errlen, "unable to load SSL certificate from file '%s' : %s.", path, strerror(errno));
		ERR_clear_error();
		return -1;
	}
	c->x509 = PEM_read_bio_X509_AUX(in, NULL, NULL, NULL);
	if (!c->x509) {
		BIO_free(in);
		ERR_clear_error();
		snprintf(err, errlen, "unable to load certificate from file '%s'.", path);
		return -1;
	}
	c->chain = sk_X509_new_null();
	while ((x = PEM_read_bio_X509(in, NULL, NULL, NULL)) != NULL)
		sk_X509_push(c->chain, x);
	ERR_clear_error();
	(void)BIO_reset(in);
	c->key = PEM_read_bio_PrivateKey(in, NULL, NULL, NULL);
	BIO_free(in);
	if (!c->key) {
		char *kp = xasprintf("%s.key", path);
		struct stat kst;

		ERR_clear_error();
		in = stat(kp, &kst) == 0 && S_ISREG(kst.st_mode) ? BIO_new_file(kp, "r") : NULL;
		if (in) {
			c->key = PEM_read_bio_PrivateKey(in, NULL, NULL, NULL);
			BIO_free(in);
		}
		free(kp);
		ERR_clear_error();
	}
	if (!c->key) {
		snprintf(err, errlen, "unable to load SSL private key from PEM file '%s'.", path);
		goto fail;
	}
	if (!X509_check_private_key(c->x509, c->key)) {
		snprintf(err, errlen, "inconsistencies between private key and certificate loaded from PEM file '%s' (%s).",
			 path, ssl_errors(ebuf, sizeof(ebuf)));
		goto fail;
	}
	c->path = xstrdup(path);
	return 0;
fail:
	X509_free(c->x509);
	EVP_PKEY_free(c->key);
	sk_X509_pop_free(c->chain, X509_free);
	memset(c, 0, sizeof(*c));
	return -1;
}

static void cert_free(struct ssl_cert *c)
{
	X509_free(c->x509);
	EVP_PKEY_free(c->key);
	sk_X509_pop_free(c->chain, X509_free);
	free(c->path);
}

static void sni_add(struct ssl_bind_ctx *bc, const char *name, size_t len, int cert)
{
	struct sni_entry *e;
	bool neg = len && name[0] == '!';

	if (neg) {
		name++;
		len--;
	}
	if (!len)
		return;
	bc->sni = xrealloc(bc->sni, sizeof(*bc->sni) * (size_t)(bc->nsni + 1));
	e = &bc->sni[bc->nsni++];
	e->name = xstrndup(name, len);
	for (char *q = e->name; *q; q++)
		*q = (char)tolower((unsigned char)*q);
	e->neg = neg;
	e->cert = cert;
}

/* The names a certificate answers for: its DNS subjectAltNames, or its
 * CN when it has none. */
static void sni_from_cert(struct ssl_bind_ctx *bc, int idx)
{
	X509 *x = bc->certs[idx].x509;
	GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	bool any = false;

	for (int i = 0; names && i < sk_GENERAL_NAME_num(names); i++) {
		GENERAL_NAME *n = sk_GENERAL_NAME_value(names, i);

		if (n->type == GEN_DNS) {
			const unsigned char *s = ASN1_STRING_get0_data(n->d.dNSName);

			sni_add(bc, (const char *)s, (size_t)ASN1_STRING_length(n->d.dNSName), idx);
			any = true;
		}
	}
	GENERAL_NAMES_free(names);
	if (!any) {
		X509_NAME *subj = X509_get_subject_name(x);
		int pos = X509_NAME_get_index_by_NID(subj, NID_commonName, -1);

		if (pos >= 0) {
			ASN1_STRING *cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, pos));

			sni_add(bc, (const char *)ASN1_STRING_get0_data(cn), (size_t)ASN1_STRING_length(cn), idx);
		}
	}
}

static int add_cert(struct ssl_bind_ctx *bc, const char *path, char *err, size_t errlen)
{
	struct ssl_cert c;

	if (cert_load(&c, path, err, errlen) < 0)
		return -1;
	bc->certs = xrealloc(bc->certs, sizeof(*bc->certs) * (size_t)(bc->ncerts + 1));
	bc->certs[bc->ncerts++] = c;
	return bc->ncerts - 1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Files HAProxy skips in a certificate directory: companions of a PEM. */
static bool companion_file(const char *name)
{
	static const char *const ext[] = { ".key", ".ocsp", ".issuer", ".sctl", ".dh", NULL };
	size_t n = strlen(name);

	if (name[0] == '.')
		return true;
	for (int i = 0; ext[i]; i++) {
		size_t e = strlen(ext[i]);

		if (n > e && strcmp(name + n - e, ext[i]) == 0)
			return true;
	}
	return false;
}

/* `crt FILE|DIR`. */
static int load_crt(struct ssl_bind_ctx *bc, const char *path, char *err, size_t errlen)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	int n = 0, rc = 0;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		d = opendir(path);
		if (!d) {
			snprintf(err, errlen, "unable to scan directory '%s' : %s.", path, strerror(errno));
			return -1;
		}
		while ((de = readdir(d)) != NULL) {
			if (companion_file(de->d_name))
				continue;
			names = xrealloc(names, sizeof(*names) * (size_t)(n + 1));
			names[n++] = xasprintf("%s/%s", path, de->d_name);
		}
		closedir(d);
		qsort(names, (size_t)n, sizeof(*names), cmp_str);
		for (int i = 0; i < n; i++) {
			int idx = rc < 0 ? -1 : add_cert(bc, names[i], err, errlen);

			if (idx < 0)
				rc = -1;
			else
				sni_from_cert(bc, idx);
			free(names[i]);
		}
		free(names);
		if (rc == 0 && n == 0) {
			snprintf(err, errlen, "no certificate found in directory '%s'.", path);
			return -1;
		}
		return rc;
	}
	rc = add_cert(bc, path, err, errlen);
	if (rc < 0)
		return -1;
	sni_from_cert(bc, rc);
	return 0;
}

/* `crt-list FILE`: one certificate a line, `PEM [sni filter...]`; `#`
 * starts a comment. Per-certificate options in brackets are refused. */
static int load_crt_list(struct ssl_bind_ctx *bc, const char *path, const char *crt_base,
			 char *err, size_t errlen)
{
	FILE *f = NULL;
	char line[4096], sub[512];
	int lineno = 0, loaded = 0;
	struct stat st;

	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "crt-list file '%s' is not a regular file.", path);
		return -1;
	}
	f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "unable to load crt-list file '%s' : %s.", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *save = NULL, *tok, *pem;
		int idx;
		bool filters = false;

		lineno++;
		line[strcspn(line, "#\r\n")] = 0;
		pem = strtok_r(line, " \t", &save);
		if (!pem)
			continue;
		if (strchr(save ? save : "", '[')) {
			snprintf(err, errlen, "crt-list file '%s' line %d: per-certificate options '[...]' are not supported by vigil-proxy yet.",
				 path, lineno);
			goto fail;
		}
		if (pem[0] != '/' && crt_base) {
			snprintf(sub, sizeof(sub), "%s/%s", crt_base, pem);
			pem = sub;
		}
		idx = add_cert(bc, pem, err + 0, errlen);
		if (idx < 0) {
			char tmp[512];

			snprintf(tmp, sizeof(tmp), "%s", err);
			snprintf(err, errlen, "crt-list file '%s' line %d: %s", path, lineno, tmp);
			goto fail;
		}
		while ((tok = strtok_r(NULL, " \t", &save)) != NULL) {
			sni_add(bc, tok, strlen(tok), idx);
			filters = true;
		}
		if (!filters)
			sni_from_cert(bc, idx);
		loaded++;
	}
	fclose(f);
	if (!loaded) {
		snprintf(err, errlen, "crt-list file '%s' holds no certificate.", path);
		return -1;
	}
	return 0;
fail:
	fclose(f);
	return -1;
}

/* ---- handshake callbacks ---- */

static bool sni_match(const struct sni_entry *e, const char *name)
{
	if (e->name[0] == '*' && e->name[1] == '.') {
		const char *dot = strchr(name, '.');

		return dot && strcasecmp(dot, e->name + 1) == 0;
	}
	return strcasecmp(e->name, name) == 0;
}

static bool sni_excluded(const struct ssl_bind_ctx *bc, int cert, const char *name)
{
	for (int i = 0; i < bc->nsni; i++)
		if (bc->sni[i].neg && bc->sni[i].cert == cert && sni_match(&bc->sni[i], name))
			return true;
	return false;
}

static int on_servername(SSL *ssl, int *alert, void *arg)
{
	const struct ssl_bind_ctx *bc = arg;
	const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	int found = -1;

	if (!name)
		return bc->strict_sni ? SSL_TLSEXT_ERR_ALERT_FATAL : SSL_TLSEXT_ERR_OK;
	/* exact names first, then wildcards */
	for (int pass = 0; pass < 2 && found < 0; pass++) {
		for (int i = 0; i < bc->nsni; i++) {
			const struct sni_entry *e = &bc->sni[i];
			bool wild = e->name[0] == '*';

			if (e->neg || wild != (pass == 1) || !sni_match(e, name) || sni_excluded(bc, e->cert, name))
				continue;
			found = e->cert;
			break;
		}
	}
	if (found < 0) {
		if (bc->strict_sni) {
			*alert = SSL_AD_UNRECOGNIZED_NAME;
			return SSL_TLSEXT_ERR_ALERT_FATAL;
		}
		return SSL_TLSEXT_ERR_OK;   /* the default certificate */
	}
	if (found != 0) {
		const struct ssl_cert *c = &bc->certs[found];

		if (!SSL_use_cert_and_key(ssl, c->x509, c->key, c->chain, 1)) {
			ERR_clear_error();
			*alert = SSL_AD_INTERNAL_ERROR;
			return SSL_TLSEXT_ERR_ALERT_FATAL;
		}
	}
	return SSL_TLSEXT_ERR_OK;
}

/* The bind's list has no h2 (dropped when read): the first protocol of
 * ours the client offers wins; none in common goes on without ALPN. */
static int on_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
		   const unsigned char *in, unsigned int inlen, void *arg)
{
	const struct ssl_bind_ctx *bc = arg;

	for (size_t i = 0; i < bc->alpn_len; i += 1u + bc->alpn[i]) {
		const unsigned char *p = bc->alpn + i;

		for (unsigned j = 0; j < inlen; j += 1u + in[j]) {
			if (in[j] == p[0] && j + 1u + in[j] <= inlen && memcmp(in + j + 1, p + 1, p[0]) == 0) {
				*out = in + j + 1;
				*outlen = in[j];
				return SSL_TLSEXT_ERR_OK;
			}
		}
	}
	return SSL_TLSEXT_ERR_NOACK;
}

/* ---- bind lines ---- */

int ssl_bind_build(struct ssl_bind *b, const struct ssl_global *g, char *err, size_t errlen)
{
	struct ssl_bind_ctx *bc = xcalloc(1, sizeof(*bc));
	const struct ssl_cert *def;
	int vmode = SSL_VERIFY_NONE;
	char ebuf[256];
	static const unsigned char sid_ctx[] = "vigil-proxy";

	init_once();
	b->ctx = bc;
	bc->strict_sni = b->strict_sni;
	bc->alpn = b->alpn;
	bc->alpn_len = b->alpn_len;
	for (int i = 0; i < b->ncrts; i++)
		if (load_crt(bc, b->crts[i], err, errlen) < 0)
			return -1;
	for (int i = 0; i < b->ncrt_lists; i++)
		if (load_crt_list(bc, b->crt_lists[i], g ? g->crt_base : NULL, err, errlen) < 0)
			return -1;
	if (bc->ncerts == 0) {
		snprintf(err, errlen, "no certificate specified ('crt' or 'crt-list' is required with 'ssl').");
		return -1;
	}
	bc->ctx = SSL_CTX_new(TLS_server_method());
	if (!bc->ctx) {
		snprintf(err, errlen, "cannot create an SSL context (%s)", ssl_errors(ebuf, sizeof(ebuf)));
		return -1;
	}
	if (apply_opts(bc->ctx, &b->opts, g ? &g->bind : NULL, false, err, errlen) < 0)
		return -1;
	def = &bc->certs[0];
	if (!SSL_CTX_use_cert_and_key(bc->ctx, def->x509, def->key, def->chain, 1)) {
		snprintf(err, errlen, "unable to use certificate '%s' (%s)", def->path, ssl_errors(ebuf, sizeof(ebuf)));
		return -1;
	}
	if (b->verify == SSL_VFY_OPTIONAL)
		vmode = SSL_VERIFY_PEER;
	else if (b->verify == SSL_VFY_REQUIRED)
		vmode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
	if (vmode != SSL_VERIFY_NONE && !b->ca_file) {
		snprintf(err, errlen, "verify is enabled but no CA file specified.");
		return -1;
	}
	if (load_ca(bc->ctx, b->ca_file, b->crl_file, true, err, errlen) < 0)
		return -1;
	SSL_CTX_set_verify(bc->ctx, vmode, NULL);
	/* resumed sessions of verified clients need a session id context */
	SSL_CTX_set_session_id_context(bc->ctx, sid_ctx, sizeof(sid_ctx) - 1);
	if (set_dh(bc->ctx, g, err, errlen) < 0)
		return -1;
	SSL_CTX_set_tlsext_servername_callback(bc->ctx, on_servername);
	SSL_CTX_set_tlsext_servername_arg(bc->ctx, bc);
	if (b->alpn_len)
		SSL_CTX_set_alpn_select_cb(bc->ctx, on_alpn, bc);
	SSL_CTX_set_ex_data(bc->ctx, bind_ctx_idx, bc);
	return 0;
}

void ssl_bind_ctx_free(struct ssl_bind_ctx *bc)
{
	if (!bc)
		return;
	SSL_CTX_free(bc->ctx);
	for (int i = 0; i < bc->ncerts; i++)
		cert_free(&bc->certs[i]);
	free(bc->certs);
	for (int i = 0; i < bc->nsni; i++)
		free(bc->sni[i].name);
	free(bc->sni);
	free(bc);
}

struct ssl_ctx_st *ssl_bind_default_ctx(const struct ssl_bind *b)
{
	return b->ctx ? b->ctx->ctx : NULL;
}

/* ---- servers ---- */

struct ssl_ctx_st *ssl_srv_build(struct ssl_srv *s, const struct ssl_global *g,
				 char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	enum ssl_vfy v = s->verify ? s->verify : g && g->server_verify ? g->server_verify : SSL_VFY_REQUIRED;
	char ebuf[256];

	init_once();
	if (!ctx) {
		snprintf(err, errlen, "cannot create an SSL context (%s)", ssl_errors(ebuf, sizeof(ebuf)));
		return NULL;
	}
	if (apply_opts(ctx, &s->opts, g ? &g->server : NULL, true, err, errlen) < 0)
		goto fail;
	if (v == SSL_VFY_REQUIRED && !s->ca_file) {
		snprintf(err, errlen, "verify is enabled by default but no CA file specified. If you're running on a LAN where you're certain to trust the server's certificate, please set an explicit 'verify none' statement on the 'server' line, or use 'ssl-server-verify none' in the global section to disable server-side verifications by default.");
		goto fail;
	}
	if (load_ca(ctx, s->ca_file, s->crl_file, false, err, errlen) < 0)
		goto fail;
	SSL_CTX_set_verify(ctx, v == SSL_VFY_REQUIRED ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
	if (s->crt) {
		struct ssl_cert c;

		if (cert_load(&c, s->crt, err, errlen) < 0)
			goto fail;
		if (!SSL_CTX_use_cert_and_key(ctx, c.x509, c.key, c.chain, 1)) {
			snprintf(err, errlen, "unable to use certificate '%s' (%s)", s->crt, ssl_errors(ebuf, sizeof(ebuf)));
			cert_free(&c);
			goto fail;
		}
		cert_free(&c);
	}
	if (s->alpn_len && SSL_CTX_set_alpn_protos(ctx, s->alpn, (unsigned)s->alpn_len) != 0) {
		snprintf(err, errlen, "cannot set ALPN (%s)", ssl_errors(ebuf, sizeof(ebuf)));
		goto fail;
	}
	if (!s->no_reuse && !s->resume) {
		s->resume = xcalloc(1, sizeof(*s->resume));
		pthread_mutex_init(&s->resume->lock, NULL);
	}
	if (s->resume) {
		SSL_CTX_set_ex_data(ctx, resume_idx, s->resume);
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
		SSL_CTX_sess_set_new_cb(ctx, new_session);
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

size_t ssl_client_hello(unsigned char *out, size_t max)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL *ssl = ctx ? SSL_new(ctx) : NULL;
	BIO *rb = BIO_new(BIO_s_mem()), *wb = BIO_new(BIO_s_mem());
	int n = 0;

	if (ssl && rb && wb) {
		SSL_set_bio(ssl, rb, wb);   /* the SSL owns them now */
		rb = wb = NULL;
		SSL_set_connect_state(ssl);
		SSL_do_handshake(ssl);      /* writes the hello, then wants to read */
		n = BIO_read(SSL_get_wbio(ssl), out, (int)max);
	}
	BIO_free(rb);
	BIO_free(wb);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return n > 0 ? (size_t)n : 0;
}
