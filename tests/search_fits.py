"""search_fits.py - does each portal's search index fit its search page
and the texts every portal shares? For every suche.json below SITE: it
names the texts' numbering (v), lists the links of its suche.html results
in their order, and each entry's number t points at the texts whose folded
title is the title that link shows. Used by t-site-build.py and
t-git-incremental.sh.
    python3 search_fits.py SITE     exit 1 naming the portals that do not fit"""
import html
import json
import os
import re
import sys


def fold(t):
    """A title folded as search_fold folds it (the umlauts of the titles)."""
    t = t.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    return " " + " ".join(re.findall(r"[a-z0-9]+", t)) + " "


def fits(index, page, texts_file):
    texts = texts_file["f"]
    shown = re.findall(r'<li><a href="([^"]*)">([^<]*)</a>',
                       page.split('id="suchergebnisse">')[1].split("</ul>")[0])
    docs = index["docs"]
    return (index["v"] == texts_file["v"] and [e["u"] for e in docs] == [u for u, _ in shown] and
            all(0 <= e["t"] < len(texts) and texts[e["t"]][0] == fold(html.unescape(t))
                for e, (_, t) in zip(docs, shown)))


def misfits(site):
    """The directories (relative to site) whose suche.json does not fit;
    ["suche-texte.json"] when the texts cannot be read."""
    try:
        texts_file = json.load(open(os.path.join(site, "suche-texte.json"), encoding="utf-8"))
    except (OSError, ValueError):
        return ["suche-texte.json"]
    bad = []
    for d, _, files in sorted(os.walk(site)):
        if "suche.json" not in files:
            continue
        try:
            good = fits(json.load(open(os.path.join(d, "suche.json"), encoding="utf-8")),
                        open(os.path.join(d, "suche.html"), encoding="utf-8").read(), texts_file)
        except (OSError, ValueError, KeyError, IndexError, TypeError):
            good = False
        if not good:
            bad.append(os.path.relpath(d, site))
    return bad


if __name__ == "__main__":
    bad = misfits(sys.argv[1])
    if bad:
        sys.exit("suche.json does not fit suche.html and suche-texte.json in: " + " ".join(bad))
