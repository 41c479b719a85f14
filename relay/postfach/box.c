/* box.c - the opened Postfach: the mailed link used once, the session it
 * opens, the list of the address's applications, and closing it.
 *
 * The session cookie postfach_sitzung holds 256 random bits; the store
 * keeps only their SHA-256. Path=/postfach (no other page of relayd sees
 * it), HttpOnly, Secure when public_url is https, Max-Age 30 minutes (the
 * session ends then on the server too), and SameSite=Lax, not Strict: the
 * link is clicked in a mail program or webmail, a navigation from another
 * site, and the browser follows our 303 to the list as part of it - a
 * Strict cookie would not go with that redirect, and the list would ask
 * for a new link at once. Lax still keeps the cookie from every other
 * site's subrequests and posts; the one post (closing) carries a CSRF
 * token besides. */
#include "pf_int.h"
#include <string.h>
#include <time.h>
#include "receive/application.h"
#include "receive/citizen_csrf.h"
#include "receive/log.h"
#include "identity/identity.h"
#include "store/token.h"
#include "util/datetime.h"
#include "util/random.h"

#define SESSION_CHARS 43        /* 258 bits of base64url */
#define GONE "Dieser Link ist abgelaufen oder wurde schon verwendet. Ein " \
	"Link zum Postfach ist 30 Minuten gültig und nur einmal verwendbar. " \
	"Fordern Sie hier einen neuen an."
#define UNKNOWN "Diesen Link gibt es nicht. Prüfen Sie, ob Sie ihn vollständig " \
	"aus der E-Mail übernommen haben, oder fordern Sie hier einen neuen an."

static const char *session_cookie(struct postfach_req *q, const char *value)
{
	const char *secure = pf_secure(q) ? "; Secure" : "";
	if (!value)
		return arena_printf(&q->a, "%s=; Path=/postfach; Max-Age=0; HttpOnly; "
				    "SameSite=Lax%s", PF_SESSION_COOKIE, secure);
	return arena_printf(&q->a, "%s=%s; Path=/postfach; Max-Age=%d; HttpOnly; "
			    "SameSite=Lax%s", PF_SESSION_COOKIE, value,
			    POSTFACH_SESSION_SECONDS, secure);
}

/* The session cookie's hash when it has the shape of one. */
static bool session_hash(struct MHD_Connection *c, unsigned char h[TOKEN_HASH_LEN])
{
	const char *t = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, PF_SESSION_COOKIE);
	if (!t || !random_token_shape(t, SESSION_CHARS))
		return false;
	token_hash(t, h);
	return true;
}

enum MHD_Result pf_open(struct postfach_req *q, struct MHD_Connection *c,
			const char *token)
{
	struct postfach_request_view v = { .gone = UNKNOWN };
	/* HEAD (a link checker's) must not use up the link */
	if (!token_shape_ok(token) || q->head)
		return pf_request_page(q, c, MHD_HTTP_NOT_FOUND, &v);
	unsigned char h[TOKEN_HASH_LEN], sh[TOKEN_HASH_LEN];
	char session[SESSION_CHARS + 1];
	token_hash(token, h);
	random_token(session, SESSION_CHARS);
	token_hash(session, sh);
	long long now = (long long)time(NULL);
	const char *email = NULL;
	int rc = store_postfach_use(q->env->store, &q->a, h, now, sh,
				    now + POSTFACH_SESSION_SECONDS, &email);
	if (rc < 0)
		return pf_error(q, c, MHD_HTTP_SERVICE_UNAVAILABLE,
				"Das Postfach ist gerade nicht erreichbar.", "60");
	if (rc == 0) {
		relay_log("info", "postfach_opened", "%s", "");
		return pf_redirect(q, c, "/antraege", session_cookie(q, session), NULL);
	}
	if (rc == 1)
		v.gone = GONE;
	return pf_request_page(q, c, rc == 1 ? MHD_HTTP_GONE : MHD_HTTP_NOT_FOUND, &v);
}

static const struct postfach_row_view *rows_of(struct postfach_req *q,
					       const struct store_postfach_row *r,
					       size_t n)
{
	struct postfach_row_view *v = arena_alloc(&q->a, (n + 1) * sizeof *v);
	for (size_t i = 0; i < n; i++) {
		char when[64];
		if (de_date_time(when, sizeof when, (time_t)r[i].received_unix) < 0)
			when[0] = '\0';
		v[i] = (struct postfach_row_view){
			.href = arena_printf(&q->a, "%s/antrag/%s",
					     q->env->cfg->public_url, r[i].token),
			.reference = r[i].reference, .service = r[i].service_title,
			.city = r[i].city_name, .received = arena_strdup(&q->a, when),
			.status = application_status(r[i].status, r[i].office_delivered != 0,
						     r[i].office_failed != 0),
		};
	}
	return v;
}

/* The session's address, or the answer (303 to the request page, 503)
 * queued in *r. */
static const char *need_session(struct postfach_req *q, struct MHD_Connection *c,
				long long *expires, enum MHD_Result *r)
{
	const char *email = NULL;
	unsigned char h[TOKEN_HASH_LEN];
	int rc = session_hash(c, h) ?
		store_postfach_session(q->env->store, &q->a, h, (long long)time(NULL),
				       &email, expires) : 1;
	if (rc == 0)
		return email;
	if (rc < 0)
		*r = pf_error(q, c, MHD_HTTP_SERVICE_UNAVAILABLE,
			      "Das Postfach ist gerade nicht erreichbar.", "60");
	else
		*r = pf_redirect(q, c, "?abgelaufen=1", session_cookie(q, NULL), NULL);
	return NULL;
}

/* The list page of v, with the CSRF cookie to set (NULL: none). */
static enum MHD_Result send_list(struct postfach_req *q, struct MHD_Connection *c,
				 const struct postfach_list_view *v, const char *cookie)
{
	struct buf b;
	struct diags d;
	buf_init(&b, PF_PAGE_MAX);
	diags_init(&d);
	int rc = q->env->forms && q->env->forms->renderer ?
		render_postfach_list(q->env->forms->renderer, v, &b, &d) : -1;
	diags_free(&d);
	enum MHD_Result r;
	if (rc < 0) {
		relay_log("error", "render_failed", "page=postfach_list");
		r = pf_error(q, c, MHD_HTTP_SERVICE_UNAVAILABLE,
			     "Das Postfach ist gerade nicht erreichbar.", "60");
	} else {
		struct pf_answer a = { .status = MHD_HTTP_OK, .page = &b,
				       .cookies = { cookie } };
		r = pf_send(q, c, &a);
	}
	buf_free(&b);
	return r;
}

/* The list of a citizen logged in with the Servicekonto (issue 12): the
 * applications sent under that login (submissions.subject). */
static enum MHD_Result list_by_login(struct postfach_req *q, struct MHD_Connection *c,
				     const struct citizen *who)
{
	struct store_postfach_row *rows = NULL;
	size_t n = 0;
	if (store_postfach_list_by_subject(q->env->store, &q->a, who->subject,
					   PF_LIST_MAX + 1, &rows, &n) < 0)
		return pf_error(q, c, MHD_HTTP_SERVICE_UNAVAILABLE,
				"Das Postfach ist gerade nicht erreichbar.", "60");
	const char *cookie = NULL;
	struct postfach_list_view v = {
		.email = "", .rows = rows_of(q, rows, n > PF_LIST_MAX ? PF_LIST_MAX : n),
		.n_rows = n > PF_LIST_MAX ? PF_LIST_MAX : n, .more = n > PF_LIST_MAX,
		.until = "", .csrf = citizen_csrf_issue(c, &q->a, pf_secure(q), &cookie),
		.logout_action = pf_url(q, "/abmelden"), .request_href = pf_url(q, ""),
		.provider = who->provider,
	};
	return send_list(q, c, &v, cookie);
}

enum MHD_Result pf_list(struct postfach_req *q, struct MHD_Connection *c)
{
	struct citizen who;
	const char *login = MHD_lookup_connection_value(c, MHD_COOKIE_KIND,
							IDENTITY_COOKIE);
	if (login && identity_session(q->env->identity, &q->a, login, &who))
		return list_by_login(q, c, &who);
	long long expires = 0;
	enum MHD_Result r = MHD_NO;
	const char *email = need_session(q, c, &expires, &r);
	if (!email)
		return r;
	struct store_postfach_row *rows = NULL;
	size_t n = 0;
	if (store_postfach_list(q->env->store, &q->a, email, PF_LIST_MAX + 1,
				&rows, &n) < 0)
		return pf_error(q, c, MHD_HTTP_SERVICE_UNAVAILABLE,
				"Das Postfach ist gerade nicht erreichbar.", "60");
	const char *cookie = NULL;
	char until[64];
	if (de_date_time(until, sizeof until, (time_t)expires) < 0)
		until[0] = '\0';
	struct postfach_list_view v = {
		.email = email, .rows = rows_of(q, rows, n > PF_LIST_MAX ? PF_LIST_MAX : n),
		.n_rows = n > PF_LIST_MAX ? PF_LIST_MAX : n, .more = n > PF_LIST_MAX,
		.until = until, .csrf = citizen_csrf_issue(c, &q->a, pf_secure(q), &cookie),
		.logout_action = pf_url(q, "/abmelden"), .request_href = pf_url(q, ""),
	};
	return send_list(q, c, &v, cookie);
}

enum MHD_Result pf_logout(struct postfach_req *q, struct MHD_Connection *c)
{
	if (!citizen_csrf_check(c, q->csrf.seen && !q->csrf.too_long ? q->csrf.v : NULL))
		return pf_error(q, c, MHD_HTTP_FORBIDDEN, "Das Formular ist abgelaufen "
				"oder kam nicht von dieser Seite. Bitte laden Sie die "
				"Seite neu.", NULL);
	/* both ways in end here: the mailed link's session and the login
	 * with the Servicekonto (which also served the forms) */
	unsigned char h[TOKEN_HASH_LEN];
	const char *login = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, IDENTITY_COOKIE);
	if ((session_hash(c, h) && store_postfach_session_end(q->env->store, h) < 0) ||
	    identity_logout(q->env->identity, login) < 0)
		return pf_error(q, c, MHD_HTTP_SERVICE_UNAVAILABLE,
				"Das Postfach ist gerade nicht erreichbar.", "60");
	const char *gone = login ? arena_printf(&q->a, "%s=; Path=/; Max-Age=0; HttpOnly; "
						"SameSite=Lax%s", IDENTITY_COOKIE,
						pf_secure(q) ? "; Secure" : "") : NULL;
	return pf_redirect(q, c, "?abgemeldet=1", session_cookie(q, NULL), gone);
}
