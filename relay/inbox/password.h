/* password.h - the clerks' passwords. Hashed with libsodium's
 * crypto_pwhash_str (argon2id at its INTERACTIVE limits: 64 MiB and a
 * fraction of a second per hash, the salt and the parameters inside the
 * string), checked with crypto_pwhash_str_verify. A maintained, audited
 * library instead of hand-written crypto.
 *
 * relayctl hashes (the password never leaves relayctl: relayd gets the
 * hash); relayd verifies, one verification at a time, so that a burst of
 * logins needs 64 MiB, not 64 MiB each (relayd's unit has MemoryMax=128M). */
#ifndef PASSWORD_H
#define PASSWORD_H
#include <stdbool.h>
#include <stddef.h>

#define PASSWORD_MIN_CHARS 12       /* characters, not bytes */
#define PASSWORD_MAX_BYTES 1024
#define PASSWORD_HASH_MAX 128       /* crypto_pwhash_STRBYTES */

/* NULL when pw may be a clerk's password, else why not (English, for
 * relayctl): too short, too long, invalid UTF-8, a control character. */
const char *password_refused(const char *pw);
/* crypto_pwhash_str of pw into out. 0 ok, -1 (out of memory). */
int password_hash(const char *pw, char out[PASSWORD_HASH_MAX]);
/* Whether pw matches hash (crypto_pwhash_str_verify). hash NULL or empty
 * (an unknown user): a verification against a hash of no one's password
 * all the same, so that the answer takes as long and says nothing about
 * which user names exist. */
bool password_verify(const char *hash, const char *pw);
#endif
