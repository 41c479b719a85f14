/* site.c - plan the site as jobs, render them (in parallel when asked;
 * the renderer is read-only by then) and write the assets, search indexes
 * and sitemap. A job is one listing or text page of a portal, every page
 * of one service (so its Markdown is rendered once, when its pages are,
 * and dropped after), every portal's search index (so each service is
 * folded once), or the sitemap. No path is kept per page: each is
 * formatted when needed.
 * Output order and bytes do not depend on the number of threads. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "render_int.h"
#include "site.h"
#include "cachekey.h"
#include "feed.h"
#include "../git/site_history.h"
#include "../write/sitemap.h"

enum file_kind {
	J_START, J_CITY_START, J_CATEGORY, J_OVERVIEW, J_SERVICE, J_AZ,
	J_SEARCH, J_TEXT, J_JSON, J_THEME_CSS,
	J_SERVICE_PAGES,            /* job: every page of service idx */
	J_SEARCH_INDEXES,           /* job: suche-texte.json, every portal's suche.json */
	J_SITEMAP,                  /* job: the sitemap index and its parts */
	J_FEED,                     /* job: the portal's feed.xml (a commit's build) */
};

/* A file of the site, or a job of several. */
struct job {
	enum file_kind kind;
	struct portal *p;           /* NULL for the jobs of several portals */
	size_t idx;                 /* category, service or page template */
};

struct jobs {
	struct job *v;
	size_t n, cap;
};

struct run {
	struct renderer *r;
	struct cache_keys *keys;    /* NULL: render every page */
	struct output *out;
	struct jobs *jobs;
	const struct site_history *hist;    /* of a commit, for the feeds */
	struct history_events events;
	atomic_size_t next;
	atomic_int failed;
};

struct worker {
	struct run *run;
	struct diags d;
	/* a page's data and a service's batch, reset after each (their
	 * blocks reused: arena_reset) */
	struct arena page, batch;
	pthread_t tid;
};

/* The folded texts of the search, one file for every portal (the search
 * page names it: themes/default/search.mustache). */
#define TEXTS_FILE "suche-texte.json"
/* Output paths are at most 1,024 bytes (write/output.c). */
#define PATH_BUF 1100
#define ARENA_KEEP ((size_t)1 << 20)    /* a worker's arena blocks kept between pages */

static const char *const text_file[T_COUNT] = {
	[T_IMPRESSUM] = "impressum.html", [T_DATENSCHUTZ] = "datenschutz.html",
	[T_BARRIEREFREIHEIT] = "barrierefreiheit.html",
	[T_LEICHTE_SPRACHE] = "leichte-sprache.html", [T_NOTFOUND] = "404.html",
};

/* The output path of a file, "dorsten/kategorien/x.html", in b; NULL
 * when it does not fit. */
static const char *file_path(const struct renderer *r, const struct job *f, char *b, size_t n)
{
	const char *pre = f->p->prefix, *name = NULL, *dir = NULL;
	switch (f->kind) {
	case J_START: case J_CITY_START: name = "index.html"; break;
	case J_CATEGORY: dir = "kategorien/"; name = r->c->categories[f->idx].slug; break;
	case J_OVERVIEW: case J_SERVICE: dir = "leistungen/"; name = r->c->services[f->idx].slug; break;
	case J_AZ: name = "a-z.html"; break;
	case J_SEARCH: name = "suche.html"; break;
	case J_JSON: name = "suche.json"; break;
	case J_TEXT: name = text_file[f->idx]; break;
	case J_THEME_CSS: name = f->p->city ? "theme.css" : "assets/theme.css"; break;
	default: break;
	}
	if (!name)
		return NULL;
	/* joined by hand: formatted, the paths of every build (twice each,
	 * with the sitemap) were 3 % of a one-edit rebuild */
	const char *part[] = { pre, dir ? dir : "", name, dir ? ".html" : "" };
	size_t len = 0;
	for (size_t i = 0; i < sizeof part / sizeof *part; i++) {
		size_t l = strlen(part[i]);
		if (l >= n - len)
			return NULL;
		memcpy(b + len, part[i], l);
		len += l;
	}
	b[len] = '\0';
	return b;
}

/* Has portal p a page of service s? */
static bool has_service_page(const struct renderer *r, const struct portal *p, size_t s)
{
	return p->city ? r->cs_built[p->city_index * r->c->n_services + s] : r->svc_listed[s];
}

typedef int (*file_fn)(void *ctx, const struct job *f);

/* Every file of the built portal p, in the site's order: start,
 * categories, services, A-Z, search page and index, texts, colours. */
static int each_file(struct renderer *r, struct portal *p, file_fn fn, void *ctx)
{
	static const enum page_tpl texts[] = { T_IMPRESSUM, T_DATENSCHUTZ,
		T_BARRIEREFREIHEIT, T_LEICHTE_SPRACHE, T_NOTFOUND };
	const struct catalog *c = r->c;
	int rc = fn(ctx, &(struct job){ p->city ? J_CITY_START : J_START, p, 0 });
	for (size_t k = 0; k < c->n_categories && rc == 0; k++)
		rc = fn(ctx, &(struct job){ J_CATEGORY, p, k });
	for (size_t s = 0; s < c->n_services && rc == 0; s++)
		if (has_service_page(r, p, s))
			rc = fn(ctx, &(struct job){ p->city ? J_SERVICE : J_OVERVIEW, p, s });
	static const enum file_kind lists[] = { J_AZ, J_SEARCH, J_JSON };
	for (size_t k = 0; k < sizeof lists / sizeof *lists && rc == 0; k++)
		rc = fn(ctx, &(struct job){ lists[k], p, 0 });
	/* the umbrella has the plain-language page and the 404 page too */
	size_t n_texts = p->city ? 3 : sizeof texts / sizeof *texts;
	for (size_t k = 0; k < n_texts && rc == 0; k++)
		rc = fn(ctx, &(struct job){ J_TEXT, p, texts[k] });
	return rc ? rc : fn(ctx, &(struct job){ J_THEME_CSS, p, 0 });
}

static void add(struct jobs *j, struct job job)
{
	if (j->n == j->cap) {
		j->cap = j->cap ? j->cap * 2 : 256;
		j->v = xrealloc(j->v, j->cap * sizeof *j->v);
	}
	j->v[j->n++] = job;
}

/* A portal's file as a job of its own: not its service pages and its
 * search index, which other jobs write. */
static int plan_file(void *ctx, const struct job *f)
{
	if (f->kind != J_SERVICE && f->kind != J_OVERVIEW && f->kind != J_JSON)
		add(ctx, *f);
	return 0;
}

/* The search indexes first: the longest job, beside all others; the
 * sitemap next (it needs nothing rendered: it was a serial tail). feeds:
 * a commit's build, with a feed for each live portal. */
static void plan(struct renderer *r, bool feeds, struct jobs *j)
{
	add(j, (struct job){ J_SEARCH_INDEXES, NULL, 0 });
	add(j, (struct job){ J_SITEMAP, NULL, 0 });
	for (size_t i = 0; i < r->n_portals; i++)
		if (r->portals[i].built)
			each_file(r, &r->portals[i], plan_file, j);
	for (size_t s = 0; s < r->c->n_services; s++)
		add(j, (struct job){ J_SERVICE_PAGES, NULL, s });
	for (size_t i = 0; feeds && i < r->n_portals; i++)
		if (r->portals[i].built)     /* launched: a portal, and its feed */
			add(j, (struct job){ J_FEED, &r->portals[i], 0 });
}

/* A JSON string. */
static int json_str(struct buf *out, const char *s)
{
	int rc = buf_puts(out, "\"");
	rc |= buf_put_json(out, s, strlen(s));
	return rc | buf_puts(out, "\"");
}

static int json_words(struct buf *out, const char *const *w, size_t n)
{
	int rc = buf_puts(out, "[");
	for (size_t i = 0; i < n; i++) {
		rc |= i ? buf_puts(out, ",") : 0;
		rc |= json_str(out, w[i]);
	}
	return rc | buf_puts(out, "]");
}

/* The umbrella portal's finder words (postcodes, folded city names and
 * Ortsteile, as pages.c's places() compares them) as JSON strings " w ",
 * comma-separated. */
static int place_words(struct renderer *r, struct buf *out)
{
	const struct catalog *c = r->c;
	int rc = 0;
	bool first = true;
	char w[256];
	for (size_t i = 0; i < c->n_cities; i++) {
		const struct city *ci = &c->cities[i];
		if (!r->portals[1 + i].built)
			continue;
		size_t n = ci->n_postcodes + 1 + ci->n_districts;
		for (size_t k = 0; k < n; k++) {
			if (k < ci->n_postcodes)
				snprintf(w, sizeof w, " %s ", ci->postcodes[k]);
			else if (k == ci->n_postcodes)
				search_fold(!strncmp(ci->name, "Kreis ", 6) ? ci->name + 6 :
					    ci->name, w, sizeof w);
			else
				search_fold(ci->districts[k - ci->n_postcodes - 1], w, sizeof w);
			rc |= first ? 0 : buf_puts(out, ",");
			rc |= json_str(out, w);
			first = false;
		}
	}
	return rc;
}

/* The head of a portal's search index: stop words, synonyms and the
 * umbrella's finder words, so that search.js ranks exactly as relayd's
 * server-side search (model/search.h). */
static int index_head(struct renderer *r, struct portal *p, const char *version,
		      struct buf *out)
{
	const struct catalog *c = r->c;
	int rc = buf_printf(out, "{\"v\":\"%s\",\n\"stop\":", version);
	rc |= json_words(out, c->stopwords, c->n_stopwords);
	rc |= buf_puts(out, ",\n\"syn\":[");
	for (size_t g = 0; g < c->n_synonyms; g++) {
		rc |= buf_puts(out, g ? ",\n" : "\n");
		rc |= json_words(out, c->synonyms[g].words, c->synonyms[g].n);
	}
	rc |= buf_puts(out, "],\n\"places\":[");
	if (!p->city)           /* the finder's words: the script leaves them to relayd */
		rc |= place_words(r, out);
	return rc | buf_puts(out, "],\n\"docs\":[");
}

/* The folded fields of a service as JSON, `"title","keywords","text"`:
 * the same in every index that lists it, so escaped once, not once per
 * portal (the escaping was a tenth of a one-edit rebuild). */
static int index_fields(const struct search_doc *f, struct buf *out)
{
	int rc = json_str(out, f->title);
	rc |= buf_puts(out, ",");
	rc |= json_str(out, f->keywords);
	rc |= buf_puts(out, ",");
	return rc | json_str(out, f->text);
}

/* One service of a portal's index: its URL, relative to the portal's
 * suche.html as the links it shows (rp: the responsible body's portal, or
 * NULL), and the number t of its folded fields in suche-texte.json. */
static int index_doc(const struct service *v, size_t t, const struct portal *rp,
		     bool first, struct buf *out)
{
	int rc = buf_puts(out, first ? "\n{\"u\":\"" : ",\n{\"u\":\"");
	if (rp) {   /* from a city portal's directory */
		rc |= buf_puts(out, "../");
		rc |= buf_put_json(out, rp->prefix, strlen(rp->prefix));
	}
	rc |= buf_puts(out, "leistungen/");
	rc |= buf_put_json(out, v->slug, strlen(v->slug));
	return rc | buf_printf(out, ".html\",\"t\":%zu}", t);
}

/* Opens a search file unless its previous version is reused: the stream,
 * or NULL when reused (*rc -1 on failure). */
static struct output_stream *open_unless_reused(struct run *run, const char *path,
						 const char *key, int *rc)
{
	int reused = key ? output_reuse(run->out, path, key) : 0;
	struct output_stream *s = reused == 0 ? output_stream_open(run->out, path, key) : NULL;
	if (reused < 0 || (reused == 0 && !s))
		*rc = -1;
	return s;
}

/* Opens suche-texte.json (*texts) and the search index of each built
 * portal (s[i]), those whose previous version is not reused, and writes
 * their heads. */
static int open_indexes(struct run *run, struct output_stream **s,
			struct output_stream **texts)
{
	struct renderer *r = run->r;
	char version[41];
	if (search_texts_version(r, version) < 0)
		return -1;
	int rc = 0;
	*texts = open_unless_reused(run, TEXTS_FILE, run->keys ?
				    cache_key_global(run->keys) : NULL, &rc);
	if (*texts)
		rc |= buf_printf(output_stream_buf(*texts), "{\"v\":\"%s\",\n\"f\":[", version);
	for (size_t i = 0; i < r->n_portals && rc == 0; i++) {
		struct portal *p = &r->portals[i];
		char path[PATH_BUF];
		if (!p->built)
			continue;
		file_path(r, &(struct job){ J_JSON, p, 0 }, path, sizeof path);
		struct arena a;
		arena_init(&a);
		s[i] = open_unless_reused(run, path, run->keys ?
					  cache_key_search_index(run->keys, &a, i) : NULL, &rc);
		arena_free(&a);
		if (s[i])
			rc |= index_head(r, p, version, output_stream_buf(s[i]));
	}
	return rc;
}

/* One service's folded fields, as entry t of suche-texte.json. */
static int texts_entry(const struct catalog *c, size_t svc, size_t t,
		       struct output_stream *texts)
{
	struct arena a;
	arena_init(&a);
	struct search_doc f = { NULL, NULL, NULL };
	search_doc_of(c, &c->services[svc], &f, &a);
	struct buf *b = output_stream_buf(texts);
	int rc = buf_puts(b, t ? ",\n[" : "\n[") | index_fields(&f, b) | buf_puts(b, "]") |
		 output_stream_flush(texts);
	arena_free(&a);
	return rc;
}

static int close_index(struct output_stream *s)
{
	if (!s)
		return 0;
	int rc = buf_puts(output_stream_buf(s), "\n]}\n");
	return output_stream_close(s) < 0 ? -1 : rc;
}

/* The search: suche-texte.json, the folded fields of every service listed
 * anywhere (each portal lists a part of the umbrella's services, see
 * renderer.c's svc_listed), A-Z, each folded once; and every portal's
 * suche.json, which numbers the ones it lists. An edit of a service's
 * text rewrites the one file of texts, not 14 indexes of a megabyte each
 * (at 600 services); the indexes change with what a portal lists. Written
 * in pieces: kept whole, 6,000 services' folds took 10 MB. */
static int search_indexes(struct run *run)
{
	struct renderer *r = run->r;
	const struct catalog *c = r->c;
	struct output_stream **s = xcalloc(r->n_portals, sizeof *s), *texts = NULL;
	size_t *docs = xcalloc(r->n_portals, sizeof *docs);
	int rc = open_indexes(run, s, &texts);
	for (size_t k = 0, t = 0; k < c->n_services && rc == 0; k++) {
		size_t j = r->svc_order[k];
		if (!r->svc_listed[j])
			continue;
		if (texts)
			rc = texts_entry(c, j, t, texts);
		for (size_t i = 0; i < r->n_portals && rc == 0; i++) {
			const struct portal *rp;
			if (!s[i] || !portal_lists(r, &r->portals[i], j, &rp))
				continue;
			struct buf *b = output_stream_buf(s[i]);
			rc |= index_doc(&c->services[j], t, rp, docs[i]++ == 0, b) |
			      output_stream_flush(s[i]);
		}
		t++;
	}
	rc |= close_index(texts);
	for (size_t i = 0; i < r->n_portals; i++)
		rc |= close_index(s[i]);
	free(s);
	free(docs);
	return rc ? -1 : 0;
}

static int theme_css(struct renderer *r, struct portal *p, struct buf *out)
{
	const char *pri = p->city ? p->city->color_primary : r->c->region.color_primary;
	const char *acc = p->city ? p->city->color_accent : r->c->region.color_accent;
	int rc = buf_printf(out, "/* Farben: %s (erzeugt) */\n:root {\n", p->name);
	/* Colours were checked as #rrggbb in renderer_prepare(). */
	if (pri && *pri)
		rc |= buf_printf(out, "\t--farbe-primaer: %s;\n", pri);
	if (acc && *acc)
		rc |= buf_printf(out, "\t--farbe-akzent: %s;\n", acc);
	rc |= buf_puts(out, "}\n");
	return rc ? -1 : 0;
}

/* A service's Markdown, rendered (into a) when its first page is. */
struct svc_markdown {
	struct arena *a;
	struct svc_html h;
	bool ready;
};

static const struct svc_html *svc_markdown(struct renderer *r, size_t svc,
					   struct svc_markdown *m)
{
	if (!m->ready)
		renderer_svc_html(r, svc, m->a, &m->h);
	m->ready = true;
	return &m->h;
}

static int render_file(struct renderer *r, const struct job *f, const char *path,
		       struct svc_markdown *m, struct arena *a, struct buf *out,
		       struct diags *d)
{
	buf_reset(out);
	switch (f->kind) {
	case J_START: return render_start(r, a, out, d);
	case J_CITY_START: return render_city_start(r, f->p, a, out, d);
	case J_CATEGORY: return render_category(r, f->p, f->idx, a, out, d);
	case J_OVERVIEW:
		return render_service_overview(r, f->idx, svc_markdown(r, f->idx, m), a, out, d);
	case J_SERVICE:
		return render_service(r, f->p, f->idx, svc_markdown(r, f->idx, m), NULL,
				      a, out, d);
	case J_AZ: return render_az(r, f->p, a, out, d);
	case J_SEARCH: return render_search(r, f->p, NULL, a, out, d);
	case J_TEXT: return render_text(r, f->p, (enum page_tpl)f->idx, a, out, d);
	case J_THEME_CSS:
		if (theme_css(r, f->p, out) == 0)
			return 0;
		diag_add(d, path, 0, 0, "output larger than %zu bytes", out->max);
		return -1;
	default:
		diag_add(d, path, 0, 0, "not a page");
		return -1;
	}
}

/* The incremental-build key of a file (see cachekey.h). */
static const char *file_key(struct run *run, const struct job *f, struct arena *a)
{
	if (!run->keys)
		return NULL;
	size_t portal = (size_t)(f->p - run->r->portals);
	switch (f->kind) {
	case J_SERVICE: return cache_key_service(run->keys, a, portal, f->idx);
	case J_OVERVIEW: return cache_key_overview(run->keys, a, f->idx);
	case J_START: case J_CITY_START: return cache_key_start(run->keys, a, portal);
	case J_CATEGORY: return cache_key_list(run->keys, a, portal, f->idx);
	case J_AZ: case J_SEARCH: return cache_key_list(run->keys, a, portal, (size_t)-1);
	case J_TEXT: case J_THEME_CSS: return cache_key_text(run->keys, a, portal);
	default: return cache_key_global(run->keys);
	}
}

/* A file after output_reuse said reuse (1, >0), render (0) or failed
 * (<0): rendered into a when needed and written. 0 ok, -1 after a
 * diagnostic. */
static int finish_file(struct run *run, const struct job *f, const char *path,
		       const char *key, int reuse, struct svc_markdown *m, struct arena *a,
		       struct buf *out, struct diags *d)
{
	int rc = reuse;
	if (rc == 0) {
		rc = render_file(run->r, f, path, m, a, out, d);
		if (rc == 0 && output_write_buf(run->out, path, out, key) < 0)
			rc = -1;
	} else if (rc > 0) {
		rc = 0;     /* unchanged inputs: the previous page was reused */
	}
	if (rc < 0)
		diag_add(d, path, 0, 0, "could not build this page");
	return rc;
}

/* One file: reused when its key says that its inputs did not change,
 * else rendered (in the worker's arena a, reset after) and written. 0 ok,
 * -1 after a diagnostic. */
static int build_file(struct run *run, const struct job *f, struct arena *a,
		      struct buf *out, struct diags *d)
{
	char path[PATH_BUF];
	if (!file_path(run->r, f, path, sizeof path)) {
		diag_add(d, f->p->prefix, 0, 0, "output path longer than %d bytes", PATH_BUF - 1);
		return -1;
	}
	const char *key = file_key(run, f, a);
	int rc = key ? output_reuse(run->out, path, key) : 0;
	rc = finish_file(run, f, path, key, rc, NULL, a, out, d);
	arena_reset(a, ARENA_KEEP);
	return rc;
}

/* The pages of one service gathered for one output_reuse_many. */
struct svc_batch {
	struct job f[OUT_REUSE_MAX];
	const char *path[OUT_REUSE_MAX], *key[OUT_REUSE_MAX];
	size_t n;
};

/* Asks which of the batch's pages can be reused, then renders the rest,
 * each in the arena pa, reset after each. */
static int flush_batch(struct run *run, struct svc_batch *b, struct svc_markdown *m,
		       struct arena *pa, struct buf *out, struct diags *d)
{
	int reuse[OUT_REUSE_MAX], rc = 0;
	output_reuse_many(run->out, b->n, b->path, b->key, reuse);
	for (size_t j = 0; j < b->n && rc == 0; j++) {
		rc = finish_file(run, &b->f[j], b->path[j], b->key[j], reuse[j], m, pa, out, d);
		arena_reset(pa, ARENA_KEEP);
	}
	b->n = 0;
	return rc;
}

/* Every page of service s: the umbrella's and each city's. Whether each
 * can be reused is asked for all of them at once: one taking of the
 * writer's lock per service, not per page (8,400 of them in a one-edit
 * rebuild at 600 services, where the two render threads waited for each
 * other at every page). */
static int service_pages(struct run *run, size_t s, struct worker *w, struct buf *out,
			 struct diags *d)
{
	struct renderer *r = run->r;
	struct arena *a = &w->batch;    /* the Markdown, paths and keys of the batch */
	struct svc_markdown m = { .a = a };
	struct svc_batch b;
	b.n = 0;
	int rc = 0;
	for (size_t i = 0; i < r->n_portals && rc == 0; i++) {
		struct portal *p = &r->portals[i];
		if (!p->built || !has_service_page(r, p, s))
			continue;
		struct job *f = &b.f[b.n];
		*f = (struct job){ p->city ? J_SERVICE : J_OVERVIEW, p, s };
		char path[PATH_BUF];
		if (!file_path(r, f, path, sizeof path)) {
			diag_add(d, p->prefix, 0, 0, "output path longer than %d bytes",
				 PATH_BUF - 1);
			rc = -1;
			break;
		}
		b.path[b.n] = arena_strdup(a, path);
		b.key[b.n] = file_key(run, f, a);
		if (++b.n == OUT_REUSE_MAX)
			rc = flush_batch(run, &b, &m, &w->page, out, d);
	}
	if (rc == 0 && b.n)
		rc = flush_batch(run, &b, &m, &w->page, out, d);
	arena_reset(a, ARENA_KEEP);
	return rc;
}

struct sitemap_ctx {
	struct renderer *r;
	struct sitemap *sm;
};

/* One URL of the sitemap: every page but the 404 page. */
static int sitemap_url(void *ctx, const struct job *f)
{
	struct sitemap_ctx *x = ctx;
	char path[PATH_BUF];
	if (!file_path(x->r, f, path, sizeof path))
		return -1;
	size_t len = strlen(path);
	if (len < 5 || strcmp(path + len - 5, ".html") != 0 ||
	    (f->kind == J_TEXT && f->idx == T_NOTFOUND))
		return 0;
	return sitemap_add(x->sm, path);
}

/* sitemap.xml, the index, and its parts (write/sitemap.h), in the order
 * of each portal's files. */
static int sitemap(struct renderer *r, struct output *out, struct diags *d)
{
	struct sitemap_ctx x = { r, sitemap_open(out, r->c->region.base_url, r->date, 0, 0, d) };
	int rc = 0;
	for (size_t i = 0; i < r->n_portals && rc == 0; i++)
		if (r->portals[i].built)
			rc = each_file(r, &r->portals[i], sitemap_url, &x);
	return sitemap_close(x.sm) < 0 ? -1 : rc;
}

/* "Neu im Serviceportal": the feed of portal p, only when building from a
 * commit (the working tree has no history). A job like the pages, not a
 * serial tail after them: the 14 feeds took 2.3 ms of every commit's
 * build. */
static int feed(struct run *run, const struct portal *p, struct diags *d)
{
	const struct history_events *ev = &run->events;
	/* A feed without entries is as new as the newest change (events are
	 * newest first), not as the build's commit. */
	struct feed_opts fo = { .city = p->city ? p->city->slug : NULL, .date = run->r->date,
				.updated = ev->n ? ev->v[0].time : 0,
				.content = run->hist->content };
	char path[200];
	int w = snprintf(path, sizeof path, "%s%sfeed.xml", p->city ? p->city->slug : "",
			 p->city ? "/" : "");
	struct buf b;
	buf_init(&b, 0);
	int rc = w > 0 && (size_t)w < sizeof path ? feed_render(run->r->c, &fo, ev, &b) : -1;
	if (rc < 0)
		diag_add(d, path, 0, 0, "cannot render the feed");
	else
		rc = output_write_buf(run->out, path, &b, NULL);
	buf_free(&b);
	return rc;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct run *run = w->run;
	struct buf out;
	buf_init(&out, 0);
	for (;;) {
		if (atomic_load(&run->failed))
			break;
		size_t i = atomic_fetch_add(&run->next, 1);
		if (i >= run->jobs->n)
			break;
		const struct job *j = &run->jobs->v[i];
		int rc = j->kind == J_SEARCH_INDEXES ? search_indexes(run) :
			 j->kind == J_SITEMAP ? sitemap(run->r, run->out, &w->d) :
			 j->kind == J_SERVICE_PAGES ? service_pages(run, j->idx, w, &out, &w->d) :
			 j->kind == J_FEED ? feed(run, j->p, &w->d) :
			 build_file(run, j, &w->page, &out, &w->d);
		if (rc < 0) {
			atomic_store(&run->failed, 1);
			break;
		}
	}
	buf_free(&out);
	return NULL;
}

static int run_jobs(struct run *run, int threads, struct diags *d)
{
	if (threads < 1)
		threads = 1;
	if (threads > 16)
		threads = 16;
	struct worker w[16];
	int started = 0;
	for (int i = 0; i < threads; i++) {
		w[i].run = run;
		diags_init(&w[i].d);
		arena_init(&w[i].page);
		arena_init(&w[i].batch);
	}
	/* Worker 0 is this thread. */
	for (int i = 1; i < threads; i++) {
		if (pthread_create(&w[i].tid, NULL, work, &w[i]) != 0)
			break;
		started = i;
	}
	work(&w[0]);
	for (int i = 1; i <= started; i++)
		pthread_join(w[i].tid, NULL);
	for (int i = 0; i < threads; i++) {
		for (size_t k = 0; k < w[i].d.n; k++)
			diag_add(d, w[i].d.v[k].file, w[i].d.v[k].line, w[i].d.v[k].col,
				 "%s", w[i].d.v[k].msg);
		diags_free(&w[i].d);
		arena_free(&w[i].page);
		arena_free(&w[i].batch);
	}
	return atomic_load(&run->failed) ? -1 : 0;
}

/* Copies a theme file or a city's logo into the output. */
static int copy_file(struct renderer *r, const char *from, const char *to,
		     struct output *out, struct diags *d)
{
	struct buf b;
	buf_init(&b, (size_t)16 << 20);
	int rc = r->src->read(r->src, from, &b);
	if (rc < 0)
		diag_add(d, from, 0, 0, "cannot read file");
	else
		rc = output_write_buf(out, to, &b, NULL);
	buf_free(&b);
	return rc;
}

static int copy_logo(struct renderer *r, struct portal *p, struct output *out,
		     struct diags *d)
{
	const struct city *c = p->city;
	const char *f = c->pos.file ? c->pos.file : "";
	const char *slash = strrchr(f, '/');
	char path[512];
	int n = snprintf(path, sizeof path, "%.*s/%s", slash ? (int)(slash - f) : 0,
			 f, c->logo);
	if (n < 0 || (size_t)n >= sizeof path) {
		diag_add(d, f, c->pos.line, c->pos.col, "logo path too long");
		return -1;
	}
	struct buf b;
	buf_init(&b, (size_t)2 << 20);
	int rc = r->src->read(r->src, path, &b);
	if (rc < 0) {
		/* Not next to city.yml: a logo shipped with the theme. */
		buf_reset(&b);
		n = snprintf(path, sizeof path, "themes/%s/%s",
			     c->theme && *c->theme ? c->theme : "default", c->logo);
		if (n >= 0 && (size_t)n < sizeof path)
			rc = r->src->read(r->src, path, &b);
	}
	if (rc < 0)
		diag_add(d, f, c->pos.line, c->pos.col,
			 "logo '%s' not found next to city.yml or in the theme "
			 "(or larger than 2 MiB)", c->logo);
	else
		rc = output_write_buf(out, p->logo_path, &b, NULL);
	buf_free(&b);
	return rc;
}

static int assets(struct renderer *r, struct output *out, struct diags *d)
{
	int rc = 0;
	rc |= copy_file(r, "themes/default/style.css", "assets/style.css", out, d);
	rc |= copy_file(r, "themes/default/search.js", "assets/search.js", out, d);
	rc |= copy_file(r, "themes/default/form.js", "assets/form.js", out, d);
	rc |= copy_file(r, "themes/default/thread.js", "assets/thread.js", out, d);
	rc |= copy_file(r, "themes/default/favicon.svg", "assets/favicon.svg", out, d);
	for (size_t i = 1; i < r->n_portals; i++)
		if (r->portals[i].built && r->portals[i].logo_path)
			rc |= copy_logo(r, &r->portals[i], out, d);
	return rc ? -1 : 0;
}

/* The generator's git history behind the pages' provenance. */
static long long history_change(void *ctx, const char *rel, const char **commit)
{
	return site_history_change(ctx, rel, commit);
}

int site_render(struct catalog *c, struct source *src,
		const struct site_opts *o, struct output *out, struct diags *d)
{
	struct renderer r;
	if (renderer_prepare(&r, c, src, o->date, o->relay_url, o->commit,
			     false, o->theme, d) < 0) {
		renderer_release(&r);
		return -1;
	}
	renderer_provenance(&r, o->history && o->history->h ? history_change : NULL,
			    (void *)o->history);
	struct jobs jobs = { 0 };
	bool feeds = o->history && o->history->h;
	plan(&r, feeds, &jobs);
	struct cache_keys keys;
	/* Not the build's commit: pages show their own provenance, which is
	 * part of their keys (cachekey.c). */
	char *options = arena_printf(&r.arena, "relay=%s threads-independent",
				     r.relay_url ? r.relay_url : "");
	bool cached = cache_keys_init(&keys, &r, options, o->date, o->binary_id, o->threads) == 0;
	struct run run = { .r = &r, .keys = cached ? &keys : NULL, .out = out, .jobs = &jobs,
			   .hist = o->history };
	if (feeds)
		site_history_events(o->history, &run.events);
	atomic_init(&run.next, 0);
	atomic_init(&run.failed, 0);
	int rc = run_jobs(&run, o->threads, d);
	if (rc == 0)
		rc = assets(&r, out, d);
	free(jobs.v);
	cache_keys_free(&keys);
	renderer_release(&r);
	return rc;
}
