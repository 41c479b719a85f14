/* cachekey.h - what each page is made of, as one key for incremental
 * builds (write/output.h: output_reuse). A key hashes the git blob ids of
 * the page's input files, the theme's files, the build options and the
 * sitegen binary itself, so a page is rendered again exactly when
 * something it is built from changed. Pages that list services (start,
 * category, A-Z, search) hash what they show of them instead of their
 * files: a service's list entry (service_item_inputs), which portal it
 * links to, how many services each category has; so an edit of a
 * service's text re-renders none of them, and an edit of its title only
 * the lists that show it. The folded texts of the search (one file for
 * every portal) use the key of every input; a portal's search index, which
 * only numbers them, what it lists. */
#ifndef CACHEKEY_H
#define CACHEKEY_H
#include "render_int.h"

struct cache_keys {
	struct renderer *r;
	char global[41];        /* every input file, options, binary */
	char site[41];          /* options, binary, region, categories, links,
				 * date, every city.yml and which are built */
	char (*portal)[41];     /* per portal: region, categories, its city, theme */
	char (*svc)[41];        /* per service file */
	char (*ov)[41];         /* per override file */
	char (*city)[41];       /* per city.yml */
	char (*item)[41];       /* per service: its list entry */
	char (*listing)[41];    /* per portal: every service it lists, by title */
	char (*counts)[41];     /* per portal: how many of them per category */
	char (*index)[41];      /* per portal: the slugs it lists and where
				 * each links to (its suche.json) */
	char texts[41];         /* the slugs of suche-texte.json, in order */
	char words[41];         /* search.yml */
	size_t *by_cat;         /* service indices by category, then title */
	size_t *cat_start;      /* category i's in by_cat[cat_start[i] ..
				 * cat_start[i + 1]) */
};

/* options: every build option that can change a page's bytes; date: the
 * build date, which only changes what the listing pages list; binary_id:
 * the running binary's digest, or NULL (then read here); threads: more
 * than 1 makes the portals' listing keys on two threads. 0 ok;
 * -1 when an input cannot be read (then build without cache). */
int cache_keys_init(struct cache_keys *k, struct renderer *r, const char *options,
		    const char *date, const char *binary_id, int threads);
void cache_keys_free(struct cache_keys *k);
/* Keys allocated in a; NULL = do not cache this page. */
const char *cache_key_service(struct cache_keys *k, struct arena *a, size_t portal, size_t svc);
const char *cache_key_overview(struct cache_keys *k, struct arena *a, size_t svc);
/* A portal's start page: its categories' counts. */
const char *cache_key_start(struct cache_keys *k, struct arena *a, size_t portal);
/* A list of the services a portal lists, by title: of category cat, or
 * of all when cat is (size_t)-1 (A-Z, search page). */
const char *cache_key_list(struct cache_keys *k, struct arena *a, size_t portal, size_t cat);
/* A portal's text pages and colours: no service on them. */
const char *cache_key_text(struct cache_keys *k, struct arena *a, size_t portal);
/* A portal's search index (suche.json): the services it lists and
 * where each links to, their numbers in suche-texte.json, the search
 * words, the place names; not what the services say. */
const char *cache_key_search_index(struct cache_keys *k, struct arena *a, size_t portal);
/* suche-texte.json, the folded texts every index refers to. */
const char *cache_key_global(struct cache_keys *k);
/* The numbering of suche-texte.json: a digest of its services' slugs in
 * order (every service listed anywhere, A-Z). Both files carry it, so the
 * search script joins an index only with texts numbered alike (a deploy
 * half done, a cached old file). 0 ok, -1 out of memory. */
int search_texts_version(const struct renderer *r, char out[41]);
#endif
