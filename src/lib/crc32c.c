/* crc32c: see crc32c.h. */
#include "lib/crc32c.h"

/* Bit by bit, without a table: the headers it checks are a few hundred
 * bytes at most, once per connection. */
uint32_t crc32c(const uint8_t *p, size_t n, size_t zero_at)
{
	uint32_t crc = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		uint8_t b = zero_at != CRC32C_NO_SKIP && i >= zero_at && i - zero_at < 4 ? 0 : p[i];

		crc ^= b;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1)));
	}
	return ~crc;
}
