// lib.mjs - what the browser tests here share: Debian's Chromium started
// the same way by each, "ok - ..." / "not ok - ..." lines with a count of
// failures (the exit status), and the keyboard walk "Tab until".
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
// no background traffic, updates or QUIC: the tests talk to loopback only
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
	'--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

let failed = 0;

export function ok(cond, what, detail) {
	if (cond) console.log('ok - ' + what);
	else {
		failed++;
		console.log('not ok - ' + what + (detail !== undefined ? ': ' +
			String(typeof detail === 'string' ? detail : JSON.stringify(detail)).slice(0, 400) : ''));
	}
	return cond;
}

export function failures() {
	return failed;
}

export function launch() {
	return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

// Presses Tab until want(arg) holds in the page (it looks at
// document.activeElement); what it returned, or null after max presses.
export async function tabTo(page, want, arg = null, max = 80) {
	for (let i = 0; i < max; i++) {
		await page.keyboard.press('Tab');
		const hit = await page.evaluate(want, arg);
		if (hit)
			return hit;
	}
	return null;
}
