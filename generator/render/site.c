/* site.c - plan every file of the site as a job, render the jobs (in
 * parallel when asked; the renderer is read-only by then) and write the
 * assets, search indexes and sitemap. Output order and bytes do not depend
 * on the number of threads. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "render_int.h"
#include "site.h"
#include "cachekey.h"
#include "../git/site_history.h"

enum job_kind {
	J_START, J_CITY_START, J_CATEGORY, J_OVERVIEW, J_SERVICE, J_AZ,
	J_SEARCH, J_TEXT, J_JSON, J_THEME_CSS
};

struct job {
	enum job_kind kind;
	struct portal *p;
	size_t idx;                 /* category, service or page template */
	const char *path;           /* output path */
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
	atomic_size_t next;
	atomic_int failed;
};

struct worker {
	struct run *run;
	struct diags d;
	pthread_t tid;
};

static void add(struct renderer *r, struct jobs *j, enum job_kind k,
		struct portal *p, size_t idx, const char *path)
{
	if (j->n == j->cap) {
		j->cap = j->cap ? j->cap * 2 : 1024;
		j->v = xrealloc(j->v, j->cap * sizeof *j->v);
	}
	j->v[j->n++] = (struct job){ k, p, idx,
		arena_printf(&r->arena, "%s%s", p->prefix, path) };
}

/* "kategorien/<slug>.html" and the like, without keeping a copy: add()
 * stores the path with the portal's prefix only. */
static const char *in_dir(char *b, size_t n, const char *dir, const char *slug,
			  struct renderer *r)
{
	int w = snprintf(b, n, "%s/%s.html", dir, slug);
	return w >= 0 && (size_t)w < n ? b : arena_printf(&r->arena, "%s/%s.html", dir, slug);
}

static void plan(struct renderer *r, struct jobs *j)
{
	char tmp[512];
	const struct catalog *c = r->c;
	for (size_t i = 0; i < r->n_portals; i++) {
		struct portal *p = &r->portals[i];
		if (!p->built)
			continue;
		add(r, j, p->city ? J_CITY_START : J_START, p, 0, "index.html");
		for (size_t k = 0; k < c->n_categories; k++)
			add(r, j, J_CATEGORY, p, k,
			    in_dir(tmp, sizeof tmp, "kategorien", c->categories[k].slug, r));
		for (size_t s = 0; s < c->n_services; s++) {
			bool on = p->city ? r->cs_built[p->city_index * c->n_services + s]
				: r->svc_listed[s];
			if (on)
				add(r, j, p->city ? J_SERVICE : J_OVERVIEW, p, s,
				    in_dir(tmp, sizeof tmp, "leistungen", c->services[s].slug, r));
		}
		add(r, j, J_AZ, p, 0, "a-z.html");
		add(r, j, J_SEARCH, p, 0, "suche.html");
		add(r, j, J_JSON, p, 0, "suche.json");
		add(r, j, J_TEXT, p, T_IMPRESSUM, "impressum.html");
		add(r, j, J_TEXT, p, T_DATENSCHUTZ, "datenschutz.html");
		add(r, j, J_TEXT, p, T_BARRIEREFREIHEIT, "barrierefreiheit.html");
		if (p->city) {
			add(r, j, J_THEME_CSS, p, 0, "theme.css");
		} else {
			add(r, j, J_TEXT, p, T_LEICHTE_SPRACHE, "leichte-sprache.html");
			add(r, j, J_TEXT, p, T_NOTFOUND, "404.html");
			add(r, j, J_THEME_CSS, p, 0, "assets/theme.css");
		}
	}
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

/* The umbrella portal's finder words (postcodes, folded city names) as
 * JSON strings " w ", comma-separated. */
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
		for (size_t k = 0; k <= ci->n_postcodes; k++) {
			if (k < ci->n_postcodes)
				snprintf(w, sizeof w, " %s ", ci->postcodes[k]);
			else
				search_fold(!strncmp(ci->name, "Kreis ", 6) ? ci->name + 6 :
					    ci->name, w, sizeof w);
			rc |= first ? 0 : buf_puts(out, ",");
			rc |= json_str(out, w);
			first = false;
		}
	}
	return rc;
}

/* The search index of a portal's suche.html: the services it lists, A-Z,
 * with their folded fields, and the stop words and synonyms, so that
 * search.js ranks exactly as relayd's server-side search (model/search.h).
 * URLs are relative to the portal's suche.html, as the links it shows. */
static int search_json(struct renderer *r, struct portal *p, struct output_stream *s)
{
	const struct catalog *c = r->c;
	struct buf *out = output_stream_buf(s);
	size_t *svc = xcalloc(c->n_services + 1, sizeof *svc);
	const struct portal **rps = xcalloc(c->n_services + 1, sizeof *rps);
	size_t n = portal_listing(r, p, svc, rps);
	int rc = buf_puts(out, "{\"stop\":");
	rc |= json_words(out, c->stopwords, c->n_stopwords);
	rc |= buf_puts(out, ",\n\"syn\":[");
	for (size_t g = 0; g < c->n_synonyms; g++) {
		rc |= buf_puts(out, g ? ",\n" : "\n");
		rc |= json_words(out, c->synonyms[g].words, c->synonyms[g].n);
	}
	rc |= buf_puts(out, "],\n\"places\":[");
	if (!p->city)           /* the finder's words: the script leaves them to relayd */
		rc |= place_words(r, out);
	rc |= buf_puts(out, "],\n\"docs\":[");
	for (size_t k = 0; k < n && rc == 0; k++) {
		const struct service *v = &c->services[svc[k]];
		const struct search_doc *f = &r->svc_search[svc[k]];
		rc |= buf_puts(out, k ? ",\n{\"u\":\"" : "\n{\"u\":\"");
		if (rps[k]) {   /* from a city portal's directory */
			rc |= buf_puts(out, "../");
			rc |= buf_put_json(out, rps[k]->prefix, strlen(rps[k]->prefix));
		}
		rc |= buf_puts(out, "leistungen/");
		rc |= buf_put_json(out, v->slug, strlen(v->slug));
		rc |= buf_puts(out, ".html\",\"f\":[");
		rc |= json_str(out, f->title);
		rc |= buf_puts(out, ",");
		rc |= json_str(out, f->keywords);
		rc |= buf_puts(out, ",");
		rc |= json_str(out, f->text);
		rc |= buf_puts(out, "]}");
		rc |= output_stream_flush(s);
	}
	rc |= buf_puts(out, "\n]}\n");
	free(svc);
	free(rps);
	return rc ? -1 : 0;
}

/* A portal's search index, written in pieces (10 MB at 6,000 services). */
static int write_search_json(struct run *run, const struct job *j, const char *key)
{
	struct output_stream *s = output_stream_open(run->out, j->path, key);
	if (!s)
		return -1;
	int rc = search_json(run->r, j->p, s);
	return output_stream_close(s) < 0 ? -1 : rc;
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

static int run_job(struct renderer *r, struct job *j, struct arena *a,
		   struct buf *out, struct diags *d)
{
	buf_reset(out);
	switch (j->kind) {
	case J_START: return render_start(r, a, out, d);
	case J_CITY_START: return render_city_start(r, j->p, a, out, d);
	case J_CATEGORY: return render_category(r, j->p, j->idx, a, out, d);
	case J_OVERVIEW: return render_service_overview(r, j->idx, a, out, d);
	case J_SERVICE: return render_service(r, j->p, j->idx, NULL, a, out, d);
	case J_AZ: return render_az(r, j->p, a, out, d);
	case J_SEARCH: return render_search(r, j->p, NULL, a, out, d);
	case J_TEXT: return render_text(r, j->p, (enum page_tpl)j->idx, a, out, d);
	case J_JSON:        /* streamed: write_search_json */
		break;
	case J_THEME_CSS:
		if (theme_css(r, j->p, out) == 0)
			return 0;
		break;
	}
	diag_add(d, j->path, 0, 0, "output larger than %zu bytes", out->max);
	return -1;
}

/* The incremental-build key of a job (see cachekey.h). */
static const char *job_key(struct run *run, const struct job *j, struct arena *a)
{
	if (!run->keys)
		return NULL;
	switch (j->kind) {
	case J_SERVICE:
		return cache_key_service(run->keys, a, (size_t)(j->p - run->r->portals), j->idx);
	case J_OVERVIEW:
		return cache_key_overview(run->keys, a, j->idx);
	default:
		return cache_key_global(run->keys);
	}
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
		struct job *j = &run->jobs->v[i];
		struct arena a;
		arena_init(&a);
		const char *key = job_key(run, j, &a);
		int rc = key ? output_reuse(run->out, j->path, key) : 0;
		if (rc == 0 && j->kind == J_JSON) {
			rc = write_search_json(run, j, key);
		} else if (rc == 0) {
			rc = run_job(run->r, j, &a, &out, &w->d);
			if (rc == 0 && output_write_buf(run->out, j->path, &out, key) < 0)
				rc = -1;
		} else if (rc > 0) {
			rc = 0;     /* unchanged inputs: the previous page was reused */
		}
		arena_free(&a);
		if (rc < 0) {
			diag_add(&w->d, j->path, 0, 0, "could not build this page");
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

/* Written in pieces: 84,000 URLs at ten times the catalogue are 12 MB. */
static int sitemap(struct renderer *r, struct jobs *j, struct output *out)
{
	struct output_stream *s = output_stream_open(out, "sitemap.xml", NULL);
	if (!s)
		return -1;
	struct buf *b = output_stream_buf(s);
	const char *base = r->c->region.base_url ? r->c->region.base_url : "";
	/* the appends are checked by each flush */
	int rc = buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			  "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
	for (size_t i = 0; i < j->n && rc == 0; i++) {
		const char *p = j->v[i].path;
		size_t len = strlen(p);
		if (len < 5 || strcmp(p + len - 5, ".html") != 0 ||
		    (j->v[i].kind == J_TEXT && j->v[i].idx == T_NOTFOUND))
			continue;
		buf_puts(b, "<url><loc>");
		buf_put_html(b, base, strlen(base));
		buf_putc(b, '/');
		buf_put_html(b, p, len);
		buf_puts(b, "</loc>");
		if (r->date)
			buf_printf(b, "<lastmod>%s</lastmod>", r->date);
		buf_puts(b, "</url>\n");
		rc = output_stream_flush(s);
	}
	buf_puts(b, "</urlset>\n");
	return output_stream_close(s) < 0 ? -1 : rc;
}

static int assets(struct renderer *r, struct output *out, struct diags *d)
{
	int rc = 0;
	rc |= copy_file(r, "themes/default/style.css", "assets/style.css", out, d);
	rc |= copy_file(r, "themes/default/search.js", "assets/search.js", out, d);
	rc |= copy_file(r, "themes/default/form.js", "assets/form.js", out, d);
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
			     false, d) < 0) {
		renderer_release(&r);
		return -1;
	}
	renderer_provenance(&r, o->history && o->history->h ? history_change : NULL,
			    (void *)o->history);
	struct jobs jobs = { 0 };
	plan(&r, &jobs);
	struct cache_keys keys;
	/* Not the build's commit: pages show their own provenance, which is
	 * part of their keys (cachekey.c). */
	char *options = arena_printf(&r.arena, "relay=%s threads-independent",
				     r.relay_url ? r.relay_url : "");
	bool cached = cache_keys_init(&keys, &r, options, o->date) == 0;
	struct run run = { .r = &r, .keys = cached ? &keys : NULL, .out = out, .jobs = &jobs };
	atomic_init(&run.next, 0);
	atomic_init(&run.failed, 0);
	int rc = run_jobs(&run, o->threads, d);
	if (rc == 0)
		rc = assets(&r, out, d);
	if (rc == 0)
		rc = sitemap(&r, &jobs, out);
	free(jobs.v);
	cache_keys_free(&keys);
	renderer_release(&r);
	return rc;
}
