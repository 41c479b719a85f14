// payment.mjs - a citizen applies for a Geburtsurkunde and pays it online,
// in Debian's Chromium, against tests/pay_fake.py (a payment provider on
// loopback speaking relayd's epay protocol): the form on relayd's own page
// (2 copies), the confirmation says "Zahlung ausstehend: 22,50 €", the
// button "Jetzt bezahlen" leads to the provider's page (22,50 €),
// "Bezahlen" there brings the citizen back to relayd's return page
// ("Zahlung eingegangen"), whose link leads to the application page with
// "Bezahlt" in its timeline. Then a second application: "Abbrechen" at
// the provider, "Zahlung abgebrochen" with "Erneut bezahlen", paying the
// new attempt. No JavaScript of relayd's is needed on the way. Driven by
// tests/t-relay-payment-browser.py, which checks the store and the mails.
//
//   node payment.mjs SPEC.json
// SPEC: { "url": relayd's /formular/<city>/<service>, "fields": [{name,
//         type, value}] to fill (anzahl set per walk), "file": the
//         file field's name, "out": where to write {applications: [url]} }
// Prints "ok - ..." / "not ok - ..." lines; exits 1 when anything failed.
import { chromium } from 'playwright-core';
import fs from 'node:fs';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
	'--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
let failures = 0;
function ok(cond, what, detail) {
	if (cond) console.log('ok - ' + what);
	else {
		failures++;
		console.log('not ok - ' + what + (detail !== undefined ? ': ' +
			String(typeof detail === 'string' ? detail : JSON.stringify(detail)).slice(0, 400) : ''));
	}
	return cond;
}

async function fill(page, f) {
	const sel = `[name="${f.name}"]`;
	switch (f.type) {
	case 'radio': await page.check(`${sel}[value="${f.value}"]`); break;
	case 'checkbox': await page.check(sel); break;
	case 'select': await page.selectOption(sel, f.value); break;
	default: await page.fill(sel, f.value);
	}
}

const text = async (page, sel) => (await page.locator(sel).first().textContent() || '').replace(/\s+/g, ' ').trim();

// Fills and sends the form with `copies`; returns at the confirmation.
async function apply(page, copies) {
	await page.goto(spec.url);
	for (const f of spec.fields)
		await fill(page, f.name === 'anzahl' ? { ...f, value: String(copies) } : f);
	await page.setInputFiles(`[name="${spec.file}"]`, { name: 'ausweis.pdf', mimeType: 'application/pdf', buffer: PDF });
	await Promise.all([page.waitForURL(/\/bestaetigung\//, { timeout: 30000 }),
		page.click('form#formular button[type=submit]')]);
}

// At the provider's page: checks the amount, presses a button; back at relayd.
async function atProvider(page, amount, button) {
	ok(!page.url().startsWith(new URL(spec.url).origin) && page.url().includes('/bezahlen?'),
		'"Jetzt bezahlen" leads to the provider\'s page', page.url());
	ok(await text(page, '.betrag') === amount, `the provider shows the amount ${amount}`, await text(page, '.betrag'));
	await Promise.all([page.waitForURL(/\/zahlung\/rueckkehr\?reference=/, { timeout: 30000 }),
		page.click(`button:has-text("${button}")`)]);
}

const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
const apps = [];
try {
	const page = await browser.newPage();
	// the pages' stylesheets are on the portal's public address: not here
	await page.route(/^https:\/\//, r => r.fulfill({ status: 404, body: '' }));

	// ---- 2 copies, paid ----
	await apply(page, 2);
	ok(await text(page, 'section.payment p.status') === 'Zahlung ausstehend: 22,50 €',
		'the confirmation says "Zahlung ausstehend: 22,50 €"', await text(page, 'section.payment p.status'));
	await Promise.all([page.waitForURL(u => !u.toString().startsWith(new URL(spec.url).origin), { timeout: 30000 }),
		page.click('button:has-text("Jetzt bezahlen")')]);
	await atProvider(page, '22,50 €', 'Bezahlen');
	ok(await text(page, 'h1') === 'Zahlung eingegangen', 'back at relayd: "Zahlung eingegangen"', await text(page, 'h1'));
	await Promise.all([page.waitForURL(/\/antrag\//), page.click('a:has-text("Ihr Antrag")')]);
	apps.push(page.url());
	const timeline = await text(page, 'ol.timeline');
	ok(timeline.includes('Zahlung ausstehend') && timeline.includes('Bezahlt') &&
		timeline.indexOf('Zahlung ausstehend') < timeline.indexOf('Bezahlt'),
		'the application\'s timeline: "Zahlung ausstehend", then "Bezahlt"', timeline);
	ok(await page.locator('button:has-text("bezahlen")').count() === 0, 'nothing more to pay on the page');

	// ---- 1 copy, cancelled, paid again ----
	await apply(page, 1);
	ok(await text(page, 'section.payment p.status') === 'Zahlung ausstehend: 15,00 €',
		'one copy: "Zahlung ausstehend: 15,00 €"', await text(page, 'section.payment p.status'));
	await page.click('button:has-text("Jetzt bezahlen")');
	await page.waitForURL(u => !u.toString().startsWith(new URL(spec.url).origin), { timeout: 30000 });
	await atProvider(page, '15,00 €', 'Abbrechen');
	ok(await text(page, 'h1') === 'Zahlung abgebrochen', 'after "Abbrechen": "Zahlung abgebrochen"', await text(page, 'h1'));
	const retry = page.locator('button:has-text("Erneut bezahlen")');
	ok(await retry.count() === 1, 'the return page offers "Erneut bezahlen"');
	await Promise.all([page.waitForURL(u => !u.toString().startsWith(new URL(spec.url).origin), { timeout: 30000 }),
		retry.click()]);
	await atProvider(page, '15,00 €', 'Bezahlen');
	ok(await text(page, 'h1') === 'Zahlung eingegangen', 'the new attempt is paid: "Zahlung eingegangen"', await text(page, 'h1'));
	await Promise.all([page.waitForURL(/\/antrag\//), page.click('a:has-text("Ihr Antrag")')]);
	apps.push(page.url());
	const t2 = await text(page, 'ol.timeline');
	ok(t2.includes('Zahlung abgebrochen') && t2.lastIndexOf('Bezahlt') > t2.indexOf('Zahlung abgebrochen'),
		'its timeline: abgebrochen, then Bezahlt', t2);
} catch (e) {
	ok(false, 'the browser walk', String(e));
} finally {
	await browser.close();
}
fs.writeFileSync(spec.out, JSON.stringify({ applications: apps }));
process.exit(failures ? 1 : 0);
