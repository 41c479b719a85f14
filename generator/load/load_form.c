/* load_form.c - form fields of a service or of a city's add_fields. */
#include "load_form.h"
#include <stdlib.h>
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

/* prefill: one of prefill_claims, on a field a read-only input can hold
 * (text, email, tel, date) */
static void load_prefill(struct lctx *c, const struct ynode *fn, struct field *f)
{
	f->prefill = get_str(c, fn, "prefill", false);
	if (!*f->prefill)
		return;
	bool known = false;
	for (size_t i = 0; prefill_claims[i]; i++)
		known |= !strcmp(f->prefill, prefill_claims[i]);
	if (!known)
		lerr(c, ymap_get(fn, "prefill"), "'prefill' must be one of given_name, "
		     "family_name, birthdate, email, address.street_address, "
		     "address.postal_code, address.locality, not '%s'", f->prefill);
	else if (f->type != FT_TEXT && f->type != FT_EMAIL && f->type != FT_TEL &&
		 f->type != FT_DATE)
		lerr(c, ymap_get(fn, "prefill"), "'prefill' is only for text, email, "
		     "tel and date fields (they can be read-only)");
}

static int load_field(struct lctx *c, const struct ynode *fn, struct field *f)
{
	static const char *const keys[] = {
		"name", "label", "type", "required", "max_length", "help",
		"autocomplete", "options", "min", "max", "accept", "max_size",
		"max_files", "format", "after", "when", "prefill", NULL
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
	f->long_label = f->label;
	f->group = NULL;
	f->part = 0;
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
	load_prefill(c, fn, f);
	load_when(c, fn, f);
	load_format(c, fn, f);
	load_options(c, fn, f);
	load_file_limits(c, fn, f);
	return c->errors == before ? 0 : -1;
}

static bool is_group(const struct ynode *item)
{
	return item->kind == YN_MAP && ymap_get(item, "group");
}

/* group: hunde / legend: Hund / max: 3 / add_label: ... / hint: ... /
 * fields: [...]. The group itself; its fields are loaded by load_group. */
static struct field_group *group_head(struct lctx *c, const struct ynode *g)
{
	static const char *const keys[] = {
		"group", "legend", "max", "add_label", "hint", "fields", NULL
	};
	check_keys(c, g, "a field group", keys);
	struct field_group *grp = arena_alloc(c->a, sizeof *grp);
	grp->pos = (struct srcpos){ g->file, g->line, g->col };
	grp->name = get_str(c, g, "group", true);
	if (*grp->name && !is_field_name(grp->name))
		lerr(c, ymap_get(g, "group"),
		     "group name '%s' must be lower case letters, digits and _", grp->name);
	grp->legend = get_str(c, g, "legend", true);
	grp->add_label = get_str(c, g, "add_label", true);
	grp->hint = get_str(c, g, "hint", false);
	if (!*grp->hint)
		grp->hint = "Füllen Sie diesen Teil nur aus, wenn Sie ihn brauchen. "
			    "Dann gelten auch hier die Pflichtfelder.";
	grp->max = (size_t)get_uint(c, g, "max", 0, FIELD_GROUP_MAX);
	if (grp->max < 2) {
		lerr(c, ymap_get(g, "max") ? ymap_get(g, "max") : g,
		     "a group needs 'max': how often it may be filled in, 2 to %d",
		     FIELD_GROUP_MAX);
		grp->max = 2;
	}
	return grp;
}

/* The fields of part k of a group: part 1 as written, part k > 1 with
 * "_k" after each name, and a `when:` that names a field of the same
 * group renamed alike, so that each part's conditions follow its own
 * answers. */
static void group_part(struct lctx *c, const struct field_group *grp,
		       const struct field *proto, size_t k, struct field *out)
{
	for (size_t j = 0; j < grp->n_fields; j++) {
		struct field *f = &out[j];
		*f = proto[j];
		f->group = grp;
		f->part = k;
		f->long_label = arena_printf(c->a, "%zu. %s: %s", k, grp->legend,
					     proto[j].label);
		if (k == 1)
			continue;
		f->name = arena_printf(c->a, "%s_%zu", proto[j].name, k);
		if (!f->when)
			continue;
		for (size_t i = 0; i < grp->n_fields; i++)
			if (!strcmp(f->when->field, proto[i].name)) {
				struct field_condition *fc = arena_alloc(c->a, sizeof *fc);
				*fc = *f->when;
				fc->field = arena_printf(c->a, "%s_%zu", fc->field, k);
				f->when = fc;
			}
	}
}

/* A group's fields, repeated into v; the number of fields written. */
static size_t load_group(struct lctx *c, const struct ynode *g, struct field *v)
{
	struct field_group *grp = group_head(c, g);
	const struct ynode *list = ymap_get(g, "fields");
	if (!list) {
		lerr(c, g, "a group needs 'fields'");
		return 0;
	}
	if (!expect_kind(c, list, YN_SEQ, "a group's 'fields'"))
		return 0;
	struct field *proto = arena_alloc(c->a, (list->n ? list->n : 1) * sizeof *proto);
	for (size_t i = 0; i < list->n; i++) {
		if (is_group(list->items[i])) {
			lerr(c, list->items[i], "a group cannot hold another group");
			continue;
		}
		struct field *f = &proto[grp->n_fields];
		if (load_field(c, list->items[i], f) < 0 && !f->name)
			continue;
		grp->n_fields++;
	}
	if (grp->n_fields == 0)
		lerr(c, list, "a group needs at least one field");
	for (size_t k = 1; k <= grp->max; k++)
		group_part(c, grp, proto, k, &v[(k - 1) * grp->n_fields]);
	return grp->max * grp->n_fields;
}

/* How many fields the list holds once its groups are repeated. */
static size_t count_fields(const struct ynode *list)
{
	size_t n = 0;
	for (size_t i = 0; i < list->n; i++) {
		const struct ynode *g = list->items[i], *gl;
		long long max = 0;
		if (!is_group(g)) {
			n++;
			continue;
		}
		const struct ynode *m = ymap_get(g, "max");
		if (m && m->kind == YN_SCALAR)
			max = strtoll(m->str, NULL, 10);
		if (max < 2 || max > FIELD_GROUP_MAX)
			max = 2;        /* load_group says why */
		gl = ymap_get(g, "fields");
		n += (size_t)max * (gl && gl->kind == YN_SEQ ? gl->n : 0);
	}
	return n;
}

/* A field's node for messages: its own map, or its group's. */
static const struct ynode *name_node(const struct ynode *item)
{
	return is_group(item) ? item : ymap_get(item, "name") ? ymap_get(item, "name") : item;
}

/* The fields of a list; groups (only in a service's form: in_form) are
 * repeated. A service's form is in order already, so 'after' (which
 * places a city's added field) is refused there. */
static struct field *fields_of(struct lctx *c, const struct ynode *list,
			       size_t *n, bool in_form)
{
	*n = 0;
	if (!list)
		return NULL;
	if (!expect_kind(c, list, YN_SEQ, "'fields'"))
		return NULL;
	size_t total = count_fields(list);
	struct field *v = arena_alloc(c->a, (total ? total : 1) * sizeof *v);
	for (size_t i = 0; i < list->n; i++) {
		const struct ynode *item = list->items[i];
		size_t from = *n;
		if (is_group(item) && in_form) {
			*n += load_group(c, item, &v[*n]);
		} else if (is_group(item)) {
			lerr(c, item, "a group is only possible in a service's form, "
			     "not in a city's add_fields");
			continue;
		} else if (load_field(c, item, &v[*n]) == 0 || v[*n].name) {
			(*n)++;
		}
		for (size_t k = from; k < *n; k++) {
			if (in_form && v[k].after)
				lerr(c, item, "'after' places a city's added field "
				     "(add_fields of an override); the shared form is in "
				     "order already");
			for (size_t j = 0; j < k; j++)
				if (v[k].name && *v[k].name && !strcmp(v[j].name, v[k].name))
					lerr(c, name_node(item), "duplicate field name '%s' "
					     "(first at line %d)", v[k].name, v[j].pos.line);
		}
	}
	return v;
}

struct field *load_fields(struct lctx *c, const struct ynode *list, size_t *n)
{
	return fields_of(c, list, n, false);
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
	f->fields = fields_of(c, fields, &f->n_fields, true);
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
