/* respond.c - how the inbox answers: every answer with no-store, noindex,
 * nosniff, no Referer and a Content-Security-Policy; pages through the
 * theme (error pages too); redirects to its own absolute URLs. */
#include "inbox_int.h"
#include <stdio.h>
#include <string.h>
#include "receive/log.h"

/* Downloads and plain answers load nothing and run nothing. */
#define CSP_NOTHING "default-src 'none'; base-uri 'none'; frame-ancestors 'none'; sandbox"

const char *inbox_url(struct inbox_req *q, const char *rest)
{
	return arena_printf(&q->a, "%s/amt/%s", q->env->cfg->public_url, rest);
}

static const char *csp_of(struct inbox_req *q, const struct inbox_answer *a)
{
	const struct forms *f = q->env->forms;
	bool html = !a->ctype || !strncmp(a->ctype, "text/html", 9);
	return !a->plain_csp && html && f && f->csp_header ? f->csp_header : CSP_NOTHING;
}

enum MHD_Result inbox_send(struct inbox_req *q, struct MHD_Connection *c,
			   const struct inbox_answer *a)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(a->len,
		(void *)a->body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	q->answered = true;
	bool ok = MHD_add_response_header(r, "Content-Type", a->ctype ? a->ctype :
					  "text/html; charset=utf-8") == MHD_YES &&
		  MHD_add_response_header(r, "Cache-Control", "no-store") == MHD_YES &&
		  MHD_add_response_header(r, "X-Content-Type-Options", "nosniff") == MHD_YES &&
		  MHD_add_response_header(r, "Referrer-Policy", "no-referrer") == MHD_YES &&
		  MHD_add_response_header(r, "X-Robots-Tag", "noindex") == MHD_YES &&
		  MHD_add_response_header(r, "Content-Security-Policy", csp_of(q, a)) == MHD_YES;
	for (size_t i = 0; ok && i < sizeof a->cookies / sizeof *a->cookies; i++)
		if (a->cookies[i])
			ok = MHD_add_response_header(r, "Set-Cookie", a->cookies[i]) == MHD_YES;
	if (ok && a->location)
		ok = MHD_add_response_header(r, "Location", a->location) == MHD_YES;
	if (ok && a->retry_after)
		ok = MHD_add_response_header(r, "Retry-After", a->retry_after) == MHD_YES;
	if (ok && a->disposition)
		ok = MHD_add_response_header(r, "Content-Disposition", a->disposition) == MHD_YES;
	/* a cookie or a redirect left out would be an answer that lies */
	enum MHD_Result ret = ok ? MHD_queue_response(c, a->status, r) : MHD_NO;
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result inbox_page(struct inbox_req *q, struct MHD_Connection *c,
			   unsigned status, const struct buf *b, const char *cookie)
{
	if (buf_failed(b)) {
		static const char msg[] = "Interner Fehler. Bitte versuchen Sie es später erneut.\n";
		relay_log("error", "page_too_large", "page=inbox max=%zu", b->max);
		struct inbox_answer a = { .status = MHD_HTTP_INTERNAL_SERVER_ERROR,
			.ctype = "text/plain; charset=utf-8", .body = msg, .len = sizeof msg - 1 };
		return inbox_send(q, c, &a);
	}
	struct inbox_answer a = { .status = status, .body = b->data ? b->data : "",
				  .len = b->len, .cookies = { cookie } };
	return inbox_send(q, c, &a);
}

enum MHD_Result inbox_error(struct inbox_req *q, struct MHD_Connection *c,
			    unsigned status, const char *message,
			    const char *retry_after)
{
	if (status >= 500)
		relay_log("error", "inbox_unavailable", "status=%u", status);
	struct buf b;
	buf_init(&b, INBOX_PAGE_MAX);
	const struct forms *f = q->env->forms;
	render_error_or_plain(f ? f->renderer : NULL, NULL, (int)status, message, &b);
	struct inbox_answer a = { .status = status, .body = b.data ? b.data : "",
				  .len = b.len, .retry_after = retry_after };
	enum MHD_Result r = inbox_send(q, c, &a);
	buf_free(&b);
	return r;
}

enum MHD_Result inbox_redirect(struct inbox_req *q, struct MHD_Connection *c,
			       const char *where, const char *cookie1,
			       const char *cookie2)
{
	const char *loc = inbox_url(q, where);
	struct buf b;
	buf_init(&b, 4096);
	buf_puts(&b, "<!doctype html><html lang=\"de\"><meta charset=\"utf-8\">"
		 "<title>Weiter</title><p><a href=\"");
	buf_put_html(&b, loc, strlen(loc));
	buf_puts(&b, "\">Weiter</a></p></html>\n");
	const char *body = buf_failed(&b) || !b.data ? "" : arena_strdup(&q->a, b.data);
	buf_free(&b);
	struct inbox_answer a = { .status = MHD_HTTP_SEE_OTHER, .body = body,
				  .len = strlen(body), .location = loc,
				  .cookies = { cookie1, cookie2 } };
	return inbox_send(q, c, &a);
}
