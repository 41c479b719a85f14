/* form_data.c - a city's effective form as template data: one entry per
 * field with the flags the form_field partial needs, the citizen's values
 * and the error messages when the relay shows the form again. */
#include <stdio.h>
#include <string.h>
#include "render_int.h"
#include "../model/facts.h"
#include "../util/url.h"

/* A file input cannot be filled again by the server: say so at the field. */
#define REATTACH_NOTE "Ihre Datei wurde noch nicht gespeichert, weil das " \
	"Formular Fehler enthielt. Bitte wählen Sie die Datei erneut aus."

static const char *value_of(const struct form_state *st, const char *name)
{
	if (!st)
		return NULL;
	for (size_t i = 0; i < st->n_values; i++)
		if (st->values[i].name && !strcmp(st->values[i].name, name))
			return st->values[i].value;
	return NULL;
}

static const char *error_of(const struct form_state *st, const char *name)
{
	if (!st)
		return NULL;
	for (size_t i = 0; i < st->n_errors; i++)
		if (st->errors[i].field && !strcmp(st->errors[i].field, name))
			return st->errors[i].message;
	return NULL;
}

static bool must_reattach(const struct form_state *st, const char *name)
{
	for (size_t i = 0; st && i < st->n_reattach; i++)
		if (!strcmp(st->reattach[i], name))
			return true;
	return false;
}

static const char *num_str(struct arena *a, double v)
{
	return arena_printf(a, "%.15g", v);
}

/* "Erlaubt: PDF, JPEG. Höchstens 5 MB je Datei, bis zu 3 Dateien." */
static const char *file_hint(struct arena *a, const struct field *f)
{
	const char *types = "";
	for (size_t i = 0; i < f->n_accept; i++)
		types = arena_printf(a, "%s%s%s", types, i ? ", " : "",
				     upload_label(f->accept[i]));
	size_t size = field_max_size(f);
	const char *sz = size % (1 << 20) == 0 ?
		arena_printf(a, "%zu MB", size >> 20) :
		arena_printf(a, "%zu KB", (size + 1023) >> 10);
	size_t nf = f->max_files ? f->max_files : 1;
	return arena_printf(a, "Erlaubte Dateitypen: %s. Höchstens %s je Datei%s.",
			    types, sz, nf > 1 ? arena_printf(a, ", bis zu %zu Dateien", nf) : "");
}

static const char *accept_attr(struct arena *a, const struct field *f)
{
	const char *s = "";
	for (size_t i = 0; i < f->n_accept; i++)
		s = arena_printf(a, "%s%s%s", s, i ? "," : "", f->accept[i]);
	return s;
}

static struct mval *options(struct arena *a, const struct field *f, const char *id,
			    const char *value)
{
	struct mval *l = mv_list(a);
	for (size_t i = 0; i < f->n_options; i++) {
		struct mval *m = mv_map(a);
		mset(a, m, "value", f->options[i].value);
		mset(a, m, "label", f->options[i].label);
		mset(a, m, "id", arena_printf(a, "%s-%zu", id, i + 1));
		mv_set_bool(a, m, "selected", value && !strcmp(value, f->options[i].value));
		mv_push(a, l, m);
	}
	return l;
}

static const struct field *field_named(const struct city_service *cs, const char *name)
{
	for (size_t i = 0; i < cs->n_fields; i++)
		if (!strcmp(cs->fields[i]->name, name))
			return cs->fields[i];
	return NULL;
}

static const char *option_label(const struct field *t, const char *value)
{
	for (size_t i = 0; i < t->n_options; i++)
		if (!strcmp(t->options[i].value, value))
			return t->options[i].label;
	return value;
}

/* A conditional field: the attributes form.js shows and hides it by, and
 * the hint that names its answer, for a page without JavaScript:
 * "Nur wenn Sie bei „Zahlungsweise“ „SEPA-Lastschrift“ gewählt haben." */
static const char *when_data(struct arena *a, struct mval *m, const struct field *f,
			     const struct city_service *cs)
{
	const struct field *t = field_named(cs, f->when->field);
	if (!t)                 /* the loader checked; never shown half */
		return NULL;
	const char *vals = "", *labels = "";
	for (size_t i = 0; i < f->when->n_values; i++) {
		const char *v = f->when->values[i];
		vals = arena_printf(a, "%s%s%s", vals, i ? " " : "", v);
		labels = arena_printf(a, "%s%s„%s“", labels, i ? " oder " : "",
				      t->type == FT_CHECKBOX ? "angekreuzt" : option_label(t, v));
	}
	mset(a, m, "when_field", t->name);
	mset(a, m, "when_values", vals);
	if (t->type == FT_CHECKBOX)
		return arena_printf(a, "Nur wenn Sie „%s“ angekreuzt haben.", t->label);
	return arena_printf(a, "Nur wenn Sie bei „%s“ %s gewählt haben.", t->label, labels);
}

/* The answers that lead to another service: a note with its link after
 * the choice, shown by form.js when that answer is chosen. */
static struct mval *option_notes(struct page *pg, const struct field *f,
				 const struct city_service *cs)
{
	struct arena *a = pg->a;
	const struct catalog *c = pg->r->c;
	struct mval *l = mv_list(a);
	for (size_t i = 0; i < f->n_options; i++) {
		const struct service *s = f->options[i].service ?
			catalog_service(c, f->options[i].service) : NULL;
		if (!s)
			continue;
		size_t ci = (size_t)(cs->city - c->cities), si = (size_t)(s - c->services);
		bool here = pg->r->cs_built[ci * c->n_services + si];
		struct mval *m = mv_map(a);
		mset(a, m, "value", f->options[i].value);
		mset(a, m, "answer", f->options[i].label);
		mset(a, m, "title", s->title);
		mset(a, m, "href", here ?
		     arena_printf(a, "%sleistungen/%s.html", pg->base, s->slug) :
		     arena_printf(a, "%sleistungen/%s.html", pg->root, s->slug));
		mv_push(a, l, m);
	}
	return l->n ? l : NULL;
}

static void set_notes(struct arena *a, struct mval *m, struct mval *notes)
{
	if (notes)
		mv_set(a, m, "notes", notes);
}

#define VERIFIED_NOTE "Aus Ihrem Servicekonto – geprüft, nicht änderbar."

/* The verified value of a field (relayd's page for a logged-in citizen). */
static const char *verified_of(const struct form_state *st, const char *name)
{
	for (size_t i = 0; st && i < st->n_verified; i++)
		if (!strcmp(st->verified[i].name, name))
			return st->verified[i].value;
	return NULL;
}

static struct mval *field_data(struct page *pg, const struct city_service *cs,
			       const struct field *f, const struct form_state *st,
			       const char **anchor)
{
	struct arena *a = pg->a;
	struct mval *m = mv_map(a);
	const char *id = arena_printf(a, "feld-%s", f->name);
	const char *value = value_of(st, f->name);
	const char *error = error_of(st, f->name);
	const char *help = f->help && *f->help ? f->help : NULL;
	const char *when = f->when ? when_data(a, m, f, cs) : NULL;
	if (when)
		help = help ? arena_printf(a, "%s %s", when, help) : when;
	const char *hint = f->type == FT_FILE ? file_hint(a, f) : NULL;
	bool reattach = f->type == FT_FILE && !error && must_reattach(st, f->name);
	const char *checked = verified_of(st, f->name);
	if (checked) {      /* relayd takes the login's value, not the post's */
		value = checked;
		help = help ? arena_printf(a, "%s %s", VERIFIED_NOTE, help) : VERIFIED_NOTE;
	}

	mset(a, m, "name", f->name);
	mset(a, m, "id", id);
	mset(a, m, "label", f->label);
	mv_set_bool(a, m, "required", f->required);
	/* a group's later part is optional as a whole: its required fields
	 * are marked, but the browser must not demand them */
	mv_set_bool(a, m, "required_attr", f->required && f->part < 2);
	mset_opt(a, m, "help", help);
	mset_opt(a, m, "file_hint", hint);
	mset(a, m, "help_id", arena_printf(a, "%s-hilfe", id));
	mset(a, m, "error_id", arena_printf(a, "%s-fehler", id));
	mset_opt(a, m, "error", error);
	mv_set_bool(a, m, "invalid", error != NULL);
	const char *desc = "";
	if (help || hint)
		desc = arena_printf(a, "%s-hilfe", id);
	if (error)
		desc = arena_printf(a, "%s%s%s-fehler", desc, *desc ? " " : "", id);
	if (reattach) {
		desc = arena_printf(a, "%s%s%s-erneut", desc, *desc ? " " : "", id);
		mset(a, m, "reattach_id", arena_printf(a, "%s-erneut", id));
		mset(a, m, "reattach", REATTACH_NOTE);
	}
	mset_opt(a, m, "describedby", desc);
	mset_opt(a, m, "autocomplete", f->autocomplete);
	mv_set_bool(a, m, "readonly", checked != NULL);
	mset(a, m, "value", value);

	switch (f->type) {
	case FT_TEXTAREA:
		mv_set_bool(a, m, "is_textarea", true);
		break;
	case FT_SELECT:
		mv_set_bool(a, m, "is_select", true);
		mv_set(a, m, "options", options(a, f, id, value));
		set_notes(a, m, option_notes(pg, f, cs));
		break;
	case FT_RADIO:
		mv_set_bool(a, m, "is_radio", true);
		mv_set(a, m, "options", options(a, f, id, value));
		set_notes(a, m, option_notes(pg, f, cs));
		/* The error summary links to the first radio button. */
		id = arena_printf(a, "%s-1", id);
		break;
	case FT_CHECKBOX:
		mv_set_bool(a, m, "is_checkbox", true);
		mv_set_bool(a, m, "checked", value && !strcmp(value, "ja"));
		break;
	case FT_FILE:
		mv_set_bool(a, m, "is_file", true);
		mset(a, m, "accept", accept_attr(a, f));
		mv_set_bool(a, m, "multiple", f->max_files > 1);
		break;
	default:
		mv_set_bool(a, m, "is_input", true);
		mset(a, m, "type", field_types[f->type].input_type);
		if (f->type == FT_NUMBER) {
			if (f->has_min)
				mset(a, m, "min", num_str(a, f->min));
			if (f->has_max)
				mset(a, m, "max", num_str(a, f->max));
			mset(a, m, "step", "any");
		}
		if (f->format && f->format->inputmode)
			mset(a, m, "inputmode", f->format->inputmode);
		break;
	}
	if (field_types[f->type].maxlength_attr && field_max_length(f))
		mv_set(a, m, "maxlength", mv_num(a, (double)field_max_length(f)));
	*anchor = id;
	return m;
}

/* The error summary: every error in form order as the relay found them,
 * then each file field whose file must be chosen again. */
static struct mval *error_summary(struct arena *a, const struct city_service *cs,
				  const struct form_state *st, const char **anchors)
{
	struct mval *l = mv_list(a);
	for (size_t e = 0; e < st->n_errors; e++) {
		const char *href = "#formular";
		for (size_t i = 0; i < cs->n_fields; i++)
			if (st->errors[e].field &&
			    !strcmp(cs->fields[i]->name, st->errors[e].field))
				href = arena_printf(a, "#%s", anchors[i]);
		struct mval *m = mv_map(a);
		mset(a, m, "href", href);
		mset(a, m, "message", st->errors[e].message);
		mv_push(a, l, m);
	}
	for (size_t i = 0; i < cs->n_fields; i++) {
		const struct field *f = cs->fields[i];
		if (f->type != FT_FILE || error_of(st, f->name) ||
		    !must_reattach(st, f->name))
			continue;
		struct mval *m = mv_map(a);
		mset(a, m, "href", arena_printf(a, "#%s", anchors[i]));
		mset(a, m, "message", arena_printf(a, "Wählen Sie die Datei für "
						   "„%s“ erneut aus", f->label));
		mv_push(a, l, m);
	}
	return l;
}

static bool same_part(const struct field *f, const struct field *g)
{
	return f && g && f->group && f->group == g->group && f->part == g->part;
}

/* Where a group's part begins: its fieldset's legend ("2. Hund"), and for
 * a later part the hint and the marker form.js hides an empty part by. */
static struct mval *part_open(struct arena *a, const struct field *f)
{
	const struct field_group *g = f->group;
	struct mval *m = mv_map(a);
	mset(a, m, "id", arena_printf(a, "gruppe-%s-%zu", g->name, f->part));
	mset(a, m, "group", g->name);
	mset(a, m, "legend", arena_printf(a, "%zu. %s%s", f->part, g->legend,
					  f->part > 1 ? " (freiwillig)" : ""));
	if (f->part > 1)
		mset(a, m, "hint", g->hint);
	mv_set_bool(a, m, "optional", f->part > 1);
	return m;
}

/* Where a part ends; after the group's last part, the button form.js
 * shows to open the next empty part. */
static struct mval *part_close(struct arena *a, const struct field *f,
			       const struct field *next)
{
	struct mval *m = mv_map(a);
	if (!next || next->group != f->group) {
		mset(a, m, "group", f->group->name);
		mset(a, m, "add_label", f->group->add_label);
	}
	return m;
}

/* A service that requires a login (identification:): the static page
 * shows the login start instead of the form (relayd refuses its post
 * anyway); relayd's own page for a citizen logged in at that level says
 * with what. No JavaScript involved: the start is a link. */
static void login_data(struct page *pg, const struct city_service *cs,
		       const struct form_state *st, struct mval *form)
{
	struct arena *a = pg->a;
	unsigned need = cs->service->identification;
	if (need == IDENT_NONE)
		return;
	struct mval *m = mv_map(a);
	mset(a, m, "level", ident_level_names[need]);
	if (st && st->citizen_provider && st->citizen_level >= need) {
		mset(a, m, "provider", st->citizen_provider);
		mset(a, m, "have", ident_level_names[st->citizen_level]);
		mv_set(a, form, "identified", m);
		return;
	}
	mset(a, m, "url", arena_printf(a, "%s/anmelden?dienst=%s/%s",
				       url_origin(a, pg->r->relay_url),
				       cs->city->slug, cs->service->slug));
	mv_set(a, form, "login_required", m);
}

struct mval *form_data(struct page *pg, const struct city_service *cs,
		       const char *intro_html, const struct form_state *st,
		       struct mval **errors)
{
	struct arena *a = pg->a;
	struct renderer *r = pg->r;
	struct mval *form = mv_map(a);
	struct mval *fields = mv_list(a);
	bool multipart = false, any_required = false, conditional = false;
	const char **anchors = arena_alloc(a, (cs->n_fields + 1) * sizeof *anchors);

	for (size_t i = 0; i < cs->n_fields; i++) {
		const struct field *f = cs->fields[i];
		const struct field *prev = i ? cs->fields[i - 1] : NULL;
		const struct field *next = i + 1 < cs->n_fields ? cs->fields[i + 1] : NULL;
		struct mval *fd = field_data(pg, cs, f, st, &anchors[i]);
		if (f->group && !same_part(f, prev))
			mv_set(a, fd, "part_open", part_open(a, f));
		if (f->group && !same_part(f, next))
			mv_set(a, fd, "part_close", part_close(a, f, next));
		conditional |= f->group != NULL;
		mv_push(a, fields, fd);
		multipart |= f->type == FT_FILE;
		any_required |= f->required;
		conditional |= f->when != NULL;
		for (size_t k = 0; k < f->n_options; k++)
			conditional |= f->options[k].service != NULL;
	}
	mset(a, form, "action", arena_printf(a, "%s/%s/%s", r->relay_url,
					     cs->city->slug, cs->service->slug));
	mset(a, form, "enctype", multipart ? "multipart/form-data" :
	     "application/x-www-form-urlencoded");
	mset_opt(a, form, "intro_html", intro_html);
	mv_set(a, form, "fields", fields);
	mv_set_bool(a, form, "any_required", any_required);
	/* form.js shows conditional fields and notes by the answers */
	mv_set_bool(a, form, "conditional", conditional);
	mset(a, form, "honeypot_value", value_of(st, "hp_website"));

	login_data(pg, cs, st, form);
	*errors = st && st->n_errors ? error_summary(a, cs, st, anchors) : NULL;
	return form;
}
