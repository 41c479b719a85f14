/* search.js - ranks and filters the list on suche.html as you type, with
 * the index suche.json. The rules are generator/model/search.c's, line for
 * line (fold, stem, scoring, order), so the browser shows what relayd's
 * server-side search (/suche, used without JavaScript) shows; change both
 * together: tests/t-search.py runs the same query table against both.
 * suche.json lists the portal's services, each with the number of its
 * folded fields in suche-texte.json, which every portal shares (an edit of
 * a service's text rewrites that one file, not every portal's index);
 * both name the numbering they share ("v"), and the texts are fetched
 * with it (?v=), so a cached old file or a deploy half done never joins
 * one index with texts numbered otherwise. Without both, alike (file://,
 * a failed fetch), the form is left alone and goes to the server. Also
 * picks up ?q= (a link to suche.html?q=...). */
(function () {
	"use strict";

	/* U+00E0..U+00FF after lower-casing, as fold_latin1 in search.c */
	var LATIN = {
		"à": "a", "á": "a", "â": "a", "ã": "a", "ä": "ae", "å": "a", "æ": "ae",
		"ç": "c", "è": "e", "é": "e", "ê": "e", "ë": "e", "ì": "i", "í": "i",
		"î": "i", "ï": "i", "ð": "d", "ñ": "n", "ò": "o", "ó": "o", "ô": "o",
		"õ": "o", "ö": "oe", "ø": "oe", "ù": "u", "ú": "u", "û": "u",
		"ü": "ue", "ý": "y", "þ": "th", "ÿ": "y", "ß": "ss"
	};
	var ENDINGS = ["ungen", "ung", "en", "er", "es", "e", "n", "s"];
	var MAX_WORDS = 8, MAX_QUERY = 200;

	/* The query's folded words, as search_fold + query_words. */
	function words(query, stop) {
		var s = query.slice(0, MAX_QUERY), w = [], cur = "";
		for (var i = 0; i <= s.length; i++) {
			var ch = i < s.length ? s.charAt(i) : " ";
			var up = ch >= "A" && ch <= "Z";
			var f = up ? ch.toLowerCase() :
				(ch >= "a" && ch <= "z") || (ch >= "0" && ch <= "9") ? ch :
				LATIN[ch.toLowerCase()] || null;
			if (f) { cur += f; continue; }
			if (cur) w.push(cur);
			cur = "";
		}
		var out = [];
		for (var k = 0; k < w.length && out.length < MAX_WORDS; k++)
			if (w[k].length >= 2 && w[k].length < 64 && stop.indexOf(w[k]) < 0)
				out.push(w[k]);
		return out;
	}

	function stem(w) {
		if (w.length < 5) return w;
		for (var i = 0; i < ENDINGS.length; i++) {
			var e = ENDINGS[i];
			if (w.length - e.length >= 4 && w.slice(-e.length) === e)
				return w.slice(0, -e.length);
		}
		return w;
	}

	/* 3 whole word, 2 word start, 1 inside a word (4+ letters), 0 */
	function found(f, w) {
		var best = 0;
		for (var p = f.indexOf(w); p >= 0 && best < 3; p = f.indexOf(w, p + 1)) {
			var start = f.charAt(p - 1) === " ", end = f.charAt(p + w.length) === " ";
			var q = start && end ? 3 : start ? 2 : w.length >= 4 ? 1 : 0;
			if (q > best) best = q;
		}
		return best;
	}

	var WEIGHT = [6, 4, 1];
	function fieldScore(doc, w, factor) {
		var best = 0;
		for (var i = 0; i < 3; i++)
			best = Math.max(best, WEIGHT[i] * found(doc.f[i], w) * factor);
		return best;
	}

	function inGroup(g, word, st) {
		for (var i = 0; i < g.length; i++)
			if (g[i] === word || stem(g[i]) === st) return true;
		return false;
	}

	function wordScore(index, doc, word) {
		var st = stem(word);
		var best = Math.max(fieldScore(doc, word, 2), fieldScore(doc, st, 2));
		index.syn.forEach(function (g) {
			if (!inGroup(g, word, st)) return;
			g.forEach(function (m) {
				best = Math.max(best, fieldScore(doc, m, 1), fieldScore(doc, stem(m), 1));
			});
		});
		return best;
	}

	/* [{doc, matched, score}] best first, as search_rank */
	function rank(index, query) {
		var q = words(query, index.stop), hits = [];
		if (!q.length) return hits;
		index.docs.forEach(function (doc, i) {
			var h = { doc: i, matched: 0, score: 0 };
			q.forEach(function (w) {
				var s = wordScore(index, doc, w);
				h.score += s;
				if (s > 0) h.matched++;
			});
			if (h.matched) hits.push(h);
		});
		hits.sort(function (a, b) {
			return b.matched - a.matched || b.score - a.score || a.doc - b.doc;
		});
		return hits;
	}

	/* Does the query name a portal on the umbrella portal: a postcode, a
	 * city's name or an Ortsteil (suche.json's places: " 46282 ",
	 * " dorsten ", " wulfen "), found as pages.c's places() finds them?
	 * Then relayd's page names the portal(s). */
	function namesPlace(index, q) {
		var f = " " + words(q, []).join(" ") + " ";
		return (index.places || []).some(function (p) { return f.indexOf(p) >= 0; });
	}

	/* The index with each doc's fields (doc.f) from the texts, or null
	 * when they are not numbered alike or do not fit together. */
	function join(index, texts) {
		if (!index || !texts || typeof index.v !== "string" || texts.v !== index.v ||
		    !Array.isArray(index.docs) || !Array.isArray(texts.f))
			return null;
		for (var i = 0; i < index.docs.length; i++) {
			var f = texts.f[index.docs[i].t];
			if (!Array.isArray(f) || f.length !== 3)
				return null;
			index.docs[i].f = f;
		}
		return index;
	}

	if (typeof module === "object" && module.exports) {     /* tests (node) */
		module.exports = { rank: rank, stem: stem, words: words, namesPlace: namesPlace,
				   join: join };
		return;
	}

	var form = document.getElementById("suche");
	var input = document.getElementById("suchbegriff");
	var list = document.getElementById("suchergebnisse");
	var status = document.getElementById("treffer");
	var none = document.getElementById("keine-treffer");
	var url = form && form.getAttribute("data-index");
	var textsUrl = form && form.getAttribute("data-texte");
	if (!form || !input || !list || !status || !none || !url || !textsUrl ||
	    !window.fetch || window.location.protocol === "file:")
		return;
	var items = Array.prototype.slice.call(list.children);
	var index = null;

	function show() {
		var q = input.value;
		var hits = q.trim() ? rank(index, q) : null;
		items.forEach(function (li) { li.hidden = !!hits; });
		if (hits)
			hits.forEach(function (h) {
				items[h.doc].hidden = false;
				list.appendChild(items[h.doc]);     /* best first */
			});
		else
			items.forEach(function (li) { list.appendChild(li); });
		var n = hits ? hits.length : items.length;
		status.textContent = !hits ? n + " Leistungen" :
			n === 0 && namesPlace(index, q) ? "Drücken Sie „Suchen“: Wir zeigen Ihnen Ihr Serviceportal." :
			n === 0 ? "Keine Leistung gefunden." :
			n === 1 ? "1 Leistung gefunden." :
			n + " Leistungen gefunden, die passendsten zuerst.";
		none.hidden = !hits || n > 0 || namesPlace(index, q);
	}

	function getJSON(u) {
		return fetch(u).then(function (r) { return r.ok ? r.json() : null; });
	}

	getJSON(url).then(function (ix) {
		if (!ix || typeof ix.v !== "string") return null;
		return getJSON(textsUrl + "?v=" + encodeURIComponent(ix.v)).then(function (tx) {
			return join(ix, tx);
		});
	}).then(function (ix) {
		if (!ix || ix.docs.length !== items.length) return;
		index = ix;
		document.documentElement.className += " js";
		input.addEventListener("input", show);
		form.addEventListener("submit", function (e) {
			if (namesPlace(index, input.value))
				return;     /* the umbrella's finder: relayd's page names the portal */
			e.preventDefault();
			show();
			var u = new URL(window.location.href);
			u.searchParams.set("q", input.value);
			window.history.replaceState(null, "", u.toString());
		});
		var q = new URLSearchParams(window.location.search).get("q");
		if (q) input.value = q;
		if (input.value) show();
	}).catch(function () {});
}());
