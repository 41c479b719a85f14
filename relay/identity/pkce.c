/* pkce.c - the code challenge of RFC 7636 (S256): the provider hands the
 * code out only to whoever can show the verifier behind the challenge. */
#include "identity_int.h"
#include <sodium.h>
#include <string.h>

char *pkce_challenge(struct arena *a, const char *verifier)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)verifier, strlen(verifier));
	size_t n = sodium_base64_ENCODED_LEN(sizeof h,
					     sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = arena_alloc(a, n);
	sodium_bin2base64(out, n, h, sizeof h, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}
