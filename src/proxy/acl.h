/* acl: named ACLs and `if`/`unless` conditions on TCP-layer criteria.
 *
 * Supported criteria: src, dst (IPv4/IPv6 addresses and networks),
 * src_port, dst_port (ports, ranges "A:B", or "gt|ge|lt|le|eq N"),
 * always_true, always_false; predefined ACLs TRUE, FALSE, LOCALHOST.
 * Every other criterion is a sample fetch (sample.h: path, url, hdr(N),
 * method, status, sc_http_req_rate(0), http_auth(L), ...) with a match
 * method, given by -m or by a suffix (path_beg, hdr_dom(host), ...):
 * str, beg, end, sub, reg, dom, dir, len, int (with gt/ge/lt/le/eq),
 * ip, found, bool; -i ignores case; -f FILE reads patterns from a file.
 * HTTP criteria never match in acl_cond_eval() (no transaction).
 *
 * A condition is an OR ("||" or "or") of terms; a term is an AND of
 * (possibly negated with "!") ACL names or anonymous `{ CRITERION VALUES }`
 * ACLs. Named ACLs must be declared before they are used, as in HAProxy.
 */
#ifndef VIGIL_ACL_H
#define VIGIL_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct proxy;
struct acl;
struct acl_cond;

/* `tcp-request connection|session|content accept|reject|silent-drop|
 * track-scN KEY [table T] [if|unless COND]`, `tcp-request connection expect-proxy layer4`,
 * applied by the data path in declaration order. */
enum tcp_rule_layer { TCP_RULE_CONNECTION, TCP_RULE_SESSION, TCP_RULE_CONTENT };
enum tcp_rule_action {
	TCP_ACT_ACCEPT, TCP_ACT_REJECT, TCP_ACT_TRACK_SC, TCP_ACT_EXPECT_PROXY,
	TCP_ACT_SILENT_DROP,       /* close without a packet (session_silence()) */
};

struct sample_expr;

struct tcp_rule {
	enum tcp_rule_layer layer;
	enum tcp_rule_action action;
	struct acl_cond *cond;     /* NULL = always; owned by the rule */
	int sc;                    /* track-sc0/1/2 */
	struct sample_expr *expr;  /* track-sc key; owned */
	char *table_name;          /* `table T`, or NULL: the proxy's own; from malloc() */
	struct proxy *table_px;    /* resolved after parsing */
	const char *file;          /* where declared (for messages) */
	int line;
};

/* `acl NAME CRITERION [flags] VALUE...`: args[0] is NAME. Adds to (or
 * extends, for a name already declared) px->acls. 0 or -EINVAL with a
 * message in err. */
int acl_parse(struct proxy *px, char **args, char *err, size_t errlen);

/* Parse `if|unless COND...`; args[0] is "if" or "unless". Returns NULL with
 * a message in err. */
struct acl_cond *acl_cond_parse(struct proxy *px, char **args, char *err, size_t errlen);
bool acl_cond_eval(const struct acl_cond *c, const struct sockaddr *src,
		   const struct sockaddr *dst);
/* The same for a TCP stream whose client connection may be TLS (`ssl`,
 * ssl.h; NULL = plain): the ssl_* fetches see it. */
struct ssl_sock;
bool acl_cond_eval_tls(const struct acl_cond *c, const struct sockaddr *src,
		       const struct sockaddr *dst, const struct ssl_sock *ssl);
/* The same with HTTP criteria (sample.h fetches) evaluated on `txn`;
 * src/dst come from txn->src/dst. */
struct http_txn;
bool acl_cond_eval_http(const struct acl_cond *c, struct http_txn *txn);
void acl_cond_free(struct acl_cond *c);
/* The first HTTP fetch a condition uses ("path"), or NULL; *aclname gets
 * the ACL's name (NULL for an anonymous one). */
const char *acl_cond_http_keyword(const struct acl_cond *c, const char **aclname);

/* Free a proxy's ACL list. */
void acl_list_free(struct acl *list);

#endif
