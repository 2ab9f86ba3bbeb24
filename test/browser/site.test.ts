// `npm run build:site` (scripts/build-site.mjs): the folder holds the demo, the bench page and
// the report of `npm start`, and works from a plain static server — one thread without COOP/COEP
// (and the page says so), threads with them. One small run in Chromium in each case.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../web/server.mjs';
import { buildSite } from '../../scripts/build-site.mjs';
import { useChromium } from './launch.js';
import { waitState, watch, setField, choosePreconds } from './page.js';

describe('static site', () => {
  const browser = useChromium();
  let dir: string;
  let site: string;
  let seconds = 0;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dspgd-site-'));
    site = join(dir, 'site');
    const t0 = performance.now();
    buildSite({ out: site, report: true, log: () => undefined });
    seconds = (performance.now() - t0) / 1000;
  }, 240_000);
  afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  it('holds the demo, the bench page and the report of npm start, and nothing server-side', () => {
    console.log(`build:site took ${seconds.toFixed(1)} s (demo report included; timing on a shared machine, indicative)`);
    for (const f of ['index.html', 'app.js', 'dspgd.worker.js', 'bench.html', 'bench.js', 'bench-worker.js', 'style.css', '_headers', 'report/index.html', 'report/demo.json', 'report/bias-path.svg']) {
      expect(existsSync(join(site, f)), f).toBe(true);
    }
    expect(readdirSync(site).filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(existsSync(join(site, 'report', '.dspgd-report'))).toBe(false);
    expect(readFileSync(join(site, 'index.html'), 'utf8')).toContain('<a href="report/">');
    expect(readFileSync(join(site, '_headers'), 'utf8')).toMatch(/Cross-Origin-Embedder-Policy: require-corp/);
    // Relative URLs only: the folder can sit under any path of any host.
    for (const f of ['index.html', 'bench.html']) expect(readFileSync(join(site, f), 'utf8')).not.toMatch(/(src|href)="\/(?!\/)/);
    // The report is the demo's: 10 preconditioners × 4 learning rates.
    expect(JSON.parse(readFileSync(join(site, 'report', 'demo.json'), 'utf8')) as unknown[]).toHaveLength(40);
  });

  for (const isolated of [false, true]) {
    it(`served ${isolated ? 'with' : 'without'} COOP/COEP: ${isolated ? 'threads' : 'one thread, and the page says so'}`, async () => {
      const server = await startServer({ port: 0, isolated, mounts: [['/', site]] });
      const page = await browser().newPage();
      const problems = watch(page);
      try {
        await page.goto(server.url);
        await waitState(page, ['idle']);
        expect(await page.evaluate(() => crossOriginIsolated)).toBe(isolated);
        const env = (await page.textContent('#env')) ?? '';
        const threadsBox = await page.$eval('#controls [name=threads]', (el) => ({ readOnly: (el as HTMLInputElement).readOnly, value: (el as HTMLInputElement).value }));
        if (isolated) {
          expect(env).toMatch(/up to \d+ threads/);
          expect(threadsBox.readOnly).toBe(false);
        } else {
          expect(env).toMatch(/one thread/);
          expect(env).toMatch(/COOP\/COEP/);
          expect(threadsBox).toEqual({ readOnly: true, value: '1' });
        }
        // Threads split the pass over X only from 2^20 multiply-adds per pass (src/engine/pass.ts),
        // and only on the primal path: sign on 64×16384.
        for (const [k, v] of Object.entries({ kind: 'gaussian', n: '64', d: '16384', k: '1', seed: '2', tol: '1e-8', maxIter: '20000', lrs: '0.5*auto' })) await setField(page, k, v);
        if (isolated) await setField(page, 'threads', '2');
        await choosePreconds(page, ['sign:eps=0.1']);
        await page.click('#run');
        expect(await waitState(page, ['done', 'aborted', 'error'], 60_000)).toBe('done');
        const r = await page.evaluate(() => (globalThis as unknown as { dspgdDemo: { runs: { result: { status: string; threads: number } }[] } }).dspgdDemo.runs.map((x) => x.result));
        expect(r.map((x) => [x.status, x.threads])).toEqual([['converged', isolated ? 2 : 1]]);
        // The bench page and the report load from the same folder.
        await page.goto(`${server.url}bench.html`);
        await page.waitForFunction(() => document.querySelector('#env')?.textContent !== 'loading…');
        expect(await page.textContent('#env')).toContain(isolated ? 'cross-origin isolated (threads available)' : 'not cross-origin isolated (one thread)');
        const rep = await page.goto(`${server.url}report/`);
        expect(rep?.status()).toBe(200);
        expect(await page.$$eval('figure svg', (s) => s.length)).toBeGreaterThan(5);
        expect(await page.$('#fig-bias-path svg')).not.toBeNull();
        expect(problems).toEqual([]);
      } finally {
        await page.close();
        await server.close();
      }
    });
  }
});
