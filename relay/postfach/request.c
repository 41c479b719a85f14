/* request.c - /postfach: the page that asks for a link, and the request.
 *
 * A request is checked in this order: the form's CSRF token (403), the
 * per-client limit (429), the address's syntax (422), then the store
 * counts and stores it under the per-address limit (429). Whether the
 * address has applications is not looked at here: every accepted request
 * is the same insert and gets the same page; the worker mails only the
 * links of addresses with applications (deliver/postfach_mail.h). */
#include "pf_int.h"
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "deliver/mailhdr.h"
#include "receive/citizen_csrf.h"
#include "receive/log.h"
#include "receive/server.h"
#include "store/token.h"
#include "util/random.h"
#include "util/utf8.h"

#define ANSWER "Wenn zu dieser Adresse Anträge vorliegen, erhalten Sie in " \
	"wenigen Minuten eine E-Mail mit einem Link. Er ist 30 Minuten gültig " \
	"und nur einmal verwendbar."

enum MHD_Result pf_request_page(struct postfach_req *q, struct MHD_Connection *c,
				unsigned status, struct postfach_request_view *v)
{
	const char *cookie = NULL;
	v->action = pf_url(q, "");
	if (q->env->identity)
		v->login_href = arena_printf(&q->a, "%s/anmelden?ziel=postfach",
					     q->env->cfg->public_url);
	v->csrf = citizen_csrf_issue(c, &q->a, pf_secure(q), &cookie);
	if (!v->email)
		v->email = "";
	struct buf b;
	struct diags d;
	buf_init(&b, PF_PAGE_MAX);
	diags_init(&d);
	int rc = q->env->forms && q->env->forms->renderer ?
		render_postfach_request(q->env->forms->renderer, v, &b, &d) : -1;
	diags_free(&d);
	enum MHD_Result r;
	if (rc < 0) {
		relay_log("error", "render_failed", "page=postfach_request");
		r = pf_error(q, c, MHD_HTTP_SERVICE_UNAVAILABLE,
			     "Das Postfach ist gerade nicht erreichbar.", "60");
	} else {
		struct pf_answer a = { .status = status, .page = &b,
				       .cookies = { cookie } };
		r = pf_send(q, c, &a);
	}
	buf_free(&b);
	return r;
}

enum MHD_Result pf_request_get(struct postfach_req *q, struct MHD_Connection *c)
{
	struct postfach_request_view v = { .email = "" };
	if (MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "abgemeldet"))
		v.notice = "Sie sind abgemeldet, Ihr Postfach ist geschlossen.";
	else if (MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "abgelaufen"))
		v.notice = "Ihr Postfach wurde nach 30 Minuten geschlossen. Fordern "
			   "Sie einen neuen Link an, um es wieder zu öffnen.";
	return pf_request_page(q, c, MHD_HTTP_OK, &v);
}

/* The address as typed, without surrounding blanks, and lower-cased for
 * the store (ASCII only: mail_addr_valid takes nothing else); NULL with
 * the message for the field when it is empty or no plain address. */
static const char *address(struct postfach_req *q, const char **error)
{
	const char *s = q->email.too_long ? "" : q->email.v;
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	char *e = arena_strndup(&q->a, s, n);
	for (char *p = e; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	const char *at = strchr(e, '@');
	if (!*e && !q->email.too_long)
		*error = "Geben Sie Ihre E-Mail-Adresse ein";
	else if (!mail_addr_valid(e) || !at || !strchr(at, '.'))
		*error = "Geben Sie eine E-Mail-Adresse im Format name@beispiel.de ein";
	else
		return e;
	return NULL;
}

/* The per-client limit; false with the 429 page queued in *r. */
static bool client_ok(struct postfach_req *q, struct MHD_Connection *c,
		      enum MHD_Result *r)
{
	unsigned wait = 0;
	if (ratelimit_take(q->env->pf->clients, q->env->client, mono_now(), &wait))
		return true;
	relay_log("warn", "postfach_throttled", "scope=client retry_after=%u", wait);
	*r = pf_error(q, c, MHD_HTTP_TOO_MANY_REQUESTS, "Von Ihrem Anschluss kamen "
		      "in kurzer Zeit zu viele Anfragen. Bitte versuchen Sie es in "
		      "einer Minute erneut.", arena_printf(&q->a, "%u", wait ? wait : 1));
	return false;
}

enum MHD_Result pf_request_post(struct postfach_req *q, struct MHD_Connection *c)
{
	if (!citizen_csrf_check(c, q->csrf.seen && !q->csrf.too_long ? q->csrf.v : NULL))
		return pf_error(q, c, MHD_HTTP_FORBIDDEN, "Das Formular ist abgelaufen "
				"oder kam nicht von dieser Seite. Bitte laden Sie die "
				"Seite neu und senden Sie es erneut.", NULL);
	enum MHD_Result r;
	if (!client_ok(q, c, &r))
		return r;
	const char *error = NULL, *email = address(q, &error);
	if (!email) {
		struct postfach_request_view v = { .email_error = error,
			.email = q->email.too_long || !utf8_valid(q->email.v, q->email.len) ?
				 "" : q->email.v };
		return pf_request_page(q, c, MHD_HTTP_UNPROCESSABLE_CONTENT, &v);
	}
	char token[32];
	unsigned char h[TOKEN_HASH_LEN];
	random_token(token, 24);        /* 144 bits, like the application's */
	token_hash(token, h);
	long long now = (long long)time(NULL);
	int rc = store_postfach_request(q->env->store, email, h, token, now,
					now + POSTFACH_LINK_SECONDS, POSTFACH_PER_ADDRESS);
	if (rc < 0)
		return pf_error(q, c, MHD_HTTP_SERVICE_UNAVAILABLE,
				"Das Postfach ist gerade nicht erreichbar. Bitte "
				"versuchen Sie es später erneut.", "60");
	if (rc == 1) {
		relay_log("warn", "postfach_throttled", "scope=address");
		return pf_error(q, c, MHD_HTTP_TOO_MANY_REQUESTS, "Für diese "
				"E-Mail-Adresse wurden in der letzten Stunde zu viele "
				"Links angefordert. Bitte versuchen Sie es in einer "
				"Stunde erneut.", "3600");
	}
	relay_log("info", "postfach_requested", "%s", "");
	if (q->env->wake)
		q->env->wake(q->env->wake_ctx);
	struct postfach_request_view v = { .notice = ANSWER };
	return pf_request_page(q, c, MHD_HTTP_OK, &v);
}
