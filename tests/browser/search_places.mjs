// search_places.mjs - the umbrella finder as search.js sees it, in node:
// loads themes/default/search.js and the built umbrella suche.json and
// prints, for each query, whether search.js hands it to relayd's finder
// (namesPlace: a postcode, a city's name or an Ortsteil).
//   node search_places.mjs SITE QUERIES.json
// QUERIES: ["46282", "Wulfen", ...]; prints JSON [true, false, ...].
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const search = require(path.join(here, '../../themes/default/search.js'));
const [site, queries] = process.argv.slice(2);
const index = JSON.parse(fs.readFileSync(path.join(site, 'suche.json'), 'utf8'));
console.log(JSON.stringify(JSON.parse(fs.readFileSync(queries, 'utf8'))
	.map(q => search.namesPlace(index, q))));
