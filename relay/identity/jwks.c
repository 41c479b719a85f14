/* jwks.c - the provider's JWK set, each key imported by cjose. Outside
 * bytes: fuzzed (fuzz_oidc). */
#include "identity_int.h"
#include <stdlib.h>
#include <string.h>

/* base64url without padding, as RFC 7518 wants key numbers: checked
 * before cjose decodes them, whose decoder assert()s (aborts relayd) on
 * some malformed text (found by fuzz_oidc with libcjose 0.6.2). */
static bool b64u_ok(const char *v)
{
	size_t n = v ? strlen(v) : 0;
	return n && n % 4 != 1 && n <= 2048 &&
	       strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		      "0123456789-_") == n;
}

/* Only the members a public signing key needs, each checked: cjose sees
 * nothing else of the provider's text. NULL when one is missing or bad. */
static json_t *public_part(json_t *key, const char *kty)
{
	static const char *const rsa[] = { "n", "e", NULL };
	static const char *const ec[] = { "x", "y", NULL };
	const char *const *names = strcmp(kty, "RSA") ? ec : rsa;
	json_t *out = json_pack("{ss}", "kty", kty);
	if (!out)
		return NULL;
	for (size_t i = 0; names[i]; i++) {
		const char *v = json_string_value(json_object_get(key, names[i]));
		if (!b64u_ok(v) || json_object_set_new(out, names[i], json_string(v)) < 0) {
			json_decref(out);
			return NULL;
		}
	}
	const char *crv = json_string_value(json_object_get(key, "crv"));
	if (!strcmp(kty, "EC") && (!crv || strcmp(crv, "P-256") ||
				   json_object_set_new(out, "crv", json_string(crv)) < 0)) {
		json_decref(out);
		return NULL;
	}
	return out;
}

/* One member of "keys" into k; a key we cannot use is skipped. */
static void add_key(struct jwks *k, json_t *key)
{
	const char *kty = json_string_value(json_object_get(key, "kty"));
	const char *use = json_string_value(json_object_get(key, "use"));
	const char *kid = json_string_value(json_object_get(key, "kid"));
	if (!kty || (strcmp(kty, "RSA") && strcmp(kty, "EC")))
		return;
	if (use && strcmp(use, "sig"))
		return;
	if (json_object_get(key, "d"))
		return;                 /* a private key has no business here */
	json_t *pub = public_part(key, kty);
	char *text = pub ? json_dumps(pub, JSON_COMPACT) : NULL;
	json_decref(pub);
	if (!text)
		return;
	cjose_err err;
	cjose_jwk_t *jwk = cjose_jwk_import(text, strlen(text), &err);
	free(text);
	if (!jwk)
		return;
	k->keys[k->n] = jwk;
	k->kids[k->n] = strdup(kid ? kid : "");
	if (!k->kids[k->n]) {
		cjose_jwk_release(jwk);
		return;
	}
	k->n++;
}

int jwks_parse(const char *json, size_t n, struct jwks *k, const char **why)
{
	memset(k, 0, sizeof *k);
	json_error_t e;
	json_t *doc = json_loadb(json, n, JSON_REJECT_DUPLICATES, &e);
	json_t *keys = json_object_get(doc, "keys");
	if (!json_is_array(keys)) {
		json_decref(doc);
		*why = "jwks_not_a_set";
		return -1;
	}
	for (size_t i = 0; i < json_array_size(keys) && k->n < JWKS_MAX_KEYS; i++)
		if (json_is_object(json_array_get(keys, i)))
			add_key(k, json_array_get(keys, i));
	json_decref(doc);
	if (k->n == 0) {
		*why = "jwks_no_usable_key";
		return -1;
	}
	return 0;
}

void jwks_free(struct jwks *k)
{
	for (size_t i = 0; i < k->n; i++) {
		cjose_jwk_release(k->keys[i]);
		free(k->kids[i]);
	}
	k->n = 0;
}

cjose_jwk_t *jwks_find(const struct jwks *k, const char *kid)
{
	if (!kid)
		return k->n == 1 ? k->keys[0] : NULL;
	for (size_t i = 0; i < k->n; i++)
		if (!strcmp(k->kids[i], kid))
			return k->keys[i];
	return NULL;
}
