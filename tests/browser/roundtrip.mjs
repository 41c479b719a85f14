// roundtrip.mjs - a citizen's whole story with one form, in Debian's
// Chromium: open the static form page, fill it with one mistake and a file
// attached (and a second dog: the group's next part opened by its button), send it, read the relay's error page, correct the mistake,
// attach the file again as the page asks, send again, land on the
// confirmation page. Driven by tests/t-relay-roundtrip.py, which starts
// relayd, the SMTP sink and a static server for the built site, and checks
// afterwards what was stored and mailed.
//
//   node roundtrip.mjs SPEC.json
// SPEC: { "url": form page, "fields": [{name, type, value}], "file": path
//         to attach, "omit": name of the field left out first,
//         "base_url": the portal's public address, answered from "site"
//         (relayd's pages link their stylesheet there),
//         "out": where to write {reference, confirmation_url} }
// Prints "ok - ..." / "not ok - ..." lines; exits 1 when anything failed.
import { ok, failures, launch } from './lib.mjs';
import fs from 'node:fs';
import path from 'node:path';

const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));

async function fill(page, f) {
	const sel = `[name="${f.name}"]`;
	// a later part of a repeatable group ("2. Hund") waits behind its
	// button, as a citizen sees it: press it first
	const part = page.locator(`fieldset[data-optional]:has(${sel})`);
	if (await part.count() === 1 && await part.isHidden())
		await page.click(`p.group-add[data-group="${await part.getAttribute('data-group')}"] button`);
	switch (f.type) {
	case 'file': await page.setInputFiles(sel, spec.file); break;
	case 'radio': await page.check(`${sel}[value="${f.value}"]`); break;
	case 'checkbox': await page.check(sel); break;
	case 'select': await page.selectOption(sel, f.value); break;
	default: await page.fill(sel, f.value);
	}
}

// Clicks the submit button and returns the form post's response.
async function submit(page) {
	const [resp] = await Promise.all([
		page.waitForResponse(r => r.request().method() === 'POST', { timeout: 30000 }),
		page.click('form#formular button[type=submit]'),
	]);
	await page.waitForLoadState('load');
	return resp;
}

async function main() {
	const browser = await launch();
	try {
		const page = await browser.newPage();
		await page.route(u => u.href.startsWith(spec.base_url + '/'), route => {
			const rel = decodeURIComponent(new URL(route.request().url()).pathname);
			const file = path.join(spec.site, path.normalize(rel));
			if (!file.startsWith(spec.site + path.sep) || !fs.existsSync(file) ||
			    !fs.statSync(file).isFile())
				return route.fulfill({ status: 404, body: 'not found' });
			return route.fulfill({ path: file });
		});
		const posts = [];
		// The relay's pages send their Content-Security-Policy as a header
		// (the static pages as <meta>): no violation anywhere on the way.
		const violations = [];
		page.on('console', m => {
			if (m.type() === 'error' && /Content Security Policy/.test(m.text()))
				violations.push(m.text().slice(0, 200));
		});
		page.on('request', r => {
			if (r.method() === 'POST')
				posts.push({ url: r.url(), origin: r.headers()['origin'] || null });
		});
		const first = await page.goto(spec.url);
		if (!ok(first && first.status() === 200, 'the form page loads', first && first.status()))
			return;
		for (const f of spec.fields)
			if (f.name !== spec.omit)
				await fill(page, f);

		// 1. The mistake: the relay answers with the form and its errors.
		let resp = await submit(page);
		ok(resp.status() === 422, 'first post with a missing field -> 422', resp.status());
		const csp = resp.headers()['content-security-policy'] || '';
		ok(/script-src/.test(csp) && /frame-ancestors 'none'/.test(csp) && !/unsafe-inline/.test(csp),
			'the error page is sent with a Content-Security-Policy header', csp);
		const styled = await page.evaluate(() =>
			getComputedStyle(document.querySelector('.error-summary')).borderTopStyle !== 'none');
		ok(styled, 'the error page has its stylesheet');
		const title = await page.title();
		ok(title.startsWith('Fehler: '), 'the error page title starts with "Fehler: "', title);
		const link = page.locator(`.error-summary a[href="#feld-${spec.omit}"]`);
		ok(await link.count() === 1, 'the error summary links to the missing field', spec.omit);
		const kept = spec.fields.filter(f => !['file', 'radio', 'checkbox', 'select'].includes(f.type) &&
			f.name !== spec.omit);
		const lost = [];
		for (const f of kept)
			if (await page.inputValue(`[name="${f.name}"]`) !== f.value)
				lost.push(f.name);
		ok(lost.length === 0, 'everything typed is still in the form', lost);
		const fileField = spec.fields.find(f => f.type === 'file');
		const note = page.locator(`#feld-${fileField.name}-erneut`);
		ok(await note.count() === 1 && /erneut/.test(await note.innerText()),
			'the file field says the file must be attached again');
		const describedby = await page.getAttribute(`#feld-${fileField.name}`, 'aria-describedby') || '';
		ok(describedby.split(' ').includes(`feld-${fileField.name}-erneut`),
			'the re-attach notice is announced with the file field (aria-describedby)', describedby);

		// Following the summary's link shows the field with its label in view.
		await link.click();
		const inView = await page.evaluate(id => {
			const input = document.getElementById(id);
			const label = document.querySelector(`label[for="${id}"]`) || input;
			const r = label.getBoundingClientRect(), ri = input.getBoundingClientRect();
			return { label_top: r.top, input_bottom: ri.bottom, height: window.innerHeight,
				focused: document.activeElement === input };
		}, `feld-${spec.omit}`);
		ok(inView.label_top >= 0 && inView.input_bottom <= inView.height && inView.focused,
			'the summary link focuses the field with its label in view', inView);

		// 2. The correction: the missing field, the file again.
		const missing = spec.fields.find(f => f.name === spec.omit);
		await fill(page, missing);
		await fill(page, fileField);
		resp = await submit(page);
		ok(resp.status() === 303, 'the corrected post -> 303', resp.status() + ' ' +
			(await resp.text().catch(() => '')).replace(/\s+/g, ' ').slice(0, 200));
		ok(posts.length === 2 && posts[1].origin && posts[1].origin !== 'null',
			'the second post carries a real Origin', posts);
		const final = page.url();
		ok(/\/bestaetigung\/[-0-9A-Z_a-z]{7}[A-Za-z0-9_-]{24}$/.test(final), 'the browser lands on the confirmation page', final);
		const refs = page.locator('strong.reference');
		const ref = await refs.count() === 1 ? (await refs.innerText()).trim() : null;
		ok(ref && /^[A-Z]+-\d{4}-/.test(ref), 'the confirmation page shows the reference number', ref);
		const body = await page.locator('main').innerText();
		ok(/\d{1,2}\. (Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember) \d{4}, \d\d:\d\d Uhr/.test(body) &&
			!/\d{4}-\d\d-\d\dT/.test(body), 'the confirmation says when in German local time, no ISO stamp',
			body.slice(0, 300));
		ok(/Eingangsbestätigung mit Ihrer Vorgangsnummer (haben wir|senden wir)/.test(body),
			'the confirmation says that the receipt mail is sent', body.slice(0, 600));
		ok(!spec.next_steps || body.includes(spec.next_steps),
			'the confirmation gives the service\'s own next steps', spec.next_steps);
		// On paper: the reference and the next steps, no navigation.
		await page.emulateMedia({ media: 'print' });
		ok(await page.locator('strong.reference').isVisible() &&
			!(await page.locator('.site-header').isVisible()) &&
			!(await page.locator('.site-footer').isVisible()),
			'printed, the confirmation shows the reference without header and footer');
		const pdf = await page.pdf({ format: 'A4' });
		ok(pdf.length > 1000 && pdf.subarray(0, 5).toString() === '%PDF-',
			`the confirmation prints (${pdf.length} bytes of PDF)`);
		await page.emulateMedia({ media: 'screen' });
		// The citizen follows the link to the application's own page (issue 11).
		const appLink = page.locator('a[href*="/antrag/"]');
		ok(await appLink.count() === 1, 'the confirmation links to the application page');
		let appUrl = '';
		if (await appLink.count() === 1) {
			await Promise.all([page.waitForURL(/\/antrag\//), appLink.click()]);
			appUrl = page.url();
			const app = await page.locator('main').innerText();
			ok(app.includes(ref) && app.includes('Verlauf') && app.includes('Eingegangen'),
				'the application page shows the reference and the timeline', app.slice(0, 300));
			const fix = spec.fields.find(f => f.name === spec.omit);
			ok(fix && app.includes(fix.value), 'the application page shows the corrected answer');
			ok(/\.pdf/.test(app), 'the application page lists the PDF by name');
		}
		fs.writeFileSync(spec.out, JSON.stringify({ reference: ref, confirmation_url: final,
			application_url: appUrl }));
		ok(violations.length === 0, 'no Content-Security-Policy violation on the whole way', violations);
	} finally {
		await browser.close();
	}
}

main().then(() => process.exit(failures() ? 1 : 0), e => {
	console.log('not ok - roundtrip: ' + String(e && e.stack || e).split('\n').slice(0, 3).join(' '));
	process.exit(1);
});
