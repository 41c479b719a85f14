/* random.h - the one source of unpredictable bytes (private links' tokens,
 * session ids, CSRF tokens): the kernel's CSPRNG through getrandom(2). When the
 * kernel gives none the process says why and exits: a predictable token
 * would let anyone read someone else's confirmation, so there is no
 * fallback and no error to forget to check. */
#ifndef RANDOM_H
#define RANDOM_H
#include <stdbool.h>
#include <stddef.h>

/* n random bytes into p; blocks until the kernel's pool is seeded. */
void random_bytes(void *p, size_t n);
/* n random base64url characters (A-Z a-z 0-9 - _, 6 bits each) and a NUL
 * into out, which holds n + 1. */
void random_token(char *out, size_t n);
/* The same token from n random bytes the caller drew: one character of
 * each byte, and a NUL; out holds n + 1. */
void random_token_of(const unsigned char *r, size_t n, char *out);
/* Whether s has the shape of such a token: n characters, each base64url
 * (a token, cookie or link from outside, checked before it is used). */
bool random_token_shape(const char *s, size_t n);
#endif
