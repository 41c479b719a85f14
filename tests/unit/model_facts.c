/* model_facts - every domain fact has one home (generator/model/facts.c):
 * a field type's default length and an upload type's label and default
 * size are changed in the tables at run time, and the loader, the form
 * the relay renders and the relay's validation all follow. Plus the edges
 * of is_date and is_slug, and the shared city x service table.
 * Uses tests/fixtures/content-site and themes/default from the project
 * root (tests/run starts us there). */
#include "load/catalog_load.h"
#include "model/facts.h"
#include "render/render_form.h"
#include "validate/validate.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

static void print_diags(struct diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		printf("# %s:%d:%d: %s\n", d->v[i].file, d->v[i].line, d->v[i].col,
		       d->v[i].msg);
}

static void dates(void)
{
	ok(is_date("2024-02-29") && !is_date("2026-02-29") && is_date("2000-02-29") &&
	   !is_date("1900-02-29"), "29 February only in leap years (400/100/4)");
	ok(!is_date("2026-02-31") && !is_date("2026-04-31") && is_date("2026-12-31") &&
	   !is_date("2026-00-10") && !is_date("2026-13-01") && !is_date("2026-01-00"),
	   "months and days of a real calendar");
	ok(is_date("1800-01-01") && !is_date("1799-12-31") && is_date("9999-12-31"),
	   "years from DATE_MIN_YEAR (1800)");
	ok(!is_date("2026-1-011") && !is_date("2026-01-0a") && !is_date("+026-01-01") &&
	   !is_date(" 2026-01-01") && !is_date("2026-01-01x") && !is_date("20260101") &&
	   !is_date(""), "only YYYY-MM-DD");
}

static void slugs(void)
{
	char long_slug[66];
	memset(long_slug, 'a', 65);
	long_slug[65] = '\0';
	ok(is_slug("dorsten") && is_slug("castrop-rauxel") && is_slug("a1") &&
	   is_slug("a--b"), "lower case letters, digits and '-'");
	ok(!is_slug("-dorsten") && !is_slug("dorsten-") && !is_slug("-"),
	   "no '-' at either end");
	ok(!is_slug("") && !is_slug("Dorsten") && !is_slug("dor_sten") &&
	   !is_slug("dör") && !is_slug("a b") && !is_slug("a/b"), "nothing else");
	ok(!is_slug(long_slug) && is_slug(long_slug + 1), "at most 64 bytes");
	ok(is_slug_n("abc/", 3) && !is_slug_n("abc/", 4) && !is_slug_n("a-/", 2),
	   "is_slug_n checks a prefix (relay URLs)");
}

static struct catalog *load(struct source *src, struct diags *d)
{
	struct catalog *c = catalog_load(src, "tests/fixtures/content-site", d);
	if (!c)
		print_diags(d);
	return c;
}

static bool has_error(const struct voutput *v, const char *field, const char *text)
{
	for (size_t i = 0; i < v->n_errors; i++)
		if (!strcmp(v->errors[i].field, field) && strstr(v->errors[i].message, text))
			return true;
	return false;
}

/* Renders beta/hundeanmeldung (alpha removes telefon) as the relay does and validates one post. */
static int render_and_validate(struct catalog *c, struct source *src, struct buf *page,
			       const struct vinput *in, struct voutput *v, struct arena *a)
{
	struct diags d;
	diags_init(&d);
	/* relayd's table (relay/receive/forms.c) */
	const struct city_service *cs = catalog_resolve_all(c) == 0 ?
		catalog_city_service(c, "beta", "hundeanmeldung") : NULL;
	struct renderer *r = cs ? renderer_open(c, src, NULL, &d) : NULL;
	int rc = r ? render_form_page(r, cs, NULL, page, &d) : -1;
	if (rc < 0)
		print_diags(&d);
	if (r)
		renderer_close(r);
	diags_free(&d);
	if (cs)
		validate_form(a, cs, in, v);
	return rc;
}

static void one_home(struct source *src)
{
	struct diags d;
	diags_init(&d);
	size_t old_len = field_types[FT_TEL].max_length;
	struct upload_type old_up[N_UPLOAD_TYPES];
	memcpy(old_up, upload_types, sizeof old_up);

	/* The fixture's telefon and nachweis fields give no max_length or
	 * max_size: their types' defaults apply. */
	field_types[FT_TEL].max_length = 7;
	upload_types[0].label = "Portable-Dokument";
	for (size_t i = 0; i < N_UPLOAD_TYPES; i++)
		upload_types[i].default_size = 1u << 20;

	struct catalog *c = load(src, &d);
	ok(c != NULL, "fixture catalogue loads with changed tables");
	if (!c)
		goto out;
	const struct city_service *cs = catalog_resolve_all(c) == 0 ?
		catalog_city_service(c, "beta", "hundeanmeldung") : NULL;
	const struct field *tel = cs ? cs_field(cs, "telefon") : NULL;
	const struct field *file = cs ? cs_field(cs, "nachweis") : NULL;
	ok(tel && tel->max_length == 7, "loader: telefon gets the changed default max_length");
	ok(file && file->max_size == 1u << 20, "loader: nachweis gets the changed default size");

	static unsigned char big[(1u << 20) + 10];
	memcpy(big, "%PDF-1.7", 8);
	static const unsigned char gif[] = "GIF89a....";
	struct vin_value values[] = { { "telefon", "02361 123456", 12 } };
	struct vin_file files[] = { { "nachweis", big, sizeof big } };
	struct vinput in = { values, 1, files, 1 };
	struct voutput v;
	struct arena a;
	arena_init(&a);
	struct buf page;
	buf_init(&page, 0);
	int rc = render_and_validate(c, src, &page, &in, &v, &a);
	ok(rc == 0, "render_form_page renders the form");
	ok(page.data && strstr(page.data, "name=\"telefon\" value=\"\" maxlength=\"7\""),
	   "form: telefon has maxlength=\"7\"");
	ok(page.data && strstr(page.data, "Erlaubte Dateitypen: Portable-Dokument, JPEG, PNG. "
			       "Höchstens 1 MB je Datei."),
	   "form: the file hint shows the changed label and size");
	ok(v.status == V_INVALID && has_error(&v, "telefon", "höchstens 7 Zeichen"),
	   "relay: 12 characters of telefon are too long for 7");
	ok(has_error(&v, "nachweis", "höchstens 1.0 MB"),
	   "relay: a file over the changed default size is refused");

	files[0] = (struct vin_file){ "nachweis", gif, sizeof gif - 1 };
	values[0].value = "0236";
	values[0].len = 4;
	validate_form(&a, cs, &in, &v);
	ok(has_error(&v, "nachweis", "Portable-Dokument, JPEG oder PNG") &&
	   !has_error(&v, "telefon", "Zeichen"),
	   "relay: a file of another type names the changed label");
	buf_free(&page);
	arena_free(&a);
	catalog_free(c);
out:
	field_types[FT_TEL].max_length = old_len;
	memcpy(upload_types, old_up, sizeof old_up);
	diags_free(&d);
}

/* The loader indexes cities and overrides; relayd resolves every city x
 * service once into a table (a site build resolves each page's own). */
static void shared_table(struct source *src)
{
	struct diags d;
	diags_init(&d);
	struct catalog *c = load(src, &d);
	ok(c && !c->cs && c->city_by_slug && c->ov_at,
	   "the loader indexes cities and overrides, and builds no table");
	if (!c) {
		diags_free(&d);
		return;
	}
	ok(!catalog_city_service(c, "alpha", "hundeanmeldung"), "no table: no lookup");
	ok(catalog_resolve_all(c) == 0 && c->cs, "catalog_resolve_all builds the table");
	bool same = true;
	struct arena scratch;
	arena_init(&scratch);
	for (size_t i = 0; i < c->n_cities; i++)
		for (size_t j = 0; j < c->n_services; j++) {
			struct city_service x;
			catalog_resolve_at(c, i, j, &scratch, &x);
			const struct city_service *t = catalog_cs_at(c, i, j);
			same &= x.city == t->city && x.service == t->service && x.ov == t->ov &&
				x.offered == t->offered && x.costs == t->costs &&
				x.deadlines == t->deadlines && x.note == t->note &&
				x.office == t->office && x.recipient == t->recipient &&
				x.responsible == t->responsible &&
				x.towns_responsible == t->towns_responsible &&
				x.available_from == t->available_from &&
				x.available_until == t->available_until && x.n_fields == t->n_fields &&
				(!x.n_fields || !memcmp(x.fields, t->fields, x.n_fields * sizeof *x.fields));
		}
	arena_free(&scratch);
	ok(same, "catalog_resolve_at gives what the table holds, for every city x service");
	const struct city_service *a = catalog_city_service(c, "alpha", "hundeanmeldung");
	const struct city *beta = catalog_city(c, "beta");
	const struct service *s = catalog_service(c, "geburtsurkunde");
	ok(a && a->city == catalog_city(c, "alpha") && !strcmp(a->service->slug, "hundeanmeldung"),
	   "catalog_city_service finds alpha/hundeanmeldung");
	ok(beta && s && catalog_city_service(c, "beta", "geburtsurkunde") ==
	   catalog_cs_at(c, (size_t)(beta - c->cities), (size_t)(s - c->services)),
	   "by slugs and by index: one entry");
	ok(!catalog_city_service(c, "gamma", "hundeanmeldung") &&
	   !catalog_city_service(c, "alpha", "gibt-es-nicht") &&
	   !catalog_city(c, "-alpha"), "unknown slugs give NULL");
	struct city_service *before = c->cs;
	ok(catalog_resolve_all(c) == 0 && c->cs == before, "a second catalog_resolve_all is a no-op");
	catalog_free(c);
	diags_free(&d);
}

/* Formats of text fields and the time type: the rules the page promises
 * ("Fünf Ziffern", "IBAN") and the relay checks. */
static void formats(void)
{
	char out[64];
	ok(is_plz("45964") && is_plz("01067") && !is_plz("4596") && !is_plz("459640") &&
	   !is_plz("4596a") && !is_plz(" 4596"), "is_plz: exactly five digits");
	ok(iban_normalise("DE89 3704 0044 0532 0130 00", out) &&
	   !strcmp(out, "DE89370400440532013000"), "a valid IBAN with spaces, normalised");
	ok(iban_normalise("de89370400440532013000", out), "lower case is accepted");
	ok(!iban_normalise("DE88 3704 0044 0532 0130 00", out), "a wrong check digit is refused");
	ok(!iban_normalise("DE89 3704 0044 0532 0130 0", out), "a German IBAN must have 22 characters");
	ok(iban_normalise("GB82 WEST 1234 5698 7654 32", out), "a foreign IBAN with letters passes");
	ok(!iban_normalise("DE89-3704-0044-0532-0130-00", out) && !iban_normalise("", out),
	   "other characters and the empty string are refused");
	ok(is_time("00:00") && is_time("23:59") && is_time("14:30:15"), "is_time: HH:MM and HH:MM:SS");
	ok(!is_time("24:00") && !is_time("12:60") && !is_time("7:30") && !is_time("12:30:60") &&
	   !is_time("12-30") && !is_time(""), "is_time refuses what is no time of day");
	ok(value_format_by_name("plz") == &value_formats[0] && !value_format_by_name("bic") &&
	   !strcmp(value_format_names(), "plz, iban"), "formats are found by name");
}

int main(void)
{
	dates();
	slugs();
	formats();
	ok(!strcmp(field_type_names(), "text, textarea, email, tel, date, number, "
		   "select, radio, checkbox, file, time") &&
	   !strcmp(upload_mime_list(), "application/pdf, image/jpeg, image/png"),
	   "the loader's messages list the tables");
	struct source *src = source_fs_open(".");
	ok(src != NULL, "project root opens");
	if (!src)
		return 1;
	one_home(src);
	shared_table(src);
	src->close(src);
	return tap_exit();
}
