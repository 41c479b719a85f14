/* thread.js - new messages on relayd's application page (and the clerk's
 * detail page) without a reload: asks the list's data-poll address for
 * messages newer than data-last every few seconds and appends them; the
 * list is aria-live, so a screen reader announces them. Without
 * JavaScript the page is the same, and a reload shows new messages:
 * nothing here is needed to read or write. No HTML is built from the
 * answer: every text goes in as textContent. */
(function () {
	"use strict";
	var list = document.querySelector("ol.thread[data-poll]");
	if (!list || !window.fetch) return;
	var url = list.getAttribute("data-poll");
	var last = parseInt(list.getAttribute("data-last"), 10) || 0;
	var delay = 5000, slowest = 60000;

	function text(tag, cls, value) {
		var el = document.createElement(tag);
		if (cls) el.className = cls;
		el.textContent = value;
		return el;
	}

	function append(m) {
		if (document.getElementById("nachricht-" + m.id)) return;
		var li = document.createElement("li");
		li.id = "nachricht-" + m.id;
		li.className = "message" + (m.own ? " own" : "") + (m.kind ? " question" : "");
		var meta = document.createElement("p");
		meta.className = "message-meta";
		meta.appendChild(text("strong", "", m.author));
		if (m.kind) {
			meta.appendChild(document.createTextNode(" · "));
			meta.appendChild(text("strong", "message-kind", m.kind));
		}
		meta.appendChild(document.createTextNode(" "));
		meta.appendChild(text("span", "when", m.when));
		li.appendChild(meta);
		li.appendChild(text("p", "message-body", m.body));
		list.appendChild(li);
		var empty = document.querySelector(".thread-empty");
		if (empty) empty.hidden = true;
	}

	function poll() {
		if (document.hidden) {          /* a tab in the background asks nothing */
			window.setTimeout(poll, delay);
			return;
		}
		window.fetch(url + "?nach=" + last, { credentials: "same-origin",
			headers: { "Accept": "application/json" }, cache: "no-store" })
			.then(function (r) {
				if (!r.ok) throw new Error(String(r.status));
				return r.json();
			})
			.then(function (data) {
				(data.messages || []).forEach(function (m) {
					append(m);
					if (m.id > last) last = m.id;
				});
				list.setAttribute("data-last", String(last));
				delay = 5000;
			})
			.catch(function () {    /* offline or gone: ask less often */
				delay = Math.min(delay * 2, slowest);
			})
			.then(function () { window.setTimeout(poll, delay); });
	}
	window.setTimeout(poll, delay);
}());
