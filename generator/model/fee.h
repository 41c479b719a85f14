/* fee.h - a service's fee as data (catalogue key fee:, content/README.md)
 * and the one computation of it. The service page (sitegen) describes
 * the fee with fee_describe and the relay computes the amount to pay
 * from the STORED answers with fee_amount: both link this file, so the
 * page and the payment cannot disagree. Amounts are whole cents. */
#ifndef MODEL_FEE_H
#define MODEL_FEE_H
#include <stdbool.h>
#include <stddef.h>
#include "catalog.h"            /* struct srcpos */

/* What the office gets when: after_payment holds the office mail until
 * the provider confirms the payment; immediately mails at once and
 * names the payment state. */
enum fee_deliver { FEE_AFTER_PAYMENT, FEE_IMMEDIATELY };

/* Bounds the loader enforces, so the sums below cannot overflow. */
#define FEE_MAX_CENTS  10000000LL      /* 100.000 € per copy */
#define FEE_MAX_COPIES 99

struct fee {
	long long amount;           /* cents: the fee, or the first copy's */
	long long further;          /* cents for each further copy (per) */
	const char *per;            /* number field counting copies, or NULL */
	const char *unit;           /* with per: "Urkunde" */
	const char *further_label;  /* with per: "jede weitere" */
	const char *free_field;     /* exemption: this field ... */
	const char *free_is;        /* ... has this answer: 0 €; or NULL */
	enum fee_deliver deliver;
	const char *source;         /* the ordinance it is taken from, or "" */
	struct srcpos pos;
};

/* The answer to a field, or NULL when there is none. */
typedef const char *(*fee_answer_fn)(void *ctx, const char *field);

/* The amount in cents for these answers; -1 when the count field's answer
 * is not a whole number from 1 to FEE_MAX_COPIES (the form validates it,
 * so -1 means the stored answers are not what the catalogue says). */
long long fee_amount(const struct fee *f, fee_answer_fn get, void *ctx);

/* "22,50 €": 0 on success, -1 when buf is too small. */
int fee_euros(long long cents, char *buf, size_t len);

/* The rate in words: "15,00 €" or "15,00 € je Urkunde, jede weitere
 * 7,50 €". 0, or -1 when buf is too small. The exemption is the page's
 * own sentence (it names the answer's label). */
int fee_describe(const struct fee *f, char *buf, size_t len);

const char *fee_deliver_name(enum fee_deliver d);
/* "after_payment" / "immediately"; false for anything else. */
bool fee_deliver_parse(const char *s, enum fee_deliver *out);
#endif
