// search_walk.mjs - the search as a citizen uses it, in Debian's Chromium,
// once without JavaScript and once with it. Driven by tests/t-search.py,
// which builds the site, serves it on one loopback origin and runs relayd
// on another, as in production.
//   node search_walk.mjs SPEC.json
// SPEC: { "site_origin", "relay_origin", "portal" (a city slug), "site",
//         "base_url": the portals' public address, answered from "site"
//         (relayd's pages link their stylesheet there) }
// Prints "ok - ..." / "not ok - ..." lines; exits 1 when anything failed.
import { ok, failures, launch } from './lib.mjs';
import fs from 'node:fs';
import path from 'node:path';

const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const searchPage = `${spec.site_origin}/${spec.portal}/suche.html`;
const startPage = `${spec.site_origin}/${spec.portal}/index.html`;

async function context(browser, javaScriptEnabled) {
	const ctx = await browser.newContext({ javaScriptEnabled });
	await ctx.route(u => u.href.startsWith(spec.base_url + '/'), route => {
		const rel = decodeURIComponent(new URL(route.request().url()).pathname);
		const file = path.join(spec.site, path.normalize(rel));
		if (!file.startsWith(spec.site + path.sep) || !fs.existsSync(file) ||
		    !fs.statSync(file).isFile())
			return route.fulfill({ status: 404, body: 'not found' });
		return route.fulfill({ path: file });
	});
	return ctx;
}

// The visible result links of the list, in order.
const results = page => page.evaluate(() => [...document.querySelectorAll('#suchergebnisse li')]
	.filter(li => !li.hidden).map(li => li.querySelector('a').textContent.trim()));
const statusText = page => page.locator('#treffer').textContent();

async function withoutScript(browser) {
	const ctx = await context(browser, false);
	const page = await ctx.newPage();
	await page.goto(searchPage);
	await page.fill('#suchbegriff', 'umziehen');
	await Promise.all([page.waitForURL(u => u.href.startsWith(spec.relay_origin + '/suche?')),
		page.click('#suche button[type=submit]')]);
	await page.waitForLoadState('load');
	let got = await results(page);
	ok(/^Wohnsitz/.test(got[0] || '') || /^Wohnsitz/.test(got[1] || ''),
	   'without JavaScript, "umziehen" on suche.html goes to relayd, Wohnsitz anmelden among the first two', got.slice(0, 3));
	ok(/gefunden/.test(await statusText(page)), 'relayd\'s page says how many were found',
	   await statusText(page));
	ok(await page.locator('#suchbegriff').inputValue() === 'umziehen',
	   'the search field keeps the query');
	const css = await page.evaluate(() => getComputedStyle(document.body).fontFamily);
	ok(css && css !== 'Times New Roman', 'relayd\'s results page has the portal\'s stylesheet', css);

	await page.goto(startPage);
	await page.fill('#suchbegriff', 'Hundesteuer');
	await Promise.all([page.waitForURL(u => u.href.startsWith(spec.relay_origin + '/suche?')),
		page.click('form.search-box button[type=submit]')]);
	got = await results(page);
	ok(got.slice(0, 3).some(t => /^Hund anmelden/.test(t)),
	   'without JavaScript, the start page\'s box finds "Hund anmelden" for "Hundesteuer"', got.slice(0, 3));

	await page.fill('#suchbegriff', 'Xqzjvwk');
	await Promise.all([page.waitForURL(/q=Xqzjvwk/), page.click('#suche button[type=submit]')]);
	ok(await page.locator('#keine-treffer').isVisible() &&
	   await page.locator('#keine-treffer a[href$="a-z.html"]').count() === 1,
	   'no result: the page offers the A-Z list and the topics instead of a dead end');

	// The umbrella's start page without JavaScript: an Ortsteil names its portal.
	await page.goto(`${spec.site_origin}/index.html`);
	await page.fill('#suchbegriff', 'Kirchhellen');
	await Promise.all([page.waitForURL(u => u.href.startsWith(spec.relay_origin + '/suche?')),
		page.click('form.search-box button[type=submit]')]);
	ok(/Serviceportal Bottrop \(Ortsteil Kirchhellen\)/.test(await page.locator('#ihr-portal + ul').innerText()),
	   'without JavaScript, "Kirchhellen" in the umbrella start page\'s box names Bottrop\'s portal');
	await ctx.close();
}

async function withScript(browser) {
	const ctx = await context(browser, true);
	const page = await ctx.newPage();
	const errors = [];
	page.on('pageerror', e => errors.push(String(e)));
	await page.goto(searchPage);
	await page.waitForFunction(() => document.documentElement.classList.contains('js'));
	await page.locator('#suchbegriff').pressSequentially('umziehen');
	let got = await results(page);
	ok(/^Wohnsitz/.test(got[0] || '') || /^Wohnsitz/.test(got[1] || ''),
	   'with JavaScript, typing "umziehen" ranks Wohnsitz anmelden among the first two in place', got.slice(0, 3));
	ok(/gefunden/.test(await statusText(page)), 'the live region tells the number', await statusText(page));
	await page.press('#suchbegriff', 'Enter');
	await page.waitForTimeout(200);
	ok(page.url().startsWith(searchPage) && /q=umziehen/.test(page.url()),
	   'Enter keeps the page (no trip to the server) and puts the query in the address', page.url());
	await page.fill('#suchbegriff', 'Xqzjvwk');
	ok((await results(page)).length === 0 && await page.locator('#keine-treffer').isVisible(),
	   'with JavaScript, no result shows the A-Z list and the topics');
	await page.fill('#suchbegriff', '');
	ok((await results(page)).length > 30 && !(await page.locator('#keine-treffer').isVisible()),
	   'an empty field shows every service again');

	// The umbrella's finder: a postcode goes to relayd, which names the portal.
	await page.goto(`${spec.site_origin}/suche.html`);
	await page.waitForFunction(() => document.documentElement.classList.contains('js'));
	await page.fill('#suchbegriff', '46282');
	await Promise.all([page.waitForURL(u => u.href.startsWith(spec.relay_origin + '/suche?')),
		page.press('#suchbegriff', 'Enter')]);
	ok(/Serviceportal Dorsten/.test(await page.locator('#ihr-portal + ul').innerText()),
	   'with JavaScript, a postcode on the umbrella\'s search page leads to relayd\'s finder: Dorsten');
	await page.goto(`${spec.site_origin}/suche.html`);
	await page.waitForFunction(() => document.documentElement.classList.contains('js'));
	await page.locator('#suchbegriff').pressSequentially('Wulfen');
	ok(/Ihr Serviceportal/.test(await statusText(page)) && !(await page.locator('#keine-treffer').isVisible()),
	   'with JavaScript, typing an Ortsteil says Suchen shows the portal (no dead end)', await statusText(page));
	await Promise.all([page.waitForURL(u => u.href.startsWith(spec.relay_origin + '/suche?')),
		page.press('#suchbegriff', 'Enter')]);
	ok(/Serviceportal Dorsten \(Ortsteil Wulfen\)/.test(await page.locator('#ihr-portal + ul').innerText()),
	   'with JavaScript, an Ortsteil (Wulfen) on the umbrella\'s search page leads to relayd\'s finder: Dorsten');
	ok(errors.length === 0, 'no script errors', errors);
	await ctx.close();
}

async function main() {
	const browser = await launch();
	try {
		await withoutScript(browser);
		await withScript(browser);
	} catch (e) {
		ok(false, 'the search walk ran to the end', String(e.stack || e));
	} finally {
		await browser.close();
	}
	process.exit(failures() ? 1 : 0);
}
main();
