/* login.c - /amt/anmelden and /amt/abmelden.
 *
 * A login is checked in this order: the login form's CSRF token (403), the
 * fields (422), the throttles per client and per user name (429 with
 * Retry-After, before any password is hashed), then the password
 * (libsodium, inbox/password.h). An unknown name, a wrong password and a
 * disabled clerk get the same answer, after the same work. */
#include "inbox_int.h"
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "inbox/password.h"
#include "receive/log.h"
#include "receive/server.h"
#include "store/token.h"
#include "util/random.h"

#define LOGIN_TOKEN_CHARS 32
#define BAD_LOGIN "Benutzername oder Passwort ist falsch"

/* The login form's token: the browser's cookie when it has one of the
 * right shape (several tabs keep working), else a new one. */
static const char *login_token(struct inbox_req *q, struct MHD_Connection *c)
{
	const char *t = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, INBOX_LOGIN_COOKIE);
	if (t && random_token_shape(t, LOGIN_TOKEN_CHARS))
		return t;
	char *fresh = arena_alloc(&q->a, LOGIN_TOKEN_CHARS + 1);
	random_token(fresh, LOGIN_TOKEN_CHARS);
	return fresh;
}

static enum MHD_Result login_page(struct inbox_req *q, struct MHD_Connection *c,
				  unsigned status, struct inbox_login_view *v,
				  const char *retry_after)
{
	struct buf b;
	struct diags d;
	buf_init(&b, INBOX_PAGE_MAX);
	diags_init(&d);
	const char *token = login_token(q, c);
	v->action = inbox_url(q, "anmelden");
	v->csrf = token;
	int rc = q->env->forms && q->env->forms->renderer ?
		render_inbox_login(q->env->forms->renderer, v, &b, &d) : -1;
	diags_free(&d);
	enum MHD_Result r;
	if (rc < 0) {
		relay_log("error", "render_failed", "page=inbox_login");
		r = inbox_error(q, c, MHD_HTTP_SERVICE_UNAVAILABLE,
				"Die Anmeldung ist gerade nicht möglich.", "60");
	} else {
		struct inbox_answer a = { .status = status, .body = b.data ? b.data : "",
			.len = b.len, .retry_after = retry_after,
			.cookies = { inbox_cookie(q, INBOX_LOGIN_COOKIE, token, 3600) } };
		r = buf_failed(&b) ? inbox_page(q, c, status, &b, NULL) : inbox_send(q, c, &a);
	}
	buf_free(&b);
	return r;
}

enum MHD_Result inbox_login_get(struct inbox_req *q, struct MHD_Connection *c)
{
	struct store_session s;
	bool had = false;
	if (inbox_session(q, c, &s, &had) == 0)      /* logged in already */
		return inbox_redirect(q, c, "", NULL, NULL);
	struct inbox_login_view v = { .username = "" };
	if (inbox_arg(c, "abgemeldet"))
		v.notice = "Sie sind abgemeldet.";
	else if (inbox_arg(c, "abgelaufen"))
		v.notice = "Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an.";
	return login_page(q, c, MHD_HTTP_OK, &v, NULL);
}

/* Both throttles; false with the 429 page queued in *r. */
static bool within_limits(struct inbox_req *q, struct MHD_Connection *c,
			  const char *user, struct inbox_login_view *v,
			  enum MHD_Result *r)
{
	struct inbox *ib = q->env->ib;
	double now = mono_now();
	unsigned wait = 0;
	const char *ckey = arena_printf(&q->a, "c:%s", q->env->client);
	const char *ukey = arena_printf(&q->a, "u:%s", user);
	if (throttle_take(ib->clients, ckey, now, &wait) &&
	    throttle_take(ib->users, ukey, now, &wait))
		return true;
	relay_log("warn", "inbox_login_throttled", "retry_after=%u", wait);
	unsigned minutes = (wait + 59) / 60;
	v->user_error = arena_printf(&q->a, "Zu viele Anmeldeversuche. Versuchen Sie "
				     "es in %u Minute%s erneut", minutes,
				     minutes == 1 ? "" : "n");
	*r = login_page(q, c, MHD_HTTP_TOO_MANY_REQUESTS, v,
			arena_printf(&q->a, "%u", wait));
	return false;
}

/* Whether user's password is pw; -1 when the store failed. The same work
 * for an unknown or disabled clerk as for a wrong password. */
static int credentials_ok(struct inbox_req *q, const char *user, const char *pw)
{
	struct store_clerk k;
	int rc = store_clerk_get(q->env->store, &q->a, user, &k);
	if (rc < 0)
		return -1;
	bool usable = rc == 0 && !k.disabled;
	bool match = password_verify(usable ? k.pwhash : NULL, pw);
	return usable && match ? 1 : 0;
}

enum MHD_Result inbox_login_post(struct inbox_req *q, struct MHD_Connection *c)
{
	const char *cookie = MHD_lookup_connection_value(c, MHD_COOKIE_KIND,
							 INBOX_LOGIN_COOKIE);
	if (!cookie || !inbox_csrf_ok(q, cookie))
		return inbox_error(q, c, MHD_HTTP_FORBIDDEN, "Das Anmeldeformular ist "
				   "abgelaufen oder kam nicht von dieser Seite. Bitte laden "
				   "Sie die Anmeldeseite neu.", NULL);
	const char *user = inbox_field(q, "benutzername");
	const char *pw = inbox_field(q, "passwort");
	struct inbox_login_view v = { .username = user ? user : "" };
	if (!user || !*user)
		v.user_error = "Geben Sie Ihren Benutzernamen ein";
	if (!pw || !*pw)
		v.password_error = "Geben Sie Ihr Passwort ein";
	if (v.user_error || v.password_error)
		return login_page(q, c, MHD_HTTP_UNPROCESSABLE_CONTENT, &v, NULL);
	enum MHD_Result r;
	if (!within_limits(q, c, user, &v, &r))
		return r;
	int ok = credentials_ok(q, user, pw);
	const char *session = NULL;
	if (ok == 1) {  /* 1: disabled in the meantime, as a wrong password */
		int started = inbox_session_start(q, c, user, &session);
		ok = started == 0 ? 1 : started == 1 ? 0 : -1;
	}
	if (ok < 0)
		return inbox_error(q, c, MHD_HTTP_SERVICE_UNAVAILABLE,
				   "Die Anmeldung ist gerade nicht möglich.", "60");
	if (!ok) {
		relay_log("info", "inbox_login_failed", "%s", "");
		v.user_error = BAD_LOGIN;
		return login_page(q, c, MHD_HTTP_UNPROCESSABLE_CONTENT, &v, NULL);
	}
	throttle_forget(q->env->ib->users, arena_printf(&q->a, "u:%s", user));
	relay_log("info", "inbox_login", "user=%s", user);
	return inbox_redirect(q, c, "", session,
			      inbox_cookie(q, INBOX_LOGIN_COOKIE, NULL, 0));
}

enum MHD_Result inbox_logout(struct inbox_req *q, struct MHD_Connection *c)
{
	struct store_session s;
	bool had = false;
	int rc = inbox_session(q, c, &s, &had);
	if (rc < 0)
		return inbox_error(q, c, MHD_HTTP_SERVICE_UNAVAILABLE,
				   "Der Posteingang ist gerade nicht erreichbar.", "60");
	if (rc == 0 && !inbox_csrf_ok(q, s.csrf))
		return inbox_error(q, c, MHD_HTTP_FORBIDDEN, "Das Formular kam nicht von "
				   "dieser Seite.", NULL);
	if (rc == 0) {
		inbox_session_end(q, c);
		relay_log("info", "inbox_logout", "user=%s", s.clerk.username);
	}
	return inbox_redirect(q, c, "anmelden?abgemeldet=1",
			      inbox_cookie(q, INBOX_SESSION_COOKIE, NULL, 0), NULL);
}
