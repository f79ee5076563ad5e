/* stick: stick tables and `stick on|match|store-request` persistence.
 *
 * A stick table maps a key taken from the connection (the client's
 * address with `src`, the address it connected to with `dst`) to the
 * server that served it, so later connections with the same key go to the
 * same server. Galera setups use `stick on dst` so that every client
 * writes to one node, and move to another only when that node is down.
 *
 * Entries expire `expire` after their last use; a full table evicts its
 * least recently used entry (or stores nothing with `nopurge`). Counters
 * stored with `store ...` are not kept yet: the parser says so.
 */
#ifndef VIGIL_STICK_H
#define VIGIL_STICK_H

#include "proxy/proxy.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct acl_cond;

enum stick_key_type { STK_IP, STK_IPV6, STK_INTEGER, STK_STRING };
enum stick_fetch { STK_FETCH_SRC, STK_FETCH_DST };
enum stick_kind { STK_ON, STK_MATCH, STK_STORE };

#define STICK_KEY_MAX 64

struct stick_entry;

struct stick_table {
	enum stick_key_type type;
	size_t key_len;               /* bytes compared: 4, 16, 4 or `len` */
	int size;                     /* maximum entries */
	uint32_t expire_ms;           /* 0 = never */
	bool nopurge;
	pthread_mutex_t lock;
	struct stick_entry **buckets; /* from malloc() */
	int nbuckets;
	struct stick_entry *lru_head, *lru_tail; /* most recent first */
	int count;
};

struct stick_rule {
	enum stick_kind kind;
	enum stick_fetch fetch;
	char *table_name;             /* `table NAME`, or NULL for the backend's own */
	struct stick_table *table;    /* resolved after parsing */
	struct acl_cond *cond;        /* NULL = always */
};

/* `stick-table type ... size ... [expire T] [nopurge] [peers P] [store ...]`:
 * args[0] is "stick-table". Returns a table, or NULL with a message;
 * *warn gets a warning text (empty when none). */
struct stick_table *stick_table_parse(char **args, int argc, char *err, size_t errlen,
				      char *warn, size_t warnlen);
void stick_table_free(struct stick_table *t);

/* `stick on|match|store-request PATTERN [table NAME] [if|unless COND]`:
 * fills *rule. 0 or -EINVAL with a message. */
int stick_rule_parse(struct proxy *px, char **args, int argc, struct stick_rule *rule,
		     char *err, size_t errlen);
void stick_rule_release(struct stick_rule *r);

/* The server the stick rules of `be` assign to this connection, if any
 * and if it may take it (not in maintenance, not down: a drained server
 * still takes its persistent clients, as in HAProxy). Backend lock held. */
struct server *stick_lookup(struct proxy *be, const struct sockaddr *src, const struct sockaddr *dst,
			    uint64_t now_ms);
/* Remember that this connection went to `srv`. Backend lock not needed. */
void stick_store(struct proxy *be, const struct sockaddr *src, const struct sockaddr *dst,
		 const struct server *srv, uint64_t now_ms);

/* For tests: entries currently in the table. */
int stick_table_count(struct stick_table *t);

#endif
