/* identity.h - citizens' login by OpenID Connect (issue 12): relayd is a
 * relying party of one provider (relay.yml identity:), with the
 * authorization code flow, PKCE (S256), state and nonce; the ID token's
 * signature is checked with cjose against the provider's JWKS, its claims
 * (iss, aud, azp, exp, iat, nonce) with jansson; discovery, JWKS and the
 * code exchange go over libcurl. A finished login becomes a citizen
 * session (cookie buerger_sitzung) whose level a post must reach. */
#ifndef IDENTITY_H
#define IDENTITY_H
#include <stdbool.h>
#include <stddef.h>
#include "util/arena.h"

struct relay_config;
struct identity;

#define IDENTITY_COOKIE "buerger_sitzung"

/* A citizen's verified login, as a session holds it. */
struct citizen {
	const char *subject;        /* "issuer|sub": the provider's stable id */
	const char *provider;       /* identity.provider */
	unsigned level;             /* enum ident_level */
	long long login_unix;
	const char *claims;         /* the ID token's claims as JSON */
};

/* The provider of cfg, or NULL when identity.issuer is empty (no login)
 * or, with a message in err, when the client secret file cannot be read.
 * Discovery and keys are fetched on the first login, not here: relayd
 * starts while the provider is away. */
struct identity *identity_open(const struct relay_config *cfg, char *err,
			       size_t errsize, bool *failed);
void identity_close(struct identity *id);
/* Keeps pending logins and sessions in st (NULL: in memory, lost on a
 * restart and not shared with another relayd). Call before serving. */
struct store;
void identity_use_store(struct identity *id, struct store *st);

/* Starts a login that comes back to return_path (one of relayd's own
 * paths): *location gets the provider's authorization URL (in a). -1
 * when the provider's discovery cannot be read. */
int identity_start(struct identity *id, struct arena *a, const char *return_path,
		   const char **location);

/* Finishes the login of state with code: exchanges the code, checks the
 * ID token, opens a session. 0 with *cookie (the session's token) and
 * *return_path in a; -1 with *why (a log word) when refused. */
int identity_finish(struct identity *id, struct arena *a, const char *state,
		    const char *code, const char **cookie, const char **return_path,
		    const char **why);

/* The live session of a cookie value (NULL: none) into *out, strings in
 * a; touches its idle time. false when there is none. */
bool identity_session(struct identity *id, struct arena *a, const char *cookie,
		      struct citizen *out);

/* Ends the session of a cookie value (the citizen logs out); 0, also
 * when there is none, -1 when the store failed. */
int identity_logout(struct identity *id, const char *cookie);

/* The string claim at path ("given_name", "address.locality") of a
 * session's claims, in a; NULL when absent, empty or not a string. */
const char *identity_claim(struct arena *a, const char *claims, const char *path);

/* A stored submission's login as the office reads it: "Identität
 * geprüft: <provider>, Vertrauensniveau <level>, <German time>; geprüfte
 * Angaben: <labels>", in a; NULL when it was sent without login. */
struct submission;
const char *identity_note(struct arena *a, const struct submission *sub);

/* The level a claim value means (identity.level_*), IDENT_NONE when none. */
unsigned identity_level_of(const struct relay_config *cfg, const char *value);
#endif
