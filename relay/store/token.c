/* token.c - see token.h. */
#include "token.h"
#include <sodium.h>
#include <string.h>

void token_hash_n(const void *data, size_t n, unsigned char out[TOKEN_HASH_LEN])
{
	crypto_hash_sha256(out, data, n);
}

void token_hash(const char *token, unsigned char out[TOKEN_HASH_LEN])
{
	token_hash_n(token, strlen(token), out);
}

bool token_equal(const char *a, const char *b)
{
	size_t n = strlen(a);
	if (n != strlen(b))
		return false;
	return sodium_memcmp(a, b, n) == 0;
}
