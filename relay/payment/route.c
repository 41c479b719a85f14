/* route.c - the payment's routes (pay.h): one request from its first
 * call to its answer. A POST's urlencoded body is kept whole (at most
 * PAY_NOTICE_MAX bytes): the notice's parser needs its raw bytes, the pay
 * button's form only its csrf field. */
#include "pay.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "inbox/formbody.h"
#include "receive/application.h"
#include "receive/citizen_csrf.h"
#include "receive/log.h"
#include "util/buf.h"

#define CSP_NOTHING "default-src 'none'; base-uri 'none'; frame-ancestors 'none'"
#define PAGE_MAX ((size_t)4 << 20)
#define NOTIFY_PATH "/zahlung/benachrichtigung"
#define RETURN_PATH "/zahlung/rueckkehr"

enum pay_route { PR_NONE, PR_NOTICE, PR_RETURN, PR_PAY };

struct pay_req {
	const struct pay_env *env;
	struct arena a;
	enum pay_route route;
	char token[TOKEN_CHARS + 1]; /* PR_PAY: the application's token */
	struct buf body;
	bool body_init, too_large, answered;
	size_t seen;
};

bool pay_path(const char *url, const char *method)
{
	if (!strncmp(url, "/zahlung/", 9) || !strcmp(url, "/zahlung"))
		return true;
	if (strcmp(method, "POST") || strncmp(url, "/antrag/", 8))
		return false;
	const char *slash = strchr(url + 8, '/');
	return slash && !strcmp(slash, "/bezahlen");
}

void pay_req_free(struct pay_req *q)
{
	if (!q)
		return;
	if (q->body_init)
		buf_free(&q->body);
	arena_free(&q->a);
	free(q);
}

/* ---- answers ---- */

struct answer {
	unsigned status;
	const char *ctype;          /* NULL: text/html */
	const char *body;
	size_t len;
	const char *location, *cookie, *retry_after;
};

static enum MHD_Result pay_send(struct pay_req *q, struct MHD_Connection *c,
			    const struct answer *an)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(an->len, (void *)an->body,
					MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	q->answered = true;
	const struct forms *f = q->env->forms;
	bool html = !an->ctype;
	bool ok = MHD_add_response_header(r, "Content-Type", html ?
			"text/html; charset=utf-8" : an->ctype) == MHD_YES &&
		  MHD_add_response_header(r, "Cache-Control", "no-store") == MHD_YES &&
		  MHD_add_response_header(r, "X-Content-Type-Options", "nosniff") == MHD_YES &&
		  MHD_add_response_header(r, "Referrer-Policy", "no-referrer") == MHD_YES &&
		  MHD_add_response_header(r, "X-Robots-Tag", "noindex") == MHD_YES &&
		  MHD_add_response_header(r, "Content-Security-Policy",
					  html && f && f->csp_header ? f->csp_header :
					  CSP_NOTHING) == MHD_YES;
	if (ok && an->location)
		ok = MHD_add_response_header(r, "Location", an->location) == MHD_YES;
	if (ok && an->cookie)
		ok = MHD_add_response_header(r, "Set-Cookie", an->cookie) == MHD_YES;
	if (ok && an->retry_after)
		ok = MHD_add_response_header(r, "Retry-After", an->retry_after) == MHD_YES;
	enum MHD_Result ret = ok ? MHD_queue_response(c, an->status, r) : MHD_NO;
	MHD_destroy_response(r);
	return ret;
}

/* A page out of b; a truncated one never leaves. */
static enum MHD_Result send_page(struct pay_req *q, struct MHD_Connection *c,
				 unsigned status, struct buf *b, const char *cookie)
{
	static const char oops[] = "Interner Fehler. Bitte versuchen Sie es später erneut.\n";
	struct answer an = { status, NULL, b->data ? b->data : "", b->len, NULL, cookie, NULL };
	if (buf_failed(b)) {
		relay_log("error", "page_too_large", "page=payment max=%zu", b->max);
		an = (struct answer){ MHD_HTTP_INTERNAL_SERVER_ERROR,
				      "text/plain; charset=utf-8", oops, sizeof oops - 1,
				      NULL, NULL, NULL };
	}
	return pay_send(q, c, &an);
}

/* A themed error page (city NULL: the umbrella's look). */
static enum MHD_Result error_page(struct pay_req *q, struct MHD_Connection *c,
				  unsigned status, const struct city *city,
				  const char *message, const char *retry_after)
{
	if (status >= 500)
		relay_log("error", "payment_unavailable", "status=%u", status);
	struct buf b;
	struct diags d;
	buf_init(&b, PAGE_MAX);
	diags_init(&d);
	const struct forms *f = q->env->forms;
	if (!f || !f->renderer ||
	    render_error_page(f->renderer, city, (int)status, message, &b, &d) < 0 ||
	    buf_failed(&b)) {
		buf_reset(&b);
		buf_puts(&b, "<!doctype html><html lang=\"de\"><meta charset=\"utf-8\">"
			 "<meta name=\"robots\" content=\"noindex\"><title>Fehler</title><p>");
		buf_put_html(&b, message, strlen(message));
		buf_puts(&b, "</p></html>\n");
	}
	diags_free(&d);
	struct answer an = { status, NULL, b.data ? b.data : "", b.len, NULL, NULL,
			     retry_after };
	enum MHD_Result r = buf_failed(&b) ? send_page(q, c, status, &b, NULL) : pay_send(q, c, &an);
	buf_free(&b);
	return r;
}

static enum MHD_Result plain(struct pay_req *q, struct MHD_Connection *c, unsigned status,
			     const char *text)
{
	struct answer an = { status, "text/plain; charset=utf-8", text, strlen(text),
			     NULL, NULL, status == 503 ? "60" : NULL };
	return pay_send(q, c, &an);
}

/* ---- POST /zahlung/benachrichtigung ---- */

/* A value from outside, fit for the log: its own shape, else "-". */
static const char *loggable(const char *s)
{
	size_t n = strlen(s);
	return n && n <= 64 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				      "0123456789-_.") == n ? s : "-";
}

static unsigned refusal_status(enum pay_refusal r)
{
	switch (r) {
	case PAY_MALFORMED: return MHD_HTTP_BAD_REQUEST;
	case PAY_BAD_SIGNATURE: return MHD_HTTP_FORBIDDEN;
	case PAY_UNKNOWN_REFERENCE: return MHD_HTTP_NOT_FOUND;
	default: return MHD_HTTP_CONFLICT;  /* merchant, amount, currency */
	}
}

const char *pay_notice_result_name(int r)
{
	if (r == PAY_NOTICE_PAID)
		return "paid";
	if (r == PAY_NOTICE_CANCELLED)
		return "cancelled";
	if (r == PAY_NOTICE_UNCHANGED)
		return "unchanged";
	return pay_refusal_name((enum pay_refusal)r);
}

static void count_notice(struct pay_req *q, int result)
{
	if (q->env->notices && result >= 0 && result < PAY_NOTICE_RESULTS)
		atomic_fetch_add(&q->env->notices[result], 1);
}

static enum MHD_Result refuse_notice(struct pay_req *q, struct MHD_Connection *c,
				     enum pay_refusal why, const struct pay_notice *n)
{
	unsigned status = refusal_status(why);
	count_notice(q, (int)why);
	relay_log("warn", "payment_refused", "reason=%s status=%u reference=%s merchant=%s",
		  pay_refusal_name(why), status, n ? loggable(n->reference) : "-",
		  n ? loggable(n->merchant) : "-");
	return plain(q, c, status, arena_printf(&q->a, "refused: %s\n", pay_refusal_name(why)));
}

/* The account to check a notice with: the city's of the stored payment;
 * for a reference we do not have, the account the notice names (so a
 * well-signed notice of an unknown reference is told apart from a forged
 * one). */
static bool notice_account(struct pay_req *q, const struct pay_notice *n,
			   const struct store_payment *p, bool stored, struct pay_account *acc)
{
	const struct relay_config *cfg = q->env->cfg;
	if (stored) {
		int err = 0;
		struct submission *sub = store_load(q->env->store, &q->a, p->submission_id,
						    false, NULL, &err);
		return sub && pay_account_of(cfg, sub->city, acc);
	}
	for (size_t i = 0; i < cfg->payment.n_accounts; i++)
		if (!strcmp(cfg->payment.accounts[i].merchant, n->merchant))
			return pay_account_of(cfg, cfg->payment.accounts[i].city, acc);
	return false;
}

static enum MHD_Result notice(struct pay_req *q, struct MHD_Connection *c)
{
	const struct pay_provider *pv = pay_provider_of(q->env->cfg);
	struct pay_notice *n = arena_alloc(&q->a, sizeof *n);
	if (pv->parse_notice(q->body.data ? q->body.data : "", q->body.len, n) != PAY_OK)
		return refuse_notice(q, c, PAY_MALFORMED, NULL);
	struct store_payment p;
	int rc = store_payment_get(q->env->store, n->reference, 0, &p);
	if (rc < 0)
		return plain(q, c, MHD_HTTP_SERVICE_UNAVAILABLE, "database unavailable\n");
	struct pay_account acc;
	bool have = notice_account(q, n, &p, rc == 0, &acc);
	enum pay_refusal why = pay_notice_check(pv, have ? &acc : NULL, n, p.currency,
						p.amount_cents, rc == 0);
	if (why != PAY_OK)
		return refuse_notice(q, c, why, n);
	bool changed = false;
	bool paid = n->state == PAY_PAID;
	rc = store_payment_settle(q->env->store, n->reference, paid, n->txn,
				  (long long)time(NULL), &changed);
	if (rc != 0) {                  /* not committed: the provider retries */
		relay_log("error", "payment_settle_failed", "reference=%s error=\"%s\"",
			  n->reference, rc < 0 ? store_errmsg(q->env->store) : "gone");
		return plain(q, c, MHD_HTTP_SERVICE_UNAVAILABLE, "try again\n");
	}
	relay_log("info", "payment_notice", "reference=%s submission=%lld state=%s "
		  "changed=%d", n->reference, p.submission_id, paid ? "bezahlt" : "abgebrochen",
		  changed);
	count_notice(q, !changed ? PAY_NOTICE_UNCHANGED : paid ? PAY_NOTICE_PAID :
			PAY_NOTICE_CANCELLED);
	if (changed && paid && q->env->wake)   /* the office mail may be due now */
		q->env->wake(q->env->wake_ctx);
	return plain(q, c, MHD_HTTP_OK, "ok\n");
}

/* ---- GET /zahlung/rueckkehr?reference=.. ---- */

static enum MHD_Result return_page(struct pay_req *q, struct MHD_Connection *c)
{
	const char *ref = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "reference");
	static const char gone[] = "Diese Zahlung gibt es nicht (mehr). Den Stand Ihres "
				   "Antrags sehen Sie auf Ihrer persönlichen Antragsseite.";
	struct store_payment p;
	int rc = ref && token_shape_ok(ref) ? store_payment_get(q->env->store, ref, 0, &p) : 1;
	int err = 0;
	struct submission *sub = rc == 0 ? store_load(q->env->store, &q->a, p.submission_id,
						      false, NULL, &err) : NULL;
	if (rc < 0 || err)
		return error_page(q, c, MHD_HTTP_SERVICE_UNAVAILABLE, NULL,
				  "Die Seite ist gerade nicht erreichbar.", "60");
	const struct city_service *cs = sub ? forms_find(q->env->forms, sub->city,
							 sub->service) : NULL;
	if (!sub || !cs)
		return error_page(q, c, MHD_HTTP_NOT_FOUND, NULL, gone, NULL);
	const char *cookie = NULL;
	const char *csrf = citizen_csrf_issue(c, &q->a, q->env->cfg->inbox.cookie_secure,
					      &cookie);
	struct app_payment ap;
	rc = pay_section(q->env->store, &q->a, q->env->cfg, sub->id, sub->token, csrf, &ap);
	if (rc < 0)
		return error_page(q, c, MHD_HTTP_SERVICE_UNAVAILABLE, cs->city,
				  "Die Seite ist gerade nicht erreichbar.", "60");
	/* this reference's state, though a newer attempt may exist */
	const char *heading = "Zahlung eingegangen";
	if (!strcmp(p.state, "ausstehend")) {
		heading = "Ihre Zahlung wird noch bestätigt";
		ap.title = "Zahlung ausstehend";
		ap.text = "Sobald unser Zahlungsanbieter die Zahlung bestätigt hat, sehen "
			  "Sie es auf Ihrer Antragsseite. Das dauert in der Regel nur "
			  "wenige Minuten; bitte bezahlen Sie nicht noch einmal.";
		ap.action = NULL;
	} else if (!strcmp(p.state, "abgebrochen")) {
		heading = "Zahlung abgebrochen";
	}
	struct pay_page_view v = { heading, sub->reference, &ap,
		arena_printf(&q->a, "%s/antrag/%s", q->env->cfg->public_url, sub->token) };
	struct buf b;
	struct diags d;
	buf_init(&b, PAGE_MAX);
	diags_init(&d);
	rc = render_payment_page(q->env->forms->renderer, cs, &v, &b, &d);
	diags_free(&d);
	enum MHD_Result r = rc < 0 ?
		error_page(q, c, MHD_HTTP_INTERNAL_SERVER_ERROR, cs->city,
			   "Die Seite kann zurzeit nicht angezeigt werden.", NULL) :
		send_page(q, c, MHD_HTTP_OK, &b, cookie);
	buf_free(&b);
	return r;
}

/* ---- POST /antrag/<token>/bezahlen ---- */

static const char *redirect_url(struct pay_req *q, const struct pay_account *acc,
				const struct submission *sub, const struct store_payment *p)
{
	const struct relay_config *cfg = q->env->cfg;
	struct pay_request rq = {
		.reference = p->reference, .amount = p->amount_cents, .currency = p->currency,
		.description = arena_printf(&q->a, "%s %s", sub->service_title, sub->reference),
		.return_url = arena_printf(&q->a, "%s" RETURN_PATH "?reference=%s",
					   cfg->public_url, p->reference),
		.notify_url = arena_printf(&q->a, "%s" NOTIFY_PATH, cfg->public_url),
		.timestamp = (long long)time(NULL),
	};
	size_t len = 8192;
	char *out = arena_alloc(&q->a, len);
	return pay_provider_of(cfg)->redirect_url(acc, &rq, out, len) == 0 ? out : NULL;
}

static enum MHD_Result pay_now(struct pay_req *q, struct MHD_Connection *c)
{
	const struct relay_config *cfg = q->env->cfg;
	const char *csrf = urlencoded_field(&q->a, q->body.data ? q->body.data : "",
					    q->body.len, CITIZEN_CSRF_FIELD);
	if (!citizen_csrf_check(c, csrf)) {
		relay_log("info", "payment_start_refused", "reason=csrf status=403");
		return error_page(q, c, MHD_HTTP_FORBIDDEN, NULL, "Diese Anfrage kam nicht "
				  "von Ihrer Antragsseite. Bitte öffnen Sie die Seite Ihres "
				  "Antrags erneut und bezahlen Sie von dort.", NULL);
	}
	int err = 0;
	struct submission *sub = token_shape_submission(q->token) ?
		store_load_token(q->env->store, &q->a, q->token, false, NULL, &err) : NULL;
	if (err)
		return error_page(q, c, MHD_HTTP_SERVICE_UNAVAILABLE, NULL,
				  "Die Seite ist gerade nicht erreichbar.", "60");
	if (!sub)
		return error_page(q, c, MHD_HTTP_NOT_FOUND, NULL, "Diesen Antrag gibt es "
				  "nicht (mehr).", NULL);
	const struct city_service *cs = forms_find(q->env->forms, sub->city, sub->service);
	const struct city *city = cs ? cs->city : NULL;
	const char *app = arena_printf(&q->a, "%s/antrag/%s", cfg->public_url, q->token);
	struct store_payment p;
	int rc = store_payment_get(q->env->store, NULL, sub->id, &p);
	if (rc < 0)
		return error_page(q, c, MHD_HTTP_SERVICE_UNAVAILABLE, city,
				  "Die Seite ist gerade nicht erreichbar.", "60");
	if (rc == 1)
		return error_page(q, c, MHD_HTTP_CONFLICT, city, "Für diesen Antrag ist "
				  "keine Gebühr online zu bezahlen.", NULL);
	if (!strcmp(p.state, "bezahlt")) {     /* nothing to pay: back to the page */
		struct answer an = { MHD_HTTP_SEE_OTHER, "text/plain; charset=utf-8", "", 0,
				     app, NULL, NULL };
		return pay_send(q, c, &an);
	}
	struct pay_account acc;
	if (!pay_account_of(cfg, sub->city, &acc)) {
		relay_log("error", "payment_unconfigured", "city=%s reference=%s", sub->city,
			  sub->reference);
		return error_page(q, c, MHD_HTTP_SERVICE_UNAVAILABLE, city, "Die Online-"
				  "Zahlung ist zurzeit nicht möglich. Bitte versuchen Sie es "
				  "später erneut oder wenden Sie sich an die zuständige Stelle.",
				  "300");
	}
	if (!strcmp(p.state, "abgebrochen")) {
		/* a new attempt, same amount (computed from the stored answers
		 * when the application came), a new reference */
		struct store_payment fresh;
		char deliver[sizeof p.deliver];
		memcpy(deliver, p.deliver, sizeof deliver);
		if (store_payment_new(q->env->store, sub->id, p.amount_cents, deliver,
				      (long long)time(NULL), &fresh) != 0)
			return error_page(q, c, MHD_HTTP_SERVICE_UNAVAILABLE, city,
					  "Die Zahlung konnte nicht vorbereitet werden. Bitte "
					  "versuchen Sie es erneut.", "60");
		relay_log("info", "payment_retry", "submission=%lld reference=%s", sub->id,
			  fresh.reference);
		p = fresh;
	}
	const char *url = redirect_url(q, &acc, sub, &p);
	if (!url)
		return error_page(q, c, MHD_HTTP_INTERNAL_SERVER_ERROR, city, "Die Zahlung "
				  "konnte nicht vorbereitet werden.", NULL);
	relay_log("info", "payment_start", "submission=%lld reference=%s amount=%lld",
		  sub->id, p.reference, p.amount_cents);
	struct answer an = { MHD_HTTP_SEE_OTHER, "text/plain; charset=utf-8", "", 0, url,
			     NULL, NULL };
	return pay_send(q, c, &an);
}

/* ---- the request ---- */

static enum MHD_Result begin(struct pay_req *q, struct MHD_Connection *c,
			     const char *url, const char *method)
{
	bool post = !strcmp(method, "POST");
	bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	if (!strcmp(url, NOTIFY_PATH))
		q->route = PR_NOTICE;
	else if (!strcmp(url, RETURN_PATH))
		q->route = PR_RETURN;
	else if (post && !strncmp(url, "/antrag/", 8)) {
		size_t n = strcspn(url + 8, "/");
		if (n < sizeof q->token) {
			memcpy(q->token, url + 8, n);
			q->token[n] = '\0';
		}
		q->route = PR_PAY;
	}
	if (q->route == PR_NONE)
		return error_page(q, c, MHD_HTTP_NOT_FOUND, NULL, "Diese Seite gibt es nicht.",
				  NULL);
	if ((q->route == PR_RETURN && !get) || (q->route != PR_RETURN && !post))
		return error_page(q, c, MHD_HTTP_METHOD_NOT_ALLOWED, NULL,
				  "Diese Anfrage ist hier nicht möglich.", NULL);
	if (!q->env->store)
		return error_page(q, c, MHD_HTTP_SERVICE_UNAVAILABLE, NULL,
				  "Zahlungen sind ohne Datenbank nicht möglich.", NULL);
	if (q->route == PR_RETURN)
		return return_page(q, c);
	const char *msg;
	unsigned refused = urlencoded_post_refusal(c, PAY_NOTICE_MAX, &msg);
	if (refused)    /* the provider's notice: 400 and its log line */
		return q->route == PR_NOTICE ? refuse_notice(q, c, PAY_MALFORMED, NULL) :
		       error_page(q, c, refused, NULL, msg, NULL);
	buf_init(&q->body, PAY_NOTICE_MAX);
	q->body_init = true;
	return MHD_YES;             /* the body comes in the next calls */
}

enum MHD_Result pay_handle(const struct pay_env *env, struct pay_req **rq,
			   struct MHD_Connection *c, const char *url, const char *method,
			   const char *upload, size_t *upload_size)
{
	struct pay_req *q = *rq;
	if (!q) {
		q = *rq = xcalloc(1, sizeof *q);
		q->env = env;
		arena_init(&q->a);
		return begin(q, c, url, method);
	}
	if (q->answered) {              /* drop what still comes */
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size)
		return urlencoded_body_chunk(&q->body, &q->seen, &q->too_large, upload,
					     upload_size);
	if (q->too_large)
		return q->route == PR_NOTICE ? refuse_notice(q, c, PAY_MALFORMED, NULL) :
		       error_page(q, c, MHD_HTTP_CONTENT_TOO_LARGE, NULL, FORM_MSG_TOO_LARGE,
				  NULL);
	return q->route == PR_NOTICE ? notice(q, c) : pay_now(q, c);
}
