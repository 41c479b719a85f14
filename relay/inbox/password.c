/* password.c - see password.h. */
#include "password.h"
#include <pthread.h>
#include <sodium.h>
#include <string.h>
#include "util/utf8.h"

_Static_assert(PASSWORD_HASH_MAX == crypto_pwhash_STRBYTES,
	       "PASSWORD_HASH_MAX must be libsodium's crypto_pwhash_STRBYTES");

const char *password_refused(const char *pw)
{
	size_t len = strlen(pw);
	if (len > PASSWORD_MAX_BYTES)
		return "the password is longer than 1024 bytes";
	if (!utf8_valid(pw, len))
		return "the password is not valid UTF-8";
	for (const char *p = pw; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7F)
			return "the password contains a control character";
	if (utf8_chars(pw, len) < PASSWORD_MIN_CHARS)
		return "the password must have at least 12 characters";
	return NULL;
}

int password_hash(const char *pw, char out[PASSWORD_HASH_MAX])
{
	if (sodium_init() < 0)
		return -1;
	return crypto_pwhash_str(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
				 crypto_pwhash_MEMLIMIT_INTERACTIVE);
}

/* The stand-in for unknown users, made once. */
static char nobody_hash[PASSWORD_HASH_MAX];
static bool nobody_ok;
static void make_nobody(void)
{
	unsigned char r[32];
	char pw[sizeof r * 2 + 1];
	if (sodium_init() < 0)
		return;
	randombytes_buf(r, sizeof r);
	sodium_bin2hex(pw, sizeof pw, r, sizeof r);
	nobody_ok = password_hash(pw, nobody_hash) == 0;
}

static pthread_mutex_t one_at_a_time = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t nobody_once = PTHREAD_ONCE_INIT;

bool password_verify(const char *hash, const char *pw)
{
	bool known = hash && *hash;
	pthread_once(&nobody_once, make_nobody);
	const char *h = known ? hash : nobody_ok ? nobody_hash : NULL;
	if (!h)
		return false;
	pthread_mutex_lock(&one_at_a_time);
	bool match = crypto_pwhash_str_verify(h, pw, strlen(pw)) == 0;
	pthread_mutex_unlock(&one_at_a_time);
	return known && match;
}
