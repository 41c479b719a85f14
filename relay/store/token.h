/* token.h - looking up a private link's token without a timing side channel.
 *
 * A database index compares the searched key byte by byte, so the time of a
 * lookup by the token itself would tell an attacker how many leading
 * characters of a guess are right. The backends therefore look a token up by
 * its SHA-256 (submissions.token_hash, schema version 3): the timing of that
 * search says something about the hash of the guess, which does not help to
 * find a token. The row found is then confirmed by comparing the tokens in
 * constant time. (libsodium: crypto_hash_sha256, sodium_memcmp.) */
#ifndef TOKEN_H
#define TOKEN_H
#include <stdbool.h>
#include <stddef.h>

#define TOKEN_HASH_LEN 32

/* SHA-256 of the token's bytes. */
void token_hash(const char *token, unsigned char out[TOKEN_HASH_LEN]);
/* Same as SHA-256 over n bytes (for the SQLite migration's SQL function). */
void token_hash_n(const void *data, size_t n, unsigned char out[TOKEN_HASH_LEN]);
/* Whether a and b are the same token, in time that depends only on the
 * lengths (which are public: every token has 24 characters). */
bool token_equal(const char *a, const char *b);
#endif
