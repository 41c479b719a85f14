#!/usr/bin/env python3
"""gen_catalog.py OUT [N_SERVICES] - a synthetic catalogue for `make bench`.

Writes two views of the same 14 portals:

  OUT/content/   a schema-valid sitegen catalogue (see content/README.md): the
                 real region.yml, categories.yml, links.yml and cities/*/city.yml
                 of this repository, plus N generated services (default 600)
                 that every city offers, and a few per-city overrides;
  OUT/hugo/      the same pages as a Hugo site: for the umbrella portal and each
                 of the 13 cities one Markdown file per service, per category
                 and per text page, with the same front matter data and the same
                 Markdown; layouts come from bench/hugo/ and are copied as they
                 are, the real YAML files go to hugo/data/.

Deterministic: the same N gives byte-identical files. Python standard
library only (no PyYAML); YAML is written with double-quoted scalars (a JSON
string is a valid YAML double-quoted scalar) and literal blocks for Markdown.
"""
import json
import os
import random
import re
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
CONTENT = os.path.join(REPO, "content")

# Office roles that every city.yml of the real content has (checked with
# `grep` over content/cities/*/city.yml; the Kreis has fewer offices than
# its towns). Services alternate between them.
OFFICES = ["jugendamt", "auslaenderbehoerde"]

NOUNS = [
    ("Anwohnerparkausweis", "anwohnerparkausweis"), ("Aufenthaltstitel", "aufenthaltstitel"),
    ("Baugenehmigung", "baugenehmigung"), ("Bauvorbescheid", "bauvorbescheid"),
    ("Beglaubigung", "beglaubigung"), ("Bewohnerausweis", "bewohnerausweis"),
    ("Elterngeldbescheinigung", "elterngeldbescheinigung"), ("Erlaubnis für Plakate", "erlaubnis-fuer-plakate"),
    ("Fischereischein", "fischereischein"), ("Führungszeugnis", "fuehrungszeugnis"),
    ("Fundsache", "fundsache"), ("Gaststättenerlaubnis", "gaststaettenerlaubnis"),
    ("Gewerbeanmeldung", "gewerbeanmeldung"), ("Grabnutzungsrecht", "grabnutzungsrecht"),
    ("Hausnummer", "hausnummer"), ("Jagdschein", "jagdschein"),
    ("Kindertagespflege", "kindertagespflege"), ("Kita-Platz", "kita-platz"),
    ("Lebensbescheinigung", "lebensbescheinigung"), ("Marktstand", "marktstand"),
    ("Meldebescheinigung", "meldebescheinigung"), ("Namensänderung", "namensaenderung"),
    ("Ortsteilfest", "ortsteilfest"), ("Parkerleichterung", "parkerleichterung"),
    ("Reisegewerbekarte", "reisegewerbekarte"), ("Schulbescheinigung", "schulbescheinigung"),
    ("Schwerbehindertenausweis", "schwerbehindertenausweis"), ("Sperrmüllabholung", "sperrmuellabholung"),
    ("Straßensperrung", "strassensperrung"), ("Taxikonzession", "taxikonzession"),
    ("Umweltplakette", "umweltplakette"), ("Unterhaltsvorschuss", "unterhaltsvorschuss"),
    ("Veranstaltungsanzeige", "veranstaltungsanzeige"), ("Waffenbesitzkarte", "waffenbesitzkarte"),
    ("Wohnberechtigungsschein", "wohnberechtigungsschein"), ("Wohngeld", "wohngeld"),
    ("Zweitwohnungsteuer", "zweitwohnungsteuer"), ("Zuschuss für Vereine", "zuschuss-fuer-vereine"),
    ("Übergangsgeld", "uebergangsgeld"), ("Ölspurbeseitigung", "oelspurbeseitigung"),
]
VERBS = [
    ("beantragen", "beantragen"), ("verlängern", "verlaengern"), ("ändern", "aendern"),
    ("abmelden", "abmelden"), ("anmelden", "anmelden"), ("ersetzen", "ersetzen"),
    ("übertragen", "uebertragen"), ("widerrufen", "widerrufen"), ("prüfen lassen", "pruefen-lassen"),
    ("vormerken", "vormerken"), ("zurückgeben", "zurueckgeben"), ("einsehen", "einsehen"),
    ("erneuern", "erneuern"), ("melden", "melden"), ("auskunft erhalten", "auskunft-erhalten"),
]
WORDS = ("Antrag Behörde Bescheid Nachweis Unterlagen Gebühr Frist Verfahren Stadt "
         "Verwaltung Bürgerinnen Bürger Auskunft Termin Formular Bearbeitung Zuständigkeit "
         "Erklärung Genehmigung Prüfung Zahlung Anschrift Wohnsitz Ausweis Vollmacht "
         "Rückfrage Entscheidung Verlängerung Änderung Ersatz Bestätigung Eingang").split()
SENTENCES = [
    "Sie können den Antrag online stellen oder persönlich bei der zuständigen Stelle abgeben.",
    "Die Bearbeitung beginnt, sobald alle Unterlagen vollständig vorliegen.",
    "Bitte halten Sie Ihren Personalausweis oder Reisepass bereit.",
    "Über das Ergebnis erhalten Sie einen schriftlichen Bescheid.",
    "Wenn Sie nicht selbst kommen können, darf eine bevollmächtigte Person den Antrag stellen.",
    "Die Gebühr richtet sich nach der Verwaltungsgebührenordnung des Landes Nordrhein-Westfalen.",
    "Fehlen Angaben, meldet sich die Verwaltung bei Ihnen und nennt eine Frist für die Nachreichung.",
    "Für Rückfragen nennen Sie bitte immer Ihr Aktenzeichen.",
    "Änderungen Ihrer Anschrift teilen Sie bitte unverzüglich mit.",
    "Die Entscheidung kann mit einem Widerspruch oder einer Klage angefochten werden.",
    "Menschen mit Behinderung erhalten auf Wunsch Unterstützung beim Ausfüllen.",
    "Die Frist beginnt mit dem Tag, an dem der Bescheid zugestellt wird.",
    "In dringenden Fällen ist eine bevorzugte Bearbeitung möglich; sprechen Sie uns an.",
    "Nachweise aus dem Ausland müssen in beglaubigter deutscher Übersetzung vorliegen.",
    "Gebühren zahlen Sie bar, mit Girocard oder nach Rechnung per Überweisung.",
    "Ein Termin ist nicht nötig, verkürzt aber die Wartezeit erheblich.",
]
LEGAL = [
    "§ 3 Verwaltungsverfahrensgesetz NRW (VwVfG NRW)",
    "Gebührengesetz für das Land Nordrhein-Westfalen (GebG NRW)",
    "Allgemeine Verwaltungsgebührenordnung NRW (AVerwGebO NRW)",
    "§ 17 Bundesmeldegesetz (BMG)",
    "Satzung der Stadt über die Erhebung von Verwaltungsgebühren",
    "§ 35 Gewerbeordnung (GewO)",
    "§ 18 Straßen- und Wegegesetz NRW (StrWG NRW)",
]
DOCUMENTS = [
    "Gültiger Personalausweis oder Reisepass", "Meldebescheinigung (nicht älter als drei Monate)",
    "Vollmacht, wenn eine andere Person den Antrag stellt", "Nachweis über das Einkommen",
    "Aktuelles biometrisches Passfoto", "Bisheriger Bescheid oder bisherige Erlaubnis",
    "Lageplan im Maßstab 1:500", "Nachweis der Haftpflichtversicherung",
]


def fold(s):
    return (s.replace("ä", "a").replace("ö", "o").replace("ü", "u").replace("Ä", "A")
            .replace("Ö", "O").replace("Ü", "U").replace("ß", "ss"))


def q(s):
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(s, ensure_ascii=False)


def block(s, indent):
    """A YAML literal block scalar for Markdown."""
    pad = " " * indent
    return "|\n" + "".join((pad + line if line else "") + "\n" for line in s.rstrip("\n").split("\n"))


def read_categories():
    """(slug, name, [lebenslage slugs]) from the real categories.yml; its
    layout is fixed by content/README.md (2-space list items, lebenslagen
    at 6 spaces), so a line scan suffices without a YAML parser."""
    cats = []
    for line in open(os.path.join(CONTENT, "categories.yml"), encoding="utf-8"):
        m = re.match(r"^  - slug: *(\S+)", line)
        if m:
            cats.append([m.group(1), None, []])
            continue
        m = re.match(r"^    name: *(.+?)\s*$", line)
        if m and cats and cats[-1][1] is None:
            cats[-1][1] = m.group(1).strip('"')
            continue
        m = re.match(r"^      - slug: *(\S+)", line)
        if m and cats:
            cats[-1][2].append(m.group(1))
    if not cats:
        sys.exit("gen_catalog: no categories in content/categories.yml")
    return cats


def read_cities():
    """City slugs in display order from region.yml, with their names."""
    cities = []
    in_list = False
    for line in open(os.path.join(CONTENT, "region.yml"), encoding="utf-8"):
        if re.match(r"^cities:", line):
            rest = line.split(":", 1)[1].strip()
            if rest.startswith("["):
                cities = [c.strip() for c in rest.strip("[]").split(",") if c.strip()]
                break
            in_list = True
            continue
        if in_list:
            m = re.match(r"^  - *(\S+)", line)
            if m:
                cities.append(m.group(1))
            elif line.strip() and not line.startswith(" "):
                break
    out = []
    for slug in cities:
        name = slug
        for line in open(os.path.join(CONTENT, "cities", slug, "city.yml"), encoding="utf-8"):
            m = re.match(r"^name: *(.+?)\s*$", line)
            if m:
                name = m.group(1).strip('"')
                break
        out.append((slug, name))
    if len(out) != 13:
        sys.exit("gen_catalog: expected 13 cities in content/region.yml, found %d" % len(out))
    return out


def paragraph(rng, n):
    return " ".join(rng.choice(SENTENCES) for _ in range(n))


def description(rng, title):
    """About 1.5 KB of Markdown: paragraphs, emphasis, a heading, a list, a link."""
    parts = [
        "Mit dieser Leistung können Sie **%s**. %s" % (title, paragraph(rng, 3)),
        "## Ablauf",
        "\n".join("- %s" % s for s in rng.sample(SENTENCES, 4)),
        "%s Weitere Informationen finden Sie auf dem "
        "[Serviceportal des Landes NRW](https://service.nrw.de). %s" % (paragraph(rng, 2), paragraph(rng, 2)),
        "## Hinweise",
        "%s *%s* ist dabei besonders wichtig. %s" % (paragraph(rng, 2), rng.choice(WORDS), paragraph(rng, 2)),
    ]
    md = "\n\n".join(parts) + "\n"
    while len(md.encode()) < 1450:
        md += "\n" + paragraph(rng, 2) + "\n"
    return md


def form_fields(i):
    """Eight fields of the usual kinds; the email field receives the receipt."""
    return [
        {"name": "vorname", "label": "Vorname", "type": "text", "required": True,
         "max_length": 100, "autocomplete": "given-name"},
        {"name": "nachname", "label": "Nachname", "type": "text", "required": True,
         "max_length": 100, "autocomplete": "family-name"},
        {"name": "email", "label": "E-Mail-Adresse", "type": "email", "required": True,
         "max_length": 254, "help": "An diese Adresse senden wir die Eingangsbestätigung.", "autocomplete": "email"},
        {"name": "geburtsdatum", "label": "Geburtsdatum", "type": "date", "required": True},
        {"name": "anliegen", "label": "Ihr Anliegen", "type": "select", "required": True,
         "options": [{"value": "neu", "label": "Erstantrag"},
                     {"value": "aenderung", "label": "Änderung"},
                     {"value": "ersatz", "label": "Ersatz"}]},
        {"name": "anzahl", "label": "Anzahl der Ausfertigungen", "type": "number",
         "min": 1, "max": 10 + i % 5},
        {"name": "nachweis", "label": "Nachweis", "type": "file",
         "accept": ["application/pdf", "image/jpeg", "image/png"], "max_files": 2,
         "help": "PDF, JPEG oder PNG, höchstens 5 MB je Datei."},
        {"name": "bestaetigung", "label": "Ich versichere, dass meine Angaben richtig sind.",
         "type": "checkbox", "required": True},
    ]


def make_services(n, cats):
    rng = random.Random(20201001)
    combos = [(a, b) for a in NOUNS for b in VERBS]
    rng.shuffle(combos)
    services = []
    for i in range(n):
        (noun, nslug), (verb, vslug) = combos[i % len(combos)]
        title = "%s %s" % (noun, verb)
        slug = "%s-%s" % (nslug, vslug)
        if i >= len(combos):
            # The round goes in the middle: no slug is a prefix of another
            # ("x-melden" / "x-melden-2"), an ordering the loader's slug
            # bisection got wrong when this was written.
            r = i // len(combos) + 1
            title += " (%d)" % r
            slug = "%s-%d-%s" % (nslug, r, vslug)
        cat = cats[i % len(cats)]
        s = {
            "slug": slug, "title": title,
            "leika": "99%012d" % (rng.randrange(10**12)),
            "category": cat[0], "category_name": cat[1],
            "lebenslagen": [cat[2][i % len(cat[2])]] if cat[2] else [],
            "summary": "So erledigen Sie „%s“ – online oder vor Ort." % title,
            "description": description(rng, title),
            "requirements": "- Sie wohnen in der Stadt.\n- %s\n" % rng.choice(SENTENCES),
            "documents": rng.sample(DOCUMENTS, 3),
            "costs": "%d,00 Euro" % (5 + rng.randrange(60)),
            "deadlines": "Innerhalb von %d Wochen nach dem Ereignis" % (2 + i % 6),
            "duration": "etwa %d Wochen" % (1 + i % 4),
            "legal_basis": rng.sample(LEGAL, 2),
            "office": OFFICES[i % len(OFFICES)],
            "keywords": " ".join(rng.sample(WORDS, 4)),
            "form": None,
        }
        if i % 3 == 0:
            s["form"] = {
                "intro": "Bitte füllen Sie alle **Pflichtangaben** aus. %s\n" % rng.choice(SENTENCES),
                "applicant_email": "email",
                "fields": form_fields(i),
            }
        services.append(s)
    return services


def overrides_for(ci, services):
    """Every 50th service (shifted per city) costs something else there and
    carries a note; gives the renderer's override path some work."""
    out = {}
    for i, s in enumerate(services):
        if (i + ci * 7) % 50 == 0:
            out[s["slug"]] = {"costs": "%d,50 Euro (städtische Satzung)" % (10 + ci),
                              "note": "Für diese Leistung gilt in unserer Stadt eine **eigene Satzung**.\n"}
    return out


# ---- sitegen view ----

def field_yaml(f, ind):
    pad = " " * ind
    lines = []
    first = True
    for k in ("name", "label", "type", "required", "max_length", "help", "autocomplete",
              "min", "max", "accept", "max_files"):
        if k not in f:
            continue
        v = f[k]
        if isinstance(v, bool):
            v = "true" if v else "false"
        elif isinstance(v, int):
            v = str(v)
        elif isinstance(v, list):
            v = "[" + ", ".join(q(x) for x in v) + "]"
        else:
            v = q(v)
        lines.append("%s%s: %s" % (pad[:-2] + "- " if first else pad, k, v))
        first = False
    if "options" in f:
        lines.append("%soptions:" % pad)
        for o in f["options"]:
            lines.append("%s  - { value: %s, label: %s }" % (pad, q(o["value"]), q(o["label"])))
    return "\n".join(lines) + "\n"


def service_yaml(s):
    y = ["# Synthetic service for `make bench` (bench/gen_catalog.py).\n",
         "title: %s\n" % q(s["title"]),
         "leika: %s\n" % q(s["leika"]),
         "category: %s\n" % s["category"]]
    if s["lebenslagen"]:
        y.append("lebenslagen: [%s]\n" % ", ".join(s["lebenslagen"]))
    y += ["summary: %s\n" % q(s["summary"]),
          "description: " + block(s["description"], 2),
          "requirements: " + block(s["requirements"], 2),
          "documents:\n" + "".join("  - %s\n" % q(d) for d in s["documents"]),
          "costs: %s\n" % q(s["costs"]),
          "deadlines: %s\n" % q(s["deadlines"]),
          "duration: %s\n" % q(s["duration"]),
          "legal_basis:\n" + "".join("  - %s\n" % q(d) for d in s["legal_basis"]),
          "office: %s\n" % s["office"],
          "keywords: %s\n" % q(s["keywords"])]
    if s["form"]:
        f = s["form"]
        y.append("form:\n  intro: " + block(f["intro"], 4))
        y.append("  applicant_email: %s\n  fields:\n" % f["applicant_email"])
        y += [field_yaml(fd, 6) for fd in f["fields"]]
    return "".join(y)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fp:
        fp.write(text)


def write_catalogue(out, services, cities):
    dst = os.path.join(out, "content")
    for f in ("region.yml", "categories.yml", "links.yml"):
        os.makedirs(dst, exist_ok=True)
        shutil.copyfile(os.path.join(CONTENT, f), os.path.join(dst, f))
    for ci, (slug, _) in enumerate(cities):
        os.makedirs(os.path.join(dst, "cities", slug), exist_ok=True)
        shutil.copyfile(os.path.join(CONTENT, "cities", slug, "city.yml"),
                        os.path.join(dst, "cities", slug, "city.yml"))
        for svc, ov in overrides_for(ci, services).items():
            write(os.path.join(dst, "cities", slug, svc + ".yml"),
                  "costs: %s\nnote: %s" % (q(ov["costs"]), block(ov["note"], 2)))
    for s in services:
        write(os.path.join(dst, "services", s["slug"] + ".yml"), service_yaml(s))


# ---- Hugo view: the same pages ----

def front(d, body=""):
    """YAML front matter from a dict (scalars, lists, lists of dicts)."""
    y = ["---\n"]
    for k, v in d.items():
        if v is None:
            continue
        if isinstance(v, list):
            if not v:
                continue
            y.append("%s:\n" % k)
            for item in v:
                if isinstance(item, dict):
                    y.append(field_yaml(item, 4))
                else:
                    y.append("  - %s\n" % q(item))
        elif isinstance(v, dict):
            y.append("%s:\n" % k)
            for k2, v2 in v.items():
                y.append("  %s: %s\n" % (k2, q(v2) if isinstance(v2, str) else json.dumps(v2)))
        elif isinstance(v, bool):
            y.append("%s: %s\n" % (k, "true" if v else "false"))
        elif isinstance(v, int):
            y.append("%s: %d\n" % (k, v))
        else:
            y.append("%s: %s\n" % (k, q(v)))
    y.append("---\n")
    return "".join(y) + body


TEXT_PAGES = [("impressum", "Impressum", "text"), ("datenschutz", "Datenschutzerklärung", "text"),
              ("barrierefreiheit", "Erklärung zur Barrierefreiheit", "text"),
              ("suche", "Suche", "search")]


def shift_headings(md):
    """sitegen puts Markdown headings two levels down (## -> h4) below the
    page's own h2 sections. Hugo could do the same with a heading render
    hook, but that costs it about 10% cpu; writing the Hugo copy with the
    headings already at their level gives the same HTML for less."""
    out = []
    for line in md.split("\n"):
        m = re.match(r"^(#{1,6}) ", line)
        if m:
            line = "#" * min(6, len(m.group(1)) + 2) + line[len(m.group(1)):]
        out.append(line)
    return "\n".join(out)


def az_letter(title):
    """The A-Z group of a title, umlauts folded as sitegen does; stored in
    the front matter so that Hugo can group with GroupByParam."""
    return fold(title[0]).upper()


def theme_css(name, city_yml):
    """The per-portal colour sheet, as sitegen writes it from city.yml."""
    cols = {}
    if city_yml:
        for line in open(city_yml, encoding="utf-8"):
            m = re.match(r'^  (primary|accent): *"?(#[0-9a-fA-F]{6})"?', line)
            if m:
                cols[m.group(1)] = m.group(2)
    return ("/* Farben: %s (erzeugt) */\n:root {\n\t--farbe-primaer: %s;\n"
            "\t--farbe-akzent: %s;\n}\n" % (name, cols.get("primary", "#004b87"),
                                          cols.get("accent", "#e2001a")))


def write_hugo(out, services, cities, cats):
    hugo = os.path.join(out, "hugo")
    shutil.copytree(os.path.join(HERE, "hugo"), hugo, dirs_exist_ok=True)
    data = os.path.join(hugo, "data")
    os.makedirs(os.path.join(data, "cities"), exist_ok=True)
    # Hugo reads the real YAML itself (offices, contact, categories).
    shutil.copyfile(os.path.join(CONTENT, "region.yml"), os.path.join(data, "region.yaml"))
    shutil.copyfile(os.path.join(CONTENT, "categories.yml"), os.path.join(data, "categories.yaml"))
    shutil.copyfile(os.path.join(CONTENT, "links.yml"), os.path.join(data, "links.yaml"))
    for slug, _ in cities:
        shutil.copyfile(os.path.join(CONTENT, "cities", slug, "city.yml"),
                        os.path.join(data, "cities", slug + ".yaml"))
    # Static files: the real theme's files that sitegen copies to assets/
    # (site.c, assets()) when they exist, and one colour sheet per portal
    # like sitegen's theme.css.
    static = os.path.join(hugo, "static")
    os.makedirs(os.path.join(static, "assets"), exist_ok=True)
    for f in ("style.css", "search.js", "form.js", "thread.js", "favicon.svg"):
        src = os.path.join(REPO, "themes", "default", f)
        if os.path.exists(src):
            shutil.copyfile(src, os.path.join(static, "assets", f))
        else:
            write(os.path.join(static, "assets", f), "/* %s */\n" % f)
    write(os.path.join(static, "assets", "theme.css"), theme_css("Serviceportal Emscher-Lippe", None))
    for slug, name in cities:
        write(os.path.join(static, slug, "theme.css"),
              theme_css("Serviceportal " + name, os.path.join(CONTENT, "cities", slug, "city.yml")))

    c = os.path.join(hugo, "content")
    lorem = paragraph(random.Random(1), 6) + "\n"
    portals = [("", None, "Serviceportal Emscher-Lippe")] + \
              [(slug, name, "Serviceportal " + name) for slug, name in cities]
    for ci, (pslug, cname, pname) in enumerate(portals):
        base = os.path.join(c, pslug) if pslug else c
        portal = pslug or "dachportal"
        prefix = "/%s/" % pslug if pslug else "/"
        common = {"portal": portal, "portal_name": pname}
        if pslug:
            write(os.path.join(base, "_index.md"),
                  front(dict(title=pname, type="portal", url=prefix + "index.html", **common)))
        else:
            write(os.path.join(c, "_index.md"), front(dict(title=pname, **common)))
        write(os.path.join(base, "leistungen", "_index.md"),
              front(dict(title="Leistungen von A bis Z", type="az", url=prefix + "a-z.html", **common)))
        for k in cats:
            write(os.path.join(base, "kategorien", k[0] + ".md"),
                  front(dict(title=k[1], type="category", category=k[0], **common)))
        pages = TEXT_PAGES + ([("leichte-sprache", "Leichte Sprache", "text")] if not pslug else [])
        for tslug, ttitle, ttype in pages:
            fm = dict(title=ttitle, type=ttype, **common)
            if ttype == "search":
                fm["outputs"] = ["HTML", "JSON"]
            write(os.path.join(base, tslug + ".md"), front(fm, lorem if ttype == "text" else ""))
        ovs = overrides_for(ci - 1, services) if pslug else {}
        for s in services:
            shifted = shift_headings(s["description"])
            ov = ovs.get(s["slug"], {})
            fm = dict(title=s["title"], type="service" if pslug else "overview", **common)
            fm.update(svc=s["slug"], leika=s["leika"], category=s["category"],
                      category_name=s["category_name"], summary=s["summary"],
                      lebenslagen=s["lebenslagen"], words=s["keywords"],
                      letter=az_letter(s["title"]))
            if pslug:
                fm.update(requirements=s["requirements"], documents=s["documents"],
                          costs=ov.get("costs", s["costs"]), deadlines=s["deadlines"],
                          duration=s["duration"], legal_basis=s["legal_basis"],
                          office=s["office"], note=ov.get("note"))
                if s["form"]:
                    fm.update(form_intro=s["form"]["intro"], form_fields=s["form"]["fields"])
            write(os.path.join(base, "leistungen", s["slug"] + ".md"), front(fm, shifted))
    # The umbrella's top-level "kategorien" directory is a section in Hugo;
    # its list page does not exist in sitegen's output, so it is not built.
    write(os.path.join(c, "kategorien", "_index.md"),
          front({"title": "Kategorien", "_build": {"render": "never", "list": "always"}}))


def main():
    args = sys.argv[1:]
    no_hugo = "--no-hugo" in args
    args = [a for a in args if a != "--no-hugo"]
    if len(args) not in (1, 2):
        sys.exit("usage: gen_catalog.py [--no-hugo] OUT [N_SERVICES]")
    out = args[0]
    n = int(args[1]) if len(args) == 2 else 600
    if n < 1 or n > 20000:
        sys.exit("gen_catalog: N_SERVICES must be 1..20000")
    if os.path.exists(os.path.join(out, "content")) or os.path.exists(os.path.join(out, "hugo")):
        sys.exit("gen_catalog: %s already holds content/ or hugo/" % out)
    cats = read_categories()
    cities = read_cities()
    services = make_services(n, cats)
    write_catalogue(out, services, cities)
    if not no_hugo:     # the 10x scale run builds sitegen only
        write_hugo(out, services, cities, cats)
    print("gen_catalog: %d services, %d cities, %d categories in %s" %
          (n, len(cities), len(cats), out))


if __name__ == "__main__":
    main()
