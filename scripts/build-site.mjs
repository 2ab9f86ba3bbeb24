#!/usr/bin/env node
// `npm run build:site`: a folder that works from any static host (no server code, relative URLs
// only): the demo page, the bench page, and the report of `npm start` under report/.
//   node scripts/build-site.mjs [--out dist/site] [--no-report]
// Needs `npm run build` first (npm run build:site does both). Threads need cross-origin isolation,
// which only the host's response headers can give: with COOP/COEP the pages use threads, without
// them they run on one thread and say so. `_headers` asks for them on hosts that read that file
// (Netlify, Cloudflare Pages); elsewhere, configure the two headers in the server.
// The folder is built beside the target and renamed into place, so a failed build leaves the
// previous site as it was.
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function parseArgs(argv) {
  const o = { out: join(ROOT, 'dist', 'site'), report: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out') {
      if (!argv[i + 1]) fail('--out: expected a folder');
      o.out = resolve(argv[++i]);
    } else if (a.startsWith('--out=')) o.out = resolve(a.slice(6));
    else if (a === '--no-report') o.report = false;
    else fail(`unknown argument ${JSON.stringify(a)} (expected --out DIR or --no-report)`);
  }
  return o;
}

function fail(msg) {
  console.error(`build:site: ${msg}`);
  process.exit(2);
}

export const HEADERS = `/*
  Cross-Origin-Opener-Policy: same-origin
  Cross-Origin-Embedder-Policy: require-corp
  Cross-Origin-Resource-Policy: same-origin
`;

/** Builds the site into `out`; returns the list of top-level entries. */
export function buildSite({ out, report = true, log = console.log }) {
  const web = join(ROOT, 'dist', 'web');
  for (const f of ['index.html', 'app.js', 'dspgd.worker.js', 'bench.html', 'bench.js', 'bench-worker.js', 'style.css']) {
    if (!existsSync(join(web, f))) throw new Error(`${join('dist', 'web', f)} is missing: run \`npm run build\` first`);
  }
  const stage = `${out}.tmp-${process.pid}`;
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(dirname(stage), { recursive: true });
  try {
    // Source maps stay out: a static site serves what runs.
    cpSync(web, stage, { recursive: true, filter: (src) => !src.endsWith('.map') });
    writeFileSync(join(stage, '_headers'), HEADERS);
    if (report) {
      log('build:site: running the demo experiment (npm start) for report/ …');
      execFileSync(process.execPath, [join(ROOT, 'bin', 'dspgd.js'), 'demo', '--quiet', '--out-dir', join(stage, 'report')], { stdio: ['ignore', 'ignore', 'inherit'] });
      // The report folder's manifest is for `dspgd demo` rewriting it in place; a site does not serve it.
      rmSync(join(stage, 'report', '.dspgd-report'), { force: true });
    }
    // The demo page links to the report it ships with.
    const index = join(stage, 'index.html');
    const html = readFileSync(index, 'utf8');
    const link = report ? ' · <a href="report/">The report of <code>npm start</code></a>' : '';
    writeFileSync(index, html.replace(/(<a href="bench\.html">[^<]*<\/a>)/, `$1${link}`));
    rmSync(out, { recursive: true, force: true });
    renameSync(stage, out);
  } catch (e) {
    rmSync(stage, { recursive: true, force: true });
    throw e;
  }
  log(`build:site: ${out} (demo index.html, bench.html${report ? ', report/' : ''}); serve it from any static host.`);
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    buildSite(parseArgs(process.argv.slice(2)));
  } catch (e) {
    fail(e.message);
  }
}
