/* renderer.c - everything pages share, prepared once: templates per
 * portal (with city overrides), which city x service is built at the
 * date, the portals' intros and the pre-rendered header and footer; and a
 * service's Markdown, rendered when its pages are. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "render_int.h"
#include "site.h"
#include "../util/datetime.h"
#include "../util/url.h"

const char *const page_tpl_name[T_COUNT] = {
	[T_START] = "start", [T_CITY_START] = "city_start",
	[T_CATEGORY] = "category", [T_SERVICE_OVERVIEW] = "service_overview",
	[T_SERVICE] = "service", [T_AZ] = "az", [T_SEARCH] = "search",
	[T_IMPRESSUM] = "impressum", [T_DATENSCHUTZ] = "datenschutz",
	[T_BARRIEREFREIHEIT] = "barrierefreiheit",
	[T_LEICHTE_SPRACHE] = "leichte_sprache", [T_NOTFOUND] = "404",
	[T_CONFIRMATION] = "confirmation", [T_APPLICATION] = "application",
	[T_ERROR] = "error",
	[T_INBOX_LOGIN] = "inbox_login", [T_INBOX_LIST] = "inbox_list",
	[T_INBOX_DETAIL] = "inbox_detail",
	[T_POSTFACH_REQUEST] = "postfach_request", [T_POSTFACH_LIST] = "postfach_list",
	[T_PAYMENT] = "payment",
	[T_HEADER] = "header", [T_FOOTER] = "footer",
};

/* Partials loaded ahead so that threads rarely hit the loader. */
static const char *const warm_partials[] = {
	"layout", "breadcrumb", "service_list", "link_list", "form",
	"form_field", "field_help", "error_summary", "contact", "search_box",
};

static bool name_ok(const char *name)
{
	if (!*name || strlen(name) > 64)
		return false;
	for (const char *s = name; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || *s == '-'))
			return false;
	return true;
}

static int try_read(struct tpl_loader *l, const char *dir, const char *name,
		    struct buf *src, const char **filename)
{
	char path[512];
	int n = snprintf(path, sizeof path, "%s/%s.mustache", dir, name);
	if (n < 0 || (size_t)n >= sizeof path)
		return -1;
	size_t keep = src->len;
	if (l->src->read(l->src, path, src) < 0) {
		src->len = keep;
		if (src->data)
			src->data[keep] = '\0';
		return -1;
	}
	*filename = arena_strdup(l->arena, path);
	return 0;
}

/* Template names come from themes; only plain names reach the source, so a
 * partial cannot read files outside the theme ("{{> ../../etc}}"). */
static int tpl_load(void *ctx, const char *name, struct buf *src,
		    const char **filename)
{
	struct tpl_loader *l = ctx;
	if (!name_ok(name))
		return -1;
	if (l->city_dir && try_read(l, l->city_dir, name, src, filename) == 0)
		return 0;
	return try_read(l, l->theme_dir, name, src, filename);
}

static const char *city_dir(struct arena *a, const struct city *c)
{
	/* city.yml's path names the city's directory whatever the content
	 * root is called: "content/cities/dorsten/city.yml". */
	const char *f = c->pos.file ? c->pos.file : "";
	const char *slash = strrchr(f, '/');
	if (!slash)
		return arena_printf(a, "content/cities/%s", c->slug);
	return arena_strndup(a, f, (size_t)(slash - f));
}

static bool dir_exists(struct source *src, const char *dir)
{
	struct source_entry *v = NULL;
	size_t n = 0;
	if (src->list(src, dir, &v, &n) < 0)
		return false;
	source_list_free(v, n);
	return true;
}

/* A theme's page templates and the partials most pages use, compiled
 * into env: 0, or -1 after a diagnostic. */
static int compile_theme(struct mu_env *env, const char *theme_dir,
			 struct mu_template *tpl[T_COUNT], struct diags *d)
{
	int rc = 0;
	for (int t = 0; t < T_COUNT; t++) {
		size_t before = d->n;
		tpl[t] = mu_get(env, page_tpl_name[t], d);
		if (!tpl[t]) {
			if (d->n == before)
				diag_add(d, theme_dir, 0, 0, "template %s.mustache not found",
					 page_tpl_name[t]);
			rc = -1;
		}
	}
	for (size_t i = 0; i < sizeof warm_partials / sizeof *warm_partials; i++) {
		size_t before = d->n;
		if (!mu_get(env, warm_partials[i], d)) {
			if (d->n == before)
				diag_add(d, theme_dir, 0, 0, "template %s.mustache not found",
					 warm_partials[i]);
			rc = -1;
		}
	}
	return rc;
}

struct theme_env {
	struct tpl_loader loader;
	struct arena names;         /* the loader's file names */
	struct mu_env *env;
	struct mu_template *tpl[T_COUNT];
};

struct theme_env *renderer_theme_open(struct source *src)
{
	struct theme_env *t = xcalloc(1, sizeof *t);
	arena_init(&t->names);
	t->loader = (struct tpl_loader){ .src = src, .theme_dir = "themes/default",
					 .arena = &t->names };
	t->env = mu_env_new(tpl_load, &t->loader);
	mu_env_set_strict(t->env, true);
	struct diags d;
	diags_init(&d);
	bool ok = dir_exists(src, t->loader.theme_dir) &&
		  compile_theme(t->env, t->loader.theme_dir, t->tpl, &d) == 0 && d.n == 0;
	diags_free(&d);
	if (ok)
		return t;
	renderer_theme_free(t);
	return NULL;
}

void renderer_theme_free(struct theme_env *t)
{
	if (!t)
		return;
	mu_env_free(t->env);
	arena_free(&t->names);
	free(t);
}

static int portal_env(struct renderer *r, struct portal *p, struct diags *d)
{
	const char *theme = p->city && p->city->theme && *p->city->theme ?
		p->city->theme : "default";
	const char *cdir = NULL;
	if (p->city) {
		cdir = arena_printf(&r->arena, "%s/theme", city_dir(&r->arena, p->city));
		if (!dir_exists(r->src, cdir))
			cdir = NULL;
	}
	if (!p->city && r->theme) {     /* compiled ahead, and owned by the caller */
		p->env = r->theme->env;
		memcpy(p->tpl, r->theme->tpl, sizeof p->tpl);
		return 0;
	}
	if (p->city && !cdir && strcmp(theme, "default") == 0 && r->portals[0].env) {
		p->env = r->portals[0].env;
		memcpy(p->tpl, r->portals[0].tpl, sizeof p->tpl);
		return 0;
	}
	struct tpl_loader *l = arena_alloc(&r->arena, sizeof *l);
	l->src = r->src;
	l->city_dir = cdir;
	l->theme_dir = arena_printf(&r->arena, "themes/%s", theme);
	l->arena = arena_alloc(&r->arena, sizeof *l->arena);
	arena_init(l->arena);
	if (!name_ok(theme) || !dir_exists(r->src, l->theme_dir)) {
		diag_add(d, p->city ? p->city->pos.file : r->c->region.pos.file,
			 p->city ? p->city->pos.line : 0, 0,
			 "theme '%s' not found (no directory %s)", theme, l->theme_dir);
		arena_free(l->arena);
		return -1;
	}
	p->loader = l;
	p->env = mu_env_new(tpl_load, l);
	p->own_env = true;
	mu_env_set_strict(p->env, true);
	return compile_theme(p->env, l->theme_dir, p->tpl, d);
}

/* Relative luminance contrast against white (WCAG 2.1). */
static double channel(unsigned v)
{
	double c = v / 255.0;
	return c <= 0.03928 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

static int colour_check(const char *col, const char *what, const char *file,
			int line, struct diags *d)
{
	unsigned rr, gg, bb;
	char end;
	if (!col || !*col)
		return 0;
	if (strlen(col) != 7 || sscanf(col, "#%2x%2x%2x%c", &rr, &gg, &bb, &end) != 3) {
		diag_add(d, file, line, 0, "%s colour '%s' is not #rrggbb", what, col);
		return -1;
	}
	double l = 0.2126 * channel(rr) + 0.7152 * channel(gg) + 0.0722 * channel(bb);
	double ratio = 1.05 / (l + 0.05);
	if (ratio < 4.5) {
		diag_add(d, file, line, 0,
			 "%s colour %s has a contrast of %.2f:1 with white; "
			 "at least 4.5:1 is needed (WCAG 2.1 AA)", what, col, ratio);
		return -1;
	}
	return 0;
}

bool city_launched(const struct renderer *r, const struct city *c)
{
	return !r->date || !c->launch || !*c->launch || strcmp(c->launch, r->date) <= 0;
}

static bool in_window(const struct renderer *r, const char *from, const char *until)
{
	return !r->date || date_in_window(r->date, from ? from : "", until ? until : "");
}

/* What is built at the date: each city x service resolved (without its
 * form) and dropped; pages resolve their own (catalog_resolve_at). */
static void resolve_all(struct renderer *r)
{
	struct catalog *c = r->c;
	size_t n = c->n_cities * c->n_services;
	catalog_index(c);       /* the loader did; a no-op then */
	r->cs_built = arena_alloc(&r->arena, (n ? n : 1) * sizeof *r->cs_built);
	r->svc_listed = arena_alloc(&r->arena, (c->n_services + 1) * sizeof *r->svc_listed);
	for (size_t i = 0; i < c->n_cities; i++) {
		bool launched = city_launched(r, &c->cities[i]);
		for (size_t j = 0; j < c->n_services; j++) {
			struct city_service cs;
			catalog_resolve_at(c, i, j, NULL, &cs);
			bool b = cs.offered && in_window(r, cs.available_from,
							 cs.available_until);
			r->cs_built[i * c->n_services + j] = b;
			if (b && launched)
				r->svc_listed[j] = true;
		}
	}
}

/* A service's Markdown, rendered when its pages are (render/site.c renders
 * the 14 pages of a service in one job): held for every service at once,
 * it took 10.5 MB at 6,000 services. */
void renderer_svc_html(const struct renderer *r, size_t svc, struct arena *a,
		       struct svc_html *out)
{
	const struct service *s = &r->c->services[svc];
	out->description = markdown_html(a, s->description);
	out->requirements = markdown_html(a, s->requirements);
	out->form_intro = markdown_html(a, s->form ? s->form->intro : "");
}

static void render_intros(struct renderer *r)
{
	struct catalog *c = r->c;
	r->portals[0].intro_html = markdown_html(&r->arena, c->region.intro);
	for (size_t i = 0; i < c->n_cities; i++)
		r->portals[1 + i].intro_html = markdown_html(&r->arena, c->cities[i].intro);
}

static const char *logo_ext(const char *logo)
{
	const char *dot = strrchr(logo, '.');
	if (!dot)
		return NULL;
	if (!strcmp(dot, ".svg") || !strcmp(dot, ".png") || !strcmp(dot, ".jpg") ||
	    !strcmp(dot, ".jpeg") || !strcmp(dot, ".webp"))
		return dot + 1;
	return NULL;
}

static int setup_portals(struct renderer *r, struct diags *d)
{
	struct catalog *c = r->c;
	r->n_portals = 1 + c->n_cities;
	r->portals = arena_alloc(&r->arena, r->n_portals * sizeof *r->portals);
	struct portal *u = &r->portals[0];
	u->name = c->region.name;
	u->prefix = "";
	u->built = true;
	int rc = 0;
	if (colour_check(c->region.color_primary, "primary", c->region.pos.file,
			 c->region.pos.line, d) < 0)
		rc = -1;
	if (portal_env(r, u, d) < 0)
		return -1;
	for (size_t i = 0; i < c->n_cities; i++) {
		struct portal *p = &r->portals[1 + i];
		const struct city *city = &c->cities[i];
		p->city = city;
		p->city_index = i;
		p->name = arena_printf(&r->arena, "Serviceportal %s", city->name);
		p->prefix = arena_printf(&r->arena, "%s/", city->slug);
		p->built = city_launched(r, city);
		if (colour_check(city->color_primary, "primary", city->pos.file,
				 city->pos.line, d) < 0)
			rc = -1;
		if (city->logo && *city->logo) {
			const char *ext = logo_ext(city->logo);
			if (!ext) {
				diag_add(d, city->pos.file, city->pos.line, city->pos.col,
					 "logo '%s' must be .svg, .png, .jpg or .webp", city->logo);
				rc = -1;
			} else {
				p->logo_path = arena_printf(&r->arena, "assets/%s/logo.%s",
							    city->slug, ext);
			}
		}
		if (portal_env(r, p, d) < 0)
			rc = -1;
	}
	return rc;
}

/* Header and footer depend only on the portal and the link depth. */
static int render_fragments(struct renderer *r, struct diags *d)
{
	struct buf out;
	buf_init(&out, 0);
	int rc = 0;
	for (size_t i = 0; i < r->n_portals && rc == 0; i++) {
		struct portal *p = &r->portals[i];
		for (int depth = 0; depth <= MAX_DEPTH && rc == 0; depth++) {
			if (r->absolute && depth != MAX_DEPTH)
				continue;
			page_data_share(r, p, depth);
			struct arena a;
			arena_init(&a);
			struct page pg;
			page_begin(&pg, r, p, &a, depth, "");
			for (int t = T_HEADER; t <= T_FOOTER && rc == 0; t++) {
				buf_reset(&out);
				if (page_render(&pg, (enum page_tpl)t, &out, d) < 0) {
					rc = -1;
					break;
				}
				char *s = arena_strndup(&r->arena, out.data ? out.data : "", out.len);
				if (t == T_HEADER)
					p->header[depth] = s;
				else
					p->footer[depth] = s;
			}
			arena_free(&a);
		}
	}
	buf_free(&out);
	return rc;
}

static int by_title(const void *x, const void *y, void *ctx)
{
	const struct service *s = ((const struct renderer *)ctx)->c->services;
	size_t i = *(const size_t *)x, j = *(const size_t *)y;
	char a[256], b[256];
	title_fold(s[i].title, a, sizeof a);
	title_fold(s[j].title, b, sizeof b);
	int c = strcmp(a, b);
	return c ? c : strcmp(s[i].slug, s[j].slug);
}

static void sort_services(struct renderer *r)
{
	size_t n = r->c->n_services;
	r->svc_order = arena_alloc(&r->arena, (n + 1) * sizeof *r->svc_order);
	for (size_t i = 0; i < n; i++)
		r->svc_order[i] = i;
	qsort_r(r->svc_order, n, sizeof *r->svc_order, by_title, r);
	/* Category lists look this up for every service on every page. */
	r->svc_cat = arena_alloc(&r->arena, (n + 1) * sizeof *r->svc_cat);
	for (size_t i = 0; i < n; i++) {
		const struct category *c = catalog_category(r->c, r->c->services[i].category);
		r->svc_cat[i] = c ? (size_t)(c - r->c->categories) : (size_t)-1;
	}
}

void renderer_search_docs(struct renderer *r)
{
	size_t n = r->c->n_services;
	r->svc_search = arena_alloc(&r->arena, (n + 1) * sizeof *r->svc_search);
	for (size_t i = 0; i < n; i++)
		search_doc_of(r->c, &r->c->services[i], &r->svc_search[i], &r->arena);
}

static const char *day(struct arena *a, long long t)
{
	if (t <= 0)
		return NULL;
	time_t tt = (time_t)t;
	struct tm tm;
	char s[16];
	if (berlin_tm(tt, &tm) < 0 || strftime(s, sizeof s, "%d.%m.%Y", &tm) != 10)
		return NULL;
	return arena_strdup(a, s);
}

/* The last change of one content file. */
struct change {
	long long t;
	const char *commit;
};

static struct change file_change(change_fn fn, void *ctx, struct arena *a,
				 const char *fmt, const char *x, const char *y)
{
	struct change c = { 0, NULL };
	const char *rel = arena_printf(a, fmt, x, y);
	c.t = fn(ctx, rel, &c.commit);
	if (!c.commit)
		c.t = 0;
	return c;
}

/* Newer of two changes; equal times (one second) are ordered by commit id
 * so the choice never depends on the order of the files. */
static struct change newer(struct change a, struct change b)
{
	if (!b.commit)
		return a;
	if (!a.commit || b.t > a.t || (b.t == a.t && strcmp(b.commit, a.commit) > 0))
		return b;
	return a;
}

static struct prov to_prov(struct arena *a, struct change c)
{
	struct prov p = { NULL, NULL };
	if (c.commit) {
		p.commit = arena_strdup(a, c.commit);
		p.day = day(a, c.t);
	}
	return p;
}

/* The provenances made last, by change: a commit's 8,400 pages name a few
 * commits, and formatting the day of each page's again (its German civil
 * day, util/datetime.h) was two thirds of renderer_provenance. */
#define PROV_MEMO 8
struct prov_memo {
	struct change c[PROV_MEMO];
	struct prov p[PROV_MEMO];
	size_t next;
};

static struct prov to_prov_memo(struct arena *a, struct prov_memo *m, struct change c)
{
	if (!c.commit)
		return to_prov(a, c);
	for (size_t i = 0; i < PROV_MEMO; i++)
		if (m->c[i].commit && m->c[i].t == c.t && strcmp(m->c[i].commit, c.commit) == 0)
			return m->p[i];
	struct prov p = to_prov(a, c);
	size_t k = m->next++ % PROV_MEMO;
	m->c[k] = c;
	m->p[k] = p;
	return p;
}

/* The last changes of every content file, for the lists' provenance. */
struct changes {
	const struct catalog *c;
	const struct change *svc, *ov, *city, *over;
};

/* The files that decide service j's entry on city i's portal, listed or
 * not: its file, the city's override and, when that hands the service
 * to a responsible body, what decides whether and where that body
 * offers it (pages.c: delegated). */
static struct change entry_change(const struct changes *x, size_t i, size_t j)
{
	const struct catalog *c = x->c;
	struct change e = x->svc[j];
	const struct override *o = catalog_override_at(c, i, j);
	if (!o)
		return e;
	e = newer(e, x->ov[o - c->overrides]);
	if (ov_offered(o) || !o->responsible)
		return e;
	if (strcmp(o->responsible, RESPONSIBLE_TOWNS) == 0)
		return newer(e, x->over[j]);    /* the umbrella's page of it */
	const struct city *resp = catalog_city(c, o->responsible);
	if (!resp)
		return e;
	size_t k = (size_t)(resp - c->cities);
	e = newer(e, x->city[k]);
	const struct override *ro = catalog_override_at(c, k, j);
	return ro ? newer(e, x->ov[ro - c->overrides]) : e;
}

/* The provenance of each portal's lists: start, A-Z and search page
 * (prov_list) and each category page (prov_cat). A list names the
 * newest change of its portal's own files (region files and, on a city
 * portal, city.yml; on the umbrella every city.yml, which decide what it
 * lists) and of what decides its entries: a category page those of
 * every service of its category, listed on the portal or not (an
 * override that takes a service off changes the page too), the other
 * lists those of every service. So a commit that changes one service's
 * file gives a new provenance only to the lists of its category and the
 * portals' start, A-Z and search pages. */
static void list_provenance(struct renderer *r, const struct changes *x,
			    struct change shared, struct arena *tmp)
{
	const struct catalog *c = x->c;
	size_t ns = c->n_services, ncat = c->n_categories;
	struct change *cat = arena_alloc(tmp, (ncat + 1) * sizeof *cat);
	for (size_t p = 0; p < r->n_portals; p++) {
		const struct portal *pt = &r->portals[p];
		struct change base = pt->city ? x->city[pt->city_index] : shared;
		for (size_t i = 0; !pt->city && i < c->n_cities; i++)
			base = newer(base, x->city[i]);
		struct change list = base;
		for (size_t g = 0; g < ncat; g++)
			cat[g] = base;
		for (size_t j = 0; j < ns; j++) {
			struct change e = pt->city ? entry_change(x, pt->city_index, j) :
				x->over[j];
			list = newer(list, e);
			if (r->svc_cat[j] < ncat)
				cat[r->svc_cat[j]] = newer(cat[r->svc_cat[j]], e);
		}
		r->prov_list[p] = to_prov(&r->arena, list);
		for (size_t g = 0; g < ncat; g++)
			r->prov_cat[p * ncat + g] = to_prov(&r->arena, cat[g]);
	}
}

void renderer_provenance(struct renderer *r, change_fn change, void *ctx)
{
	struct catalog *c = r->c;
	size_t ns = c->n_services, nc = c->n_cities;
	size_t n_cat = r->n_portals * c->n_categories;
	/* renderer_prepare() calls this once without history; the build
	 * again, with it when building a commit: the tables are allocated
	 * once and cleared the second time. The table of city pages (1.2 MB
	 * at 6,000 services) only when something is known. */
	if (!r->prov_overview) {
		r->prov_overview = arena_alloc(&r->arena, (ns + 1) * sizeof *r->prov_overview);
		r->prov_text = arena_alloc(&r->arena, (r->n_portals + 1) * sizeof *r->prov_text);
		r->prov_list = arena_alloc(&r->arena, (r->n_portals + 1) * sizeof *r->prov_list);
		r->prov_cat = arena_alloc(&r->arena, (n_cat + 1) * sizeof *r->prov_cat);
	} else {
		memset(r->prov_overview, 0, (ns + 1) * sizeof *r->prov_overview);
		memset(r->prov_text, 0, (r->n_portals + 1) * sizeof *r->prov_text);
		memset(r->prov_list, 0, (r->n_portals + 1) * sizeof *r->prov_list);
		memset(r->prov_cat, 0, (n_cat + 1) * sizeof *r->prov_cat);
	}
	if (r->prov_cs)
		memset(r->prov_cs, 0, (nc * ns + 1) * sizeof *r->prov_cs);
	if (!change)
		return;
	if (!r->prov_cs)
		r->prov_cs = arena_alloc(&r->arena, (nc * ns + 1) * sizeof *r->prov_cs);
	struct arena tmp;
	arena_init(&tmp);
	struct change *svc = arena_alloc(&tmp, (ns + 1) * sizeof *svc);
	struct change *ov = arena_alloc(&tmp, (c->n_overrides + 1) * sizeof *ov);
	struct change *city = arena_alloc(&tmp, (nc + 1) * sizeof *city);
	struct change *over = arena_alloc(&tmp, (ns + 1) * sizeof *over);
	struct change shared = { 0, NULL };
	struct prov_memo memo = { .next = 0 };
	static const char *const region_files[] = { "region.yml", "categories.yml", "links.yml" };
	for (size_t k = 0; k < 3; k++)
		shared = newer(shared, file_change(change, ctx, &tmp, "%s%s", region_files[k], ""));
	for (size_t j = 0; j < ns; j++) {
		svc[j] = file_change(change, ctx, &tmp, "services/%s.yml%s", c->services[j].slug, "");
		over[j] = newer(shared, svc[j]);
	}
	for (size_t k = 0; k < c->n_overrides; k++)
		ov[k] = file_change(change, ctx, &tmp, "cities/%s/%s.yml", c->overrides[k].city,
				    c->overrides[k].service);
	r->prov_text[0] = to_prov(&r->arena, shared);
	for (size_t i = 0; i < nc; i++) {
		city[i] = newer(shared, file_change(change, ctx, &tmp, "cities/%s/city.yml%s",
						    c->cities[i].slug, ""));
		r->prov_text[1 + i] = to_prov(&r->arena, city[i]);
		for (size_t j = 0; j < ns; j++) {
			const struct override *o = catalog_override_at(c, i, j);
			struct change t = newer(city[i], svc[j]);
			if (o)
				t = newer(t, ov[o - c->overrides]);
			over[j] = newer(over[j], t);
			if (r->cs_built[i * ns + j])
				r->prov_cs[i * ns + j] = to_prov_memo(&r->arena, &memo, t);
		}
	}
	for (size_t j = 0; j < ns; j++)
		r->prov_overview[j] = to_prov_memo(&r->arena, &memo, over[j]);
	struct changes x = { c, svc, ov, city, over };
	list_provenance(r, &x, shared, &tmp);
	arena_free(&tmp);
}

/* Every page's Content-Security-Policy (a <meta> in the layout; relayd
 * also sends it as a header): no inline script or style, scripts, styles
 * and images only from the page's own origin and the portal's (relayd's
 * pages take their stylesheet from the portal), the search index fetched
 * from there too, forms only to the page's own origin, the portal and the
 * relay. */
static const char *content_policy(struct renderer *r)
{
	struct arena *a = &r->arena;
	const char *base = url_origin(a, r->c->region.base_url);
	const char *relay = url_origin(a, r->relay_url);
	const char *own = base ? arena_printf(a, "'self' %s", base) : "'self'";
	const char *forms = relay && (!base || strcmp(relay, base)) ?
		arena_printf(a, "%s %s", own, relay) : own;
	if (r->form_target)
		forms = arena_printf(a, "%s %s", forms, r->form_target);
	return arena_printf(a, "default-src 'none'; script-src %s; style-src %s; "
			    "img-src %s data:; font-src %s; connect-src %s; "
			    "form-action %s; base-uri 'none'; object-src 'none'",
			    own, own, own, own, own, forms);
}

void renderer_add_form_target(struct renderer *r, const char *origin)
{
	if (!origin || !*origin)
		return;
	r->form_target = arena_strdup(&r->arena, origin);
	r->csp = content_policy(r);
}

int renderer_prepare(struct renderer *r, struct catalog *c, struct source *src,
		     const char *date, const char *relay_url, const char *commit,
		     bool absolute, struct theme_env *theme, struct diags *d)
{
	memset(r, 0, sizeof *r);
	arena_init(&r->arena);
	r->c = c;
	r->src = src;
	r->theme = theme;
	r->date = date && *date ? arena_strdup(&r->arena, date) : NULL;
	const char *relay = relay_url && *relay_url ? relay_url : c->region.relay_url;
	size_t rl = strlen(relay ? relay : "");
	while (rl > 0 && relay[rl - 1] == '/')
		rl--;
	r->relay_url = arena_strndup(&r->arena, relay ? relay : "", rl);
	/* relayd answers /submit/... and /suche beside it */
	size_t sl = rl >= 7 && !strcmp(r->relay_url + rl - 7, "/submit") ? rl - 7 : rl;
	r->search_url = arena_printf(&r->arena, "%.*s/suche", (int)sl, r->relay_url);
	/* no relay, no Postfach: the footer leaves its link out */
	r->postfach_url = sl ? arena_printf(&r->arena, "%.*s/postfach", (int)sl,
					    r->relay_url) : NULL;
	if (commit && *commit)
		r->commit = arena_strdup(&r->arena, commit);
	r->abs_root = arena_printf(&r->arena, "%s/", c->region.base_url ?
				   c->region.base_url : "");
	r->absolute = absolute;
	r->csp = content_policy(r);
	if (setup_portals(r, d) < 0)
		return -1;
	resolve_all(r);
	render_intros(r);
	sort_services(r);
	renderer_provenance(r, NULL, NULL);
	return render_fragments(r, d);
}

void renderer_release(struct renderer *r)
{
	for (size_t i = 0; i < r->n_portals; i++) {
		struct portal *p = &r->portals[i];
		if (p->own_env) {
			mu_env_free(p->env);
			arena_free(p->loader->arena);
		}
	}
	arena_free(&r->arena);
	memset(r, 0, sizeof *r);
}
