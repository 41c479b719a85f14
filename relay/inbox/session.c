/* session.c - the clerk's session and the CSRF tokens.
 *
 * The session cookie holds 256 random bits (43 base64url characters); the
 * store keeps only their SHA-256 (store.h), looked up by that hash: a
 * guess costs a lookup whose timing says nothing about the token. The
 * cookie: Path=/amt/ (relayd's other pages never see it), HttpOnly (no
 * script reads it), SameSite=Strict (no other site's page sends it), Secure
 * (unless a test relay on 127.0.0.1 says otherwise), no Max-Age (it goes
 * with the browser session; the server ends it after the idle timeout and
 * the absolute lifetime in any case). A new session at every login (the
 * one the request came with ends: no session fixation).
 *
 * CSRF: every state-changing form carries a token that the server compares
 * in constant time: the session's own, stored with it; the login form's is
 * the twin of a short-lived cookie (double submit), as there is no session
 * yet. */
#include "inbox_int.h"
#include <string.h>
#include <time.h>
#include "store/token.h"
#include "util/random.h"

#define SESSION_TOKEN_CHARS 43      /* 258 bits of base64url */
#define CSRF_TOKEN_CHARS 32         /* 192 bits */

const char *inbox_cookie(struct inbox_req *q, const char *name,
			 const char *value, long max_age)
{
	const char *secure = q->env->cfg->inbox.cookie_secure ? "; Secure" : "";
	if (!value)
		return arena_printf(&q->a, "%s=; Path=/amt/; Max-Age=0; HttpOnly; "
				    "SameSite=Strict%s", name, secure);
	if (max_age < 0)
		return arena_printf(&q->a, "%s=%s; Path=/amt/; HttpOnly; SameSite=Strict%s",
				    name, value, secure);
	return arena_printf(&q->a, "%s=%s; Path=/amt/; Max-Age=%ld; HttpOnly; "
			    "SameSite=Strict%s", name, value, max_age, secure);
}

/* The session cookie's value when it has the shape of one, else NULL. */
static const char *session_token(struct MHD_Connection *c)
{
	const char *t = MHD_lookup_connection_value(c, MHD_COOKIE_KIND,
						    INBOX_SESSION_COOKIE);
	if (!t || strlen(t) != SESSION_TOKEN_CHARS ||
	    strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") !=
	    SESSION_TOKEN_CHARS)
		return NULL;
	return t;
}

int inbox_session(struct inbox_req *q, struct MHD_Connection *c,
		  struct store_session *s, bool *had_cookie)
{
	const char *t = session_token(c);
	*had_cookie = MHD_lookup_connection_value(c, MHD_COOKIE_KIND,
						  INBOX_SESSION_COOKIE) != NULL;
	memset(s, 0, sizeof *s);
	if (!t)
		return 1;
	const struct inbox_config *ic = &q->env->cfg->inbox;
	unsigned char h[STORE_SESSION_HASH_LEN];
	token_hash(t, h);
	return store_session_get(q->env->store, &q->a, h, (long long)time(NULL),
				 ic->idle_minutes * 60, ic->lifetime_hours * 3600, s);
}

bool inbox_csrf_ok(struct inbox_req *q, const char *expected)
{
	const char *got = inbox_field(q, "csrf");
	return got && expected && *expected && token_equal(got, expected);
}

int inbox_session_start(struct inbox_req *q, struct MHD_Connection *c,
			const char *username, const char **cookie)
{
	inbox_session_end(q, c);
	char tok[SESSION_TOKEN_CHARS + 1], csrf[CSRF_TOKEN_CHARS + 1];
	random_token(tok, SESSION_TOKEN_CHARS);
	random_token(csrf, CSRF_TOKEN_CHARS);
	unsigned char h[STORE_SESSION_HASH_LEN];
	token_hash(tok, h);
	long long now = (long long)time(NULL);
	long long life = q->env->cfg->inbox.lifetime_hours * 3600;
	long long idle = q->env->cfg->inbox.idle_minutes * 60;
	int rc = store_session_new(q->env->store, h, username, csrf, now,
				   now + (idle < life ? idle : life));
	if (rc == 0)
		*cookie = inbox_cookie(q, INBOX_SESSION_COOKIE, tok, -1);
	return rc;
}

void inbox_session_end(struct inbox_req *q, struct MHD_Connection *c)
{
	const char *t = session_token(c);
	if (!t)
		return;
	unsigned char h[STORE_SESSION_HASH_LEN];
	token_hash(t, h);
	store_session_end(q->env->store, h);    /* failing leaves it to expire */
}
