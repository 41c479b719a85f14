/* validate.c - one posted form against the effective catalogue form.
 * Order of concerns: structural problems a browser with our page cannot
 * cause (unknown or repeated fields, bad UTF-8) -> 400; then each field's
 * rules -> 422 with one message per field, in form order. */
#include "validate.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/datetime.h"

struct vctx {
	struct arena *a;
	const struct city_service *cs;
	const struct vinput *in;
	struct voutput *out;
	size_t cap_errors;
};

static void add_error(struct vctx *v, const struct field *f, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void add_error(struct vctx *v, const struct field *f, const char *fmt, ...)
{
	struct voutput *o = v->out;
	va_list ap;
	va_start(ap, fmt);
	char *msg = arena_vprintf(v->a, fmt, ap);
	va_end(ap);
	o->errors[o->n_errors].field = f->name;
	o->errors[o->n_errors].message = msg;
	o->n_errors++;
}

static void bad(struct voutput *o, const char *reason)
{
	if (o->status != V_BAD) {
		o->status = V_BAD;
		o->reason = reason;
	}
}

static const struct vin_value *find_value(const struct vinput *in, const char *name)
{
	for (size_t i = 0; i < in->n_values; i++)
		if (!strcmp(in->values[i].name, name))
			return &in->values[i];
	return NULL;
}

/* Copy without leading/trailing blanks (GOV.UK trims what people type). */
static char *trimmed(struct arena *a, const char *s, size_t n, bool multiline)
{
	const char *ws = multiline ? " \t\r\n" : " \t";
	while (n > 0 && strchr(ws, s[0]) && s[0])
		s++, n--;
	while (n > 0 && strchr(ws, s[n - 1]) && s[n - 1])
		n--;
	return arena_strndup(a, s, n);
}

/* The option whose value was posted, or NULL. */
static const struct field_option *find_option(const struct field *f, const char *val)
{
	for (size_t i = 0; i < f->n_options; i++)
		if (!strcmp(f->options[i].value, val))
			return &f->options[i];
	return NULL;
}

static bool parse_number(const char *s, double *out)
{
	char tmp[40];
	size_t n = strlen(s);
	if (n == 0 || n >= sizeof tmp)
		return false;
	int digits = 0, seps = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c >= '0' && c <= '9')
			digits++, tmp[i] = c;
		else if ((c == '-' || c == '+') && i == 0)
			tmp[i] = c;
		else if ((c == ',' || c == '.') && !seps++)
			tmp[i] = '.';
		else
			return false;
	}
	tmp[n] = '\0';
	if (!digits)
		return false;
	char *end;
	*out = strtod(tmp, &end);
	return *end == '\0' && isfinite(*out);
}

static const char *num_text(struct arena *a, double d)
{
	char *s = arena_printf(a, "%.15g", d);
	for (char *p = s; *p; p++)
		if (*p == '.')
			*p = ',';
	return s;
}

/* A text field's format (model/facts.c): the value is stored normalised,
 * e.g. an IBAN without spaces. */
static const char *check_format(struct vctx *v, const struct field *f,
				 const char *val)
{
	char *norm = arena_alloc(v->a, strlen(val) + 1);
	if (!f->format->check(val, norm)) {
		add_error(v, f, f->format->message, field_long_label(f));
		return NULL;
	}
	return norm;
}

/* Checks one non-file value; returns the value to store or NULL. */
static const char *check_value(struct vctx *v, const struct field *f,
			       const char *val)
{
	size_t chars = utf8_chars(val, strlen(val));
	size_t max = field_max_length(f);
	bool empty = val[0] == '\0';

	if (!field_types[f->type].multiline && strpbrk(val, "\r\n")) {
		add_error(v, f, "„%s“ darf keine Zeilenumbrüche enthalten", field_long_label(f));
		return NULL;
	}
	if (empty) {
		if (!f->required)
			return val;
		switch (field_types[f->type].check) {
		case VC_OPTION:
			add_error(v, f, "Wählen Sie „%s“ aus", field_long_label(f));
			break;
		default:
			add_error(v, f, "Geben Sie „%s“ an", field_long_label(f));
		}
		return NULL;
	}
	/* A format bounds the stored value itself and says better what is
	 * wrong than a length would ("fünf Ziffern"). */
	if (f->format)
		return check_format(v, f, val);
	if (chars > max) {
		add_error(v, f, "„%s“ darf höchstens %zu Zeichen lang sein", field_long_label(f), max);
		return NULL;
	}
	double d;
	switch (field_types[f->type].check) {
	case VC_EMAIL:
		if (!valid_email(val)) {
			add_error(v, f, "Geben Sie bei „%s“ eine E-Mail-Adresse im "
				  "richtigen Format an, zum Beispiel name@beispiel.de", field_long_label(f));
			return NULL;
		}
		break;
	case VC_TEL:
		if (!valid_tel(val)) {
			add_error(v, f, "Geben Sie bei „%s“ eine Telefonnummer an, "
				  "zum Beispiel 02361 12345", field_long_label(f));
			return NULL;
		}
		break;
	case VC_TIME:
		if (!is_time(val)) {
			add_error(v, f, "„%s“ muss eine Uhrzeit sein, zum Beispiel 14:30",
				  field_long_label(f));
			return NULL;
		}
		break;
	case VC_DATE:
		if (!is_date(val)) {
			add_error(v, f, "„%s“ muss ein echtes Datum sein, zum Beispiel "
				  "2026-03-27", field_long_label(f));
			return NULL;
		}
		break;
	case VC_NUMBER:
		if (!parse_number(val, &d)) {
			add_error(v, f, "„%s“ muss eine Zahl sein", field_long_label(f));
			return NULL;
		}
		if ((f->has_min && d < f->min) || (f->has_max && d > f->max)) {
			if (f->has_min && f->has_max)
				add_error(v, f, "„%s“ muss zwischen %s und %s liegen", field_long_label(f),
					  num_text(v->a, f->min), num_text(v->a, f->max));
			else if (f->has_min)
				add_error(v, f, "„%s“ muss mindestens %s sein", field_long_label(f),
					  num_text(v->a, f->min));
			else
				add_error(v, f, "„%s“ darf höchstens %s sein", field_long_label(f),
					  num_text(v->a, f->max));
			return NULL;
		}
		break;
	case VC_OPTION:
		if (!find_option(f, val)) {
			add_error(v, f, "Wählen Sie bei „%s“ eine der angebotenen "
				  "Möglichkeiten aus", field_long_label(f));
			return NULL;
		}
		break;
	default:
		break;
	}
	return val;
}

static bool accepted(const struct field *f, const char *mime)
{
	for (size_t i = 0; i < f->n_accept; i++)
		if (!strcmp(f->accept[i], mime))
			return true;
	return false;
}

const char *validate_accept_text(struct arena *a, const struct field *f)
{
	const char *s = "";
	for (size_t i = 0; i < f->n_accept; i++) {
		s = arena_printf(a, "%s%s%s", s,
				 i == 0 ? "" : i + 1 == f->n_accept ? " oder " : ", ",
				 upload_label(f->accept[i]));
	}
	return s;
}

const char *validate_file(struct arena *a, const struct field *f,
			  const unsigned char *data, size_t len,
			  const struct upload_type **type)
{
	size_t max_size = field_max_size(f);
	if (len > max_size)
		return arena_printf(a, "Die Datei für „%s“ darf höchstens %.1f MB "
				    "groß sein", field_long_label(f),
				    (double)max_size / (1024.0 * 1024.0));
	const struct upload_type *u = upload_type_sniff(data, len);
	if (!u || !accepted(f, u->mime))
		return arena_printf(a, "Die Datei für „%s“ muss ein %s sein", field_long_label(f),
				    validate_accept_text(a, f));
	*type = u;
	return NULL;
}

static void check_files(struct vctx *v, const struct field *f)
{
	const struct vinput *in = v->in;
	struct submission *sub = v->out->sub;
	size_t count = 0;
	size_t max_files = f->max_files ? f->max_files : 1;
	size_t first = sub->n_files;
	for (size_t i = 0; i < in->n_files; i++)
		if (!strcmp(in->files[i].name, f->name))
			count++;
	if (count == 0) {
		if (f->required)
			add_error(v, f, "Laden Sie „%s“ hoch", field_long_label(f));
		return;
	}
	if (count > max_files) {
		add_error(v, f, "Laden Sie für „%s“ höchstens %zu %s hoch", field_long_label(f),
			  max_files, max_files == 1 ? "Datei" : "Dateien");
		return;
	}
	for (size_t i = 0; i < in->n_files; i++) {
		const struct vin_file *vf = &in->files[i];
		if (strcmp(vf->name, f->name))
			continue;
		const struct upload_type *u = NULL;
		const char *msg = validate_file(v->a, f, vf->data, vf->len, &u);
		if (msg) {
			add_error(v, f, "%s", msg);
			sub->n_files = first;
			return;
		}
		struct sub_file *sf = &sub->files[sub->n_files++];
		sf->field = f->name;
		sf->label = field_long_label(f);
		sf->mime = u->mime;
		sf->filename = arena_printf(v->a, "%s-%zu.%s", f->name,
					    sub->n_files - first, u->ext);
		sf->data = vf->data;
		sf->len = vf->len;
	}
}

/* 400-class problems: names not in the form, a value sent twice, bytes
 * that are not UTF-8, NUL anywhere, files for non-file fields. */
static void check_structure(struct vctx *v)
{
	const struct vinput *in = v->in;
	const struct city_service *cs = v->cs;
	for (size_t i = 0; i < in->n_values; i++) {
		const struct vin_value *iv = &in->values[i];
		if (!strcmp(iv->name, HONEYPOT_FIELD))
			continue;
		const struct field *f = cs_field(cs, iv->name);
		if (!f || f->type == FT_FILE) {
			/* browsers send an empty file part as a value-less part */
			if (f && iv->len == 0)
				continue;
			bad(v->out, "unknown_field");
			return;
		}
		if (find_value(in, iv->name) != iv) {
			bad(v->out, "repeated_field");
			return;
		}
		if (memchr(iv->value, '\0', iv->len) || !utf8_valid(iv->value, iv->len)) {
			bad(v->out, "invalid_utf8");
			return;
		}
	}
	for (size_t i = 0; i < in->n_files; i++) {
		const struct field *f = cs_field(cs, in->files[i].name);
		if (!f || f->type != FT_FILE) {
			bad(v->out, "unknown_field");
			return;
		}
	}
}

static void fill_identity(struct vctx *v, struct submission *sub)
{
	const struct city_service *cs = v->cs;
	sub->city = cs->city->slug;
	sub->service = cs->service->slug;
	sub->city_name = cs->city->name;
	sub->service_title = cs->service->title;
	sub->recipient = cs->recipient ? cs->recipient : "";
	sub->office_name = cs->office ? cs->office->name : "";
	sub->office = cs->office ? cs->office->id : "";
	sub->applicant_email = "";
}

/* After errors nothing is stored: the file fields that carried a file are
 * named so the page can ask for the file again instead of dropping it
 * silently (a browser cannot refill a file input). */
static void list_reattach(struct vctx *v)
{
	const struct city_service *cs = v->cs;
	struct voutput *out = v->out;
	out->reattach = arena_alloc(v->a, (cs->n_fields + 1) * sizeof *out->reattach);
	for (size_t i = 0; i < cs->n_fields; i++) {
		const struct field *f = cs->fields[i];
		if (f->type != FT_FILE)
			continue;
		for (size_t j = 0; j < v->in->n_files; j++)
			if (!strcmp(v->in->files[j].name, f->name)) {
				out->reattach[out->n_reattach++] = f->name;
				break;
			}
	}
}

/* Whether the citizen filled in any field of f's part of its group (a
 * later part counts only then: model struct field_group). */
static bool part_used(const struct vctx *v, const struct field *f)
{
	for (size_t i = 0; i < v->cs->n_fields; i++) {
		const struct field *g = v->cs->fields[i];
		if (g->group != f->group || g->part != f->part)
			continue;
		for (size_t j = 0; g->type == FT_FILE && j < v->in->n_files; j++)
			if (!strcmp(v->in->files[j].name, g->name))
				return true;
		const struct vin_value *iv = find_value(v->in, g->name);
		if (g->type != FT_FILE && iv &&
		    trimmed(v->a, iv->value, iv->len, true)[0])
			return true;
	}
	return false;
}

/* A group's later part belongs to the post only when it was filled in;
 * a conditional field only when its choice has one of
 * its answers (model: struct field_condition); else the relay neither
 * checks nor keeps it, whatever the page sent. */
static bool applies(const struct vctx *v, const struct field *f)
{
	if (f->group && f->part > 1 && !part_used(v, f))
		return false;
	if (!f->when)
		return true;
	const struct vin_value *iv = find_value(v->in, f->when->field);
	const char *val = iv ? trimmed(v->a, iv->value, iv->len, false) : "";
	if (!strcmp(val, "on"))         /* a checkbox's default value */
		val = "ja";
	for (size_t i = 0; i < f->when->n_values; i++)
		if (!strcmp(val, f->when->values[i]))
			return true;
	return false;
}

void validate_form(struct arena *a, const struct city_service *cs,
		   const struct vinput *in, struct voutput *out)
{
	memset(out, 0, sizeof *out);
	out->status = V_OK;
	struct vctx v = { a, cs, in, out, cs->n_fields };
	const struct vin_value *hp = find_value(in, HONEYPOT_FIELD);
	check_structure(&v);
	if (out->status == V_BAD)
		return;
	if (hp && hp->len > 0) {
		out->status = V_HONEYPOT;
		return;
	}
	out->errors = arena_alloc(a, (cs->n_fields + 1) * sizeof *out->errors);
	out->values = arena_alloc(a, (cs->n_fields + 1) * sizeof *out->values);
	struct submission *sub = arena_alloc(a, sizeof *sub);
	out->sub = sub;
	fill_identity(&v, sub);
	sub->fields = arena_alloc(a, (cs->n_fields + 1) * sizeof *sub->fields);
	sub->files = arena_alloc(a, (in->n_files + 1) * sizeof *sub->files);
	const char *email_field = cs->service->form->applicant_email_field;

	for (size_t i = 0; i < cs->n_fields; i++) {
		const struct field *f = cs->fields[i];
		bool counts = applies(&v, f);
		if (f->type == FT_FILE) {
			if (counts)
				check_files(&v, f);
			continue;
		}
		const struct vin_value *iv = find_value(in, f->name);
		bool multi = field_types[f->type].multiline;
		const char *val = iv ? trimmed(a, iv->value, iv->len, multi) : "";
		if (!counts) {          /* shown again as typed, never kept */
			if (iv && f->type != FT_CHECKBOX)
				out->values[out->n_values++] = (struct form_value){ f->name, val };
			continue;
		}
		if (f->type == FT_CHECKBOX) {
			bool ticked = iv && (!strcmp(val, "ja") || !strcmp(val, "on"));
			if (iv && !ticked && val[0])
				add_error(&v, f, "„%s“ hat einen ungültigen Wert", field_long_label(f));
			else if (f->required && !ticked)
				add_error(&v, f, "Bestätigen Sie „%s“", field_long_label(f));
			val = ticked ? "ja" : "nein";
		} else {
			if (iv)
				out->values[out->n_values++] = (struct form_value){ f->name, val };
			const char *stored = check_value(&v, f, val);
			if (!stored)
				continue;
			val = stored;
		}
		if (f->type == FT_CHECKBOX && !strcmp(val, "ja"))
			out->values[out->n_values++] = (struct form_value){ f->name, "ja" };
		/* select/radio: the office reads the label the citizen saw; the
		 * option's value goes along for exports. A date likewise: the
		 * office reads 29.02.2024, exports keep 2024-02-29. */
		const struct field_option *opt = NULL;
		if (field_types[f->type].check == VC_OPTION && val[0])
			opt = find_option(f, val);
		const char *shown = opt ? opt->label : val, *option = opt ? opt->value : "";
		char de[16];
		if (f->type == FT_DATE && de_date(val, de, sizeof de) == 0) {
			shown = arena_strdup(v.a, de);
			option = val;
		}
		sub->fields[sub->n_fields++] = (struct sub_field){ f->name, field_long_label(f),
			shown, option };
		if (email_field && !strcmp(email_field, f->name))
			sub->applicant_email = val;
	}
	if (out->n_errors) {
		out->status = V_INVALID;
		out->sub = NULL;
		list_reattach(&v);
	}
}

bool validate_accepting(const struct city_service *cs, const char *today)
{
	return cs->offered && cs->service->form && cs->n_fields > 0 &&
	       cs->recipient && cs->recipient[0] &&
	       date_in_window(today, cs->available_from, cs->available_until);
}
