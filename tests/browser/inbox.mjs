// inbox.mjs - a clerk's day in the inbox, by keyboard alone, in Debian's
// Chromium: open relayd's /amt/ (sent to the login page), Tab to the
// fields, type name and password, Enter; Tab to the application in the
// list, Enter; Tab to the status "In Bearbeitung", Space, Tab to the
// button, Enter; the page confirms the change. Driven by
// tests/t-relay-inbox-browser.py, which starts relayd with a clerk and an
// application and checks the store and the citizen's page afterwards.
//
//   node inbox.mjs SPEC.json
// SPEC: { "url": relayd's /amt/, "user", "password", "reference": the
//         application to open, "base_url": the portal's public address
//         (relayd's pages take their stylesheet from there), "style": the
//         theme's style.css to answer it with, "out": where to write
//         {status_url} }
// Prints "ok - ..." / "not ok - ..." lines; exits 1 when anything failed.
import { ok, failures, tabTo, launch } from './lib.mjs';
import fs from 'node:fs';

const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));

async function main() {
	const browser = await launch();
	try {
		const context = await browser.newContext();
		const page = await context.newPage();
		// the portal's stylesheet from the theme; nothing else from there
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
		ok(/\/amt\/anmelden$/.test(page.url()), 'the inbox sends a stranger to its login page', page.url());
		ok(await page.title() === 'Anmelden – Posteingang der Behörden', 'the login page is titled',
			await page.title());

		// 1. Log in by keyboard.
		ok(await tabTo(page, () => document.activeElement.id === 'benutzername'),
			'Tab reaches the user name field');
		await page.keyboard.type(spec.user);
		await page.keyboard.press('Tab');
		ok(await page.evaluate(() => document.activeElement.id === 'passwort'),
			'the next Tab is the password field');
		await page.keyboard.type(spec.password);
		await Promise.all([page.waitForURL(/\/amt\/$/), page.keyboard.press('Enter')]);
		ok(await page.locator('h1').innerText() === 'Posteingang', 'Enter logs in: the list');
		const cookies = await context.cookies();
		const sess = cookies.find(c => c.name === 'amt_sitzung');
		ok(sess && sess.httpOnly && sess.sameSite === 'Strict' && sess.path === '/amt/' &&
			sess.expires === -1, 'the browser holds the session cookie: HttpOnly, SameSite=Strict, '
			+ 'Path=/amt/, for this session only', sess);
		ok(await page.evaluate(() => !document.cookie.includes('amt_sitzung')),
			'no script can read it');

		// 2. Open the application by keyboard.
		const ref = spec.reference;
		const reached = await tabTo(page, r => document.activeElement.tagName === 'A' &&
			document.activeElement.textContent.trim() === r, ref, 200);
		ok(reached, 'Tab reaches the application in the list', ref);
		if (reached)
			await Promise.all([page.waitForURL(/\/amt\/antrag\/\d+$/), page.keyboard.press('Enter')]);
		ok(/\/amt\/antrag\/\d+$/.test(page.url()) && (await page.locator('h1').innerText()).includes(ref),
			'Enter opens it', page.url());
		const main = await page.locator('main').innerText();
		ok(/Verlauf/.test(main) && /Eingegangen/.test(main) && /Status\s+Neu/.test(main),
			'the detail page: facts, status Neu, timeline', main.slice(0, 300));

		// 3. Change its status by keyboard.
		ok(await tabTo(page, () => document.activeElement.type === 'radio' &&
			document.activeElement.value === 'in_bearbeitung'),
			'Tab reaches the status choice "In Bearbeitung"');
		await page.keyboard.press('Space');
		ok(await page.evaluate(() => document.activeElement.checked), 'Space chooses it');
		await page.keyboard.press('Tab');
		ok(await page.evaluate(() => document.activeElement.tagName === 'BUTTON' &&
			document.activeElement.textContent.trim() === 'Status speichern'),
			'the next Tab is the button "Status speichern"');
		await Promise.all([page.waitForURL(/gespeichert=1$/), page.keyboard.press('Enter')]);
		const after = await page.locator('main').innerText();
		ok(/Der Status ist gespeichert: „In Bearbeitung“/.test(after) &&
			/Status: In Bearbeitung/.test(after) && new RegExp('von ' + spec.user).test(after),
			'Enter saves it: the notice, and the timeline names the status and the clerk',
			after.slice(0, 400));
		ok(await page.locator('input[name="status"][value="in_bearbeitung"]').isChecked(),
			'the form shows the new status');

		// 4. Reflow: the list at 320 px does not scroll sideways.
		await page.setViewportSize({ width: 320, height: 640 });
		await page.goto(spec.url);
		const wide = await page.evaluate(() => document.scrollingElement.scrollWidth);
		ok(wide <= 321, 'the list reflows at 320 px (its table scrolls in its own region)', wide);
		ok(violations.length === 0, 'no Content-Security-Policy violation on the whole way', violations);
		fs.writeFileSync(spec.out, JSON.stringify({ status_url: page.url() }));
	} finally {
		await browser.close();
	}
}

main().then(() => process.exit(failures() ? 1 : 0), e => {
	console.log('not ok - inbox: ' + String(e && e.stack || e).split('\n').slice(0, 3).join(' '));
	process.exit(1);
});
