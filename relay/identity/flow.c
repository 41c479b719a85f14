/* flow.c - the login: the authorization request (state, nonce, PKCE) and
 * the return (single-use state, code exchange with client_secret_basic,
 * ID token checks, level from the configured claim, a session). The
 * provider's metadata and keys are fetched on first use and kept; an
 * ID token with a kid we do not know makes us fetch the JWKS once more
 * (the provider rolled its keys), never more than once per login. */
#include "identity_int.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "config/config.h"
#include "model/catalog.h"
#include "util/random.h"
#include <sodium.h>

struct identity {
	const struct relay_config *cfg;
	char secret[512];
	pthread_mutex_t mu;         /* meta and keys */
	bool have_meta, have_keys;
	struct oidc_meta meta;
	struct jwks keys;
	struct idstore store;
	struct client_key key;      /* private_key_jwt, or no jwk: a secret */
};

static int read_secret(const char *path, char *out, size_t size)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	bool ok = fgets(out, (int)size, f) != NULL;
	fclose(f);
	if (!ok)
		return -1;
	out[strcspn(out, "\r\n")] = '\0';
	return *out ? 0 : -1;
}

/* The Basic header carries id and secret form-encoded (RFC 6749 2.3.1);
 * plain tokens need no encoding, so only they are allowed. */
static bool plain_token(const char *s)
{
	return *s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			    "0123456789-._~") == strlen(s);
}

struct identity *identity_open(const struct relay_config *cfg, char *err,
			       size_t errsize, bool *failed)
{
	const struct identity_config *ic = &cfg->identity;
	*failed = false;
	if (!ic->issuer || !*ic->issuer)
		return NULL;
	struct identity *id = xcalloc(1, sizeof *id);
	id->cfg = cfg;
	const char *why = NULL;
	bool by_key = *ic->client_key_file;
	if (by_key && (*ic->client_secret_file || *ic->client_secret))
		why = "identity: set client_key_file (private_key_jwt) or a client "
		      "secret, not both";
	else if (by_key)
		client_key_load(ic->client_key_file, &id->key, &why);
	else if (*ic->client_secret_file) {
		if (read_secret(ic->client_secret_file, id->secret, sizeof id->secret) < 0)
			why = "identity.client_secret_file cannot be read or is empty";
	} else if ((size_t)snprintf(id->secret, sizeof id->secret, "%s",
				    ic->client_secret) >= sizeof id->secret) {
		why = "identity.client_secret is too long";
	}
	if (!why && !plain_token(ic->client_id))
		why = "identity.client_id must be set (letters, digits, -._~)";
	if (!why && !by_key && !plain_token(id->secret))
		why = "identity.client_secret must be set (letters, digits, -._~)";
	if (!why && !strstr(ic->scopes, "openid"))
		why = "identity.scopes must contain openid";
	if (why) {
		snprintf(err, errsize, "%s", why);
		client_key_free(&id->key);
		free(id);
		*failed = true;
		return NULL;
	}
	pthread_mutex_init(&id->mu, NULL);
	idstore_init(&id->store, ic->idle_minutes * 60, ic->lifetime_minutes * 60);
	return id;
}

void identity_use_store(struct identity *id, struct store *st)
{
	if (id)
		id->store.db = st;
}

void identity_close(struct identity *id)
{
	if (!id)
		return;
	discovery_free(&id->meta);
	jwks_free(&id->keys);
	idstore_free(&id->store);
	client_key_free(&id->key);
	pthread_mutex_destroy(&id->mu);
	sodium_memzero(id->secret, sizeof id->secret);
	free(id);
}

static int fetch_meta(struct identity *id, const char **why)
{
	if (id->have_meta)
		return 0;
	char url[2200];
	const char *iss = id->cfg->identity.issuer;
	size_t n = strlen(iss);
	int k = snprintf(url, sizeof url, "%s%s.well-known/openid-configuration", iss,
			 n && iss[n - 1] == '/' ? "" : "/");
	if (k < 0 || (size_t)k >= sizeof url) {
		*why = "issuer_too_long";
		return -1;
	}
	struct buf b;
	buf_init(&b, OIDC_FETCH_MAX);
	long status;
	int rc = -1;
	if (oidc_get(url, &b, &status) < 0 || status != 200)
		*why = "discovery_unreachable";
	else if (discovery_parse(b.data, b.len - 1, iss, &id->meta, why) == 0)
		rc = 0;
	buf_free(&b);
	id->have_meta = rc == 0;
	return rc;
}

static int fetch_keys(struct identity *id, const char **why)
{
	struct buf b;
	buf_init(&b, OIDC_FETCH_MAX);
	long status;
	struct jwks fresh;
	int rc = -1;
	if (oidc_get(id->meta.jwks_uri, &b, &status) < 0 || status != 200)
		*why = "jwks_unreachable";
	else if (jwks_parse(b.data, b.len - 1, &fresh, why) == 0)
		rc = 0;
	buf_free(&b);
	if (rc == 0) {
		jwks_free(&id->keys);
		id->keys = fresh;
		id->have_keys = true;
	}
	return rc;
}

int identity_start(struct identity *id, struct arena *a, const char *return_path,
		   const char **location)
{
	const struct identity_config *ic = &id->cfg->identity;
	const char *why = NULL;
	pthread_mutex_lock(&id->mu);
	int rc = fetch_meta(id, &why);
	const char *endpoint = rc == 0 ? arena_strdup(a, id->meta.authorization_endpoint)
				       : NULL;
	pthread_mutex_unlock(&id->mu);
	if (rc < 0)
		return -1;
	char state[44];
	struct pending p = { .expires = (long long)time(NULL) + ic->login_minutes * 60 };
	random_token(state, 43);
	random_token(p.nonce, 43);
	random_token(p.verifier, 64 - 1);
	if ((size_t)snprintf(p.return_path, sizeof p.return_path, "%s", return_path) >=
	    sizeof p.return_path)
		return -1;
	if (idstore_put_pending(&id->store, state, &p) < 0)
		return -1;
	const char *redirect = arena_printf(a, "%s/anmelden/rueckkehr", id->cfg->public_url);
	*location = arena_printf(a, "%s%sresponse_type=code&client_id=%s&redirect_uri=%s"
		"&scope=%s&state=%s&nonce=%s&code_challenge=%s&code_challenge_method=S256",
		endpoint, strchr(endpoint, '?') ? "&" : "?",
		oidc_form_escape(a, ic->client_id), oidc_form_escape(a, redirect),
		oidc_form_escape(a, ic->scopes), state, p.nonce,
		pkce_challenge(a, p.verifier));
	return 0;
}

/* The code for an ID token at the token endpoint; NULL with *why. */
static const char *exchange(struct identity *id, struct arena *a, const char *code,
			    const struct pending *p, const char **why)
{
	const struct identity_config *ic = &id->cfg->identity;
	/* the login may have begun at another relayd, or before a restart:
	 * this process may not have read the discovery yet */
	pthread_mutex_lock(&id->mu);
	const char *endpoint = fetch_meta(id, why) == 0 ?
		arena_strdup(a, id->meta.token_endpoint) : NULL;
	pthread_mutex_unlock(&id->mu);
	if (!endpoint)
		return NULL;
	const char *body = arena_printf(a, "grant_type=authorization_code&code=%s"
		"&redirect_uri=%s&code_verifier=%s", oidc_form_escape(a, code),
		oidc_form_escape(a, arena_printf(a, "%s/anmelden/rueckkehr",
						 id->cfg->public_url)), p->verifier);
	if (id->key.jwk) {
		/* private_key_jwt: the client is named in the body and proved
		 * by the signed assertion, no Authorization header */
		const char *jwt = client_assertion(a, &id->key, ic->client_id, endpoint,
						   (long long)time(NULL), why);
		if (!jwt)
			return NULL;
		body = arena_printf(a, "%s&client_id=%s&client_assertion_type=%s"
			"&client_assertion=%s", body, oidc_form_escape(a, ic->client_id),
			"urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer", jwt);
	}
	struct buf b;
	buf_init(&b, OIDC_FETCH_MAX);
	long status;
	const char *tok = NULL;
	if (oidc_post_form(endpoint, id->key.jwk ? NULL : ic->client_id,
			   id->key.jwk ? NULL : id->secret, body, &b, &status) < 0)
		*why = "token_endpoint_unreachable";
	else if (status != 200)
		*why = "token_endpoint_refused";
	else
		tok = token_response_id_token(a, b.data, b.len - 1, why);
	buf_free(&b);
	return tok;
}

/* The ID token's checks, the JWKS fetched again once on an unknown kid. */
static json_t *verify(struct identity *id, const char *jwt, const struct pending *p,
		      const char **why)
{
	struct idtoken_expect e = { id->cfg->identity.issuer, id->cfg->identity.client_id,
				    p->nonce, (long long)time(NULL) };
	json_t *claims = NULL;
	pthread_mutex_lock(&id->mu);
	enum idtoken_result r = IDT_UNKNOWN_KID;
	if (id->have_keys || fetch_keys(id, why) == 0)
		r = idtoken_check(jwt, &id->keys, &e, &claims, why);
	if (r == IDT_UNKNOWN_KID && id->have_keys && fetch_keys(id, why) == 0)
		r = idtoken_check(jwt, &id->keys, &e, &claims, why);
	pthread_mutex_unlock(&id->mu);
	return r == IDT_OK ? claims : NULL;
}

unsigned identity_level_of(const struct relay_config *cfg, const char *value)
{
	const struct identity_config *ic = &cfg->identity;
	if (!value)
		return IDENT_NONE;
	if (*ic->level_hoch && !strcmp(value, ic->level_hoch))
		return IDENT_HOCH;
	if (*ic->level_substantiell && !strcmp(value, ic->level_substantiell))
		return IDENT_SUBSTANTIELL;
	if (*ic->level_basis && !strcmp(value, ic->level_basis))
		return IDENT_BASIS;
	return IDENT_NONE;
}

int identity_finish(struct identity *id, struct arena *a, const char *state,
		    const char *code, const char **cookie, const char **return_path,
		    const char **why)
{
	struct pending p;
	if (!state || !code || !*code || strlen(code) > 2048) {
		*why = "no_code";
		return -1;
	}
	if (!idstore_take_pending(&id->store, state, (long long)time(NULL), &p)) {
		*why = "unknown_state";
		return -1;
	}
	const char *jwt = exchange(id, a, code, &p, why);
	json_t *claims = jwt ? verify(id, jwt, &p, why) : NULL;
	if (!claims)
		return -1;
	const char *sub = json_string_value(json_object_get(claims, "sub"));
	const char *lv = json_string_value(json_object_get(claims,
					   id->cfg->identity.level_claim));
	unsigned level = identity_level_of(id->cfg, lv);
	char *text = json_dumps(claims, JSON_COMPACT | JSON_SORT_KEYS);
	const char *subject = arena_printf(a, "%s|%s", id->cfg->identity.issuer, sub);
	json_decref(claims);
	if (!text) {
		*why = "out_of_memory";
		return -1;
	}
	char tok[44];
	random_token(tok, 43);
	int rc = idstore_open_session(&id->store, tok, subject, level, text,
				      (long long)time(NULL));
	free(text);
	if (rc < 0) {
		*why = "sessions_full";
		return -1;
	}
	*cookie = arena_strdup(a, tok);
	*return_path = arena_strdup(a, p.return_path);
	return 0;
}

int identity_logout(struct identity *id, const char *cookie)
{
	if (!id || !cookie || strlen(cookie) != 43)
		return 0;
	return idstore_end_session(&id->store, cookie);
}

bool identity_session(struct identity *id, struct arena *a, const char *cookie,
		      struct citizen *out)
{
	if (!id || !cookie || strlen(cookie) != 43)
		return false;
	out->provider = id->cfg->identity.provider;
	return idstore_session(&id->store, a, cookie, (long long)time(NULL), out);
}
