/* respond.c - how the Postfach answers: like the application page, every
 * answer with no-store, noindex, nosniff, no Referer (its URLs carry
 * tokens) and a Content-Security-Policy; pages through the theme. */
#include "pf_int.h"
#include <string.h>
#include "receive/log.h"

#define CSP_NOTHING "default-src 'none'; base-uri 'none'; frame-ancestors 'none'"

const char *pf_url(struct postfach_req *q, const char *rest)
{
	return arena_printf(&q->a, "%s/postfach%s", q->env->cfg->public_url, rest);
}

bool pf_secure(const struct postfach_req *q)
{
	return !strncmp(q->env->cfg->public_url, "https://", 8);
}

enum MHD_Result pf_send(struct postfach_req *q, struct MHD_Connection *c,
			const struct pf_answer *a)
{
	static const char oops[] = "Interner Fehler. Bitte versuchen Sie es "
				   "später erneut.\n";
	const struct buf *b = a->page;
	bool broken = b && buf_failed(b);   /* a truncated page never leaves */
	if (broken)
		relay_log("error", "page_too_large", "page=postfach max=%zu", b->max);
	const char *body = broken ? oops : b && b->data ? b->data : "";
	size_t len = broken ? sizeof oops - 1 : b ? b->len : 0;
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body,
					MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	q->answered = true;
	const struct forms *f = q->env->forms;
	bool ok = MHD_add_response_header(r, "Content-Type", broken ?
			"text/plain; charset=utf-8" : "text/html; charset=utf-8") == MHD_YES &&
		  MHD_add_response_header(r, "Cache-Control", "no-store") == MHD_YES &&
		  MHD_add_response_header(r, "X-Content-Type-Options", "nosniff") == MHD_YES &&
		  MHD_add_response_header(r, "Referrer-Policy", "no-referrer") == MHD_YES &&
		  MHD_add_response_header(r, "X-Robots-Tag", "noindex") == MHD_YES &&
		  MHD_add_response_header(r, "Content-Security-Policy",
					  !broken && f && f->csp_header ? f->csp_header :
					  CSP_NOTHING) == MHD_YES;
	for (size_t i = 0; ok && !broken && i < 2; i++)
		if (a->cookies[i])
			ok = MHD_add_response_header(r, "Set-Cookie", a->cookies[i]) == MHD_YES;
	if (ok && !broken && a->location)
		ok = MHD_add_response_header(r, "Location", a->location) == MHD_YES;
	if (ok && a->retry_after)
		ok = MHD_add_response_header(r, "Retry-After", a->retry_after) == MHD_YES;
	/* a cookie or a redirect left out would be an answer that lies */
	enum MHD_Result ret = ok ? MHD_queue_response(c, broken ?
		MHD_HTTP_INTERNAL_SERVER_ERROR : a->status, r) : MHD_NO;
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result pf_error(struct postfach_req *q, struct MHD_Connection *c,
			 unsigned status, const char *message,
			 const char *retry_after)
{
	if (status >= 500)
		relay_log("error", "postfach_unavailable", "status=%u", status);
	struct buf b;
	buf_init(&b, PF_PAGE_MAX);
	const struct forms *f = q->env->forms;
	render_error_or_plain(f ? f->renderer : NULL, NULL, (int)status, message, &b);
	struct pf_answer a = { .status = status, .page = &b, .retry_after = retry_after };
	enum MHD_Result r = pf_send(q, c, &a);
	buf_free(&b);
	return r;
}

enum MHD_Result pf_redirect(struct postfach_req *q, struct MHD_Connection *c,
			    const char *rest, const char *cookie, const char *cookie2)
{
	const char *loc = pf_url(q, rest);
	struct buf b;
	buf_init(&b, 4096);
	buf_puts(&b, "<!doctype html><html lang=\"de\"><meta charset=\"utf-8\">"
		 "<title>Weiter</title><p><a href=\"");
	buf_put_html(&b, loc, strlen(loc));
	buf_puts(&b, "\">Weiter</a></p></html>\n");
	struct pf_answer a = { .status = MHD_HTTP_SEE_OTHER, .page = &b,
			       .location = loc, .cookies = { cookie, cookie2 } };
	enum MHD_Result r = pf_send(q, c, &a);
	buf_free(&b);
	return r;
}
