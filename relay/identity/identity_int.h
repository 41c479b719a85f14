/* identity_int.h - the parts of relay/identity/ between its files. */
#ifndef IDENTITY_INT_H
#define IDENTITY_INT_H
#include <cjose/cjose.h>
#include <jansson.h>
#include <pthread.h>
#include "identity.h"
#include "util/buf.h"

/* The largest answer read from the provider (discovery, JWKS, token). */
#define OIDC_FETCH_MAX ((size_t)256 << 10)
/* At most this many keys in a JWKS, pending logins and sessions. */
#define JWKS_MAX_KEYS 32
#define PENDING_MAX 4096
#define SESSIONS_MAX 65536

/* fetch.c: libcurl, HTTP(S) only, 10 s, at most OIDC_FETCH_MAX bytes.
 * The status (0 when no answer) into *status; -1 on a transport error. */
int oidc_get(const char *url, struct buf *out, long *status);
/* user NULL: no Basic header (private_key_jwt names the client in body) */
int oidc_post_form(const char *url, const char *user, const char *password,
		   const char *body, struct buf *out, long *status);
/* application/x-www-form-urlencoded escaping of s into a */
char *oidc_form_escape(struct arena *a, const char *s);

/* assertion.c: private_key_jwt, relayd's own key (identity.client_key_file,
 * a JWK with its private part) and the JWT it signs for the token
 * endpoint. */
struct client_key {
	cjose_jwk_t *jwk;           /* NULL: no key (client_secret_basic) */
	char alg[8];                /* RS256, PS256 or ES256 */
	char kid[128];              /* "" when the JWK has none */
};
/* Reads and checks the key (a private RSA or EC P-256 key that can sign).
 * 0, or -1 with *why for the operator. */
int client_key_load(const char *path, struct client_key *k, const char **why);
void client_key_free(struct client_key *k);
/* The signed client_assertion for audience at now, in a; NULL with *why. */
const char *client_assertion(struct arena *a, const struct client_key *k,
			     const char *client_id, const char *audience,
			     long long now, const char **why);

/* discovery.c: the endpoints of /.well-known/openid-configuration. */
struct oidc_meta {
	char *authorization_endpoint, *token_endpoint, *jwks_uri;
};
/* Parses the document; its issuer must equal issuer exactly (OpenID
 * Connect Discovery 4.3) and the endpoints be http(s) URLs. 0 or -1 with
 * *why. */
int discovery_parse(const char *json, size_t n, const char *issuer,
		    struct oidc_meta *m, const char **why);
void discovery_free(struct oidc_meta *m);

/* jwks.c: the provider's signing keys. */
struct jwks {
	cjose_jwk_t *keys[JWKS_MAX_KEYS];
	char *kids[JWKS_MAX_KEYS];  /* "" when a key has none */
	size_t n;
};
/* Parses a JWK set: RSA and EC keys meant for signatures ("use" absent
 * or "sig"); others are skipped. 0 or -1 with *why. */
int jwks_parse(const char *json, size_t n, struct jwks *k, const char **why);
void jwks_free(struct jwks *k);
/* The key of kid (NULL: the only key), or NULL. */
cjose_jwk_t *jwks_find(const struct jwks *k, const char *kid);

/* idtoken.c: an ID token against the keys and what it must say. */
struct idtoken_expect {
	const char *issuer, *client_id, *nonce;
	long long now;
};
enum idtoken_result { IDT_OK, IDT_INVALID, IDT_UNKNOWN_KID };
/* On IDT_OK *claims holds the payload (json_decref it). */
enum idtoken_result idtoken_check(const char *jwt, const struct jwks *keys,
				  const struct idtoken_expect *e, json_t **claims,
				  const char **why);
/* The id_token of a token endpoint's JSON answer, in a; NULL with *why. */
const char *token_response_id_token(struct arena *a, const char *json, size_t n,
				    const char **why);

/* session.c: pending logins and sessions, keyed by the SHA-256 of their
 * token (a copied table shows no usable token): in the database when
 * relayd has one (store.h, so several relayd share them and a restart
 * keeps them), else in memory. */
struct pending {
	unsigned char hash[32];
	char nonce[44], verifier[64], return_path[256];
	long long expires;
};
struct session_row {
	unsigned char hash[32];
	char *subject, *claims;
	unsigned level;
	long long login, last;
};
struct store;
struct idstore {
	struct store *db;           /* the database, or NULL: in memory */
	pthread_mutex_t mu;
	struct pending *pending;
	size_t n_pending;
	struct session_row *sessions;
	size_t n_sessions;
	long idle, lifetime;        /* seconds */
};
void idstore_init(struct idstore *s, long idle, long lifetime);
void idstore_free(struct idstore *s);
/* Stores a pending login under state's hash; -1 when full. */
int idstore_put_pending(struct idstore *s, const char *state, const struct pending *p);
/* Takes (and removes: single use) the live pending login of state. */
bool idstore_take_pending(struct idstore *s, const char *state, long long now,
			  struct pending *out);
/* A new session; -1 when full. */
int idstore_open_session(struct idstore *s, const char *token, const char *subject,
			 unsigned level, const char *claims, long long now);
bool idstore_session(struct idstore *s, struct arena *a, const char *token,
		     long long now, struct citizen *out);
/* Ends the session of token; 0 (also when there was none), -1 error. */
int idstore_end_session(struct idstore *s, const char *token);

/* pkce.c: base64url(SHA-256(verifier)) into a (RFC 7636 S256). */
char *pkce_challenge(struct arena *a, const char *verifier);
#endif
