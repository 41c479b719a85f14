#!/usr/bin/env node
// vnu.mjs - the Nu HTML Checker (the W3C validator) on files of a site.
//
//   node vnu.mjs [--root DIR] FILE|DIR...
//
// Directories are searched for .html, .css and .svg files. All files go to
// one JVM (starting Java is most of the cost). Prints "ok - vnu <file>" or
// one "not ok - vnu <file>:<line>:<col>: <message>" per error, file names
// relative to --root, and exits 1 when any file has an error.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const JAR = path.join(HERE, 'node_modules/vnu-jar/build/dist/vnu.jar');
const KINDS = new Set(['.html', '.css', '.svg']);
const MAX_PER_FILE = 10;    // errors printed per file; the rest are counted

function usage(msg) {
	console.error(`vnu.mjs: ${msg}\nusage: node vnu.mjs [--root DIR] FILE|DIR...`);
	process.exit(2);
}

function collect(p, out) {
	const st = fs.statSync(p, { throwIfNoEntry: false });
	if (!st) usage(`no such file: ${p}`);
	if (st.isDirectory()) {
		for (const e of fs.readdirSync(p).sort()) {
			const q = path.join(p, e);
			const s = fs.statSync(q);
			if (s.isDirectory() || KINDS.has(path.extname(e).toLowerCase())) collect(q, out);
		}
	} else {
		out.push(path.resolve(p));
	}
}

const args = process.argv.slice(2);
let root = process.cwd();
const files = [];
for (let i = 0; i < args.length; i++) {
	if (args[i] === '--root') {
		if (i + 1 >= args.length) usage('--root needs a value');
		root = path.resolve(args[++i]);
	} else if (args[i].startsWith('-')) usage(`unknown option ${args[i]}`);
	else collect(args[i], files);
}
if (!files.length) usage('no files to check');
if (!fs.existsSync(JAR)) usage(`${JAR} is missing: run npm ci in tests/browser`);

const unique = [...new Set(files)];
const r = spawnSync('java', ['-Xss8m', '-jar', JAR, '--errors-only', '--format', 'json',
	'--also-check-css', '--also-check-svg', '--stdout', ...unique],
	{ encoding: 'utf8', maxBuffer: 256 << 20, timeout: 300000 });
if (r.error || r.status === null || r.status > 1) {
	console.log(`not ok - vnu could not run: ${r.error ? r.error.message : `status ${r.status}`} ` +
		`${(r.stderr || '').split('\n')[0]}`);
	process.exit(1);
}
let report;
try {
	report = JSON.parse(r.stdout);
} catch (e) {
	console.log(`not ok - vnu printed no JSON: ${e.message}: ${r.stdout.slice(0, 200)}`);
	process.exit(1);
}

const byFile = new Map(unique.map(f => [f, []]));
const rel = f => path.relative(root, f) || f;
let failed = 0;
for (const m of report.messages || []) {
	if (m.type !== 'error' && !(m.type === 'non-document-error')) continue;
	let f = null;
	try {
		f = m.url ? fileURLToPath(m.url) : null;
	} catch { /* not a file: URL */ }
	if (!f || !byFile.has(f)) {
		failed++;
		console.log(`not ok - vnu ${m.url || '?'}: ${m.message}`);
		continue;
	}
	byFile.get(f).push(m);
}
for (const [f, ms] of byFile) {
	if (!ms.length) {
		console.log(`ok - vnu ${rel(f)}`);
		continue;
	}
	failed++;
	for (const m of ms.slice(0, MAX_PER_FILE)) {
		const where = m.lastLine ? `:${m.lastLine}:${m.firstColumn || m.lastColumn || 0}` : '';
		const ex = m.extract ? ` [${m.extract.replace(/\s+/g, ' ').trim().slice(0, 80)}]` : '';
		console.log(`not ok - vnu ${rel(f)}${where}: ${m.message.replace(/\s+/g, ' ')}${ex}`);
	}
	if (ms.length > MAX_PER_FILE)
		console.log(`# vnu ${rel(f)}: ${ms.length - MAX_PER_FILE} more errors`);
}
console.log(`# vnu: ${unique.length} files, ${failed} with errors`);
process.exit(failed ? 1 : 0);
