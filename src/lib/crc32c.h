/* crc32c: CRC-32C (Castagnoli), the checksum of the PROXY protocol v2
 * header's PP2_TYPE_CRC32C TLV, which both the receiving side (proxy_hdr.c)
 * and the sending side (send_proxy.c) compute. */
#ifndef VIGIL_CRC32C_H
#define VIGIL_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* No field to skip (crc32c()'s zero_at). */
#define CRC32C_NO_SKIP SIZE_MAX

/* The CRC-32C of p[0..n), with the 4 bytes at zero_at counted as zeroes:
 * a header's checksum covers the header with its own field zeroed, and
 * the receiver checks it in place. */
uint32_t crc32c(const uint8_t *p, size_t n, size_t zero_at);

#endif
