/* postfach_pages.c - the Postfach's pages (render_postfach.h) as template
 * data: themes/default/postfach_request and postfach_list, on the
 * umbrella portal, noindex. */
#include "render_postfach.h"
#include "render_int.h"

static void begin(struct page *pg, struct renderer *r, struct arena *a,
		  const char *title)
{
	page_begin(pg, r, &r->portals[0], a, MAX_DEPTH, title);
	mv_set_bool(a, pg->data, "noindex", true);
}

int render_postfach_request(struct renderer *r, const struct postfach_request_view *v,
			    struct buf *out, struct diags *d)
{
	struct arena a;
	struct page pg;
	arena_init(&a);
	buf_reset(out);
	const char *title = v->gone ? "Dieser Link gilt nicht mehr" : "Postfach: Ihre Anträge";
	begin(&pg, r, &a, title);
	mset(&a, pg.data, "action", v->action);
	mset(&a, pg.data, "csrf", v->csrf);
	mset(&a, pg.data, "email", v->email ? v->email : "");
	mset_opt(&a, pg.data, "login_href", v->login_href);
	mset_opt(&a, pg.data, "email_error", v->email_error);
	mset_opt(&a, pg.data, "notice", v->notice);
	mset_opt(&a, pg.data, "gone", v->gone);
	/* the error summary (partial error_summary), GOV.UK's title */
	struct mval *l = mv_list(&a);
	if (v->email_error) {
		struct mval *m = mv_map(&a);
		mset(&a, m, "href", "#email");
		mset(&a, m, "message", v->email_error);
		mv_push(&a, l, m);
		page_set_title(&pg, arena_printf(&a, "Fehler: %s – %s", title,
						 r->portals[0].name));
	}
	mv_set(&a, pg.data, "errors", l);
	mv_set_bool(&a, pg.data, "has_errors", v->email_error != NULL);
	int rc = page_render(&pg, T_POSTFACH_REQUEST, out, d);
	arena_free(&a);
	return rc;
}

int render_postfach_list(struct renderer *r, const struct postfach_list_view *v,
			 struct buf *out, struct diags *d)
{
	struct arena a;
	struct page pg;
	arena_init(&a);
	buf_reset(out);
	begin(&pg, r, &a, "Ihre Anträge");
	mset(&a, pg.data, "email", v->email);
	struct mval *l = mv_list(&a);
	for (size_t i = 0; i < v->n_rows; i++) {
		const struct postfach_row_view *w = &v->rows[i];
		struct mval *m = mv_map(&a);
		mset(&a, m, "href", w->href);
		mset(&a, m, "reference", w->reference);
		mset(&a, m, "service", w->service);
		mset(&a, m, "city", w->city);
		mset(&a, m, "received", w->received);
		mset(&a, m, "status", w->status);
		mv_push(&a, l, m);
	}
	mv_set(&a, pg.data, "rows", l);
	mv_set_bool(&a, pg.data, "has_rows", v->n_rows > 0);
	mv_set_bool(&a, pg.data, "more", v->more);
	mset(&a, pg.data, "until", v->until);
	mset_opt(&a, pg.data, "provider", v->provider);
	mset(&a, pg.data, "csrf", v->csrf);
	mset(&a, pg.data, "logout_action", v->logout_action);
	mset(&a, pg.data, "request_href", v->request_href);
	int rc = page_render(&pg, T_POSTFACH_LIST, out, d);
	arena_free(&a);
	return rc;
}
