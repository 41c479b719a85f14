/* git_feed - the "Neu im Serviceportal" Atom feeds built the way a build
 * does: the test catalogue (tests/fixtures/content) committed to a git
 * repository at set dates, loaded through the git source, dated by one
 * history walk, rendered per portal. Checks entry order and kinds, links,
 * override changes on the city's feed only, services not offered or not
 * yet available left out, escaping, the cap, byte-identical output, and
 * that python3's XML parser reads every feed as Atom. */
#include "git/git_source.h"
#include "git/history.h"
#include "git/site_history.h"
#include "load/catalog_load.h"
#include "render/feed.h"
#include "git_test.h"

static long long T0 = 1600000000;       /* 2020-09-13T12:26:40Z */
static char repo[600];

static const char *NEW_SERVICE =
	"title: Gebühren & <Tarife> \"prüfen\"\n"
	"category: recht-und-ordnung\n"
	"summary: Prüfen Sie Tarife & Gebühren.\n"
	"description: |\n  Text.\n"
	"costs: keine\n"
	"office: ordnungsamt\n";

static const char *LATER_SERVICE =
	"title: Später verfügbar\n"
	"category: recht-und-ordnung\n"
	"summary: Gibt es erst 2030.\n"
	"description: |\n  Text.\n"
	"costs: keine\n"
	"office: ordnungsamt\n"
	"available_from: 2030-01-01\n";

static void build_repo(void)
{
	const char *root = getenv("ROOT");
	repo_init("f");
	snprintf(repo, sizeof repo, "%s/f", tmp);
	sh("cp -R '%s/tests/fixtures/content' '%s/content'", root ? root : ".", repo);
	commit_at("f", T0, "catalogue");
	sh("echo '# zweite Fassung' >> '%s/content/services/eheurkunde.yml'", repo);
	commit_at("f", T0 + 100, "eheurkunde");
	sh("echo '# Dorsten' >> '%s/content/cities/dorsten/hundeanmeldung.yml'", repo);
	commit_at("f", T0 + 200, "dorsten override");
	put(repo, "content/services/gebuehren-pruefen.yml", NEW_SERVICE);
	put(repo, "content/services/spaeter.yml", LATER_SERVICE);
	put(repo, "content/services/weg.yml", NEW_SERVICE);
	commit_at("f", T0 + 300, "new services");
	sh("cd '%s' && git rm -q content/services/weg.yml", repo);
	sh("echo '# Bottrop' >> '%s/content/cities/bottrop/private-veranstaltung.yml'", repo);
	commit_at("f", T0 + 400, "weg removed, bottrop override");
}

struct env {
	struct source *src;
	struct catalog *cat;
	struct site_history sh;
	struct history_events ev;
};

static void load(struct env *e)
{
	struct diags d;
	diags_init(&d);
	e->src = source_git_open(repo, "main", &d);
	e->cat = e->src ? catalog_load(e->src, "content", &d) : NULL;
	if (!e->cat) {
		diags_print(&d, stdout);
		ok(false, "test catalogue loads from git");
		exit(1);
	}
	ok(site_history_open(&e->sh, e->src, e->cat, "content", &d) == 0 &&
	   e->sh.h != NULL && d.n == 0, "catalogue and history from git");
	site_history_events(&e->sh, &e->ev);
	diags_free(&d);
}

/* Render, check with python3's XML parser and list the entries as
 * "title|updated|link" lines into out. */
static int render(struct env *e, const struct feed_opts *o, const char *name,
		  char *out, size_t cap, struct buf *xml)
{
	buf_init(xml, 0);
	if (feed_render(e->cat, o, &e->ev, xml) < 0)
		return -1;
	char path[700], list[700];
	snprintf(path, sizeof path, "%s/%s.xml", tmp, name);
	snprintf(list, sizeof list, "%s/%s.txt", tmp, name);
	FILE *f = fopen(path, "w");
	if (!f || fwrite(xml->data, 1, xml->len, f) != xml->len || fclose(f) != 0)
		return -1;
	char cmd[2048];
	snprintf(cmd, sizeof cmd,
		 "python3 -c 'import sys, xml.etree.ElementTree as E\n"
		 "A = \"{http://www.w3.org/2005/Atom}\"\n"
		 "r = E.parse(sys.argv[1]).getroot()\n"
		 "assert r.tag == A + \"feed\", r.tag\n"
		 "for k in (\"title\", \"id\", \"updated\", \"author\"):\n"
		 "    assert r.find(A + k) is not None, k\n"
		 "print(\"feed|\" + r.find(A + \"updated\").text)\n"
		 "for e in r.findall(A + \"entry\"):\n"
		 "    assert e.find(A + \"id\").text.startswith(\"tag:\")\n"
		 "    print(e.find(A + \"title\").text + \"|\" + e.find(A + \"updated\").text"
		 " + \"|\" + e.find(A + \"link\").get(\"href\"))\n"
		 "' '%s' > '%s'", path, list);
	if (system(cmd) != 0)
		return -2;
	f = fopen(list, "r");
	size_t n = f ? fread(out, 1, cap - 1, f) : 0;
	out[n] = '\0';
	if (f)
		fclose(f);
	return 0;
}

#define BASE "https://www.serviceportal-emscher-lippe.de"

static void test_stand(struct env *e)
{
	ok(site_history_service(&e->sh, NULL, "hundeanmeldung") == T0,
	   "Stand on the umbrella: the shared file's commit");
	ok(site_history_service(&e->sh, "dorsten", "hundeanmeldung") == T0 + 200,
	   "Stand in Dorsten: its newer override counts");
	ok(site_history_service(&e->sh, "bottrop", "eheurkunde") == T0 + 100,
	   "Stand in Bottrop without override: the shared file's");
	ok(site_history_service(&e->sh, "dorsten", "gibt-es-nicht") == 0, "unknown service: 0");
	ok(site_history_file(&e->sh, "cities/dorsten/city.yml") == T0 &&
	   site_history_file(&e->sh, "region.yml") == T0, "city.yml and region.yml dated");

	struct diags d;
	diags_init(&d);
	struct source *wt = source_fs_open(repo);
	struct site_history none;
	ok(wt && site_history_open(&none, wt, e->cat, "content", &d) == 0 && none.h == NULL &&
	   site_history_service(&none, "dorsten", "hundeanmeldung") == 0,
	   "working tree: no history, dates 0");
	struct history_events ev;
	site_history_events(&none, &ev);
	ok(ev.n == 0, "and no feed events");
	site_history_close(&none);
	if (wt)
		wt->close(wt);
	diags_free(&d);
}

static void test_feeds(struct env *e)
{
	char got[8192];
	struct buf xml;
	struct feed_opts o = { .date = "2026-01-01", .updated = T0 + 400 };
	int rc = render(e, &o, "umbrella", got, sizeof got, &xml);
	ok(rc == 0, "umbrella feed is well-formed Atom (rc %d)", rc);
	const char *want_umbrella =
		"feed|2020-09-13T12:31:40Z\n"
		"Neu: Gebühren & <Tarife> \"prüfen\"|2020-09-13T12:31:40Z|"
		BASE "/leistungen/gebuehren-pruefen.html\n"
		"Geändert: Eheurkunde beantragen|2020-09-13T12:28:20Z|"
		BASE "/leistungen/eheurkunde.html\n"
		"Neu: Geburtsurkunde beantragen|2020-09-13T12:26:40Z|"
		BASE "/leistungen/geburtsurkunde.html\n"
		"Neu: Hund anmelden|2020-09-13T12:26:40Z|"
		BASE "/leistungen/hundeanmeldung.html\n"
		"Neu: Private Veranstaltung anzeigen|2020-09-13T12:26:40Z|"
		BASE "/leistungen/private-veranstaltung.html\n"
		"Neu: Sondernutzungserlaubnis beantragen|2020-09-13T12:26:40Z|"
		BASE "/leistungen/sondernutzungserlaubnis.html\n";
	ok(strcmp(got, want_umbrella) == 0,
	   "umbrella: newest first, new/changed, escaped titles, no removed or "
	   "not-yet-available service, city overrides ignored");
	if (strcmp(got, want_umbrella) != 0)
		printf("# got:\n%s", got);
	ok(strstr(xml.data, "<title>Neu: Gebühren &amp; &lt;Tarife&gt; &quot;prüfen&quot;</title>") != NULL,
	   "title XML-escaped in the document");
	ok(strstr(xml.data, "<link rel=\"self\" type=\"application/atom+xml\" href=\""
		  BASE "/feed.xml\"/>") != NULL, "self link to feed.xml");
	ok(strstr(xml.data, "<id>tag:www.serviceportal-emscher-lippe.de,2020-09-13:portal/eheurkunde/") != NULL,
	   "entry ids are tag: URIs");

	struct buf again;
	buf_init(&again, 0);
	ok(feed_render(e->cat, &o, &e->ev, &again) == 0 && again.len == xml.len &&
	   memcmp(again.data, xml.data, xml.len) == 0, "rendering twice: identical bytes");
	buf_free(&again);
	buf_free(&xml);

	o.city = "dorsten";
	rc = render(e, &o, "dorsten", got, sizeof got, &xml);
	ok(rc == 0, "dorsten feed is well-formed Atom");
	ok(strncmp(got, "feed|2020-09-13T12:31:40Z\nNeu: Gebühren", 40) == 0 &&
	   strstr(got, "Geändert: Hund anmelden|2020-09-13T12:30:00Z|"
		  BASE "/dorsten/leistungen/hundeanmeldung.html\n") != NULL,
	   "dorsten: its override's change, city links");
	ok(strstr(xml.data, "href=\"" BASE "/dorsten/feed.xml\"") != NULL, "dorsten self link");
	buf_free(&xml);

	o.city = "bottrop";
	rc = render(e, &o, "bottrop", got, sizeof got, &xml);
	ok(rc == 0 && strstr(got, "Private Veranstaltung") == NULL &&
	   strstr(got, "Hund anmelden|2020-09-13T12:26:40Z") != NULL,
	   "bottrop: a service it does not offer is left out; dorsten's override is not bottrop's");
	buf_free(&xml);

	o.city = NULL;
	o.date = "2031-05-01";
	rc = render(e, &o, "later", got, sizeof got, &xml);
	ok(rc == 0 && strncmp(got, "feed|2030-01-01T00:00:00Z\nNeu: Später verfügbar|"
			      "2030-01-01T00:00:00Z|", 67) == 0,
	   "a service available later appears on its first day");
	buf_free(&xml);

	o.date = "2026-01-01";
	o.max_entries = 2;
	rc = render(e, &o, "capped", got, sizeof got, &xml);
	size_t lines = 0;
	for (const char *p = got; *p; p++)
		lines += *p == '\n';
	ok(rc == 0 && lines == 3, "max_entries caps the feed (%zu entries)", lines ? lines - 1 : 0);
	buf_free(&xml);

	struct history_events none = { NULL, 0 };
	buf_init(&xml, 0);
	ok(feed_render(e->cat, &o, &none, &xml) == 0 &&
	   strstr(xml.data, "<updated>2020-09-13T12:33:20Z</updated>") &&
	   !strstr(xml.data, "<entry>"), "no history: empty feed dated by the commit");
	buf_free(&xml);

	o.city = "atlantis";
	buf_init(&xml, 0);
	ok(feed_render(e->cat, &o, &e->ev, &xml) == -1, "unknown city: -1");
	buf_free(&xml);
}

int main(void)
{
	setup();
	build_repo();
	struct env e;
	load(&e);
	test_stand(&e);
	test_feeds(&e);
	site_history_close(&e.sh);
	catalog_free(e.cat);
	e.src->close(e.src);
	return tap_exit();
}
