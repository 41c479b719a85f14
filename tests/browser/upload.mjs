// upload.mjs - a citizen hands in a document later, by keyboard alone, in
// Debian's Chromium: open the application page (relayd's /antrag/<token>),
// Tab to the file input of "Unterlagen nachreichen", Space opens the file
// chooser (a PDF is chosen), Tab to "Unterlagen senden", Enter: the page
// comes back with "Unterlagen nachgereicht" in its timeline. Then a shell
// script named Nachweis.pdf: the page comes back with status 422, titled
// "Fehler: ...", the focus on the error summary whose link leads to the
// file input. Both pages reflow at 320 px; no CSP violation. Driven by
// tests/t-relay-upload-browser.py, which checks the store afterwards.
//
//   node upload.mjs SPEC.json
// SPEC: { "url": the application page, "pdf", "script": files to choose,
//         "base_url": the portal's public address (the stylesheet comes
//         from there), "style": the theme's style.css to answer it with }
// Prints "ok - ..." / "not ok - ..." lines; exits 1 when anything failed.
import { ok, failures, tabTo, launch } from './lib.mjs';
import fs from 'node:fs';

const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));

// Chooses file by keyboard: Tab to the input, Space opens the chooser.
async function choose(page, file) {
	const reached = await tabTo(page, () => document.activeElement.id === 'unterlagen');
	if (!reached)
		return false;
	// Space opens the chooser; Chromium has been seen to drop a press (no
	// chooser in 15 s), right after a page load too: then the focus is
	// checked again (Tab to the input anew if it moved) and Space pressed
	// once more, up to three times
	let chooser;
	for (let i = 0; i < 3 && !chooser; i++) {
		if (i > 0 && !await page.evaluate(() => document.activeElement.id === 'unterlagen') &&
		    !await tabTo(page, () => document.activeElement.id === 'unterlagen'))
			return false;
		[chooser] = await Promise.all([
			page.waitForEvent('filechooser', { timeout: 15000 }).catch(() => null),
			page.keyboard.press('Space')]);
	}
	if (!chooser)
		return false;
	await chooser.setFiles(file);
	await page.keyboard.press('Tab');
	return page.evaluate(() => document.activeElement.tagName === 'BUTTON' &&
		document.activeElement.textContent.trim() === 'Unterlagen senden');
}

async function reflows(page) {
	await page.setViewportSize({ width: 320, height: 640 });
	const wide = await page.evaluate(() => document.scrollingElement.scrollWidth);
	await page.setViewportSize({ width: 1280, height: 800 });
	return wide;
}

async function main() {
	const browser = await launch();
	try {
		const context = await browser.newContext();
		const page = await context.newPage();
		await page.route(u => u.href.startsWith(spec.base_url + '/'), route => {
			if (new URL(route.request().url()).pathname === '/assets/style.css')
				return route.fulfill({ path: spec.style, contentType: 'text/css' });
			return route.fulfill({ status: 200, contentType: 'text/css', body: '' });
		});
		const violations = [];
		page.on('console', m => {
			if (m.type() === 'error' && /Content Security Policy/.test(m.text()))
				violations.push(m.text().slice(0, 200));
		});
		await page.goto(spec.url);
		ok(await page.locator('h2#nachreichen').innerText() === 'Unterlagen nachreichen',
			'the application page has the section "Unterlagen nachreichen"');
		const cookie = (await context.cookies()).find(c => c.name === 'antrag_csrf');
		ok(cookie && cookie.httpOnly && cookie.sameSite === 'Lax' && cookie.path === '/',
			'the browser holds the antrag_csrf cookie: HttpOnly, SameSite=Lax, Path=/', cookie);
		ok(await page.evaluate(() => !document.cookie.includes('antrag_csrf')), 'no script can read it');
		let wide = await reflows(page);
		ok(wide <= 321, 'the application page reflows at 320 px', wide);

		// 1. A PDF, by keyboard.
		ok(await choose(page, spec.pdf), 'Tab reaches the file input, Space chooses a file, ' +
			'the next Tab is the button "Unterlagen senden"');
		await Promise.all([page.waitForURL(/\/antrag\/[^/]+#nachreichen$/),
			page.keyboard.press('Enter')]);
		const main1 = await page.locator('main').innerText();
		ok(/Unterlagen nachgereicht/.test(main1) && /nachgereicht-1\.pdf \(nachgereicht am /.test(main1),
			'Enter sends it: the timeline and the file list show it', main1.slice(0, 300));

		// 2. A script named .pdf: refused, the error pattern.
		ok(await choose(page, spec.script), 'again by keyboard: a script named Nachweis.pdf');
		const [resp] = await Promise.all([page.waitForResponse(r => r.request().method() === 'POST'),
			page.keyboard.press('Enter')]);
		await page.waitForURL(/\/unterlagen$/);
		await page.waitForLoadState();
		ok(resp.status() === 422, 'it is refused with 422', resp.status());
		ok(/^Fehler: /.test(await page.title()), 'the title starts with "Fehler: "', await page.title());
		const focus = await page.evaluate(() => {
			const a = document.activeElement;
			return a && a.closest('.error-summary') ? 'summary' : (a ? a.tagName : 'none');
		});
		ok(focus === 'summary', 'the focus is on the error summary', focus);
		await page.keyboard.press('Tab');
		const link = await page.evaluate(() => document.activeElement.getAttribute('href'));
		ok(link === '#unterlagen' && await page.locator('#unterlagen[aria-invalid="true"]').count() === 1,
			'the next Tab is its link, which leads to the file input in error', link);
		ok(/muss ein PDF, JPEG oder PNG sein/.test(await page.locator('#unterlagen-fehler').innerText()),
			'the message stands at the field');
		wide = await reflows(page);
		ok(wide <= 321, 'the error page reflows at 320 px', wide);
		ok(violations.length === 0, 'no Content-Security-Policy violation on the whole way', violations);
	} finally {
		await browser.close();
	}
}

main().then(() => process.exit(failures() ? 1 : 0), e => {
	console.log('not ok - upload: ' + String(e && e.stack || e).split('\n').slice(0, 3).join(' '));
	process.exit(1);
});
