/* digest.h - the hash of cache keys and of the working tree's file ids:
 * BLAKE2b (libsodium) cut to 160 bits, as 40 hex digits like a git object
 * id, so both fit where blob ids go (write/pathtab.h keeps 20 bytes).
 * libgit2's git_odb_hash (SHA-1 with collision detection) was a fifth of
 * a one-edit rebuild's instructions; this is several times faster and
 * still a cryptographic hash, so two different inputs never share a key
 * in practice. Only ids of one kind are ever compared: a blob id of a
 * commit (git/git_source.c) never meets a digest of a file. */
#ifndef DIGEST_H
#define DIGEST_H
#include <stdbool.h>
#include <stddef.h>
#include <sodium.h>

#define DIGEST_HEX 41   /* 40 hex digits and a NUL */

/* Are the DIGEST_HEX - 1 bytes at p lower-case hex digits, the shape of a
 * digest and of a git object id? (p need not end in a NUL.) */
bool digest_is_hex(const void *p);

/* The digest of len bytes at data, as hex into out. */
void digest_hex(const void *data, size_t len, char out[DIGEST_HEX]);

/* The same digest of bytes that come in pieces: init, update with each
 * piece, then final. */
struct digest {
	crypto_generichash_state st;
};
void digest_init(struct digest *d);
void digest_update(struct digest *d, const void *data, size_t len);
void digest_final(struct digest *d, char out[DIGEST_HEX]);
#endif
