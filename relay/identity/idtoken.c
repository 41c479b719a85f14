/* idtoken.c - an ID token's checks (OpenID Connect Core 3.1.3.7): the
 * signature with cjose against the provider's key of its kid (only
 * RS256, PS256 and ES256: never "none" nor an HMAC keyed with a public
 * key), then iss, aud, azp, exp, iat and nonce. Outside bytes: fuzzed. */
#include "identity_int.h"
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SKEW 60                 /* seconds of clock difference allowed */
#define IAT_MAX_AGE 600         /* a token issued longer ago is stale */
#define IDTOKEN_MAX 16384

static bool alg_fits(const char *alg, cjose_jwk_t *key)
{
	cjose_err err;
	cjose_jwk_kty_t kty = cjose_jwk_get_kty(key, &err);
	if (!strcmp(alg, "RS256") || !strcmp(alg, "PS256"))
		return kty == CJOSE_JWK_KTY_RSA;
	if (!strcmp(alg, "ES256"))
		return kty == CJOSE_JWK_KTY_EC;
	return false;
}

static bool aud_ok(json_t *claims, const char *client_id)
{
	json_t *aud = json_object_get(claims, "aud");
	bool found = false;
	if (json_is_string(aud))
		found = !strcmp(json_string_value(aud), client_id);
	else if (json_is_array(aud))
		for (size_t i = 0; i < json_array_size(aud); i++)
			if (json_is_string(json_array_get(aud, i)) &&
			    !strcmp(json_string_value(json_array_get(aud, i)), client_id))
				found = true;
	if (!found)
		return false;
	/* with several audiences the token must name us as its party */
	const char *azp = json_string_value(json_object_get(claims, "azp"));
	if (json_is_array(aud) && json_array_size(aud) > 1)
		return azp && !strcmp(azp, client_id);
	return !azp || !strcmp(azp, client_id);
}

static const char *claims_check(json_t *c, const struct idtoken_expect *e)
{
	const char *iss = json_string_value(json_object_get(c, "iss"));
	const char *sub = json_string_value(json_object_get(c, "sub"));
	const char *nonce = json_string_value(json_object_get(c, "nonce"));
	json_t *exp = json_object_get(c, "exp"), *iat = json_object_get(c, "iat");
	if (!iss || strcmp(iss, e->issuer))
		return "wrong_issuer";
	if (!aud_ok(c, e->client_id))
		return "wrong_audience";
	if (!sub || !*sub || strlen(sub) > 255)
		return "no_subject";
	if (!json_is_integer(exp) || json_integer_value(exp) + SKEW < e->now)
		return "expired";
	if (!json_is_integer(iat) || json_integer_value(iat) > e->now + SKEW ||
	    json_integer_value(iat) + IAT_MAX_AGE < e->now)
		return "bad_iat";
	if (!nonce)
		return "missing_nonce";
	if (strcmp(nonce, e->nonce))
		return "wrong_nonce";
	return NULL;
}

/* A compact JWS: three parts of the base64url alphabet without padding,
 * the header and payload not empty. Checked before cjose sees it: its
 * import assert()s (aborts relayd) on some malformed base64 (found by
 * fuzz_oidc with libcjose 0.6.2). */
static bool compact_shape(const char *jwt)
{
	static const char b64u[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				   "0123456789-_";
	size_t parts = 0;
	for (const char *p = jwt;; parts++) {
		size_t n = strspn(p, b64u);
		if (n % 4 == 1 || (n == 0 && parts < 2))
			return false;   /* no base64 text is 4k+1 long */
		p += n;
		if (*p == '\0')
			return parts == 2;
		if (*p != '.' || parts == 2)
			return false;
		p++;
	}
}

enum idtoken_result idtoken_check(const char *jwt, const struct jwks *keys,
				  const struct idtoken_expect *e, json_t **claims,
				  const char **why)
{
	*claims = NULL;
	cjose_err err;
	size_t n = strlen(jwt);
	if (n > IDTOKEN_MAX) {
		*why = "token_too_large";
		return IDT_INVALID;
	}
	if (!compact_shape(jwt)) {
		*why = "token_malformed";
		return IDT_INVALID;
	}
	cjose_jws_t *jws = cjose_jws_import(jwt, n, &err);
	if (!jws) {
		*why = "token_malformed";
		return IDT_INVALID;
	}
	enum idtoken_result r = IDT_INVALID;
	cjose_header_t *h = cjose_jws_get_protected(jws);
	const char *alg = h ? cjose_header_get(h, CJOSE_HDR_ALG, &err) : NULL;
	const char *kid = h ? cjose_header_get(h, CJOSE_HDR_KID, &err) : NULL;
	cjose_jwk_t *key = jwks_find(keys, kid);
	uint8_t *plain = NULL;
	size_t plen = 0;
	json_error_t je;
	if (!alg) {
		*why = "token_no_alg";
	} else if (!key) {
		*why = "unknown_kid";
		r = IDT_UNKNOWN_KID;
	} else if (!alg_fits(alg, key)) {
		*why = "token_alg_refused";
	} else if (!cjose_jws_verify(jws, key, &err)) {
		*why = "bad_signature";
	} else if (!cjose_jws_get_plaintext(jws, &plain, &plen, &err) ||
		   !(*claims = json_loadb((const char *)plain, plen,
					  JSON_REJECT_DUPLICATES, &je)) ||
		   !json_is_object(*claims)) {
		*why = "token_payload_not_json";
	} else if ((*why = claims_check(*claims, e)) == NULL) {
		r = IDT_OK;
	}
	if (r != IDT_OK) {
		json_decref(*claims);
		*claims = NULL;
	}
	cjose_jws_release(jws);
	return r;
}

const char *token_response_id_token(struct arena *a, const char *json, size_t n,
				    const char **why)
{
	json_error_t e;
	json_t *doc = json_loadb(json, n, JSON_REJECT_DUPLICATES, &e);
	const char *tok = json_string_value(json_object_get(doc, "id_token"));
	const char *type = json_string_value(json_object_get(doc, "token_type"));
	char *out = NULL;
	if (!tok)
		*why = "no_id_token";
	else if (type && strcasecmp(type, "Bearer"))
		*why = "token_type_not_bearer";
	else
		out = arena_strdup(a, tok);
	json_decref(doc);
	return out;
}
