/* check.c - a notice against the stored payment (provider.h). */
#include "provider.h"
#include <string.h>

const char *pay_refusal_name(enum pay_refusal r)
{
	static const char *const names[] = { "ok", "malformed", "bad_signature",
		"unknown_reference", "wrong_merchant", "wrong_amount", "wrong_currency" };
	return (size_t)r < sizeof names / sizeof *names ? names[r] : "unknown";
}

enum pay_refusal pay_notice_check(const struct pay_provider *p, const struct pay_account *acc,
				  const struct pay_notice *n, const char *stored_currency,
				  long long stored_amount, bool stored)
{
	/* the signature first: an unsigned notice learns nothing, not even
	 * whether a reference exists */
	if (!acc || !p->notice_signed(acc, n))
		return PAY_BAD_SIGNATURE;
	if (!stored)
		return PAY_UNKNOWN_REFERENCE;
	if (strcmp(n->merchant, acc->merchant) != 0)
		return PAY_WRONG_MERCHANT;
	if (n->amount != stored_amount)
		return PAY_WRONG_AMOUNT;
	if (strcmp(n->currency, stored_currency) != 0)
		return PAY_WRONG_CURRENCY;
	return PAY_OK;
}
