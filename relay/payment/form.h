/* form.h - application/x-www-form-urlencoded as the payment adapter
 * writes (the signed request) and reads (the notification) it. */
#ifndef PAYMENT_FORM_H
#define PAYMENT_FORM_H
#include <stdbool.h>
#include <stddef.h>

/* Appends "key=value" (value percent-encoded: every byte but A-Z a-z 0-9
 * - . _ ~ as %XX, upper-case hex) to out at *used, with a leading '&'
 * unless *used is 0. false when it does not fit (out stays terminated). */
bool form_put(char *out, size_t len, size_t *used, const char *key, const char *value);

/* Calls fn for every pair of body (len bytes, not terminated), each key
 * and value percent-decoded ('+' is a space) into buffers of max bytes;
 * false on a pair without '=', a bad %XX, a NUL or other control byte
 * after decoding, a key or value over max, or when fn says false. */
bool form_each(const char *body, size_t len, size_t max,
	       bool (*fn)(void *ctx, const char *key, const char *value), void *ctx);
#endif
