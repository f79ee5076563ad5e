/* md5: RFC 1321 message digest.
 *
 * Only for interoperability: Pacemaker fingerprints an operation's
 * parameters with MD5 (lrm_rsc_op's op-digest), and the scheduler compares
 * against those. Never for anything that needs collision resistance.
 */
#ifndef VIGIL_MD5_H
#define VIGIL_MD5_H

#include <stddef.h>
#include <stdint.h>

struct md5_ctx {
	uint32_t state[4];
	uint64_t nbytes;        /* message length so far */
	unsigned char buf[64];  /* a partial block */
};

void md5_init(struct md5_ctx *m);
void md5_update(struct md5_ctx *m, const void *data, size_t len);
void md5_final(struct md5_ctx *m, unsigned char out[16]);
/* The digest of data as 32 lower-case hex digits and a NUL. */
void md5_hex(const void *data, size_t len, char out[33]);

#endif
