/* fuzz_payment - the payment provider's notification parser
 * (relay/payment: pay_epay.parse_notice over form_each) and the signature
 * check behind it, with the body a provider or an attacker POSTs to
 * /zahlung/benachrichtigung. The input is the body.
 *
 * Properties: a parsed notice has no control byte in any field, an amount
 * and timestamp of at most 15 digits, a mac of 64 lower-case hex digits
 * and a state of paid or cancelled; parsing is deterministic; every
 * parsed field written back with form_put and read again with form_each
 * is the same bytes; the signature check and pay_notice_check never
 * accept a notice whose mac is not the key's (it is a random input). */
#include "fuzz.h"
#include "payment/provider.h"
#include "payment/form.h"

static const struct pay_account ACC = { "https://pay.example/", "DOR-4711", "fuzz-key" };

static void no_controls(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		FUZZ_ASSERT(*p >= 0x20 && *p != 0x7F, "control byte 0x%02x in \"%.80s\"", *p, s);
}

static bool same(void *ctx, const char *key, const char *value)
{
	(void)key;
	FUZZ_ASSERT(strcmp(ctx, value) == 0, "round trip changed \"%.80s\"", (const char *)ctx);
	return true;
}

static void round_trip(const char *v)
{
	char enc[3 * PAY_FIELD_MAX + 8];
	size_t used = 0;
	FUZZ_ASSERT(form_put(enc, sizeof enc, &used, "k", v), "form_put refused \"%.80s\"", v);
	FUZZ_ASSERT(form_each(enc, used, PAY_FIELD_MAX, same, (void *)v), "form_each refused");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pay_notice n, again;
	enum pay_refusal r = pay_epay.parse_notice((const char *)data, size, &n);
	enum pay_refusal r2 = pay_epay.parse_notice((const char *)data, size, &again);
	FUZZ_ASSERT(r == r2 && (r == PAY_OK || r == PAY_MALFORMED), "parse not deterministic");
	if (r != PAY_OK)
		return 0;
	FUZZ_ASSERT(memcmp(&n, &again, sizeof n) == 0, "parse not deterministic");
	const char *fields[] = { n.merchant, n.reference, n.currency, n.txn, n.mac };
	for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
		no_controls(fields[i]);
		round_trip(fields[i]);
	}
	FUZZ_ASSERT(n.amount >= 0 && n.amount < 1000000000000000LL && n.timestamp >= 0,
		    "amount %lld", n.amount);
	FUZZ_ASSERT(strlen(n.mac) == PAY_MAC_HEX, "mac length");
	FUZZ_ASSERT(n.state == PAY_PAID || n.state == PAY_CANCELLED, "state");
	/* a fuzzer cannot find an HMAC-SHA256: an accepted signature is a bug */
	FUZZ_ASSERT(!pay_epay.notice_signed(&ACC, &n), "forged notice accepted");
	FUZZ_ASSERT(pay_notice_check(&pay_epay, &ACC, &n, "EUR", n.amount, true) ==
		    PAY_BAD_SIGNATURE, "check accepted a forged notice");
	return 0;
}
