/* catalog_load - unit tests of the content loader: a valid catalogue loads
 * and resolves; each kind of editor error is reported at its exact
 * file:line:col and the load fails. */
#include "load/catalog_load.h"
#include "model/fee.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tap.h"

static char root[512];

static void put(const char *rel, const char *text)
{
	char path[1024], dir[1024];
	snprintf(path, sizeof path, "%s/%s", root, rel);
	snprintf(dir, sizeof dir, "%s", path);
	for (char *p = strchr(dir + strlen(root) + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		mkdir(dir, 0755);
		*p = '/';
	}
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(2);
	}
}

static const char *REGION =
	"name: Serviceportal Test\n"
	"short_name: Test\n"
	"base_url: https://portal.example\n"
	"relay_url: https://relay.example/submit\n"
	"intro: Willkommen\n"
	"contact:\n"
	"  name: Kreis Test\n"
	"  address: Hauptstr. 1, 12345 Test\n"
	"  email: info@example.org\n"
	"cities: [alpha, beta]\n";

static const char *CATEGORIES =
	"categories:\n"
	"  - slug: familie\n"
	"    name: Familie und Kind\n"
	"    themenfeld: familie_kind\n"
	"    description: Geburt\n"
	"    lebenslagen:\n"
	"      - { slug: geburt, name: Geburt }\n"
	"  - slug: ordnung\n"
	"    name: Recht und Ordnung\n"
	"    themenfeld: recht_ordnung\n"
	"    description: Hunde\n";

static const char *SERVICE =
	"title: Hund anmelden\n"
	"category: ordnung\n"
	"summary: Melden Sie Ihren Hund an.\n"
	"description: |\n"
	"  Text *mit* Markdown.\n"
	"costs: keine\n"
	"office: steueramt\n"
	"form:\n"
	"  applicant_email: email\n"
	"  fields:\n"
	"    - { name: name, label: Name, type: text, required: true }\n"
	"    - { name: email, label: E-Mail, type: email }\n"
	"    - name: rasse\n"
	"      label: Rasse\n"
	"      type: select\n"
	"      options: [Mischling, { value: lab, label: Labrador }]\n"
	"    - { name: nachweis, label: Nachweis, type: file, accept: [application/pdf] }\n";

static const char *CITY_A =
	"name: Alpha\n"
	"kind: Stadt\n"
	"website: https://alpha.example\n"
	"ref_prefix: ALP\n"
	"contact: { address: Markt 1 }\n"
	"offices:\n"
	"  steueramt: { name: Steueramt Alpha, address: Markt 1, recipient: steuer@alpha.example }\n";

static const char *CITY_B =
	"name: Beta\n"
	"kind: Stadt\n"
	"website: https://beta.example\n"
	"ref_prefix: BET\n"
	"contact: { address: Markt 2 }\n"
	"offices:\n"
	"  steueramt: { name: Steueramt Beta, address: Markt 2, recipient: steuer@beta.example }\n";

static const char *OVERRIDE_B =
	"costs: 10 Euro\n"
	"remove_fields: [rasse]\n"
	"add_fields:\n"
	"  - { name: chip, label: Chipnummer, type: text, max_length: 15 }\n";

static void write_valid(void)
{
	put("content/region.yml", REGION);
	put("content/categories.yml", CATEGORIES);
	put("content/links.yml", "links:\n  - { title: Elster, url: https://www.elster.de, level: Bund, "
				 "category: ordnung, provider: BMF, description: Steuern }\n");
	put("content/services/hundeanmeldung.yml", SERVICE);
	put("content/cities/alpha/city.yml", CITY_A);
	put("content/cities/beta/city.yml", CITY_B);
	put("content/cities/beta/hundeanmeldung.yml", OVERRIDE_B);
}

static struct catalog *load(struct diags *d)
{
	struct source *s = source_fs_open(root);
	diags_init(d);
	struct catalog *c = catalog_load(s, "content", d);
	s->close(s);
	return c;
}

/* Load and expect exactly one failure whose text starts with want_pos
 * ("content/x.yml:3:5: ") and contains want_msg. */
static void expect_error(const char *what, const char *want_pos, const char *want_msg)
{
	struct diags d;
	struct catalog *c = load(&d);
	int found = 0;
	char line[1400];
	for (size_t i = 0; i < d.n; i++) {
		snprintf(line, sizeof line, "%s:%d:%d: %s", d.v[i].file, d.v[i].line, d.v[i].col,
			 d.v[i].msg);
		if (strncmp(line, want_pos, strlen(want_pos)) == 0 && strstr(line, want_msg))
			found = 1;
	}
	ok(c == NULL && found, "%s", what);
	if (!found) {
		printf("# wanted %s...%s; got:\n", want_pos, want_msg);
		diags_print(&d, stdout);
	}
	catalog_free(c);
	diags_free(&d);
	write_valid();
}

/* fee: (model/fee.h) on a service with a count and an exemption, and a
 * city's own; the computation the service page and the relay share. */
static const char *FEE_SERVICE =
	"title: Urkunde\n"
	"category: familie\n"
	"summary: s\n"
	"description: d\n"
	"costs: 15 Euro\n"
	"office: steueramt\n"
	"form:\n"
	"  fields:\n"
	"    - { name: anzahl, label: Anzahl, type: number, min: 1, max: 10 }\n"
	"    - name: zweck\n"
	"      label: Zweck\n"
	"      type: select\n"
	"      options: [{ value: rente, label: Rente }, { value: sonst, label: Sonstiges }]\n"
	"fee:\n"
	"  amount: 1500\n"
	"  per: anzahl\n"
	"  unit: Urkunde\n"
	"  further: 750\n"
	"  free_when: { field: zweck, is: rente }\n"
	"  deliver: after_payment\n";

struct answers { const char *anzahl, *zweck; };
static const char *answer(void *ctx, const char *field)
{
	const struct answers *a = ctx;
	return strcmp(field, "anzahl") == 0 ? a->anzahl : strcmp(field, "zweck") == 0 ? a->zweck : NULL;
}

static void fee_tests(void)
{
	char p[1024];
	put("content/services/urkunde.yml", FEE_SERVICE);
	put("content/cities/beta/urkunde.yml", "fee: { amount: 1200, deliver: immediately }\n");
	struct diags d;
	struct catalog *c = load(&d);
	ok(c && d.n == 0, "a service with fee: loads");
	if (!c) {
		diags_print(&d, stdout);
		diags_free(&d);
		return;
	}
	diags_free(&d);
	struct city_service a, b;
	catalog_resolve(c, &c->cities[0], catalog_service(c, "urkunde"), &a);
	catalog_resolve(c, &c->cities[1], catalog_service(c, "urkunde"), &b);
	ok(a.fee && a.fee->amount == 1500 && a.fee->further == 750 && a.fee->deliver == FEE_AFTER_PAYMENT,
	   "the service's fee: 1500, further 750, after_payment");
	ok(b.fee && b.fee->amount == 1200 && !b.fee->per && b.fee->deliver == FEE_IMMEDIATELY,
	   "a city's fee: replaces the service's");
	struct answers two = { "2", "sonst" }, one = { "1", "sonst" }, rente = { "3", "rente" },
		       bad = { "2.0", "sonst" }, none = { NULL, NULL }, big = { "100", "sonst" };
	ok(fee_amount(a.fee, answer, &two) == 2250, "2 copies: 15,00 + 7,50 = 2250 cents");
	ok(fee_amount(a.fee, answer, &one) == 1500, "1 copy: 1500 cents");
	ok(fee_amount(a.fee, answer, &rente) == 0, "the exemption's answer: 0");
	ok(fee_amount(a.fee, answer, &bad) == -1 && fee_amount(a.fee, answer, &none) == -1 &&
	   fee_amount(a.fee, answer, &big) == -1, "a count that is not 1 to 99: -1");
	ok(fee_amount(b.fee, answer, &none) == 1200, "a flat fee needs no answers");
	char t[128];
	ok(fee_describe(a.fee, t, sizeof t) == 0 &&
	   strcmp(t, "15,00 \u20ac je Urkunde, jede weitere 7,50 \u20ac") == 0, "described: %s", t);
	ok(fee_describe(a.fee, t, 8) == -1, "a short buffer is refused, not cut");
	ok(fee_euros(123456, t, sizeof t) == 0 && strcmp(t, "1.234,56 \u20ac") == 0, "thousands: %s", t);
	catalog_free(c);

	put("content/cities/beta/urkunde.yml", "fee: { amount: 1200, deliver: sofort }\n");
	expect_error("fee: deliver must be after_payment or immediately",
		     "content/cities/beta/urkunde.yml:1:31: ", "'deliver' must be");
	put("content/services/urkunde.yml", FEE_SERVICE);
	put("content/cities/beta/urkunde.yml", "fee: { amount: 1200, free_when: { field: x, is: y } }\n");
	expect_error("fee: a city's exemption names a field its form does not have",
		     "content/cities/beta/urkunde.yml:1:6: ", "no field 'x'");
	put("content/services/urkunde.yml", FEE_SERVICE);
	put("content/cities/beta/urkunde.yml", "fee: { amount: 1200, per: zweck, unit: U }\n");
	expect_error("fee: per must be a number field",
		     "content/cities/beta/urkunde.yml:1:6: ", "no number field 'zweck'");
	put("content/services/urkunde.yml", FEE_SERVICE);
	put("content/cities/beta/urkunde.yml", "fee: { per: anzahl, unit: U }\n");
	expect_error("fee: amount is required", "content/cities/beta/urkunde.yml:1:6: ",
		     "needs 'amount'");
	put("content/services/urkunde.yml", FEE_SERVICE);
	put("content/cities/beta/urkunde.yml", "fee: { amount: -5 }\n");
	expect_error("fee: amount is whole cents", "content/cities/beta/urkunde.yml:1:16: ",
		     "'amount' must be");
	const char *gone[] = { "content/services/urkunde.yml", "content/cities/beta/urkunde.yml" };
	for (size_t i = 0; i < 2; i++) {
		snprintf(p, sizeof p, "%s/%s", root, gone[i]);
		unlink(p);
	}
}

/* The diagnostics of d, sorted, as one text. */
static char *diag_text(struct diags *d)
{
	diags_sort(d);
	size_t cap = 256 + d->n * 1400, len = 0;
	char *t = malloc(cap);
	t[0] = '\0';
	for (size_t i = 0; i < d->n; i++)
		len += (size_t)snprintf(t + len, cap - len, "%s:%d:%d: %s\n", d->v[i].file,
					d->v[i].line, d->v[i].col, d->v[i].msg);
	return t;
}

/* Services loaded on several threads (catalog_load_cached's threads):
 * the same catalogue and the same diagnostics as on one. */
static void threads_tests(void)
{
	char rel[1024], text[512];
	enum { N = 200 };
	for (int i = 0; i < N; i++) {
		snprintf(rel, sizeof rel, "content/services/svc-%03d.yml", i);
		snprintf(text, sizeof text, "title: Leistung %d\ncategory: ordnung\nsummary: S %d\n"
			 "description: D\ncosts: keine\noffice: steueramt\n", i, i);
		put(rel, text);
	}
	struct source *s = source_fs_open(root);
	struct diags d1, d4;
	diags_init(&d1);
	diags_init(&d4);
	struct catalog *c1 = catalog_load(s, "content", &d1);
	struct catalog *c4 = catalog_load_cached(s, "content", NULL, 4, &d4);
	bool same = c1 && c4 && c1->n_services == N + 1 && c4->n_services == N + 1;
	for (size_t i = 0; same && i < c1->n_services; i++)
		same = strcmp(c1->services[i].slug, c4->services[i].slug) == 0 &&
		       strcmp(c1->services[i].title, c4->services[i].title) == 0 &&
		       strcmp(c1->services[i].summary, c4->services[i].summary) == 0 &&
		       c1->services[i].pos.line == c4->services[i].pos.line &&
		       strcmp(c1->services[i].pos.file, c4->services[i].pos.file) == 0;
	ok(same && d1.n == 0 && d4.n == 0, "%d services on 4 threads: the same catalogue as on one", N);
	catalog_free(c1);
	catalog_free(c4);
	diags_free(&d1);
	diags_free(&d4);

	/* errors in the first, a middle and the last share, a bad file name */
	put("content/services/svc-003.yml", "title: [eine, liste]\ncategory: ordnung\n");
	put("content/services/svc-100.yml", "title: T\nleika: 123\ncategory: nirgends\n");
	put("content/services/svc-199.yml", "title: \"offen\n");
	put("content/services/Svc_X.yml", "title: x\n");
	diags_init(&d1);
	diags_init(&d4);
	c1 = catalog_load(s, "content", &d1);
	c4 = catalog_load_cached(s, "content", NULL, 4, &d4);
	char *t1 = diag_text(&d1), *t4 = diag_text(&d4);
	ok(!c1 && !c4 && d1.n >= 8 && strcmp(t1, t4) == 0 && strstr(t4, "svc-003.yml:1:8: ") &&
	   strstr(t4, "svc-100.yml:2:8: ") && strstr(t4, "svc-199.yml:") && strstr(t4, "Svc_X.yml"),
	   "errors in several shares: the same %zu diagnostics on 4 threads as on one", d4.n);
	if (strcmp(t1, t4) != 0)
		printf("# one thread:\n%s# four:\n%s", t1, t4);
	free(t1);
	free(t4);
	diags_free(&d1);
	diags_free(&d4);
	s->close(s);
	for (int i = 0; i < N; i++) {
		snprintf(rel, sizeof rel, "%s/content/services/svc-%03d.yml", root, i);
		unlink(rel);
	}
	snprintf(rel, sizeof rel, "%s/content/services/Svc_X.yml", root);
	unlink(rel);
}

int main(void)
{
	const char *tmp = getenv("TEST_TMP");
	snprintf(root, sizeof root, "%s/catalog_load.%ld", tmp ? tmp : "/tmp", (long)getpid());
	mkdir(root, 0755);
	write_valid();

	struct diags d;
	struct catalog *c = load(&d);
	ok(c != NULL && d.n == 0, "a valid catalogue loads without errors");
	if (!c) {
		diags_print(&d, stdout);
		return 1;
	}
	diags_free(&d);
	ok(c->n_cities == 2 && strcmp(c->cities[0].slug, "alpha") == 0, "cities in region order");
	ok(c->n_services == 1 && c->services[0].form && c->services[0].form->n_fields == 4,
	   "service with a four-field form");
	const struct field *sel = &c->services[0].form->fields[2];
	ok(sel->type == FT_SELECT && sel->n_options == 2 && strcmp(sel->options[1].value, "lab") == 0 &&
	   strcmp(sel->options[0].label, "Mischling") == 0, "select options: text and {value,label}");
	ok(c->services[0].form->fields[3].max_size == 5u << 20 &&
	   c->services[0].form->fields[3].max_files == 1, "file field defaults 5 MiB, 1 file");
	struct city_service a, b;
	catalog_resolve(c, &c->cities[0], &c->services[0], &a);
	catalog_resolve(c, &c->cities[1], &c->services[0], &b);
	ok(strcmp(a.costs, "keine") == 0 && strcmp(b.costs, "10 Euro") == 0, "override replaces costs");
	ok(a.n_fields == 4 && b.n_fields == 4 && !cs_field(&b, "rasse") && cs_field(&b, "chip"),
	   "override removes and adds fields");
	ok(strcmp(b.recipient, "steuer@beta.example") == 0, "recipient from the city's office");
	ok(cs_field(&b, "chip")->max_length == 15 && cs_field(&a, "name")->max_length == 200,
	   "max_length given and defaulted");
	catalog_free(c);

	/* "hund-x.yml" sorts before "hund.yml" as a file name, "hund" before
	 * "hund-x" as a slug: lookups must still find both. */
	{
		char other[2048];
		snprintf(other, sizeof other, "%s", SERVICE);
		put("content/services/hund.yml", other);
		put("content/services/hund-x.yml", other);
		put("content/cities/alpha/hund-x.yml", "costs: 1 Euro\n");
		struct diags d3;
		struct catalog *c3 = load(&d3);
		ok(c3 && catalog_service(c3, "hund") && catalog_service(c3, "hund-x") &&
		   catalog_service(c3, "hundeanmeldung") && !catalog_service(c3, "hun"),
		   "services are found by slug whatever the file name order");
		catalog_free(c3);
		diags_free(&d3);
		char p1[1024];
		const char *gone[] = { "content/services/hund.yml", "content/services/hund-x.yml",
				       "content/cities/alpha/hund-x.yml" };
		for (size_t i = 0; i < 3; i++) {
			snprintf(p1, sizeof p1, "%s/%s", root, gone[i]);
			unlink(p1);
		}
	}

	/* A city's added fields go where the catalogue places them: after the
	 * field 'after' names, else before the closing declarations. */
	{
		static const char zaun[] =
			"title: Zaun\ncategory: ordnung\nsummary: s\ndescription: d\ncosts: c\n"
			"office: steueramt\nform:\n  fields:\n"
			"    - { name: name, label: Name, type: text }\n"
			"    - { name: ort, label: Ort, type: text }\n"
			"    - { name: wahr, label: Ich versichere, type: checkbox, required: true }\n";
		put("content/services/zaun.yml", zaun);
		put("content/cities/alpha/zaun.yml", "add_fields:\n"
		    "  - { name: chip, label: Chip, type: text }\n"
		    "  - { name: farbe, label: Farbe, type: text, after: name }\n");
		struct diags d4;
		struct catalog *c4 = load(&d4);
		struct city_service z;
		const char *order = "";
		char got[256] = "";
		if (c4 && catalog_resolve(c4, &c4->cities[0], catalog_service(c4, "zaun"), &z) == 0) {
			for (size_t i = 0; i < z.n_fields; i++)
				snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s",
					 i ? "," : "", z.fields[i]->name);
			order = got;
		}
		ok(!strcmp(order, "name,farbe,ort,chip,wahr"),
		   "added fields: after 'name', and before the closing declaration (%s)", order);
		catalog_free(c4);
		diags_free(&d4);
		put("content/cities/alpha/zaun.yml", "add_fields:\n"
		    "  - { name: chip, label: Chip, type: text, after: gibtsnicht }\n");
		expect_error("'after' naming no field", "content/cities/alpha/zaun.yml:2:5: ",
			     "add_fields: 'after: gibtsnicht' names no field of 'zaun'");
		put("content/cities/alpha/zaun.yml", "remove_fields: [ort]\nadd_fields:\n"
		    "  - { name: chip, label: Chip, type: text, after: ort }\n");
		expect_error("'after' naming a removed field", "content/cities/alpha/zaun.yml:3:5: ",
			     "names no field of 'zaun' that this city keeps");
		char p2[1024];
		snprintf(p2, sizeof p2, "%s/content/cities/alpha/zaun.yml", root);
		unlink(p2);
		put("content/services/zaun.yml", "title: Zaun\ncategory: ordnung\nsummary: s\n"
		    "description: d\ncosts: c\noffice: steueramt\nform:\n  fields:\n"
		    "    - { name: name, label: Name, type: text, after: name }\n");
		expect_error("'after' in a shared form", "content/services/zaun.yml:9:7: ",
			     "'after' places a city's added field");
		snprintf(p2, sizeof p2, "%s/content/services/zaun.yml", root);
		unlink(p2);
	}

	/* responsible: who offers a service instead of the city */
	{
		put("content/cities/alpha/hundeanmeldung.yml",
		    "offered: false\nresponsible: beta\n");
		struct diags d5;
		struct catalog *c5 = load(&d5);
		struct city_service rs;
		ok(c5 && catalog_resolve(c5, &c5->cities[0], &c5->services[0], &rs) == 0 &&
		   !rs.offered && rs.responsible == &c5->cities[1],
		   "responsible: the other city that offers it");
		catalog_free(c5);
		diags_free(&d5);
		put("content/cities/alpha/hundeanmeldung.yml", "responsible: beta\n");
		expect_error("responsible without offered: false",
			     "content/cities/alpha/hundeanmeldung.yml:1:14: ",
			     "'responsible' names who offers a service instead of this city");
		put("content/cities/alpha/hundeanmeldung.yml",
		    "offered: false\nresponsible: gamma\n");
		expect_error("responsible naming no city", "content/cities/alpha/hundeanmeldung.yml:1:1: ",
			     "responsible: 'gamma' is no other city of the region");
		put("content/cities/alpha/hundeanmeldung.yml",
		    "offered: false\nresponsible: staedte\n");
		expect_error("responsible: staedte on a town", "content/cities/alpha/hundeanmeldung.yml:1:1: ",
			     "responsible: 'staedte' (its towns) is only for a Kreis, and alpha is none");
		char p3[1024];
		snprintf(p3, sizeof p3, "%s/content/cities/alpha/hundeanmeldung.yml", root);
		unlink(p3);
	}

	put("content/services/hundeanmeldung.yml", "title: [unclosed\n");
	expect_error("invalid YAML reported with position", "content/services/hundeanmeldung.yml:2:1: ",
		     "invalid YAML");

	put("content/services/hundeanmeldung.yml",
	    "title: Hund\ncategory: tiere\nsummary: s\ndescription: d\ncosts: c\noffice: steueramt\n");
	expect_error("unknown category", "content/services/hundeanmeldung.yml:1:1: ",
		     "unknown category 'tiere'");

	char dup[2048];
	snprintf(dup, sizeof dup, "%s  - slug: familie\n    name: X\n    themenfeld: bildung\n"
		 "    description: d\n", CATEGORIES);
	put("content/categories.yml", dup);
	expect_error("duplicate slug", "content/categories.yml:12:11: ", "duplicate slug 'familie'");

	put("content/services/hundeanmeldung.yml",
	    "title: Hund\ncategory: ordnung\ndescription: d\ncosts: c\noffice: steueramt\n");
	expect_error("missing required field", "content/services/hundeanmeldung.yml:1:1: ",
		     "missing required key 'summary'");

	put("content/cities/alpha/ausweis.yml", "costs: 5 Euro\n");
	expect_error("override of a service that does not exist", "content/cities/alpha/ausweis.yml:1:1: ",
		     "override for service 'ausweis' of city 'alpha', but that service does not exist");
	{
		char p[1024];
		snprintf(p, sizeof p, "%s/content/cities/alpha/ausweis.yml", root);
		unlink(p);
	}

	char typo[2048];
	snprintf(typo, sizeof typo, "%s    - { name: x, label: X, type: text, requird: true }\n", SERVICE);
	put("content/services/hundeanmeldung.yml", typo);
	expect_error("unknown key (typo)", "content/services/hundeanmeldung.yml:18:40: ",
		     "unknown key 'requird'");

	put("content/cities/beta/hundeanmeldung.yml", "remove_fields: [farbe]\n");
	expect_error("removing a field that does not exist", "content/cities/beta/hundeanmeldung.yml:1:1: ",
		     "has no field 'farbe'");

	put("content/cities/beta/hundeanmeldung.yml", "remove_fields: [email]\n");
	expect_error("removing the applicant's email field", "content/cities/beta/hundeanmeldung.yml:1:1: ",
		     "'email' is the applicant's email field");

	put("content/cities/beta/hundeanmeldung.yml", "office: standesamt\n");
	expect_error("office role the city does not have", "content/cities/beta/hundeanmeldung.yml:1:1: ",
		     "no office 'standesamt'");

	snprintf(typo, sizeof typo, "%s    - { name: y, label: Y, type: slider }\n", SERVICE);
	put("content/services/hundeanmeldung.yml", typo);
	expect_error("unknown field type", "content/services/hundeanmeldung.yml:18:34: ",
		     "unknown field type 'slider'");

	put("content/region.yml", "name: &a x\n");
	expect_error("YAML anchors refused", "content/region.yml:1:7: ", "anchors");

	/* when: a conditional field refers to an earlier choice and its answer. */
	{
		char svc[4096];
		snprintf(svc, sizeof svc, "%s%s", SERVICE,
			 "    - { name: gross, label: Groß, type: checkbox }\n"
			 "    - { name: mikrochip, label: Mikrochip, type: text, when: { field: gross, is: ja } }\n");
		put("content/services/hundeanmeldung.yml", svc);
		struct diags d5;
		struct catalog *c5 = load(&d5);
		struct city_service cs5;
		if (c5)
			catalog_resolve_at(c5, 0, 0, &c5->arena, &cs5);
		const struct field *chip = c5 ? cs_field(&cs5, "mikrochip") : NULL;
		ok(chip && chip->when && !strcmp(chip->when->field, "gross") &&
		   chip->when->n_values == 1 && !strcmp(chip->when->values[0], "ja"),
		   "when: a field for a ticked checkbox loads");
		catalog_free(c5);
		diags_free(&d5);
		static const struct { const char *line, *msg, *what; } bad[] = {
			{ "    - { name: x, label: X, type: text, when: { field: email, is: a } }\n",
			  "needs a radio, select or checkbox field; 'email' is email",
			  "when: naming a text field is refused" },
			{ "    - { name: x, label: X, type: text, when: { field: rasse, is: pudel } }\n",
			  "'rasse' has no answer 'pudel'", "when: an answer the choice lacks is refused" },
			{ "    - { name: x, label: X, type: text, when: { field: rasse, is: lab } }\n",
			  "'when' names field 'rasse', which does not come before 'x'",
			  "when: a choice a city removes (beta: remove_fields rasse) is refused" },
			{ "    - { name: x, label: X, type: text, when: { field: y, is: a } }\n"
			  "    - { name: y, label: Y, type: checkbox }\n",
			  "'when' names field 'y', which does not come before 'x'",
			  "when: a later field is refused" },
			{ "    - { name: z, label: Z, type: radio, options: [{ value: a, label: A, service: nix }] }\n",
			  "no service 'nix'", "an option leading to an unknown service is refused" },
		};
		for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
			snprintf(svc, sizeof svc, "%s%s", SERVICE, bad[i].line);
			put("content/services/hundeanmeldung.yml", svc);
			expect_error(bad[i].what, "content/services/hundeanmeldung.yml:", bad[i].msg);
		}
	}

	/* group: a repeatable group of fields (several dogs in one form). */
	{
		char svc[4096];
		snprintf(svc, sizeof svc, "%s%s", SERVICE,
			 "    - group: hunde\n"
			 "      legend: Hund\n"
			 "      max: 3\n"
			 "      add_label: Weiteren Hund hinzufügen\n"
			 "      fields:\n"
			 "        - { name: hname, label: Name, type: text, required: true }\n"
			 "        - { name: art, label: Art, type: radio, options: [a, b] }\n"
			 "        - { name: grund, label: Grund, type: text, when: { field: art, is: b } }\n");
		put("content/services/hundeanmeldung.yml", svc);
		struct diags d5;
		struct catalog *c5 = load(&d5);
		struct city_service cs5;
		if (c5)
			catalog_resolve_at(c5, 0, 0, &c5->arena, &cs5);
		const struct field *h1 = c5 ? cs_field(&cs5, "hname") : NULL;
		const struct field *h3 = c5 ? cs_field(&cs5, "hname_3") : NULL;
		const struct field *g2 = c5 ? cs_field(&cs5, "grund_2") : NULL;
		ok(h1 && h3 && g2 && h1->group && h1->group == h3->group &&
		   h1->part == 1 && h3->part == 3 && h3->required &&
		   h1->group->max == 3 && h1->group->n_fields == 3 &&
		   !strcmp(field_long_label(h3), "3. Hund: Name") &&
		   !strcmp(g2->when->field, "art_2") &&
		   !strcmp(cs_field(&cs5, "grund")->when->field, "art") &&
		   !cs_field(&cs5, "hname_4") && !strcmp(h1->group->hint[0] ? "x" : "", "x"),
		   "group: the fields repeat as parts, later names get _k, a when: "
		   "inside the group follows its own part");
		if (!c5)
			diags_print(&d5, stdout);
		catalog_free(c5);
		diags_free(&d5);
		static const struct { const char *text, *msg, *what; } bad[] = {
			{ "    - { group: g, legend: G, add_label: A, fields: [{ name: a, label: A, type: text }] }\n",
			  "a group needs 'max'", "group: without max is refused" },
			{ "    - { group: g, legend: G, max: 11, add_label: A, fields: [{ name: a, label: A, type: text }] }\n",
			  "from 0 to 10", "group: max above 10 is refused" },
			{ "    - { group: g, legend: G, max: 2, add_label: A, fields: [{ group: h, legend: H, max: 2, add_label: B, fields: [] }] }\n",
			  "a group cannot hold another group", "group: a group in a group is refused" },
			{ "    - { name: a_2, label: A, type: text }\n"
			  "    - { group: g, legend: G, max: 2, add_label: A, fields: [{ name: a, label: A, type: text }] }\n",
			  "duplicate field name 'a_2'", "group: a repeated name that exists is refused" },
			{ "    - { group: g, legend: G, max: 2, fields: [{ name: a, label: A, type: text }] }\n",
			  "missing required key 'add_label'", "group: without add_label is refused" },
		};
		for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
			snprintf(svc, sizeof svc, "%s%s", SERVICE, bad[i].text);
			put("content/services/hundeanmeldung.yml", svc);
			expect_error(bad[i].what, "content/services/hundeanmeldung.yml:", bad[i].msg);
		}
		put("content/services/hundeanmeldung.yml", SERVICE);
		put("content/cities/alpha/hundeanmeldung.yml",
		    "add_fields:\n  - { group: g, legend: G, max: 2, add_label: A, fields: [{ name: q, label: Q, type: text }] }\n");
		expect_error("group: not in a city's add_fields", "content/cities/alpha/hundeanmeldung.yml:",
			     "only possible in a service's form");
		char p[1024];
		snprintf(p, sizeof p, "%s/content/cities/alpha/hundeanmeldung.yml", root);
		unlink(p);
	}

	/* postcodes: five digits, each once. */
	{
		char city[2048];
		snprintf(city, sizeof city, "%spostcodes: [12345, 4628]\n", CITY_A);
		put("content/cities/alpha/city.yml", city);
		expect_error("a postcode of four digits is refused", "content/cities/alpha/city.yml:",
			     "postcode '4628' must be five digits");
		snprintf(city, sizeof city, "%spostcodes: [12345, 12345]\n", CITY_A);
		put("content/cities/alpha/city.yml", city);
		expect_error("a postcode listed twice is refused", "content/cities/alpha/city.yml:",
			     "listed twice");
	}

	/* privacy_officer: the officer's contact only with its source (https)
	 * and the date checked; districts: the Ortsteile, each once (folded). */
	{
		char city[2048];
		static const char *const PO =
			"privacy_officer:\n"                      /* line 8 */
			"  name: Stadt Alpha, Datenschutzbeauftragte\n"
			"  address: Markt 1, 12345 Alpha\n"        /* line 10 */
			"  phone: 01234 99-77\n"
			"  email: datenschutz@alpha.example\n"      /* line 12 */
			"  source: https://alpha.example/datenschutz\n"
			"  checked: 2026-12-03\n"                   /* line 14 */
			"districts: [Südfeld, Groß Ufer]\n";
		snprintf(city, sizeof city, "%s%s", CITY_A, PO);
		put("content/cities/alpha/city.yml", city);
		struct diags d5;
		struct catalog *c5 = load(&d5);
		const struct city *al = c5 ? catalog_city(c5, "alpha") : NULL;
		const struct privacy_officer *po = al ? al->privacy_officer : NULL;
		ok(po && !strcmp(po->email, "datenschutz@alpha.example") &&
		   !strcmp(po->source, "https://alpha.example/datenschutz") &&
		   !strcmp(po->checked, "2026-12-03") && !strcmp(po->phone, "01234 99-77") &&
		   po->caveat && !*po->caveat &&
		   po->pos.line == 9 && al->n_districts == 2 &&
		   !strcmp(al->districts[0], "Südfeld") &&
		   catalog_city(c5, "beta")->privacy_officer == NULL &&
		   catalog_city(c5, "beta")->n_districts == 0,
		   "privacy_officer and districts load; both are optional");
		if (!c5)
			diags_print(&d5, stdout);
		catalog_free(c5);
		diags_free(&d5);
		static const struct { const char *from, *to, *pos, *msg, *what; } bad[] = {
			{ "https://alpha.example/datenschutz", "http://alpha.example/datenschutz",
			  ":13:11: ", "'source' must be the https:// address",
			  "privacy_officer: a source that is not https is refused" },
			{ "  source: https://alpha.example/datenschutz\n", "",
			  ":9:3: ", "missing required key 'source'",
			  "privacy_officer: no source, no officer" },
			{ "datenschutz@alpha.example", "datenschutz at alpha",
			  ":12:10: ", "'email' must be one email address",
			  "privacy_officer: an email without @ is refused" },
			{ "2026-12-03", "3.12.2026", ":14:12: ", "'checked' must be a date",
			  "privacy_officer: checked must be a date" },
			{ "  email:", "  emial:", ":12:3: ", "emial",
			  "privacy_officer: a misspelt key is refused" },
			{ "  name: Stadt Alpha, Datenschutzbeauftragte\n", "  name: [a, b]\n",
			  ":9:9: ", "'name'", "privacy_officer: a list where text belongs is refused" },
			{ "  address: Markt 1, 12345 Alpha\n  phone: 01234 99-77\n"
			  "  email: datenschutz@alpha.example\n", "",
			  ":9:3: ", "needs a way to reach the officer",
			  "privacy_officer: without address, phone or email it is refused" },
			{ "privacy_officer:\n", "privacy_officer: Stadt Alpha\nx:\n",
			  ":8:18: ", "'privacy_officer' must be a mapping",
			  "privacy_officer must be a mapping" },
			{ "[Südfeld, Groß Ufer]", "[Südfeld, Suedfeld]", ":15:22: ",
			  "district 'Suedfeld' is listed twice (as 'Südfeld')",
			  "districts: a name listed twice (folded: ü = ue) is refused" },
			{ "[Südfeld, Groß Ufer]", "[Südfeld, \"--\"]", ":15:22: ",
			  "has no letters or digits", "districts: a name without letters is refused" },
			{ "[Südfeld, Groß Ufer]", "{ a: b }", ":15:12: ", "districts must be a list",
			  "districts: a mapping where a list belongs is refused" },
		};
		for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
			char po_bad[1024], want[128];
			const char *at = strstr(PO, bad[i].from);
			snprintf(po_bad, sizeof po_bad, "%.*s%s%s", (int)(at - PO), PO, bad[i].to,
				 at + strlen(bad[i].from));
			snprintf(city, sizeof city, "%s%s", CITY_A, po_bad);
			put("content/cities/alpha/city.yml", city);
			snprintf(want, sizeof want, "content/cities/alpha/city.yml%s", bad[i].pos);
			expect_error(bad[i].what, want, bad[i].msg);
		}
		put("content/cities/alpha/city.yml", CITY_A);
	}

	/* search.yml: optional; words stored folded, one word each. */
	put("content/search.yml", "stopwords: [Für]\nsynonyms:\n  - [Auto, KFZ, Straße]\n");
	{
		struct diags d4;
		struct catalog *c4 = load(&d4);
		ok(c4 && c4->n_synonyms == 1 && c4->synonyms[0].n == 3 &&
		   !strcmp(c4->synonyms[0].words[1], "kfz") &&
		   !strcmp(c4->synonyms[0].words[2], "strasse") && c4->n_stopwords == 1 &&
		   !strcmp(c4->stopwords[0], "fuer"), "search.yml: words are stored folded");
		catalog_free(c4);
		diags_free(&d4);
	}
	put("content/search.yml", "synonyms:\n  - [auto, Kfz-Zulassung]\n");
	expect_error("a synonym of two words is refused", "content/search.yml:2:12: ",
		     "must be one word");
	put("content/search.yml", "synonyms:\n  - [auto]\n");
	expect_error("a synonym group of one word is refused", "content/search.yml:2:5: ",
		     "at least two words");
	put("content/search.yml", "synonym:\n  - [auto, kfz]\n");
	expect_error("a misspelt key in search.yml is refused", "content/search.yml:1:1: ",
		     "synonym");
	{
		char p4[1024];
		snprintf(p4, sizeof p4, "%s/content/search.yml", root);
		unlink(p4);
	}

	fee_tests();

	/* Several errors in one run are all reported. */
	put("content/services/hundeanmeldung.yml",
	    "title: Hund\ncategory: tiere\nsummary: s\ndescription: d\ncosts: c\n");
	put("content/cities/alpha/city.yml", "name: Alpha\n");
	{
		struct diags d2;
		struct catalog *c2 = load(&d2);
		ok(c2 == NULL && d2.n >= 4, "all errors of one run are reported");
		catalog_free(c2);
		diags_free(&d2);
	}
	write_valid();
	threads_tests();
	return tap_exit();
}
