/* jwks.c - the provider's JWK set, each key imported by cjose. Outside
 * bytes: fuzzed (fuzz_oidc). */
#include "identity_int.h"
#include <stdlib.h>
#include <string.h>

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
	char *text = json_dumps(key, JSON_COMPACT);
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
