/* cachekey.c - see cachekey.h */
#include "cachekey.h"
#include "../util/digest.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THEME_MAX_DEPTH 8

/* One line of a key: the words separated by spaces. (These keys are
 * made ~9,000 times a build; formatting them with printf was a tenth of
 * a one-edit rebuild.) */
#define KEY_LINE(b, ...) key_line(b, (const char *const[]){ __VA_ARGS__ }, \
				  sizeof (const char *const[]){ __VA_ARGS__ } / sizeof (const char *))

static int key_line(struct buf *b, const char *const *w, size_t n)
{
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		rc |= i ? buf_putc(b, ' ') : 0;
		rc |= buf_puts(b, w[i] ? w[i] : "-");
	}
	return rc | buf_putc(b, '\n');
}

/* v in decimal, in b (24 bytes). */
static const char *num(char b[24], size_t v)
{
	char *p = b + 23;
	*p = '\0';
	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10) && p > b);
	return p;
}

static void hash_buf(const struct buf *b, char out[41])
{
	digest_hex(b->data ? b->data : "", b->len, out);
}

/* "<id> <path>\n" for one file; "- <path>" when it does not exist. */
static int add_file(struct renderer *r, struct buf *b, const char *path)
{
	char id[41];
	if (r->src->file_id(r->src, path, id) < 0)
		snprintf(id, sizeof id, "-");
	return KEY_LINE(b, id, path);
}

static int add_tree(struct renderer *r, struct buf *b, const char *dir, int depth)
{
	struct source_entry *e;
	size_t n;
	if (depth > THEME_MAX_DEPTH || r->src->list(r->src, dir, &e, &n) < 0)
		return 0;   /* no such folder (a city without theme/) */
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		char *p = arena_printf(&r->arena, "%s/%s", dir, e[i].name);
		rc = e[i].is_dir ? add_tree(r, b, p, depth + 1) : add_file(r, b, p);
	}
	source_list_free(e, n);
	return rc;
}

/* The running binary: a new sitegen may render differently. Its id
 * comes from the caller (load/statcache.h keeps it by the binary's
 * stat); without one it is read and digested here. */
static int add_binary(struct buf *b, const char *binary_id)
{
	char id[41];
	if (!binary_id) {
		struct buf exe;
		buf_init(&exe, (size_t)256 << 20);
		int rc = buf_read_file(&exe, "/proc/self/exe");
		if (rc == 0)
			hash_buf(&exe, id);
		buf_free(&exe);
		if (rc < 0)
			return -1;
		binary_id = id;
	}
	return buf_printf(b, "binary %s\n", binary_id);
}

static const char *dir_of(struct arena *a, const char *file)
{
	const char *slash = strrchr(file ? file : "", '/');
	return slash ? arena_strndup(a, file, (size_t)(slash - file)) : ".";
}

static const char *content_dir(struct renderer *r)
{
	return dir_of(&r->arena, r->c->region.pos.file);
}

/* One entry of a list: the service's list entry and the portal it links
 * to when not its own. */
static int add_entry(struct buf *b, const struct cache_keys *k, size_t svc,
		     const struct portal *rp)
{
	char n[24];
	return KEY_LINE(b, k->item[svc], rp ? num(n, (size_t)(rp - k->r->portals)) : "-");
}

/* The services of each category by title (k->by_cat), so that a category
 * page's key looks at its own services only. */
static void order_by_category(struct cache_keys *k)
{
	const struct renderer *r = k->r;
	size_t nc = r->c->n_categories, ns = r->c->n_services;
	k->cat_start = xcalloc(nc + 2, sizeof *k->cat_start);
	k->by_cat = xcalloc(ns + 1, sizeof *k->by_cat);
	for (size_t j = 0; j < ns; j++)
		if (r->svc_cat[j] < nc)
			k->cat_start[r->svc_cat[j] + 1]++;
	for (size_t i = 0; i < nc; i++)
		k->cat_start[i + 1] += k->cat_start[i];
	size_t *next = xcalloc(nc + 1, sizeof *next);
	memcpy(next, k->cat_start, nc * sizeof *next);
	for (size_t n = 0; n < ns; n++) {
		size_t j = r->svc_order[n];
		if (r->svc_cat[j] < nc)
			k->by_cat[next[r->svc_cat[j]]++] = j;
	}
	free(next);
}

/* Portals [from, to) of k, for listings_of. */
struct half {
	struct cache_keys *k;
	size_t from, to;
	int rc;
};

/* Portals [from, to): every service each lists by title (k->listing: A-Z
 * and search page), how many each category has (k->counts: start page)
 * and its search index's slugs (k->index). */
static void listings_of(struct half *h)
{
	struct cache_keys *k = h->k;
	struct renderer *r = k->r;
	const struct catalog *c = r->c;
	size_t *count = xcalloc(c->n_categories + 1, sizeof *count);
	struct buf list, counts, index;
	buf_init(&list, 0);
	buf_init(&counts, 0);
	buf_init(&index, 0);
	char digits[24];
	int rc = 0;
	for (size_t i = h->from; i < h->to && rc == 0; i++) {
		buf_reset(&list);
		buf_reset(&counts);
		buf_reset(&index);
		memset(count, 0, (c->n_categories + 1) * sizeof *count);
		for (size_t n = 0; n < c->n_services && rc == 0; n++) {
			size_t j = r->svc_order[n];
			const struct portal *rp;
			if (!portal_lists(r, &r->portals[i], j, &rp))
				continue;
			rc |= add_entry(&list, k, j, rp);
			rc |= KEY_LINE(&index, c->services[j].slug,
				       rp ? num(digits, (size_t)(rp - r->portals)) : "-");
			if (r->svc_cat[j] < c->n_categories)
				count[r->svc_cat[j]]++;
		}
		for (size_t g = 0; g < c->n_categories; g++)
			rc |= KEY_LINE(&counts, num(digits, count[g]));
		hash_buf(&list, k->listing[i]);
		hash_buf(&counts, k->counts[i]);
		hash_buf(&index, k->index[i]);
	}
	free(count);
	buf_free(&list);
	buf_free(&counts);
	buf_free(&index);
	h->rc = rc;
}

static void *listings_thread(void *arg)
{
	listings_of(arg);
	return NULL;
}

/* Per portal, once (see listings_of): the second half of the portals on
 * a thread of its own when threads > 1 (here when none can start), as the
 * pages of a one-edit rebuild wait for these keys. (The services' keys,
 * a third less work, were no faster on two threads, whose start and
 * first memory cost as much here.) */
static int listings(struct cache_keys *k, int threads)
{
	struct renderer *r = k->r;
	size_t n = r->n_portals;
	k->listing = xcalloc(n + 1, sizeof *k->listing);
	k->counts = xcalloc(n + 1, sizeof *k->counts);
	k->index = xcalloc(n + 1, sizeof *k->index);
	struct half h[2] = { { k, 0, n / 2, 0 }, { k, n / 2, n, 0 } };
	pthread_t t;
	bool beside = threads > 1 && n > 1 &&
		      pthread_create(&t, NULL, listings_thread, &h[1]) == 0;
	listings_of(&h[0]);
	if (beside && pthread_join(t, NULL) != 0)
		die("cannot join a thread making cache keys");
	if (!beside)
		listings_of(&h[1]);
	int rc = h[0].rc | h[1].rc;
	rc |= search_texts_version(r, k->texts);
	order_by_category(k);
	return rc ? -1 : 0;
}

/* The lines of a theme's files (add_tree), the same for every portal
 * with that theme: listed and looked up once, not once per portal. */
struct theme_lines {
	const char *theme;
	struct buf b;
	int rc;
};

static int add_theme(struct renderer *r, struct buf *b, const char *theme,
		     struct theme_lines *memo)
{
	if (!memo->theme || strcmp(memo->theme, theme) != 0) {
		buf_reset(&memo->b);
		memo->rc = add_tree(r, &memo->b, arena_printf(&r->arena, "themes/%s", theme), 0);
		memo->theme = theme;
	}
	return memo->rc | buf_append(b, memo->b.data ? memo->b.data : "", memo->b.len);
}

int cache_keys_init(struct cache_keys *k, struct renderer *r, const char *options,
		    const char *date, const char *binary_id, int threads)
{
	struct catalog *c = r->c;
	memset(k, 0, sizeof *k);
	k->r = r;
	k->portal = xcalloc(r->n_portals + 1, sizeof *k->portal);
	k->svc = xcalloc(c->n_services + 1, sizeof *k->svc);
	k->ov = xcalloc(c->n_overrides + 1, sizeof *k->ov);
	k->city = xcalloc(c->n_cities + 1, sizeof *k->city);
	k->item = xcalloc(c->n_services + 1, sizeof *k->item);
	const char *cdir = content_dir(r);
	struct buf base, one, all, site;
	buf_init(&base, 0);
	buf_init(&one, 0);
	buf_init(&all, 0);
	buf_init(&site, 0);
	int rc = buf_printf(&base, "options %s\n", options);
	rc |= add_binary(&base, binary_id);
	rc |= add_file(r, &base, c->region.pos.file);
	rc |= add_file(r, &base, arena_printf(&r->arena, "%s/categories.yml", cdir));
	rc |= buf_append(&site, base.data, base.len);
	rc |= add_file(r, &site, arena_printf(&r->arena, "%s/links.yml", cdir));
	/* The build date decides which cities and services are listed. */
	rc |= buf_printf(&site, "date %s\n", date ? date : "");
	for (size_t i = 0; i < c->n_services && rc == 0; i++) {
		buf_reset(&one);
		rc |= add_file(r, &one, c->services[i].pos.file);
		hash_buf(&one, k->svc[i]);
		rc |= KEY_LINE(&all, k->svc[i]);
		buf_reset(&one);
		rc |= service_item_inputs(r, i, &one);
		hash_buf(&one, k->item[i]);
	}
	for (size_t i = 0; i < c->n_overrides && rc == 0; i++) {
		buf_reset(&one);
		rc |= add_file(r, &one, c->overrides[i].pos.file);
		hash_buf(&one, k->ov[i]);
		rc |= KEY_LINE(&all, k->ov[i]);
	}
	for (size_t i = 0; i < c->n_cities && rc == 0; i++) {
		buf_reset(&one);
		rc |= add_file(r, &one, c->cities[i].pos.file);
		hash_buf(&one, k->city[i]);
		rc |= buf_printf(&site, "%s %d\n", k->city[i], r->portals[1 + i].built);
	}
	/* Every page names the built cities' portals (start page, footer
	 * links of the text pages, responsible bodies in lists). */
	hash_buf(&site, k->site);
	rc |= buf_printf(&all, "site %s\n", k->site);
	buf_reset(&one);
	rc |= add_file(r, &one, arena_printf(&r->arena, "%s/search.yml", cdir));
	hash_buf(&one, k->words);
	rc |= KEY_LINE(&all, "words", k->words);
	struct theme_lines memo = { NULL, { 0 }, 0 };
	buf_init(&memo.b, 0);
	for (size_t i = 0; i < r->n_portals && rc == 0; i++) {
		const struct portal *p = &r->portals[i];
		const char *theme = p->city && p->city->theme && *p->city->theme ?
			p->city->theme : "default";
		buf_reset(&one);
		rc |= buf_append(&one, base.data, base.len);
		rc |= add_theme(r, &one, theme, &memo);
		if (p->city) {
			rc |= buf_printf(&one, "city %s\n", k->city[p->city_index]);
			rc |= add_tree(r, &one, arena_printf(&r->arena, "%s/theme",
							     dir_of(&r->arena, p->city->pos.file)), 0);
		}
		hash_buf(&one, k->portal[i]);
		rc |= buf_printf(&all, "portal %s\n", k->portal[i]);
	}
	/* (The search indexes, the files under this key, show no
	 * provenance.) */
	hash_buf(&all, k->global);
	buf_free(&memo.b);
	buf_free(&base);
	buf_free(&one);
	buf_free(&all);
	buf_free(&site);
	return rc || listings(k, threads) < 0 ? -1 : 0;
}

void cache_keys_free(struct cache_keys *k)
{
	free(k->portal);
	free(k->svc);
	free(k->ov);
	free(k->city);
	free(k->item);
	free(k->listing);
	free(k->counts);
	free(k->index);
	free(k->by_cat);
	free(k->cat_start);
	memset(k, 0, sizeof *k);
}

static const char *finish(struct arena *a, struct buf *b)
{
	char *key = arena_alloc(a, 41);
	hash_buf(b, key);
	buf_free(b);
	return key;
}

static int prov_line(struct buf *b, const struct prov *pv)
{
	return KEY_LINE(b, "prov", pv->commit, pv->day);
}

const char *cache_key_service(struct cache_keys *k, struct arena *a, size_t portal, size_t svc)
{
	struct renderer *r = k->r;
	const struct portal *p = &r->portals[portal];
	if (!p->city)
		return NULL;
	const struct override *ov = catalog_override_at(r->c, p->city_index, svc);
	struct buf b;
	buf_init(&b, 0);
	int rc = KEY_LINE(&b, "service", k->svc[svc]);
	rc |= KEY_LINE(&b, "portal", k->portal[portal]);
	rc |= prov_line(&b, cs_prov(r, p->city_index, svc));
	if (ov)
		rc |= KEY_LINE(&b, "override", k->ov[ov - r->c->overrides]);
	if (rc) {
		buf_free(&b);
		return NULL;
	}
	return finish(a, &b);
}

const char *cache_key_overview(struct cache_keys *k, struct arena *a, size_t svc)
{
	/* The umbrella page of a service lists the cities offering it: their
	 * city.yml and overrides and the build date's launch decisions. */
	struct renderer *r = k->r;
	struct catalog *c = r->c;
	struct buf b;
	buf_init(&b, 0);
	int rc = KEY_LINE(&b, "overview", k->svc[svc]);
	rc |= KEY_LINE(&b, "portal", k->portal[0]);
	rc |= prov_line(&b, &r->prov_overview[svc]);
	for (size_t i = 0; i < c->n_cities && rc == 0; i++) {
		const struct override *ov = catalog_override_at(c, i, svc);
		rc |= KEY_LINE(&b, k->city[i], r->portals[1 + i].built ? "1" : "0",
			       r->cs_built[i * c->n_services + svc] ? "1" : "0",
			       ov ? k->ov[ov - c->overrides] : "-");
	}
	if (rc) {
		buf_free(&b);
		return NULL;
	}
	return finish(a, &b);
}

/* What every page of a portal but its service pages starts from. */
static int portal_head(struct cache_keys *k, struct buf *b, const char *what,
		       size_t portal, const struct prov *pv)
{
	int rc = KEY_LINE(b, what);
	rc |= KEY_LINE(b, "site", k->site);
	rc |= KEY_LINE(b, "portal", k->portal[portal]);
	return rc | prov_line(b, pv);
}

/* The key of a page: what its kind starts from, then one more line. */
static const char *portal_key(struct cache_keys *k, struct arena *a, const char *what,
			      size_t portal, const char *line)
{
	struct buf b;
	buf_init(&b, 0);
	if (portal_head(k, &b, what, portal, &k->r->prov_list[portal]) < 0 ||
	    buf_printf(&b, "%s\n", line) < 0) {
		buf_free(&b);
		return NULL;
	}
	return finish(a, &b);
}

const char *cache_key_start(struct cache_keys *k, struct arena *a, size_t portal)
{
	return portal_key(k, a, "start", portal, k->counts[portal]);
}

const char *cache_key_list(struct cache_keys *k, struct arena *a, size_t portal, size_t cat)
{
	struct renderer *r = k->r;
	if (cat == (size_t)-1)
		return portal_key(k, a, "list", portal, k->listing[portal]);
	const struct portal *p = &r->portals[portal];
	struct buf b;
	buf_init(&b, 0);
	int rc = portal_head(k, &b, "category", portal, cat_prov(r, p, cat));
	char digits[24];
	rc |= KEY_LINE(&b, num(digits, cat));
	for (size_t n = k->cat_start[cat]; n < k->cat_start[cat + 1] && rc == 0; n++) {
		size_t j = k->by_cat[n];
		const struct portal *rp;
		if (portal_lists(r, p, j, &rp))
			rc |= add_entry(&b, k, j, rp);
	}
	if (rc) {
		buf_free(&b);
		return NULL;
	}
	return finish(a, &b);
}

const char *cache_key_text(struct cache_keys *k, struct arena *a, size_t portal)
{
	struct buf b;
	buf_init(&b, 0);
	if (portal_head(k, &b, "text", portal, &k->r->prov_text[portal]) < 0) {
		buf_free(&b);
		return NULL;
	}
	return finish(a, &b);
}

const char *cache_key_search_index(struct cache_keys *k, struct arena *a, size_t portal)
{
	/* its head: search.yml's words, the places of the cities (city.yml,
	 * in site) */
	struct buf b;
	buf_init(&b, 0);
	int rc = KEY_LINE(&b, "search-index");
	rc |= KEY_LINE(&b, "site", k->site);
	rc |= KEY_LINE(&b, "words", k->words);
	rc |= KEY_LINE(&b, "texts", k->texts);
	char digits[24];
	rc |= KEY_LINE(&b, "portal", num(digits, portal), k->index[portal]);
	if (rc) {
		buf_free(&b);
		return NULL;
	}
	return finish(a, &b);
}

const char *cache_key_global(struct cache_keys *k)
{
	return k->global;
}

int search_texts_version(const struct renderer *r, char out[41])
{
	const struct catalog *c = r->c;
	struct buf b;
	buf_init(&b, 0);
	int rc = 0;
	for (size_t n = 0; n < c->n_services && rc == 0; n++)
		if (r->svc_listed[r->svc_order[n]])
			rc |= KEY_LINE(&b, c->services[r->svc_order[n]].slug);
	if (rc == 0)
		hash_buf(&b, out);
	buf_free(&b);
	return rc ? -1 : 0;
}
