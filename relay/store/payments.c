/* payments.c - online payment as every backend keeps it (store.h,
 * schema version 7): arguments checked once here, the reference drawn
 * here so its format does not depend on the backend. */
#include "backend.h"
#include "util/random.h"
#include <stdio.h>
#include <string.h>

int store_payment_new(struct store *s, long long submission_id, long long amount_cents,
		      const char *deliver, long long now, struct store_payment *out)
{
	if (amount_cents < 0 || (strcmp(deliver, "after_payment") && strcmp(deliver, "immediately"))) {
		snprintf(s->err, sizeof s->err, "payment: bad amount or deliver");
		return -1;
	}
	char ref[STORE_PAY_REF_LEN + 1];
	random_token(ref, STORE_PAY_REF_LEN);
	int rc = s->ops->payment_new(s, submission_id, amount_cents, deliver, ref, now);
	if (rc != 0)
		return rc;
	return s->ops->payment_get(s, ref, 0, out) == 0 ? 0 : -1;
}

int store_payment_get(struct store *s, const char *reference, long long submission_id,
		      struct store_payment *out)
{
	memset(out, 0, sizeof *out);
	if (reference && strlen(reference) != STORE_PAY_REF_LEN)
		return 1;               /* not one of ours: no lookup needed */
	return s->ops->payment_get(s, reference, submission_id, out);
}

int store_payment_settle(struct store *s, const char *reference, bool paid,
			 const char *provider_txn, long long now, bool *changed)
{
	*changed = false;
	if (strlen(reference) != STORE_PAY_REF_LEN)
		return 1;
	if (strlen(provider_txn) >= STORE_PAY_TXN_MAX) {
		snprintf(s->err, sizeof s->err, "payment: provider_txn too long");
		return -1;
	}
	return s->ops->payment_settle(s, reference, paid ? "bezahlt" : "abgebrochen",
				      provider_txn, now, changed);
}
