/* form.js - shows a conditional field only when its answer is chosen
 * (data-when-field / data-when-values, from the catalogue's `when:`), and
 * a note with a link for the answers that lead to another service; and
 * hides the empty later parts of a repeatable group ("2. Hund") behind a
 * button that opens the next one.
 * Without JavaScript every field and every part stays visible with its
 * hint ("Nur wenn Sie ... gewählt haben", "(freiwillig)"), and relayd
 * ignores a conditional field whose answer was not chosen and a later part
 * left empty: nothing here is needed for the form to work. */
(function () {
	"use strict";
	var form = document.getElementById("formular");
	if (!form) return;
	var each = function (sel, fn) {
		Array.prototype.forEach.call(form.querySelectorAll(sel), fn);
	};

	function answer(name) {
		var el = form.elements[name];
		if (!el) return "";
		if (el.type === "checkbox") return el.checked ? "ja" : "";
		return el.value || "";      /* a select, or the radio group's checked value */
	}

	function update() {
		each("[data-when-field]", function (p) {
			var wanted = p.getAttribute("data-when-values").split(" ");
			p.hidden = wanted.indexOf(answer(p.getAttribute("data-when-field"))) < 0;
		});
	}

	/* A part counts as used when anything in it has a value, or it shows
	 * an error (the relay sent the form back because of it). */
	function used(part) {
		if (part.querySelector(".field-error")) return true;
		return Array.prototype.some.call(part.querySelectorAll("input, select, textarea"),
			function (el) {
				if (el.type === "radio" || el.type === "checkbox") return el.checked;
				return el.value !== "";
			});
	}

	function setupGroup(add) {
		var name = add.getAttribute("data-group");
		var parts = Array.prototype.filter.call(
			form.querySelectorAll("fieldset[data-optional][data-group]"),
			function (p) { return p.getAttribute("data-group") === name; });
		/* keep every part up to the last one used; hide the rest */
		var last = -1;
		parts.forEach(function (p, i) { if (used(p)) last = i; });
		parts.forEach(function (p, i) { p.hidden = i > last; });
		add.hidden = last === parts.length - 1;
		add.querySelector("button").addEventListener("click", function () {
			var next = parts.filter(function (p) { return p.hidden; })[0];
			if (!next) return;
			next.hidden = false;
			next.querySelector("legend").focus();
			add.hidden = !parts.some(function (p) { return p.hidden; });
		});
	}

	each(".group-add[data-group]", setupGroup);
	form.addEventListener("change", update);
	update();
}());
