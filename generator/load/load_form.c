/* load_form.c - form fields of a service or of a city's add_fields. */
#include "load_form.h"
#include <string.h>

static bool is_field_name(const char *s)
{
	if (!*s || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

static void load_options(struct lctx *c, const struct ynode *fn, struct field *f)
{
	const struct ynode *opts = ymap_get(fn, "options");
	if (f->type != FT_SELECT && f->type != FT_RADIO) {
		if (opts)
			lerr(c, opts, "'options' is only allowed for select and radio fields");
		return;
	}
	if (!opts) {
		lerr(c, fn, "field '%s' of type %s needs 'options'", f->name,
		     field_type_name(f->type));
		return;
	}
	if (!expect_kind(c, opts, YN_SEQ, "'options'"))
		return;
	if (opts->n == 0)
		lerr(c, opts, "'options' must not be empty");
	f->options = arena_alloc(c->a, (opts->n ? opts->n : 1) * sizeof *f->options);
	for (size_t i = 0; i < opts->n; i++) {
		const struct ynode *o = opts->items[i];
		struct field_option *fo = &f->options[f->n_options];
		fo->service = NULL;
		if (o->kind == YN_SCALAR) {
			fo->value = fo->label = o->str;
		} else if (o->kind == YN_MAP) {
			static const char *const keys[] = { "value", "label", "service", NULL };
			check_keys(c, o, "an option", keys);
			fo->value = get_str(c, o, "value", true);
			fo->label = get_str(c, o, "label", true);
			fo->service = get_opt(c, o, "service");
			if (fo->service && !is_slug(fo->service))
				lerr(c, ymap_get(o, "service"), "'service' must be a service slug");
		} else {
			lerr(c, o, "an option must be text or {value, label}");
			continue;
		}
		if (!*fo->value) {
			lerr(c, o, "an option must not be empty");
			continue;
		}
		for (size_t j = 0; j < f->n_options; j++)
			if (strcmp(f->options[j].value, fo->value) == 0)
				lerr(c, o, "duplicate option '%s'", fo->value);
		f->n_options++;
	}
}

static void load_file_limits(struct lctx *c, const struct ynode *fn, struct field *f)
{
	size_t n;
	f->accept = get_str_list(c, fn, "accept", &n);
	f->n_accept = n;
	if (f->type != FT_FILE) {
		if (ymap_get(fn, "accept") || ymap_get(fn, "max_size") || ymap_get(fn, "max_files"))
			lerr(c, fn, "'accept', 'max_size' and 'max_files' are only for file fields");
		return;
	}
	if (n == 0)
		lerr(c, fn, "file field '%s' needs 'accept' (%s)", f->name, upload_mime_list());
	for (size_t i = 0; i < n; i++)
		if (!upload_type_by_mime(f->accept[i]))
			lerr(c, ymap_get(fn, "accept"),
			     "unsupported file type '%s' (allowed: %s)", f->accept[i],
			     upload_mime_list());
	f->max_size = (size_t)get_uint(c, fn, "max_size",
				       (long long)upload_default_size(f->accept, n),
				       UPLOAD_MAX_SIZE_LIMIT);
	f->max_files = (size_t)get_uint(c, fn, "max_files", 1, UPLOAD_MAX_FILES_LIMIT);
	if (f->max_files == 0) {
		lerr(c, ymap_get(fn, "max_files"), "'max_files' must be at least 1");
		f->max_files = 1;
	}
}

/* `format: plz`: a rule from model/facts.c, for text fields only. */
static void load_format(struct lctx *c, const struct ynode *fn, struct field *f)
{
	const char *name = get_opt(c, fn, "format");
	if (!name)
		return;
	f->format = value_format_by_name(name);
	if (!f->format)
		lerr(c, ymap_get(fn, "format"), "unknown format '%s' (%s)", name,
		     value_format_names());
	else if (f->type != FT_TEXT)
		lerr(c, ymap_get(fn, "format"), "'format' is only for text fields");
}

/* when: { field: zahlungsweise, is: lastschrift } (is: one value or a
 * list). Whether the field exists and has such answers is checked with
 * the whole form (check_conditions). */
static void load_when(struct lctx *c, const struct ynode *fn, struct field *f)
{
	static const char *const keys[] = { "field", "is", NULL };
	const struct ynode *w = ymap_get(fn, "when");
	f->when = NULL;
	if (!w || !expect_kind(c, w, YN_MAP, "'when'"))
		return;
	check_keys(c, w, "'when'", keys);
	struct field_condition *fc = arena_alloc(c->a, sizeof *fc);
	fc->field = get_str(c, w, "field", true);
	fc->values = get_str_list(c, w, "is", &fc->n_values);
	if (fc->n_values == 0)
		lerr(c, w, "'when' needs 'is': the answer (or answers) the field belongs to");
	f->when = fc;
}

static int load_field(struct lctx *c, const struct ynode *fn, struct field *f)
{
	static const char *const keys[] = {
		"name", "label", "type", "required", "max_length", "help",
		"autocomplete", "options", "min", "max", "accept", "max_size",
		"max_files", "format", "after", "when", NULL
	};
	if (!expect_kind(c, fn, YN_MAP, "a form field"))
		return -1;
	int before = c->errors;
	check_keys(c, fn, "a form field", keys);
	f->pos = (struct srcpos){ fn->file, fn->line, fn->col };
	f->name = get_str(c, fn, "name", true);
	if (*f->name && !is_field_name(f->name))
		lerr(c, ymap_get(fn, "name"),
		     "field name '%s' must be lower case letters, digits and _", f->name);
	f->label = get_str(c, fn, "label", true);
	f->help = get_str(c, fn, "help", false);
	f->autocomplete = get_str(c, fn, "autocomplete", false);
	f->required = get_bool(c, fn, "required", false, NULL);
	const char *type = get_str(c, fn, "type", true);
	if (!field_type_by_name(type, &f->type)) {
		if (*type)
			lerr(c, ymap_get(fn, "type"), "unknown field type '%s' (%s)", type,
			     field_type_names());
		return -1;
	}
	size_t dflt = field_types[f->type].max_length;
	f->max_length = (size_t)get_uint(c, fn, "max_length", (long long)dflt,
					 FIELD_MAX_LENGTH_LIMIT);
	if (f->max_length == 0 && f->type != FT_FILE) {
		lerr(c, ymap_get(fn, "max_length"), "'max_length' must be at least 1");
		f->max_length = dflt;
	}
	f->has_min = get_num(c, fn, "min", &f->min);
	f->has_max = get_num(c, fn, "max", &f->max);
	if ((f->has_min || f->has_max) && f->type != FT_NUMBER)
		lerr(c, fn, "'min' and 'max' are only for number fields");
	if (f->has_min && f->has_max && f->min > f->max)
		lerr(c, ymap_get(fn, "min"), "'min' is larger than 'max'");
	f->after = get_opt(c, fn, "after");
	load_when(c, fn, f);
	load_format(c, fn, f);
	load_options(c, fn, f);
	load_file_limits(c, fn, f);
	return c->errors == before ? 0 : -1;
}

struct field *load_fields(struct lctx *c, const struct ynode *list, size_t *n)
{
	*n = 0;
	if (!list)
		return NULL;
	if (!expect_kind(c, list, YN_SEQ, "'fields'"))
		return NULL;
	struct field *v = arena_alloc(c->a, (list->n ? list->n : 1) * sizeof *v);
	for (size_t i = 0; i < list->n; i++) {
		struct field *f = &v[*n];
		if (load_field(c, list->items[i], f) < 0 && !f->name)
			continue;
		for (size_t j = 0; j < *n; j++)
			if (f->name && *f->name && strcmp(v[j].name, f->name) == 0)
				lerr(c, ymap_get(list->items[i], "name"),
				     "duplicate field name '%s' (first at line %d)",
				     f->name, v[j].pos.line);
		(*n)++;
	}
	return v;
}

struct form *load_form(struct lctx *c, const struct ynode *fn)
{
	static const char *const keys[] = { "intro", "applicant_email", "fields", NULL };
	if (!fn || !expect_kind(c, fn, YN_MAP, "'form'"))
		return NULL;
	check_keys(c, fn, "'form'", keys);
	struct form *f = arena_alloc(c->a, sizeof *f);
	f->intro = get_str(c, fn, "intro", false);
	f->applicant_email_field = get_str(c, fn, "applicant_email", false);
	const struct ynode *fields = ymap_get(fn, "fields");
	if (!fields)
		lerr(c, fn, "missing required key 'fields'");
	f->fields = load_fields(c, fields, &f->n_fields);
	for (size_t i = 0; i < f->n_fields; i++)
		if (f->fields[i].after)
			lerr(c, fields->items[i], "'after' places a city's added field "
			     "(add_fields of an override); the shared form is in order already");
	if (fields && f->n_fields == 0 && fields->kind == YN_SEQ)
		lerr(c, fields, "a form needs at least one field");
	if (*f->applicant_email_field) {
		bool found = false;
		for (size_t i = 0; i < f->n_fields; i++)
			if (strcmp(f->fields[i].name, f->applicant_email_field) == 0) {
				found = true;
				if (f->fields[i].type != FT_EMAIL)
					lerr(c, ymap_get(fn, "applicant_email"),
					     "'applicant_email' must name an email field");
			}
		if (!found)
			lerr(c, ymap_get(fn, "applicant_email"),
			     "'applicant_email' names field '%s', which the form does not have",
			     f->applicant_email_field);
	}
	return f;
}
