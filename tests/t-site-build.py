#!/usr/bin/python3
"""t-site-build - builds the site from the small fixture catalogue
(tests/fixtures/content-site) and from the real content/, and checks the
output: pages that must and must not exist, forms and their fields,
every internal link and fragment, HTML structure (lang, one h1, skip link,
unique titles, balanced tags), no recipient address anywhere, escaping,
launch and availability dates, city overrides, sitemap and search index."""
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from urllib.parse import urlsplit, unquote

from tap import ok, skip, done
import search_fits  # noqa: E402

ROOT, SITEGEN, TEST_TMP = os.environ["ROOT"], os.environ["SITEGEN"], os.environ["TEST_TMP"]
DATE = "2026-11-25"


def root_with(content):
    """A project root with that content and the real themes."""
    r = tempfile.mkdtemp(prefix="root.", dir=TEST_TMP)
    os.makedirs(os.path.join(r, "themes"))
    shutil.copytree(content, os.path.join(r, "content"), symlinks=True)
    shutil.copytree(os.path.join(ROOT, "themes/default"), os.path.join(r, "themes/default"), symlinks=True)
    return r


def sitegen(*args, log=os.devnull, cwd=None):
    """Runs sitegen, stdout and stderr into log; True when it exits 0."""
    with open(log, "w") as f:
        return subprocess.run([SITEGEN] + list(args), stdout=f, stderr=subprocess.STDOUT,
                              cwd=cwd).returncode == 0


def read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def head(path, n):
    return " ".join(read(path).split("\n")[:n])


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
        "meta", "source", "track", "wbr"}
# Elements whose end tag HTML lets you omit; we never omit them, so any
# imbalance is a template bug.
class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors = [], []
        self.links, self.ids, self.h1 = [], set(), 0
        self.lang = None; self.title = ""; self.in_title = False
        self.labels_for, self.controls, self.described = set(), [], []
        self.forms, self.scripts, self.skip = [], [], False
        self.main_id = None; self.doctype = False
    def handle_decl(self, d):
        self.doctype = d.lower() == "doctype html"
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag not in VOID:
            self.stack.append(tag)
        if "id" in a:
            if a["id"] in self.ids:
                self.errors.append("duplicate id " + a["id"])
            self.ids.add(a["id"])
        for k in ("href", "src", "action"):
            if k in a and a[k] is not None:
                self.links.append((tag, k, a[k]))
        if tag == "html": self.lang = a.get("lang")
        if tag == "h1": self.h1 += 1
        if tag == "title": self.in_title = True
        if tag == "label" and a.get("for"): self.labels_for.add(a["for"])
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.controls.append(a)
        if a.get("aria-describedby"):
            self.described.extend(a["aria-describedby"].split())
        if tag == "form": self.forms.append(dict(a, fields=[]))
        if tag in ("input", "select", "textarea") and self.forms:
            self.forms[-1]["fields"].append(a.get("name"))
        if tag == "script": self.scripts.append(a)
        if tag == "a" and a.get("href") == "#inhalt" and "skip-link" in (a.get("class") or ""):
            self.skip = True
        if tag == "main": self.main_id = a.get("id")
    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack and self.stack[-1] == tag:
            self.stack.pop()
    def handle_endtag(self, tag):
        if tag == "title": self.in_title = False
        if tag in VOID: return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append("unexpected </%s> (open: %s)" % (tag, "/".join(self.stack[-3:])))
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag: pass
        else:
            self.stack.pop()
    def handle_data(self, d):
        if self.in_title: self.title += d


def check_fixture_site(site):
    pages = {}
    for dp, dn, fn in os.walk(site):
        for f in fn:
            if f.endswith(".html"):
                rel = os.path.relpath(os.path.join(dp, f), site)
                p = Page()
                with open(os.path.join(dp, f), encoding="utf-8") as fh:
                    text = fh.read()
                p.feed(text); p.close()
                p.text = text
                pages[rel] = p

    def exists(rel):
        return os.path.isfile(os.path.join(site, rel))

    # --- pages that must and must not exist
    for city in ("alpha", "beta"):
        ok(exists(city + "/index.html"), city + ": start page")
        for cat in ("familie-und-kind", "recht-und-ordnung"):
            ok(exists("%s/kategorien/%s.html" % (city, cat)), "%s: category page %s" % (city, cat))
        for page in ("a-z", "suche", "impressum", "datenschutz", "barrierefreiheit"):
            ok(exists("%s/%s.html" % (city, page)), "%s: %s.html" % (city, page))
        ok(exists(city + "/theme.css") and exists(city + "/suche.json"), city + ": theme.css and suche.json")
    for s in ("hundeanmeldung", "sonderzeichen", "geburtsurkunde"):
        ok(exists("alpha/leistungen/%s.html" % s), "alpha offers " + s)
    ok(not exists("beta/leistungen/geburtsurkunde.html"), "beta: service with offered: false is not built")
    ok(not os.path.exists(os.path.join(site, "zukunft")), "city with a launch date after the build date is not built")
    ok(not any("spaeter" in p for p in pages), "service available only from 2099 is not built anywhere")
    for f in ("index.html", "a-z.html", "suche.html", "suche.json", "impressum.html", "datenschutz.html",
              "barrierefreiheit.html", "leichte-sprache.html", "404.html", "sitemap.xml", "sitemap-1.xml",
              "assets/style.css", "assets/search.js", "assets/alpha/logo.svg",
              "kategorien/familie-und-kind.html", "leistungen/hundeanmeldung.html"):
        ok(exists(f), "umbrella: " + f)
    ok("Zukunft" in pages["index.html"].text and "ab 01.01.2099" in pages["index.html"].text,
       "umbrella start page lists the future city as 'ab 01.01.2099'")
    ov = pages["leistungen/hundeanmeldung.html"]
    ok(any(l[2] == "../alpha/leistungen/hundeanmeldung.html" for l in ov.links) and
       any(l[2] == "../beta/leistungen/hundeanmeldung.html" for l in ov.links),
       "umbrella service page links to each city offering it")
    ok(not any("beta/leistungen/geburtsurkunde" in l[2] for l in pages["leistungen/geburtsurkunde.html"].links),
       "umbrella service page does not link a city that does not offer it")

    # --- every page: structure
    bad = [(k, p.errors[:2]) for k, p in pages.items() if p.errors]
    ok(not bad, "every page has balanced tags and unique ids %s" % bad[:3])
    ok(all(p.doctype for p in pages.values()), "every page starts with <!doctype html>")
    ok(all(p.lang == "de" for p in pages.values()), "every page has lang=\"de\"")
    bad = [k for k, p in pages.items() if p.h1 != 1]
    ok(not bad, "every page has exactly one <h1> %s" % bad[:3])
    bad = [k for k, p in pages.items() if not p.skip or p.main_id != "inhalt"]
    ok(not bad, "every page has a skip link to <main id=\"inhalt\"> %s" % bad[:3])
    bad = [k for k, p in pages.items() if 'aria-label="Brotkrümelnavigation"' not in p.text]
    ok(not bad, "every page has a labelled breadcrumb %s" % bad[:3])
    titles = {}
    for k, p in pages.items():
        titles.setdefault(p.title.strip(), []).append(k)
    dup = [v for v in titles.values() if len(v) > 1]
    ok(not dup, "every page has a unique <title> %s" % dup[:2])
    for k, p in pages.items():
        if k.startswith("alpha/"):
            continue
        if "alpha-fuss" in p.text:
            ok(False, "alpha's footer override stays on alpha pages (%s)" % k)
            break
    ok(all("alpha-fuss" in p.text for k, p in pages.items() if k.startswith("alpha/")),
       "alpha's footer partial override is used on all alpha pages")
    ok(all("Impressum" in p.text and "Datenschutz" in p.text and "Leichte Sprache" in p.text
           for p in pages.values()), "every page's footer links Impressum, Datenschutz, Leichte Sprache")

    # --- links
    broken = []
    for k, p in pages.items():
        base = os.path.dirname(k)
        for tag, attr, url in p.links:
            u = urlsplit(url)
            if u.scheme in ("http", "https", "mailto", "tel"):
                if k != "404.html" and url.startswith("https://portal.example.test"):
                    broken.append((k, url, "absolute internal link"))
                continue
            if u.scheme:
                broken.append((k, url, "scheme")); continue
            if attr == "action" and not u.path:
                continue
            if url.startswith("/"):
                broken.append((k, url, "root-relative")); continue
            target = os.path.normpath(os.path.join(base, unquote(u.path))) if u.path else k
            if u.path.endswith("/") or not exists(target):
                broken.append((k, url, "missing file")); continue
            if u.fragment and target in pages and u.fragment not in pages[target].ids:
                broken.append((k, url, "missing #" + u.fragment))
    ok(not broken, "every internal href/src resolves to a file (and fragment) %s" % broken[:5])
    # 404.html is served at any depth: its links are absolute and must map to files.
    bad = [l[2] for l in pages["404.html"].links if l[2].startswith("https://portal.example.test/")
           and not exists(urlsplit(l[2]).path.lstrip("/"))]
    ok(not bad, "404.html links absolutely to existing pages %s" % bad[:3])

    # --- forms
    def form_of(k):
        fs = [f for f in pages[k].forms if f.get("method") == "post"]
        return fs[0] if fs else None
    f = form_of("alpha/leistungen/hundeanmeldung.html")
    ok(f is not None and f["action"] == "https://relay.example.test/submit/alpha/hundeanmeldung",
       "alpha hundeanmeldung: form posts to {relay_url}/alpha/hundeanmeldung")
    want = {"vorname", "email", "geburtsdatum", "anzahl", "rasse", "geschlecht", "bemerkung",
            "nachweis", "zustimmung", "chipnummer", "hp_website"}
    ok(f is not None and want <= set(f["fields"]) and "telefon" not in f["fields"],
       "alpha hundeanmeldung: shared fields, added chipnummer, removed telefon (%s)" % (f and f["fields"]))
    ok(f is not None and f.get("enctype") == "multipart/form-data", "form with a file field is multipart")
    fb = form_of("beta/leistungen/hundeanmeldung.html")
    ok(fb is not None and "telefon" in fb["fields"] and "chipnummer" not in fb["fields"],
       "beta hundeanmeldung: the shared form unchanged")
    fg = form_of("alpha/leistungen/geburtsurkunde.html")
    ok(fg is not None and fg.get("enctype") == "application/x-www-form-urlencoded",
       "form without a file field is urlencoded")
    ok("Online zu bezahlen nach dem Absenden des Antrags: 15,00 € je Urkunde, jede weitere 7,50 €."
       in pages["alpha/leistungen/geburtsurkunde.html"].text,
       "fee: the service page shows the fee as model/fee.c computes it (issue 12)")
    ok("Online zu bezahlen" not in pages["alpha/leistungen/hundeanmeldung.html"].text,
       "a service without fee: shows none")
    ok(form_of("alpha/leistungen/sonderzeichen.html") is None, "service without a form has no form")
    p = pages["alpha/leistungen/hundeanmeldung.html"]
    unlabelled = [c.get("name") for c in p.controls if c.get("id") not in p.labels_for]
    ok(not unlabelled, "every form control has a <label for> %s" % unlabelled)
    ok(set(p.described) <= p.ids and len(p.described) >= 3, "aria-describedby points to existing help texts")
    ok(p.text.count("(Pflichtfeld)") >= 7 and "Antrag absenden" in p.text, "required fields say (Pflichtfeld); submit button")
    ok('<legend>Geschlecht (Pflichtfeld)</legend>' in p.text, "radio group in fieldset with legend")
    hp = re.search(r'<div class="hp-field" aria-hidden="true">\s*<label for="hp_website">Bitte leer lassen</label>\s*'
                   r'<input type="text" id="hp_website" name="hp_website" value="" tabindex="-1" autocomplete="off" disabled>', p.text)
    ok(hp is not None, "honeypot hp_website: display:none wrapper, aria-hidden, tabindex=-1, autocomplete=off, disabled")
    ok('autocomplete="given-name"' in p.text and 'maxlength="50"' in p.text and 'min="1"' in p.text
       and 'accept="application/pdf,image/jpeg,image/png"' in p.text, "autocomplete, maxlength, min and accept attributes")
    ok(re.search(r'<form id="formular"[^>]* novalidate>', p.text) is not None,
       "forms are novalidate: the relay's error summary reports every error at once")
    for sect in ("Beschreibung", "Voraussetzungen", "Erforderliche Unterlagen", "Kosten", "Fristen",
                 "Bearbeitungsdauer", "Rechtsgrundlagen", "Hinweis für Alpha", "Zuständige Stelle"):
        ok(">%s</h2>" % sect in p.text, "alpha service page has section " + sect)
    ok("10 Euro für die Hundemarke" in p.text and "Keine Gebühr" not in p.text, "city override of costs")
    ok("Steueramt Alpha" in p.text and "01234 99-30" in p.text, "zuständige Stelle with its contact")

    # --- secrets and escaping
    leaks = []
    for dp, dn, fn in os.walk(site):
        for fname in fn:
            data = open(os.path.join(dp, fname), "rb").read()
            if b"geheim-" in data or b".intern.test" in data:
                leaks.append(os.path.relpath(os.path.join(dp, fname), site))
    ok(not leaks, "no recipient address appears in the output %s" % leaks[:3])
    scripts = [(k, s) for k, p in pages.items() for s in p.scripts if not s.get("src", "").endswith("assets/search.js")]
    ok(not scripts, "no <script> element but search.js %s" % scripts[:2])
    bad = [k for k, p in pages.items() if "<script>alert" in p.text or "<img src=x" in p.text or "<b>Tags" in p.text
           or "javascript:" in p.text]
    ok(not bad, "titles, summaries and Markdown cannot inject HTML %s" % bad[:3])
    ok("Gefahr &lt;script&gt;alert(&quot;titel&quot;)&lt;/script&gt; &amp; Co" in pages["alpha/leistungen/sonderzeichen.html"].text,
       "a title with <script> is shown as text")
    ok("<h3>Eine Überschrift aus Markdown</h3>" in pages["index.html"].text, "Markdown headings move below the page's h2")

    # --- theme, logo, sitemap, search index
    css = open(os.path.join(site, "alpha/theme.css"), encoding="utf-8").read()
    ok("--farbe-primaer: #00612f;" in css, "alpha/theme.css carries the city's colours")
    ok('src="../assets/alpha/logo.svg" alt="Logo Alpha"' in pages["alpha/index.html"].text, "alpha's logo with alt text")
    # The data protection officer: only as the city publishes it, with the
    # source; without it (beta, the umbrella) the page says it is unchecked.
    da, db, du = (pages[k].text for k in ("alpha/datenschutz.html", "beta/datenschutz.html",
                                          "datenschutz.html"))
    ok('<h2 id="datenschutzbeauftragte">' in da and "Stadt Alpha, Datenschutzbeauftragte" in da and
       'href="mailto:datenschutz@alpha.example.test"' in da and 'href="tel:012349977"' in da and
       'Quelle: <a href="https://www.alpha.example.test/datenschutz">Veröffentlichung der Stadt Alpha</a>, '
       'geprüft am 20.11.2026' in da and "Angaben ohne Gewähr" not in da,
       "alpha's Datenschutz page names its privacy officer with the source and the date checked")
    ok("<strong>Angaben ohne Gewähr</strong> – bitte prüfen Sie bei der Stadt Beta "
       '(<a href="https://www.beta.example.test">Website der Stadt Beta</a>)' in db and
       "datenschutz@" not in db and "Quelle:" not in db,
       "without a privacy_officer beta's page invents nothing: unchecked, with the city's website")
    ok("Angaben ohne Gewähr</strong> – bitte prüfen Sie beim Betreiber (Testkreis, Der Landrat)" in du,
       "the umbrella's page says the operator's officer is unchecked")
    places = json.load(open(os.path.join(site, "suche.json"), encoding="utf-8"))["places"]
    ok(" suedfeld " in places and places.count(" gross ufer ") == 2 and " nordheide " in places and
       json.load(open(os.path.join(site, "alpha/suche.json"), encoding="utf-8"))["places"] == [],
       "the umbrella's suche.json carries the Ortsteile folded for search.js; a city's none")
    base = "https://portal.example.test/"
    index = open(os.path.join(site, "sitemap.xml"), encoding="utf-8").read()
    parts = re.findall(r"<sitemap><loc>([^<]*)</loc>", index)
    ok("<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">" in index and
       parts == [base + "sitemap-1.xml"], "sitemap.xml is a sitemap index naming sitemap-1.xml")
    locs = []
    for part in parts:
        if part.startswith(base) and exists(part[len(base):]):
            locs += re.findall(r"<loc>([^<]*)</loc>", open(os.path.join(site, part[len(base):]),
                                                          encoding="utf-8").read())
    ok(locs and all(l.startswith(base) and exists(l[len(base):]) for l in locs),
       "sitemap-1.xml: absolute URLs of existing pages")
    ok(len(locs) == len(pages) - 1 and len(set(locs)) == len(locs) and not any("404" in l for l in locs),
       "the sitemap lists every page but 404.html, once")
    try:
        texts_file = json.load(open(os.path.join(site, "suche-texte.json"), encoding="utf-8"))
        texts, texts_v = texts_file["f"], texts_file["v"]
    except Exception:
        texts, texts_v = [], None
    ok(texts and all(len(f) == 3 and all(isinstance(x, str) for x in f) for f in texts),
       "suche-texte.json: the folded title, keywords and text of each service, once for all portals")
    for idx in ("suche.json", "alpha/suche.json"):
        try:
            data = json.load(open(os.path.join(site, idx), encoding="utf-8"))
            page = pages[idx.replace(".json", ".html")].text
            texte = re.search(r'data-texte="([^"]*)"', page).group(1)
            good = (data["docs"] and all(exists(os.path.join(os.path.dirname(idx), e["u"]))
                                         and 0 <= e["t"] < len(texts) and "f" not in e
                                         for e in data["docs"])
                    and len(data["docs"]) == page.split('id="suchergebnisse">')[1]
                    .split("</ul>")[0].count('<li><a href="')
                    and os.path.normpath(os.path.join(os.path.dirname(idx), texte)) == "suche-texte.json"
                    and re.fullmatch(r"[0-9a-f]{40}", data["v"]) and data["v"] == texts_v)
        except Exception as e:
            good = False
        ok(good, idx + " is valid JSON, its URLs exist, one entry per service listed on the page, "
           "each numbering its texts, numbered alike (v); the page names suche-texte.json")
    # each entry's number names its own service's texts: the title the
    # page shows for that link, folded, is the texts' first field
    bad = search_fits.misfits(site)
    ok(not bad, "each entry's number points at the texts of its own service, in every portal", bad)
    ok(pages["suche.html"].text.count('<li><a href="leistungen/') == 3 and 'href="a-z.html"' in pages["suche.html"].text,
       "suche.html lists every service without JavaScript and links to A-Z")


class P(html.parser.HTMLParser):
    def __init__(s):
        super().__init__(); s.links = []; s.ids = set(); s.h1 = 0; s.lang = None; s.forms = []
    def handle_starttag(s, t, a):
        a = dict(a)
        if "id" in a: s.ids.add(a["id"])
        for k in ("href", "src"):
            if a.get(k): s.links.append(a[k])
        if t == "html": s.lang = a.get("lang")
        if t == "h1": s.h1 += 1
        if t == "form" and a.get("method") == "post": s.forms.append(a.get("action"))


def check_content_site(site, content):
    def check(c, what):
        ok(c, "content/: " + what)
    pages = {}
    for dp, dn, fn in os.walk(site):
        for f in fn:
            if f.endswith(".html"):
                k = os.path.relpath(os.path.join(dp, f), site); p = P()
                p.feed(open(os.path.join(dp, f), encoding="utf-8").read()); pages[k] = p
    region = open(os.path.join(content, "region.yml"), encoding="utf-8").read()
    m = re.search(r"^cities:\s*\[([^\]]*)\]", region, re.M)
    cities = [c.strip() for c in m.group(1).split(",")] if m else re.findall(r"^\s+-\s+([a-z0-9-]+)\s*$",
              region.split("\ncities:", 1)[1], re.M)
    built = [c for c in cities if os.path.isfile(os.path.join(site, c, "index.html"))]
    check(len(built) >= 1, "%d of %d cities built" % (len(built), len(cities)))
    cats = sorted(os.listdir(os.path.join(site, "kategorien")))
    check(all(os.path.isfile(os.path.join(site, c, "kategorien", x)) for c in built for x in cats),
          "every built city has every category page")
    svcs = [f for f in os.listdir(os.path.join(site, "leistungen"))]
    check(all(any(os.path.isfile(os.path.join(site, c, "leistungen", s)) for c in built) for s in svcs),
          "every umbrella service page has a city page")
    broken = []
    for k, p in pages.items():
        if k == "404.html": continue
        for url in p.links:
            u = urlsplit(url)
            if u.scheme: continue
            t = os.path.normpath(os.path.join(os.path.dirname(k), unquote(u.path))) if u.path else k
            if not os.path.isfile(os.path.join(site, t)) or (u.fragment and t in pages and u.fragment not in pages[t].ids):
                broken.append((k, url))
    check(not broken, "every internal link resolves %s" % broken[:5])
    check(all(p.lang == "de" and p.h1 == 1 for p in pages.values()), "every page: lang=de and one h1")
    # The right office from every portal: what the Kreis does for a city is
    # listed there with "Zuständig: Kreis Recklinghausen" and a link to the
    # Kreis portal's page.
    dors = read(os.path.join(site, "dorsten/kategorien/mobilitaet-und-reisen.html"))
    check('href="../../kreis-recklinghausen/leistungen/kfz-zulassung.html">' in dors and
          "Zuständig: Kreis Recklinghausen" in dors,
          "Dorsten's Mobilität und Reisen lists Fahrzeug zulassen: Zuständig: Kreis Recklinghausen")
    idx = json.load(open(os.path.join(site, "dorsten/suche.json"), encoding="utf-8"))
    kfz = [e for e in idx["docs"] if e["u"].endswith("leistungen/kfz-zulassung.html")]
    such = read(os.path.join(site, "dorsten/suche.html"))
    check(len(kfz) == 1 and kfz[0]["u"] == "../kreis-recklinghausen/leistungen/kfz-zulassung.html" and
          re.search(r'<li><a href="../kreis-recklinghausen/leistungen/kfz-zulassung.html">[^<]*</a>'
                    r'<p class="responsible">Zuständig: Kreis Recklinghausen', such),
          "Dorsten's search finds Fahrzeug zulassen at the Kreis (%s)" % kfz)
    imp = {c: read(os.path.join(site, c, "impressum.html")) for c in ("bottrop", "dorsten", "kreis-recklinghausen")
           if c in built}
    check("vertreten durch die Oberbürgermeisterin oder den Oberbürgermeister" in imp.get("bottrop", "") and
          "vertreten durch die Bürgermeisterin oder den Bürgermeister" in imp.get("dorsten", "") and
          "vertreten durch die Landrätin oder den Landrat" in imp.get("kreis-recklinghausen", ""),
          "the Impressum names the office that represents each body (kreisfreie Stadt: Oberbürgermeister)")
    # The data protection officer: as the city publishes it, with the source
    # (city.yml privacy_officer:), or visibly unchecked with the city's site.
    dsv = {c: read(os.path.join(site, c, "datenschutz.html")) for c in [""] + built}
    check('href="mailto:datenschutz@dorsten.de"' in dsv.get("dorsten", "") and
          'Quelle: <a href="https://buergerpark-maria-lindenhof.de/extras/datenschutzerklaerung/">'
          'Veröffentlichung der Stadt Dorsten</a>, geprüft am 03.12.2026' in dsv.get("dorsten", ""),
          "Dorsten's Datenschutz page names its data protection officer with the city's page as source")
    check(("bitte prüfen Sie bei der Stadt Bottrop (<a href=\"https://www.bottrop.de\">" in dsv.get("bottrop", "")
           or "bottrop" not in built) and
          ("bitte prüfen Sie beim Kreis Recklinghausen (<a href=\"https://www.kreis-re.de\">"
           in dsv.get("kreis-recklinghausen", "") or "kreis-recklinghausen" not in built),
          "where no publication was found (Bottrop, the Kreis) the page says so and links the body's site")
    unsure = [c or "umbrella" for c, t in dsv.items()
              if "Quelle: <a href=\"https://" not in t and "<strong>Angaben ohne Gewähr</strong>" not in t]
    check(not unsure, "every Datenschutz page either sources its officer or marks it unchecked %s" % unsure)
    check("<strong>Angaben ohne Gewähr</strong> – Gefunden in der Datenschutzerklärung der Stadt für den "
          "Bürgerpark" in dsv.get("dorsten", "x") if "dorsten" in built else True,
          "a source off the city's main site (caveat:) is shown with 'Angaben ohne Gewähr'")
    # Dorsten and the Kreis have nearly the same colours: the header says
    # which portal it is in words, and the Kreis's header has another shape.
    dstart = read(os.path.join(site, "dorsten/index.html"))
    kstart = read(os.path.join(site, "kreis-recklinghausen/index.html"))
    check('<span class="brand-badge">Stadtportal</span>' in dstart and
          '<span class="brand-badge">Kreisportal</span>' in kstart and
          '<header class="site-header site-header-kreis">' in kstart and
          '<header class="site-header">' in dstart,
          "Dorsten and the Kreis are told apart by more than colour (badge, header shape)")
    check('<link rel="icon" href="../assets/favicon.svg" type="image/svg+xml">' in dstart and
          os.path.exists(os.path.join(site, "assets/favicon.svg")), "every page has the favicon")
    az = read(os.path.join(site, "dorsten/a-z.html"))
    check(re.search(r'hundeanmeldung.html">[^<]*</a> <span class="tag tag-online">Online erledigen</span>', az)
          and not re.search(r'personalausweis.html">[^<]*</a> <span class="tag tag-online">', az),
          "lists mark the services that can be done online (Hund anmelden), not the others (Personalausweis)")
    # "Termin vereinbaren" where the office books appointments (city.yml).
    gpa = read(os.path.join(site, "gelsenkirchen/leistungen/personalausweis.html"))
    dpa = read(os.path.join(site, "dorsten/leistungen/personalausweis.html"))
    check('<a class="button" href="https://www.gelsenkirchen.de">Termin vereinbaren' in gpa and
          "telefonisch unter 0209 169-2100" in gpa and "Termin vereinbaren" not in dpa and
          "Bitte wenden Sie sich an die zuständige Stelle" in dpa,
          "a service without a form shows 'Termin vereinbaren' where the office books online, else the office")
    hund = read(os.path.join(site, "dorsten/leistungen/hundeanmeldung.html"))
    check('<p class="form-privacy">' in hund and 'href="../datenschutz.html">Hinweisen zum Datenschutz' in hund,
          "a data-protection note with a link stands next to the form's submit button")
    check("<strong>Angaben ohne Gewähr:</strong>" in hund and 'href="https://www.dorsten.de">' in hund,
          "a service page says its facts are given without guarantee and links the city's own site")
    start = read(os.path.join(site, "index.html"))
    check(0 < start.find('id="staedte"') < start.find('class="intro"'),
          "the umbrella start page leads with Wählen Sie Ihre Stadt, the introduction comes later")
    zero = [c for c in [""] + built if '<span class="count">(0)</span>' in
            read(os.path.join(site, c, "index.html"))]
    check(not zero, "no start page offers a category with nothing to follow: (0) %s" % zero)
    kreis = read(os.path.join(site, "kreis-recklinghausen/kategorien/steuern-und-abgaben.html"))
    check('href="../../leistungen/hundeanmeldung.html">' in kreis and "Zuständig: Ihre Stadt" in kreis,
          "the Kreis portal lists Hund anmelden: Zuständig: Ihre Stadt, linked to the page naming the towns")
    forms = [k for k, p in pages.items() if p.forms]
    check(len(forms) > 0 and all(p.forms[0].endswith("/" + k.split("/")[0] + "/" + os.path.basename(k)[:-5])
                                 for k, p in pages.items() if p.forms), "%d service pages with forms posting to relay/city/service" % len(forms))
    secrets, public = set(), set()
    for dp, dn, fn in os.walk(content):
        for f in fn:
            if f.endswith(".yml"):
                text = open(os.path.join(dp, f), encoding="utf-8").read()
                secrets |= set(re.findall(r"^\s*recipient:\s*\"?([^\s\"#]+)", text, re.M))
                public |= set(re.findall(r"^\s*email:\s*\"?([^\s\"#]+)", text, re.M))
    # A recipient that is also a published contact address is no secret.
    secrets -= public
    leaks = []
    for dp, dn, fn in os.walk(site):
        for f in fn:
            data = open(os.path.join(dp, f), encoding="utf-8", errors="replace").read()
            leaks += [(os.path.relpath(os.path.join(dp, f), site), s) for s in secrets if s in data]
    check(not leaks, "none of the %d unpublished recipient addresses appears %s" % (len(secrets), leaks[:3]))


R = root_with(os.path.join(ROOT, "tests/fixtures/content-site"))
OUT = os.path.join(TEST_TMP, "site")
log = os.path.join(TEST_TMP, "build.log")
if not sitegen("build", "--root", R, "--out", OUT, "--date", DATE, log=log):
    ok(False, "fixture site builds", head(log, 5))
    done()
ok(True, "fixture site builds")
check_fixture_site(OUT)

# --relay-url changes every form action.
o = os.path.join(TEST_TMP, "site-relay")
ok(sitegen("build", "--root", R, "--out", o, "--date", DATE,
           "--relay-url", "https://anders.example.test/post") and
   'action="https://anders.example.test/post/beta/hundeanmeldung"'
   in read(os.path.join(o, "beta/leistungen/hundeanmeldung.html")),
   "--relay-url sets the form action")

# The same bytes with one thread and with two.
o = os.path.join(TEST_TMP, "site-j1")
ok(sitegen("build", "--root", R, "--out", o, "--date", DATE, "-j", "1") and
   subprocess.run(["diff", "-r", "-x", ".sitegen-fingerprint", OUT, o],
                  stdout=subprocess.DEVNULL).returncode == 0,
   "output does not depend on the number of threads")

# Building on the launch date of 'zukunft' builds it.
o = os.path.join(TEST_TMP, "site-2099")
ok(sitegen("build", "--root", R, "--out", o, "--date", "2099-01-01") and
   os.path.isfile(os.path.join(o, "zukunft/index.html")) and
   os.path.isfile(os.path.join(o, "alpha/leistungen/spaeter.html")),
   "launch and available_from dates are honoured on the day")

# Built from a commit: each page names the last commit that changed its
# inputs (a meta tag, the short id in the footer, the "Stand" of service
# pages); only build.json names the commit built.
def last_change(*paths):
    r = subprocess.run(["git", "-C", ROOT, "log", "-1", "--format=%H", "HEAD", "--"] +
                       ["tests/fixtures/content-site/" + p for p in paths],
                       capture_output=True, text=True)
    return r.stdout.strip()

git = subprocess.run(["git", "-C", ROOT, "rev-parse", "HEAD"], capture_output=True, text=True)
if git.returncode == 0 and subprocess.run(
        ["git", "-C", ROOT, "cat-file", "-e", "HEAD:tests/fixtures/content-site/region.yml"],
        stderr=subprocess.DEVNULL).returncode == 0:
    commit = git.stdout.strip()
    G = os.path.join(TEST_TMP, "site-ref")
    log = os.path.join(TEST_TMP, "ref.log")
    # the files of alpha's lists: every service, alpha's city.yml and
    # overrides (no override of alpha hands a service to another body),
    # the region files (not README.md, themes or logos: no page's text
    # comes from them)
    listing = last_change("services", "cities/alpha/*.yml", "region.yml", "categories.yml",
                          "links.yml")
    text = last_change("region.yml", "categories.yml", "links.yml", "cities/beta/city.yml")
    ok(sitegen("build", "--ref", "HEAD", "--content", "tests/fixtures/content-site",
               "--out", G, "--date", DATE, log=log, cwd=ROOT) and
       '<meta name="generator-commit" content="%s">' % listing in read(os.path.join(G, "alpha/index.html")) and
       "Version " + text[:7] in read(os.path.join(G, "beta/impressum.html")) and
       re.search(r'<p class="meta">Stand: [0-3][0-9]\.[01][0-9]\.20[0-9][0-9]</p>',
                 read(os.path.join(G, "alpha/leistungen/hundeanmeldung.html"))) is not None,
       "built from a commit: the last change of a page's inputs in its meta, footer and Stand",
       head(log, 3))
    b = json.loads(read(os.path.join(G, "build.json")))
    ok(b.get("commit") == commit and b.get("date") == DATE,
       "build.json names the commit built and the date", str(b))
    ok(not re.search("generator-commit|Stand:", read(os.path.join(OUT, "alpha/leistungen/hundeanmeldung.html"))),
       "working-tree build has no commit id and no Stand date")
else:
    skip("built from a commit", "not a git checkout with the fixture committed")

# A primary colour that fails 4.5:1 against white is an editor's error.
B = root_with(os.path.join(ROOT, "tests/fixtures/content-site"))
city = os.path.join(B, "content/cities/alpha/city.yml")
with open(city, encoding="utf-8") as f:
    text = f.read()
with open(city, "w", encoding="utf-8") as f:
    f.write(text.replace('primary: "#00612f"', 'primary: "#7fbf7f"'))
o, log = os.path.join(TEST_TMP, "site-bad"), os.path.join(TEST_TMP, "bad.log")
if sitegen("build", "--root", B, "--out", o, "--date", DATE, log=log):
    ok(False, "low-contrast city colour is refused")
else:
    ok(re.search(r"content/cities/alpha/city\.yml:[0-9]*:[0-9]*: .*contrast", read(log)) is not None
       and not os.path.exists(o),
       "low-contrast city colour is refused with file:line and nothing is written", head(log, 3))

# A theme error names the template file, line and column.
B = root_with(os.path.join(ROOT, "tests/fixtures/content-site"))
with open(os.path.join(B, "content/cities/alpha/theme/footer.mustache"), "a", encoding="utf-8") as f:
    f.write("<p>{{nicht_definiert}}</p>\n")
o, log = os.path.join(TEST_TMP, "site-bad2"), os.path.join(TEST_TMP, "bad2.log")
if sitegen("build", "--root", B, "--out", o, "--date", DATE, log=log):
    ok(False, "undefined template variable fails the build")
else:
    ok(re.search(r"cities/alpha/theme/footer\.mustache:[0-9]*:[0-9]*: .*nicht_definiert", read(log)) is not None,
       "undefined template variable fails the build with template file:line:col", head(log, 3))

# The real catalogue: all portals build, links resolve, no recipient leaks.
RR = root_with(os.path.join(ROOT, "content"))
REAL = os.path.join(TEST_TMP, "real")
log = os.path.join(TEST_TMP, "real.log")
if sitegen("build", "--root", RR, "--out", REAL, "--date", DATE, log=log):
    n = sum(f.endswith(".html") for _, _, fs in os.walk(REAL) for f in fs)
    ok(True, "content/ builds (%d pages)" % n)
    check_content_site(REAL, os.path.join(ROOT, "content"))
else:
    ok(False, "content/ builds", head(log, 3))
done()
