// conditional.mjs - a form's conditional fields in Debian's Chromium
// (themes/default/form.js): with JavaScript a field with `when:` appears
// only for its answer and a note with a link appears for an answer that
// leads to another service; without JavaScript everything is visible.
//   node conditional.mjs PAGE.html
// PAGE: a built Hundeanmeldung (file path). Prints "ok - ..." lines.
import { ok, failures, launch } from './lib.mjs';
import { pathToFileURL } from 'node:url';

const url = pathToFileURL(process.argv[2]).href;

const visible = (page, sel) => page.locator(sel).isVisible();
const browser = await launch();
try {
	let ctx = await browser.newContext({ javaScriptEnabled: true });
	let page = await ctx.newPage();
	const errors = [];
	page.on('pageerror', e => errors.push(String(e)));
	await page.goto(url);
	ok(!(await visible(page, '#feld-iban')) && !(await visible(page, '#feld-kontoinhaber')),
	   'with JavaScript, IBAN and Kontoinhaber are hidden before a way of payment is chosen');
	await page.check('input[name=zahlungsweise][value=lastschrift]');
	ok(await visible(page, '#feld-iban') && await visible(page, '#feld-kontoinhaber'),
	   'choosing SEPA-Lastschrift shows IBAN and Kontoinhaber');
	await page.check('input[name=zahlungsweise][value=ueberweisung]');
	ok(!(await visible(page, '#feld-iban')), 'choosing Überweisung hides them again');
	const note = 'p.field-note[data-when-field=groesse]';
	ok(!(await visible(page, note)), 'the note on large dogs is hidden at first');
	await page.check('input[name=groesse][value=ja]');
	ok(await visible(page, note) &&
	   /grosser-hund-anzeigen\.html$/.test(await page.locator(note + ' a').getAttribute('href')),
	   'answering "Ja – großer Hund" shows the link to "Haltung eines großen Hundes anzeigen"');
	await page.check('input[name=groesse][value=nein]');
	ok(!(await visible(page, note)), 'answering "Nein" hides it');
	// a repeatable group: the later parts wait behind a button
	const add = 'p.group-add[data-group=hunde] button';
	ok(await visible(page, '#gruppe-hunde-1') && !(await visible(page, '#gruppe-hunde-2')) &&
	   !(await visible(page, '#gruppe-hunde-3')) && await visible(page, add),
	   'with JavaScript, "2. Hund" and "3. Hund" are hidden behind "Weiteren Hund hinzufügen"');
	await page.focus(add);
	await page.keyboard.press('Enter');
	ok(await visible(page, '#gruppe-hunde-2') && !(await visible(page, '#gruppe-hunde-3')) &&
	   await page.evaluate(() => document.activeElement.textContent) === '2. Hund (freiwillig)',
	   'the button (by keyboard) opens "2. Hund" and moves the focus to its legend');
	await page.click(add);
	ok(await visible(page, '#gruppe-hunde-3') && !(await visible(page, add)),
	   'a second press opens "3. Hund"; with no part left the button goes');
	ok(errors.length === 0, 'no script errors', errors);
	await ctx.close();

	ctx = await browser.newContext({ javaScriptEnabled: false });
	page = await ctx.newPage();
	await page.goto(url);
	ok(await visible(page, '#feld-iban') && await visible(page, note) &&
	   /Nur wenn Sie bei „Zahlungsweise“ „SEPA-Lastschrift/.test(
		   await page.locator('#feld-iban-hilfe').textContent()),
	   'without JavaScript, the fields and the note are shown, each with the answer it belongs to');
	ok(await visible(page, '#gruppe-hunde-2') && await visible(page, '#gruppe-hunde-3') &&
	   !(await visible(page, 'p.group-add')),
	   'without JavaScript, every part of the group is shown, marked (freiwillig), and no button');
	await ctx.close();
} catch (e) {
	ok(false, 'the conditional walk ran to the end', String(e.stack || e));
} finally {
	await browser.close();
}
process.exit(failures() ? 1 : 0);
