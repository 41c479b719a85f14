/* relay_payment - the payment adapter of relay/payment/ (provider.h):
 * the signed request and the notification, checked against MACs Python's
 * hmac module computed from the protocol as relay/README.md documents it
 * (so the C side and a provider written from the README agree), and every
 * refusal of pay_notice_check. */
#include "payment/provider.h"
#include "payment/amount.h"
#include "model/fee.h"
#include <stdio.h>
#include <string.h>
#include "tap.h"

static const struct pay_account ACC = { "https://pay.example/seite", "DOR-4711", "geheim" };

/* hmac.new(b"geheim", text, sha256) of the texts in the comments */
#define REQ_MAC "eb459ba29292806e81e083fecf71bc1ffb1be9b4c3cc3584d9f78c988c5cfbea"
#define NOTICE_SIGNED "merchant=DOR-4711&reference=Z-abc&amount=2250&currency=EUR" \
	"&state=paid&txn=T%201%2F2&timestamp=1764756100"
#define NOTICE_MAC "e20a9622c548d8ab8b9d0cb24560c0e8d9014353a4fe130aadddd86fb4024b76"

static enum pay_refusal parse(const char *body, struct pay_notice *n)
{
	return pay_epay.parse_notice(body, strlen(body), n);
}

static void request(void)
{
	struct pay_request rq = { "Z-abc", 2250, "EUR", "Geburtsurkunde beantragen DOR-2026-X1",
		"https://relay.example/zahlung/rueckkehr?ref=Z-abc",
		"https://relay.example/zahlung/benachrichtigung", 1764756000 };
	char url[2048];
	ok(pay_epay.redirect_url(&ACC, &rq, url, sizeof url) == 0 &&
	   strcmp(url, "https://pay.example/seite?merchant=DOR-4711&reference=Z-abc&amount=2250"
		  "&currency=EUR&description=Geburtsurkunde%20beantragen%20DOR-2026-X1"
		  "&return_url=https%3A%2F%2Frelay.example%2Fzahlung%2Frueckkehr%3Fref%3DZ-abc"
		  "&notify_url=https%3A%2F%2Frelay.example%2Fzahlung%2Fbenachrichtigung"
		  "&timestamp=1764756000&mac=" REQ_MAC) == 0,
	   "the request: the documented fields in order, percent-encoded, HMAC-SHA256 as Python's");
	ok(pay_epay.redirect_url(&ACC, &rq, url, 100) == -1, "a short buffer is refused, not cut");
}

static void notices(void)
{
	struct pay_notice n;
	ok(parse(NOTICE_SIGNED "&mac=" NOTICE_MAC, &n) == PAY_OK && n.amount == 2250 &&
	   n.state == PAY_PAID && strcmp(n.txn, "T 1/2") == 0 && strcmp(n.reference, "Z-abc") == 0,
	   "a notice parses (percent-decoded)");
	ok(pay_epay.notice_signed(&ACC, &n), "its signature is right with the city's key");
	struct pay_account other = ACC;
	other.key = "anders";
	ok(!pay_epay.notice_signed(&other, &n), "and wrong with another key");
	ok(pay_notice_check(&pay_epay, &ACC, &n, "EUR", 2250, true) == PAY_OK,
	   "the check takes it against the stored payment");
	ok(parse("x=1&" NOTICE_SIGNED "&mac=" NOTICE_MAC "&extra=y", &n) == PAY_OK &&
	   pay_epay.notice_signed(&ACC, &n), "unknown fields are ignored (not signed)");

	ok(pay_notice_check(&pay_epay, &ACC, &n, "EUR", 2249, true) == PAY_WRONG_AMOUNT,
	   "refused: another amount than the stored one");
	ok(pay_notice_check(&pay_epay, &ACC, &n, "USD", 2250, true) == PAY_WRONG_CURRENCY,
	   "refused: another currency");
	ok(pay_notice_check(&pay_epay, &ACC, &n, "EUR", 2250, false) == PAY_UNKNOWN_REFERENCE,
	   "refused: a reference relayd does not know");
	ok(pay_notice_check(&pay_epay, &other, &n, "EUR", 2250, true) == PAY_BAD_SIGNATURE &&
	   pay_notice_check(&pay_epay, NULL, &n, "EUR", 2250, true) == PAY_BAD_SIGNATURE,
	   "refused: a wrong signature (or no account for the city)");
	ok(parse("merchant=DOR-4711&reference=Z-abc&amount=2350&currency=EUR&state=paid"
		 "&txn=T%201%2F2&timestamp=1764756100&mac=" NOTICE_MAC, &n) == PAY_OK &&
	   pay_notice_check(&pay_epay, &ACC, &n, "EUR", 2350, true) == PAY_BAD_SIGNATURE,
	   "refused: an amount changed after signing breaks the signature");
	ok(parse("merchant=DOR-4712&reference=Z-abc&amount=2250&currency=EUR&state=paid"
		 "&txn=T%201%2F2&timestamp=1764756100&mac=" NOTICE_MAC, &n) == PAY_OK &&
	   !pay_epay.notice_signed(&ACC, &n), "so does another merchant");

	static const char *const bad[] = {
		"",
		NOTICE_SIGNED,                                  /* no mac */
		NOTICE_SIGNED "&mac=" NOTICE_MAC "&amount=1",   /* a field twice */
		NOTICE_SIGNED "&mac=E20A9622C548D8AB8B9D0CB24560C0E8D9014353A4FE130AADDDD86FB4024B76",
		NOTICE_SIGNED "&mac=" NOTICE_MAC "&x",          /* a pair without = */
		"merchant=D&reference=Z&amount=-1&currency=EUR&state=paid&txn=t&timestamp=1&mac=" NOTICE_MAC,
		"merchant=D&reference=Z&amount=1&currency=EUR&state=ok&txn=t&timestamp=1&mac=" NOTICE_MAC,
		"merchant=D&reference=Z%0A&amount=1&currency=EUR&state=paid&txn=t&timestamp=1&mac=" NOTICE_MAC,
		"merchant=D&reference=Z%4&amount=1&currency=EUR&state=paid&txn=t&timestamp=1&mac=" NOTICE_MAC,
		"merchant=D&reference=&amount=1&currency=EUR&state=paid&txn=t&timestamp=1&mac=" NOTICE_MAC,
		"merchant=D&reference=Z&amount=1&currency=EURO12345&state=paid&txn=t&timestamp=1&mac=" NOTICE_MAC,
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		ok(parse(bad[i], &n) == PAY_MALFORMED, "malformed notice %zu refused", i);
	char big[PAY_NOTICE_MAX + 64];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = 0;
	ok(parse(big, &n) == PAY_MALFORMED, "a body over PAY_NOTICE_MAX is refused");
	ok(strcmp(pay_refusal_name(PAY_WRONG_AMOUNT), "wrong_amount") == 0, "refusals have log names");
}

/* The amount from stored answers: the fixture's Geburtsurkunde fee. */
static void amount(void)
{
	struct fee f = { .amount = 1500, .further = 750, .per = "anzahl", .unit = "Urkunde",
			 .further_label = "jede weitere", .free_field = "zweck", .free_is = "rente" };
	struct city_service cs = { .fee = &f };
	struct sub_field fl[2] = { { "anzahl", "Anzahl der Urkunden", "2", "" },
				   { "zweck", "Verwendungszweck", "Ausweis", "ausweis" } };
	struct submission sub = { .fields = fl, .n_fields = 2 };
	ok(pay_amount(&cs, &sub) == 2250, "2 copies from the stored answers: 2250 cents");
	fl[1].option = "rente";
	ok(pay_amount(&cs, &sub) == 0, "the stored option value 'rente' makes it free");
	fl[1].option = "ausweis";
	fl[0].value = "0";
	ok(pay_amount(&cs, &sub) == -1, "a stored count of 0: -1 (no payment asked)");
	cs.fee = NULL;
	ok(pay_amount(&cs, &sub) == 0 && pay_amount(NULL, &sub) == 0, "no fee here: 0");
}

int main(void)
{
	amount();
	request();
	notices();
	return tap_exit();
}
