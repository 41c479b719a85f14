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

/* A submission's private link, as store_new_ids makes it since 2026-12:
 * TOKEN_ORDER_CHARS characters of the millisecond it was made, in an
 * alphabet whose ASCII order is its numeric order, then 24 random base64url
 * characters (144 bits, the secret). Links made before have the 24 random
 * characters alone, and keep working.
 *
 * Why the time: the unique index of submissions.token_hash took a random
 * key per post, so each post of a batch dirtied a leaf page of its own,
 * written whole to the WAL and checkpointed (bench/HISTORY.md, issue 13
 * point 6). Keyed by token_key below, posts land at the index's end, a
 * batch in one or two pages. The time is not a secret: it is the moment
 * of sending, which whoever holds the link knows anyway. */
#define TOKEN_ORDER_CHARS 7         /* 42 bits of ms since 1970: to 2109 */
#define TOKEN_RANDOM_CHARS 24
#define TOKEN_CHARS (TOKEN_ORDER_CHARS + TOKEN_RANDOM_CHARS)
#define TOKEN_KEY_MAX (TOKEN_ORDER_CHARS + TOKEN_HASH_LEN)

/* The first TOKEN_ORDER_CHARS characters of a token made at ms (no NUL). */
void token_order_prefix(long long ms, char out[TOKEN_ORDER_CHARS]);
/* A new submission's token from r's random bytes, made now. */
void token_make(const unsigned char r[TOKEN_RANDOM_CHARS], char out[TOKEN_CHARS + 1]);
/* The same from fresh random bytes (a token of the same shape that no
 * submission has: the honeypot's answer, --no-store's). */
void token_make_random(char out[TOKEN_CHARS + 1]);
/* The key a submission's token is stored and looked up by: for a token of
 * TOKEN_CHARS characters its time prefix, then the SHA-256 of the whole
 * token; for any other (the older links of 24) the SHA-256 alone. Returns
 * the key's length. The prefix an index search compares first is the
 * time, which the searcher gave; the secret part is compared as a hash
 * (see above), so the search's timing still says nothing of the secret. */
size_t token_key(const char *token, unsigned char out[TOKEN_KEY_MAX]);
/* Whether tok has the shape of a submission's token, old or new. */
bool token_shape_submission(const char *tok);

/* SHA-256 of the token's bytes. */
void token_hash(const char *token, unsigned char out[TOKEN_HASH_LEN]);
/* Same as SHA-256 over n bytes (for the SQLite migration's SQL function). */
void token_hash_n(const void *data, size_t n, unsigned char out[TOKEN_HASH_LEN]);
/* Whether a and b are the same token, in time that depends only on the
 * lengths (which are public: every token of a kind has the same). */
bool token_equal(const char *a, const char *b);
#endif
