/* random.c - see random.h */
#include "random.h"
#include "arena.h"
#include <errno.h>
#include <string.h>
#include <sys/random.h>

void random_bytes(void *p, size_t n)
{
	unsigned char *b = p;
	while (n > 0) {
		/* at most 256 bytes a call: never a short read but for EINTR */
		ssize_t r = getrandom(b, n < 256 ? n : 256, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			die("getrandom: %s: no entropy, refusing to continue",
			    r < 0 ? strerror(errno) : "no bytes");
		b += r;
		n -= (size_t)r;
	}
}

static const char b64url[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void random_token_of(const unsigned char *r, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = b64url[r[i] & 63];     /* 256 = 4 * 64: no bias */
	out[n] = '\0';
}

bool random_token_shape(const char *s, size_t n)
{
	return strlen(s) == n && strspn(s, b64url) == n;
}

void random_token(char *out, size_t n)
{
	unsigned char r[64];
	size_t done = 0;
	while (done < n) {
		size_t k = n - done < sizeof r ? n - done : sizeof r;
		random_bytes(r, k);
		random_token_of(r, k, out + done);
		done += k;
	}
	out[n] = '\0';
}
