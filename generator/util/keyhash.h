/* keyhash.h - a keyed hash for tables whose keys come from outside: a
 * client's address, a user name typed into a login form.
 *
 * A fixed-size table that reuses slots must not let anyone choose which
 * entry goes. With a public hash (FNV-1a, say) anyone can compute keys
 * that fall into one key's probe run and push it out: for a login
 * throttle, that resets the count of the very name under attack. With a
 * secret key per table, drawn at random when the table is made (SipHash-
 * 2-4, libsodium's crypto_shorthash), nobody outside can tell which keys
 * share a run. */
#ifndef KEYHASH_H
#define KEYHASH_H
#include <stddef.h>
#include <stdint.h>

#define KEYHASH_KEY_BYTES 16

struct keyhash {
	unsigned char key[KEYHASH_KEY_BYTES];
};

/* A fresh random key (libsodium's generator); -1 when libsodium cannot
 * be initialised. */
int keyhash_init(struct keyhash *h);
/* The hash of the n bytes at s under h's key. */
uint64_t keyhash(const struct keyhash *h, const char *s, size_t n);
#endif
