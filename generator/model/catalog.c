/* catalog.c - lookups and the effective view of a service in one city. */
#include "catalog.h"
#include <stdlib.h>
#include <string.h>

/* The position of slug among n sorted slugs, found by halves; n when absent. */
static size_t by_halves(size_t n, const char *slug,
			const char *(*slug_at)(const struct catalog *, size_t),
			const struct catalog *c)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(slug_at(c, mid), slug);
		if (cmp == 0)
			return mid;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return n;
}

static const char *city_slug_at(const struct catalog *c, size_t i)
{
	return c->cities[c->city_by_slug[i]].slug;
}

static const char *service_slug_at(const struct catalog *c, size_t i)
{
	return c->services[i].slug;
}

const struct city *catalog_city(const struct catalog *c, const char *slug)
{
	if (c->city_by_slug) {
		/* Cities are in display order; the index is sorted by slug. */
		size_t k = by_halves(c->n_cities, slug, city_slug_at, c);
		return k < c->n_cities ? &c->cities[c->city_by_slug[k]] : NULL;
	}
	/* While loading, before the index exists. */
	for (size_t i = 0; i < c->n_cities; i++)
		if (strcmp(c->cities[i].slug, slug) == 0)
			return &c->cities[i];
	return NULL;
}

const struct category *catalog_category(const struct catalog *c, const char *slug)
{
	for (size_t i = 0; i < c->n_categories; i++)
		if (strcmp(c->categories[i].slug, slug) == 0)
			return &c->categories[i];
	return NULL;
}

const struct service *catalog_service(const struct catalog *c, const char *slug)
{
	/* Services are loaded from a sorted directory listing. */
	size_t k = by_halves(c->n_services, slug, service_slug_at, c);
	return k < c->n_services ? &c->services[k] : NULL;
}

const struct override *catalog_override(const struct catalog *c, const char *city,
					const char *service)
{
	if (c->ov_at) {
		const struct city *ci = catalog_city(c, city);
		const struct service *s = catalog_service(c, service);
		return ci && s ? catalog_override_at(c, (size_t)(ci - c->cities),
						     (size_t)(s - c->services)) : NULL;
	}
	/* While loading, before the index exists. */
	for (size_t i = 0; i < c->n_overrides; i++)
		if (strcmp(c->overrides[i].city, city) == 0 &&
		    strcmp(c->overrides[i].service, service) == 0)
			return &c->overrides[i];
	return NULL;
}

const struct office *city_office(const struct city *city, const char *id)
{
	for (size_t i = 0; i < city->n_offices; i++)
		if (strcmp(city->offices[i].id, id) == 0)
			return &city->offices[i];
	return NULL;
}

const struct field *cs_field_in_form(const struct form *f, const char *name)
{
	for (size_t i = 0; f && i < f->n_fields; i++)
		if (strcmp(f->fields[i].name, name) == 0)
			return &f->fields[i];
	return NULL;
}

static bool removed(const struct override *ov, const char *name)
{
	for (size_t i = 0; ov && i < ov->n_remove_fields; i++)
		if (strcmp(ov->remove_fields[i], name) == 0)
			return true;
	return false;
}

/* The effective form: the shared fields the city keeps, and its added
 * fields where the catalogue places them: after the field named by
 * 'after', or else before the closing declarations (the checkboxes at the
 * end, "Ich versichere ..."), never behind them. */
static void add_placed(const struct override *ov, const char *after,
		       struct city_service *out)
{
	for (size_t i = 0; ov && i < ov->n_add_fields; i++) {
		const char *a = ov->add_fields[i].after;
		if ((!a && !after) || (a && after && strcmp(a, after) == 0))
			out->fields[out->n_fields++] = &ov->add_fields[i];
	}
}

/* The fields of form as ov changes them, into out->fields (room for the
 * form's fields and ov's added ones). */
static void place_fields(const struct form *form, const struct override *ov,
			 struct city_service *out)
{
	/* the first of the trailing checkboxes among the fields kept */
	size_t closing = form->n_fields;
	for (size_t i = form->n_fields; i-- > 0;) {
		if (removed(ov, form->fields[i].name))
			continue;
		if (form->fields[i].type != FT_CHECKBOX)
			break;
		closing = i;
	}
	for (size_t i = 0; i < form->n_fields; i++) {
		if (i == closing)
			add_placed(ov, NULL, out);
		if (removed(ov, form->fields[i].name))
			continue;
		out->fields[out->n_fields++] = &form->fields[i];
		add_placed(ov, form->fields[i].name, out);
	}
	if (closing == form->n_fields)
		add_placed(ov, NULL, out);
}

/* A service's fields unchanged by any city: one list shared by every
 * city that does not change the form (the table of catalog_resolve_all
 * would otherwise hold a copy per city: 3.8 MB at 6,000 services). */
static const struct field **plain_fields(struct arena *a, const struct form *form)
{
	const struct field **v = arena_alloc(a, (form->n_fields + 1) * sizeof *v);
	for (size_t i = 0; i < form->n_fields; i++)
		v[i] = &form->fields[i];
	return v;
}

/* catalog_resolve(); plain: the service's shared field list or NULL. */
/* city x service into *out: ov is its override, plain the service's
 * shared field list or NULL; the fields go into a (none when a is NULL). */
static void resolve(const struct catalog *c, const struct city *city,
		    const struct service *svc, const struct override *ov,
		    const struct field **plain, struct arena *a, struct city_service *out)
{
	memset(out, 0, sizeof *out);
	out->city = city;
	out->service = svc;
	out->ov = ov;
	out->offered = ov_offered(ov);
	out->costs = ov && ov->costs ? ov->costs : svc->costs;
	out->fee = ov && ov->fee ? ov->fee : svc->fee;
	out->deadlines = ov && ov->deadlines ? ov->deadlines : svc->deadlines;
	out->note = ov ? ov->note : NULL;
	out->responsible = !out->offered && ov->responsible ?
		catalog_city(c, ov->responsible) : NULL;
	out->towns_responsible = !out->offered && ov->responsible &&
		strcmp(ov->responsible, RESPONSIBLE_TOWNS) == 0;
	out->office = city_office(city, ov && ov->office ? ov->office : svc->office);
	out->recipient = ov && ov->recipient ? ov->recipient :
			 out->office ? out->office->recipient : "";
	out->available_from = ov && ov->available_from ? ov->available_from : svc->available_from;
	out->available_until = ov && ov->available_until ? ov->available_until : svc->available_until;
	if (!svc->form || !a)
		return;
	if (plain && (!ov || (!ov->n_remove_fields && !ov->n_add_fields))) {
		out->fields = plain;
		out->n_fields = svc->form->n_fields;
		return;
	}
	size_t max = svc->form->n_fields + (ov ? ov->n_add_fields : 0);
	out->fields = arena_alloc(a, (max ? max : 1) * sizeof *out->fields);
	place_fields(svc->form, ov, out);
}

int catalog_resolve(struct catalog *c, const struct city *city,
		    const struct service *svc, struct city_service *out)
{
	if (!city || !svc)
		return -1;
	resolve(c, city, svc, catalog_override(c, city->slug, svc->slug), NULL, &c->arena, out);
	return 0;
}

void catalog_resolve_at(const struct catalog *c, size_t city, size_t svc,
			struct arena *a, struct city_service *out)
{
	resolve(c, &c->cities[city], &c->services[svc], catalog_override_at(c, city, svc),
		NULL, a, out);
}

static int by_slug(const void *x, const void *y, void *ctx)
{
	const struct city *cities = ctx;
	return strcmp(cities[*(const size_t *)x].slug, cities[*(const size_t *)y].slug);
}

void catalog_index(struct catalog *c)
{
	if (c->ov_at)
		return;
	size_t *idx = arena_alloc(&c->arena, (c->n_cities + 1) * sizeof *idx);
	for (size_t i = 0; i < c->n_cities; i++)
		idx[i] = i;
	qsort_r(idx, c->n_cities, sizeof *idx, by_slug, c->cities);
	c->city_by_slug = idx;
	/* One pass over the overrides, not one search per city x service.
	 * An override of an unknown city or service (the loader reports it)
	 * applies nowhere; of two for one pair the first counts. */
	size_t n = c->n_cities * c->n_services;
	const struct override **ov = arena_alloc(&c->arena, (n ? n : 1) * sizeof *ov);
	for (size_t k = 0; k < c->n_overrides; k++) {
		const struct city *ci = catalog_city(c, c->overrides[k].city);
		const struct service *s = catalog_service(c, c->overrides[k].service);
		size_t at = ci && s ? (size_t)(ci - c->cities) * c->n_services +
			(size_t)(s - c->services) : n;
		if (at < n && !ov[at])
			ov[at] = &c->overrides[k];
	}
	c->ov_at = ov;
}

int catalog_resolve_all(struct catalog *c)
{
	if (c->cs)
		return 0;
	catalog_index(c);
	size_t n = c->n_cities * c->n_services;
	struct city_service *cs = arena_alloc(&c->arena, (n ? n : 1) * sizeof *cs);
	for (size_t j = 0; j < c->n_services; j++) {
		const struct form *f = c->services[j].form;
		const struct field **plain = f ? plain_fields(&c->arena, f) : NULL;
		for (size_t i = 0; i < c->n_cities; i++)
			resolve(c, &c->cities[i], &c->services[j], catalog_override_at(c, i, j),
				plain, &c->arena, &cs[i * c->n_services + j]);
	}
	c->cs = cs;
	return 0;
}

const struct city_service *catalog_city_service(const struct catalog *c,
						const char *city, const char *service)
{
	if (!c->cs)
		return NULL;
	const struct city *ci = catalog_city(c, city);
	const struct service *s = catalog_service(c, service);
	if (!ci || !s)
		return NULL;
	return catalog_cs_at(c, (size_t)(ci - c->cities), (size_t)(s - c->services));
}

const struct field *cs_field(const struct city_service *cs, const char *name)
{
	for (size_t i = 0; i < cs->n_fields; i++)
		if (strcmp(cs->fields[i]->name, name) == 0)
			return cs->fields[i];
	return NULL;
}

bool date_in_window(const char *date, const char *from, const char *until)
{
	/* YYYY-MM-DD compares correctly as a string. */
	if (from && *from && strcmp(date, from) < 0)
		return false;
	if (until && *until && strcmp(date, until) > 0)
		return false;
	return true;
}

void catalog_free(struct catalog *c)
{
	if (!c)
		return;
	arena_free(&c->arena);
	free(c);
}

const char *const ident_level_names[] = { "none", "basis", "substantiell", "hoch",
					  NULL };
const char *const prefill_claims[] = { "given_name", "family_name", "birthdate",
				      "email", "address.street_address",
				      "address.postal_code", "address.locality", NULL };
