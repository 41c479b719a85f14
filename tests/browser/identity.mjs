// identity.mjs - a citizen logs in with the Servicekonto and applies, in
// Debian's Chromium, against a REAL OpenID provider (tests/oidc_provider.mjs,
// npm oidc-provider): relayd's form page shows the login start instead of
// the form; its link leads to the provider's login page (user name and
// password typed in), then its consent page; back at relayd the form has
// the verified names read-only, marked "Aus Ihrem Servicekonto"; typing
// into them changes nothing; the rest is filled in and sent; the
// confirmation page follows. Driven by tests/t-relay-identity-browser.py,
// which checks what was stored.
//
//   node identity.mjs SPEC.json
// SPEC: { "url": relayd's /formular/<city>/<service>, "user", "fields":
//         [{name, type, value}] to fill, "verified": {name: value},
//         "out": where to write {confirmation_url} }
// Prints "ok - ..." / "not ok - ..." lines; exits 1 when anything failed.
import { ok, failures, launch } from './lib.mjs';
import fs from 'node:fs';

const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));

async function fill(page, f) {
	const sel = `[name="${f.name}"]`;
	switch (f.type) {
	case 'radio': await page.check(`${sel}[value="${f.value}"]`); break;
	case 'checkbox': await page.check(sel); break;
	case 'select': await page.selectOption(sel, f.value); break;
	default: await page.fill(sel, f.value);
	}
}

const browser = await launch();
try {
	const page = await browser.newPage();
	// the pages' stylesheets are on the portal's public address: not here
	await page.route(/^https:\/\//, r => r.fulfill({ status: 404, body: '' }));
	await page.goto(spec.url);
	const start = page.locator('a', { hasText: 'Anmelden mit Ihrem Servicekonto / BundID' });
	ok(await start.count() === 1 && await page.locator('form#formular').count() === 0,
		'without a login the form page shows the login start, not the form');
	await start.click();
	await page.waitForSelector('input[name="login"]', { timeout: 20000 });
	ok(page.url().startsWith('http://127.0.0.1:') && !page.url().startsWith(new URL(spec.url).origin),
		'the link leads to the provider\'s login page', page.url());
	await page.fill('input[name="login"]', spec.user);
	await page.fill('input[name="password"]', 'irgendwas');
	await page.click('button[type="submit"]');
	// the consent page of the development interactions
	await page.waitForSelector('button[type="submit"]', { timeout: 20000 });
	if (!page.url().startsWith(new URL(spec.url).origin))
		await page.click('button[type="submit"]');
	await page.waitForURL(u => u.toString().startsWith(spec.url), { timeout: 20000 });
	ok(page.url() === spec.url, 'back at relayd\'s form page after the login', page.url());
	ok(await page.locator('form#formular').count() === 1, 'logged in, the form is there');
	for (const [name, value] of Object.entries(spec.verified)) {
		const input = page.locator(`[name="${name}"]`);
		ok(await input.inputValue() === value && await input.getAttribute('readonly') !== null,
			`${name} is prefilled read-only with the verified value`, await input.inputValue());
		const hint = await page.locator(`#feld-${name}-hilfe`).textContent();
		ok(hint && hint.includes('Aus Ihrem Servicekonto'), `${name} is marked "Aus Ihrem Servicekonto"`, hint);
		await input.press('End');
		await page.keyboard.type('X');
		ok(await input.inputValue() === value, `typing into ${name} changes nothing`);
	}
	for (const f of spec.fields)
		await fill(page, f);
	const [resp] = await Promise.all([
		page.waitForResponse(r => r.request().method() === 'POST', { timeout: 30000 }),
		page.click('form#formular button[type=submit]'),
	]);
	await page.waitForLoadState('load');
	ok(resp.status() === 303 && page.url().includes('/bestaetigung/'),
		'the application is sent and the confirmation shown', [resp.status(), page.url()]);
	fs.writeFileSync(spec.out, JSON.stringify({ confirmation_url: page.url() }));
} catch (e) {
	ok(false, 'the browser walk', String(e));
} finally {
	await browser.close();
}
process.exit(failures() ? 1 : 0);
