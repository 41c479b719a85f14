/* words.c - a payment as the citizen's pages, the clerk's timeline and
 * the office mail say it (pay.h). */
#include "pay.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model/fee.h"

const struct pay_provider *pay_provider_of(const struct relay_config *cfg)
{
	(void)cfg;                  /* one adapter: payment.provider epay */
	return &pay_epay;
}

bool pay_account_of(const struct relay_config *cfg, const char *city,
		    struct pay_account *out)
{
	const struct pay_city *pc = config_pay_city(cfg, city);
	if (!pc)
		return false;
	*out = (struct pay_account){ cfg->payment.page_url, pc->merchant, pc->key };
	return true;
}

static const char *euros(struct arena *a, long long cents)
{
	char e[48];
	return fee_euros(cents, e, sizeof e) == 0 ? arena_strdup(a, e) : "?";
}

/* "bezahlt 2250" -> state and cents; false when it is not that shape. */
static bool split_detail(const char *detail, char state[16], long long *cents)
{
	const char *sp = strchr(detail, ' ');
	size_t n = sp ? (size_t)(sp - detail) : 0;
	if (!sp || n == 0 || n >= 16 || !sp[1] || strspn(sp + 1, "0123456789") != strlen(sp + 1) ||
	    strlen(sp + 1) > 15)
		return false;
	memcpy(state, detail, n);
	state[n] = '\0';
	*cents = strtoll(sp + 1, NULL, 10);
	return true;
}

bool pay_event_words(struct arena *a, const char *detail, bool clerk,
		     const char **title, const char **text)
{
	char state[16];
	long long cents;
	if (!split_detail(detail, state, &cents))
		return false;
	const char *amount = euros(a, cents);
	if (!strcmp(state, "ausstehend")) {
		*title = "Zahlung ausstehend";
		*text = clerk ? arena_printf(a, "Gebühr %s, online zu bezahlen", amount) :
			arena_printf(a, "Die Gebühr von %s ist online zu bezahlen.", amount);
	} else if (!strcmp(state, "bezahlt")) {
		*title = "Bezahlt";
		*text = clerk ? arena_printf(a, "%s, vom Zahlungsanbieter bestätigt", amount) :
			arena_printf(a, "Ihre Zahlung von %s ist bestätigt.", amount);
	} else if (!strcmp(state, "abgebrochen")) {
		*title = "Zahlung abgebrochen";
		*text = clerk ? arena_printf(a, "%s nicht bezahlt", amount) :
			arena_printf(a, "Die Zahlung von %s wurde abgebrochen. Sie können "
				     "erneut bezahlen.", amount);
	} else {
		return false;
	}
	return true;
}

const char *pay_state_line(struct store *s, struct arena *a, long long submission_id)
{
	struct store_payment p;
	if (store_payment_get(s, NULL, submission_id, &p) != 0)
		return NULL;
	return arena_printf(a, "%s, %s", p.state, euros(a, p.amount_cents));
}

int pay_section(struct store *s, struct arena *a, const struct relay_config *cfg,
		long long submission_id, const char *token, const char *csrf,
		struct app_payment *out)
{
	struct store_payment p;
	int rc = store_payment_get(s, NULL, submission_id, &p);
	if (rc != 0)
		return rc == 1 ? 0 : -1;
	*out = (struct app_payment){ .amount = euros(a, p.amount_cents), .csrf = csrf };
	const char *action = arena_printf(a, "%s/antrag/%s/bezahlen", cfg->public_url, token);
	bool held = !strcmp(p.deliver, "after_payment");
	if (!strcmp(p.state, "bezahlt")) {
		out->title = "Bezahlt";
		out->text = "Vielen Dank: Ihre Zahlung ist bestätigt.";
	} else if (!strcmp(p.state, "abgebrochen")) {
		out->title = "Zahlung abgebrochen";
		out->text = held ? "Die Zahlung wurde abgebrochen. Ihr Antrag geht an die "
				   "zuständige Stelle, sobald die Gebühr bezahlt ist." :
			"Die Zahlung wurde abgebrochen. Bitte bezahlen Sie die Gebühr, "
			"damit die zuständige Stelle Ihren Antrag bearbeiten kann.";
		out->action = action;
		out->button = "Erneut bezahlen";
	} else {
		out->title = "Zahlung ausstehend";
		out->text = held ? "Ihr Antrag geht an die zuständige Stelle, sobald die "
				   "Gebühr bezahlt ist. Sie bezahlen auf der Seite unseres "
				   "Zahlungsanbieters und kommen danach hierher zurück." :
			"Ihr Antrag liegt der zuständigen Stelle vor; sie bearbeitet ihn, "
			"sobald die Gebühr bezahlt ist. Sie bezahlen auf der Seite unseres "
			"Zahlungsanbieters und kommen danach hierher zurück.";
		out->action = action;
		out->button = "Jetzt bezahlen";
	}
	return 1;
}
