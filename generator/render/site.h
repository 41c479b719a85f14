/* site.h - render the umbrella portal and every city portal into an
 * output tree. URL layout (relay and tests rely on it):
 *   index.html, kategorien/<cat>.html, leistungen/<svc>.html, a-z.html,
 *   suche.html, suche.json, impressum.html, datenschutz.html,
 *   barrierefreiheit.html, leichte-sprache.html, 404.html,
 *   sitemap.xml (an index) and sitemap-1.xml ... (write/sitemap.h),
 *   assets/style.css, assets/search.js, assets/theme.css,
 *   assets/<city>/logo.<ext>,
 *   <city>/index.html, <city>/kategorien/<cat>.html,
 *   <city>/leistungen/<svc>.html, <city>/a-z.html, <city>/suche.html,
 *   <city>/suche.json, <city>/impressum.html, <city>/datenschutz.html,
 *   <city>/barrierefreiheit.html, <city>/theme.css
 * All links are relative and name files, so the site works below any path
 * prefix and from file://; only 404.html links absolutely (base_url). */
#ifndef SITE_H
#define SITE_H
#include "../model/catalog.h"
#include "../load/source.h"
#include "../write/output.h"
#include "../util/diag.h"

struct site_history;
struct theme_env;

/* The default theme's templates compiled ahead of rendering, from src
 * alone: a build compiles them beside the loading of the catalogue, on
 * the thread that opens the output. NULL when they cannot be compiled
 * (renderer_prepare then compiles them itself, and says why). */
struct theme_env *renderer_theme_open(struct source *src);
void renderer_theme_free(struct theme_env *t);

struct site_opts {
	const char *date;        /* build date YYYY-MM-DD: launch/available_from/until are honoured */
	const char *relay_url;   /* form action base; NULL = region.relay_url */
	const char *commit;      /* the build's commit id or NULL (working tree);
				  * pages show their own provenance instead */
	int threads;             /* render in parallel when > 1 */
	/* "Stand" dates of service pages from git history; NULL or ->h NULL
	 * when building the working tree (no date shown then). */
	const struct site_history *history;
	/* The id of the running binary (its build-id, or the digest of its
	 * bytes: at most 40 hex digits), part of every page's key; NULL: read
	 * and digested by the renderer. */
	const char *binary_id;
	/* renderer_theme_open's, or NULL; freed by the caller */
	struct theme_env *theme;
};

/* Render every page of the umbrella and all city portals into out.
 * Templates and theme files are read through src ("themes/<theme>/...",
 * city overrides from the city's content directory "theme/" folder).
 * 0 ok, -1 after diagnostics. */
int site_render(struct catalog *c, struct source *src,
		const struct site_opts *o, struct output *out, struct diags *d);
#endif
