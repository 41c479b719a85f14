/* digest.c - see digest.h */
#include "digest.h"
#include "arena.h"

#define DIGEST_BYTES 20

static void to_hex(const unsigned char h[DIGEST_BYTES], char out[DIGEST_HEX])
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < DIGEST_BYTES; i++) {
		out[2 * i] = hex[h[i] >> 4];
		out[2 * i + 1] = hex[h[i] & 15];
	}
	out[2 * DIGEST_BYTES] = '\0';
}

bool digest_is_hex(const void *p)
{
	const unsigned char *s = p;
	for (size_t i = 0; i < DIGEST_HEX - 1; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

void digest_hex(const void *data, size_t len, char out[DIGEST_HEX])
{
	unsigned char h[DIGEST_BYTES];
	/* sodium_init() picks the fastest implementation for this CPU; it
	 * is cheap after the first call and safe from several threads. */
	if (sodium_init() < 0 ||
	    crypto_generichash(h, sizeof h, data, len, NULL, 0) != 0)
		die("cannot compute a digest (libsodium)");
	to_hex(h, out);
}

void digest_init(struct digest *d)
{
	if (sodium_init() < 0 || crypto_generichash_init(&d->st, NULL, 0, DIGEST_BYTES) != 0)
		die("cannot compute a digest (libsodium)");
}

void digest_update(struct digest *d, const void *data, size_t len)
{
	if (crypto_generichash_update(&d->st, data, len) != 0)
		die("cannot compute a digest (libsodium)");
}

void digest_final(struct digest *d, char out[DIGEST_HEX])
{
	unsigned char h[DIGEST_BYTES];
	if (crypto_generichash_final(&d->st, h, sizeof h) != 0)
		die("cannot compute a digest (libsodium)");
	to_hex(h, out);
}
