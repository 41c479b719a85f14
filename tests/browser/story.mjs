// story.mjs - the Postfach's whole story in Debian's Chromium (issue 11):
// a citizen sends a form of the generated site, opens the application page
// through the confirmation's link, sends an empty message (the error
// summary) and then a real one, by keyboard; a clerk of the right office
// logs in by keyboard, opens the application from the list, reads the
// message, answers with a Rückfrage and changes the status; the citizen's
// open page shows the Rückfrage without a reload (thread.js polls), and
// after a reload the new status; without JavaScript the citizen answers
// by a plain form post; a clerk of another office gets 404. Every new page
// state passes axe-core (WCAG 2.1 AA tags) with 0 violations and reflows
// at 320 px; the raw HTML of each is saved for the Nu checker. Driven by
// tests/t-relay-story-browser.py, which checks the store and the mails.
//
//   node story.mjs SPEC.json
// SPEC: { "url": the form page, "fields": [{name, type, value}], "file": a
//         PDF to attach, "relay": relayd's base URL, "site": the built
//         site, "base_url": the portal's public address (answered from
//         "site"), "clerk", "password", "other", "other_password",
//         "message", "question", "answer": the texts to write,
//         "html": a directory for the pages' HTML, "out": where to write
//         {reference, application_url, inbox_url} }
// Prints "ok - ..." / "not ok - ..." lines; exits 1 when anything failed.
import { ok, failures, tabTo, launch } from './lib.mjs';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const AXE_SRC = fs.readFileSync(path.join(HERE, 'node_modules/axe-core/axe.min.js'), 'utf8');
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
let auditing = false;       // axe styles elements inline while it checks

// axe-core on the page as it is (0 violations), the width at 320 px, and
// the raw HTML the server sent saved as name.html for the Nu checker.
async function audit(page, name, html) {
	auditing = true;
	await page.evaluate(AXE_SRC);
	const v = await page.evaluate(async t => {
		const r = await window.axe.run(document, { runOnly: { type: 'tag', values: t } });
		return r.violations.map(x => `${x.id} ${x.nodes.map(n => n.target.join(' ')).join(', ')}`);
	}, WCAG_TAGS);
	ok(v.length === 0, `axe: 0 violations on ${name}`, v);
	await page.waitForTimeout(100);     /* its console messages come in */
	auditing = false;
	const size = page.viewportSize();
	await page.setViewportSize({ width: 320, height: 640 });
	await page.evaluate(() => new Promise(r => requestAnimationFrame(() => r())));
	const w = await page.evaluate(() => document.scrollingElement.scrollWidth);
	ok(w <= 321, `${name} reflows at 320 px`, w);
	await page.setViewportSize(size);
	if (html !== undefined)
		fs.writeFileSync(path.join(spec.html, name + '.html'), html);
}

// A page whose static assets come from the built site (spec.base_url),
// and a record of Content-Security-Policy violations.
async function newPage(ctx, violations) {
	await ctx.route(u => u.href.startsWith(spec.base_url + '/'), route => {
		const rel = decodeURIComponent(new URL(route.request().url()).pathname);
		const file = path.join(spec.site, path.normalize(rel));
		if (!file.startsWith(spec.site + path.sep) || !fs.existsSync(file) ||
		    !fs.statSync(file).isFile())
			return route.fulfill({ status: 404, body: 'not found' });
		return route.fulfill({ path: file });
	});
	const page = await ctx.newPage();
	page.on('console', m => {
		if (m.type() === 'error' && /Content Security Policy/.test(m.text()) && !auditing)
			violations.push(m.text().slice(0, 200));
	});
	page.on('pageerror', e => violations.push('script error: ' + e.message));
	return page;
}

async function fill(page, f) {
	const sel = `[name="${f.name}"]`;
	switch (f.type) {
	case 'file': await page.setInputFiles(sel, spec.file); break;
	case 'radio': await page.check(`${sel}[value="${f.value}"]`); break;
	case 'checkbox': await page.check(sel); break;
	case 'select': await page.selectOption(sel, f.value); break;
	default: await page.fill(sel, f.value);
	}
}

// Enter on the focused element, and the document the navigation ends on.
async function enter(page) {
	const [resp] = await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
	return resp;
}

// 1. The citizen: the form, the confirmation, the application page, the
// message form with an error and then a message.
async function citizen(page) {
	const first = await page.goto(spec.url);
	ok(first && first.status() === 200, 'the form page of the generated site loads');
	for (const f of spec.fields)
		await fill(page, f);
	await Promise.all([page.waitForURL(/\/bestaetigung\//), page.click('form#formular button[type=submit]')]);
	const ref = (await page.locator('strong.reference').innerText()).trim();
	ok(/^[A-Z]+-\d{4}-/.test(ref), 'the form is sent: the confirmation shows the reference', ref);
	await Promise.all([page.waitForURL(/\/antrag\/[-0-9A-Z_a-z]{7}[A-Za-z0-9_-]{24}$/),
		page.click('a[href*="/antrag/"]')]);
	const appUrl = page.url();
	const main = await page.locator('main').innerText();
	ok(main.includes(ref) && /Nachrichten/.test(main) && /Noch keine Nachrichten/.test(main),
		'the confirmation link opens the application page with its (empty) messages part');

	// An empty message, sent by keyboard: the error summary takes the focus.
	ok(await tabTo(page, () => document.activeElement.id === 'nachricht', null, 200),
		'Tab reaches the message field');
	await page.keyboard.press('Tab');
	ok(await page.evaluate(() => document.activeElement.tagName === 'BUTTON' &&
		document.activeElement.textContent.trim() === 'Nachricht senden'),
		'the next Tab is the button "Nachricht senden"');
	let resp = await enter(page);
	ok(resp.status() === 422 && (await page.title()).startsWith('Fehler: '),
		'an empty message: 422, the title starts with "Fehler: "', resp.status());
	ok(await page.evaluate(() => document.activeElement.classList.contains('error-summary')),
		'the error summary has the focus');
	await audit(page, 'antrag-nachricht-fehler', await resp.text());
	await page.keyboard.press('Tab');
	ok(await page.evaluate(() => document.activeElement.getAttribute('href') === '#nachricht'),
		'Tab reaches the summary\'s link to the field');
	await page.keyboard.press('Enter');
	ok(await page.evaluate(() => document.activeElement.id === 'nachricht' &&
		document.activeElement.getAttribute('aria-invalid') === 'true'),
		'Enter on it focuses the field, marked invalid');
	await page.keyboard.type(spec.message);
	await page.keyboard.press('Tab');
	resp = await enter(page);
	ok(resp.status() === 200 && /gesendet=1/.test(page.url()), 'the message is sent: 303 back to the page',
		page.url());
	const thread = await page.locator('ol.thread').innerText();
	ok(thread.includes(spec.message) && /Sie/.test(thread) &&
		/\d{1,2}\. \S+ \d{4}, \d\d:\d\d Uhr/.test(thread),
		'the thread shows it: Sie, a German date, the text', thread.slice(0, 300));
	ok(/Ihre Nachricht ist gesendet/.test(await page.locator('main').innerText()),
		'the page says it was sent');
	await audit(page, 'antrag-nachrichten', await resp.text());
	return { ref, appUrl };
}

// 2. The clerk of the right office: log in, open it, read, Rückfrage, status.
async function clerk(page, ref) {
	await page.goto(spec.relay + '/amt/');
	ok(await tabTo(page, () => document.activeElement.id === 'benutzername'),
		'the clerk: Tab reaches the user name field');
	await page.keyboard.type(spec.clerk);
	await page.keyboard.press('Tab');
	await page.keyboard.type(spec.password);
	await enter(page);
	ok(/\/amt\/$/.test(page.url()), 'the clerk logs in by keyboard', page.url());
	ok(await tabTo(page, r => document.activeElement.tagName === 'A' &&
		document.activeElement.textContent.trim() === r, ref, 200), 'Tab reaches the application');
	let resp = await enter(page);
	const inboxUrl = page.url();
	let thread = await page.locator('ol.thread').innerText();
	ok(thread.includes(spec.message) && /Antragstellende Person/.test(thread),
		'the clerk sees the citizen\'s message', thread.slice(0, 200));
	await audit(page, 'amt-antrag-nachrichten', await resp.text());

	ok(await tabTo(page, () => document.activeElement.name === 'art', null, 200),
		'Tab reaches the choice Nachricht or Rückfrage');
	await page.keyboard.press('ArrowDown');
	ok(await page.evaluate(() => document.getElementById('art-rueckfrage').checked),
		'an arrow key chooses "Rückfrage"');
	await page.keyboard.press('Tab');
	ok(await page.evaluate(() => document.activeElement.id === 'nachricht'),
		'the next Tab is the text field');
	await page.keyboard.type(spec.question);
	await page.keyboard.press('Tab');
	resp = await enter(page);
	thread = await page.locator('ol.thread').innerText();
	ok(/gesendet=1/.test(page.url()) && thread.includes(spec.question) && /Rückfrage/.test(thread),
		'the Rückfrage is sent and in the thread', thread.slice(0, 300));
	await audit(page, 'amt-antrag-rueckfrage', await resp.text());

	await page.goto(inboxUrl);      /* from the top of the page again */
	ok(await tabTo(page, () => document.activeElement.type === 'radio' &&
		document.activeElement.value === 'in_bearbeitung'), 'Tab reaches the status "In Bearbeitung"');
	await page.keyboard.press('Space');
	ok(await tabTo(page, () => document.activeElement.tagName === 'BUTTON' &&
		document.activeElement.textContent.trim() === 'Status speichern', null, 5),
		'Tab reaches "Status speichern"');
	await enter(page);
	ok(/Der Status ist gespeichert: „In Bearbeitung“/.test(await page.locator('main').innerText()),
		'the status is changed');
	return inboxUrl;
}

async function main() {
	const browser = await launch();
	const violations = [];
	try {
		const cctx = await browser.newContext();
		const cpage = await newPage(cctx, violations);
		const { ref, appUrl } = await citizen(cpage);
		// the citizen's page stays open: a reload would clear this mark
		await cpage.evaluate(() => { window.storyMark = 'kein Neuladen'; });

		const kctx = await browser.newContext();
		const kpage = await newPage(kctx, violations);
		const inboxUrl = await clerk(kpage, ref);

		// 3. The citizen's open page: the poll brings the Rückfrage.
		const arrived = await cpage.waitForFunction(q =>
			[...document.querySelectorAll('ol.thread li')].some(li => li.textContent.includes(q)),
		spec.question, { timeout: 30000 }).then(() => true, () => false);
		ok(arrived && await cpage.evaluate(() => window.storyMark === 'kein Neuladen'),
			'with JavaScript the Rückfrage appears on the open page without a reload');
		ok(/Rückfrage/.test(await cpage.locator('ol.thread li:last-child').innerText()),
			'marked as Rückfrage');
		const resp = await cpage.goto(appUrl);
		const main = await cpage.locator('main').innerText();
		ok(/Aktueller Stand: Rückfrage – die zuständige Stelle wartet auf Ihre Antwort/.test(main) &&
			/In Bearbeitung/.test(await cpage.locator('ol.timeline').innerText()) &&
			/Rückfrage/.test(await cpage.locator('ol.timeline').innerText()),
			'after a reload: the status says the office waits, the timeline has the Rückfrage and '
			+ '"In Bearbeitung"', main.slice(0, 300));
		await audit(cpage, 'antrag-rueckfrage', await resp.text());

		// 4. Without JavaScript the citizen answers by a form post.
		const nctx = await browser.newContext({ javaScriptEnabled: false });
		const npage = await newPage(nctx, violations);
		await npage.goto(appUrl);
		await npage.fill('#nachricht', spec.answer);
		await Promise.all([npage.waitForNavigation(), npage.click('.thread-form button[type=submit]')]);
		const nthread = await npage.locator('ol.thread').innerText();
		ok(/gesendet=1/.test(npage.url()) && nthread.includes(spec.answer) &&
			nthread.includes(spec.question), 'without JavaScript: the answer is sent and shown',
			nthread.slice(0, 300));

		// 5. A clerk of another office.
		const octx = await browser.newContext();
		const opage = await newPage(octx, violations);
		await opage.goto(spec.relay + '/amt/anmelden');
		await opage.fill('#benutzername', spec.other);
		await opage.fill('#passwort', spec.other_password);
		await Promise.all([opage.waitForURL(/\/amt\/$/), opage.press('#passwort', 'Enter')]);
		const other = await opage.goto(inboxUrl);
		ok(other.status() === 404 && !(await opage.locator('main').innerText()).includes(spec.message),
			'a clerk of another office gets 404 and sees nothing of it', other.status());

		ok(violations.length === 0, 'no Content-Security-Policy violation or script error on the way',
			violations);
		fs.writeFileSync(spec.out, JSON.stringify({ reference: ref, application_url: appUrl,
			inbox_url: inboxUrl }));
	} finally {
		await browser.close();
	}
}

main().then(() => process.exit(failures() ? 1 : 0), e => {
	console.log('not ok - story: ' + String(e && e.stack || e).split('\n').slice(0, 3).join(' '));
	process.exit(1);
});
