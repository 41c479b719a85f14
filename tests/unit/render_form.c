/* render_form - the relay's pages rendered with the site's theme: the
 * form shown again with errors (GOV.UK pattern: "Fehler: " title, error
 * summary linking to each field, message at the field, aria-invalid, the
 * citizen's input kept and escaped), the confirmation page and the error
 * page, all with absolute links; and two threads sharing one renderer.
 * Uses tests/fixtures/content-site and themes/default from the project
 * root (tests/run starts us there). */
#include "load/catalog_load.h"
#include "render/render_form.h"
#include "render/render_inbox.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tap.h"

static int has(const struct buf *b, const char *s)
{
	return b->data && strstr(b->data, s) != NULL;
}

static void print_diags(struct diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		printf("# %s:%d:%d: %s\n", d->v[i].file, d->v[i].line, d->v[i].col,
		       d->v[i].msg);
}

struct shared {
	struct renderer *r;
	const struct city_service *cs;
	const struct form_state *st;
	int bad;
};

static void *render_many(void *arg)
{
	struct shared *s = arg;
	struct buf out;
	struct diags d;
	buf_init(&out, 0);
	diags_init(&d);
	for (int i = 0; i < 200; i++)
		if (render_form_page(s->r, s->cs, s->st, &out, &d) < 0 ||
		    !has(&out, "Es gibt ein Problem"))
			s->bad++;
	buf_free(&out);
	diags_free(&d);
	return NULL;
}

int main(void)
{
	struct diags d;
	diags_init(&d);
	struct source *src = source_fs_open(".");
	struct catalog *c = src ? catalog_load(src, "tests/fixtures/content-site", &d) : NULL;
	ok(c != NULL, "fixture catalogue loads");
	if (!c) {
		print_diags(&d);
		return 1;
	}
	struct renderer *r = renderer_open(c, src, NULL, &d);
	ok(r != NULL, "renderer_open compiles the theme");
	if (!r) {
		print_diags(&d);
		return 1;
	}
	struct city_service cs;
	ok(catalog_resolve(c, catalog_city(c, "alpha"),
			   catalog_service(c, "hundeanmeldung"), &cs) == 0,
	   "alpha/hundeanmeldung resolves");

	const struct form_value values[] = {
		{ "vorname", "<Max> & \"Moritz\"" }, { "rasse", "labrador" },
		{ "geschlecht", "huendin" }, { "zustimmung", "ja" },
		{ "bemerkung", "Zeile 1\nZeile 2 </textarea><script>x</script>" },
		{ "chipnummer", "276098100000001" },
	};
	const struct form_error errors[] = {
		{ "email", "Geben Sie Ihre E-Mail-Adresse ein" },
		{ "geschlecht", "Wählen Sie das Geschlecht des Hundes aus" },
	};
	struct form_state st = { .values = values, .n_values = 6, .errors = errors, .n_errors = 2 };
	struct buf out;
	buf_init(&out, 0);
	int rc = render_form_page(r, &cs, &st, &out, &d);
	ok(rc == 0, "render_form_page succeeds");
	if (rc != 0)
		print_diags(&d);
	ok(has(&out, "<title>Fehler: Hund anmelden – Serviceportal Alpha</title>"),
	   "page title is prefixed with 'Fehler: '");
	ok(has(&out, "<div class=\"error-summary\" role=\"alert\"") &&
	   has(&out, "<h2 id=\"fehler-titel\">Es gibt ein Problem</h2>"),
	   "error summary with role=alert and heading 'Es gibt ein Problem'");
	ok(has(&out, "tabindex=\"-1\" autofocus>") && !has(&out, "href=\"#beschreibung\""),
	   "summary takes the focus; no other in-page links before the form");
	const char *summary = out.data ? strstr(out.data, "error-summary") : NULL;
	const char *h1 = out.data ? strstr(out.data, "<h1>") : NULL;
	ok(summary && h1 && summary < h1, "error summary comes before the heading");
	ok(has(&out, "<li><a href=\"#feld-email\">Geben Sie Ihre E-Mail-Adresse ein</a></li>") &&
	   has(&out, "<li><a href=\"#feld-geschlecht-1\">Wählen Sie das Geschlecht des Hundes aus</a></li>"),
	   "summary links to each field (radio: its first button)");
	ok(has(&out, "id=\"feld-email-fehler\"><span class=\"visually-hidden\">Fehler:</span> Geben Sie Ihre E-Mail-Adresse ein</p>"),
	   "message at the field");
	ok(has(&out, "id=\"feld-email\" name=\"email\" value=\"\" required maxlength=\"254\" autocomplete=\"email\" "
		     "aria-describedby=\"feld-email-fehler\" aria-invalid=\"true\">"),
	   "field is aria-invalid and described by its message");
	ok(has(&out, "value=\"&lt;Max&gt; &amp; &quot;Moritz&quot;\""), "text input kept and escaped");
	ok(has(&out, ">Zeile 1\nZeile 2 &lt;/textarea&gt;&lt;script&gt;x&lt;/script&gt;</textarea>") &&
	   !has(&out, "<script>x"), "textarea kept and escaped");
	ok(has(&out, "<option value=\"labrador\" selected>"), "select option kept");
	ok(has(&out, "value=\"huendin\" checked required aria-invalid=\"true\">"), "radio choice kept");
	ok(has(&out, "name=\"zustimmung\" value=\"ja\" checked required"), "checkbox kept");
	ok(has(&out, "action=\"https://relay.example.test/submit/alpha/hundeanmeldung\""),
	   "form posts to the relay again");
	ok(has(&out, "href=\"https://portal.example.test/assets/style.css\"") &&
	   has(&out, "href=\"https://portal.example.test/alpha/theme.css\"") &&
	   has(&out, "href=\"https://portal.example.test/alpha/impressum.html\"") &&
	   !has(&out, "href=\"../"), "links are absolute (base_url)");
	ok(has(&out, "alpha-fuss"), "the city's partial override applies");
	ok(!has(&out, "intern.test"), "no recipient address on the page");

	/* Without errors: no summary, plain title. */
	struct form_state plain = { .values = values, .n_values = 1 };
	rc = render_form_page(r, &cs, &plain, &out, &d);
	ok(rc == 0 && !has(&out, "Es gibt ein Problem") && !has(&out, "aria-invalid") &&
	   has(&out, "<title>Hund anmelden – Serviceportal Alpha</title>"),
	   "a form state without errors renders without summary");

	/* A file came with a post that had errors: the page asks for it again,
	 * at the field (described by) and in the summary, never silently. */
	const char *again[] = { "nachweis" };
	struct form_state re = { .values = values, .n_values = 1, .errors = errors,
				 .n_errors = 1, .reattach = again, .n_reattach = 1 };
	rc = render_form_page(r, &cs, &re, &out, &d);
	ok(rc == 0 && has(&out, "<p class=\"reattach\" id=\"feld-nachweis-erneut\">") &&
	   has(&out, "Bitte wählen Sie die Datei erneut aus.</p>"),
	   "a file field whose file came along says to choose it again");
	ok(has(&out, "aria-describedby=\"feld-nachweis-hilfe feld-nachweis-erneut\""),
	   "the notice is part of the file input's description");
	ok(has(&out, "<li><a href=\"#feld-nachweis\">Wählen Sie die Datei für „Versicherungsnachweis“ erneut aus</a></li>"),
	   "the summary lists the file to choose again, after the errors");
	ok(has(&out, " novalidate>"), "the form is novalidate (the summary reports every error)");
	rc = render_form_page(r, &cs, &st, &out, &d);
	ok(rc == 0 && !has(&out, "erneut"), "no re-attach notice without a file");

	rc = render_confirmation_page(r, &cs, "ALP-2026-4K7P9X", "25.11.2026, 14:03 Uhr",
				      "Eine Eingangsbestätigung senden wir.",
				      "https://formulare.test/antrag/AbCd", NULL, &out, &d);
	ok(rc == 0 && has(&out, "<h1>Antrag eingegangen</h1>") &&
	   has(&out, "<strong class=\"reference\">ALP-2026-4K7P9X</strong>") &&
	   has(&out, "25.11.2026, 14:03 Uhr") && has(&out, "Steueramt Alpha") &&
	   has(&out, "Wie geht es weiter?") && !has(&out, "intern.test"),
	   "confirmation page: reference, time, what happens next, office contact");
	ok(has(&out, "<a href=\"https://formulare.test/antrag/AbCd\">Ihr Antrag ALP-2026-4K7P9X</a>") &&
	   has(&out, "<meta name=\"robots\" content=\"noindex\">"),
	   "confirmation page: links to the application page; noindex");
	ok(!has(&out, "Gebühr") && !has(&out, "bezahlen"),
	   "confirmation page without online payment: no fee section");
	rc = render_confirmation_page(r, &cs, "ALP-2026-4K7P9X", "x", NULL, NULL, NULL, &out, &d);
	ok(rc == 0 && !has(&out, "/antrag/"), "no application link when there is none");
	{
		struct app_payment pay = { "Zahlung ausstehend", "22,50 €", "Bitte <bezahlen>.",
			"https://formulare.test/antrag/AbCd/bezahlen", "TOK\"EN", "Jetzt bezahlen" };
		rc = render_confirmation_page(r, &cs, "ALP-2026-4K7P9X", "x", NULL, NULL, &pay,
					      &out, &d);
		ok(rc == 0 && has(&out, "<h2 id=\"zahlung\">Gebühr</h2>") &&
		   has(&out, "Zahlung ausstehend: <strong>22,50 €</strong>") &&
		   has(&out, "Bitte &lt;bezahlen&gt;.") &&
		   has(&out, "<form class=\"no-print\" method=\"post\" action=\"https://formulare.test/antrag/AbCd/bezahlen\">") &&
		   has(&out, "name=\"csrf\" value=\"TOK&quot;EN\"") &&
		   has(&out, ">Jetzt bezahlen</button>"),
		   "confirmation page with a pending fee: amount, escaped text, the pay form with its token");
		pay.action = NULL;
		pay.title = "Bezahlt";
		rc = render_confirmation_page(r, &cs, "ALP-2026-4K7P9X", "x", NULL, NULL, &pay,
					      &out, &d);
		ok(rc == 0 && has(&out, "Bezahlt: <strong>22,50 €</strong>") && !has(&out, "<button"),
		   "a paid fee: no button");
		struct pay_page_view pv = { "Zahlung eingegangen", "ALP-2026-4K7P9X", &pay,
					    "https://formulare.test/antrag/AbCd" };
		rc = render_payment_page(r, &cs, &pv, &out, &d);
		ok(rc == 0 && has(&out, "<h1>Zahlung eingegangen</h1>") &&
		   has(&out, "<a href=\"https://formulare.test/antrag/AbCd\">Ihr Antrag ALP-2026-4K7P9X</a>") &&
		   has(&out, "<meta name=\"robots\" content=\"noindex\">"),
		   "the payment return page: heading, the application link, noindex");
	}

	/* The application page: status, timeline oldest first, answers escaped. */
	{
		struct app_answer ans[] = { { "Vorname", "<b>Erika</b>" }, { "Bemerkung", "" } };
		struct app_file fl[] = { { "Impfpass", "impfpass-1.pdf", NULL } };
		struct app_step stp[] = {
			{ "25. November 2026, 14:03 Uhr", "Eingegangen", "Gespeichert." },
			{ "25. November 2026, 14:04 Uhr", "An die zuständige Stelle übermittelt", NULL },
		};
		struct app_view v = {
			.reference = "ALP-2026-4K7P9X", .received_at = "25. November 2026, 14:03 Uhr",
			.status = "An die zuständige Stelle übermittelt",
			.answers = ans, .n_answers = 2, .files = fl, .n_files = 1,
			.steps = stp, .n_steps = 2,
		};
		rc = render_application_page(r, &cs, &v, &out, &d);
		ok(rc == 0 && has(&out, "ALP-2026-4K7P9X") &&
		   has(&out, "Aktueller Stand: <strong>An die zuständige Stelle übermittelt</strong>"),
		   "application page: reference and current status");
		ok(has(&out, "<dd>&lt;b&gt;Erika&lt;/b&gt;</dd>") && !has(&out, "<b>Erika") &&
		   has(&out, "<dt>Bemerkung</dt>\n<dd>–</dd>"),
		   "application page: answers escaped, an empty one as a dash");
		ok(has(&out, "Impfpass: impfpass-1.pdf") && has(&out, "Steueramt Alpha"),
		   "application page: files by name, the office's contact");
		const char *a1 = strstr(out.data, "<strong>Eingegangen</strong>");
		const char *a2 = strstr(out.data, "<li class=\"latest\">");
		ok(a1 && a2 && a1 < a2 && has(&out, "<meta name=\"robots\" content=\"noindex\">"),
		   "application page: timeline oldest first, the newest marked; noindex");
		v.n_files = 0;
		rc = render_application_page(r, &cs, &v, &out, &d);
		ok(rc == 0 && !has(&out, "Mitgesendete Dateien"), "no file list without files");
		ok(!has(&out, "Unterlagen nachreichen"), "no upload section without one");
		struct app_file later[] = { { "Nachgereichte Unterlage", "nachgereicht-1.pdf",
					      "3. Dezember 2026, 10:15 Uhr" } };
		struct app_upload up = { .action = "https://relay.test/antrag/T/unterlagen",
			.csrf = "c\"srf", .input = "unterlagen", .accept = "application/pdf",
			.hint = "Erlaubt: PDF", .error = "Die Datei <b>muss</b> ein PDF sein" };
		v.files = later;
		v.n_files = 1;
		v.upload = &up;
		rc = render_application_page(r, &cs, &v, &out, &d);
		ok(rc == 0 && has(&out, "<h2 id=\"nachreichen\">Unterlagen nachreichen</h2>") &&
		   has(&out, "action=\"https://relay.test/antrag/T/unterlagen\" "
		       "enctype=\"multipart/form-data\"") &&
		   has(&out, "name=\"csrf\" value=\"c&quot;srf\"") &&
		   has(&out, "accept=\"application/pdf\" aria-describedby=\"unterlagen-hinweis "
		       "unterlagen-fehler\" aria-invalid=\"true\""),
		   "application page: the upload form with its token (escaped), hint and error");
		ok(has(&out, "<title>Fehler: ") && has(&out, "<li><a href=\"#unterlagen\">Die Datei "
		   "&lt;b&gt;muss&lt;/b&gt; ein PDF sein</a></li>") &&
		   has(&out, "nachgereicht-1.pdf (nachgereicht am 3. Dezember 2026, 10:15 Uhr)"),
		   "application page: the error summary (escaped), a later document with its date");
		up.error = NULL;
		up.closed = "Sie haben 10 Unterlagen nachgereicht.";
		rc = render_application_page(r, &cs, &v, &out, &d);
		ok(rc == 0 && has(&out, "<p>Sie haben 10 Unterlagen nachgereicht.</p>") &&
		   !has(&out, "name=\"unterlagen\"") && !has(&out, "<title>Fehler: "),
		   "application page: a closed section says why, without the form");
		v.upload = NULL;
	}

	/* The clerks' inbox: login with errors (GOV.UK), list, detail. */
	{
		struct inbox_login_view lv = { .action = "https://relay.test/amt/anmelden",
			.csrf = "tok\"en", .username = "<anna>",
			.user_error = "Benutzername oder Passwort ist falsch" };
		rc = render_inbox_login(r, &lv, &out, &d);
		ok(rc == 0 && has(&out, "<title>Fehler: Anmelden – Posteingang der Behörden</title>") &&
		   has(&out, "<li><a href=\"#benutzername\">Benutzername oder Passwort ist falsch</a></li>") &&
		   has(&out, "aria-invalid=\"true\" aria-describedby=\"benutzername-fehler\"") &&
		   has(&out, "value=\"&lt;anna&gt;\"") && has(&out, "value=\"tok&quot;en\"") &&
		   has(&out, "<meta name=\"robots\" content=\"noindex\">") &&
		   has(&out, "autocomplete=\"current-password\""),
		   "inbox login: error summary, the field in error, input escaped, noindex");
		lv.user_error = NULL;
		rc = render_inbox_login(r, &lv, &out, &d);
		ok(rc == 0 && !has(&out, "Es gibt ein Problem") &&
		   has(&out, "<title>Anmelden – Posteingang der Behörden</title>"),
		   "inbox login without errors");
		struct inbox_option sto[] = { { "neu", "Neu", false }, { "abgelehnt", "Abgelehnt", true } };
		struct inbox_row_view rows[] = { { "https://relay.test/amt/antrag/7", "ALP-2026-AAAAAA",
			"2. Dezember 2026, 16:46 Uhr", "Hund <anmelden>", "Steueramt Alpha", "Neu" } };
		struct inbox_list_view li = {
			.user = { "anna", "Steueramt Alpha", "c1", "https://relay.test/amt/abmelden" },
			.action = "https://relay.test/amt/", .statuses = sto, .n_statuses = 2,
			.from = "2026-12-01", .until = "", .until_error = "Geben Sie ein Datum ein",
			.rows = rows, .n_rows = 1, .summary = "Antrag 1 von 1",
			.next_href = "https://relay.test/amt/?seite=2", .page_text = "Seite 1 von 2" };
		rc = render_inbox_list(r, &li, &out, &d);
		ok(rc == 0 && has(&out, "<a href=\"https://relay.test/amt/antrag/7\">ALP-2026-AAAAAA</a>") &&
		   has(&out, "<td>Hund &lt;anmelden&gt;</td>") &&
		   has(&out, "<option value=\"abgelehnt\" selected>Abgelehnt</option>") &&
		   has(&out, "rel=\"next\"") && !has(&out, "rel=\"prev\"") &&
		   has(&out, "<li><a href=\"#bis\">Geben Sie ein Datum ein</a></li>") &&
		   has(&out, "name=\"csrf\" value=\"c1\"") && has(&out, "Angemeldet als <strong>anna</strong>"),
		   "inbox list: rows escaped, filter kept, paging, date error, logout form");
		struct app_answer ans[] = { { "Vorname", "<b>Erika</b>" } };
		struct inbox_file_view fl[] = { { "Impfpass", "impfpass-1.pdf",
			"https://relay.test/amt/antrag/7/datei/1", "PDF", "1 KB", NULL } };
		struct app_step stp[] = { { "2. Dezember 2026, 16:46 Uhr", "Eingegangen", NULL } };
		struct inbox_option set[] = { { "in_bearbeitung", "In Bearbeitung", true } };
		struct inbox_detail_view dv = {
			.user = li.user, .list_href = "https://relay.test/amt/",
			.reference = "ALP-2026-AAAAAA", .service = "Hund anmelden", .city = "Alpha",
			.office = "Steueramt Alpha", .received = "2. Dezember 2026, 16:46 Uhr",
			.status = "In Bearbeitung", .answers = ans, .n_answers = 1, .files = fl,
			.n_files = 1, .steps = stp, .n_steps = 1,
			.status_action = "https://relay.test/amt/antrag/7/status",
			.statuses = set, .n_statuses = 1, .notice = "Gespeichert." };
		rc = render_inbox_detail(r, &dv, &out, &d);
		ok(rc == 0 && has(&out, "<h1>Antrag ALP-2026-AAAAAA</h1>") &&
		   has(&out, "<dd>&lt;b&gt;Erika&lt;/b&gt;</dd>") &&
		   has(&out, "href=\"https://relay.test/amt/antrag/7/datei/1\" download=\"impfpass-1.pdf\"") &&
		   has(&out, "id=\"status-1\" name=\"status\" value=\"in_bearbeitung\" checked") &&
		   has(&out, "action=\"https://relay.test/amt/antrag/7/status\"") &&
		   has(&out, "<p class=\"note\" role=\"status\">Gespeichert.</p>") &&
		   has(&out, "<a href=\"https://relay.test/amt/\">Posteingang</a>"),
		   "inbox detail: answers escaped, download link, status form, notice, crumb");
	}

	/* The umbrella's finder: a postcode names its city's portal; a code
	 * two cities share names both; a city portal's search has no finder. */
	rc = render_search_page(r, NULL, "12399", &out, &d);
	ok(rc == 0 && has(&out, "<h2 id=\"ihr-portal\">Ihr Serviceportal</h2>") &&
	   has(&out, "alpha/index.html\">Serviceportal Alpha</a> (Postleitzahl 12399)") &&
	   has(&out, "beta/index.html\">Serviceportal Beta</a> (Postleitzahl 12399)") &&
	   !has(&out, "Keine Leistung gefunden"),
	   "the finder names both portals of a shared postcode");
	rc = render_search_page(r, NULL, "PLZ 12345", &out, &d);
	ok(rc == 0 && has(&out, "Serviceportal Alpha</a> (Postleitzahl 12345)") &&
	   !has(&out, "Serviceportal Beta</a> (Postleitzahl"), "a postcode of one city names one portal");
	rc = render_search_page(r, NULL, "beta", &out, &d);
	ok(rc == 0 && has(&out, "beta/index.html\">Serviceportal Beta</a></li>"),
	   "the finder knows the cities by name");
	/* Ortsteile (districts:), folded as the search folds: ü typed as ue. */
	rc = render_search_page(r, NULL, "Suedfeld", &out, &d);
	ok(rc == 0 && has(&out, "alpha/index.html\">Serviceportal Alpha</a> (Ortsteil Südfeld)") &&
	   !has(&out, "Serviceportal Beta</a> (") && !has(&out, "Keine Leistung gefunden"),
	   "the finder names the portal of an Ortsteil typed with ue for ü");
	rc = render_search_page(r, NULL, "gross ufer", &out, &d);
	ok(rc == 0 && has(&out, "Serviceportal Alpha</a> (Ortsteil Groß Ufer)") &&
	   has(&out, "Serviceportal Beta</a> (Ortsteil Groß Ufer)"),
	   "an Ortsteil name two cities share names both portals");
	rc = render_search_page(r, NULL, "Sued", &out, &d);
	ok(rc == 0 && !has(&out, "ihr-portal"), "part of an Ortsteil's name names no portal");
	rc = render_search_page(r, catalog_city(c, "alpha"), "Südfeld", &out, &d);
	ok(rc == 0 && !has(&out, "ihr-portal"), "a city portal's search names no Ortsteil");
	rc = render_search_page(r, catalog_city(c, "alpha"), "12399", &out, &d);
	ok(rc == 0 && !has(&out, "ihr-portal"), "a city portal's search has no finder");

	rc = render_error_page(r, NULL, 404, "Das Formular <x> gibt es nicht.", &out, &d);
	ok(rc == 0 && has(&out, "<h1>Seite nicht gefunden</h1>") &&
	   has(&out, "Das Formular &lt;x&gt; gibt es nicht.") && has(&out, "Serviceportal Testregion"),
	   "error page (umbrella look), message escaped");
	rc = render_error_page(r, catalog_city(c, "beta"), 413, "Zu groß.", &out, &d);
	ok(rc == 0 && has(&out, "Serviceportal Beta") && has(&out, "Fehlercode 413"),
	   "error page in a city's look");

	struct shared sh = { r, &cs, &st, 0 };
	pthread_t t;
	int started = pthread_create(&t, NULL, render_many, &sh) == 0;
	render_many(&sh);
	if (started)
		pthread_join(t, NULL);
	ok(started && sh.bad == 0, "two threads render with one renderer");

	buf_free(&out);
	renderer_close(r);
	catalog_free(c);
	src->close(src);
	ok(d.n == 0, "no diagnostics");
	print_diags(&d);
	diags_free(&d);
	return tap_exit();
}
