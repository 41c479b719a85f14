/* pagedata.c - the data every page has: links relative to its depth,
 * portal and region names, breadcrumb, pre-rendered header and footer.
 * The keys are the theme's interface; themes/default/README.md lists them. */
#include <stdio.h>
#include <string.h>
#include "render_int.h"

void mset(struct arena *a, struct mval *m, const char *key, const char *s)
{
	mv_set_str(a, m, key, s ? s : "");
}

/* Only set when non-empty: templates test it with {{#key}}. */
void mset_opt(struct arena *a, struct mval *m, const char *key, const char *s)
{
	if (s && *s)
		mv_set_str(a, m, key, s);
}

const char *date_de(struct arena *a, const char *iso)
{
	int y, mo, d;
	char end;
	if (!iso || sscanf(iso, "%4d-%2d-%2d%c", &y, &mo, &d, &end) != 3)
		return iso ? iso : "";
	return arena_printf(a, "%02d.%02d.%04d", d, mo, y);
}

static const char *root_for(const struct renderer *r, int depth)
{
	static const char *const rel[] = { "", "../", "../../" };
	if (depth < 0 || depth >= MAX_DEPTH)
		return r->abs_root;
	return rel[depth];
}

static struct mval *portal_data(struct page *pg)
{
	struct arena *a = pg->a;
	struct portal *p = pg->p;
	const struct catalog *c = pg->r->c;
	struct mval *m = mv_map(a);
	mset(a, m, "name", p->name);
	mv_set_bool(a, m, "is_city", p->city != NULL);
	if (p->city) {
		mset(a, m, "slug", p->city->slug);
		mset(a, m, "city_name", p->city->name);
		mset(a, m, "kind", p->city->kind);
		/* told apart by words and shape, not by colour alone (two
		 * portals' colours may be nearly the same): header badge */
		mset(a, m, "badge", !strcmp(p->city->kind, "Kreis") ? "Kreisportal" :
		     !strcmp(p->city->kind, "Kreisfreie Stadt") ? "Portal der kreisfreien Stadt" :
		     "Stadtportal");
		mv_set_bool(a, m, "is_kreis", !strcmp(p->city->kind, "Kreis"));
		mset(a, m, "website", p->city->website);
		/* "der Stadt Dorsten", "des Kreises Recklinghausen" */
		if (!strcmp(p->city->kind, "Kreis"))
			mset(a, m, "owner", arena_printf(a, "des Kreises %s",
				!strncmp(p->city->name, "Kreis ", 6) ?
				p->city->name + 6 : p->city->name));
		else
			mset(a, m, "owner", arena_printf(a, "der Stadt %s", p->city->name));
		/* "bei der Stadt Dorsten", "beim Kreis Recklinghausen" */
		mset(a, m, "owner_at", !strcmp(p->city->kind, "Kreis") ?
		     arena_printf(a, "beim %s", p->city->name) :
		     arena_printf(a, "bei der Stadt %s", p->city->name));
		if (p->logo_path) {
			mset(a, m, "logo", arena_printf(a, "%s%s", pg->root, p->logo_path));
			mset(a, m, "logo_alt", arena_printf(a, "Logo %s", p->city->name));
		}
	} else {
		mset(a, m, "city_name", c->region.short_name);
		mset(a, m, "badge", "Dachportal der Region");
		mv_set_bool(a, m, "is_kreis", false);
		mset(a, m, "owner", c->region.contact_name);
		mset(a, m, "owner_at", arena_printf(a, "beim Betreiber (%s)",
						    c->region.contact_name));
	}
	return m;
}

static struct mval *region_data(struct page *pg)
{
	struct arena *a = pg->a;
	const struct region *g = &pg->r->c->region;
	struct mval *m = mv_map(a);
	mset(a, m, "name", g->name);
	mset(a, m, "short_name", g->short_name);
	mset(a, m, "home", arena_printf(a, "%sindex.html", pg->root));
	mset(a, m, "base_url", g->base_url);
	mset(a, m, "contact_name", g->contact_name);
	mset(a, m, "contact_address", g->contact_address);
	mset(a, m, "contact_email", g->contact_email);
	mset(a, m, "contact_phone", g->contact_phone);
	return m;
}

void page_data_share(struct renderer *r, struct portal *p, int depth)
{
	if (depth < 0 || depth > MAX_DEPTH)
		return;
	struct page pg = { .r = r, .p = p, .a = &r->arena, .depth = depth,
			   .root = root_for(r, depth) };
	p->portal_data[depth] = portal_data(&pg);
	p->region_data[depth] = region_data(&pg);
}

void page_begin(struct page *pg, struct renderer *r, struct portal *p,
		struct arena *a, int depth, const char *title)
{
	memset(pg, 0, sizeof *pg);
	pg->r = r;
	pg->p = p;
	pg->a = a;
	pg->depth = r->absolute || depth < 0 || depth > MAX_DEPTH ? MAX_DEPTH : depth;
	pg->root = root_for(r, pg->depth);
	/* Links inside the portal go up only to the portal's folder. */
	int up = pg->depth - (p->city ? 1 : 0);
	if (pg->depth == MAX_DEPTH || up < 0)
		pg->base = arena_printf(a, "%s%s", pg->root, p->prefix);
	else
		pg->base = root_for(r, up);
	struct mval *m = pg->data = mv_map(a);
	mset(a, m, "root", pg->root);
	mset(a, m, "base", pg->base);
	mset(a, m, "home", arena_printf(a, "%sindex.html", pg->base));
	mset(a, m, "theme_css", p->city ?
	     arena_printf(a, "%stheme.css", pg->base) :
	     arena_printf(a, "%sassets/theme.css", pg->root));
	mset(a, m, "title", title);
	mset(a, m, "doc_title", arena_printf(a, "%s – %s", title, p->name));
	mset(a, m, "crumb", title);
	/* Search boxes go to relayd's server-side search, which filters
	 * without JavaScript; suche.html's script filters in place. */
	mset(a, m, "search_action", r->search_url);
	mset(a, m, "search_portal", p->city ? p->city->slug : "");
	/* the citizens' Postfach (relayd): linked from the footer and from
	 * relayd's own pages */
	mset_opt(a, m, "postfach_url", r->postfach_url);
	int di = pg->depth;
	mv_set(a, m, "portal", p->portal_data[di] ? p->portal_data[di] : portal_data(pg));
	mv_set(a, m, "region", p->region_data[di] ? p->region_data[di] : region_data(pg));
	pg->crumbs = mv_list(a);
	mv_set(a, m, "breadcrumbs", pg->crumbs);
	mset(a, m, "header", p->header[di]);
	mset(a, m, "footer", p->footer[di]);
	mset(a, m, "csp", r->csp);
	/* Commit and date: the page's provenance (page_provenance), never
	 * the clock or the build's commit, so a page's bytes depend only on
	 * its inputs. Fragments and the relay's pages have none. */
	mset(a, m, "date", "");
	/* Every page but the start page of the portal links home first. */
	if (p->city) {
		page_crumb(pg, r->c->region.short_name,
			   arena_printf(a, "%sindex.html", pg->root));
	}
}

void page_crumb(struct page *pg, const char *label, const char *href)
{
	struct mval *m = mv_map(pg->a);
	mset(pg->a, m, "label", label);
	mset(pg->a, m, "href", href);
	mv_push(pg->a, pg->crumbs, m);
}

void page_home_crumb(struct page *pg)
{
	if (pg->p->city)
		page_crumb(pg, pg->p->city->name,
			   arena_printf(pg->a, "%sindex.html", pg->base));
	else
		page_crumb(pg, pg->r->c->region.short_name,
			   arena_printf(pg->a, "%sindex.html", pg->root));
}

/* Lower case ASCII with German letters folded (ä -> a, ß -> ss) so that
 * "Änderung" sorts under A as a reader expects. */
void title_fold(const char *s, char *out, size_t n)
{
	size_t o = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (*p && o + 3 < n) {
		if (p[0] == 0xc3 && p[1]) {
			unsigned c = p[1];
			const char *f = NULL;
			if (c == 0xa4 || c == 0x84) f = "a";
			else if (c == 0xb6 || c == 0x96) f = "o";
			else if (c == 0xbc || c == 0x9c) f = "u";
			else if (c == 0x9f) f = "ss";
			if (f) {
				for (; *f; f++)
					out[o++] = *f;
				p += 2;
				continue;
			}
		}
		out[o++] = (*p >= 'A' && *p <= 'Z') ? (char)(*p + 32) : (char)*p;
		p++;
	}
	out[o] = '\0';
}

void page_set_title(struct page *pg, const char *doc_title)
{
	mset(pg->a, pg->data, "doc_title", doc_title);
}

int page_provenance(struct page *pg, const struct prov *pv, struct diags *d)
{
	struct arena *a = pg->a;
	if (!pv || !pv->commit)
		return 0;
	mset(a, pg->data, "commit", pv->commit);
	mset(a, pg->data, "commit_short", arena_strndup(a, pv->commit,
							strlen(pv->commit) < 7 ? strlen(pv->commit) : 7));
	mset(a, pg->data, "date", pv->day);
	/* The footer shows the short id: rendered for this page. */
	struct buf f;
	buf_init(&f, 0);
	int rc = mu_render(pg->p->env, pg->p->tpl[T_FOOTER], pg->data, &f, d);
	if (rc == 0 && !buf_failed(&f))
		mset(a, pg->data, "footer", arena_strndup(a, f.data ? f.data : "", f.len));
	else
		rc = -1;
	buf_free(&f);
	return rc;
}

int page_render(struct page *pg, enum page_tpl t, struct buf *out, struct diags *d)
{
	buf_reset(out);
	return mu_render(pg->p->env, pg->p->tpl[t], pg->data, out, d);
}
