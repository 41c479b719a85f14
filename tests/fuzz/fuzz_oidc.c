/* fuzz_oidc - the parsers of what an OpenID provider sends relayd
 * (relay/identity/): the discovery document, the JWK set, the token
 * endpoint's answer and the ID token itself (cjose's JWS import, our
 * header and claim checks). The first byte picks the parser, the rest is
 * the provider's bytes. A crash, leak or sanitizer report is a finding,
 * and so is an ID token accepted here: the harness's key is the public
 * half of one whose private half is not in the repository (the seed
 * id_token is signed by it and must fail on its old nonce and time), so
 * an accepted token is a forged signature or a claim check skipped. */
#include "fuzz.h"
#include "identity/identity_int.h"

static const char KEYS[] = "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"k1\",\"use\":\"sig\",\"alg\":\"RS256\",\"n\":\"sDisvucjW2F2k33yufBFNBNedu7EyXIU6Tox86WuJwNWL1kPsnHv0SV5yDJGvkWUsQTqs5rXsiBvgTuvgHss7JIoZy-irx0VuOp4D5h9imoNqtdeBiBgXoZApwc4etRR-E2x3dUyOuxLuClZ0sgTCiffs61eQTRPtmUSCjFsOksdu2VWaBVUbKeK6-GvUJxep89_kH1Sw2Tki1pmZ4uH204D9FGZTjY7DnjFCyN5NgFRa9n2DRcKPNHyQk_zWERQZTU1x4umXEJiLCPU0zrPbE7qRfL2llW2vnkpn-fq6hsqkhLpoBngo3-W8yilNWCUNLnjKFddIXDi_dwtsFTgrw\",\"e\":\"AQAB\"}]}";
static struct jwks keys;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_quiet();
	const char *why;
	if (jwks_parse(KEYS, sizeof KEYS - 1, &keys, &why) < 0)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *p = (const char *)data + 1;
	size_t n = size - 1;
	const char *why = NULL;
	struct arena a;
	arena_init(&a);
	switch (data[0] & 3) {
	case 0: {
		struct oidc_meta m;
		if (discovery_parse(p, n, "https://id.example", &m, &why) == 0) {
			FUZZ_ASSERT(m.authorization_endpoint && m.token_endpoint &&
				    m.jwks_uri, "discovery accepted without an endpoint");
			discovery_free(&m);
		} else {
			FUZZ_ASSERT(why, "discovery refused without a reason");
		}
		break;
	}
	case 1: {
		struct jwks k;
		if (jwks_parse(p, n, &k, &why) == 0) {
			FUZZ_ASSERT(k.n > 0 && k.n <= JWKS_MAX_KEYS, "jwks with %zu keys", k.n);
			jwks_free(&k);
		}
		break;
	}
	case 2:
		(void)token_response_id_token(&a, p, n, &why);
		break;
	case 3: {
		char *jwt = arena_strndup(&a, p, n);
		struct idtoken_expect e = { "https://id.example", "relayd-test", "n0nce",
					    4000000000LL };
		json_t *claims = NULL;
		enum idtoken_result r = idtoken_check(jwt, &keys, &e, &claims, &why);
		FUZZ_ASSERT(r != IDT_OK, "an ID token was accepted");
		json_decref(claims);
		break;
	}
	}
	arena_free(&a);
	return 0;
}
