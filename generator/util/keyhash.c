/* keyhash.c - see keyhash.h */
#include "keyhash.h"
#include <sodium.h>

_Static_assert(KEYHASH_KEY_BYTES == crypto_shorthash_KEYBYTES, "SipHash-2-4's key");
_Static_assert(crypto_shorthash_BYTES == sizeof(uint64_t), "SipHash-2-4's output");

int keyhash_init(struct keyhash *h)
{
	/* sodium_init is idempotent and thread-safe */
	if (sodium_init() < 0)
		return -1;
	randombytes_buf(h->key, sizeof h->key);
	return 0;
}

uint64_t keyhash(const struct keyhash *h, const char *s, size_t n)
{
	unsigned char out[crypto_shorthash_BYTES];
	crypto_shorthash(out, (const unsigned char *)s, n, h->key);
	uint64_t v = 0;
	for (size_t i = 0; i < sizeof out; i++)
		v = v << 8 | out[i];
	return v;
}
