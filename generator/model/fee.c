/* fee.c - the fee computation shared by sitegen and relayd (fee.h). */
#include "fee.h"
#include <stdio.h>
#include <string.h>

/* A count answer: digits only, 1 to FEE_MAX_COPIES; -1 otherwise. No
 * strtol: a sign, blanks or "2.0" are not what the form accepts. */
static long long copies(const char *s)
{
	if (!s || !*s || strlen(s) > 2)
		return -1;
	long long n = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		n = n * 10 + (*p - '0');
	}
	return n >= 1 && n <= FEE_MAX_COPIES ? n : -1;
}

long long fee_amount(const struct fee *f, fee_answer_fn get, void *ctx)
{
	if (f->free_field && f->free_is) {
		const char *v = get(ctx, f->free_field);
		if (v && strcmp(v, f->free_is) == 0)
			return 0;
	}
	if (!f->per)
		return f->amount;
	long long n = copies(get(ctx, f->per));
	if (n < 0)
		return -1;
	return f->amount + (n - 1) * f->further;
}

int fee_euros(long long cents, char *buf, size_t len)
{
	if (cents < 0)
		cents = 0;
	/* thousands are rare in fees; the dot keeps "1.250,00 €" German */
	long long e = cents / 100, c = cents % 100;
	int w = e >= 1000
		? snprintf(buf, len, "%lld.%03lld,%02lld \u20ac", e / 1000, e % 1000, c)
		: snprintf(buf, len, "%lld,%02lld \u20ac", e, c);
	return w < 0 || (size_t)w >= len ? -1 : 0;
}

int fee_describe(const struct fee *f, char *buf, size_t len)
{
	char a[32], b[32];
	if (fee_euros(f->amount, a, sizeof a) < 0 || fee_euros(f->further, b, sizeof b) < 0)
		return -1;
	int w = f->per
		? snprintf(buf, len, "%s je %s, %s %s", a, f->unit, f->further_label, b)
		: snprintf(buf, len, "%s", a);
	return w < 0 || (size_t)w >= len ? -1 : 0;
}

const char *fee_deliver_name(enum fee_deliver d)
{
	return d == FEE_IMMEDIATELY ? "immediately" : "after_payment";
}

bool fee_deliver_parse(const char *s, enum fee_deliver *out)
{
	if (strcmp(s, "after_payment") == 0)
		*out = FEE_AFTER_PAYMENT;
	else if (strcmp(s, "immediately") == 0)
		*out = FEE_IMMEDIATELY;
	else
		return false;
	return true;
}
