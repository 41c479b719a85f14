/* assertion.c - private_key_jwt (OpenID Connect Core 9, RFC 7523):
 * relayd proves who it is at the token endpoint with a short JWT signed
 * by its own private key, instead of a shared secret. The provider knows
 * only the public half (registered, or published as a JWKS), so nothing
 * it stores can be replayed as relayd. Signing is cjose's, as
 * mod_auth_openidc does it. */
#include "identity_int.h"
#include "util/random.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_FILE_MAX ((size_t)64 << 10)

static int read_file(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char chunk[4096];
	size_t n;
	int rc = 0;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if (buf_append(b, chunk, n) < 0)
			rc = -1;
	if (ferror(f))
		rc = -1;
	fclose(f);
	return rc == 0 && buf_putc(b, '\0') == 0 ? 0 : -1;
}

/* The algorithm a key signs with: the JWK's own "alg" when it names one
 * relayd can make, else RS256 for RSA and ES256 for an EC P-256 key. */
static const char *alg_of(json_t *jwk, cjose_jwk_kty_t kty)
{
	const char *alg = json_string_value(json_object_get(jwk, "alg"));
	const char *crv = json_string_value(json_object_get(jwk, "crv"));
	if (kty == CJOSE_JWK_KTY_RSA)
		return !alg || !strcmp(alg, "RS256") ? "RS256" :
		       !strcmp(alg, "PS256") ? "PS256" : NULL;
	if (kty == CJOSE_JWK_KTY_EC && crv && !strcmp(crv, "P-256"))
		return !alg || !strcmp(alg, "ES256") ? "ES256" : NULL;
	return NULL;
}

/* A throwaway signature: a public key alone cannot make one. */
static bool can_sign(struct client_key *k)
{
	cjose_err err;
	cjose_header_t *h = cjose_header_new(&err);
	bool ok = h && cjose_header_set(h, CJOSE_HDR_ALG, k->alg, &err);
	cjose_jws_t *jws = ok ? cjose_jws_sign(k->jwk, h, (const uint8_t *)"{}", 2, &err)
			      : NULL;
	cjose_jws_release(jws);
	cjose_header_release(h);
	return jws != NULL;
}

int client_key_load(const char *path, struct client_key *k, const char **why)
{
	memset(k, 0, sizeof *k);
	struct buf b;
	buf_init(&b, KEY_FILE_MAX);
	json_t *j = NULL;
	*why = NULL;
	if (read_file(path, &b) < 0)
		*why = "identity.client_key_file cannot be read (or is over 64 KiB)";
	else if (!(j = json_loadb(b.data, b.len - 1, 0, NULL)) || !json_is_object(j))
		*why = "identity.client_key_file is not a JWK (a JSON object)";
	cjose_err err;
	if (!*why && !(k->jwk = cjose_jwk_import(b.data, b.len - 1, &err)))
		*why = "identity.client_key_file: cjose cannot read the key";
	const char *alg = *why ? NULL : alg_of(j, cjose_jwk_get_kty(k->jwk, &err));
	if (!*why && !alg)
		*why = "identity.client_key_file must be an RSA key (RS256, PS256) or an "
		       "EC P-256 key (ES256)";
	if (!*why) {
		snprintf(k->alg, sizeof k->alg, "%s", alg);
		const char *kid = json_string_value(json_object_get(j, "kid"));
		if (kid && (size_t)snprintf(k->kid, sizeof k->kid, "%s", kid) >= sizeof k->kid)
			*why = "identity.client_key_file: the kid is too long";
	}
	if (!*why && !can_sign(k))
		*why = "identity.client_key_file holds no private key";
	json_decref(j);
	sodium_memzero(b.data ? b.data : (char *)"", b.data ? b.len : 0);
	buf_free(&b);
	if (*why) {
		client_key_free(k);
		return -1;
	}
	return 0;
}

void client_key_free(struct client_key *k)
{
	cjose_jwk_release(k->jwk);
	k->jwk = NULL;
}

const char *client_assertion(struct arena *a, const struct client_key *k,
			     const char *client_id, const char *audience,
			     long long now, const char **why)
{
	char jti[44];
	random_token(jti, 43);
	/* iss and sub: relayd's client id; aud: the token endpoint (OpenID
	 * Connect Core 9); one minute is enough for one request */
	json_t *claims = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "iss", client_id,
				   "sub", client_id, "aud", audience, "jti", jti,
				   "iat", (json_int_t)now, "exp", (json_int_t)(now + 60));
	char *payload = claims ? json_dumps(claims, JSON_COMPACT) : NULL;
	json_decref(claims);
	cjose_err err;
	cjose_header_t *h = payload ? cjose_header_new(&err) : NULL;
	bool ok = h && cjose_header_set(h, CJOSE_HDR_ALG, k->alg, &err) &&
		  cjose_header_set(h, "typ", "JWT", &err) &&
		  (!*k->kid || cjose_header_set(h, CJOSE_HDR_KID, k->kid, &err));
	cjose_jws_t *jws = ok ? cjose_jws_sign(k->jwk, h, (const uint8_t *)payload,
					       strlen(payload), &err) : NULL;
	const char *ser = NULL;
	const char *out = NULL;
	if (jws && cjose_jws_export(jws, &ser, &err))
		out = arena_strdup(a, ser);
	else
		*why = "client_assertion_failed";
	cjose_jws_release(jws);
	cjose_header_release(h);
	free(payload);
	return out;
}
