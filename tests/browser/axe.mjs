#!/usr/bin/env node
// axe.mjs - the checks an accessibility auditor (BITV 2.0 / WCAG 2.1 AA)
// runs first, on pages of a generated site, in Debian's Chromium.
//
//   node axe.mjs --root DIR [--base-url URL] [--nojs PAGE]... [--file PAGE]...
//                [--search PAGE]... [--error-form PAGE]... [--missing PATH]...
//                PAGE...
//
// DIR is served over http on 127.0.0.1 by a small static server, so that
// relative links behave as on a real host. Every PAGE (a path below DIR)
// is loaded once at 1280x900 and gets:
//   title    the title contains the h1 (2.4.2)
//   axe      axe-core with the tags wcag2a wcag2aa wcag21a wcag21aa
//            (best-practice findings and "needs review" as # notes)
//   skip     the first Tab focuses a visible skip link to main; Enter on
//            it moves focus into main
//   focus    every Tab stop (up to 80) shows an outline or box-shadow with
//            3:1 contrast against the background (2.4.7, 1.4.11); no
//            keyboard trap (2.1.2)
//   names    every form control has an accessible name, as Chromium's
//            accessibility tree computes it (independent of axe)
//   borders  text fields and selects have a 3:1 boundary (1.4.11)
//   spacing  no text is cut off with WCAG 1.4.12 text spacing
//   reflow   resized to 320 CSS px nothing scrolls sideways (1.4.10)
//   requests nothing is fetched from other hosts, no script errors
// --nojs PAGE   the page with JavaScript disabled: main and every form
//               with its submit button visible, content links present
// --file PAGE   the page opened from disk (file://): every stylesheet,
//               script, image and relative link names an existing file
// --search PAGE with JavaScript: typing a word taken from the page's links
//               shows a link containing it, a nonsense word shows other links,
//               a live region tells the number of results (4.1.3)
// --error-form PAGE  a form shown again with errors (GOV.UK pattern): title
//               starts with "Fehler", an error summary before the form gets
//               focus, its links lead to fields, each field in error has
//               aria-invalid and its message in aria-describedby
// --missing PATH  a path that does not exist: the server answers with the
//               site's 404.html (as nginx's error_page does, at the asked
//               URL); it must come with status 404, its stylesheets must
//               load (requests) and it must pass the per-page checks
// --base-url URL  the site's public address (region.yml base_url): pages
//               that link absolutely (404.html, relayd's pages) get their
//               files under it from DIR, as they would on the real host
// Prints "ok - <check> <page>" or "not ok - <check> <page>: <details>",
// lines starting with "#" are notes (best-practice findings, axe's
// "needs review"), and exits 1 when anything failed.
import { chromium } from 'playwright-core';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AsyncLocalStorage } from 'node:async_hooks';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const AXE_SRC = fs.readFileSync(path.join(HERE, 'node_modules/axe-core/axe.min.js'), 'utf8');
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
// The machine has no internet: without these Chromium keeps trying to reach
// Google's services. Playwright gives every launch a fresh temporary
// --user-data-dir of its own (it refuses one in args).
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
	'--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
const TAB_STOPS = 80;        // focus indicator: how many Tab stops to look at
const NAV_TIMEOUT = 15000;   // ms per page load

const JOBS = Math.max(1, Number(process.env.AXE_JOBS) || 2);  // pages at once
let failures = 0;
let publicBase = null;      // --base-url, served from the root directory
// Pages are checked JOBS at a time; each task's lines are kept together.
const taskOut = new AsyncLocalStorage();
function say(line) {
	const buf = taskOut.getStore();
	if (buf) buf.push(line);
	else console.log(line);
}
function ok(what) { say(`ok - ${what}`); }
function notOk(what, why) {
	failures++;
	// One line per finding: newlines in axe's texts would break the protocol.
	say(`not ok - ${what}: ${String(why).replace(/\s+/g, ' ').trim()}`);
}
const noted = new Set();
function note(text) {
	const line = `# ${String(text).replace(/\s+/g, ' ').trim()}`;
	if (!noted.has(line)) say(line);
	noted.add(line);
}

function usage(msg) {
	console.error(`axe.mjs: ${msg}`);
	console.error('usage: node axe.mjs --root DIR [--nojs PAGE]... [--file PAGE]... ' +
		'[--search PAGE]... [--error-form PAGE]... [--missing PATH]... [--base-url URL] PAGE...');
	process.exit(2);
}

function parseArgs(argv) {
	const o = { root: null, pages: [], nojs: [], file: [], search: [], missing: [], baseUrl: null,
		errorForm: [] };
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		const val = () => {
			if (i + 1 >= argv.length) usage(`${a} needs a value`);
			return argv[++i];
		};
		if (a === '--root') o.root = val();
		else if (a === '--nojs') o.nojs.push(val());
		else if (a === '--base-url') o.baseUrl = val().replace(/\/+$/, '');
		else if (a === '--file') o.file.push(val());
		else if (a === '--error-form') o.errorForm.push(val());
		else if (a === '--missing') o.missing.push(val());
		else if (a === '--search') o.search.push(val());
		else if (a.startsWith('-')) usage(`unknown option ${a}`);
		else o.pages.push(a);
	}
	if (!o.root) usage('--root is required');
	o.root = path.resolve(o.root);
	if (!fs.statSync(o.root, { throwIfNoEntry: false })?.isDirectory())
		usage(`${o.root} is not a directory`);
	for (const p of o.missing)
		if (fs.existsSync(path.join(o.root, p))) usage(`--missing ${p} exists`);
	for (const p of [...o.pages, ...o.nojs, ...o.file, ...o.search, ...o.errorForm])
		if (!fs.statSync(path.join(o.root, p), { throwIfNoEntry: false })?.isFile())
			usage(`no such page: ${path.join(o.root, p)}`);
	return o;
}

// --- a static file server, like a plain web host ---------------------------

const TYPES = {
	'.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8',
	'.js': 'text/javascript; charset=utf-8', '.json': 'application/json',
	'.svg': 'image/svg+xml', '.png': 'image/png', '.jpg': 'image/jpeg',
	'.ico': 'image/x-icon', '.xml': 'application/xml', '.txt': 'text/plain; charset=utf-8',
	'.woff2': 'font/woff2',
};

function serve(root) {
	const server = http.createServer((req, res) => {
		let rel;
		try {
			rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
		} catch {
			res.writeHead(400).end();
			return;
		}
		let file = path.join(root, path.normalize(rel));
		if (file !== root && !file.startsWith(root + path.sep)) {
			res.writeHead(403).end();
			return;
		}
		let st = fs.statSync(file, { throwIfNoEntry: false });
		if (st?.isDirectory()) {
			if (!rel.endsWith('/')) {   // as nginx and Apache do
				res.writeHead(301, { Location: rel + '/' }).end();
				return;
			}
			file = path.join(file, 'index.html');
			st = fs.statSync(file, { throwIfNoEntry: false });
		}
		let status = 200;
		if (!st?.isFile()) {        // the site's own 404 page, if it has one
			status = 404;
			file = path.join(root, '404.html');
			if (!fs.existsSync(file)) {
				res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
				return;
			}
		}
		const type = TYPES[path.extname(file).toLowerCase()] || 'application/octet-stream';
		res.writeHead(status, { 'Content-Type': type });
		fs.createReadStream(file).pipe(res);
	});
	return new Promise((resolve, reject) => {
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => resolve(server));
	});
}

// Answers requests for the public address from the root directory.
async function mapPublic(ctx, root) {
	if (!publicBase) return;
	await ctx.route(u => u.href.startsWith(publicBase + '/'), route => {
		const rel = decodeURIComponent(new URL(route.request().url()).pathname);
		let file = path.join(root, path.normalize(rel));
		if (file !== root && !file.startsWith(root + path.sep)) return route.fulfill({ status: 403 });
		if (fs.statSync(file, { throwIfNoEntry: false })?.isDirectory()) file = path.join(file, 'index.html');
		if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile())
			return route.fulfill({ status: 404, contentType: 'text/plain', body: 'not found' });
		return route.fulfill({ path: file });
	});
}

// --- per-page helpers -------------------------------------------------------

// Records what a page did that an auditor objects to: requests to other
// hosts (a citizen's IP sent to a third party) and script errors.
function watch(page, base) {
	const problems = [];
	const local = u => !!base && (u.startsWith(base) || (!!publicBase && u.startsWith(publicBase + '/')));
	page.on('pageerror', e => problems.push(`script error: ${e.message}`));
	page.on('request', r => {
		const u = r.url();
		if (u.startsWith('data:') || u.startsWith('blob:') || u.startsWith('file:')) return;
		if (local(u)) return;
		problems.push(`request to another host: ${u}`);
	});
	page.on('response', r => {
		// The 404 page itself is checked by its own status in auditPage.
		if (r.status() >= 400 && r.request().resourceType() !== 'document')
			problems.push(`HTTP ${r.status()} for ${r.url()}`);
	});
	page.on('requestfailed', r => {
		if (!base || local(r.url()) || r.url().startsWith('file:'))
			problems.push(`failed request: ${r.url()} (${r.failure()?.errorText})`);
	});
	return problems;
}

async function load(page, url) {
	const resp = await page.goto(url, { waitUntil: 'load', timeout: NAV_TIMEOUT });
	return resp;
}

async function runAxe(page, tags) {
	await page.evaluate(AXE_SRC);
	return page.evaluate(async (t) => {
		const opts = t ? { runOnly: { type: 'tag', values: t } }
			: { runOnly: { type: 'tag', values: ['best-practice'] } };
		opts.resultTypes = ['violations', 'incomplete'];
		const r = await window.axe.run(document, opts);
		const pick = v => ({
			id: v.id, impact: v.impact, help: v.help,
			nodes: v.nodes.map(n => ({
				target: n.target.join(' '),
				// The first concrete fix axe names, e.g. the contrast ratio.
				summary: (n.failureSummary || '').split('\n').map(l => l.trim())
					.filter(l => l && !/^Fix (any|all)/.test(l))[0] || '',
			})),
		});
		return { violations: r.violations.map(pick), incomplete: r.incomplete.map(pick) };
	}, tags);
}

async function checkAxe(page, name) {
	const r = await runAxe(page, WCAG_TAGS);
	let bad = 0;
	for (const v of r.violations)
		for (const n of v.nodes) {
			bad++;
			notOk(`axe ${name}`, `${v.id} ${v.impact} ${n.target} ${v.help}. ${n.summary}`);
		}
	if (!bad) ok(`axe ${name}`);
	for (const v of r.incomplete)
		for (const n of v.nodes.slice(0, 3))
			note(`axe needs review ${name}: ${v.id} ${n.target} ${v.help}`);
	const bp = await runAxe(page, null);
	for (const v of bp.violations)
		for (const n of v.nodes.slice(0, 3))
			note(`axe best-practice ${name}: ${v.id} ${v.impact} ${n.target} ${v.help}`);
}

// WCAG 2.4.2: the title names the page; here: it contains the h1, so that
// tabs, history and screen readers' window lists tell pages apart.
async function checkTitle(page, name) {
	const t = await page.evaluate(() => {
		const h = document.querySelector('h1');
		return { title: document.title.replace(/\s+/g, ' ').trim(),
			h1: h ? h.textContent.replace(/\s+/g, ' ').trim() : null };
	});
	if (!t.title) return notOk(`title ${name}`, 'the page has no <title>');
	if (t.h1 === null) return notOk(`title ${name}`, 'the page has no <h1>');
	if (!t.title.includes(t.h1))
		return notOk(`title ${name}`, `title "${t.title}" does not contain the h1 "${t.h1}"`);
	ok(`title ${name}`);
}

// Describes the focused element in a way a reader of the report can find.
const DESCRIBE_FOCUS = () => {
	const e = document.activeElement;
	if (!e || e === document.body) return null;
	const r = e.getBoundingClientRect();
	const cs = getComputedStyle(e);
	let sel = e.tagName.toLowerCase();
	if (e.id) sel += '#' + e.id;
	else if (e.getAttribute('class')) sel += '.' + e.getAttribute('class').trim().split(/\s+/).join('.');
	const href = e.getAttribute('href');
	// WCAG 1.4.11: the indicator (outline or box-shadow) needs 3:1 against
	// what is next to it, the background behind the element.
	const rgba = c => (c.match(/[\d.]+/g) || []).map(Number);
	const lum = ([R, G, B]) => {
		const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
		return 0.2126 * f(R) + 0.7152 * f(G) + 0.0722 * f(B);
	};
	const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
	let bg = [255, 255, 255];
	for (let n = e.parentElement; n; n = n.parentElement) {
		const c = rgba(getComputedStyle(n).backgroundColor);
		if (c.length >= 3 && (c.length < 4 || c[3] > 0.5)) { bg = c.slice(0, 3); break; }
	}
	const colors = [];
	const outline = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0;
	if (outline && cs.outlineStyle !== 'auto') colors.push(cs.outlineColor);
	if (cs.boxShadow !== 'none') colors.push(...(cs.boxShadow.match(/rgba?\([^)]*\)/g) || []));
	let best = outline && cs.outlineStyle === 'auto' ? Infinity : 0;  // the browser's own ring
	for (const c of colors) {
		const v = rgba(c);
		if (v.length >= 3 && (v.length < 4 || v[3] > 0.5)) best = Math.max(best, ratio(v.slice(0, 3), bg));
	}
	return {
		sel, href, text: (e.textContent || '').trim().slice(0, 40),
		tag: e.tagName.toLowerCase(),
		visible: r.width >= 1 && r.height >= 1 && r.right > 0 && r.bottom > 0 &&
			r.left < innerWidth && r.top < innerHeight && cs.visibility !== 'hidden' &&
			cs.opacity !== '0',
		outline,
		shadow: cs.boxShadow !== 'none',
		outlineDesc: `${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}`,
		contrast: best,
		bg: `rgb(${bg.join(', ')})`,
		// Focus on a part of a browser-made control (the date picker button
		// inside input type=date): the host does not match :focus and the
		// browser draws its own ring there.
		uaPart: !e.matches(':focus'),
	};
};

// Puts the sequential focus navigation starting point at the top of the
// page, as on arrival without autofocus (blur() alone keeps it where the
// focus was): axe and the checks before move focus around.
async function startFromTop(page) {
	await page.evaluate(() => {
		const s = document.createElement('span');
		s.tabIndex = -1;
		document.body.prepend(s);
		s.focus();
		s.blur();
		s.remove();
		window.scrollTo(0, 0);
	});
}

async function checkSkip(page, name) {
	await startFromTop(page);
	await page.keyboard.press('Tab');
	const f = await page.evaluate(DESCRIBE_FOCUS);
	if (!f) return notOk(`skip link ${name}`, 'the first Tab focuses nothing');
	if (f.tag !== 'a' || !f.href || !f.href.startsWith('#') || f.href.length < 2)
		return notOk(`skip link ${name}`, `the first Tab focuses ${f.sel} "${f.text}", ` +
			'not a skip link to main; add <a href="#inhalt"> as the first element of body');
	const target = await page.evaluate((id) => {
		const t = document.getElementById(id);
		if (!t) return 'missing';
		const m = document.querySelector('main');
		if (!m) return 'nomain';
		return (t === m || m.contains(t) || t.contains(m)) ? 'ok' : 'outside';
	}, decodeURIComponent(f.href.slice(1)));
	if (target !== 'ok')
		return notOk(`skip link ${name}`, `${f.sel} "${f.text}" points to ${f.href}: ` +
			{ missing: 'no element has that id', nomain: 'the page has no <main>',
				outside: 'the target is not main and not inside main' }[target]);
	if (!f.visible)
		return notOk(`skip link ${name}`, `${f.sel} "${f.text}" is focused but not visible ` +
			'(WCAG 2.4.7): show it on :focus');
	await page.keyboard.press('Enter');
	await page.waitForTimeout(50);
	const inMain = await page.evaluate(() => {
		const m = document.querySelector('main'), e = document.activeElement;
		return !!m && !!e && (e === m || m.contains(e));
	});
	if (!inMain) {
		const g = await page.evaluate(DESCRIBE_FOCUS);
		return notOk(`skip link ${name}`, `after Enter on ${f.sel} focus is on ` +
			`${g ? g.sel : 'body'}, not in main; give the target (main) tabindex="-1"`);
	}
	ok(`skip link ${name}`);
}

async function checkFocus(page, name) {
	await startFromTop(page);
	const bad = [];
	let seen = 0, first = null, last = null, same = 0;
	for (let i = 0; i < TAB_STOPS; i++) {
		await page.keyboard.press('Tab');
		const f = await page.evaluate(DESCRIBE_FOCUS);
		if (!f) break;
		const key = `${f.sel}|${f.href}|${f.text}`;
		if (key === first) break;           // wrapped around
		first = first || key;
		// A date field takes up to four Tabs (day, month, year, picker);
		// more on one element is a keyboard trap (WCAG 2.1.2).
		same = key === last ? same + 1 : 0;
		last = key;
		if (same >= 5)
			return notOk(`focus visible ${name}`, `keyboard trap: Tab stays on ${f.sel} "${f.text}" (WCAG 2.1.2)`);
		seen++;
		if (f.uaPart) continue;
		if (!f.outline && !f.shadow)
			bad.push(`${f.sel} "${f.text}" (outline ${f.outlineDesc}, no box-shadow)`);
		else if (!f.visible)
			bad.push(`${f.sel} "${f.text}" is focused but off screen or hidden`);
		else if (f.contrast < 3)
			bad.push(`${f.sel} "${f.text}": indicator contrast ${f.contrast.toFixed(2)}:1 against ` +
				`${f.bg} (outline ${f.outlineDesc}), WCAG 1.4.11 wants 3:1`);
	}
	if (!seen) return notOk(`focus visible ${name}`, 'Tab reaches no element');
	if (bad.length)
		return notOk(`focus visible ${name}`, `${bad.length} of ${seen} Tab stops without a ` +
			`visible focus indicator: ${bad.slice(0, 4).join('; ')}` +
			' - keep an outline or box-shadow on :focus-visible with 3:1 contrast');
	ok(`focus visible ${name} (${seen} Tab stops)`);
}

const CONTROL_ROLES = new Set(['textbox', 'searchbox', 'combobox', 'listbox', 'checkbox',
	'radio', 'spinbutton', 'slider', 'switch', 'button', 'menuitemcheckbox', 'menuitemradio']);

async function checkNames(page, name) {
	const cdp = await page.context().newCDPSession(page);
	try {
		const { nodes } = await cdp.send('Accessibility.getFullAXTree');
		const bad = [];
		let n = 0;
		for (const node of nodes) {
			if (node.ignored || !CONTROL_ROLES.has(node.role?.value)) continue;
			n++;
			if (String(node.name?.value ?? '').trim()) continue;
			let desc = node.role.value;
			if (node.backendDOMNodeId) {
				const { node: dn } = await cdp.send('DOM.describeNode',
					{ backendNodeId: node.backendDOMNodeId });
				const at = {};
				for (let i = 0; i + 1 < (dn.attributes || []).length; i += 2)
					at[dn.attributes[i]] = dn.attributes[i + 1];
				desc = `<${dn.localName}${at.id ? ' id=' + at.id : ''}` +
					`${at.name ? ' name=' + at.name : ''}${at.type ? ' type=' + at.type : ''}>`;
			}
			bad.push(desc);
		}
		if (bad.length)
			return notOk(`names ${name}`, `${bad.length} of ${n} form controls have no ` +
				`accessible name: ${bad.join(', ')} - give each a <label for>`);
		ok(`names ${name} (${n} controls)`);
	} finally {
		await cdp.detach().catch(() => {});
	}
}

// WCAG 1.4.11 for form fields: the boundary of a text field or select
// (its border, or else its own background) needs 3:1 against the
// background around it. Radio buttons and checkboxes drawn by the browser
// are left out (their look is not the author's).
async function checkFieldBorders(page, name) {
	const r = await page.evaluate(() => {
		const rgba = c => (c.match(/[\d.]+/g) || []).map(Number);
		const lum = ([R, G, B]) => {
			const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
			return 0.2126 * f(R) + 0.7152 * f(G) + 0.0722 * f(B);
		};
		const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
		const opaque = c => c.length >= 3 && (c.length < 4 || c[3] > 0.5);
		const behind = e => {
			for (let n = e.parentElement; n; n = n.parentElement) {
				const c = rgba(getComputedStyle(n).backgroundColor);
				if (opaque(c)) return c.slice(0, 3);
			}
			return [255, 255, 255];
		};
		const bad = [];
		let n = 0;
		const sel = 'input:not([type=hidden]):not([type=radio]):not([type=checkbox]):not([type=submit])' +
			':not([type=button]):not([type=reset]):not([type=image]):not([type=file]):not([type=range])' +
			':not([type=color]), select, textarea';
		for (const e of document.querySelectorAll(sel)) {
			if (!e.getClientRects().length) continue;
			n++;
			const cs = getComputedStyle(e), bg = behind(e);
			let best = 0;
			for (const side of ['Top', 'Right', 'Bottom', 'Left']) {
				const c = rgba(cs[`border${side}Color`]);
				if (cs[`border${side}Style`] !== 'none' && parseFloat(cs[`border${side}Width`]) >= 1 && opaque(c))
					best = Math.max(best, ratio(c.slice(0, 3), bg));
			}
			const own = rgba(cs.backgroundColor);
			if (opaque(own)) best = Math.max(best, ratio(own.slice(0, 3), bg));
			if (best < 3)
				bad.push(`${e.tagName.toLowerCase()}${e.id ? '#' + e.id : `[name=${e.name}]`} ` +
					`(border ${cs.borderBottomStyle} ${cs.borderBottomWidth} ${cs.borderBottomColor}, ` +
					`${best.toFixed(2)}:1 against rgb(${bg.join(', ')}))`);
		}
		return { n, bad };
	});
	if (!r.n) return;
	if (r.bad.length)
		return notOk(`field borders ${name}`, `${r.bad.length} of ${r.n} fields without a 3:1 ` +
			`boundary (WCAG 1.4.11): ${r.bad.slice(0, 4).join('; ')}`);
	ok(`field borders ${name} (${r.n} fields)`);
}

// WCAG 1.4.12: with the text spacing a user may set (line height 1.5,
// paragraph spacing 2em, letter spacing 0.12em, word spacing 0.16em) no
// text may be cut off: no box that hides its overflow may overflow.
const SPACING_CSS = '* { line-height: 1.5 !important; letter-spacing: 0.12em !important; ' +
	'word-spacing: 0.16em !important; } p { margin-bottom: 2em !important; }';
async function checkTextSpacing(page, name) {
	const tag = await page.addStyleTag({ content: SPACING_CSS });
	try {
		const cut = await page.evaluate(() => {
			const out = [];
			for (const e of document.body.querySelectorAll('*')) {
				const cs = getComputedStyle(e);
				const hides = v => v === 'hidden' || v === 'clip';
				if (!hides(cs.overflowX) && !hides(cs.overflowY)) continue;
				if (e.clientWidth <= 2 || e.clientHeight <= 2) continue;   // visually hidden
				if (!(e.innerText || '').trim()) continue;
				const over = (hides(cs.overflowY) && e.scrollHeight > e.clientHeight + 2) ||
					(hides(cs.overflowX) && e.scrollWidth > e.clientWidth + 2);
				if (!over) continue;
				let s = e.tagName.toLowerCase();
				if (e.id) s += '#' + e.id;
				else if (e.getAttribute('class')) s += '.' + e.getAttribute('class').trim().split(/\s+/).join('.');
				out.push(`${s} "${e.innerText.trim().slice(0, 30)}" (${e.scrollWidth}x${e.scrollHeight} ` +
					`in ${e.clientWidth}x${e.clientHeight})`);
			}
			return out;
		});
		if (cut.length)
			return notOk(`text spacing ${name}`, `text cut off with WCAG 1.4.12 spacing: ${cut.slice(0, 4).join('; ')}`);
		ok(`text spacing ${name}`);
	} finally {
		await tag.evaluate(t => t.remove());
	}
}

async function checkReflow(page, name) {
	await page.setViewportSize({ width: 320, height: 640 });
	{
		await page.evaluate(() => new Promise(r => requestAnimationFrame(() => r())));
		const r = await page.evaluate(() => {
			const w = document.scrollingElement.scrollWidth;
			const wide = [];
			if (w > innerWidth + 1)
				for (const e of document.body.querySelectorAll('*')) {
					const b = e.getBoundingClientRect();
					if (b.right > innerWidth + 1 && b.width > 0 && wide.length < 3) {
						let s = e.tagName.toLowerCase();
						if (e.id) s += '#' + e.id;
						else if (e.getAttribute('class'))
							s += '.' + e.getAttribute('class').trim().split(/\s+/).join('.');
						wide.push(`${s} (right edge ${Math.round(b.right)}px)`);
					}
				}
			return { w, vw: innerWidth, wide };
		});
		if (r.w > r.vw + 1)
			return notOk(`reflow 320px ${name}`, `scrollWidth ${r.w} > ${r.vw}: ` +
				`${r.wide.join(', ')} (WCAG 1.4.10)`);
		ok(`reflow 320px ${name}`);
	}
}

// The page's Content-Security-Policy, enforced as a citizen's browser does
// (the audit context bypasses CSP, because axe and the text-spacing check
// inject script and style): the page must declare a policy (header or
// <meta>) with script-src and without 'unsafe-inline', and loading it,
// running its scripts and waiting a moment must cause no violation.
// Chromium reports every violation on the console.
async function checkCsp(ctx, url, name) {
	const page = await ctx.newPage();
	const seen = [];
	page.on('console', m => {
		if (m.type() === 'error' && /Content Security Policy/.test(m.text()))
			seen.push(m.text().replace(/\s+/g, ' ').slice(0, 240));
	});
	try {
		const resp = await load(page, url);
		await page.waitForTimeout(300);
		const policy = (resp && resp.headers()['content-security-policy']) ||
			await page.evaluate(() => document.querySelector(
				'meta[http-equiv="Content-Security-Policy"]')?.content || '');
		if (!/script-src/.test(policy) || /unsafe-inline/.test(policy))
			seen.unshift(`no Content-Security-Policy without 'unsafe-inline' (got "${policy}")`);
	} catch (e) {
		seen.push(`the check itself failed: ${e.message}`);
	} finally {
		await page.close();
	}
	if (seen.length) notOk(`csp ${name}`, [...new Set(seen)].slice(0, 3).join('; '));
	else ok(`csp ${name}`);
}

// One page, all per-page checks.
async function auditPage(ctx, url, name, base, want = 200) {
	const page = await ctx.newPage();
	const problems = watch(page, base);
	const times = [];
	const timed = async (what, f) => {
		const t0 = Date.now();
		await f();
		times.push(`${what} ${Date.now() - t0}ms`);
	};
	try {
		let resp;
		await timed('load', async () => { resp = await load(page, url); });
		const st = resp ? resp.status() : 0;
		if (st !== want && !(name.endsWith('404.html') && st === 404))
			notOk(`load ${name}`, `HTTP status ${st}, want ${want}`);
		await timed('title', () => checkTitle(page, name));
		await page.waitForTimeout(50);
		const f = await page.evaluate(DESCRIBE_FOCUS);
		if (f) note(`${name} focuses ${f.sel} on load (e.g. an error summary); ` +
			'the keyboard checks start from the top');
		await timed('axe', () => checkAxe(page, name));
		// One load serves all checks: the keyboard checks start from the
		// top themselves, and the reflow check resizes the page the way
		// zooming does, without reloading it.
		await timed('skip', () => checkSkip(page, name));
		await timed('focus', () => checkFocus(page, name));
		await timed('names', () => checkNames(page, name));
		await timed('borders', () => checkFieldBorders(page, name));
		await timed('spacing', () => checkTextSpacing(page, name));
		await timed('reflow', () => checkReflow(page, name));
	} catch (e) {
		notOk(`page ${name}`, `the check itself failed: ${e.message}`);
	} finally {
		await page.close();
	}
	if (problems.length)
		notOk(`requests ${name}`, [...new Set(problems)].slice(0, 5).join('; '));
	else ok(`requests ${name}`);
	if (process.env.AXE_TIMING) note(`timing ${name}: ${times.join(', ')}`);
}

// Without JavaScript: the content and every form are there and usable.
async function checkNoJs(ctxNoJs, url, name) {
	const page = await ctxNoJs.newPage();
	try {
		await load(page, url);
		const why = [];
		const main = page.locator('main');
		if (await main.count() !== 1 || !(await main.isVisible()))
			why.push('no visible <main>');
		const forms = page.locator('form');
		const nf = await forms.count();
		for (let i = 0; i < nf; i++) {
			const f = forms.nth(i);
			const id = (await f.getAttribute('action')) || `form ${i + 1}`;
			if (!(await f.isVisible())) { why.push(`form ${id} is hidden`); continue; }
			const submit = f.locator('button:not([type=button]):not([type=reset]), input[type=submit]');
			if (!(await submit.count()) || !(await submit.first().isVisible()))
				why.push(`form ${id} has no visible submit button`);
			const fields = f.locator('input:not([type=hidden]), select, textarea');
			const nfield = await fields.count();
			for (let j = 0; j < nfield; j++) {
				const fl = fields.nth(j);
				if (!(await fl.isVisible()) && !(await fl.isDisabled()) &&
					(await fl.getAttribute('type')) !== 'file') {
					why.push(`field ${await fl.getAttribute('name')} of form ${id} is hidden`);
				}
			}
		}
		const links = await page.locator('main a[href]:visible').count();
		if (!nf && !links) why.push('main has neither a form nor a visible link');
		if (why.length) return notOk(`nojs ${name}`, why.join('; '));
		ok(`nojs ${name} (${nf} forms, ${links} links in main)`);
	} finally {
		await page.close();
	}
}

// Opened from disk: stylesheets and relative links name real files
// (a link to "dir/" shows a directory listing on file://, not the page).
async function checkFile(ctx, root, rel) {
	const name = rel;
	const page = await ctx.newPage();
	const problems = watch(page, null);
	try {
		const url = pathToFileURL(path.join(root, rel)).href;
		await load(page, url);
		// A stylesheet that fails still gets an (empty) CSSStyleSheet in
		// Chromium, so stylesheets are checked like links: the file exists.
		const r = await page.evaluate(() => ({
			sheets: document.querySelectorAll('link[rel~=stylesheet]').length,
			links: [...document.querySelectorAll('a[href], link[href], script[src], img[src]')]
				.map(e => e.href || e.src),
		}));
		const why = [];
		const broken = new Set();
		for (const u of r.links) {
			if (!u.startsWith('file:')) continue;
			const p = fileURLToPath(u.replace(/[?#].*$/, ''));
			const st = fs.statSync(p, { throwIfNoEntry: false });
			if (!st) broken.add(`${path.relative(root, p)} (missing)`);
			else if (st.isDirectory()) broken.add(`${path.relative(root, p) || '.'}/ (a directory: link to index.html)`);
		}
		if (broken.size) why.push(`links that do not open from disk: ${[...broken].slice(0, 8).join(', ')}` +
			(broken.size > 8 ? ` and ${broken.size - 8} more` : ''));
		for (const p of problems)
			if (!p.startsWith('failed request')) why.push(p);
		if (why.length) return notOk(`file:// ${name}`, why.join('; '));
		await checkAxe(page, `file://${name}`);
		ok(`file:// ${name} (${r.sheets} stylesheets, ${r.links.length} links)`);
	} finally {
		await page.close();
	}
}

// With JavaScript: the search enhancement reacts to the query. The word is
// the first word (4+ letters) of a service link on the page, so the check
// does not depend on the catalogue; a nonsense word must show a different
// set of links (the script really filters), the word a link containing it.
async function searchFor(ctx, url, word, problems) {
	const page = await ctx.newPage();
	const seen = watch(page, new URL(url).origin);
	try {
		await load(page, url);
		const input = page.locator('input[type=search], input[name=q]').first();
		if (!(await input.count())) return null;
		await input.fill(word);
		await page.waitForTimeout(400);
		const links = () => page.evaluate(() => [...document.querySelectorAll('main a[href]')]
			.filter(a => a.getClientRects().length && getComputedStyle(a).visibility !== 'hidden')
			.map(a => a.getAttribute('href') + ' ' + a.textContent.trim()));
		let got = await links();
		if (!got.some(t => t.toLowerCase().includes(word.toLowerCase()))) {
			// A search that only runs on submit.
			await input.press('Enter');
			await page.waitForLoadState('load');
			await page.waitForTimeout(400);
			got = await links();
		}
		problems.push(...seen);
		// WCAG 4.1.3: the number of results reaches a screen reader
		// through a live region, without moving focus.
		const status = await page.evaluate(() => [...document.querySelectorAll(
			'[role=status], [role=alert], [aria-live]:not([aria-live=off])')]
			.map(e => e.textContent.trim()).filter(Boolean).join(' | '));
		return { links: got, status };
	} finally {
		await page.close();
	}
}

async function checkSearch(ctx, url, name) {
	const problems = [];
	const page = await ctx.newPage();
	let word;
	try {
		await load(page, url);
		if (!(await page.locator('input[type=search], input[name=q]').count()))
			return notOk(`search ${name}`, 'no search field (input type=search or name=q)');
		word = await page.evaluate(() => {
			const words = [];
			for (const a of document.querySelectorAll('main a[href]')) {
				const m = a.textContent.match(/[A-Za-zÄÖÜäöüß]{5,}/);
				if (m) words.push(m[0]);
			}
			return words[Math.floor(words.length / 2)] || 'Hund';
		});
	} finally {
		await page.close();
	}
	const hit = await searchFor(ctx, url, word, problems);
	const miss = await searchFor(ctx, url, 'Xqzjvwk', problems);
	const hits = hit.links.filter(t => t.toLowerCase().includes(word.toLowerCase()));
	if (!hits.length) return notOk(`search ${name}`, `searching "${word}" shows no visible link containing it`);
	if (JSON.stringify(hit.links) === JSON.stringify(miss.links))
		return notOk(`search ${name}`, `"${word}" and a nonsense word show the same links: the search does nothing`);
	if (!hit.status || hit.status === miss.status)
		return notOk(`search ${name}`, `no live region (role=status) tells how many results there are ` +
			`("${hit.status}" / "${miss.status}"), WCAG 4.1.3`);
	if (problems.length) return notOk(`search ${name}`, [...new Set(problems)].slice(0, 3).join('; '));
	ok(`search ${name} ("${word}": ${hits.length} matching links, status "${hit.status}")`);
}

// A form in its error state, as the citizen gets it back after sending it
// incomplete: the GOV.UK error pattern, which German portals copy.
async function checkErrorForm(ctx, url, name) {
	const page = await ctx.newPage();
	try {
		await load(page, url);
		await page.waitForTimeout(100);
		const r = await page.evaluate(() => {
			const why = [];
			if (!/^Fehler/.test(document.title))
				why.push(`title "${document.title}" does not start with "Fehler: "`);
			const form = document.querySelector('main form');
			const links = [...document.querySelectorAll('main a[href^="#"]')]
				.filter(a => !form || (a.compareDocumentPosition(form) & Node.DOCUMENT_POSITION_FOLLOWING));
			const sum = links.length ? links[0].closest('[role=alert], [tabindex], section, div') : null;
			if (!links.length) why.push('no error summary with links to the fields before the form');
			const a = document.activeElement;
			if (!sum || !a || !(a === sum || sum.contains(a) || a.contains(sum)))
				why.push(`focus is on ${a ? a.tagName.toLowerCase() + (a.id ? '#' + a.id : '') : 'nothing'}, ` +
					'not on the error summary');
			let fields = 0;
			for (const l of links) {
				const id = decodeURIComponent(l.getAttribute('href').slice(1));
				const t = document.getElementById(id);
				if (!t) { why.push(`summary link #${id} leads nowhere`); continue; }
				const ctl = t.matches('input, select, textarea') ? t
					: t.querySelector('input, select, textarea');
				if (!ctl) { why.push(`summary link #${id} does not lead to a form field`); continue; }
				fields++;
				if (ctl.getAttribute('aria-invalid') !== 'true')
					why.push(`field #${ctl.id} lacks aria-invalid="true"`);
				// Radio buttons and checkboxes: the message belongs to their
				// group, described on the fieldset (the GOV.UK pattern).
				const fs = ctl.closest('fieldset');
				const ids = `${ctl.getAttribute('aria-describedby') || ''} ` +
					`${(/^(radio|checkbox)$/.test(ctl.type) && fs && fs.getAttribute('aria-describedby')) || ''}`;
				const desc = ids.trim().split(/\s+/)
					.map(i => document.getElementById(i)).filter(Boolean)
					.map(e => e.textContent.trim()).join(' ');
				const msg = l.textContent.trim();
				if (!desc.includes(msg))
					why.push(`field #${ctl.id}: its aria-describedby text "${desc.slice(0, 60)}" ` +
						`does not contain the summary's message "${msg}"`);
			}
			return { why, fields };
		});
		if (r.why.length) return notOk(`error form ${name}`, r.why.slice(0, 6).join('; '));
		ok(`error form ${name} (${r.fields} fields in error)`);
	} finally {
		await page.close();
	}
}

// Runs the tasks JOBS at a time, printing each task's lines as one block
// in the order the tasks finish.
async function runAll(tasks) {
	let next = 0;
	const worker = async () => {
		while (next < tasks.length) {
			const t = tasks[next++];
			const buf = [];
			try {
				await taskOut.run(buf, t);
			} catch (e) {
				buf.push(`not ok - a check failed to run: ${String(e && e.message || e).split('\n')[0]}`);
				failures++;
			}
			for (const line of buf) console.log(line);
		}
	};
	await Promise.all(Array.from({ length: Math.min(JOBS, tasks.length) }, worker));
}

async function main() {
	const o = parseArgs(process.argv.slice(2));
	const server = await serve(o.root);
	const base = `http://127.0.0.1:${server.address().port}`;
	const pageUrl = p => base + '/' + p.split('/').map(encodeURIComponent).join('/');
	let browser;
	try {
		browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
		const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'de-DE',
			bypassCSP: true });
		const ctxCsp = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'de-DE' });
		const ctxNoJs = await browser.newContext({ viewport: { width: 1280, height: 900 },
			javaScriptEnabled: false, locale: 'de-DE' });
		publicBase = o.baseUrl;
		for (const c of [ctx, ctxCsp, ctxNoJs]) await mapPublic(c, o.root);
		const tasks = [
			...o.pages.map(p => () => auditPage(ctx, pageUrl(p), p, base)),
			...o.missing.map(p => () => auditPage(ctx, pageUrl(p), `${p} (missing)`, base, 404)),
			...o.pages.map(p => () => checkCsp(ctxCsp, pageUrl(p), p)),
			...o.missing.map(p => () => checkCsp(ctxCsp, pageUrl(p), `${p} (missing)`)),
			...o.nojs.map(p => () => checkNoJs(ctxNoJs, pageUrl(p), p)),
			...o.file.map(p => () => checkFile(ctx, o.root, p)),
			...o.search.map(p => () => checkSearch(ctx, pageUrl(p), p)),
			...o.errorForm.map(p => () => checkErrorForm(ctx, pageUrl(p), p)),
		];
		await runAll(tasks);
	} finally {
		if (browser) await browser.close();
		server.close();
	}
	process.exit(failures ? 1 : 0);
}

main().catch(e => {
	console.log(`not ok - axe.mjs: ${String(e && e.stack || e).split('\n')[0]}`);
	process.exit(1);
});
