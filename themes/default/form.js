/* form.js - shows a conditional field only when its answer is chosen
 * (data-when-field / data-when-values, from the catalogue's `when:`), and
 * a note with a link for the answers that lead to another service.
 * Without JavaScript every field stays visible with its hint ("Nur wenn
 * Sie ... gewählt haben"), and relayd ignores a conditional field whose
 * answer was not chosen: nothing here is needed for the form to work. */
(function () {
	"use strict";
	var form = document.getElementById("formular");
	if (!form) return;
	var parts = Array.prototype.slice.call(form.querySelectorAll("[data-when-field]"));
	if (!parts.length) return;

	function answer(name) {
		var el = form.elements[name];
		if (!el) return "";
		if (el.type === "checkbox") return el.checked ? "ja" : "";
		return el.value || "";      /* a select, or the radio group's checked value */
	}

	function update() {
		parts.forEach(function (p) {
			var wanted = p.getAttribute("data-when-values").split(" ");
			p.hidden = wanted.indexOf(answer(p.getAttribute("data-when-field"))) < 0;
		});
	}

	form.addEventListener("change", update);
	update();
}());
