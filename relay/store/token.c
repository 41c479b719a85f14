/* token.c - see token.h. */
#include "token.h"
#include <sodium.h>
#include <string.h>
#include <time.h>
#include "util/random.h"

void token_hash_n(const void *data, size_t n, unsigned char out[TOKEN_HASH_LEN])
{
	crypto_hash_sha256(out, data, n);
}

void token_hash(const char *token, unsigned char out[TOKEN_HASH_LEN])
{
	token_hash_n(token, strlen(token), out);
}

/* The base64url characters in ASCII order: '-' < digits < upper < '_' < lower */
static const char order_alphabet[] =
	"-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";

void token_order_prefix(long long ms, char out[TOKEN_ORDER_CHARS])
{
	unsigned long long v = ms > 0 ? (unsigned long long)ms : 0;
	for (int i = TOKEN_ORDER_CHARS - 1; i >= 0; i--) {
		out[i] = order_alphabet[v & 63];
		v >>= 6;
	}
}

void token_make(const unsigned char r[TOKEN_RANDOM_CHARS], char out[TOKEN_CHARS + 1])
{
	struct timespec now;
	if (clock_gettime(CLOCK_REALTIME, &now) != 0) {
		now.tv_sec = time(NULL);    /* the order is what counts, not the ms */
		now.tv_nsec = 0;
	}
	token_order_prefix((long long)now.tv_sec * 1000 + now.tv_nsec / 1000000, out);
	random_token_of(r, TOKEN_RANDOM_CHARS, out + TOKEN_ORDER_CHARS);
}

void token_make_random(char out[TOKEN_CHARS + 1])
{
	unsigned char r[TOKEN_RANDOM_CHARS];
	random_bytes(r, sizeof r);
	token_make(r, out);
}

size_t token_key(const char *token, unsigned char out[TOKEN_KEY_MAX])
{
	size_t n = strlen(token);
	if (n != TOKEN_CHARS) {
		token_hash_n(token, n, out);
		return TOKEN_HASH_LEN;
	}
	memcpy(out, token, TOKEN_ORDER_CHARS);
	token_hash_n(token, n, out + TOKEN_ORDER_CHARS);
	return TOKEN_KEY_MAX;
}

bool token_shape_submission(const char *tok)
{
	return random_token_shape(tok, TOKEN_CHARS) ||
	       random_token_shape(tok, TOKEN_RANDOM_CHARS);
}

bool token_equal(const char *a, const char *b)
{
	size_t n = strlen(a);
	if (n != strlen(b))
		return false;
	return sodium_memcmp(a, b, n) == 0;
}
