#!/usr/bin/env python3
"""gen_history_repo.py [commits] [files] - a `git fast-import` stream for a
catalogue-shaped repository with a long history, for bench/history.sh.

The first commit adds every file (content/services/*.yml shared by 14
cities' content/cities/<city>/*.yml overrides, plus themes/); each later
commit changes, adds or deletes a few files, with committer dates spread
over six years. Every 250 commits a short side branch is merged back, so
the walk sees merges too. Files never touched after the first commit make
the history walk go all the way to the root: the worst case.
Deterministic (fixed seed), so every run builds the same repository."""
import random
import sys

CITIES = ["bottrop", "gelsenkirchen", "kreis-recklinghausen", "castrop-rauxel",
          "datteln", "dorsten", "gladbeck", "haltern-am-see", "herten",
          "marl", "oer-erkenschwick", "recklinghausen", "waltrop", "herne"]
START = 1577836800                       # 2020-01-01T00:00:00Z
SPAN = 6 * 365 * 86400


def main():
    commits = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    nfiles = int(sys.argv[2]) if len(sys.argv) > 2 else 8000
    rnd = random.Random(42)
    out = sys.stdout.buffer
    step = SPAN // commits

    n_services = max(1, nfiles // 14)
    per_city = max(1, (nfiles - n_services - 4) // len(CITIES) - 1)
    files = ["content/region.yml", "content/categories.yml", "content/links.yml",
             "themes/default/layout.mustache"]
    files += ["content/services/service-%04d.yml" % i for i in range(n_services)]
    for c in CITIES:
        files.append("content/cities/%s/city.yml" % c)
        files += ["content/cities/%s/service-%04d.yml" % (c, i)
                  for i in rnd.sample(range(n_services), min(per_city, n_services))]
    live = set(files)
    mark = [0]
    serial = [0]

    def blob(path):
        serial[0] += 1
        mark[0] += 1
        body = ("# %s\ntitle: Leistung %d\nsummary: Stand %d der Beschreibung.\n"
                "costs: keine\n" % (path, serial[0], serial[0])).encode()
        out.write(b"blob\nmark :%d\ndata %d\n%s\n" % (mark[0], len(body), body))
        return mark[0]

    def commit(branch, when, msg, changes, parents=()):
        """changes: (kind, path) or (kind, path, blob mark); returns the
        commit mark and the changes as applied (with blob marks)."""
        applied = []
        for ch in changes:
            if ch[0] == "M" and len(ch) == 2:
                ch = ("M", ch[1], blob(ch[1]))
            applied.append(ch)
        mark[0] += 1
        out.write(b"commit refs/heads/%s\nmark :%d\n" % (branch.encode(), mark[0]))
        who = b"Redaktion <redaktion@example.org> %d +0000\n" % when
        out.write(b"author " + who + b"committer " + who)
        m = msg.encode()
        out.write(b"data %d\n%s\n" % (len(m), m))
        for i, p in enumerate(parents):
            out.write(b"%s :%d\n" % (b"from" if i == 0 else b"merge", p))
        for ch in applied:
            if ch[0] == "D":
                out.write(b"D %s\n" % ch[1].encode())
            else:
                out.write(b"M 100644 :%d %s\n" % (ch[2], ch[1].encode()))
        out.write(b"\n")
        return mark[0], applied

    def some_changes():
        ch = []
        for _ in range(rnd.randint(1, 4)):
            r = rnd.random()
            if r < 0.03:
                c = rnd.choice(CITIES)
                p = "content/cities/%s/service-%04d.yml" % (c, rnd.randrange(n_services))
                live.add(p)
                ch.append(("M", p))
            elif r < 0.05 and len(live) > 10:
                p = rnd.choice(files)
                if p in live and not p.endswith("city.yml") and "/services/" not in p:
                    live.discard(p)
                    ch.append(("D", p))
            else:
                p = rnd.choice(files)
                live.add(p)
                ch.append(("M", p))
        # fast-import applies changes in order; a path changed twice is fine
        return ch

    t = START
    head, _ = commit("main", t, "Katalog angelegt", [("M", p) for p in files])
    made = 1
    while made < commits:
        t += step + rnd.randint(-step // 3, step // 3)
        if made % 250 == 0 and made + 4 <= commits:
            # a branch and a parallel commit on main, then a merge that
            # brings the branch's changes in (the merge's tree starts
            # from main's, so the branch's changes are applied again)
            side, side_changes = head, []
            for k in range(3):
                side, ch = commit("side", t + k * 60, "Zweig %d/%d" % (made, k),
                                  some_changes(), parents=(side,))
                side_changes += ch
            head, main_changes = commit("main", t + 30, "Parallel %d" % made,
                                        some_changes(), parents=(head,))
            touched = {c[1] for c in main_changes}
            head, _ = commit("main", t + 300, "Merge Zweig %d" % made,
                             [c for c in side_changes if c[1] not in touched],
                             parents=(head, side))
            made += 5
            t += 300
            continue
        head, _ = commit("main", t, "Änderung %d" % made, some_changes(),
                         parents=(head,))
        made += 1


if __name__ == "__main__":
    main()
