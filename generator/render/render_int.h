/* render_int.h - shared state of the page renderer (site.c for the static
 * site, render_form.c for the relay's pages). Everything that is the same
 * for many pages is computed once in renderer_prepare(): which city x
 * service is built, the portals' intros, the compiled templates of each
 * portal and its header/footer fragments. What one service's pages share
 * (its Markdown, renderer_svc_html) the caller renders once for them; a
 * page resolves its own city x service. Rendering a page then only builds
 * a small data tree in a per-page arena. After preparation the renderer
 * is read-only, so several threads may render pages at once. */
#ifndef RENDER_INT_H
#define RENDER_INT_H
#include <stdbool.h>
#include "../model/catalog.h"
#include "../model/search.h"
#include "../load/source.h"
#include "../util/arena.h"
#include "../util/buf.h"
#include "../util/diag.h"
#include "mustache.h"
#include "render_form.h"

struct site_history;
struct theme_env;

/* Page templates every theme has (themes/default/<name>.mustache). */
enum page_tpl {
	T_START, T_CITY_START, T_CATEGORY, T_SERVICE_OVERVIEW, T_SERVICE,
	T_AZ, T_SEARCH, T_IMPRESSUM, T_DATENSCHUTZ, T_BARRIEREFREIHEIT,
	T_LEICHTE_SPRACHE, T_NOTFOUND, T_CONFIRMATION, T_APPLICATION, T_ERROR,
	T_INBOX_LOGIN, T_INBOX_LIST, T_INBOX_DETAIL,
	T_POSTFACH_REQUEST, T_POSTFACH_LIST, T_PAYMENT,
	T_HEADER, T_FOOTER, T_COUNT
};
extern const char *const page_tpl_name[T_COUNT];

/* Link depth of a page below the site root: index.html is 0,
 * kategorien/x.html and dorsten/index.html are 1, dorsten/leistungen/x.html
 * is 2. Header and footer are rendered once per portal and depth. */
#define MAX_DEPTH 3

/* Where templates of one portal come from: the city's own
 * content/cities/<city>/theme/ first, then themes/<theme>/. */
struct tpl_loader {
	struct source *src;
	const char *city_dir;       /* "content/cities/dorsten/theme" or NULL */
	const char *theme_dir;      /* "themes/default" */
	struct arena *arena;        /* file names for messages */
};

struct portal {
	const struct city *city;    /* NULL: the umbrella portal */
	size_t city_index;
	const char *name;           /* "Serviceportal Dorsten" */
	const char *prefix;         /* "" or "dorsten/" */
	bool built;                 /* launched at the build date */
	struct mu_env *env;         /* may be shared with another portal */
	bool own_env;
	struct tpl_loader *loader;
	struct mu_template *tpl[T_COUNT];
	const char *logo_path;      /* "assets/dorsten/logo.svg" or NULL */
	const char *intro_html;
	char *header[MAX_DEPTH + 1], *footer[MAX_DEPTH + 1];  /* [MAX_DEPTH]: absolute */
	/* "portal" and "region" of every page at a depth: the same for all
	 * of them, so built once (page_data_share) and shared, read only */
	struct mval *portal_data[MAX_DEPTH + 1], *region_data[MAX_DEPTH + 1];
};

struct svc_html {               /* Markdown of a service (renderer_svc_html) */
	const char *description, *requirements, *form_intro;
};

/* Provenance of a page: the last commit that changed the content it is
 * made from (see renderer_provenance); both NULL when unknown (working
 * tree). */
struct prov {
	const char *commit;         /* full id */
	const char *day;            /* its date, "TT.MM.JJJJ" */
};

struct renderer {
	struct catalog *c;
	struct source *src;
	struct arena arena;         /* lives as long as the renderer */
	const char *date;           /* build date, or NULL: everything is built */
	const char *relay_url;      /* without trailing slash */
	const char *search_url;     /* relayd's /suche: relay_url without
				     * its "/submit" */
	const char *postfach_url;   /* relayd's /postfach, beside /suche;
				     * NULL without a relay */
	struct theme_env *theme;    /* compiled ahead, or NULL (not owned) */
	const char *commit;         /* the build's commit or NULL; pages show
				     * their own provenance instead (struct prov) */
	const char *abs_root;       /* region.base_url + "/": depth MAX_DEPTH */
	const char *csp;            /* Content-Security-Policy of every page */
	const char *form_target;    /* one more origin forms may post to (and
				     * be redirected to): relayd's payment
				     * provider; NULL none */
	bool absolute;              /* relay: every page links absolutely */
	struct portal *portals;     /* [0] umbrella, [1 + i] city i */
	size_t n_portals;
	bool *cs_built;             /* offered and inside its window at the date */
	bool *svc_listed;           /* umbrella: offered by at least one built city */
	size_t *svc_order;          /* service indices by title, German order */
	size_t *svc_cat;            /* category index of each service, or -1 */
	/* Folded fields of each service for relayd's search
	 * (renderer_search_docs); NULL in a site build, whose search
	 * indexes fold each service as they are written. */
	struct search_doc *svc_search;
	/* Provenance from git history, computed before rendering; zeroed
	 * entries: unknown, no commit and no date shown. */
	struct prov *prov_cs;       /* city service pages [city * n_services + service],
				     * NULL when nothing is known (cs_prov) */
	struct prov *prov_overview; /* the umbrella's service pages [service] */
	struct prov *prov_text;     /* text pages of a portal [portal] */
	struct prov *prov_list;     /* start, A-Z and search page [portal] */
	struct prov *prov_cat;      /* category pages [portal * n_categories + category] */
};

/* Load themes, resolve the catalogue, render Markdown and fragments.
 * theme: the default theme compiled ahead (renderer_theme_open), which
 * the umbrella portal and every city without a theme of its own use;
 * NULL: compiled here. */
int renderer_prepare(struct renderer *r, struct catalog *c, struct source *src,
		     const char *date, const char *relay_url, const char *commit,
		     bool absolute, struct theme_env *theme, struct diags *d);
void renderer_release(struct renderer *r);
/* The folded search fields of every service (r->svc_search). */
void renderer_search_docs(struct renderer *r);
/* A service's Markdown as HTML, in a. */
void renderer_svc_html(const struct renderer *r, size_t svc, struct arena *a,
		       struct svc_html *out);
/* Provenance of every page, from the last change of each content file:
 * change(ctx, "services/x.yml" | "cities/c/x.yml" | "cities/c/city.yml" |
 * "region.yml" | "categories.yml" | "links.yml", &commit) gives the Unix
 * time and full commit id of the file's last change (0, NULL unknown).
 * A page's provenance is the newest change among the files it is made of:
 *   city service page: its service file, the city's override, city.yml,
 *                      region.yml, categories.yml, links.yml;
 *   umbrella service page: its service file, every city's override of it
 *                      and city.yml, and the three region files;
 *   text pages (Impressum, ...): city.yml (on a city portal) and the three
 *                      region files;
 *   pages listing services: the text pages' files (on the umbrella every
 *                      city.yml) and the files that decide each entry
 *                      (service file, the city's override, a responsible
 *                      body's override and city.yml; on the umbrella its
 *                      service page's files): of every service for start,
 *                      A-Z and search page, of the category's services for
 *                      a category page. A service that left the category
 *                      (moved or deleted) is no file of the page any more:
 *                      the commit that took it away is not named.
 * Theme files and the binary are not content: they are in build.json, and
 * a change of them rewrites the pages whose bytes change. The generator
 * hands in its git history (render/site.c); NULL: nothing known. */
typedef long long (*change_fn)(void *ctx, const char *rel, const char **commit);
void renderer_provenance(struct renderer *r, change_fn change, void *ctx);

/* The provenance of a portal's start, A-Z and search page. */
static inline const struct prov *list_prov(const struct renderer *r, const struct portal *p)
{
	return &r->prov_list[p - r->portals];
}

/* The provenance of a portal's page of category cat. */
static inline const struct prov *cat_prov(const struct renderer *r, const struct portal *p,
					  size_t cat)
{
	return &r->prov_cat[(size_t)(p - r->portals) * r->c->n_categories + cat];
}

/* The provenance of a city's service page. */
static inline const struct prov *cs_prov(const struct renderer *r, size_t city, size_t svc)
{
	static const struct prov unknown = { NULL, NULL };
	return r->prov_cs ? &r->prov_cs[city * r->c->n_services + svc] : &unknown;
}

/* Listed by a city portal, offered by the responsible body's portal
 * (pages.c); NULL when not so. */
const struct portal *delegated(const struct renderer *r, const struct portal *p,
			       size_t svc);

/* Does portal p list service svc: offered here, or offered by the
 * responsible body (then *rp is its portal, else NULL)? */
bool portal_lists(const struct renderer *r, const struct portal *p, size_t svc,
		  const struct portal **rp);
/* The services a portal lists, A-Z (svc indices into c->services), each
 * with the responsible body's portal when not its own (else NULL): the
 * documents search ranks, in the order of ties. Returns how many (room
 * for n_services). */
size_t portal_listing(const struct renderer *r, const struct portal *p,
		      size_t *svc, const struct portal **rp);

/* ---- one page ---- */
struct page {
	struct renderer *r;
	struct portal *p;
	struct arena *a;            /* per page, freed after rendering */
	int depth;
	const char *root;           /* "", "../", "../../" or abs_root */
	const char *base;           /* root + portal prefix */
	struct mval *data;
	struct mval *crumbs;
};

/* Builds p's "portal" and "region" data for pages at depth (0 to
 * MAX_DEPTH) in r's arena, which page_begin then shares: they were a
 * twentieth of a full build's instructions, built again for every page.
 * Call it while no page is rendered. */
void page_data_share(struct renderer *r, struct portal *p, int depth);
/* Start the data of a page: the common keys of layout, header, footer. */
void page_begin(struct page *pg, struct renderer *r, struct portal *p,
		struct arena *a, int depth, const char *title);
void page_crumb(struct page *pg, const char *label, const char *href);
void page_set_title(struct page *pg, const char *doc_title);
void page_home_crumb(struct page *pg);  /* the portal's start page */
/* Set a page's provenance: "commit", "commit_short" and "date" of its data
 * and, when known, its footer (which shows the short id). 0 ok. */
int page_provenance(struct page *pg, const struct prov *pv, struct diags *d);
int page_render(struct page *pg, enum page_tpl t, struct buf *out, struct diags *d);

/* Page builders (pages.c). out is reset first. */
int render_start(struct renderer *r, struct arena *a, struct buf *out, struct diags *d);
int render_city_start(struct renderer *r, struct portal *p, struct arena *a,
		      struct buf *out, struct diags *d);
int render_category(struct renderer *r, struct portal *p, size_t cat,
		    struct arena *a, struct buf *out, struct diags *d);
/* h: the service's Markdown (renderer_svc_html), rendered once for its
 * pages. */
int render_service_overview(struct renderer *r, size_t svc, const struct svc_html *h,
			    struct arena *a, struct buf *out, struct diags *d);
int render_service(struct renderer *r, struct portal *p, size_t svc,
		   const struct svc_html *h, const struct form_state *st,
		   struct arena *a, struct buf *out, struct diags *d);
int render_az(struct renderer *r, struct portal *p, struct arena *a,
	      struct buf *out, struct diags *d);
/* suche.html (query NULL: every service, for the script to filter), or
 * relayd's results for query. */
int render_search(struct renderer *r, struct portal *p, const char *query,
		  struct arena *a, struct buf *out, struct diags *d);
int render_text(struct renderer *r, struct portal *p, enum page_tpl t,
		struct arena *a, struct buf *out, struct diags *d);
int render_confirmation(struct renderer *r, const struct city_service *cs,
			const char *reference, const char *received_at, const char *receipt,
			const char *app_url, const struct app_payment *payment,
			struct arena *a, struct buf *out, struct diags *d);
int render_payment(struct renderer *r, const struct city_service *cs,
		   const struct pay_page_view *v, struct arena *a, struct buf *out,
		   struct diags *d);
int render_application(struct renderer *r, const struct city_service *cs,
		       const struct app_view *v, struct arena *a, struct buf *out,
		       struct diags *d);
int render_error(struct renderer *r, struct portal *p, int status,
		 const char *message, const char *link_text, const char *link_url,
		 struct arena *a, struct buf *out, struct diags *d);
struct mval *service_item(struct page *pg, size_t svc);
/* Every field of service svc that a list entry shows (service_item,
 * listed_item, the Lebenslage groups), appended to b for the listing
 * pages' cache keys (cachekey.c). 0 ok, -1 when b is full. */
int service_item_inputs(const struct renderer *r, size_t svc, struct buf *b);

/* Form fields as template data (form_data.c). */
struct mval *form_data(struct page *pg, const struct city_service *cs,
		       const char *intro_html, const struct form_state *st,
		       struct mval **errors);

/* The messages part (thread_data.c): "thread" in pg's data for the
 * partial thread.mustache, "thread_script" (the poll script's URL) when
 * it polls, and the error summary's "errors"/"has_errors" plus the
 * "Fehler: " title when its field has an error. */
void thread_data(struct page *pg, const struct app_thread *t);
/* Only the thread's error as an error summary entry: field id and text. */
#define THREAD_FIELD_ID "nachricht"

/* Helpers (pagedata.c). */
void mset(struct arena *a, struct mval *m, const char *key, const char *s);
void mset_opt(struct arena *a, struct mval *m, const char *key, const char *s);
const char *date_de(struct arena *a, const char *iso);   /* 2020-10-01 -> 01.10.2020 */
void title_fold(const char *s, char *out, size_t n);     /* sort key, umlauts folded */
bool city_launched(const struct renderer *r, const struct city *c);
char *markdown_html(struct arena *a, const char *md);    /* cmark, safe, headings shifted */
#endif
