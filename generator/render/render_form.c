/* render_form.c - the relay's own pages through the site's templates:
 * the form again with errors, the confirmation and plain error pages.
 * All links are absolute (region.base_url) because these pages are served
 * from the relay's address. Prepared once at startup; afterwards the
 * renderer is read-only, so the daemon's threads may share it. */
#include <stdlib.h>
#include <string.h>
#include "render_int.h"

struct renderer *renderer_open(struct catalog *c, struct source *themes,
			       const char *relay_url, struct diags *d)
{
	struct renderer *r = xcalloc(1, sizeof *r);
	if (renderer_prepare(r, c, themes, NULL, relay_url, NULL, true, NULL, d) < 0) {
		renderer_release(r);
		free(r);
		return NULL;
	}
	renderer_search_docs(r);
	return r;
}

const char *renderer_csp(const struct renderer *r)
{
	return r->csp;
}

void renderer_close(struct renderer *r)
{
	if (!r)
		return;
	renderer_release(r);
	free(r);
}

static int finish(struct arena *a, int rc)
{
	arena_free(a);
	return rc;
}

static int locate(struct renderer *r, const struct city_service *cs,
		  size_t *ci, size_t *si, struct diags *d)
{
	if (!cs || !cs->city || !cs->service ||
	    cs->city < r->c->cities || cs->city >= r->c->cities + r->c->n_cities ||
	    cs->service < r->c->services ||
	    cs->service >= r->c->services + r->c->n_services) {
		diag_add(d, "render", 0, 0, "city_service is not from this catalogue");
		return -1;
	}
	*ci = (size_t)(cs->city - r->c->cities);
	*si = (size_t)(cs->service - r->c->services);
	return 0;
}

int render_form_page(struct renderer *r, const struct city_service *cs,
		     const struct form_state *st, struct buf *out, struct diags *d)
{
	size_t ci, si;
	if (locate(r, cs, &ci, &si, d) < 0)
		return -1;
	struct arena a;
	arena_init(&a);
	struct svc_html h;
	renderer_svc_html(r, si, &a, &h);
	return finish(&a, render_service(r, &r->portals[1 + ci], si, &h, st, &a, out, d));
}

int render_confirmation_page(struct renderer *r, const struct city_service *cs,
			     const char *reference, const char *received_at,
			     const char *receipt, const char *app_url,
			     const struct app_payment *payment,
			     struct buf *out, struct diags *d)
{
	size_t ci, si;
	if (locate(r, cs, &ci, &si, d) < 0)
		return -1;
	struct arena a;
	arena_init(&a);
	buf_reset(out);
	return finish(&a, render_confirmation(r, cs, reference,
					      received_at ? received_at : "",
					      receipt, app_url, payment, &a, out, d));
}

int render_payment_page(struct renderer *r, const struct city_service *cs,
			const struct pay_page_view *v, struct buf *out,
			struct diags *d)
{
	size_t ci, si;
	if (locate(r, cs, &ci, &si, d) < 0)
		return -1;
	struct arena a;
	arena_init(&a);
	buf_reset(out);
	return finish(&a, render_payment(r, cs, v, &a, out, d));
}

int render_application_page(struct renderer *r, const struct city_service *cs,
			    const struct app_view *v, struct buf *out,
			    struct diags *d)
{
	size_t ci, si;
	if (locate(r, cs, &ci, &si, d) < 0)
		return -1;
	struct arena a;
	arena_init(&a);
	buf_reset(out);
	return finish(&a, render_application(r, cs, v, &a, out, d));
}

static struct portal *portal_of(struct renderer *r, const struct city *city)
{
	if (city && city >= r->c->cities && city < r->c->cities + r->c->n_cities)
		return &r->portals[1 + (size_t)(city - r->c->cities)];
	return &r->portals[0];
}

int render_search_page(struct renderer *r, const struct city *city,
		       const char *query, struct buf *out, struct diags *d)
{
	struct arena a;
	arena_init(&a);
	buf_reset(out);
	return finish(&a, render_search(r, portal_of(r, city), query ? query : "",
					&a, out, d));
}

int render_error_link_page(struct renderer *r, const struct city *city, int status,
			   const char *message, const char *link_text,
			   const char *link_url, struct buf *out, struct diags *d)
{
	struct portal *p = portal_of(r, city);
	struct arena a;
	arena_init(&a);
	return finish(&a, render_error(r, p, status, message ? message : "", link_text,
				       link_url, &a, out, d));
}

int render_error_page(struct renderer *r, const struct city *city, int status,
		      const char *message, struct buf *out, struct diags *d)
{
	return render_error_link_page(r, city, status, message, NULL, NULL, out, d);
}

void render_error_or_plain(struct renderer *r, const struct city *city, int status,
			   const char *message, struct buf *out)
{
	struct diags d;
	diags_init(&d);
	if (!r || render_error_page(r, city, status, message, out, &d) < 0 ||
	    buf_failed(out)) {
		/* the theme failed or the page did not fit: still an answer a
		 * person can read, never an empty one */
		buf_reset(out);
		buf_puts(out, "<!doctype html><html lang=\"de\"><meta charset=\"utf-8\">"
			 "<meta name=\"robots\" content=\"noindex\"><title>Fehler</title><p>");
		buf_put_html(out, message, strlen(message));
		buf_puts(out, "</p></html>\n");
	}
	diags_free(&d);
}
