/* catalog_load.c - content/ -> struct catalog (schema: content/README.md).
 * Each file is parsed into a YAML tree, mapped onto the model with every
 * problem reported at its file:line:col, then cross references (category,
 * office roles, cities, overridden services) are checked as a whole. */
#include "catalog_load.h"
#include "load_form.h"
#include "load_fee.h"
#include "load_search.h"
#include "load_util.h"
#include "yamlcache.h"
#include "../model/search.h"
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define CONTENT_FILE_MAX ((size_t)4 << 20)   /* 4 MiB per YAML file */
#define LOAD_THREADS_MAX 16
#define LOAD_SHARE_MIN 32       /* fewer services a thread: not worth its start */

struct loader {
	struct lctx c;
	struct source *src;
	const char *dir;        /* "content" */
	struct catalog *cat;
	const struct ynode *region_cities;  /* for error positions */
	struct arena *tree;     /* where parse_file puts the YAML nodes */
	struct yaml_cache *yc;  /* trees of earlier builds, or NULL */
	int threads;            /* for the services */
};

/* Read and parse one file; NULL (with a diagnostic) on failure. With
 * trees of an earlier build at hand, the file's id comes first and a
 * file whose tree is cached is not read: from a commit, reading meant
 * inflating every blob of the catalogue again, a tenth of a one-commit
 * --ref rebuild. (The working tree's id reads the file and keeps the id,
 * so there a file not cached, one that changed, is read twice.) */
static struct ynode *parse_file(struct loader *L, const char *path, bool required)
{
	char id[41];
	bool have_id = false;
	struct ynode *root = NULL;
	if (yaml_cache_trees(L->yc) > 0) {
		have_id = L->src->file_id(L->src, path, id) == 0;
		if (have_id)
			root = yaml_cache_get(L->yc, id, L->c.a, L->tree, path);
	}
	size_t before = L->c.d->n;
	if (!root) {
		struct buf b;
		buf_init(&b, CONTENT_FILE_MAX);
		if (L->src->read(L->src, path, &b) < 0) {
			if (required || errno != ENOENT) {
				diag_add(L->c.d, path, 0, 0, errno == EFBIG ?
					 "file is larger than 4 MiB" : "cannot read file: %s",
					 strerror(errno));
				L->c.errors++;
			}
			buf_free(&b);
			return NULL;
		}
		if (L->yc && !have_id)
			have_id = L->src->file_id(L->src, path, id) == 0;
		root = yaml_parse_tree(L->c.a, L->tree, path, b.data, b.len, L->c.d);
		if (root && have_id)
			yaml_cache_put(L->yc, id, root);
		buf_free(&b);
	}
	if (!root) {
		L->c.errors += (int)(L->c.d->n - before) + (L->c.d->n == before);
		return NULL;
	}
	if (root->kind != YN_MAP) {
		lerr(&L->c, root, "the file must be a mapping of keys to values");
		return NULL;
	}
	return root;
}

static char *path_join(struct loader *L, const char *a, const char *b)
{
	return arena_printf(L->c.a, "%s/%s", a, b);
}

static struct srcpos pos_of(const struct ynode *n)
{
	return (struct srcpos){ n->file, n->line, n->col };
}

static void check_date(struct loader *L, const struct ynode *map, const char *key,
		       const char *v)
{
	if (v && *v && !is_date(v))
		lerr(&L->c, ymap_get(map, key), "'%s' must be a date YYYY-MM-DD, not '%s'", key, v);
}

/* theme: a colour (#rrggbb) replacing *out when given. */
static void load_color(struct lctx *c, const struct ynode *th, const char *key,
		       const char **out)
{
	const char *v = get_opt(c, th, key);
	if (v && !is_color(v))
		lerr(c, ymap_get(th, key), "colour must be #rrggbb");
	else if (v)
		*out = v;
}

/* privacy_officer: the data protection officer's contact exactly as the
 * body publishes it. source (the body's own https:// page) and checked
 * (the date it was read) are required, so nothing is shown as a fact
 * without where it comes from. NULL when absent. */
static const struct privacy_officer *load_privacy_officer(struct lctx *c,
							  const struct ynode *y)
{
	static const char *const keys[] = { "name", "address", "phone", "email", "source",
		"checked", "caveat", NULL };
	const struct ynode *n = ymap_get(y, "privacy_officer");
	if (!n || !expect_kind(c, n, YN_MAP, "'privacy_officer'"))
		return NULL;
	check_keys(c, n, "'privacy_officer'", keys);
	struct privacy_officer *po = arena_alloc(c->a, sizeof *po);
	po->pos = pos_of(n);
	po->name = get_str(c, n, "name", true);
	po->address = get_str(c, n, "address", false);
	po->phone = get_str(c, n, "phone", false);
	po->email = get_str(c, n, "email", false);
	po->source = get_str(c, n, "source", true);
	po->checked = get_str(c, n, "checked", true);
	po->caveat = get_str(c, n, "caveat", false);
	if (*po->source && (strncmp(po->source, "https://", 8) || strpbrk(po->source, " \t\r\n<>\"")))
		lerr(c, ymap_get(n, "source"), "'source' must be the https:// address of the "
		     "page where the body publishes this contact");
	if (*po->email && (!strchr(po->email, '@') || strpbrk(po->email, " \t\r\n<>,;:\"")))
		lerr(c, ymap_get(n, "email"), "'email' must be one email address");
	if (*po->checked && !is_date(po->checked))
		lerr(c, ymap_get(n, "checked"), "'checked' must be a date YYYY-MM-DD, not '%s'",
		     po->checked);
	if (!*po->address && !*po->phone && !*po->email)
		lerr(c, n, "'privacy_officer' needs a way to reach the officer: address, phone "
		     "or email");
	return po;
}

/* ---- region.yml ---- */
static void load_region(struct loader *L)
{
	static const char *const keys[] = { "name", "short_name", "base_url", "relay_url",
		"intro", "contact", "privacy_officer", "theme", "cities", NULL };
	static const char *const ckeys[] = { "name", "address", "email", "phone", NULL };
	static const char *const tkeys[] = { "primary", "accent", NULL };
	struct region *r = &L->cat->region;
	const char *path = path_join(L, L->dir, "region.yml");
	struct ynode *y = parse_file(L, path, true);
	if (!y)
		return;
	struct lctx *c = &L->c;
	check_keys(c, y, "region.yml", keys);
	r->pos = pos_of(y);
	r->name = get_str(c, y, "name", true);
	r->short_name = get_str(c, y, "short_name", true);
	r->base_url = get_str(c, y, "base_url", true);
	r->relay_url = get_str(c, y, "relay_url", true);
	r->intro = get_str(c, y, "intro", true);
	if (*r->base_url && strncmp(r->base_url, "https://", 8) && strncmp(r->base_url, "http://", 7))
		lerr(c, ymap_get(y, "base_url"), "'base_url' must start with https://");
	size_t bl = strlen(r->base_url);
	if (bl && r->base_url[bl - 1] == '/')
		r->base_url = arena_strndup(c->a, r->base_url, bl - 1);
	const struct ynode *ct = ymap_get(y, "contact");
	if (!ct)
		lerr(c, y, "missing required key 'contact'");
	else if (expect_kind(c, ct, YN_MAP, "'contact'")) {
		check_keys(c, ct, "'contact'", ckeys);
		r->contact_name = get_str(c, ct, "name", true);
		r->contact_address = get_str(c, ct, "address", true);
		r->contact_email = get_str(c, ct, "email", true);
		r->contact_phone = get_str(c, ct, "phone", false);
	}
	r->privacy_officer = load_privacy_officer(c, y);
	r->color_primary = "#004b87";
	r->color_accent = "#b3001b";
	const struct ynode *th = ymap_get(y, "theme");
	if (th && expect_kind(c, th, YN_MAP, "'theme'")) {
		check_keys(c, th, "'theme'", tkeys);
		load_color(c, th, "primary", &r->color_primary);
		load_color(c, th, "accent", &r->color_accent);
	}
	L->region_cities = ymap_get(y, "cities");
	if (!L->region_cities)
		lerr(c, y, "missing required key 'cities'");
	size_t n;
	r->city_order = get_str_list(c, y, "cities", &n);
	r->n_city_order = n;
	for (size_t i = 0; i < n; i++) {
		const struct ynode *item = L->region_cities->kind == YN_SEQ ?
			L->region_cities->items[i] : L->region_cities;
		if (!is_slug(r->city_order[i]))
			lerr(c, item, "'%s' is not a valid slug ([a-z0-9-]+)", r->city_order[i]);
		for (size_t j = 0; j < i; j++)
			if (strcmp(r->city_order[i], r->city_order[j]) == 0)
				lerr(c, item, "duplicate slug '%s' in 'cities'", r->city_order[i]);
	}
}

/* A file whose only key holds a list ("categories:", "links:"). */
static const struct ynode *top_list(struct loader *L, const char *file, const char *key)
{
	struct lctx *c = &L->c;
	struct ynode *y = parse_file(L, path_join(L, L->dir, file), true);
	if (!y)
		return NULL;
	const char *const top[] = { key, NULL };
	check_keys(c, y, file, top);
	const struct ynode *list = ymap_get(y, key);
	if (!list) {
		lerr(c, y, "missing required key '%s'", key);
		return NULL;
	}
	return expect_kind(c, list, YN_SEQ, key) ? list : NULL;
}

/* ---- categories.yml ---- */
static void load_categories(struct loader *L)
{
	static const char *const keys[] = { "slug", "name", "themenfeld", "description",
		"lebenslagen", NULL };
	static const char *const themenfelder[] = { "arbeit_ruhestand", "bauen_wohnen",
		"bildung", "ein_auswanderung", "engagement_hobby", "familie_kind",
		"forschung_foerderung", "gesundheit", "mobilitaet_reisen",
		"querschnittsleistungen", "recht_ordnung", "steuern_zoll", "umwelt",
		"unternehmensfuehrung_entwicklung", NULL };
	struct lctx *c = &L->c;
	const struct ynode *list = top_list(L, "categories.yml", "categories");
	if (!list)
		return;
	struct catalog *cat = L->cat;
	cat->categories = arena_alloc(c->a, (list->n ? list->n : 1) * sizeof *cat->categories);
	for (size_t i = 0; i < list->n; i++) {
		const struct ynode *n = list->items[i];
		if (!expect_kind(c, n, YN_MAP, "a category"))
			continue;
		check_keys(c, n, "a category", keys);
		struct category *k = &cat->categories[cat->n_categories++];
		k->pos = pos_of(n);
		k->slug = get_str(c, n, "slug", true);
		k->name = get_str(c, n, "name", true);
		k->themenfeld = get_str(c, n, "themenfeld", true);
		k->description = get_str(c, n, "description", true);
		if (*k->slug && !is_slug(k->slug))
			lerr(c, ymap_get(n, "slug"), "'%s' is not a valid slug ([a-z0-9-]+)", k->slug);
		for (size_t j = 0; j + 1 < cat->n_categories; j++)
			if (*k->slug && strcmp(cat->categories[j].slug, k->slug) == 0)
				lerr(c, ymap_get(n, "slug"), "duplicate slug '%s' (first at line %d)",
				     k->slug, cat->categories[j].pos.line);
		bool tf = false;
		for (const char *const *t = themenfelder; *t; t++)
			tf |= strcmp(*t, k->themenfeld) == 0;
		if (*k->themenfeld && !tf)
			lerr(c, ymap_get(n, "themenfeld"), "unknown OZG Themenfeld '%s'", k->themenfeld);
		const struct ynode *ll = ymap_get(n, "lebenslagen");
		if (ll && expect_kind(c, ll, YN_SEQ, "'lebenslagen'")) {
			k->lebenslagen = arena_alloc(c->a, (ll->n ? ll->n : 1) * sizeof *k->lebenslagen);
			for (size_t j = 0; j < ll->n; j++) {
				static const char *const lk[] = { "slug", "name", NULL };
				const struct ynode *e = ll->items[j];
				if (!expect_kind(c, e, YN_MAP, "a Lebenslage"))
					continue;
				check_keys(c, e, "a Lebenslage", lk);
				struct lebenslage *l = &k->lebenslagen[k->n_lebenslagen++];
				l->slug = get_str(c, e, "slug", true);
				l->name = get_str(c, e, "name", true);
				if (*l->slug && !is_slug(l->slug))
					lerr(c, ymap_get(e, "slug"), "'%s' is not a valid slug", l->slug);
			}
		}
	}
}

/* ---- services/<slug>.yml ---- */

/* identification: none|basis|substantiell|hoch (default none) */
static void load_identification(struct lctx *c, const struct ynode *y,
				struct service *s)
{
	const char *v = get_str(c, y, "identification", false);
	s->identification = IDENT_NONE;
	if (!*v)
		return;
	for (unsigned i = 0; ident_level_names[i]; i++)
		if (!strcmp(v, ident_level_names[i])) {
			s->identification = i;
			return;
		}
	lerr(c, ymap_get(y, "identification"), "'identification' must be none, "
	     "basis, substantiell or hoch, not '%s'", v);
}
static void load_service(struct loader *L, const char *path, const char *slug,
			 struct service *s)
{
	static const char *const keys[] = { "title", "leika", "category", "lebenslagen",
		"summary", "description", "requirements", "documents", "costs", "deadlines",
		"duration", "next_steps", "legal_basis", "office", "keywords", "available_from",
		"available_until", "form", "fee", "identification", NULL };
	struct lctx *c = &L->c;
	struct ynode *y = parse_file(L, path, true);
	s->slug = slug;
	s->title = s->category = s->summary = s->description = s->costs = "";
	s->office = s->leika = s->requirements = s->deadlines = s->duration = "";
	s->next_steps = "";
	s->keywords = s->available_from = s->available_until = "";
	s->pos = (struct srcpos){ arena_strdup(c->a, path), 1, 1 };
	if (!y)
		return;
	s->pos = pos_of(y);
	check_keys(c, y, "a service", keys);
	s->title = get_str(c, y, "title", true);
	s->leika = get_str(c, y, "leika", false);
	if (*s->leika) {
		bool ok = strlen(s->leika) == 14;
		for (const char *p = s->leika; ok && *p; p++)
			ok = *p >= '0' && *p <= '9';
		if (!ok)
			lerr(c, ymap_get(y, "leika"),
			     "'leika' must be a 14-digit Leistungsschlüssel (quote it), not '%s'", s->leika);
	}
	s->category = get_str(c, y, "category", true);
	s->lebenslagen = get_str_list(c, y, "lebenslagen", &s->n_lebenslagen);
	s->summary = get_str(c, y, "summary", true);
	s->description = get_str(c, y, "description", true);
	s->requirements = get_str(c, y, "requirements", false);
	s->documents = get_str_list(c, y, "documents", &s->n_documents);
	s->costs = get_str(c, y, "costs", true);
	s->deadlines = get_str(c, y, "deadlines", false);
	s->duration = get_str(c, y, "duration", false);
	s->next_steps = get_str(c, y, "next_steps", false);
	s->legal_basis = get_str_list(c, y, "legal_basis", &s->n_legal_basis);
	s->office = get_str(c, y, "office", true);
	s->keywords = get_str(c, y, "keywords", false);
	s->available_from = get_str(c, y, "available_from", false);
	s->available_until = get_str(c, y, "available_until", false);
	check_date(L, y, "available_from", s->available_from);
	check_date(L, y, "available_until", s->available_until);
	s->form = load_form(c, ymap_get(y, "form"));
	s->fee = load_fee(c, ymap_get(y, "fee"));
	if (s->fee && !s->form)
		lerr(c, ymap_get(y, "fee"), "'fee' is paid online after the form: the service has no 'form'");
	load_identification(c, y, s);
}

static int service_cmp(const void *a, const void *b)
{
	return strcmp(((const struct service *)a)->slug, ((const struct service *)b)->slug);
}

/* One thread's share of the services: [lo, hi) of cat->services, with
 * its own arena and diagnostics, handed to the catalogue afterwards. */
struct share {
	struct loader L;
	const char *const *paths;
	size_t lo, hi;
	struct arena a;
	struct diags d;
	pthread_t tid;
	bool threaded;          /* on a thread of its own (else on the caller's) */
};

static void *load_share(void *arg)
{
	struct share *sh = arg;
	struct loader *L = &sh->L;
	for (size_t i = sh->lo; i < sh->hi; i++) {
		struct service *s = &L->cat->services[i];
		/* A service's YAML nodes are dropped once it is loaded: the
		 * catalogue keeps its strings only. */
		struct arena tree;
		arena_init(&tree);
		L->tree = &tree;
		load_service(L, sh->paths[i], s->slug, s);
		L->tree = L->c.a;
		arena_free(&tree);
	}
	return NULL;
}

/* The services' files, on L->threads threads: each file is read, parsed
 * and mapped on its own, and parsing them was two thirds of loading the
 * catalogue in a full build. Contiguous shares, merged in order: the
 * diagnostics kept are those one thread would keep. When the YAML cache
 * holds a tree for every service, one thread: taking trees from it is
 * a third of the work of parsing, and in sitegen the second core is
 * busy meanwhile reading the previous site (a one-edit rebuild measured
 * 3 ms slower on two threads). */
static void load_service_files(struct loader *L, const char *const *paths)
{
	size_t n = L->cat->n_services;
	size_t t = L->threads < 1 ? 1 : (size_t)L->threads;
	if (yaml_cache_trees(L->yc) >= n)
		t = 1;
	if (t > LOAD_THREADS_MAX)
		t = LOAD_THREADS_MAX;
	if (n < 2 * LOAD_SHARE_MIN * t)
		t = n / (2 * LOAD_SHARE_MIN) ? n / (2 * LOAD_SHARE_MIN) : 1;
	struct share sh[LOAD_THREADS_MAX];
	for (size_t k = 0; k < t; k++) {
		sh[k].L = *L;
		sh[k].paths = paths;
		sh[k].lo = n * k / t;
		sh[k].hi = n * (k + 1) / t;
		arena_init(&sh[k].a);
		diags_init(&sh[k].d);
		sh[k].d.max = L->c.d->max;
		sh[k].L.c = (struct lctx){ .a = &sh[k].a, .d = &sh[k].d };
		/* the first share is this thread's; one that cannot start too */
		sh[k].threaded = k > 0 &&
				 pthread_create(&sh[k].tid, NULL, load_share, &sh[k]) == 0;
	}
	for (size_t k = 0; k < t; k++) {
		if (!sh[k].threaded)
			load_share(&sh[k]);
		else if (pthread_join(sh[k].tid, NULL) != 0)
			die("cannot join a thread loading the services");
	}
	for (size_t k = 0; k < t; k++) {
		arena_adopt(L->c.a, &sh[k].a);
		for (size_t i = 0; i < sh[k].d.n; i++) {
			const struct diag *g = &sh[k].d.v[i];
			diag_add(L->c.d, g->file, g->line, g->col, "%s", g->msg);
		}
		L->c.d->dropped += sh[k].d.dropped;
		L->c.errors += sh[k].L.c.errors;
		diags_free(&sh[k].d);
	}
}

static void load_services(struct loader *L)
{
	struct lctx *c = &L->c;
	const char *dir = path_join(L, L->dir, "services");
	struct source_entry *e;
	size_t n;
	if (L->src->list(L->src, dir, &e, &n) < 0) {
		diag_add(c->d, dir, 0, 0, "cannot read the services directory");
		c->errors++;
		return;
	}
	struct catalog *cat = L->cat;
	cat->services = arena_alloc(c->a, (n ? n : 1) * sizeof *cat->services);
	const char **paths = xcalloc(n ? n : 1, sizeof *paths);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(e[i].name);
		if (e[i].is_dir || len < 5 || strcmp(e[i].name + len - 4, ".yml") != 0)
			continue;
		const char *path = path_join(L, dir, e[i].name);
		char *slug = arena_strndup(c->a, e[i].name, len - 4);
		if (!is_slug(slug)) {
			diag_add(c->d, path, 0, 0, "file name '%s' is not a valid slug ([a-z0-9-]+.yml)",
				 e[i].name);
			c->errors++;
			continue;
		}
		paths[cat->n_services] = path;
		cat->services[cat->n_services++].slug = slug;
	}
	source_list_free(e, n);
	load_service_files(L, paths);
	free(paths);
	/* The listing is sorted by file name, where "x-y.yml" comes before
	 * "x.yml"; catalog_service() bisects by slug, where "x" comes first. */
	qsort(cat->services, cat->n_services, sizeof *cat->services, service_cmp);
}

/* ---- cities/<slug>/city.yml ---- */
static void load_offices(struct loader *L, const struct ynode *y, struct city *ci)
{
	static const char *const keys[] = { "name", "address", "phone", "email", "hours",
		"url", "recipient", "appointment", "appointment_phone", NULL };
	struct lctx *c = &L->c;
	const struct ynode *of = ymap_get(y, "offices");
	if (!of) {
		lerr(c, y, "missing required key 'offices'");
		return;
	}
	if (!expect_kind(c, of, YN_MAP, "'offices'"))
		return;
	if (of->n == 0)
		lerr(c, of, "a city needs at least one office");
	ci->offices = arena_alloc(c->a, (of->n ? of->n : 1) * sizeof *ci->offices);
	for (size_t i = 0; i < of->n; i++) {
		const struct ynode *n = of->items[i];
		if (!expect_kind(c, n, YN_MAP, "an office"))
			continue;
		check_keys(c, n, "an office", keys);
		struct office *o = &ci->offices[ci->n_offices++];
		o->pos = pos_of(n);
		o->id = of->keys[i]->str;
		if (!is_slug(o->id))
			lerr(c, of->keys[i], "office role '%s' is not a valid slug", o->id);
		o->name = get_str(c, n, "name", true);
		o->address = get_str(c, n, "address", true);
		o->phone = get_str(c, n, "phone", false);
		o->email = get_str(c, n, "email", false);
		o->hours = get_str(c, n, "hours", false);
		o->url = get_str(c, n, "url", false);
		o->appointment = get_str(c, n, "appointment", false);
		o->appointment_phone = get_str(c, n, "appointment_phone", false);
		if (*o->appointment && strncmp(o->appointment, "https://", 8))
			lerr(c, ymap_get(n, "appointment"), "'appointment' must be an https:// address "
			     "of the office's online booking");
		o->recipient = get_str(c, n, "recipient", true);
		if (*o->recipient && (!strchr(o->recipient, '@') ||
				      strpbrk(o->recipient, " \t\r\n<>,;")))
			lerr(c, ymap_get(n, "recipient"), "'recipient' must be one email address");
	}
}

/* postcodes: the five-digit codes of the city, for the umbrella portal's
 * finder. A code may belong to two cities (both are named). */
static void load_postcodes(struct lctx *c, const struct ynode *y, struct city *ci)
{
	ci->postcodes = get_str_list(c, y, "postcodes", &ci->n_postcodes);
	const struct ynode *list = ymap_get(y, "postcodes");
	for (size_t i = 0; i < ci->n_postcodes; i++) {
		const struct ynode *n = list && list->kind == YN_SEQ ? list->items[i] : list;
		const char *p = ci->postcodes[i];
		if (strlen(p) != 5 || strspn(p, "0123456789") != 5)
			lerr(c, n, "postcode '%s' must be five digits", p);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(ci->postcodes[j], p))
				lerr(c, n, "postcode '%s' is listed twice", p);
	}
}

/* districts: the city's Ortsteile, for the umbrella portal's finder. A
 * name may belong to two cities (both are named); within a city each name
 * once, compared as the finder compares (folded: "Östrich" = "Oestrich"). */
#define DISTRICT_MAX 60         /* bytes of a name */
static void load_districts(struct lctx *c, const struct ynode *y, struct city *ci)
{
	ci->districts = get_str_list(c, y, "districts", &ci->n_districts);
	const struct ynode *list = ymap_get(y, "districts");
	char (*f)[DISTRICT_MAX * 2 + 3] = ci->n_districts ?
		arena_alloc(c->a, ci->n_districts * sizeof *f) : NULL;
	for (size_t i = 0; i < ci->n_districts; i++) {
		const struct ynode *n = list && list->kind == YN_SEQ ? list->items[i] : list;
		const char *d = ci->districts[i];
		if (strlen(d) > DISTRICT_MAX) {
			lerr(c, n, "district '%s' is longer than %d bytes", d, DISTRICT_MAX);
			continue;
		}
		if (search_fold(d, f[i], sizeof f[i]) < 3) {
			lerr(c, n, "district '%s' has no letters or digits", d);
			continue;
		}
		for (size_t j = 0; j < i; j++)
			if (!strcmp(f[j], f[i]))
				lerr(c, n, "district '%s' is listed twice (as '%s')", d,
				     ci->districts[j]);
	}
}

static void load_city(struct loader *L, const char *path, const char *slug, struct city *ci)
{
	static const char *const keys[] = { "name", "kind", "parent", "website", "ref_prefix",
		"launch", "intro", "contact", "theme", "offices", "postcodes", "districts",
		"privacy_officer", NULL };
	static const char *const ckeys[] = { "address", "phone", "email", "hours", NULL };
	static const char *const tkeys[] = { "primary", "accent", "logo", "name", NULL };
	struct lctx *c = &L->c;
	ci->slug = slug;
	ci->name = ci->kind = ci->parent = ci->website = ci->ref_prefix = ci->intro = "";
	ci->contact_address = ci->contact_phone = ci->contact_email = ci->contact_hours = "";
	ci->launch = ci->logo = "";
	ci->theme = "default";
	ci->color_primary = L->cat->region.color_primary ? L->cat->region.color_primary : "#004b87";
	ci->color_accent = L->cat->region.color_accent ? L->cat->region.color_accent : "#b3001b";
	ci->pos = (struct srcpos){ arena_strdup(c->a, path), 1, 1 };
	struct ynode *y = parse_file(L, path, true);
	if (!y)
		return;
	ci->pos = pos_of(y);
	check_keys(c, y, "city.yml", keys);
	ci->name = get_str(c, y, "name", true);
	ci->kind = get_str(c, y, "kind", true);
	if (*ci->kind && strcmp(ci->kind, "Kreisfreie Stadt") && strcmp(ci->kind, "Kreis") &&
	    strcmp(ci->kind, "Stadt"))
		lerr(c, ymap_get(y, "kind"), "'kind' must be \"Kreisfreie Stadt\", \"Kreis\" or \"Stadt\"");
	ci->parent = get_str(c, y, "parent", false);
	ci->website = get_str(c, y, "website", true);
	if (*ci->website && strncmp(ci->website, "https://", 8) && strncmp(ci->website, "http://", 7))
		lerr(c, ymap_get(y, "website"), "'website' must start with https://");
	ci->ref_prefix = get_str(c, y, "ref_prefix", true);
	if (*ci->ref_prefix && (strlen(ci->ref_prefix) != 3 ||
	    strspn(ci->ref_prefix, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3))
		lerr(c, ymap_get(y, "ref_prefix"), "'ref_prefix' must be 3 capital letters");
	ci->launch = get_str(c, y, "launch", false);
	check_date(L, y, "launch", ci->launch);
	load_postcodes(c, y, ci);
	load_districts(c, y, ci);
	ci->privacy_officer = load_privacy_officer(c, y);
	ci->intro = get_str(c, y, "intro", false);
	const struct ynode *ct = ymap_get(y, "contact");
	if (!ct)
		lerr(c, y, "missing required key 'contact'");
	else if (expect_kind(c, ct, YN_MAP, "'contact'")) {
		check_keys(c, ct, "'contact'", ckeys);
		ci->contact_address = get_str(c, ct, "address", true);
		ci->contact_phone = get_str(c, ct, "phone", false);
		ci->contact_email = get_str(c, ct, "email", false);
		ci->contact_hours = get_str(c, ct, "hours", false);
	}
	const struct ynode *th = ymap_get(y, "theme");
	if (th && expect_kind(c, th, YN_MAP, "'theme'")) {
		check_keys(c, th, "'theme'", tkeys);
		load_color(c, th, "primary", &ci->color_primary);
		load_color(c, th, "accent", &ci->color_accent);
		ci->logo = get_str(c, th, "logo", false);
		if (*ci->logo && (strchr(ci->logo, '/') || ci->logo[0] == '.'))
			lerr(c, ymap_get(th, "logo"), "'logo' must be a file name next to city.yml");
		const char *tn = get_opt(c, th, "name");
		if (tn && !is_slug(tn))
			lerr(c, ymap_get(th, "name"), "theme name '%s' is not a valid slug", tn);
		else if (tn)
			ci->theme = tn;
	}
	load_offices(L, y, ci);
}

/* ---- cities/<city>/<service>.yml ---- */
static void load_override(struct loader *L, const char *path, const char *city,
			  const char *service, struct override *o)
{
	static const char *const keys[] = { "offered", "costs", "deadlines", "office",
		"recipient", "note", "remove_fields", "add_fields", "available_from",
		"available_until", "responsible", "fee", NULL };
	struct lctx *c = &L->c;
	o->city = city;
	o->service = service;
	o->offered = true;
	o->pos = (struct srcpos){ arena_strdup(c->a, path), 1, 1 };
	struct ynode *y = parse_file(L, path, true);
	if (!y)
		return;
	o->pos = pos_of(y);
	check_keys(c, y, "a city's service override", keys);
	o->offered = get_bool(c, y, "offered", true, &o->has_offered);
	o->costs = get_opt(c, y, "costs");
	o->deadlines = get_opt(c, y, "deadlines");
	o->office = get_opt(c, y, "office");
	o->recipient = get_opt(c, y, "recipient");
	if (o->recipient && (!strchr(o->recipient, '@') || strpbrk(o->recipient, " \t\r\n<>,;")))
		lerr(c, ymap_get(y, "recipient"), "'recipient' must be one email address");
	o->note = get_opt(c, y, "note");
	o->responsible = get_opt(c, y, "responsible");
	if (o->responsible && !(o->has_offered && !o->offered))
		lerr(c, ymap_get(y, "responsible"), "'responsible' names who offers a "
		     "service instead of this city: it needs 'offered: false'");
	o->available_from = get_opt(c, y, "available_from");
	o->available_until = get_opt(c, y, "available_until");
	check_date(L, y, "available_from", o->available_from);
	check_date(L, y, "available_until", o->available_until);
	o->remove_fields = get_str_list(c, y, "remove_fields", &o->n_remove_fields);
	o->add_fields = load_fields(c, ymap_get(y, "add_fields"), &o->n_add_fields);
	o->fee = load_fee(c, ymap_get(y, "fee"));
}

static void load_cities(struct loader *L)
{
	struct lctx *c = &L->c;
	struct catalog *cat = L->cat;
	const char *dir = path_join(L, L->dir, "cities");
	struct source_entry *e;
	size_t n;
	if (L->src->list(L->src, dir, &e, &n) < 0) {
		diag_add(c->d, dir, 0, 0, "cannot read the cities directory");
		c->errors++;
		return;
	}
	size_t n_order = cat->region.n_city_order;
	cat->cities = arena_alloc(c->a, (n_order ? n_order : 1) * sizeof *cat->cities);
	bool *seen = arena_alloc(c->a, (n_order ? n_order : 1) * sizeof *seen);
	/* Overrides: count files first so the array can be sized once. */
	size_t n_ov_max = 0;
	struct source_entry **sub = arena_alloc(c->a, (n ? n : 1) * sizeof *sub);
	size_t *n_sub = arena_alloc(c->a, (n ? n : 1) * sizeof *n_sub);
	for (size_t i = 0; i < n; i++) {
		if (!e[i].is_dir)
			continue;
		if (L->src->list(L->src, path_join(L, dir, e[i].name), &sub[i], &n_sub[i]) < 0)
			n_sub[i] = 0, sub[i] = NULL;
		n_ov_max += n_sub[i];
	}
	cat->overrides = arena_alloc(c->a, (n_ov_max ? n_ov_max : 1) * sizeof *cat->overrides);
	for (size_t i = 0; i < n; i++) {
		if (!e[i].is_dir)
			continue;
		const char *slug = arena_strdup(c->a, e[i].name);
		const char *cdir = path_join(L, dir, slug);
		size_t k;
		for (k = 0; k < n_order; k++)
			if (strcmp(cat->region.city_order[k], slug) == 0)
				break;
		if (k == n_order) {
			diag_add(c->d, path_join(L, cdir, "city.yml"), 1, 1,
				 "city '%s' is not listed in %s/region.yml 'cities'", slug, L->dir);
			c->errors++;
			source_list_free(sub[i], n_sub[i]);
			continue;
		}
		seen[k] = true;
		load_city(L, path_join(L, cdir, "city.yml"), slug, &cat->cities[k]);
		for (size_t j = 0; j < n_sub[i]; j++) {
			const char *name = sub[i][j].name;
			size_t len = strlen(name);
			if (sub[i][j].is_dir || strcmp(name, "city.yml") == 0 || len < 5 ||
			    strcmp(name + len - 4, ".yml") != 0)
				continue;   /* logo, theme/ overrides, ... */
			const char *svc = arena_strndup(c->a, name, len - 4);
			load_override(L, path_join(L, cdir, name), slug, svc,
				      &cat->overrides[cat->n_overrides++]);
		}
		source_list_free(sub[i], n_sub[i]);
	}
	source_list_free(e, n);
	/* Keep region order; drop the cities whose directory is missing. */
	size_t out = 0;
	for (size_t k = 0; k < n_order; k++) {
		if (!seen[k]) {
			const struct ynode *item = L->region_cities && L->region_cities->kind == YN_SEQ &&
				k < L->region_cities->n ? L->region_cities->items[k] : L->region_cities;
			lerr(c, item, "city '%s' has no %s/cities/%s/city.yml",
			     cat->region.city_order[k], L->dir, cat->region.city_order[k]);
			continue;
		}
		cat->cities[out++] = cat->cities[k];
	}
	cat->n_cities = out;
}

/* ---- links.yml ---- */
static void load_links(struct loader *L)
{
	static const char *const keys[] = { "title", "url", "level", "category", "provider",
		"description", NULL };
	struct lctx *c = &L->c;
	const struct ynode *list = top_list(L, "links.yml", "links");
	if (!list)
		return;
	struct catalog *cat = L->cat;
	cat->links = arena_alloc(c->a, (list->n ? list->n : 1) * sizeof *cat->links);
	for (size_t i = 0; i < list->n; i++) {
		const struct ynode *n = list->items[i];
		if (!expect_kind(c, n, YN_MAP, "a link"))
			continue;
		check_keys(c, n, "a link", keys);
		struct extlink *l = &cat->links[cat->n_links++];
		l->pos = pos_of(n);
		l->title = get_str(c, n, "title", true);
		l->url = get_str(c, n, "url", true);
		l->level = get_str(c, n, "level", true);
		l->category = get_str(c, n, "category", true);
		l->provider = get_str(c, n, "provider", true);
		l->description = get_str(c, n, "description", true);
		if (*l->url && strncmp(l->url, "https://", 8))
			lerr(c, ymap_get(n, "url"), "'url' must start with https://");
		if (*l->level && strcmp(l->level, "Bund") && strcmp(l->level, "Land NRW"))
			lerr(c, ymap_get(n, "level"), "'level' must be \"Bund\" or \"Land NRW\"");
	}
}

/* ---- conditional fields ---- */

/* The problem with f's `when` among the fields before it, or NULL. */
static const char *when_problem(struct arena *a, const struct field *const *before,
				size_t n, const struct field *f)
{
	const struct field *t = NULL;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(before[i]->name, f->when->field))
			t = before[i];
	if (!t)
		return arena_printf(a, "'when' names field '%s', which does not come before "
				    "'%s' in the form", f->when->field, f->name);
	if (t->type != FT_RADIO && t->type != FT_SELECT && t->type != FT_CHECKBOX)
		return arena_printf(a, "'when' needs a radio, select or checkbox field; "
				    "'%s' is %s", t->name, field_type_name(t->type));
	if (t->when)
		return arena_printf(a, "'when' names '%s', which is conditional itself", t->name);
	for (size_t k = 0; k < f->when->n_values; k++) {
		const char *v = f->when->values[k];
		bool found = t->type == FT_CHECKBOX && !strcmp(v, "ja");
		for (size_t o = 0; o < t->n_options && !found; o++)
			found = !strcmp(t->options[o].value, v);
		if (!found)
			return arena_printf(a, "'when': '%s' has no answer '%s'%s", t->name, v,
					    t->type == FT_CHECKBOX ? " (a checkbox: ja)" : "");
	}
	return NULL;
}

/* The fields of one effective form whose conditions fail, each told
 * once: shared fields are in many cities' forms. */
struct told {
	const struct field **v;
	size_t n, cap;
};

static void check_form_conditions(struct loader *L, const struct city_service *cs,
				  struct told *t)
{
	for (size_t k = 0; k < cs->n_fields; k++) {
		const struct field *f = cs->fields[k];
		if (!f->when)
			continue;
		const char *why = when_problem(L->c.a, cs->fields, k, f);
		bool seen = false;
		for (size_t i = 0; i < t->n && !seen; i++)
			seen = t->v[i] == f;
		if (!why || seen)
			continue;
		diag_add(L->c.d, f->pos.file, f->pos.line, f->pos.col, "%s", why);
		L->c.errors++;
		if (t->n == t->cap) {
			t->cap = t->cap ? 2 * t->cap : 16;
			t->v = xrealloc(t->v, t->cap * sizeof *t->v);
		}
		t->v[t->n++] = f;
	}
}

/* A city that offers a service must have the office that handles it. */
static void check_office(struct loader *L, const struct city_service *cs)
{
	const struct service *s = cs->service;
	if (!*s->office || !cs->offered || cs->office)
		return;
	const struct srcpos *p = cs->ov && cs->ov->office ? &cs->ov->pos : &s->pos;
	diag_add(L->c.d, p->file, p->line, p->col,
		 "city '%s' has no office '%s' for service '%s' (add it to its city.yml, or an override with office: or offered: false)",
		 cs->city->slug, cs->ov && cs->ov->office ? cs->ov->office : s->office, s->slug);
	L->c.errors++;
}

static void check_shared_fee(struct loader *L, const struct service *s)
{
	if (!s->fee || !s->form)
		return;
	const struct field **f = arena_alloc(L->c.a, (s->form->n_fields + 1) * sizeof *f);
	for (size_t k = 0; k < s->form->n_fields; k++)
		f[k] = &s->form->fields[k];
	char what[160];
	int w = snprintf(what, sizeof what, "service '%s'", s->slug);
	if (w < 0 || (size_t)w >= sizeof what)
		snprintf(what, sizeof what, "this service");
	load_fee_check(&L->c, s->fee, f, s->form->n_fields, what);
}

/* A city's own fee counts and exempts by fields of the form that city
 * shows (the shared fee is checked once against the shared form, below). */
static void check_fee(struct loader *L, const struct city_service *cs)
{
	if (!cs->ov || !cs->ov->fee || !cs->offered)
		return;
	char what[160];
	int w = snprintf(what, sizeof what, "service '%s' in city '%s'", cs->service->slug,
			 cs->city->slug);
	if (w < 0 || (size_t)w >= sizeof what)
		snprintf(what, sizeof what, "this city's service");
	load_fee_check(&L->c, cs->ov->fee, cs->fields, cs->n_fields, what);
}

/* Every city x service as the city offers it: every conditional field of
 * its form refers to an earlier choice with such an answer, and the
 * office is there. Each is resolved here and dropped (the site build
 * resolves each page's own; relayd keeps a table). Then: every option's
 * service exists. */
static void check_city_services(struct loader *L)
{
	struct catalog *cat = L->cat;
	struct told told = { NULL, 0, 0 };
	for (size_t i = 0; i < cat->n_cities; i++) {
		struct arena fields;
		arena_init(&fields);
		for (size_t j = 0; j < cat->n_services; j++) {
			struct city_service cs;
			catalog_resolve_at(cat, i, j, &fields, &cs);
			check_form_conditions(L, &cs, &told);
			check_office(L, &cs);
			check_fee(L, &cs);
		}
		arena_free(&fields);
	}
	free(told.v);
	for (size_t j = 0; j < cat->n_services; j++)
		check_shared_fee(L, &cat->services[j]);
	for (size_t j = 0; j < cat->n_services; j++) {
		const struct form *fm = cat->services[j].form;
		for (size_t k = 0; fm && k < fm->n_fields; k++)
			for (size_t o = 0; o < fm->fields[k].n_options; o++) {
				const char *sv = fm->fields[k].options[o].service;
				const struct field *f = &fm->fields[k];
				if (sv && !catalog_service(cat, sv)) {
					diag_add(L->c.d, f->pos.file, f->pos.line, f->pos.col,
						 "option '%s' of '%s': no service '%s'",
						 f->options[o].value, f->name, sv);
					L->c.errors++;
				}
			}
	}
}

/* ---- search.yml (optional) ---- */
static void load_search_words(struct loader *L)
{
	struct ynode *y = parse_file(L, path_join(L, L->dir, "search.yml"), false);
	if (y)
		load_search(&L->c, y, L->cat);
}

/* ---- cross references ---- */
static void pos_err(struct loader *L, const struct srcpos *p, const char *fmt, const char *a,
		    const char *b)
{
	diag_add(L->c.d, p->file, p->line, p->col, fmt, a, b);
	L->c.errors++;
}

static bool is_removed(const struct override *o, const char *name)
{
	for (size_t i = 0; i < o->n_remove_fields; i++)
		if (strcmp(o->remove_fields[i], name) == 0)
			return true;
	return false;
}

static void check_references(struct loader *L)
{
	struct catalog *cat = L->cat;
	for (size_t i = 0; i < cat->n_services; i++) {
		const struct service *s = &cat->services[i];
		const struct category *k = *s->category ? catalog_category(cat, s->category) : NULL;
		if (*s->category && !k)
			pos_err(L, &s->pos, "service '%s': unknown category '%s'", s->slug, s->category);
		for (size_t j = 0; k && j < s->n_lebenslagen; j++) {
			size_t m;
			for (m = 0; m < k->n_lebenslagen; m++)
				if (strcmp(k->lebenslagen[m].slug, s->lebenslagen[j]) == 0)
					break;
			if (m == k->n_lebenslagen)
				pos_err(L, &s->pos, "service '%s': Lebenslage '%s' is not in its category",
					s->slug, s->lebenslagen[j]);
		}
	}
	for (size_t i = 0; i < cat->n_links; i++)
		if (*cat->links[i].category && !catalog_category(cat, cat->links[i].category))
			pos_err(L, &cat->links[i].pos, "link '%s': unknown category '%s'",
				cat->links[i].title, cat->links[i].category);
	for (size_t i = 0; i < cat->n_cities; i++) {
		const struct city *ci = &cat->cities[i];
		if (*ci->parent && !catalog_city(cat, ci->parent))
			pos_err(L, &ci->pos, "city '%s': unknown parent '%s'", ci->slug, ci->parent);
		for (size_t j = 0; j < i; j++)
			if (*ci->ref_prefix && strcmp(cat->cities[j].ref_prefix, ci->ref_prefix) == 0)
				pos_err(L, &ci->pos, "ref_prefix '%s' is already used by '%s'",
					ci->ref_prefix, cat->cities[j].slug);
	}
	for (size_t i = 0; i < cat->n_overrides; i++) {
		const struct override *o = &cat->overrides[i];
		const struct service *s = catalog_service(cat, o->service);
		if (!s) {
			pos_err(L, &o->pos, "override for service '%s' of city '%s', but that service does not exist",
				o->service, o->city);
			continue;
		}
		const struct city *oc = catalog_city(cat, o->city);
		if (o->responsible && !strcmp(o->responsible, RESPONSIBLE_TOWNS)) {
			if (!oc || strcmp(oc->kind, "Kreis"))
				pos_err(L, &o->pos, "responsible: '%s' (its towns) is only for "
					"a Kreis, and %s is none", RESPONSIBLE_TOWNS, o->city);
		} else if (o->responsible && (!catalog_city(cat, o->responsible) ||
					      !strcmp(o->responsible, o->city))) {
			pos_err(L, &o->pos, "responsible: '%s' is no other city of the "
				"region%s", o->responsible, "");
		}
		for (size_t j = 0; j < o->n_remove_fields; j++) {
			if (!s->form || !cs_field_in_form(s->form, o->remove_fields[j]))
				pos_err(L, &o->pos, "remove_fields: service '%s' has no field '%s'",
					s->slug, o->remove_fields[j]);
			else if (strcmp(s->form->applicant_email_field, o->remove_fields[j]) == 0)
				pos_err(L, &o->pos, "remove_fields: '%s' is the applicant's email "
					"field of '%s' (applicant_email) and cannot be removed",
					o->remove_fields[j], s->slug);
		}
		for (size_t j = 0; j < o->n_add_fields; j++) {
			if (!s->form)
				pos_err(L, &o->add_fields[j].pos, "add_fields: service '%s' has no form%s",
					s->slug, "");
			else if (cs_field_in_form(s->form, o->add_fields[j].name))
				pos_err(L, &o->add_fields[j].pos, "add_fields: '%s' already exists in '%s'",
					o->add_fields[j].name, s->slug);
			else if (o->add_fields[j].after &&
				 (!cs_field_in_form(s->form, o->add_fields[j].after) ||
				  is_removed(o, o->add_fields[j].after)))
				pos_err(L, &o->add_fields[j].pos, "add_fields: 'after: %s' names no "
					"field of '%s' that this city keeps", o->add_fields[j].after,
					s->slug);
		}
	}
	/* Cities by slug and overrides by city x service, for every reader. */
	catalog_index(cat);
	check_city_services(L);
}

struct catalog *catalog_load(struct source *src, const char *content_dir, struct diags *d)
{
	return catalog_load_cached(src, content_dir, NULL, 1, d);
}

struct catalog *catalog_load_cached(struct source *src, const char *content_dir,
				    struct yaml_cache *yc, int threads, struct diags *d)
{
	struct catalog *cat = xcalloc(1, sizeof *cat);
	arena_init(&cat->arena);
	struct loader L = { .c = { .a = &cat->arena, .d = d }, .src = src, .cat = cat,
			   .tree = &cat->arena, .yc = yc, .threads = threads };
	L.dir = arena_strdup(&cat->arena, content_dir && *content_dir ? content_dir : "content");
	load_region(&L);
	load_categories(&L);
	load_services(&L);
	load_cities(&L);
	load_links(&L);
	load_search_words(&L);
	/* Cross references too, so one run reports everything. */
	check_references(&L);
	if (L.c.errors) {
		catalog_free(cat);
		return NULL;
	}
	return cat;
}
