// postfach.mjs - a citizen opens the Postfach by keyboard alone, in
// Debian's Chromium: relayd's /postfach, Tab to the e-mail field, type the
// address, Tab to "Link anfordern", Enter: the answer. The link from the
// mail (read from the SMTP sink's directory) opens the list; Tab reaches
// each application, Enter opens one; back, Tab to "Postfach schließen",
// Enter closes it; the link a second time gets the page that says it no
// longer works. Every page reflows at 320 px. Driven by
// tests/t-relay-postfach-browser.py.
//
//   node postfach.mjs SPEC.json
// SPEC: { "url": relayd's /postfach, "email", "references": the address's
//         applications, newest first, "mail_dir": the sink's directory,
//         "base_url", "style": as in inbox.mjs }
// Prints "ok - ..." / "not ok - ..." lines; exits 1 when anything failed.
import { ok, failures, tabTo, launch } from './lib.mjs';
import fs from 'node:fs';
import path from 'node:path';

const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));

async function reflows(page, what) {
	const vp = page.viewportSize();
	await page.setViewportSize({ width: 320, height: 640 });
	const wide = await page.evaluate(() => document.scrollingElement.scrollWidth);
	ok(wide <= 321, what + ' reflows at 320 px', wide);
	await page.setViewportSize(vp);
}

// The link of the first mail "Ihr Link zum Postfach" in the sink's directory.
async function mailedLink() {
	for (let i = 0; i < 300; i++) {
		for (const f of fs.readdirSync(spec.mail_dir).filter(n => n.endsWith('.eml'))) {
			const raw = fs.readFileSync(path.join(spec.mail_dir, f), 'latin1');
			const m = /\/postfach\/([A-Za-z0-9_-]{24})\r?\n/.exec(raw);
			if (/^Subject: Ihr Link zum Postfach/m.test(raw) && m)
				return spec.url + '/' + m[1];
		}
		await new Promise(r => setTimeout(r, 200));
	}
	return null;
}

async function main() {
	const browser = await launch();
	try {
		const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
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

		// 1. Ask for a link by keyboard.
		await page.goto(spec.url);
		ok(await page.title() === 'Postfach: Ihre Anträge – Serviceportal Emscher-Lippe',
			'the request page is titled', await page.title());
		await reflows(page, 'the request page');
		ok(await tabTo(page, () => document.activeElement.id === 'email'),
			'Tab reaches the e-mail field');
		await page.keyboard.type(spec.email);
		await page.keyboard.press('Tab');
		ok(await page.evaluate(() => document.activeElement.tagName === 'BUTTON' &&
			document.activeElement.textContent.trim() === 'Link anfordern'),
			'the next Tab is the button "Link anfordern"');
		await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
		const answer = await page.locator('main').innerText();
		ok(/erhalten Sie in wenigen Minuten eine E-Mail mit einem Link/.test(answer),
			'Enter sends it: the answer', answer.slice(0, 300));
		await reflows(page, 'the answer');

		// 2. The mailed link opens the list.
		const link = await mailedLink();
		if (!ok(link, 'the link arrives by mail'))
			return;
		const resp = await page.goto(link);
		ok(/\/postfach\/antraege$/.test(page.url()) && resp.status() === 200 &&
			await page.locator('h1').innerText() === 'Ihre Anträge', 'the link opens the list',
			page.url());
		const sess = (await context.cookies()).find(c => c.name === 'postfach_sitzung');
		ok(sess && sess.httpOnly && sess.sameSite === 'Lax' && sess.path === '/postfach',
			'the browser holds the session cookie: HttpOnly, SameSite=Lax, Path=/postfach', sess);
		ok(await page.evaluate(() => !document.cookie.includes('postfach_sitzung')),
			'no script can read it');
		await reflows(page, 'the list');
		const seen = [];
		for (let i = 0; i < spec.references.length; i++) {
			const r = await tabTo(page, () => {
				const a = document.activeElement;
				const li = a.tagName === 'A' && a.closest('.postfach-list > li');
				return li ? li.querySelector('.reference').textContent.trim() : null;
			}, null, 40);
			seen.push(r);
		}
		ok(JSON.stringify(seen) === JSON.stringify(spec.references),
			'Tab reaches each application, newest first', seen);
		await page.goto(page.url());
		const first = await tabTo(page, () => document.activeElement.tagName === 'A' &&
			!!document.activeElement.closest('.postfach-list'));
		if (first)
			await Promise.all([page.waitForURL(/\/antrag\/[-0-9A-Z_a-z]{7}[A-Za-z0-9_-]{24}$/),
				page.keyboard.press('Enter')]);
		ok(/\/antrag\//.test(page.url()) &&
			(await page.locator('main').innerText()).includes(spec.references[0]),
			'Enter opens the application page', page.url());
		await page.goBack();

		// 3. Close it by keyboard.
		ok(await tabTo(page, () => document.activeElement.tagName === 'BUTTON' &&
			document.activeElement.textContent.trim() === 'Postfach schließen'),
			'Tab reaches "Postfach schließen"');
		await Promise.all([page.waitForURL(/abgemeldet=1$/), page.keyboard.press('Enter')]);
		ok(/Ihr Postfach ist geschlossen/.test(await page.locator('main').innerText()),
			'Enter closes it');
		ok(!(await context.cookies()).some(c => c.name === 'postfach_sitzung'),
			'the cookie is gone');

		// 4. The link a second time.
		const again = await page.goto(link);
		ok(again.status() === 410 && await page.locator('h1').innerText() ===
			'Dieser Link gilt nicht mehr', 'the used link: 410, the page says so',
			again.status());
		ok(await page.locator('form[action$="/postfach"] button').count() === 1,
			'and offers to request a new one');
		await reflows(page, 'the page of a used link');
		ok(violations.length === 0, 'no Content-Security-Policy violation on the whole way',
			violations);
	} finally {
		await browser.close();
	}
}

main().then(() => process.exit(failures() ? 1 : 0), e => {
	console.log('not ok - postfach: ' + String(e && e.stack || e).split('\n').slice(0, 3).join(' '));
	process.exit(1);
});
