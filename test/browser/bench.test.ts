// The bench page in Chromium, quick mode on W1: the suite runs in the page's worker with the
// browser peers, the table appears, the downloaded JSON parses, and Node's formatTable of that JSON
// is exactly the table the page shows (one suite, one table, whichever runtime ran it).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { startServer } from '../../web/server.mjs';
import { formatTable } from '../../bench/format.js';
import type { SuiteResult } from '../../bench/suite.js';
import { useChromium } from './launch.js';
import { watch } from './page.js';

describe('bench page in Chromium', () => {
  const browser = useChromium();
  let server: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => { server = await startServer({ port: 0 }); });
  afterAll(async () => { await server?.close(); });

  it('quick W1 run: table shown, JSON downloads and parses, and Node formats it to the same table', async () => {
    const page = await browser().newPage({ acceptDownloads: true });
    const problems = watch(page);
    await page.goto(`${server.url}bench.html`);
    await page.evaluate(() => {
      for (const b of document.querySelectorAll<HTMLInputElement>('input[name=workload]')) b.checked = b.value === 'W1';
      (document.querySelector('input[name=quick]') as HTMLInputElement).checked = true;
    });
    await page.click('#run');
    await page.waitForFunction(() => ['done', 'error'].includes((globalThis as unknown as { dspgdBench: { state: string } }).dspgdBench.state), null, { timeout: 60_000 });
    expect(await page.evaluate(() => (globalThis as unknown as { dspgdBench: { error?: string } }).dspgdBench.error)).toBeUndefined();
    const table = (await page.textContent('#table'))!;
    expect(table).toMatch(/^Time per iteration \(median\)/);
    expect(table).toMatch(/^W1 +gd +\d/m);
    expect(table).toMatch(/^W1 +spectral +\d/m);

    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#dl-json')]);
    const json: SuiteResult = JSON.parse(readFileSync((await dl.path())!, 'utf8'));
    expect(json.schema).toBe('dspgd-bench/1');
    expect(json.quick).toBe(true);
    expect(json.rows.map((r) => `${r.workload} ${r.precond}`)).toEqual(['W1 gd', 'W1 adam', 'W1 spectral']);
    const peers = Object.fromEntries(json.peers.map((p) => [p.name, p.available]));
    expect(peers).toEqual({ js: true, 'ml-matrix': true, tfjs: true, stream: true });
    // Every peer computed the same iteration as dspgd (the suite checks W before timing).
    for (const r of json.rows) for (const [name, c] of Object.entries(r.peers)) expect(c.status, `${r.precond} ${name}`).toBe('ok');
    expect(json.environment).toMatchObject({ runtime: 'browser', crossOriginIsolated: true });
    expect(formatTable(json)).toBe(table);
    expect(problems).toEqual([]);
    await page.screenshot({ path: 'test-artifacts/bench.png', fullPage: true });
    await page.close();
  });
});
