/* forms.c - see forms.h */
#include "forms.h"
#include <libgen.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "load/catalog_load.h"
#include "util/buf.h"
#include "util/datetime.h"
#include "../validate/validate.h"
#include "log.h"

/* "a/b/content" -> source at "a/b", path "content". */
static struct source *open_parent(const char *dir, char **base)
{
	char *d1 = xstrdup(dir), *d2 = xstrdup(dir);
	size_t n = strlen(d1);
	while (n > 1 && d1[n - 1] == '/')
		d1[--n] = '\0', d2[n] = '\0';
	struct source *s = source_fs_open(dirname(d1));
	*base = xstrdup(basename(d2));
	free(d1);
	free(d2);
	return s;
}

void forms_add_form_target(struct forms *f, const char *origin)
{
	if (!origin || !*origin)
		return;
	renderer_add_form_target(f->renderer, origin);
	f->csp_header = arena_printf(&f->cat->arena, "%s; frame-ancestors 'none'",
				     renderer_csp(f->renderer));
}

struct forms *forms_load(const char *content_dir, const char *themes_dir,
			 const char *relay_url, FILE *log)
{
	struct forms *f = xcalloc(1, sizeof *f);
	struct diags d;
	char *cbase = NULL, *tbase = NULL;
	diags_init(&d);
	f->content_src = open_parent(content_dir, &cbase);
	if (f->content_src)
		f->cat = catalog_load(f->content_src, cbase, &d);
	/* the loader resolved every city x service; the renderer shares it */
	if (!f->cat || catalog_resolve_all(f->cat) < 0)
		goto fail;
	f->themes_src = open_parent(themes_dir, &tbase);
	if (f->themes_src && strcmp(tbase, "themes") != 0)
		relay_log("warn", "themes_dir", "msg=\"themes are read from %s/../themes "
			  "(the directory must be named themes)\"", themes_dir);
	if (f->themes_src)
		f->renderer = renderer_open(f->cat, f->themes_src, relay_url, &d);
	if (!f->renderer)
		goto fail;
	f->csp_header = arena_printf(&f->cat->arena, "%s; frame-ancestors 'none'",
				     renderer_csp(f->renderer));
	free(cbase);
	free(tbase);
	diags_free(&d);
	return f;
fail:
	diags_sort(&d);
	diags_print(&d, log);
	if (!d.n)
		relay_log("error", "load_failed", "content=%s themes=%s", content_dir,
			  themes_dir);
	diags_free(&d);
	free(cbase);
	free(tbase);
	forms_free(f);
	return NULL;
}

void forms_free(struct forms *f)
{
	if (!f)
		return;
	if (f->renderer)
		renderer_close(f->renderer);
	if (f->cat)
		catalog_free(f->cat);
	if (f->content_src)
		f->content_src->close(f->content_src);
	if (f->themes_src)
		f->themes_src->close(f->themes_src);
	free(f);
}

const struct city_service *forms_find(const struct forms *f, const char *city,
				      const char *service)
{
	return catalog_city_service(f->cat, city, service);
}

static void json_str(struct buf *b, const char *s)
{
	buf_putc(b, '"');
	buf_put_json(b, s, strlen(s));
	buf_putc(b, '"');
}

static void dump_field(struct buf *b, const struct field *f)
{
	buf_puts(b, "{\"name\":");
	json_str(b, f->name);
	buf_puts(b, ",\"label\":");
	json_str(b, f->label);
	buf_puts(b, ",\"long_label\":");
	json_str(b, field_long_label(f));
	if (f->group) {
		buf_puts(b, ",\"group\":");
		json_str(b, f->group->name);
		buf_printf(b, ",\"part\":%zu", f->part);
	}
	buf_printf(b, ",\"type\":\"%s\",\"required\":%s,\"max_length\":%zu",
		   field_type_name(f->type), f->required ? "true" : "false",
		   f->max_length);
	if (f->format)
		buf_printf(b, ",\"format\":\"%s\"", f->format->name);
	if (f->when) {
		buf_puts(b, ",\"when\":{\"field\":");
		json_str(b, f->when->field);
		buf_puts(b, ",\"is\":[");
		for (size_t k = 0; k < f->when->n_values; k++) {
			if (k)
				buf_putc(b, ',');
			json_str(b, f->when->values[k]);
		}
		buf_puts(b, "]}");
	}
	if (f->has_min)
		buf_printf(b, ",\"min\":%.17g", f->min);
	if (f->has_max)
		buf_printf(b, ",\"max\":%.17g", f->max);
	buf_puts(b, ",\"options\":[");
	for (size_t k = 0; k < f->n_options; k++) {
		if (k)
			buf_putc(b, ',');
		json_str(b, f->options[k].value);
	}
	buf_puts(b, "],\"option_labels\":[");
	for (size_t k = 0; k < f->n_options; k++) {
		if (k)
			buf_putc(b, ',');
		json_str(b, f->options[k].label);
	}
	buf_puts(b, "],\"accept\":[");
	for (size_t k = 0; k < f->n_accept; k++) {
		if (k)
			buf_putc(b, ',');
		json_str(b, f->accept[k]);
	}
	buf_printf(b, "],\"max_size\":%zu,\"max_files\":%zu}", f->max_size,
		   f->max_files);
}

int forms_dump_json(const struct forms *f, FILE *out)
{
	struct buf b;
	buf_init(&b, 0);
	char today[11];
	berlin_today(today);    /* once: one day for the whole list */
	buf_puts(&b, "[\n");
	int first = 1;
	size_t n = f->cat->n_cities * f->cat->n_services;
	for (size_t i = 0; i < n; i++) {
		const struct city_service *cs = &f->cat->cs[i];
		if (!cs->service->form)
			continue;
		buf_puts(&b, first ? "{\"city\":" : ",\n{\"city\":");
		first = 0;
		json_str(&b, cs->city->slug);
		buf_puts(&b, ",\"service\":");
		json_str(&b, cs->service->slug);
		buf_puts(&b, ",\"ref_prefix\":");
		json_str(&b, cs->city->ref_prefix);
		buf_printf(&b, ",\"accepting\":%s,\"applicant_email\":",
			   validate_accepting(cs, today) ? "true" : "false");
		json_str(&b, cs->service->form->applicant_email_field ?
			 cs->service->form->applicant_email_field : "");
		buf_puts(&b, ",\"fields\":[");
		for (size_t k = 0; k < cs->n_fields; k++) {
			if (k)
				buf_putc(&b, ',');
			dump_field(&b, cs->fields[k]);
		}
		buf_puts(&b, "]}");
	}
	buf_puts(&b, "\n]\n");
	/* the appends above are checked here, once: never half a dump */
	int rc = 0;
	if (buf_failed(&b)) {
		relay_log("error", "dump_too_large", "max=%zu", b.max);
		rc = -1;
	} else if (fwrite(b.data, 1, b.len, out) != b.len) {
		rc = -1;
	}
	if (fflush(out) != 0 || ferror(out))
		rc = -1;
	buf_free(&b);
	return rc;
}

/* ---- the current forms, swapped on SIGHUP ---- */
static pthread_mutex_t cur_mu = PTHREAD_MUTEX_INITIALIZER;
static struct forms *cur;

void forms_set_current(struct forms *f)
{
	pthread_mutex_lock(&cur_mu);
	struct forms *old = cur;
	f->refs = 1;                /* the "current" reference */
	cur = f;
	int last = old && --old->refs == 0;
	pthread_mutex_unlock(&cur_mu);
	if (last)
		forms_free(old);
}

struct forms *forms_acquire(void)
{
	pthread_mutex_lock(&cur_mu);
	struct forms *f = cur;
	if (f)
		f->refs++;
	pthread_mutex_unlock(&cur_mu);
	return f;
}

void forms_release(struct forms *f)
{
	if (!f)
		return;
	pthread_mutex_lock(&cur_mu);
	int last = --f->refs == 0;
	pthread_mutex_unlock(&cur_mu);
	if (last)
		forms_free(f);
}
