/* provider.h - the payment provider seam (issue 12, payment). relayd asks
 * a provider for three things: the signed address that sends the citizen
 * to the provider's payment page, the parse of the provider's
 * server-to-server notification, and the check of that notification's
 * signature. One adapter exists: epay.c, in the style of the platforms
 * German municipalities use (ePayBL, pmPayment): HMAC-SHA256 over a
 * documented list of fields, a per-city merchant id and key.
 *
 * Nothing here trusts the browser: the amount in a request is what relayd
 * computed from the stored answers (model/fee.h), and a notice is taken
 * only when its signature, merchant, amount and currency match the
 * payment relayd stored (pay_notice_check). */
#ifndef PAYMENT_PROVIDER_H
#define PAYMENT_PROVIDER_H
#include <stdbool.h>
#include <stddef.h>

#define PAY_FIELD_MAX  512          /* bytes of one field's value */
#define PAY_NOTICE_MAX 4096         /* bytes of a notification body */
#define PAY_MAC_HEX    64           /* HMAC-SHA256 in lower-case hex */

/* One city's account with the provider (relay.yml). */
struct pay_account {
	const char *page_url;       /* the provider's payment page, https */
	const char *merchant;       /* the city's merchant id */
	const char *key;            /* the shared HMAC key; never logged */
};

/* What relayd sends the citizen to pay. */
struct pay_request {
	const char *reference;      /* payments.reference, unique */
	long long amount;           /* cents, from the stored answers */
	const char *currency;       /* "EUR" */
	const char *description;    /* "Geburtsurkunde beantragen DOR-2026-..." */
	const char *return_url;     /* GET /zahlung/rueckkehr */
	const char *notify_url;     /* POST /zahlung/benachrichtigung */
	long long timestamp;        /* unix seconds */
};

enum pay_state { PAY_PENDING, PAY_PAID, PAY_CANCELLED };

/* The provider's notification, as parsed (the strings point into the
 * struct's own storage). */
struct pay_notice {
	char merchant[PAY_FIELD_MAX], reference[PAY_FIELD_MAX];
	char currency[8], txn[PAY_FIELD_MAX], mac[PAY_MAC_HEX + 1];
	long long amount, timestamp;
	enum pay_state state;       /* PAY_PAID or PAY_CANCELLED */
};

/* Why a notice is refused: one word for the log line, each a 4xx. */
enum pay_refusal {
	PAY_OK, PAY_MALFORMED, PAY_BAD_SIGNATURE, PAY_UNKNOWN_REFERENCE,
	PAY_WRONG_MERCHANT, PAY_WRONG_AMOUNT, PAY_WRONG_CURRENCY
};
const char *pay_refusal_name(enum pay_refusal r);

struct pay_provider {
	const char *name;           /* "epay" */
	/* The address of the payment page with the signed request in its
	 * query: 0, or -1 when out is too small or a field is too long. */
	int (*redirect_url)(const struct pay_account *acc, const struct pay_request *rq,
			    char *out, size_t len);
	/* Parses a notification body; PAY_OK or PAY_MALFORMED. */
	enum pay_refusal (*parse_notice)(const char *body, size_t len, struct pay_notice *out);
	/* The notice's signature with this account's key. */
	bool (*notice_signed)(const struct pay_account *acc, const struct pay_notice *n);
};

extern const struct pay_provider pay_epay;

/* The whole check of a parsed notice against the payment relayd stored
 * (found by n->reference; stored NULL: none): signature, merchant,
 * amount, currency, in that order. */
enum pay_refusal pay_notice_check(const struct pay_provider *p, const struct pay_account *acc,
				  const struct pay_notice *n, const char *stored_currency,
				  long long stored_amount, bool stored);
#endif
