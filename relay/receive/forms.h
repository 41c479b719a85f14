/* forms.h - the catalogue as relayd uses it: loaded once, every city x
 * service resolved once (cat->cs, shared with the renderer), and the
 * theme renderer compiled once. A SIGHUP
 * builds a new struct forms and swaps it in; requests hold a reference to
 * the one they started with, so a reload never pulls data from under a
 * request (the old one is freed when its last request completes). */
#ifndef FORMS_H
#define FORMS_H
#include <stdbool.h>
#include <stdio.h>
#include "model/catalog.h"
#include "render/render_form.h"

struct forms {
	struct catalog *cat;
	struct source *content_src, *themes_src;
	struct renderer *renderer;  /* NULL when the themes failed to load */
	const char *csp_header;     /* the pages' Content-Security-Policy plus
				     * frame-ancestors 'none' (a header may say
				     * that, a <meta> may not); catalogue arena */
	int refs;                   /* guarded by the holder's mutex */
};

/* Loads content_dir (e.g. "content" or "/srv/portal/content") and the
 * themes below themes_dir. NULL after printing file:line:col errors to
 * log. relay_url: form action base for re-rendered forms. */
struct forms *forms_load(const char *content_dir, const char *themes_dir,
			 const char *relay_url, FILE *log);
void forms_free(struct forms *f);
/* The effective service of a city (catalog_city_service: by halves), or
 * NULL when either slug is unknown. */
const struct city_service *forms_find(const struct forms *f, const char *city,
				      const char *service);
/* JSON of every city x service that has a form (relayd --dump-forms). */
int forms_dump_json(const struct forms *f, FILE *out);

/* Reference-counted current forms (for SIGHUP). */
void forms_set_current(struct forms *f);    /* takes ownership */
/* Adds origin to the pages' form-action (renderer_add_form_target) and
 * to csp_header; before the forms are shared. */
void forms_add_form_target(struct forms *f, const char *origin);
struct forms *forms_acquire(void);          /* never NULL once set */
void forms_release(struct forms *f);
#endif
