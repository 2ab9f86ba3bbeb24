// The bundles from a plain HTML file with <script type="module">, offline: dist/dspgd.browser.js
// (WASM inlined) from file://, and dist/dspgd.browser-external.js (WASM fetched from beside it)
// from a local server, isolated (threads build) and not (plain build). Every request must stay on
// this machine, and the numbers must be Node's, bit for bit.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { generate, solve } from '../../src/index.js';
import { startServer } from '../../web/server.mjs';
import { useChromium } from './launch.js';
import { hex, watch } from './page.js';

const DIR = resolve('test-artifacts/bundle-page');
const FILES = ['dspgd.browser.js', 'dspgd.browser-external.js', 'dspgd.worker.js', 'dspgd.wasm', 'dspgd-shared.wasm'];
const PROBLEM = { n: 20, d: 64, k: 2, seed: 3 };
const OPTIONS = { precond: 'adam:eps=0.1', lr: 0.05, tol: 1e-10, maxIter: 5000 };

// The page a user would write: import the bundle, solve in the page, and (over http) in the worker too.
const HTML = `<!doctype html><meta charset="utf-8"><title>dspgd bundle</title>
<pre id="out">running</pre>
<script type="module">
const q = new URLSearchParams(location.search);
const hex = (a) => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), (b) => b.toString(16).padStart(2, '0')).join('');
const out = document.getElementById('out');
try {
  const lib = await import(q.get('v') === 'external' ? './dspgd.browser-external.js' : './dspgd.browser.js');
  const problem = await lib.generate(${JSON.stringify(PROBLEM)});
  const r = await lib.solve(problem, ${JSON.stringify(OPTIONS)});
  const res = { status: r.status, iterations: r.iterations, c: r.bias.c, W: hex(r.W.data), isolated: globalThis.crossOriginIsolated === true };
  if (q.get('worker') === '1') {
    const runner = await lib.createRunner();
    const w = await runner.solve(await runner.generate(${JSON.stringify(PROBLEM)}), ${JSON.stringify(OPTIONS)});
    res.workerW = hex(w.W.data);
    await runner.terminate();
  }
  out.textContent = JSON.stringify(res);
} catch (e) {
  out.textContent = 'error: ' + (e && e.code ? e.code + ': ' : '') + (e && e.message || e);
}
</script>`;

describe('browser bundles from a plain HTML file', () => {
  // file:// pages may import modules beside them only with this switch (the default treats every file as its own origin).
  const browser = useChromium(['--allow-file-access-from-files']);
  let expectedW: string;
  const servers: { close(): Promise<void> }[] = [];
  beforeAll(async () => {
    mkdirSync(DIR, { recursive: true });
    for (const f of FILES) copyFileSync(`dist/${f}`, `${DIR}/${f}`);
    writeFileSync(`${DIR}/plain.html`, HTML);
    const p = await generate(PROBLEM);
    expectedW = hex((await solve(p, OPTIONS)).W.data);
    p.dispose();
  }, 60_000);
  afterAll(async () => {
    for (const s of servers) await s.close();
  });

  /** Loads the page with every request outside this machine refused (and recorded). */
  async function load(url: string): Promise<{ result: string; offsite: string[]; fetched: string[]; problems: string[]; page: Page }> {
    const page = await browser().newPage();
    const problems = watch(page);
    const offsite: string[] = [], fetched: string[] = [];
    page.on('request', (r) => fetched.push(new URL(r.url()).pathname.split('/').pop()!));
    await page.route('**/*', (route) => {
      const u = new URL(route.request().url());
      const local = u.protocol === 'file:' || u.protocol === 'data:' || u.protocol === 'blob:' || u.hostname === '127.0.0.1';
      if (local) return route.continue();
      offsite.push(u.href);
      return route.abort();
    });
    await page.goto(url);
    await page.waitForFunction(() => document.getElementById('out')?.textContent !== 'running', null, { timeout: 30_000 });
    return { result: (await page.textContent('#out'))!, offsite, fetched, problems, page };
  }

  it('dspgd.browser.js (WASM inlined) from a file:// page gives Node\'s W∞', async () => {
    const { result, offsite, problems, page } = await load(`${pathToFileURL(`${DIR}/plain.html`).href}?v=embedded`);
    expect(result).not.toMatch(/^error/);
    const r = JSON.parse(result);
    expect(r.status).toBe('converged');
    expect(r.W).toBe(expectedW);
    expect(offsite).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('the README\'s browser example runs as written (bundle path adjusted to the test folder)', async () => {
    const readme = readFileSync('README.md', 'utf8');
    const block = /```html\n([\s\S]*?)```/.exec(readme);
    expect(block, 'README has a ```html example').not.toBeNull();
    expect(block![1]).toContain("'./dist/dspgd.browser.js'");
    writeFileSync(`${DIR}/readme.html`, `<!doctype html><meta charset="utf-8">\n${block![1].replace("'./dist/dspgd.browser.js'", "'./dspgd.browser.js'")}`);
    const page = await browser().newPage();
    const problems = watch(page);
    const logs: string[] = [];
    page.on('console', (m) => { if (m.type() === 'log') logs.push(m.text()); });
    await page.goto(pathToFileURL(`${DIR}/readme.html`).href);
    await expect.poll(() => logs.length, { timeout: 30_000 }).toBeGreaterThan(0);
    const [status, dist] = logs[0]!.split(' ');
    expect(status).toBe('converged');
    expect(Number(dist)).toBeGreaterThan(1e-3); // adam: not the GD limit
    expect(problems).toEqual([]);
    await page.close();
  });

  for (const isolated of [false, true]) {
    it(`dspgd.browser-external.js (WASM beside it) and the worker runner, served ${isolated ? 'cross-origin isolated (threads build)' : 'plainly (plain build)'}`, async () => {
      const srv = await startServer({ port: 0, isolated, mounts: [['/', DIR]] });
      servers.push(srv);
      const { result, offsite, fetched, problems, page } = await load(`${srv.url}plain.html?v=external&worker=1`);
      expect(result).not.toMatch(/^error/);
      const r = JSON.parse(result);
      expect(r.isolated).toBe(isolated);
      // The page's own module came from beside the bundle: the threads build when isolated, else the plain one.
      expect(fetched).toContain(isolated ? 'dspgd-shared.wasm' : 'dspgd.wasm');
      expect(fetched).toContain('dspgd.worker.js');
      expect(r.W).toBe(expectedW);
      expect(r.workerW).toBe(expectedW);
      expect(offsite).toEqual([]);
      expect(problems).toEqual([]);
      await page.close();
    });
  }
});
