// search_rank.mjs - the browser's ranking, run in node: loads
// themes/default/search.js (its rules, without the page) and a built
// portal's suche.json joined with the site's suche-texte.json, as the page
// does, and prints the ranked URLs for each query.
//   node search_rank.mjs SITE QUERIES.json
// QUERIES: [[portal ("" = umbrella), query], ...]; prints JSON
// [[url, ...], ...] in the same order (urls as in suche.json).
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const search = require(path.join(here, '../../themes/default/search.js'));
const [site, queries] = process.argv.slice(2);
const texts = JSON.parse(fs.readFileSync(path.join(site, 'suche-texte.json'), 'utf8'));
const index = {};
const out = JSON.parse(fs.readFileSync(queries, 'utf8')).map(([portal, q]) => {
	const file = path.join(site, portal, 'suche.json');
	index[file] ??= search.join(JSON.parse(fs.readFileSync(file, 'utf8')), texts);
	if (!index[file])
		throw new Error(`${file} does not fit suche-texte.json`);
	return search.rank(index[file], q).map(h => index[file].docs[h.doc].u);
});
console.log(JSON.stringify(out));
