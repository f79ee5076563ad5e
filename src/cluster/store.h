/* store: files that survive a crash or power loss at any instant.
 *
 * A file is written to a temporary name, fsync'd, renamed over the old
 * one, and the directory fsync'd. Its content ends in a trailer line with
 * the length and CRC-32 of what precedes it, so a torn or truncated file
 * is recognised on reading (and the caller falls back to an older one).
 */
#ifndef VIGIL_STORE_H
#define VIGIL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

uint32_t store_crc32(const void *data, size_t len);

#define STORE_DURABLE    0x1  /* fsync the file and its directory */
#define STORE_NO_TRAILER 0x2  /* plain content (files meant for other tools) */

/* Write atomically (and durably with STORE_DURABLE). 0, or -errno with a
 * message in err. */
int store_write(const char *path, const char *data, size_t len, int flags,
		char *err, size_t errlen);
/* Read and verify: the content without its trailer (from malloc(),
 * NUL-terminated), or NULL with a message in err: errno ENOENT when the
 * file is missing, EBADMSG when it is torn or altered. */
char *store_read(const char *path, size_t *len, char *err, size_t errlen);

/* mkdir -p, with `mode` for the missing parts. 0 or -errno. */
int store_mkdirs(const char *path, int mode);

#endif
