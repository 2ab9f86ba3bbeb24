#!/usr/bin/env node
// One command for the README's numbers (`npm run bench:readme`, after `npm run build`):
// the full suite (quiet table, contended section, overhead line, every other section) →
// bench/results/DATE-HOST.json and .txt → the bench block of README.md regenerated from that JSON.
//   node bench/full-run.mjs [--node-flag FLAG]... [bench flags, e.g. --skip memory]
// --node-flag passes a flag to the Node running the suite (e.g. --experimental-wasm-relaxed-simd
// on Node 20); the JSON's environment records it. Run it on an idle machine: the JSON records the
// load average before and after, and the README block says how loaded the machine was.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, renameSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const nodeFlags = [];
const benchFlags = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--node-flag' && argv[i + 1]) nodeFlags.push(argv[++i]);
  else benchFlags.push(argv[i]);
}
const bench = join(root, 'dist', 'bench.js');
if (!existsSync(bench)) {
  process.stderr.write('full-run: dist/bench.js is missing: run npm run build first\n');
  process.exit(2);
}
const slug = (s) => s.toLowerCase().replace(/\(r\)|\(tm\)|processor|cpu|\d+-core/g, '').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
const host = `${slug(cpus()[0]?.model ?? 'unknown').split('-').slice(0, 3).join('-')}-${cpus().length}core`;
const date = new Date().toISOString().slice(0, 10);
const dir = join(root, 'bench', 'results');
mkdirSync(dir, { recursive: true });
const base = join(dir, `${date}-${host}`);
const json = `${base}.json`, txt = `${base}.txt`;
const tmpTxt = `${txt}.tmp-${process.pid}`;

process.stderr.write(`full-run: node ${[...nodeFlags, 'dist/bench.js', '--out', json, ...benchFlags].join(' ')}\n`);
const out = createWriteStream(tmpTxt);
const child = spawn(process.execPath, [...nodeFlags, bench, '--out', json, ...benchFlags], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
child.stdout.on('data', (b) => {
  process.stdout.write(b);
  out.write(b);
});
const code = await new Promise((res) => child.on('exit', (c) => res(c ?? 1)));
await new Promise((res) => out.end(res));
if (code !== 0) {
  process.stderr.write(`full-run: the suite exited with code ${code}; README left as it was\n`);
  process.exit(code);
}
renameSync(tmpTxt, txt);
const table = spawn(process.execPath, [join(root, 'bench', 'readme-table.mjs'), json], { cwd: root, stdio: 'inherit' });
const tcode = await new Promise((res) => table.on('exit', (c) => res(c ?? 1)));
if (tcode === 0) process.stderr.write(`full-run: wrote ${json}, ${txt} and the README bench block; review with git diff README.md\n`);
process.exit(tcode);
