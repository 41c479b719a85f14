/* pages.c - the data of each kind of page. Each builder fills the page's
 * data tree (in the per-page arena) and renders its template; all text is
 * escaped by the template engine, only Markdown output and pre-rendered
 * fragments are inserted raw. */
#include <stdio.h>
#include <string.h>
#include "render_int.h"
#include "../model/fee.h"

static bool shown(const struct renderer *r, const struct portal *p, size_t svc)
{
	if (!p->city)
		return r->svc_listed[svc];
	return r->cs_built[p->city_index * r->c->n_services + svc];
}

/* A service this city portal lists although the city does not offer it:
 * the portal of the body responsible (the Kreis) does. That portal, or
 * NULL. */
const struct portal *delegated(const struct renderer *r, const struct portal *p,
			       size_t svc)
{
	if (!p->city)
		return NULL;
	size_t n = r->c->n_services;
	/* from the override alone: this runs for every service a listing
	 * page does not show */
	const struct override *ov = catalog_override_at(r->c, p->city_index, svc);
	if (ov_offered(ov) || !ov->responsible)
		return NULL;
	/* a Kreis: the umbrella's page of the service names the towns */
	if (strcmp(ov->responsible, RESPONSIBLE_TOWNS) == 0)
		return r->svc_listed[svc] ? &r->portals[0] : NULL;
	const struct city *resp = catalog_city(r->c, ov->responsible);
	if (!resp)
		return NULL;
	size_t k = (size_t)(resp - r->c->cities);
	const struct portal *rp = &r->portals[1 + k];
	return rp->built && r->cs_built[k * n + svc] ? rp : NULL;
}

/* Shown on this portal: offered here, or offered by the responsible body
 * (then *rp is its portal, else NULL). */
bool portal_lists(const struct renderer *r, const struct portal *p, size_t svc,
		  const struct portal **rp)
{
	*rp = NULL;
	if (shown(r, p, svc))
		return true;
	*rp = delegated(r, p, svc);
	return *rp != NULL;
}

size_t portal_listing(const struct renderer *r, const struct portal *p,
		      size_t *svc, const struct portal **rp)
{
	size_t n = 0;
	for (size_t k = 0; k < r->c->n_services; k++) {
		size_t j = r->svc_order[k];
		if (portal_lists(r, p, j, &rp[n]))
			svc[n++] = j;
	}
	return n;
}

static const char *cat_href(struct page *pg, size_t cat)
{
	return arena_printf(pg->a, "%skategorien/%s.html", pg->base,
			    pg->r->c->categories[cat].slug);
}

/* A list entry of a service, linking to this portal's page or, when
 * rp is given, to the responsible body's portal with "Zuständig: ...". */
static struct mval *listed_item(struct page *pg, size_t svc, const struct portal *rp)
{
	struct mval *m = service_item(pg, svc);
	if (rp) {
		const struct service *s = &pg->r->c->services[svc];
		mset(pg->a, m, "href", ARENA_CAT(pg->a, pg->root, rp->prefix, "leistungen/",
						 s->slug, ".html"));
		mset(pg->a, m, "responsible", rp->city ? rp->city->name :
		     "Ihre Stadt – der Link führt zur Auswahl der Städte");
	}
	return m;
}

/* The entry of a service in a list. What it shows is in the listing
 * pages' cache keys: a field read here must be in service_item_inputs. */
struct mval *service_item(struct page *pg, size_t svc)
{
	struct arena *a = pg->a;
	const struct service *s = &pg->r->c->services[svc];
	struct mval *m = mv_map(a);
	mset(a, m, "title", s->title);
	mset(a, m, "slug", s->slug);
	mset(a, m, "summary", s->summary);
	mset(a, m, "href", ARENA_CAT(a, pg->base, "leistungen/", s->slug, ".html"));
	/* an online form here does the whole application: lists mark it */
	mv_set_bool(a, m, "online", s->form != NULL);
	size_t ci = pg->r->svc_cat[svc];
	mset(a, m, "category", ci != (size_t)-1 ? pg->r->c->categories[ci].name : "");
	return m;
}

/* A string of a cache key's input with its NUL, which no string holds:
 * no two different sequences of strings give the same bytes. */
static int key_str(struct buf *b, const char *s)
{
	s = s ? s : "";
	return buf_append(b, s, strlen(s) + 1);
}

int service_item_inputs(const struct renderer *r, size_t svc, struct buf *b)
{
	const struct service *s = &r->c->services[svc];
	int rc = key_str(b, s->title) | key_str(b, s->slug) | key_str(b, s->summary);
	/* the category's name comes from categories.yml, in every key */
	rc |= buf_printf(b, "online %d\ncategory %zu\n", s->form != NULL, r->svc_cat[svc]);
	for (size_t i = 0; i < s->n_lebenslagen; i++)
		rc |= key_str(b, s->lebenslagen[i]);
	return rc ? -1 : 0;
}

/* Services of one category shown on this portal, by title. */
static struct mval *category_services(struct page *pg, size_t cat, size_t *count)
{
	struct renderer *r = pg->r;
	struct mval *l = mv_list(pg->a);
	*count = 0;
	for (size_t k = 0; k < r->c->n_services; k++) {
		size_t j = r->svc_order[k];
		const struct portal *rp;
		if (!portal_lists(r, pg->p, j, &rp) || r->svc_cat[j] != cat)
			continue;
		mv_push(pg->a, l, listed_item(pg, j, rp));
		(*count)++;
	}
	return l;
}

static struct mval *categories(struct page *pg)
{
	struct arena *a = pg->a;
	struct mval *l = mv_list(a);
	for (size_t i = 0; i < pg->r->c->n_categories; i++) {
		const struct category *cat = &pg->r->c->categories[i];
		size_t n = 0;
		const struct portal *rp;
		for (size_t j = 0; j < pg->r->c->n_services; j++)
			if (portal_lists(pg->r, pg->p, j, &rp) &&
			    pg->r->svc_cat[j] == i)
				n++;
		/* the category page also lists Bund and Land online services:
		 * they count as offers; a category with none at all is not
		 * listed, so no "(0)" leads nowhere */
		for (size_t k = 0; k < pg->r->c->n_links; k++)
			if (strcmp(pg->r->c->links[k].category, cat->slug) == 0)
				n++;
		if (n == 0)
			continue;
		struct mval *m = mv_map(a);
		mset(a, m, "name", cat->name);
		mset(a, m, "slug", cat->slug);
		mset(a, m, "description", cat->description);
		mset(a, m, "href", cat_href(pg, i));
		mv_set(a, m, "count", mv_num(a, (double)n));
		mv_push(a, l, m);
	}
	return l;
}

static struct mval *contact(struct page *pg, const char *name, const char *address,
			    const char *phone, const char *email, const char *hours,
			    const char *url)
{
	struct arena *a = pg->a;
	struct mval *m = mv_map(a);
	mset(a, m, "name", name);
	mset_opt(a, m, "address", address);
	mset_opt(a, m, "phone", phone);
	if (phone && *phone) {
		/* tel: URI: digits and a leading + only. */
		char *t = arena_alloc(a, strlen(phone) + 1), *o = t;
		for (const char *s = phone; *s; s++)
			if ((*s >= '0' && *s <= '9') || (*s == '+' && o == t))
				*o++ = *s;
		mset(a, m, "phone_uri", t);
	}
	mset_opt(a, m, "email", email);
	mset_opt(a, m, "hours", hours);
	mset_opt(a, m, "url", url);
	mv_set_bool(a, m, "has_details", (phone && *phone) || (email && *email) ||
		    (hours && *hours) || (url && *url));
	return m;
}

static struct mval *city_contact(struct page *pg, const struct city *c)
{
	const char *name = !strcmp(c->kind, "Kreis") ? c->name :
		arena_printf(pg->a, "Stadt %s", c->name);
	return contact(pg, name, c->contact_address, c->contact_phone,
		       c->contact_email, c->contact_hours, c->website);
}

int render_start(struct renderer *r, struct arena *a, struct buf *out, struct diags *d)
{
	struct page pg;
	struct portal *u = &r->portals[0];
	page_begin(&pg, r, u, a, 0, r->c->region.name);
	if (page_provenance(&pg, list_prov(r, u), d) < 0)
		return -1;
	page_set_title(&pg, r->c->region.name);
	mset(a, pg.data, "crumb", "Startseite");
	mset(a, pg.data, "intro_html", u->intro_html);
	struct mval *cities = mv_list(a);
	for (size_t i = 0; i < r->c->n_cities; i++) {
		const struct portal *p = &r->portals[1 + i];
		struct mval *m = mv_map(a);
		mset(a, m, "name", p->city->name);
		mset(a, m, "kind", p->city->kind);
		mset(a, m, "website", p->city->website);
		if (p->built)
			mset(a, m, "href", arena_printf(a, "%sindex.html", p->prefix));
		else
			mset(a, m, "launch", date_de(a, p->city->launch));
		mv_push(a, cities, m);
	}
	mv_set(a, pg.data, "cities", cities);
	mv_set(a, pg.data, "categories", categories(&pg));
	return page_render(&pg, T_START, out, d);
}

int render_city_start(struct renderer *r, struct portal *p, struct arena *a,
		      struct buf *out, struct diags *d)
{
	struct page pg;
	page_begin(&pg, r, p, a, 1, p->name);
	if (page_provenance(&pg, list_prov(r, p), d) < 0)
		return -1;
	page_set_title(&pg, p->name);
	mset(a, pg.data, "crumb", p->city->name);
	mset(a, pg.data, "intro_html", p->intro_html);
	mv_set(a, pg.data, "contact", city_contact(&pg, p->city));
	mv_set(a, pg.data, "categories", categories(&pg));
	return page_render(&pg, T_CITY_START, out, d);
}

static struct mval *ext_links(struct page *pg, const char *cat_slug)
{
	struct arena *a = pg->a;
	struct mval *l = mv_list(a);
	for (size_t i = 0; i < pg->r->c->n_links; i++) {
		const struct extlink *x = &pg->r->c->links[i];
		if (strcmp(x->category, cat_slug) != 0)
			continue;
		struct mval *m = mv_map(a);
		mset(a, m, "title", x->title);
		mset(a, m, "url", x->url);
		mset(a, m, "level", x->level);
		mset(a, m, "provider", x->provider);
		mset(a, m, "description", x->description);
		mv_push(a, l, m);
	}
	return l->n ? l : NULL;
}

static bool in_lebenslage(const struct service *s, const char *slug)
{
	for (size_t i = 0; i < s->n_lebenslagen; i++)
		if (!strcmp(s->lebenslagen[i], slug))
			return true;
	return false;
}

static struct mval *group(struct page *pg, const char *name, const char *id)
{
	struct mval *m = mv_map(pg->a);
	mset(pg->a, m, "name", name);
	mset(pg->a, m, "id", id);
	mv_set(pg->a, m, "services", mv_list(pg->a));
	return m;
}

/* The services of a category grouped by Lebenslage (a service may be in
 * several), then "Weitere Leistungen"; NULL when the category has none. */
static struct mval *lebenslage_groups(struct page *pg, size_t cat)
{
	struct renderer *r = pg->r;
	const struct category *c = &r->c->categories[cat];
	if (!c->n_lebenslagen)
		return NULL;
	struct arena *a = pg->a;
	struct mval *l = mv_list(a);
	struct mval *rest = group(pg, "Weitere Leistungen", "weitere-leistungen");
	struct mval **g = arena_alloc(a, c->n_lebenslagen * sizeof *g);
	for (size_t i = 0; i < c->n_lebenslagen; i++)
		g[i] = group(pg, c->lebenslagen[i].name,
			     arena_printf(a, "lebenslage-%s", c->lebenslagen[i].slug));
	for (size_t k = 0; k < r->c->n_services; k++) {
		size_t j = r->svc_order[k];
		const struct service *s = &r->c->services[j];
		const struct portal *rp;
		if (!portal_lists(r, pg->p, j, &rp) || r->svc_cat[j] != cat)
			continue;
		struct mval *item = listed_item(pg, j, rp);
		bool placed = false;
		for (size_t i = 0; i < c->n_lebenslagen; i++)
			if (in_lebenslage(s, c->lebenslagen[i].slug)) {
				mv_push(a, mv_get(g[i], "services"), item);
				placed = true;
			}
		if (!placed)
			mv_push(a, mv_get(rest, "services"), item);
	}
	for (size_t i = 0; i < c->n_lebenslagen; i++)
		if (mv_get(g[i], "services")->n)
			mv_push(a, l, g[i]);
	if (mv_get(rest, "services")->n)
		mv_push(a, l, rest);
	return l;
}

int render_category(struct renderer *r, struct portal *p, size_t cat,
		    struct arena *a, struct buf *out, struct diags *d)
{
	const struct category *c = &r->c->categories[cat];
	struct page pg;
	page_begin(&pg, r, p, a, p->city ? 2 : 1, c->name);
	if (page_provenance(&pg, cat_prov(r, p, cat), d) < 0)
		return -1;
	page_home_crumb(&pg);
	mset(a, pg.data, "description", c->description);
	size_t n;
	struct mval *svcs = category_services(&pg, cat, &n);
	mv_set(a, pg.data, "services", svcs);
	mv_set_bool(a, pg.data, "has_services", n > 0);
	struct mval *groups = lebenslage_groups(&pg, cat);
	mv_set_bool(a, pg.data, "has_groups", groups != NULL);
	if (groups)
		mv_set(a, pg.data, "groups", groups);
	struct mval *links = ext_links(&pg, c->slug);
	mv_set_bool(a, pg.data, "has_links", links != NULL);
	if (links)
		mv_set(a, pg.data, "links", links);
	return page_render(&pg, T_CATEGORY, out, d);
}

/* Title, texts and category of a service, shared by both service pages. */
static void service_common(struct page *pg, size_t svc, const struct svc_html *h)
{
	struct arena *a = pg->a;
	const struct service *s = &pg->r->c->services[svc];
	page_home_crumb(pg);
	size_t ci = pg->r->svc_cat[svc];
	if (ci != (size_t)-1) {
		page_crumb(pg, pg->r->c->categories[ci].name, cat_href(pg, ci));
		struct mval *cat = mv_map(a);
		mset(a, cat, "name", pg->r->c->categories[ci].name);
		mset(a, cat, "href", cat_href(pg, ci));
		mv_set(a, pg->data, "category", cat);
	}
	mset(a, pg->data, "summary", s->summary);
	mset_opt(a, pg->data, "leika", s->leika);
	mset(a, pg->data, "description_html", h->description);
}

int render_service_overview(struct renderer *r, size_t svc, const struct svc_html *h,
			    struct arena *a, struct buf *out, struct diags *d)
{
	struct page pg;
	const struct service *s = &r->c->services[svc];
	page_begin(&pg, r, &r->portals[0], a, 1, s->title);
	service_common(&pg, svc, h);
	mset_opt(a, pg.data, "stand", r->prov_overview[svc].day);
	if (page_provenance(&pg, &r->prov_overview[svc], d) < 0)
		return -1;
	struct mval *cities = mv_list(a);
	for (size_t i = 0; i < r->c->n_cities; i++) {
		const struct portal *p = &r->portals[1 + i];
		if (!p->built || !shown(r, p, svc))
			continue;
		struct mval *m = mv_map(a);
		mset(a, m, "name", p->city->name);
		mset(a, m, "href", arena_printf(a, "%s%sleistungen/%s.html", pg.root,
						p->prefix, s->slug));
		mv_push(a, cities, m);
	}
	mv_set(a, pg.data, "cities", cities);
	mv_set_bool(a, pg.data, "has_cities", cities->n > 0);
	return page_render(&pg, T_SERVICE_OVERVIEW, out, d);
}

static struct mval *str_list(struct arena *a, const char **v, size_t n)
{
	struct mval *l = mv_list(a);
	for (size_t i = 0; i < n; i++)
		mv_push(a, l, mv_str(a, v[i]));
	return l;
}

/* The fee paid online, in the words of model/fee.c (the relay computes
 * the amount with the same file): "15,00 € je Urkunde, jede weitere
 * 7,50 €", and the answer that makes it free, by its labels. */
static int fee_data(struct page *pg, const struct city_service *cs)
{
	const struct fee *f = cs->fee;
	if (!f)
		return 0;
	char text[256];
	if (fee_describe(f, text, sizeof text) < 0)
		return -1;
	mset(pg->a, pg->data, "fee_text", arena_strdup(pg->a, text));
	const char *field = NULL, *answer = NULL;
	for (size_t i = 0; f->free_field && i < cs->n_fields && !field; i++) {
		const struct field *fd = cs->fields[i];
		if (strcmp(fd->name, f->free_field) != 0)
			continue;
		field = fd->label;
		answer = f->free_is;
		for (size_t o = 0; o < fd->n_options; o++)
			if (strcmp(fd->options[o].value, f->free_is) == 0)
				answer = fd->options[o].label;
	}
	if (field) {
		char free_text[512];
		int w = snprintf(free_text, sizeof free_text,
				 "gebührenfrei bei „%s“: „%s“", field, answer);
		if (w < 0 || (size_t)w >= sizeof free_text)
			return -1;
		mset(pg->a, pg->data, "fee_free", arena_strdup(pg->a, free_text));
	}
	return 0;
}

int render_service(struct renderer *r, struct portal *p, size_t svc,
		   const struct svc_html *h, const struct form_state *st,
		   struct arena *a, struct buf *out, struct diags *d)
{
	const struct service *s = &r->c->services[svc];
	struct city_service resolved;
	catalog_resolve_at(r->c, p->city_index, svc, a, &resolved);
	const struct city_service *cs = &resolved;
	struct page pg;
	page_begin(&pg, r, p, a, 2, s->title);
	service_common(&pg, svc, h);
	const struct prov *pv = cs_prov(r, p->city_index, svc);
	mset_opt(a, pg.data, "stand", pv->day);
	if (page_provenance(&pg, pv, d) < 0)
		return -1;
	mset_opt(a, pg.data, "requirements_html", h->requirements);
	mv_set_bool(a, pg.data, "has_documents", s->n_documents > 0);
	mv_set(a, pg.data, "documents", str_list(a, s->documents, s->n_documents));
	mset(a, pg.data, "costs", cs->costs);
	if (fee_data(&pg, cs) < 0)
		return -1;
	mset_opt(a, pg.data, "deadlines", cs->deadlines);
	mset_opt(a, pg.data, "duration", s->duration);
	mv_set_bool(a, pg.data, "has_legal_basis", s->n_legal_basis > 0);
	mv_set(a, pg.data, "legal_basis", str_list(a, s->legal_basis, s->n_legal_basis));
	if (cs->office)
		mv_set(a, pg.data, "office",
		       contact(&pg, cs->office->name, cs->office->address,
			       cs->office->phone, cs->office->email,
			       cs->office->hours, cs->office->url));
	else
		mv_set(a, pg.data, "office", city_contact(&pg, p->city));
	/* no online form: where the office books appointments */
	if (cs->office && (*cs->office->appointment || *cs->office->appointment_phone)) {
		struct mval *ap = mv_map(a);
		mset(a, ap, "office", cs->office->name);
		mset_opt(a, ap, "url", *cs->office->appointment ? cs->office->appointment : NULL);
		mset_opt(a, ap, "phone", *cs->office->appointment_phone ?
			 cs->office->appointment_phone : NULL);
		mv_set(a, pg.data, "appointment", ap);
	}
	/* A city's note is shown on one page: rendered there. */
	const char *note = cs->ov && cs->ov->note ? markdown_html(a, cs->ov->note) : NULL;
	if (note) {
		mset(a, pg.data, "note_html", note);
		mset(a, pg.data, "note_title",
		     arena_printf(a, "Hinweis für %s", p->city->name));
	}
	if (s->form) {
		struct mval *errors = NULL;
		mv_set(a, pg.data, "form", form_data(&pg, cs, h->form_intro, st, &errors));
		mv_set_bool(a, pg.data, "has_errors", errors != NULL);
		if (errors) {
			mv_set(a, pg.data, "errors", errors);
			page_set_title(&pg, arena_printf(a, "Fehler: %s – %s",
							 s->title, p->name));
		}
	}
	return page_render(&pg, T_SERVICE, out, d);
}

/* First letter for the A-Z index: umlauts under their vowel. */
static char initial(const char *title)
{
	char k[8];
	title_fold(title, k, sizeof k);
	char c = k[0];
	if (c >= 'a' && c <= 'z')
		return (char)(c - 32);
	return '#';
}

int render_az(struct renderer *r, struct portal *p, struct arena *a,
	      struct buf *out, struct diags *d)
{
	struct page pg;
	page_begin(&pg, r, p, a, p->city ? 1 : 0, "Leistungen von A bis Z");
	if (page_provenance(&pg, list_prov(r, p), d) < 0)
		return -1;
	page_home_crumb(&pg);
	struct mval *letters = mv_list(a), *cur = NULL;
	char last = 0;
	size_t count = 0;
	for (size_t k = 0; k < r->c->n_services; k++) {
		size_t j = r->svc_order[k];
		const struct portal *rp;
		if (!portal_lists(r, p, j, &rp))
			continue;
		struct mval *item = listed_item(&pg, j, rp);
		count++;
		char c = initial(r->c->services[j].title);
		if (!cur || c != last) {
			struct mval *m = mv_map(a);
			char l[2] = { c, 0 };
			mset(a, m, "letter", arena_strdup(a, l));
			mset(a, m, "id", c == '#' ? "weitere" :
			     arena_printf(a, "buchstabe-%c", c + 32));
			cur = mv_list(a);
			mv_set(a, m, "services", cur);
			mv_push(a, letters, m);
			last = c;
		}
		mv_push(a, cur, item);
	}
	mv_set(a, pg.data, "letters", letters);
	mv_set(a, pg.data, "count", mv_num(a, (double)count));
	return page_render(&pg, T_AZ, out, d);
}

/* Does the folded query hold the word w (folded, " w ")? */
static bool has_word(const char *folded_query, const char *folded_w)
{
	return *folded_w && strcmp(folded_w, " ") && strstr(folded_query, folded_w);
}

/* The umbrella portal's finder: the city portals a query names by
 * postcode, by the city's name or by one of its Ortsteile ("46282",
 * "Haltern", "Wulfen"); a postcode or Ortsteil name of two cities names
 * both. Only built portals; NULL when none. site.c's place_words() gives
 * search.js the same words. */
static struct mval *places(struct page *pg, const char *query)
{
	struct arena *a = pg->a;
	const struct catalog *c = pg->r->c;
	char q[SEARCH_MAX_QUERY * 2 + 3], w[256];
	char cut[SEARCH_MAX_QUERY + 1];
	snprintf(cut, sizeof cut, "%s", query);
	search_fold(cut, q, sizeof q);
	struct mval *l = mv_list(a);
	for (size_t i = 0; i < c->n_cities; i++) {
		const struct city *ci = &c->cities[i];
		const struct portal *cp = &pg->r->portals[1 + i];
		if (!cp->built)
			continue;
		const char *why = NULL;
		for (size_t k = 0; k < ci->n_postcodes && !why; k++) {
			snprintf(w, sizeof w, " %s ", ci->postcodes[k]);
			if (strstr(q, w))
				why = arena_printf(a, "Postleitzahl %s", ci->postcodes[k]);
		}
		/* the name without "Kreis ": "Recklinghausen" names the town and the Kreis */
		search_fold(!strncmp(ci->name, "Kreis ", 6) ? ci->name + 6 : ci->name, w, sizeof w);
		if (!why && has_word(q, w))
			why = "";
		/* an Ortsteil the city names ("Wulfen"), folded as the query */
		for (size_t k = 0; k < ci->n_districts && !why; k++) {
			search_fold(ci->districts[k], w, sizeof w);
			if (has_word(q, w))
				why = arena_printf(a, "Ortsteil %s", ci->districts[k]);
		}
		if (!why)
			continue;
		struct mval *m = mv_map(a);
		mset(a, m, "name", cp->name);
		mset(a, m, "href", arena_printf(a, "%s%sindex.html", pg->root, cp->prefix));
		mset_opt(a, m, "why", *why ? why : NULL);
		mv_push(a, l, m);
	}
	return l->n ? l : NULL;
}

int render_search(struct renderer *r, struct portal *p, const char *query,
		  struct arena *a, struct buf *out, struct diags *d)
{
	struct page pg;
	page_begin(&pg, r, p, a, p->city ? 1 : 0, "Suche");
	if (page_provenance(&pg, list_prov(r, p), d) < 0)
		return -1;
	page_home_crumb(&pg);
	size_t n_svc = r->c->n_services;
	size_t *svc = arena_alloc(a, (n_svc + 1) * sizeof *svc);
	const struct portal **rps = arena_alloc(a, (n_svc + 1) * sizeof *rps);
	size_t n = portal_listing(r, p, svc, rps);
	struct mval *list = mv_list(a);
	mset(a, pg.data, "query", query ? query : "");
	mv_set_bool(a, pg.data, "searched", false);
	mv_set_bool(a, pg.data, "none", false);
	mset(a, pg.data, "result_text", "");
	if (query && query[strspn(query, " \t\r\n")]) {
		struct search_doc *docs = arena_alloc(a, (n + 1) * sizeof *docs);
		struct search_hit *hits = arena_alloc(a, (n + 1) * sizeof *hits);
		for (size_t k = 0; k < n; k++)
			docs[k] = r->svc_search[svc[k]];
		size_t nh = search_rank(r->c, query, docs, n, hits);
		for (size_t k = 0; k < nh; k++)
			mv_push(a, list, listed_item(&pg, svc[hits[k].doc],
						     rps[hits[k].doc]));
		struct mval *found = p->city ? NULL : places(&pg, query);
		if (found) {
			mv_set(a, pg.data, "places", found);
			mv_set_bool(a, pg.data, "has_places", true);
		}
		mv_set_bool(a, pg.data, "searched", true);
		mv_set_bool(a, pg.data, "none", nh == 0 && !found);
		mset(a, pg.data, "result_text", nh == 0 && found ?
		     "Ihr Serviceportal ist gefunden." : nh == 0 ? "Keine Leistung gefunden." :
		     nh == 1 ? "1 Leistung gefunden." :
		     arena_printf(a, "%zu Leistungen gefunden, die passendsten zuerst.", nh));
		page_set_title(&pg, arena_printf(a, "Suche nach „%s“ – %s", query,
						 p->name));
	} else {
		for (size_t k = 0; k < n; k++)
			mv_push(a, list, listed_item(&pg, svc[k], rps[k]));
	}
	/* site/'s suche.html: the script ranks the list in place */
	if (!r->absolute)
		mset(a, pg.data, "index_json", "suche.json");
	mv_set(a, pg.data, "services", list);
	mv_set(a, pg.data, "count", mv_num(a, (double)list->n));
	mv_set(a, pg.data, "categories", categories(&pg));
	return page_render(&pg, T_SEARCH, out, d);
}

static const char *const text_title[T_COUNT] = {
	[T_IMPRESSUM] = "Impressum", [T_DATENSCHUTZ] = "Datenschutzerklärung",
	[T_BARRIEREFREIHEIT] = "Erklärung zur Barrierefreiheit",
	[T_LEICHTE_SPRACHE] = "Leichte Sprache",
	[T_NOTFOUND] = "Seite nicht gefunden",
};

/* Impressum, Datenschutz, Barrierefreiheit, Leichte Sprache and 404: the
 * text lives in the theme; the data is who is responsible. */
int render_text(struct renderer *r, struct portal *p, enum page_tpl t,
		struct arena *a, struct buf *out, struct diags *d)
{
	struct page pg;
	/* The 404 page is served for any missing URL at any depth, so only
	 * absolute links work there. */
	int depth = t == T_NOTFOUND ? MAX_DEPTH : p->city ? 1 : 0;
	page_begin(&pg, r, p, a, depth, text_title[t] ? text_title[t] : "");
	if (page_provenance(&pg, &r->prov_text[p - r->portals], d) < 0)
		return -1;
	page_home_crumb(&pg);
	const struct region *g = &r->c->region;
	struct mval *resp;
	if (p->city) {
		resp = city_contact(&pg, p->city);
		/* The office, not a person: the catalogue does not say who holds
		 * it, and a kreisfreie Stadt is led by an Oberbürgermeister(in). */
		const char *kind = p->city->kind;
		mset(a, resp, "head", !strcmp(kind, "Kreis") ?
		     "die Landrätin oder den Landrat" :
		     !strcmp(kind, "Kreisfreie Stadt") ?
		     "die Oberbürgermeisterin oder den Oberbürgermeister" :
		     "die Bürgermeisterin oder den Bürgermeister");
	} else {
		resp = contact(&pg, g->contact_name, g->contact_address,
			       g->contact_phone, g->contact_email, NULL, NULL);
		mset(a, resp, "head", "");
	}
	mv_set(a, pg.data, "responsible", resp);
	/* the data protection officer, only as the body publishes it */
	const struct privacy_officer *po = p->city ? p->city->privacy_officer :
		g->privacy_officer;
	if (po) {
		struct mval *m = contact(&pg, po->name, po->address, po->phone, po->email,
					 NULL, NULL);
		mset(a, m, "source", po->source);
		mset(a, m, "checked", date_de(a, po->checked));
		mset_opt(a, m, "caveat", *po->caveat ? po->caveat : NULL);
		mv_set(a, pg.data, "privacy_officer", m);
	}
	mv_set(a, pg.data, "operator",
	       contact(&pg, g->contact_name, g->contact_address, g->contact_phone,
		       g->contact_email, NULL, NULL));
	mset(a, pg.data, "relay_host", r->relay_url);
	struct mval *cities = mv_list(a);
	for (size_t i = 0; i < r->c->n_cities; i++) {
		struct mval *m = mv_map(a);
		mset(a, m, "name", r->c->cities[i].name);
		if (r->portals[1 + i].built)
			mset(a, m, "href", arena_printf(a, "%s%sindex.html", pg.root,
							r->portals[1 + i].prefix));
		mv_push(a, cities, m);
	}
	mv_set(a, pg.data, "cities", cities);
	return page_render(&pg, t, out, d);
}

/* The office's contact, or the city's when the service names no office. */
static struct mval *office_contact(struct page *pg, const struct city_service *cs)
{
	if (cs->office)
		return contact(pg, cs->office->name, cs->office->address,
			       cs->office->phone, cs->office->email,
			       cs->office->hours, cs->office->url);
	return city_contact(pg, cs->city);
}

/* The fee's state and, while it can be paid, the button (partial
 * application_payment). */
static void app_payment(struct arena *a, struct mval *data, const struct app_payment *p)
{
	if (!p)
		return;
	struct mval *m = mv_map(a);
	mset(a, m, "title", p->title);
	mset(a, m, "amount", p->amount);
	mset_opt(a, m, "text", p->text);
	mset_opt(a, m, "action", p->action);
	mset(a, m, "csrf", p->csrf ? p->csrf : "");
	mset(a, m, "button", p->button ? p->button : "Jetzt bezahlen");
	mv_set(a, data, "payment", m);
}

int render_confirmation(struct renderer *r, const struct city_service *cs,
			const char *reference, const char *received_at, const char *receipt,
			const char *app_url, const struct app_payment *payment,
			struct arena *a, struct buf *out, struct diags *d)
{
	const struct city *city = cs->city;
	size_t ci = (size_t)(city - r->c->cities);
	size_t si = (size_t)(cs->service - r->c->services);
	struct portal *p = &r->portals[1 + ci];
	struct page pg;
	page_begin(&pg, r, p, a, MAX_DEPTH, "Antrag eingegangen");
	page_home_crumb(&pg);
	page_crumb(&pg, cs->service->title,
		   arena_printf(a, "%sleistungen/%s.html", pg.base, cs->service->slug));
	page_set_title(&pg, arena_printf(a, "Antrag eingegangen: %s – %s",
					 cs->service->title, p->name));
	mset(a, pg.data, "reference", reference);
	mset(a, pg.data, "received_at", received_at);
	mset_opt(a, pg.data, "receipt", receipt);
	mset_opt(a, pg.data, "app_url", app_url);
	mset_opt(a, pg.data, "next_steps", *cs->service->next_steps ?
		 cs->service->next_steps : NULL);
	mset_opt(a, pg.data, "duration", *cs->service->duration ? cs->service->duration : NULL);
	mv_set(a, pg.data, "service", service_item(&pg, si));
	mv_set(a, pg.data, "office", office_contact(&pg, cs));
	mv_set_bool(a, pg.data, "noindex", true);
	app_payment(a, pg.data, payment);
	return page_render(&pg, T_CONFIRMATION, out, d);
}

int render_payment(struct renderer *r, const struct city_service *cs,
		   const struct pay_page_view *v, struct arena *a, struct buf *out,
		   struct diags *d)
{
	size_t ci = (size_t)(cs->city - r->c->cities);
	size_t si = (size_t)(cs->service - r->c->services);
	struct portal *p = &r->portals[1 + ci];
	struct page pg;
	page_begin(&pg, r, p, a, MAX_DEPTH, v->heading);
	page_home_crumb(&pg);
	page_set_title(&pg, arena_printf(a, "%s: %s, %s – %s", v->heading,
					 cs->service->title, v->reference, p->name));
	mset(a, pg.data, "heading", v->heading);
	mset(a, pg.data, "reference", v->reference);
	mset(a, pg.data, "app_url", v->app_url);
	mv_set(a, pg.data, "service", service_item(&pg, si));
	mv_set(a, pg.data, "office", office_contact(&pg, cs));
	mv_set_bool(a, pg.data, "noindex", true);
	app_payment(a, pg.data, v->payment);
	return page_render(&pg, T_PAYMENT, out, d);
}

static struct mval *app_steps(struct arena *a, const struct app_view *v)
{
	struct mval *list = mv_list(a);
	for (size_t i = 0; i < v->n_steps; i++) {
		struct mval *m = mv_map(a);
		mv_set_str(a, m, "when", v->steps[i].when);
		mv_set_str(a, m, "title", v->steps[i].title);
		if (v->steps[i].text)
			mv_set_str(a, m, "text", v->steps[i].text);
		mv_set_bool(a, m, "latest", i + 1 == v->n_steps);
		mv_push(a, list, m);
	}
	return list;
}

static struct mval *app_answers(struct arena *a, const struct app_view *v)
{
	struct mval *list = mv_list(a);
	for (size_t i = 0; i < v->n_answers; i++) {
		struct mval *m = mv_map(a);
		mv_set_str(a, m, "label", v->answers[i].label);
		/* an empty answer reads as a dash, not as a missing line */
		mv_set_str(a, m, "value", *v->answers[i].value ? v->answers[i].value : "–");
		mv_push(a, list, m);
	}
	return list;
}

static struct mval *app_files(struct arena *a, const struct app_view *v)
{
	struct mval *list = mv_list(a);
	for (size_t i = 0; i < v->n_files; i++) {
		struct mval *m = mv_map(a);
		mv_set_str(a, m, "label", v->files[i].label);
		mv_set_str(a, m, "name", v->files[i].name);
		if (v->files[i].added)
			mv_set_str(a, m, "added", v->files[i].added);
		mv_push(a, list, m);
	}
	return list;
}

/* The upload section, and its error in the page's error summary. */
static void app_upload(struct arena *a, struct mval *data, const struct app_upload *u)
{
	struct mval *m = mv_map(a);
	mv_set_str(a, m, "action", u->action);
	mv_set_str(a, m, "csrf", u->csrf);
	mv_set_str(a, m, "input", u->input);
	mv_set_str(a, m, "accept", u->accept);
	mv_set_str(a, m, "hint", u->hint);
	mv_set_bool(a, m, "multiple", u->multiple);
	if (u->error)
		mv_set_str(a, m, "error", u->error);
	if (u->closed)
		mv_set_str(a, m, "closed", u->closed);
	mv_set(a, data, "upload", m);
	if (!u->error)
		return;
	struct mval *errs = mv_list(a), *e = mv_map(a);
	mv_set_str(a, e, "href", arena_printf(a, "#%s", u->input));
	mv_set_str(a, e, "message", u->error);
	mv_push(a, errs, e);
	mv_set(a, data, "errors", errs);
	mv_set_bool(a, data, "has_errors", true);
}

int render_application(struct renderer *r, const struct city_service *cs,
		       const struct app_view *v, struct arena *a, struct buf *out,
		       struct diags *d)
{
	size_t ci = (size_t)(cs->city - r->c->cities);
	size_t si = (size_t)(cs->service - r->c->services);
	struct portal *p = &r->portals[1 + ci];
	struct page pg;
	page_begin(&pg, r, p, a, MAX_DEPTH, "Ihr Antrag");
	page_home_crumb(&pg);
	bool error = v->upload && v->upload->error;
	page_set_title(&pg, arena_printf(a, "%sIhr Antrag: %s, %s – %s",
					 error ? "Fehler: " : "",
					 cs->service->title, v->reference, p->name));
	mset(a, pg.data, "reference", v->reference);
	mset(a, pg.data, "received_at", v->received_at);
	mset(a, pg.data, "status", v->status);
	mv_set(a, pg.data, "steps", app_steps(a, v));
	mv_set(a, pg.data, "answers", app_answers(a, v));
	mv_set(a, pg.data, "files", app_files(a, v));
	mv_set_bool(a, pg.data, "has_files", v->n_files > 0);
	if (v->upload)
		app_upload(a, pg.data, v->upload);
	mv_set(a, pg.data, "service", service_item(&pg, si));
	mv_set(a, pg.data, "office", office_contact(&pg, cs));
	mv_set_bool(a, pg.data, "noindex", true);
	thread_data(&pg, v->thread);
	app_payment(a, pg.data, v->payment);
	if (v->thread && v->thread->error) {    /* the error summary, GOV.UK */
		struct mval *errs = mv_list(a), *e = mv_map(a);
		mset(a, e, "href", "#" THREAD_FIELD_ID);
		mset(a, e, "message", v->thread->error);
		mv_push(a, errs, e);
		mv_set(a, pg.data, "errors", errs);
		mv_set_bool(a, pg.data, "has_errors", true);
		page_set_title(&pg, arena_printf(a, "Fehler: Ihr Antrag: %s, %s – %s",
						 cs->service->title, v->reference, p->name));
	}
	return page_render(&pg, T_APPLICATION, out, d);
}

int render_error(struct renderer *r, struct portal *p, int status,
		 const char *message, const char *link_text, const char *link_url,
		 struct arena *a, struct buf *out, struct diags *d)
{
	struct page pg;
	const char *title = status == 404 ? "Seite nicht gefunden" :
		status == 413 ? "Die Daten sind zu groß" :
		status == 429 ? "Zu viele Anfragen" :
		status >= 500 ? "Technischer Fehler" : "Anfrage nicht möglich";
	page_begin(&pg, r, p, a, MAX_DEPTH, title);
	page_home_crumb(&pg);
	mv_set_bool(a, pg.data, "noindex", true);
	mv_set(a, pg.data, "status", mv_num(a, status));
	mset(a, pg.data, "message", message);
	if (link_text && link_url) {
		mset(a, pg.data, "link_text", link_text);
		mset(a, pg.data, "link_url", link_url);
	}
	return page_render(&pg, T_ERROR, out, d);
}
