/* search.js - filters the list on suche.html as you type. Without
 * JavaScript the page shows the complete list. The index suche.json adds
 * keywords; when it cannot be loaded (file://), the visible text is used.
 * Also picks up ?q= from the search box on the start pages. */
(function () {
	"use strict";
	var form = document.getElementById("suche");
	var input = document.getElementById("suchbegriff");
	var list = document.getElementById("suchergebnisse");
	var status = document.getElementById("treffer");
	if (!form || !input || !list || !status) return;
	document.documentElement.className += " js";

	var items = Array.prototype.slice.call(list.querySelectorAll("li"));
	var extra = {};

	function norm(s) {
		return s.toLowerCase().replace(/ä/g, "a").replace(/ö/g, "o")
			.replace(/ü/g, "u").replace(/ß/g, "ss");
	}

	var texts = items.map(function (li) { return norm(li.textContent); });

	function filter() {
		var words = norm(input.value).split(/\s+/).filter(Boolean);
		var n = 0;
		items.forEach(function (li, i) {
			var hay = texts[i] + " " + (extra[li.getAttribute("data-url")] || "");
			var hit = words.every(function (w) { return hay.indexOf(w) !== -1; });
			li.hidden = !hit;
			if (hit) n++;
		});
		status.textContent = n === 1 ? "1 Leistung gefunden" : n + " Leistungen gefunden";
	}

	var q = new URLSearchParams(window.location.search).get("q");
	if (q) input.value = q;
	input.addEventListener("input", filter);
	form.addEventListener("submit", function (e) { e.preventDefault(); filter(); });

	var url = form.getAttribute("data-index");
	if (url && window.fetch && window.location.protocol !== "file:") {
		fetch(url).then(function (r) { return r.ok ? r.json() : []; }).then(function (index) {
			index.forEach(function (e) { extra[e.u] = norm(e.k + " " + e.c); });
			if (input.value) filter();
		}).catch(function () {});
	}
	if (input.value) filter();
}());
