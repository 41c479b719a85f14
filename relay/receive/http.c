/* http.c - the libmicrohttpd callbacks (see server.h). One struct req per
 * request lives from the handler's first call to NOTIFY_COMPLETED, which
 * also runs for aborted requests and frees it. */
#include "server.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "util/buf.h"
#include "model/facts.h"
#include "model/fee.h"
#include "util/random.h"
#include "util/datetime.h"
#include "util/utf8.h"
#include "../validate/validate.h"
#include "application.h"
#include "client_addr.h"
#include "citizen_csrf.h"
#include "forms.h"
#include "thread.h"
#include "inbox/formbody.h"
#include "inbox/inbox.h"
#include "postfach/postfach.h"
#include "identity/identity.h"
#include "payment/amount.h"
#include "payment/pay.h"
#include "log.h"
#include "upload.h"

#define POST_BUFFER 16384
#define PAGE_MAX ((size_t)4 << 20)

enum route { R_NONE, R_SUBMIT, R_CONFIRM, R_APPLICATION, R_SEARCH, R_HEALTH,
	     R_METRICS, R_INBOX, R_DOCUMENT, R_POSTFACH, R_MESSAGE,
	     R_LOGIN, R_LOGIN_RETURN, R_CITIZEN_FORM, R_PAY };
enum phase { P_BODY, P_QUEUED, P_DONE };

struct part {
	char *name;
	bool is_file;
	struct buf data;
};

struct req {
	struct relay_server *srv;
	struct arena a;
	enum route route;
	enum phase phase;
	char city[65], service[65];
	struct forms *forms;
	const struct city_service *cs;
	struct MHD_PostProcessor *pp;
	size_t body;
	bool too_large, pp_error, want_json, multipart;
	struct part *parts;
	size_t n_parts, cap_parts;
	struct commit_req cr;
	double t0;
	/* the clerks' inbox under /amt/ (inbox/inbox.h) */
	struct inbox_env inbox_env;
	struct inbox_req *inbox;
	char client[CLIENT_KEY_MAX];
	char token[TOKEN_CHARS + 1]; /* R_DOCUMENT: the application's token */
	/* the citizens' Postfach under /postfach (postfach/postfach.h) */
	struct postfach_env pf_env;
	struct postfach_req *pf;
	/* online payment: /zahlung/... and POST /antrag/<token>/bezahlen */
	struct pay_env pay_env;
	struct pay_req *pay;
	/* a citizen's message (POST /antrag/<token>/nachricht): the
	 * urlencoded body, at most THREAD_BODY_MAX bytes */
	struct buf msg;
	bool msg_too_large;
	/* R_SUBMIT of a service that requires a login: the citizen's */
	struct citizen citizen;
	bool has_citizen;
	/* its verified values of the fields with prefill: */
	struct form_value *verified;
	size_t n_verified;
};

double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

const char *reject_reason_name(enum reject_reason r)
{
	static const char *const names[RJ_COUNT] = {
		"origin", "rate_limit", "too_large", "media_type", "not_found",
		"bad_request", "invalid", "honeypot", "store_error", "deadline",
		"login_required",
	};
	return r < RJ_COUNT ? names[r] : "unknown";
}

/* ---- responses ---- */

/* Pages relayd serves go out with no Referer (confirmation links carry
 * their token in the URL), except the form shown again after errors: its
 * post goes back to relayd and must carry an Origin, which a browser sends
 * as "null" under no-referrer. "same-origin" gives that post its Origin and
 * still sends nothing to any other site. */
enum referrer { REF_NONE, REF_SAME_ORIGIN };

/* Every answer carries a Content-Security-Policy: the page's own policy
 * (the same the layout puts in a <meta>, from the renderer) and that no
 * other site may frame it; JSON and plain answers load nothing at all. */
#define CSP_NOTHING "default-src 'none'; base-uri 'none'; frame-ancestors 'none'"

static enum MHD_Result send_page_ref(struct MHD_Connection *c, unsigned status,
				     const char *ctype, const char *body, size_t len,
				     const char *hname, const char *hval,
				     enum referrer ref, const char *csp)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body,
					MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", ctype);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", ref == REF_SAME_ORIGIN ?
				"same-origin" : "no-referrer");
	MHD_add_response_header(r, "X-Robots-Tag", "noindex");
	MHD_add_response_header(r, "Content-Security-Policy", csp);
	if (hname)
		MHD_add_response_header(r, hname, hval);
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* The one check before a page leaves: the pages below are built without
 * checking each append, and a buffer an append did not fit (buf_failed)
 * holds a truncated page, which must not go out. */
static enum MHD_Result send_buf(struct req *q, struct MHD_Connection *c,
				unsigned status, const char *ctype, const struct buf *b,
				const char *hname, const char *hval, enum referrer ref)
{
	if (buf_failed(b)) {
		static const char msg[] = "Interner Fehler. Bitte versuchen Sie es "
					  "später erneut.\n";
		relay_log("error", "page_too_large", "status=%u max=%zu city=%s service=%s",
			  status, b->max, q->city[0] ? q->city : "-",
			  q->service[0] ? q->service : "-");
		return send_page_ref(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
				     "text/plain; charset=utf-8", msg, sizeof msg - 1,
				     NULL, NULL, REF_NONE, CSP_NOTHING);
	}
	bool page = !strncmp(ctype, "text/html", 9) && q->forms && q->forms->csp_header;
	return send_page_ref(c, status, ctype, b->data ? b->data : "", b->len,
			     hname, hval, ref, page ? q->forms->csp_header : CSP_NOTHING);
}

/* An error for a person (themed page) or a program (JSON). */
static enum MHD_Result send_error(struct req *q, struct MHD_Connection *c,
				  unsigned status, enum reject_reason why,
				  const char *message, const char *hname,
				  const char *hval)
{
	struct relay_server *s = q->srv;
	if (q->route == R_SUBMIT) {     /* metrics count refused posts only */
		atomic_fetch_add(&s->rejected[why], 1);
		relay_log("info", "rejected", "reason=%s status=%u city=%s service=%s",
			  reject_reason_name(why), status, q->city[0] ? q->city : "-",
			  q->service[0] ? q->service : "-");
	} else if (status >= 500) {
		relay_log("error", "unavailable", "status=%u", status);
	}
	struct buf b;
	buf_init(&b, PAGE_MAX);
	const char *ctype = "application/json";
	if (q->want_json) {
		buf_puts(&b, "{\"errors\":[{\"field\":null,\"message\":\"");
		buf_put_json(&b, message, strlen(message));
		buf_puts(&b, "\"}]}");
	} else {
		ctype = "text/html; charset=utf-8";
		render_error_or_plain(q->forms ? q->forms->renderer : NULL,
				      q->cs ? q->cs->city : NULL, (int)status, message, &b);
	}
	enum MHD_Result r = send_buf(q, c, status, ctype, &b, hname, hval, REF_NONE);
	buf_free(&b);
	return r;
}

/* ---- routing ---- */

static enum route route_of(struct req *q, const char *method, const char *url)
{
	bool post = !strcmp(method, "POST");
	bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	if (inbox_path(url))
		return R_INBOX;         /* every method: the inbox answers */
	if (postfach_path(url))
		return R_POSTFACH;      /* every method, as the inbox */
	if (pay_path(url, method))
		return R_PAY;           /* every method: it answers them */
	if (get && !strcmp(url, "/healthz"))
		return R_HEALTH;
	if (get && !strcmp(url, "/metrics"))
		return R_METRICS;
	if (get && !strncmp(url, "/bestaetigung/", 14))
		return R_CONFIRM;
	if (get && !strncmp(url, "/antrag/", 8))
		return R_APPLICATION;
	if (get && (!strcmp(url, "/suche") || !strcmp(url, "/suche/")))
		return R_SEARCH;
	if (post && !strncmp(url, "/antrag/", 8)) {
		/* .../unterlagen: upload.h; everything else the message post,
		 * which answers an unknown path itself (thread.h) */
		const char *t = url + 8, *slash = strchr(t, '/');
		if (!slash || strcmp(slash, "/unterlagen") ||
		    (size_t)(slash - t) >= sizeof q->token)
			return R_MESSAGE;
		memcpy(q->token, t, (size_t)(slash - t));
		q->token[slash - t] = '\0';
		return R_DOCUMENT;
	}
	if (get && !strcmp(url, "/anmelden"))
		return R_LOGIN;
	if (get && !strcmp(url, "/anmelden/rueckkehr"))
		return R_LOGIN_RETURN;
	if (get && !strncmp(url, "/formular/", 10))
		return R_CITIZEN_FORM;
	if (post && !strncmp(url, "/submit/", 8)) {
		const char *c = url + 8, *slash = strchr(c, '/');
		if (!slash)
			return R_NONE;
		const char *sv = slash + 1;
		size_t sn = strlen(sv);
		if (sn && sv[sn - 1] == '/')
			sn--;
		/* the catalogue's slug rule; at most 64 bytes, so q->city fits */
		if (!is_slug_n(c, (size_t)(slash - c)) || !is_slug_n(sv, sn))
			return R_NONE;
		memcpy(q->city, c, (size_t)(slash - c));
		q->city[slash - c] = '\0';
		memcpy(q->service, sv, sn);
		q->service[sn] = '\0';
		return R_SUBMIT;
	}
	return R_NONE;
}

static bool wants_json(struct MHD_Connection *c)
{
	const char *acc = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");
	return acc && strstr(acc, "application/json") && !strstr(acc, "text/html");
}

/* "https://host:port/path" -> "https://host:port" */
static bool origin_of_url(const char *url, char *out, size_t n)
{
	const char *p = strstr(url, "://");
	if (!p)
		return false;
	p += 3;
	size_t len = (size_t)(p - url) + strcspn(p, "/?#");
	if (len >= n)
		return false;
	memcpy(out, url, len);
	out[len] = '\0';
	return true;
}

static bool origin_allowed(const struct relay_config *cfg, struct MHD_Connection *c)
{
	const char *o = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	char buf[300];
	if (!o) {
		const char *ref = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Referer");
		if (!ref || !origin_of_url(ref, buf, sizeof buf))
			return false;
		o = buf;
	}
	if (cfg->own_origin && !strcmp(o, cfg->own_origin))   /* relayd's own form page */
		return true;
	for (size_t i = 0; i < cfg->n_allowed_origins; i++)
		if (!strcmp(o, cfg->allowed_origins[i]))   /* exact: scheme, host, port */
			return true;
	return false;
}

/* The client the limits count (client_addr.h): the peer's address, or
 * X-Real-IP from the reverse proxy on loopback; an IPv6 client by its /64. */
static void client_ip(struct MHD_Connection *c, char out[CLIENT_KEY_MAX])
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	client_key(ci ? ci->client_addr : NULL,
		   MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Real-IP"), out);
}

/* Has the client (by its address) posted too much of late? Then *ret is
 * the 429 saying message, with Retry-After; else its post counts. */
static bool rate_limited(struct req *q, struct MHD_Connection *c, const char *message,
			 enum MHD_Result *ret)
{
	char ip[CLIENT_KEY_MAX], ra[16];
	unsigned retry = 0;
	client_ip(c, ip);
	if (ratelimit_take(q->srv->rl, ip, mono_now(), &retry))
		return false;
	snprintf(ra, sizeof ra, "%u", retry ? retry : 1);
	*ret = send_error(q, c, MHD_HTTP_TOO_MANY_REQUESTS, RJ_RATE, message, "Retry-After", ra);
	return true;
}

/* ---- body ---- */

static enum MHD_Result post_iter(void *cls, enum MHD_ValueKind kind,
				 const char *key, const char *filename,
				 const char *ctype, const char *enc,
				 const char *data, uint64_t off, size_t size)
{
	struct req *q = cls;
	(void)kind, (void)ctype, (void)enc;
	/* A multipart part without a usable name (no name=, garbled
	 * Content-Disposition, a NUL in the name) reaches us with key NULL or
	 * "": no form of ours sends that, so the whole post is malformed. */
	if (!key || !*key) {
		q->pp_error = true;
		return MHD_NO;
	}
	struct part *p = q->n_parts ? &q->parts[q->n_parts - 1] : NULL;
	/* libmicrohttpd 0.9.75 trap: when a chunk of the body ends one byte
	 * into a multipart value, the post processor calls us once with no
	 * data at offset 0 and then again with the value, also at offset 0.
	 * Taking the second call for a new part made a valid post a "repeated
	 * field" (400): about 1 in 100 large posts, as TCP cut the body
	 * (tests/t-relay-chunks.py cuts there on purpose). A part that has
	 * received nothing yet is continued by the next call for its name. */
	bool same = p && !strcmp(p->name, key) && (filename != NULL) == p->is_file;
	if (!same || (off == 0 && p->data.len > 0)) {
		if (q->n_parts == q->cap_parts) {
			size_t cap = q->cap_parts ? q->cap_parts * 2 : 16;
			if (cap > 4096)
				return MHD_NO;  /* absurd field count */
			q->parts = xrealloc(q->parts, cap * sizeof *q->parts);
			q->cap_parts = cap;
		}
		p = &q->parts[q->n_parts++];
		p->name = arena_strdup(&q->a, key);
		p->is_file = filename != NULL;
		buf_init(&p->data, q->srv->cfg->limits.max_body);
	}
	if (size && buf_append(&p->data, data, size) < 0)
		return MHD_NO;
	return MHD_YES;
}

static void free_parts(struct req *q)
{
	for (size_t i = 0; i < q->n_parts; i++)
		buf_free(&q->parts[i].data);
	free(q->parts);
	q->parts = NULL;
	q->n_parts = 0;
}

/* The values of q->cs's prefill fields from the citizen's verified
 * claims into q->verified (none without a citizen). */
static void verified_fields(struct req *q)
{
	q->n_verified = 0;
	if (!q->has_citizen || !q->cs)
		return;
	q->verified = arena_alloc(&q->a, (q->cs->n_fields + 1) * sizeof *q->verified);
	for (size_t i = 0; i < q->cs->n_fields; i++) {
		const struct field *f = q->cs->fields[i];
		const char *v = f->prefill && *f->prefill ?
			identity_claim(&q->a, q->citizen.claims, f->prefill) : NULL;
		if (v)
			q->verified[q->n_verified++] = (struct form_value){ f->name, v };
	}
}

/* A prefilled field's value is the login's, whatever the post says (a
 * browser cannot change a read-only field; a crafted post could): the
 * posted value is replaced, a missing one added. */
static void apply_verified(struct req *q, struct vinput *in)
{
	for (size_t k = 0; k < q->n_verified; k++) {
		const struct form_value *fv = &q->verified[k];
		bool found = false;
		for (size_t i = 0; i < in->n_values; i++)
			if (!strcmp(in->values[i].name, fv->name)) {
				in->values[i].value = fv->value;
				in->values[i].len = strlen(fv->value);
				found = true;
			}
		if (!found)
			in->values[in->n_values++] = (struct vin_value){
				fv->name, fv->value, strlen(fv->value) };
	}
}

static void build_input(struct req *q, struct vinput *in)
{
	memset(in, 0, sizeof *in);
	in->values = arena_alloc(&q->a, (q->n_parts + q->n_verified + 1) *
				 sizeof *in->values);
	in->files = arena_alloc(&q->a, (q->n_parts + 1) * sizeof *in->files);
	for (size_t i = 0; i < q->n_parts; i++) {
		struct part *p = &q->parts[i];
		const char *d = p->data.data ? p->data.data : "";
		if (p->is_file && p->data.len > 0)
			in->files[in->n_files++] = (struct vin_file){
				p->name, (const unsigned char *)d, p->data.len };
		else
			in->values[in->n_values++] = (struct vin_value){
				p->name, d, p->data.len };
	}
	apply_verified(q, in);
}

/* ---- the submit route ---- */

/* Whether the request carries a live citizen session (identity.h) of at
 * least the level q->cs requires; the citizen into q. */
static bool citizen_enough(struct req *q, struct MHD_Connection *c)
{
	const char *cookie = MHD_lookup_connection_value(c, MHD_COOKIE_KIND,
							 IDENTITY_COOKIE);
	q->has_citizen = identity_session(q->srv->identity, &q->a, cookie, &q->citizen);
	return q->has_citizen && q->citizen.level >= q->cs->service->identification;
}

/* 403 for a post of a service that requires a login, without one (or
 * of a lower level): however the form came about, nothing is taken. */
static enum MHD_Result refuse_without_login(struct req *q, struct MHD_Connection *c)
{
	struct relay_server *s = q->srv;
	atomic_fetch_add(&s->rejected[RJ_LOGIN], 1);
	relay_log("info", "rejected", "reason=login_required status=403 city=%s "
		  "service=%s level=%s", q->city, q->service,
		  q->has_citizen ? ident_level_names[q->citizen.level] : "-");
	const char *need = ident_level_names[q->cs->service->identification];
	const char *msg = arena_printf(&q->a, "Für diesen Antrag müssen Sie sich mit "
		"Ihrem Servicekonto oder der BundID anmelden, mindestens mit dem "
		"Vertrauensniveau „%s“. %sMelden Sie sich an und senden Sie das "
		"Formular danach erneut; Ihre Angaben wurden nicht gespeichert.", need,
		q->has_citizen ? "Ihre Anmeldung hat ein niedrigeres Vertrauensniveau. " : "");
	const char *login = arena_printf(&q->a, "%s/anmelden?dienst=%s/%s",
					 s->cfg->public_url, q->city, q->service);
	struct buf b;
	buf_init(&b, PAGE_MAX);
	const char *ctype = "application/json";
	struct diags d;
	diags_init(&d);
	if (q->want_json) {
		buf_puts(&b, "{\"errors\":[{\"field\":null,\"message\":\"");
		buf_put_json(&b, msg, strlen(msg));
		buf_puts(&b, "\"}]}");
	} else {
		ctype = "text/html; charset=utf-8";
		if (render_error_link_page(q->forms->renderer, q->cs->city, 403, msg,
					   "Anmelden mit Ihrem Servicekonto / BundID",
					   login, &b, &d) < 0) {
			buf_reset(&b);
			buf_puts(&b, "<!doctype html><html lang=\"de\"><meta charset=\"utf-8\">"
				 "<title>Anmeldung nötig</title><p>");
			buf_put_html(&b, msg, strlen(msg));
			buf_puts(&b, "</p></html>\n");
		}
	}
	diags_free(&d);
	enum MHD_Result r = send_buf(q, c, MHD_HTTP_FORBIDDEN, ctype, &b, NULL, NULL,
				     REF_NONE);
	buf_free(&b);
	return r;
}

/* The verified login on the stored submission (submission.h): who, by
 * which provider, at which level, when. */
static void attach_identity(struct req *q, struct submission *sub)
{
	if (!q->has_citizen)
		return;
	struct buf b;
	buf_init(&b, 4096);
	buf_puts(&b, "{\"provider\":\"");
	buf_put_json(&b, q->citizen.provider, strlen(q->citizen.provider));
	buf_printf(&b, "\",\"level\":\"%s\",\"at\":%lld,\"fields\":[",
		   ident_level_names[q->citizen.level], q->citizen.login_unix);
	for (size_t i = 0; i < q->n_verified; i++)
		buf_printf(&b, "%s\"%s\"", i ? "," : "", q->verified[i].name);
	buf_puts(&b, "]}");
	if (!buf_failed(&b) && buf_putc(&b, '\0') == 0) {
		sub->subject = q->citizen.subject;
		sub->identity = arena_strdup(&q->a, b.data);
	}
	buf_free(&b);
}

static enum MHD_Result submit_begin(struct req *q, struct MHD_Connection *c)
{
	struct relay_server *s = q->srv;
	const struct relay_config *cfg = s->cfg;
	if (!origin_allowed(cfg, c))
		return send_error(q, c, MHD_HTTP_FORBIDDEN, RJ_ORIGIN,
				  "Diese Anfrage kam nicht von einer Seite des "
				  "Serviceportals.", NULL, NULL);
	enum MHD_Result limited;
	if (rate_limited(q, c, "Sie haben in kurzer Zeit zu viele Anträge gesendet. "
			 "Versuchen Sie es in einer Minute erneut.", &limited))
		return limited;
	char today[11];
	q->cs = forms_find(q->forms, q->city, q->service);
	if (!q->cs || !validate_accepting(q->cs, berlin_today(today))) {
		q->cs = NULL;
		return send_error(q, c, MHD_HTTP_NOT_FOUND, RJ_NOT_FOUND,
				  "Dieses Formular gibt es nicht oder es nimmt "
				  "zurzeit keine Anträge an.", NULL, NULL);
	}
	if (q->cs->service->identification != IDENT_NONE && !citizen_enough(q, c))
		return refuse_without_login(q, c);
	verified_fields(q);
	const char *len = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						      "Content-Length");
	if (len && strtoull(len, NULL, 10) > cfg->limits.max_body)
		return send_error(q, c, MHD_HTTP_CONTENT_TOO_LARGE, RJ_TOO_LARGE,
				  "Ihr Antrag ist zu groß. Verkleinern Sie die "
				  "angehängten Dateien.", NULL, NULL);
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						     "Content-Type");
	q->multipart = ct && !strncasecmp(ct, "multipart/", 10);
	q->pp = MHD_create_post_processor(c, POST_BUFFER, post_iter, q);
	if (!q->pp)
		return send_error(q, c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, RJ_MEDIA_TYPE,
				  "Das Formular wurde in einem unbekannten Format "
				  "gesendet.", NULL, NULL);
	return MHD_YES;
}

static enum MHD_Result submit_body(struct req *q, const char *data, size_t *size)
{
	size_t n = *size;
	*size = 0;
	q->body += n;
	if (q->body > q->srv->cfg->limits.max_body) {
		q->too_large = true;
		/* discard, answer 413 at the end; hang up on a flood */
		return q->body > 2 * q->srv->cfg->limits.max_body ? MHD_NO : MHD_YES;
	}
	if (!q->too_large && !q->pp_error &&
	    MHD_post_process(q->pp, data, n) != MHD_YES)
		q->pp_error = true;
	return MHD_YES;
}

static enum MHD_Result render_invalid(struct req *q, struct MHD_Connection *c,
				      const struct voutput *v)
{
	struct relay_server *s = q->srv;
	atomic_fetch_add(&s->rejected[RJ_INVALID], 1);
	relay_log("info", "rejected", "reason=invalid status=422 city=%s service=%s "
		"errors=%zu", q->city, q->service, v->n_errors);
	struct buf b;
	buf_init(&b, PAGE_MAX);
	const char *ctype = "application/json";
	if (q->want_json) {
		buf_puts(&b, "{\"errors\":[");
		for (size_t i = 0; i < v->n_errors; i++) {
			buf_puts(&b, i ? ",{\"field\":\"" : "{\"field\":\"");
			buf_put_json(&b, v->errors[i].field, strlen(v->errors[i].field));
			buf_puts(&b, "\",\"message\":\"");
			buf_put_json(&b, v->errors[i].message, strlen(v->errors[i].message));
			buf_puts(&b, "\"}");
		}
		buf_puts(&b, "]}");
	} else {
		struct form_state st = { v->values, v->n_values, v->errors, v->n_errors,
					 v->reattach, v->n_reattach,
					 q->has_citizen ? q->citizen.provider : NULL,
					 q->has_citizen ? q->citizen.level : 0,
					 q->verified, q->n_verified };
		struct diags d;
		diags_init(&d);
		ctype = "text/html; charset=utf-8";
		if (render_form_page(q->forms->renderer, q->cs, &st, &b, &d) < 0 ||
		    buf_failed(&b)) {
			buf_reset(&b);
			buf_puts(&b, "<!doctype html><html lang=\"de\"><meta charset=\"utf-8\">"
				 "<title>Fehler</title><h1>Es gibt ein Problem</h1><ul>");
			for (size_t i = 0; i < v->n_errors; i++) {
				buf_puts(&b, "<li>");
				buf_put_html(&b, v->errors[i].message,
					     strlen(v->errors[i].message));
				buf_puts(&b, "</li>");
			}
			buf_puts(&b, "</ul></html>\n");
			relay_log("error", "render_failed", "page=form city=%s service=%s",
				q->city, q->service);
		}
		diags_free(&d);
	}
	enum MHD_Result r = send_buf(q, c, MHD_HTTP_UNPROCESSABLE_CONTENT, ctype, &b,
				     NULL, NULL, REF_SAME_ORIGIN);
	buf_free(&b);
	return r;
}

static enum MHD_Result send_see_other(struct req *q, struct MHD_Connection *c,
				      const char *token, const char *reference)
{
	char loc[600];
	int n = snprintf(loc, sizeof loc, "%s/bestaetigung/%s",
			 q->srv->cfg->public_url, token);
	if (n < 0 || (size_t)n >= sizeof loc)
		return MHD_NO;
	struct buf b;
	buf_init(&b, 4096);
	if (q->want_json)
		buf_printf(&b, "{\"reference\":\"%s\",\"location\":\"%s\"}",
			   reference, loc);
	else
		buf_printf(&b, "<!doctype html><title>Gespeichert</title>"
			   "<p><a href=\"%s\">Weiter</a></p>\n", loc);
	enum MHD_Result r = send_buf(q, c, MHD_HTTP_SEE_OTHER,
				     q->want_json ? "application/json" :
				     "text/html; charset=utf-8",
				     &b, "Location", loc, REF_NONE);
	buf_free(&b);
	return r;
}

/* The fee of a service paid online (payment/pay.h): the amount from the
 * answers as they will be stored (never from anything else the browser
 * sent), stored with the submission as a pending payment in its
 * transaction; with deliver: after_payment the office mail waits for the
 * provider's notice. A city without an account takes the application as
 * before (relayd said so at start). 0, or -1 when the answers do not fit
 * the fee (a count out of range). */
static int hold_for_payment(struct req *q, const struct submission *sub)
{
	struct pay_account acc;
	if (!q->cs->fee || !pay_account_of(q->srv->cfg, q->city, &acc))
		return 0;
	long long amount = pay_amount(q->cs, sub);
	if (amount < 0)
		return -1;
	if (amount == 0)
		return 0;               /* exempt: delivered as any application */
	q->cr.item.pay_amount = amount;
	q->cr.item.pay_deliver = fee_deliver_name(q->cs->fee->deliver);
	q->cr.item.hold_office = q->cs->fee->deliver == FEE_AFTER_PAYMENT;
	return 0;
}

static enum MHD_Result submit_end(struct req *q, struct MHD_Connection *c)
{
	struct relay_server *s = q->srv;
	if (q->phase == P_QUEUED) {     /* resumed after the group commit */
		q->phase = P_DONE;
		if (!q->cr.stored)
			return send_error(q, c, MHD_HTTP_SERVICE_UNAVAILABLE, RJ_STORE,
					  "Ihr Antrag konnte nicht gespeichert werden. "
					  "Bitte versuchen Sie es später erneut.",
					  "Retry-After", "60");
		atomic_fetch_add(&s->accepted, 1);
		relay_log("info", "accepted", "city=%s service=%s reference=%s id=%lld "
			"payment=%lld ms=%.1f", q->city, q->service, q->cr.item.reference,
			q->cr.item.id, q->cr.item.pay_amount, (mono_now() - q->t0) * 1000.0);
		return send_see_other(q, c, q->cr.item.token, q->cr.item.reference);
	}
	q->phase = P_DONE;
	if (q->too_large)
		return send_error(q, c, MHD_HTTP_CONTENT_TOO_LARGE, RJ_TOO_LARGE,
				  "Ihr Antrag ist zu groß. Verkleinern Sie die "
				  "angehängten Dateien.", NULL, NULL);
	/* MHD_NO here means a malformed or truncated body: never store half */
	enum MHD_Result ok = MHD_destroy_post_processor(q->pp);
	q->pp = NULL;
	/* Every form of ours has fields: a multipart body in which
	 * libmicrohttpd found no part never contained its boundary. */
	if (ok != MHD_YES || q->pp_error || (q->multipart && q->n_parts == 0))
		return send_error(q, c, MHD_HTTP_BAD_REQUEST, RJ_BAD_REQUEST,
				  "Das Formular kam unvollständig an. Bitte senden "
				  "Sie es erneut.", NULL, NULL);
	struct vinput in;
	struct voutput v;
	build_input(q, &in);
	validate_form(&q->a, q->cs, &in, &v);
	switch (v.status) {
	case V_BAD:
		relay_log("info", "bad_form", "reason=%s", v.reason);
		return send_error(q, c, MHD_HTTP_BAD_REQUEST, RJ_BAD_REQUEST,
				  "Das Formular enthält Angaben, die es nicht gibt.",
				  NULL, NULL);
	case V_INVALID:
		return render_invalid(q, c, &v);
	case V_HONEYPOT: {
		atomic_fetch_add(&s->rejected[RJ_HONEYPOT], 1);
		relay_log("info", "honeypot", "city=%s service=%s", q->city, q->service);
		char tok[TOKEN_CHARS + 1];
		token_make_random(tok);
		return send_see_other(q, c, tok, "");
	}
	case V_OK:
		break;
	}
	if (!s->store) {                /* --no-store: the HTTP ceiling */
		atomic_fetch_add(&s->accepted, 1);
		char tok[TOKEN_CHARS + 1];
		token_make_random(tok);
		return send_see_other(q, c, tok, "NOSTORE");
	}
	attach_identity(q, v.sub);
	if (hold_for_payment(q, v.sub) < 0)
		return send_error(q, c, MHD_HTTP_UNPROCESSABLE_CONTENT, RJ_INVALID,
				  "Die Gebühr kann aus Ihren Angaben nicht berechnet "
				  "werden. Bitte prüfen Sie die Anzahl.", NULL, NULL);
	q->cr.item.sub = v.sub;
	q->cr.item.ref_prefix = q->cs->city->ref_prefix;
	q->cr.item.receipt = s->cfg->receipt;
	q->cr.conn = c;
	q->phase = P_QUEUED;
	committer_submit(&s->committer, &q->cr);
	return MHD_YES;                 /* suspended until the COMMIT returned */
}

/* ---- other routes ---- */

/* What the confirmation says of the receipt mail, from its outbox job:
 * sent, on its way, or none (no receipts configured, no address given,
 * or the job failed). NULL when the store cannot tell. */
static const char *receipt_sentence(struct req *q, const struct submission *sub)
{
	struct store_job *jobs = NULL;
	size_t n = 0;
	if (store_jobs(q->srv->store, &q->a, sub->id, &jobs, &n) < 0)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(jobs[i].kind, "receipt"))
			continue;
		if (jobs[i].delivered_unix)
			return "Eine Eingangsbestätigung mit Ihrer Vorgangsnummer haben wir an "
			       "Ihre E-Mail-Adresse gesendet.";
		if (!jobs[i].failed_unix)
			return "Eine Eingangsbestätigung mit Ihrer Vorgangsnummer senden wir "
			       "an Ihre E-Mail-Adresse; sie kommt in der Regel in wenigen "
			       "Minuten an.";
	}
	return "Eine Eingangsbestätigung per E-Mail erhalten Sie nicht. Bitte "
	       "notieren Sie die Vorgangsnummer oder drucken Sie diese Seite.";
}

/* The submission of a private link (/bestaetigung/<token>, /antrag/<token>),
 * or NULL when the answer (404 or 503) has been queued in *r. */
static struct submission *by_token(struct req *q, struct MHD_Connection *c,
				   const char *tok, bool with_files,
				   const char *gone, enum MHD_Result *r)
{
	struct relay_server *s = q->srv;
	struct submission *sub = NULL;
	int err = 0;
	if (token_shape_submission(tok) && s->store)
		sub = store_load_token(s->store, &q->a, tok, with_files, NULL, &err);
	if (sub) {
		snprintf(q->city, sizeof q->city, "%s", sub->city);
		snprintf(q->service, sizeof q->service, "%s", sub->service);
		q->cs = forms_find(q->forms, sub->city, sub->service);
		return sub;
	}
	if (err)
		*r = send_error(q, c, MHD_HTTP_SERVICE_UNAVAILABLE, RJ_STORE,
				"Die Seite ist gerade nicht erreichbar.",
				"Retry-After", "60");
	else
		*r = send_error(q, c, MHD_HTTP_NOT_FOUND, RJ_NOT_FOUND, gone, NULL, NULL);
	return NULL;
}

static enum MHD_Result confirm_page(struct req *q, struct MHD_Connection *c,
				    const char *url)
{
	const char *tok = url + strlen("/bestaetigung/");
	enum MHD_Result r;
	struct submission *sub = by_token(q, c, tok, false,
					  "Diese Bestätigung gibt es nicht (mehr).", &r);
	if (!sub)
		return r;
	char when[64];          /* "2. Dezember 2026, 16:59 Uhr", never UTC */
	de_stamp(sub->received_at, when, sizeof when);
	const char *receipt = receipt_sentence(q, sub);
	char app_url[600];
	int k = snprintf(app_url, sizeof app_url, "%s/antrag/%s",
			 q->srv->cfg->public_url, tok);
	const char *set_cookie = NULL;
	struct app_payment pay;
	int paid = pay_section(q->srv->store, &q->a, q->srv->cfg, sub->id, tok,
			       citizen_csrf_issue(c, &q->a, q->srv->cfg->inbox.cookie_secure,
						  &set_cookie), &pay);
	struct buf b;
	buf_init(&b, PAGE_MAX);
	struct diags d;
	diags_init(&d);
	if (!q->cs || render_confirmation_page(q->forms->renderer, q->cs,
					       sub->reference, when, receipt,
					       k > 0 && (size_t)k < sizeof app_url ?
					       app_url : NULL, paid > 0 ? &pay : NULL,
					       &b, &d) < 0 || buf_failed(&b)) {
		buf_reset(&b);
		buf_puts(&b, "<!doctype html><html lang=\"de\"><meta charset=\"utf-8\">"
			 "<title>Antrag eingegangen</title><h1>Antrag eingegangen</h1>"
			 "<p>Ihre Vorgangsnummer: <strong>");
		buf_put_html(&b, sub->reference, strlen(sub->reference));
		buf_puts(&b, "</strong></p></html>\n");
	}
	diags_free(&d);
	r = send_buf(q, c, MHD_HTTP_OK, "text/html; charset=utf-8", &b,
		     paid > 0 ? "Set-Cookie" : NULL, set_cookie, REF_NONE);
	buf_free(&b);
	return r;
}

/* What the application page carries besides the page itself: after a
 * refused message its error and text, after a sent one the notice; after
 * a refused later document, the upload field's error. */
struct thread_state {
	const char *error, *text, *notice;
	const char *upload_error;
};

/* The application's own page (application.h) with its messages
 * (thread.h) and its upload section (upload.h): status 200, or 422 with
 * the message form's or the upload's error. Like the confirmation it is
 * sent with no-store, no Referer and noindex. Its forms' posts are not
 * checked by their Origin (a browser sends "null" under no-referrer) but
 * by the token in their path and one CSRF token for the page (the
 * antrag_csrf cookie, citizen_csrf.h). */
static enum MHD_Result application_page_of(struct req *q, struct MHD_Connection *c,
					   const struct submission *sub, const char *tok,
					   unsigned status, const struct thread_state *ts)
{
	struct app_view v;
	struct app_thread t = { 0 };
	if (application_view(q->srv->store, &q->a, q->cs, sub, &v) < 0 ||
	    thread_load(q->srv->store, &q->a, sub, false, 0, &t) < 0)
		return send_error(q, c, MHD_HTTP_SERVICE_UNAVAILABLE, RJ_STORE,
				  "Die Seite ist gerade nicht erreichbar.",
				  "Retry-After", "60");
	const char *set_cookie = NULL;
	const char *csrf = citizen_csrf_issue(c, &q->a, q->srv->cfg->inbox.cookie_secure,
					      &set_cookie);
	struct app_upload up;
	upload_section(&q->a, q->srv->cfg->public_url, q->cs, sub, tok, csrf,
		       ts ? ts->upload_error : NULL, &up);
	v.upload = &up;
	const char *base = arena_printf(&q->a, "%s/antrag/%s", q->srv->cfg->public_url, tok);
	t.csrf = csrf;
	/* no fragment: a 422 page at #nachrichten would not focus its error
	 * summary (autofocus yields to a fragment's target) */
	t.action = arena_printf(&q->a, "%s/nachricht", base);
	t.poll_url = arena_printf(&q->a, "%s/nachrichten.json", base);
	t.label = "Ihre Nachricht an die zuständige Stelle";
	t.hint = "Höchstens 5.000 Zeichen. Die Stelle erhält eine E-Mail, dass eine "
		 "neue Nachricht da ist; den Text liest sie nur hier.";
	t.button = "Nachricht senden";
	t.empty = "Noch keine Nachrichten. Hier können Sie der zuständigen Stelle "
		  "schreiben; ihre Antwort erscheint ebenfalls hier.";
	t.text = ts && ts->text ? ts->text : "";
	t.error = ts ? ts->error : NULL;
	t.notice = ts ? ts->notice : NULL;
	v.thread = &t;
	struct app_payment pay;
	int paid = pay_section(q->srv->store, &q->a, q->srv->cfg, sub->id, tok, csrf, &pay);
	if (paid < 0)
		return send_error(q, c, MHD_HTTP_SERVICE_UNAVAILABLE, RJ_STORE,
				  "Die Seite ist gerade nicht erreichbar.",
				  "Retry-After", "60");
	v.payment = paid > 0 ? &pay : NULL;
	struct buf b;
	buf_init(&b, PAGE_MAX);
	struct diags d;
	diags_init(&d);
	int rc = q->cs ? render_application_page(q->forms->renderer, q->cs, &v, &b, &d) : -1;
	if (rc < 0 || buf_failed(&b)) {
		/* a service since removed from the catalogue: the plain facts */
		if (q->cs)
			relay_log("error", "render_failed", "page=application city=%s "
				  "service=%s", q->city, q->service);
		buf_reset(&b);
		buf_puts(&b, "<!doctype html><html lang=\"de\"><meta charset=\"utf-8\">"
			 "<meta name=\"robots\" content=\"noindex\">"
			 "<title>Ihr Antrag</title><h1>Ihr Antrag</h1><p>Vorgangsnummer: ");
		buf_put_html(&b, v.reference, strlen(v.reference));
		buf_puts(&b, "</p><p>Aktueller Stand: ");
		buf_put_html(&b, v.status, strlen(v.status));
		const char *error = ts ? (ts->error ? ts->error : ts->upload_error) : NULL;
		if (error) {
			buf_puts(&b, "</p><p>");
			buf_put_html(&b, error, strlen(error));
		}
		buf_puts(&b, "</p></html>\n");
	}
	diags_free(&d);
	enum MHD_Result r = send_buf(q, c, status, "text/html; charset=utf-8", &b,
				     set_cookie ? "Set-Cookie" : NULL, set_cookie,
				     REF_NONE);
	buf_free(&b);
	return r;
}

/* ---- POST /antrag/<token>/unterlagen (upload.h) ---- */

static enum MHD_Result document_begin(struct req *q, struct MHD_Connection *c)
{
	struct relay_server *s = q->srv;
	if (!s->store)
		return send_error(q, c, MHD_HTTP_SERVICE_UNAVAILABLE, RJ_STORE,
				  "Unterlagen können gerade nicht angenommen werden.",
				  "Retry-After", "60");
	/* without the cookie the post cannot pass: refuse before the body */
	if (!MHD_lookup_connection_value(c, MHD_COOKIE_KIND, CITIZEN_CSRF_COOKIE))
		return send_error(q, c, MHD_HTTP_FORBIDDEN, RJ_ORIGIN,
				  "Diese Anfrage kam nicht von Ihrer Antragsseite. Bitte "
				  "öffnen Sie die Seite Ihres Antrags erneut und senden "
				  "Sie die Unterlagen von dort.", NULL, NULL);
	enum MHD_Result limited;
	if (rate_limited(q, c, "Sie haben in kurzer Zeit zu viele Dateien gesendet. "
			 "Versuchen Sie es in einer Minute erneut.", &limited))
		return limited;
	const char *len = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						      "Content-Length");
	if (len && strtoull(len, NULL, 10) > s->cfg->limits.max_body)
		return send_error(q, c, MHD_HTTP_CONTENT_TOO_LARGE, RJ_TOO_LARGE,
				  "Die Dateien sind zu groß. Senden Sie kleinere "
				  "oder weniger Dateien auf einmal.", NULL, NULL);
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						     "Content-Type");
	q->multipart = ct && !strncasecmp(ct, "multipart/form-data", 19);
	q->pp = q->multipart ? MHD_create_post_processor(c, POST_BUFFER, post_iter, q)
			     : NULL;
	if (!q->pp)
		return send_error(q, c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, RJ_MEDIA_TYPE,
				  "Die Dateien wurden in einem unbekannten Format "
				  "gesendet.", NULL, NULL);
	return MHD_YES;
}

static const char *posted_csrf(const struct vinput *in)
{
	for (size_t i = 0; i < in->n_values; i++)
		if (!strcmp(in->values[i].name, CITIZEN_CSRF_FIELD))
			return in->values[i].value;
	return NULL;
}

static enum MHD_Result document_end(struct req *q, struct MHD_Connection *c)
{
	q->phase = P_DONE;
	if (q->too_large)
		return send_error(q, c, MHD_HTTP_CONTENT_TOO_LARGE, RJ_TOO_LARGE,
				  "Die Dateien sind zu groß. Senden Sie kleinere "
				  "oder weniger Dateien auf einmal.", NULL, NULL);
	enum MHD_Result ok = MHD_destroy_post_processor(q->pp);
	q->pp = NULL;
	if (ok != MHD_YES || q->pp_error || q->n_parts == 0)
		return send_error(q, c, MHD_HTTP_BAD_REQUEST, RJ_BAD_REQUEST,
				  "Die Dateien kamen unvollständig an. Bitte senden "
				  "Sie sie erneut.", NULL, NULL);
	struct vinput in;
	build_input(q, &in);
	if (!citizen_csrf_check(c, posted_csrf(&in)))
		return send_error(q, c, MHD_HTTP_FORBIDDEN, RJ_ORIGIN,
				  "Diese Anfrage kam nicht von Ihrer Antragsseite. Bitte "
				  "öffnen Sie die Seite Ihres Antrags erneut und senden "
				  "Sie die Unterlagen von dort.", NULL, NULL);
	enum MHD_Result r;
	struct submission *sub = by_token(q, c, q->token, true,
					  "Diesen Antrag gibt es nicht (mehr).", &r);
	if (!sub)
		return r;
	struct upload_outcome out;
	upload_store(q->srv->store, &q->a, q->cs, sub, &in, &out);
	relay_log("info", out.status == 303 ? "documents_stored" : "documents_refused",
		  "status=%u reference=%s files=%zu names=%s ms=%.1f", out.status,
		  sub->reference, out.stored, out.names, (mono_now() - q->t0) * 1000.0);
	if (out.status == 422)
	{
		struct thread_state ts = { .upload_error = out.error };
		return application_page_of(q, c, sub, q->token,
					   MHD_HTTP_UNPROCESSABLE_CONTENT, &ts);
	}
	if (out.status == 400)
		return send_error(q, c, MHD_HTTP_BAD_REQUEST, RJ_BAD_REQUEST,
				  "Die Anfrage enthält Angaben, die es nicht gibt.",
				  NULL, NULL);
	if (out.status != 303)
		return send_error(q, c, out.status == 404 ? MHD_HTTP_NOT_FOUND :
				  MHD_HTTP_SERVICE_UNAVAILABLE, out.status == 404 ?
				  RJ_NOT_FOUND : RJ_STORE, out.status == 404 ?
				  "Diesen Antrag gibt es nicht (mehr)." :
				  "Ihre Unterlagen konnten nicht gespeichert werden. "
				  "Bitte versuchen Sie es später erneut.",
				  out.status == 404 ? NULL : "Retry-After",
				  out.status == 404 ? NULL : "60");
	/* committed: the worker may mail the office now */
	if (q->srv->committer.after_commit)
		q->srv->committer.after_commit(q->srv->committer.after_ctx);
	char loc[600];
	int n = snprintf(loc, sizeof loc, "%s/antrag/%s#nachreichen",
			 q->srv->cfg->public_url, q->token);
	if (n < 0 || (size_t)n >= sizeof loc)
		return MHD_NO;
	struct buf b;
	buf_init(&b, 4096);
	buf_puts(&b, "<!doctype html><title>Gespeichert</title><p><a href=\"");
	buf_put_html(&b, loc, strlen(loc));
	buf_puts(&b, "\">Weiter</a></p>\n");
	r = send_buf(q, c, MHD_HTTP_SEE_OTHER, "text/html; charset=utf-8", &b,
		     "Location", loc, REF_NONE);
	buf_free(&b);
	return r;
}

#define GONE "Diesen Antrag gibt es nicht (mehr). Anträge werden nach der " \
	     "Aufbewahrungsfrist gelöscht."

/* The token of /antrag/<token>[/rest] into tok and the rest; false when
 * the path has no token of the right length. */
static bool split_token(const char *url, char tok[TOKEN_CHARS + 1], const char **rest)
{
	const char *p = url + strlen("/antrag/");
	size_t n = strcspn(p, "/");
	if (n == 0 || n > TOKEN_CHARS)
		return false;
	memcpy(tok, p, n);
	tok[n] = '\0';
	*rest = p + n;
	return true;
}

/* GET /antrag/<token>: the page; GET /antrag/<token>/nachrichten.json
 * ?nach=<id>: the messages after id, for thread.js. */
static enum MHD_Result application_page(struct req *q, struct MHD_Connection *c,
					const char *url)
{
	char tok[TOKEN_CHARS + 1] = "";
	const char *rest = "";
	bool json = false, known = split_token(url, tok, &rest);
	if (known && *rest)
		known = json = !strcmp(rest, "/nachrichten.json");
	if (!known)
		tok[0] = '\0';                 /* no such page: 404 below */
	q->want_json = q->want_json || json;
	enum MHD_Result r;
	struct submission *sub = by_token(q, c, tok, !json, GONE, &r);
	if (!sub)
		return r;
	if (!json) {
		struct thread_state ts = { .notice = MHD_lookup_connection_value(c,
			MHD_GET_ARGUMENT_KIND, "gesendet") ?
			"Ihre Nachricht ist gesendet. Die zuständige Stelle wird "
			"benachrichtigt." : NULL };
		return application_page_of(q, c, sub, tok, MHD_HTTP_OK, &ts);
	}
	const char *after = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "nach");
	long long after_id = after && strspn(after, "0123456789") == strlen(after) &&
			     strlen(after) <= 18 ? strtoll(after, NULL, 10) : 0;
	struct buf b;
	buf_init(&b, PAGE_MAX);
	if (thread_json(q->srv->store, &q->a, sub, false, after_id, &b) < 0) {
		buf_free(&b);
		return send_error(q, c, MHD_HTTP_SERVICE_UNAVAILABLE, RJ_STORE,
				  "Die Nachrichten sind gerade nicht erreichbar.",
				  "Retry-After", "60");
	}
	r = send_buf(q, c, MHD_HTTP_OK, "application/json", &b, NULL, NULL, REF_NONE);
	buf_free(&b);
	return r;
}

/* POST /antrag/<token>/nachricht: a citizen's message (thread.h). The
 * body is a small urlencoded form, kept whole (THREAD_BODY_MAX). */
static enum MHD_Result message_begin(struct req *q, struct MHD_Connection *c)
{
	q->phase = P_DONE;              /* until the body may come */
	if (!q->srv->store)
		return send_error(q, c, MHD_HTTP_SERVICE_UNAVAILABLE, RJ_STORE,
				  "Nachrichten sind ohne Datenbank nicht möglich.", NULL, NULL);
	const char *msg;
	unsigned refused = urlencoded_post_refusal(c, THREAD_BODY_MAX, &msg);
	if (refused == MHD_HTTP_UNSUPPORTED_MEDIA_TYPE)
		return send_error(q, c, refused, RJ_MEDIA_TYPE, msg, NULL, NULL);
	if (refused)    /* a message's own words for its limit */
		return send_error(q, c, refused, RJ_TOO_LARGE, "Ihre Nachricht ist zu lang.",
				  NULL, NULL);
	buf_init(&q->msg, THREAD_BODY_MAX);
	q->phase = P_BODY;
	return MHD_YES;
}

static enum MHD_Result message_body(struct req *q, const char *data, size_t *size)
{
	return urlencoded_body_chunk(&q->msg, &q->body, &q->msg_too_large, data, size);
}

static const char *msg_field(struct req *q, const char *name)
{
	return urlencoded_field(&q->a, q->msg.data, q->msg.len, name);
}

/* The checks in this order: the client's rate (429), the size (413), the
 * form's CSRF token (403), the application (404), the text (422); then
 * the message is stored and committed, and only then the 303. */
static enum MHD_Result message_end(struct req *q, struct MHD_Connection *c,
				   const char *url)
{
	struct relay_server *s = q->srv;
	char tok[TOKEN_CHARS + 1] = "";
	q->phase = P_DONE;
	enum MHD_Result limited;
	if (rate_limited(q, c, "Sie haben in kurzer Zeit zu viele Nachrichten gesendet. "
			 "Versuchen Sie es in einer Minute erneut.", &limited))
		return limited;
	if (q->msg_too_large)
		return send_error(q, c, MHD_HTTP_CONTENT_TOO_LARGE, RJ_TOO_LARGE,
				  "Ihre Nachricht ist zu lang.", NULL, NULL);
	if (!citizen_csrf_check(c, msg_field(q, CITIZEN_CSRF_FIELD)))
		return send_error(q, c, MHD_HTTP_FORBIDDEN, RJ_ORIGIN,
				  "Das Formular ist abgelaufen oder kam nicht von "
				  "dieser Seite. Bitte laden Sie die Seite neu und "
				  "senden Sie Ihre Nachricht erneut.", NULL, NULL);
	const char *rest = "";
	if (!split_token(url, tok, &rest) || strcmp(rest, "/nachricht"))
		tok[0] = '\0';
	enum MHD_Result r;
	struct submission *sub = by_token(q, c, tok, true, GONE, &r);
	if (!sub)
		return r;
	const char *text = NULL;
	const char *error = thread_check(&q->a, msg_field(q, "nachricht"), &text);
	if (error) {
		struct thread_state ts = { .error = error, .text = text };
		return application_page_of(q, c, sub, tok,
					   MHD_HTTP_UNPROCESSABLE_CONTENT, &ts);
	}
	struct store_message m = { .at_unix = (long long)time(NULL),
		.author = "citizen", .actor = "", .kind = "message", .body = text };
	long long id = 0;
	int rc = store_message_add(s->store, sub->id, &m, &id);
	if (rc != 0) {
		relay_log("error", "message_failed", "id=%lld error=\"%s\"", sub->id,
			  store_errmsg(s->store));
		return rc == 1 ? send_error(q, c, MHD_HTTP_NOT_FOUND, RJ_NOT_FOUND, GONE,
					    NULL, NULL) :
		       send_error(q, c, MHD_HTTP_SERVICE_UNAVAILABLE, RJ_STORE,
				  "Ihre Nachricht konnte nicht gespeichert werden. "
				  "Bitte versuchen Sie es erneut.", "Retry-After", "60");
	}
	if (s->committer.after_commit)  /* the notice goes out now */
		s->committer.after_commit(s->committer.after_ctx);
	relay_log("info", "message", "author=citizen submission=%lld message=%lld "
		  "reference=%s", sub->id, id, sub->reference);
	const char *loc = arena_printf(&q->a, "%s/antrag/%s?gesendet=1#nachrichten",
				       s->cfg->public_url, tok);
	return send_page_ref(c, MHD_HTTP_SEE_OTHER, "text/plain; charset=utf-8", "", 0,
			     "Location", loc, REF_NONE, CSP_NOTHING);
}

/* GET /suche?portal=<city slug or empty>&q=...: the search of the static
 * pages' forms, ranked as their script ranks (model/search.h), so search
 * works without JavaScript. Reads only the catalogue. */
static enum MHD_Result search_page(struct req *q, struct MHD_Connection *c)
{
	const char *portal = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "portal");
	const char *query = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "q");
	const struct city *city = NULL;
	if (portal && *portal) {
		city = is_slug(portal) ? catalog_city(q->forms->cat, portal) : NULL;
		if (!city)
			return send_error(q, c, MHD_HTTP_NOT_FOUND, RJ_NOT_FOUND,
					  "Dieses Serviceportal gibt es nicht.", NULL, NULL);
	}
	if (query && !utf8_valid(query, strlen(query)))
		query = "";
	struct buf b;
	buf_init(&b, PAGE_MAX);
	struct diags d;
	diags_init(&d);
	int rc = q->forms->renderer ? render_search_page(q->forms->renderer, city,
							 query, &b, &d) : -1;
	diags_free(&d);
	enum MHD_Result r;
	if (rc < 0) {
		relay_log("error", "render_failed", "page=search portal=%s",
			  city ? city->slug : "-");
		r = send_error(q, c, MHD_HTTP_SERVICE_UNAVAILABLE, RJ_STORE,
			       "Die Suche ist gerade nicht erreichbar.", "Retry-After", "60");
	} else {
		r = send_buf(q, c, MHD_HTTP_OK, "text/html; charset=utf-8", &b,
			     NULL, NULL, REF_NONE);
	}
	buf_free(&b);
	return r;
}

static enum MHD_Result health(struct req *q, struct MHD_Connection *c)
{
	struct relay_server *s = q->srv;
	struct store_counts k;
	struct buf b;
	buf_init(&b, 4096);
	unsigned status = MHD_HTTP_OK;
	if (!s->store) {
		buf_puts(&b, "{\"status\":\"ok\",\"database\":\"disabled\"}\n");
	} else if (store_counts(s->store, (long long)time(NULL), &k) < 0) {
		status = MHD_HTTP_SERVICE_UNAVAILABLE;
		buf_puts(&b, "{\"status\":\"error\",\"database\":\"unreachable\"}\n");
	} else {
		buf_printf(&b, "{\"status\":\"ok\",\"database\":\"ok\",\"submissions\":%lld,"
			   "\"outbox_depth\":%lld,\"oldest_undelivered_age_seconds\":%lld,"
			   "\"failed\":%lld}\n", k.submissions, k.outbox_depth,
			   k.oldest_undelivered_age, k.failed);
	}
	enum MHD_Result r = send_buf(q, c, status, "application/json", &b, NULL, NULL,
				     REF_NONE);
	buf_free(&b);
	return r;
}

static enum MHD_Result metrics(struct req *q, struct MHD_Connection *c)
{
	struct relay_server *s = q->srv;
	struct buf b;
	buf_init(&b, 65536);
	buf_printf(&b, "# HELP relayd_submissions_accepted_total Submissions stored and confirmed.\n"
		   "# TYPE relayd_submissions_accepted_total counter\n"
		   "relayd_submissions_accepted_total %llu\n"
		   "# HELP relayd_submissions_rejected_total Posts refused, by reason.\n"
		   "# TYPE relayd_submissions_rejected_total counter\n",
		   (unsigned long long)atomic_load(&s->accepted));
	for (int i = 0; i < RJ_COUNT; i++)
		buf_printf(&b, "relayd_submissions_rejected_total{reason=\"%s\"} %llu\n",
			   reject_reason_name((enum reject_reason)i),
			   (unsigned long long)atomic_load(&s->rejected[i]));
	buf_puts(&b, "# HELP relayd_payment_notices_total The payment provider's notices, "
		 "by what became of them.\n# TYPE relayd_payment_notices_total counter\n");
	for (int i = PAY_MALFORMED; i < PAY_NOTICE_RESULTS; i++)
		buf_printf(&b, "relayd_payment_notices_total{result=\"%s\"} %llu\n",
			   pay_notice_result_name(i),
			   (unsigned long long)atomic_load(&s->pay_notices[i]));
	buf_printf(&b, "# HELP relayd_requests_in_flight Requests being handled.\n"
		   "# TYPE relayd_requests_in_flight gauge\n"
		   "relayd_requests_in_flight %ld\n", atomic_load(&s->active));
	struct store_counts k;
	if (s->store && store_counts(s->store, (long long)time(NULL), &k) == 0) {
		pthread_mutex_lock(&s->committer.mu);
		unsigned long long commits = s->committer.commits, rows = s->committer.rows;
		pthread_mutex_unlock(&s->committer.mu);
		buf_printf(&b, "# HELP relayd_commits_total Group commits (transactions).\n"
			   "# TYPE relayd_commits_total counter\n"
			   "relayd_commits_total %llu\n"
			   "# HELP relayd_committed_submissions_total Submissions in those commits.\n"
			   "# TYPE relayd_committed_submissions_total counter\n"
			   "relayd_committed_submissions_total %llu\n"
			   "# HELP relayd_stored_submissions Submissions in the database.\n"
			   "# TYPE relayd_stored_submissions gauge\n"
			   "relayd_stored_submissions %lld\n"
			   "# HELP relayd_outbox_depth Mail jobs not yet delivered or failed.\n"
			   "# TYPE relayd_outbox_depth gauge\n"
			   "relayd_outbox_depth %lld\n"
			   "# HELP relayd_outbox_oldest_age_seconds Age of the oldest undelivered job.\n"
			   "# TYPE relayd_outbox_oldest_age_seconds gauge\n"
			   "relayd_outbox_oldest_age_seconds %lld\n"
			   "# HELP relayd_mails_delivered Mail jobs delivered (in the database).\n"
			   "# TYPE relayd_mails_delivered gauge\n"
			   "relayd_mails_delivered %lld\n"
			   "# HELP relayd_mails_retrying Undelivered jobs that failed at least once.\n"
			   "# TYPE relayd_mails_retrying gauge\n"
			   "relayd_mails_retrying %lld\n"
			   "# HELP relayd_mails_failed Jobs given up after their lifetime.\n"
			   "# TYPE relayd_mails_failed gauge\n"
			   "relayd_mails_failed %lld\n",
			   commits, rows, k.submissions, k.outbox_depth,
			   k.oldest_undelivered_age, k.delivered, k.retrying, k.failed);
	}
	enum MHD_Result r = send_buf(q, c, MHD_HTTP_OK, "text/plain; version=0.0.4", &b,
				     NULL, NULL, REF_NONE);
	buf_free(&b);
	return r;
}

/* ---- the citizens' login (identity/identity.h) ---- */

/* "<city>/<service>" (slugs) into q->city, q->service and q->cs; false
 * when malformed, unknown or not taking applications today. */
static bool find_service(struct req *q, const char *path)
{
	const char *slash = path ? strchr(path, '/') : NULL;
	if (!slash)
		return false;
	const char *sv = slash + 1;
	size_t sn = strlen(sv);
	if (!is_slug_n(path, (size_t)(slash - path)) || !is_slug_n(sv, sn))
		return false;
	memcpy(q->city, path, (size_t)(slash - path));
	q->city[slash - path] = '\0';
	memcpy(q->service, sv, sn);
	q->service[sn] = '\0';
	char today[11];
	q->cs = forms_find(q->forms, q->city, q->service);
	if (!q->cs || !validate_accepting(q->cs, berlin_today(today)))
		q->cs = NULL;
	return q->cs != NULL;
}

/* 303 to location, with a Set-Cookie when cookie is not NULL. */
static enum MHD_Result send_redirect(struct MHD_Connection *c, const char *location,
				     const char *cookie)
{
	static const char body[] = "Weiterleitung\n";
	struct MHD_Response *r = MHD_create_response_from_buffer(sizeof body - 1,
					(void *)body, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Content-Security-Policy", CSP_NOTHING);
	MHD_add_response_header(r, "Location", location);
	if (cookie)
		MHD_add_response_header(r, "Set-Cookie", cookie);
	enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_SEE_OTHER, r);
	MHD_destroy_response(r);
	return ret;
}

/* GET /anmelden?dienst=<city>/<service>: to the provider, coming back
 * to relayd's own form page of that service. */
static enum MHD_Result login_start(struct req *q, struct MHD_Connection *c)
{
	const char *d = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "dienst");
	const char *ziel = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "ziel");
	bool postfach = ziel && !strcmp(ziel, "postfach");   /* the Postfach's list */
	if (!postfach && !find_service(q, d))
		return send_error(q, c, MHD_HTTP_NOT_FOUND, RJ_NOT_FOUND,
				  "Dieses Formular gibt es nicht oder es nimmt "
				  "zurzeit keine Anträge an.", NULL, NULL);
	const char *loc = NULL;
	const char *back = postfach ? "/postfach/antraege" :
		arena_printf(&q->a, "/formular/%s/%s", q->city, q->service);
	if (!q->srv->identity || identity_start(q->srv->identity, &q->a, back, &loc) < 0) {
		relay_log("error", "login_unavailable", "configured=%d",
			  q->srv->identity != NULL);
		return send_error(q, c, MHD_HTTP_SERVICE_UNAVAILABLE, RJ_STORE,
				  "Die Anmeldung mit dem Servicekonto ist zurzeit nicht "
				  "möglich. Bitte versuchen Sie es später erneut.",
				  "Retry-After", "300");
	}
	return send_redirect(c, loc, NULL);
}

/* GET /anmelden/rueckkehr?state=..&code=..: the provider's answer. */
static enum MHD_Result login_return(struct req *q, struct MHD_Connection *c)
{
	const char *state = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "state");
	const char *code = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "code");
	const char *err = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "error");
	const char *cookie = NULL, *back = NULL, *why = err ? "provider_error" : NULL;
	if (!q->srv->identity || err ||
	    identity_finish(q->srv->identity, &q->a, state, code, &cookie, &back,
			    &why) < 0) {
		relay_log("info", "login_refused", "reason=%s",
			  why ? why : "not_configured");
		return send_error(q, c, MHD_HTTP_FORBIDDEN, RJ_ORIGIN,
				  "Die Anmeldung mit dem Servicekonto konnte nicht "
				  "bestätigt werden. Bitte rufen Sie das Formular erneut "
				  "auf und melden Sie sich noch einmal an.", NULL, NULL);
	}
	const struct relay_config *cfg = q->srv->cfg;
	relay_log("info", "login", "ok=1");
	const char *set = arena_printf(&q->a, "%s=%s; Path=/; Max-Age=%ld; HttpOnly; "
		"SameSite=Lax%s", IDENTITY_COOKIE, cookie,
		cfg->identity.lifetime_minutes * 60,
		cfg->inbox.cookie_secure ? "; Secure" : "");
	return send_redirect(c, arena_printf(&q->a, "%s%s", cfg->public_url, back), set);
}

/* GET /formular/<city>/<service>: the form as relayd serves it, for a
 * logged-in citizen with the login named (without one, or of a lower
 * level, the same login start as the static page). */
static enum MHD_Result citizen_form(struct req *q, struct MHD_Connection *c,
				    const char *url)
{
	char path[140];
	if ((size_t)snprintf(path, sizeof path, "%s", url + strlen("/formular/")) >=
	    sizeof path || !find_service(q, path))
		return send_error(q, c, MHD_HTTP_NOT_FOUND, RJ_NOT_FOUND,
				  "Dieses Formular gibt es nicht oder es nimmt "
				  "zurzeit keine Anträge an.", NULL, NULL);
	const char *cookie = MHD_lookup_connection_value(c, MHD_COOKIE_KIND,
							 IDENTITY_COOKIE);
	q->has_citizen = identity_session(q->srv->identity, &q->a, cookie, &q->citizen);
	verified_fields(q);
	struct form_state st = { .citizen_provider = q->has_citizen ?
				 q->citizen.provider : NULL,
				 .citizen_level = q->has_citizen ? q->citizen.level : 0,
				 .verified = q->verified, .n_verified = q->n_verified };
	struct buf b;
	buf_init(&b, PAGE_MAX);
	struct diags d;
	diags_init(&d);
	int rc = render_form_page(q->forms->renderer, q->cs, &st, &b, &d);
	diags_free(&d);
	if (rc < 0) {
		buf_free(&b);
		return send_error(q, c, MHD_HTTP_INTERNAL_SERVER_ERROR, RJ_STORE,
				  "Das Formular kann zurzeit nicht angezeigt werden.",
				  NULL, NULL);
	}
	enum MHD_Result r = send_buf(q, c, MHD_HTTP_OK, "text/html; charset=utf-8", &b,
				     NULL, NULL, REF_SAME_ORIGIN);
	buf_free(&b);
	return r;
}

/* ---- libmicrohttpd callbacks ---- */

enum MHD_Result http_handler(void *cls, struct MHD_Connection *c, const char *url,
			     const char *method, const char *version,
			     const char *upload, size_t *upload_size, void **con_cls);
enum MHD_Result http_handler(void *cls, struct MHD_Connection *c, const char *url,
			     const char *method, const char *version,
			     const char *upload, size_t *upload_size, void **con_cls)
{
	struct relay_server *s = cls;
	struct req *q = *con_cls;
	(void)version;
	if (!q) {
		q = xcalloc(1, sizeof *q);
		q->srv = s;
		q->t0 = mono_now();
		arena_init(&q->a);
		q->forms = forms_acquire();
		*con_cls = q;
		atomic_fetch_add(&s->active, 1);
		q->route = route_of(q, method, url);
		q->want_json = wants_json(c);
		switch (q->route) {
		case R_SUBMIT: {
			enum MHD_Result r = submit_begin(q, c);
			if (!q->pp)     /* answered already (403, 404, 413, ...) */
				q->phase = P_DONE;
			return r;
		}
		case R_CONFIRM:
			return confirm_page(q, c, url);
		case R_APPLICATION:
			return application_page(q, c, url);
		case R_DOCUMENT: {
			enum MHD_Result r = document_begin(q, c);
			if (!q->pp)     /* answered already (403, 413, 415, 429, 503) */
				q->phase = P_DONE;
			return r;
		}
		case R_MESSAGE:
			return message_begin(q, c);
		case R_SEARCH:
			return search_page(q, c);
		case R_LOGIN:
			return login_start(q, c);
		case R_LOGIN_RETURN:
			return login_return(q, c);
		case R_CITIZEN_FORM:
			return citizen_form(q, c, url);
		case R_HEALTH:
			return health(q, c);
		case R_METRICS:
			return metrics(q, c);
		case R_INBOX:
			client_ip(c, q->client);
			q->inbox_env = (struct inbox_env){ s->inbox, s->cfg, s->store,
							   q->forms, q->client,
							   s->committer.after_commit,
							   s->committer.after_ctx };
			return inbox_handle(&q->inbox_env, &q->inbox, c, url, method,
					    upload, upload_size);
		case R_PAY:
			q->pay_env = (struct pay_env){ s->cfg, s->store, q->forms,
				s->committer.after_commit, s->committer.after_ctx,
				s->pay_notices };
			return pay_handle(&q->pay_env, &q->pay, c, url, method, upload,
					  upload_size);
		case R_POSTFACH:
			client_ip(c, q->client);
			q->pf_env = (struct postfach_env){ s->postfach, s->cfg, s->store,
				q->forms, q->client, s->committer.after_commit,
				s->committer.after_ctx, s->identity };
			return postfach_handle(&q->pf_env, &q->pf, c, url, method,
					       upload, upload_size);
		case R_NONE:
			return send_error(q, c, MHD_HTTP_NOT_FOUND, RJ_NOT_FOUND,
					  "Diese Seite gibt es nicht.", NULL, NULL);
		}
	}
	if (q->route == R_INBOX)
		return inbox_handle(&q->inbox_env, &q->inbox, c, url, method, upload,
				    upload_size);
	if (q->route == R_POSTFACH)
		return postfach_handle(&q->pf_env, &q->pf, c, url, method, upload,
				       upload_size);
	if (q->route == R_PAY)
		return pay_handle(&q->pay_env, &q->pay, c, url, method, upload, upload_size);
	if (q->route == R_MESSAGE && q->phase == P_BODY)
		return *upload_size ? message_body(q, upload, upload_size) :
		       message_end(q, c, url);
	if ((q->route != R_SUBMIT && q->route != R_DOCUMENT) || q->phase == P_DONE) {
		/* a response is queued already: drop what still comes */
		*upload_size = 0;
		return MHD_YES;
	}
	if (mono_now() - q->t0 > s->cfg->limits.request_deadline) {
		atomic_fetch_add(&s->rejected[RJ_DEADLINE], 1);
		relay_log("info", "deadline", "city=%s service=%s", q->city, q->service);
		return MHD_NO;
	}
	if (*upload_size)
		return submit_body(q, upload, upload_size);
	return q->route == R_DOCUMENT ? document_end(q, c) : submit_end(q, c);
}

void http_completed(void *cls, struct MHD_Connection *c, void **con_cls,
		    enum MHD_RequestTerminationCode toe);
void http_completed(void *cls, struct MHD_Connection *c, void **con_cls,
		    enum MHD_RequestTerminationCode toe)
{
	struct relay_server *s = cls;
	struct req *q = *con_cls;
	(void)c;
	if (!q)
		return;
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && q->route == R_SUBMIT)
		relay_log("info", "aborted", "city=%s service=%s code=%d", q->city,
			q->service, (int)toe);
	if (q->pp)
		MHD_destroy_post_processor(q->pp);
	inbox_req_free(q->inbox);
	postfach_req_free(q->pf);
	pay_req_free(q->pay);
	buf_free(&q->msg);
	free_parts(q);
	forms_release(q->forms);
	arena_free(&q->a);
	free(q);
	*con_cls = NULL;
	atomic_fetch_sub(&s->active, 1);
}
