/* epay.c - the payment adapter in the style of ePayBL/pmPayment
 * (provider.h). The protocol, as relay/README.md documents it for the
 * provider's side:
 *
 *   request  GET <page_url>?merchant=..&reference=..&amount=<cents>
 *            &currency=EUR&description=..&return_url=..&notify_url=..
 *            &timestamp=<unix>&mac=<hex>
 *   notice   POST <notify_url>, application/x-www-form-urlencoded:
 *            merchant, reference, amount, currency, state (paid |
 *            cancelled), txn, timestamp, mac
 *
 * mac is HMAC-SHA256 with the city's key over the fields before it, in
 * exactly that order, written as above ("key=value" joined by '&', each
 * value percent-encoded with only A-Z a-z 0-9 - . _ ~ left as they are,
 * upper-case hex), in lower-case hex. Unknown fields of a notice are
 * ignored (they are not signed); a known field twice is malformed. */
#include "provider.h"
#include "form.h"
#include <sodium.h>
#include <stdio.h>
#include <string.h>

static bool mac_hex(const char *key, const char *text, char out[PAY_MAC_HEX + 1])
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	bool ok = crypto_auth_hmacsha256_init(&st, (const unsigned char *)key, strlen(key)) == 0 &&
		  crypto_auth_hmacsha256_update(&st, (const unsigned char *)text, strlen(text)) == 0 &&
		  crypto_auth_hmacsha256_final(&st, mac) == 0;
	sodium_bin2hex(out, PAY_MAC_HEX + 1, mac, sizeof mac);
	sodium_memzero(&st, sizeof st);
	return ok;
}

/* The two numbers of the signed text; a long long always fits 24 bytes. */
static bool numbers(long long a, long long b, char x[24], char y[24])
{
	int w1 = snprintf(x, 24, "%lld", a), w2 = snprintf(y, 24, "%lld", b);
	return w1 > 0 && w1 < 24 && w2 > 0 && w2 < 24;
}

static int epay_redirect_url(const struct pay_account *acc, const struct pay_request *rq,
			     char *out, size_t len)
{
	char signed_part[6 * PAY_FIELD_MAX], amount[24], ts[24], mac[PAY_MAC_HEX + 1];
	size_t n = 0;
	if (!numbers(rq->amount, rq->timestamp, amount, ts))
		return -1;
	const char *fields[][2] = { { "merchant", acc->merchant }, { "reference", rq->reference },
		{ "amount", amount }, { "currency", rq->currency },
		{ "description", rq->description }, { "return_url", rq->return_url },
		{ "notify_url", rq->notify_url }, { "timestamp", ts } };
	signed_part[0] = 0;
	for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
		if (!form_put(signed_part, sizeof signed_part, &n, fields[i][0], fields[i][1]))
			return -1;
	if (!mac_hex(acc->key, signed_part, mac))
		return -1;
	int w = snprintf(out, len, "%s%c%s&mac=%s", acc->page_url,
			 strchr(acc->page_url, '?') ? '&' : '?', signed_part, mac);
	return w < 0 || (size_t)w >= len ? -1 : 0;
}

/* The fields of a notice seen so far, to refuse one twice. */
struct parse {
	struct pay_notice *n;
	unsigned seen;
	char state[16], amount[24], timestamp[24];
};

static bool copy(char *dst, size_t max, const char *v)
{
	size_t l = strlen(v);
	if (l >= max)
		return false;
	memcpy(dst, v, l + 1);
	return true;
}

static bool take(void *ctx, const char *key, const char *value)
{
	static const char *const keys[] = { "merchant", "reference", "amount", "currency",
		"state", "txn", "timestamp", "mac" };
	struct parse *p = ctx;
	size_t k = 0;
	while (k < 8 && strcmp(keys[k], key) != 0)
		k++;
	if (k == 8)
		return true;                /* not signed, not read */
	if (p->seen & (1u << k))
		return false;
	p->seen |= 1u << k;
	struct pay_notice *n = p->n;
	char *dst[] = { n->merchant, n->reference, p->amount, n->currency, p->state,
			n->txn, p->timestamp, n->mac };
	size_t max[] = { sizeof n->merchant, sizeof n->reference, sizeof p->amount,
			 sizeof n->currency, sizeof p->state, sizeof n->txn,
			 sizeof p->timestamp, sizeof n->mac };
	return copy(dst[k], max[k], value);
}

/* Digits only, 1 to 15 of them (cents and seconds fit a long long). */
static bool whole(const char *s, long long *out)
{
	size_t l = strlen(s);
	if (l == 0 || l > 15)
		return false;
	long long v = 0;
	for (const char *c = s; *c; c++) {
		if (*c < '0' || *c > '9')
			return false;
		v = v * 10 + (*c - '0');
	}
	*out = v;
	return true;
}

static bool lower_hex(const char *s, size_t want)
{
	if (strlen(s) != want)
		return false;
	for (const char *c = s; *c; c++)
		if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
			return false;
	return true;
}

static enum pay_refusal epay_parse_notice(const char *body, size_t len, struct pay_notice *out)
{
	memset(out, 0, sizeof *out);
	struct parse p = { .n = out, .seen = 0 };
	if (len > PAY_NOTICE_MAX || !form_each(body, len, PAY_FIELD_MAX, take, &p) ||
	    p.seen != 0xFF)
		return PAY_MALFORMED;
	if (!whole(p.amount, &out->amount) || !whole(p.timestamp, &out->timestamp) ||
	    !lower_hex(out->mac, PAY_MAC_HEX) || !*out->reference || !*out->merchant)
		return PAY_MALFORMED;
	if (strcmp(p.state, "paid") == 0)
		out->state = PAY_PAID;
	else if (strcmp(p.state, "cancelled") == 0)
		out->state = PAY_CANCELLED;
	else
		return PAY_MALFORMED;
	return PAY_OK;
}

static bool epay_notice_signed(const struct pay_account *acc, const struct pay_notice *n)
{
	char text[6 * PAY_FIELD_MAX], amount[24], ts[24], mac[PAY_MAC_HEX + 1];
	size_t used = 0;
	if (!numbers(n->amount, n->timestamp, amount, ts))
		return false;
	const char *fields[][2] = { { "merchant", n->merchant }, { "reference", n->reference },
		{ "amount", amount }, { "currency", n->currency },
		{ "state", n->state == PAY_PAID ? "paid" : "cancelled" }, { "txn", n->txn },
		{ "timestamp", ts } };
	text[0] = 0;
	for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
		if (!form_put(text, sizeof text, &used, fields[i][0], fields[i][1]))
			return false;
	if (!mac_hex(acc->key, text, mac))
		return false;
	return sodium_memcmp(mac, n->mac, PAY_MAC_HEX) == 0;
}

const struct pay_provider pay_epay = {
	.name = "epay",
	.redirect_url = epay_redirect_url,
	.parse_notice = epay_parse_notice,
	.notice_signed = epay_notice_signed,
};
