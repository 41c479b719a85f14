/* digest.c - see digest.h */
#include "digest.h"
#include <sodium.h>
#include "arena.h"

#define DIGEST_BYTES 20

void digest_hex(const void *data, size_t len, char out[DIGEST_HEX])
{
	unsigned char h[DIGEST_BYTES];
	/* sodium_init() picks the fastest implementation for this CPU; it
	 * is cheap after the first call and safe from several threads. */
	if (sodium_init() < 0 ||
	    crypto_generichash(h, sizeof h, data, len, NULL, 0) != 0)
		die("cannot compute a digest (libsodium)");
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < sizeof h; i++) {
		out[2 * i] = hex[h[i] >> 4];
		out[2 * i + 1] = hex[h[i] & 15];
	}
	out[2 * DIGEST_BYTES] = '\0';
}
