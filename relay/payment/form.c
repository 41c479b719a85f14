/* form.c - percent-encoding both ways for the payment adapter (form.h). */
#include "form.h"
#include <stdlib.h>
#include <string.h>

static bool unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

static bool put_byte(char *out, size_t len, size_t *used, char c)
{
	if (*used + 1 >= len)
		return false;
	out[(*used)++] = c;
	out[*used] = 0;
	return true;
}

bool form_put(char *out, size_t len, size_t *used, const char *key, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";
	if (len == 0)
		return false;
	bool ok = *used == 0 || put_byte(out, len, used, '&');
	for (const char *k = key; ok && *k; k++)
		ok = put_byte(out, len, used, *k);
	ok = ok && put_byte(out, len, used, '=');
	for (const unsigned char *v = (const unsigned char *)value; ok && *v; v++)
		ok = unreserved(*v) ? put_byte(out, len, used, (char)*v)
		     : put_byte(out, len, used, '%') && put_byte(out, len, used, hex[*v >> 4]) &&
		       put_byte(out, len, used, hex[*v & 15]);
	return ok;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
	     : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decodes s[0..n) into out (max bytes with the NUL). */
static bool decode(const char *s, size_t n, char *out, size_t max)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			if (i + 2 >= n)
				return false;
			int a = hexval(s[i + 1]), b = hexval(s[i + 2]);
			if (a < 0 || b < 0)
				return false;
			c = a * 16 + b;
			i += 2;
		}
		if (c < 0x20 || c == 0x7F || o + 1 >= max)
			return false;
		out[o++] = (char)c;
	}
	out[o] = 0;
	return true;
}

bool form_each(const char *body, size_t len, size_t max,
	       bool (*fn)(void *ctx, const char *key, const char *value), void *ctx)
{
	char *k = malloc(max), *v = malloc(max);
	bool ok = k && v;
	for (size_t i = 0; ok && i < len;) {
		const char *amp = memchr(body + i, '&', len - i);
		size_t end = amp ? (size_t)(amp - body) : len;
		const char *eq = memchr(body + i, '=', end - i);
		ok = eq && decode(body + i, (size_t)(eq - body) - i, k, max) &&
		     decode(eq + 1, end - (size_t)(eq + 1 - body), v, max) && fn(ctx, k, v);
		i = end + 1;
	}
	free(k);
	free(v);
	return ok;
}
