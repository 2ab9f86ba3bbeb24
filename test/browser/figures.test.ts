// The demo page's figures in Chromium (web/figures.ts, src/plot/interactive.ts): the bias path,
// legend toggles, hover read-outs at full precision, zoom, SVG/PNG export, tick size on screen,
// and traces in the JSON download. Numbers are checked against the runs' own data.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { startServer } from '../../web/server.mjs';
import { useChromium } from './launch.js';
import { waitState, watch, setField, choosePreconds } from './page.js';

interface Handle {
  hidden: Set<string>;
  zoomed: { x: [number, number]; y: [number, number] } | null;
  layout: { width: number; height: number; plot: { left: number; top: number; width: number; height: number }; x: { type: string; domain: [number, number] }; y: { type: string; domain: [number, number] } };
  toggle(k: string): void;
  resetZoom(): void;
  svgText(): string;
  png(): Promise<Blob>;
}

/** Client coordinates of a data point of a chart (through its layout and the SVG's box on screen). */
async function clientPoint(page: Page, chart: 'loss' | 'path', sel: string, x: number, y: number): Promise<[number, number]> {
  // The mouse only reaches what is on screen: the page above the figures grows with its controls.
  await page.$eval(sel, (el) => el.scrollIntoView({ block: 'center' }));
  return page.evaluate(([chart, sel, x, y]) => {
    const h = (globalThis as unknown as { dspgdFigures: { charts: Record<string, Handle> } }).dspgdFigures.charts[chart as string]!;
    const L = h.layout;
    const f = (t: string, v: number) => (t === 'log' ? Math.log10(v) : v);
    const tx = (f(L.x.type, x as number) - f(L.x.type, L.x.domain[0])) / (f(L.x.type, L.x.domain[1]) - f(L.x.type, L.x.domain[0]));
    const ty = (f(L.y.type, y as number) - f(L.y.type, L.y.domain[0])) / (f(L.y.type, L.y.domain[1]) - f(L.y.type, L.y.domain[0]));
    const r = document.querySelector(`${sel} svg`)!.getBoundingClientRect();
    const sx = r.width / L.width, sy = r.height / L.height;
    return [r.left + (L.plot.left + tx * L.plot.width) * sx, r.top + (L.plot.top + (1 - ty) * L.plot.height) * sy] as [number, number];
  }, [chart, sel, x, y] as const);
}

describe('demo page figures in Chromium', () => {
  const browser = useChromium();
  let server: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => { server = await startServer({ port: 0 }); });
  afterAll(async () => { await server?.close(); });

  const runSmall = async (page: Page) => {
    await page.goto(server.url);
    await waitState(page, ['idle']);
    for (const [k, v] of Object.entries({ kind: 'gaussian', n: '12', d: '36', k: '2', seed: '3', tol: '1e-10', maxIter: '20000', lrs: '1*auto, 0.5*auto' })) await setField(page, k, v);
    await choosePreconds(page, ['gd', 'sign:eps=0.1']);
    await page.click('#run');
    expect(await waitState(page, ['done', 'aborted', 'error'])).toBe('done');
  };

  it('bias path, legend toggles, hover at full precision, zoom and export', async () => {
    const page = await browser().newPage({ viewport: { width: 1440, height: 900 } });
    const problems = watch(page);
    await runSmall(page);
    const runs = await page.evaluate(() => (globalThis as unknown as { dspgdDemo: { runs: { label: string; spec: string; result: { status: string; trace: { iteration: Float64Array; loss: Float64Array }; bias: { path: { rowDistance: Float64Array; nullPart: Float64Array; gdNorm: number } } } }[] } })
      .dspgdDemo.runs.map((r) => ({ label: r.label, spec: r.spec, status: r.result.status, it: Array.from(r.result.trace.iteration), loss: Array.from(r.result.trace.loss),
        row: Array.from(r.result.bias.path.rowDistance, (v) => v / r.result.bias.path.gdNorm), nul: Array.from(r.result.bias.path.nullPart, (v) => v / r.result.bias.path.gdNorm) })));
    expect(runs.map((r) => r.status)).toEqual(['converged', 'converged', 'converged', 'converged']);

    // The bias path: one series per run; gd stays on the axis, sign leaves it.
    expect(await page.$$eval('#pathplot svg g.series', (gs) => gs.map((g) => (g as SVGGElement).dataset.series))).toEqual(runs.map((r) => r.label));
    for (const r of runs) {
      expect(r.row[0]).toBeCloseTo(1, 12);
      if (r.spec === 'gd') expect(Math.max(...r.nul)).toBeLessThanOrEqual(1e-10);
      else expect(Math.max(...r.nul)).toBeGreaterThan(1e-2);
    }

    // Hover on the loss plot: the read-out names a sample and its exact values.
    const target = runs[2]!; // sign at the larger lr
    const i = Math.floor(target.it.length / 3);
    const [cx, cy] = await clientPoint(page, 'loss', '#lossplot', target.it[i]!, target.loss[i]!);
    await page.mouse.move(cx, cy);
    const readout = await page.$eval('#lossplot .dspgd-readout', (el) => ({ text: el.textContent ?? '', hidden: (el as HTMLElement).hidden }));
    expect(readout.hidden).toBe(false);
    // Nearest sample within a pixel: the one asked for or a neighbour drawn on the same spot; the text is its full-precision value.
    const m = /^(.*): iteration = (\S+), loss = (\S+)$/.exec(readout.text)!;
    expect(m, readout.text).not.toBeNull();
    const series = runs.find((r) => r.label === m[1])!;
    const j = series.it.indexOf(Number(m[2]));
    expect(j).toBeGreaterThanOrEqual(0);
    expect(m[3]).toBe(String(series.loss[j]));
    expect(Number(m[3])).toBe(series.loss[j]);

    // Legend toggles: hiding sign hides both its runs, in the loss and nowhere else.
    await page.click('#lossplot .legend-entry[data-toggle="group:sign:eps=0.1"]');
    const shown = await page.$$eval('#lossplot g.series', (gs) => gs.map((g) => [(g as SVGGElement).dataset.group, (g as SVGGElement).style.display]));
    expect(shown.filter(([g, d]) => g === 'sign:eps=0.1' && d === 'none')).toHaveLength(2);
    expect(shown.filter(([g, d]) => g === 'gd' && d === '')).toHaveLength(2);
    expect(await page.$eval('#lossplot .legend-entry[data-toggle="group:sign:eps=0.1"]', (e) => e.getAttribute('aria-pressed'))).toBe('false');
    // The exported SVG leaves hidden series out.
    const svgText = await page.evaluate(() => (globalThis as unknown as { dspgdFigures: { charts: { loss: Handle } } }).dspgdFigures.charts.loss.svgText());
    expect(svgText.startsWith('<svg')).toBe(true);
    expect(svgText).not.toContain('data-group="sign:eps=0.1"');
    expect(svgText).toContain('data-group="gd"');
    await page.click('#lossplot .legend-entry[data-toggle="group:sign:eps=0.1"]');

    // Zoom: drag a box over the middle of the plot; the axes take its range.
    const L = await page.evaluate(() => (globalThis as unknown as { dspgdFigures: { charts: { loss: Handle } } }).dspgdFigures.charts.loss.layout);
    const box = (await page.$('#lossplot svg'))!;
    const bb = (await box.boundingBox())!;
    const s = bb.width / L.width;
    const [x0, y0] = [bb.x + (L.plot.left + 0.25 * L.plot.width) * s, bb.y + (L.plot.top + 0.25 * L.plot.height) * s];
    const [x1, y1] = [bb.x + (L.plot.left + 0.75 * L.plot.width) * s, bb.y + (L.plot.top + 0.75 * L.plot.height) * s];
    await page.mouse.move(x0, y0);
    await page.mouse.down();
    await page.mouse.move(x1, y1, { steps: 5 });
    await page.mouse.up();
    const z = await page.evaluate(() => (globalThis as unknown as { dspgdFigures: { charts: { loss: Handle } } }).dspgdFigures.charts.loss.zoomed);
    expect(z).not.toBeNull();
    const [a, b] = L.x.domain;
    expect(z!.x[0]).toBeCloseTo(a + 0.25 * (b - a), 6);
    expect(z!.x[1]).toBeCloseTo(a + 0.75 * (b - a), 6);
    const ly = (t: number) => 10 ** (Math.log10(L.y.domain[0]) + t * (Math.log10(L.y.domain[1]) - Math.log10(L.y.domain[0])));
    expect(z!.y[0] / ly(0.25)).toBeCloseTo(1, 6);
    expect(z!.y[1] / ly(0.75)).toBeCloseTo(1, 6);
    expect(await page.$eval('#lossplot svg', (el) => !!el.querySelector('clipPath'))).toBe(true);
    await page.click('#lossplot .dspgd-toolbar button:has-text("Reset zoom")');
    expect(await page.evaluate(() => (globalThis as unknown as { dspgdFigures: { charts: { loss: Handle } } }).dspgdFigures.charts.loss.zoomed)).toBeNull();

    // PNG export: a real PNG of the chart's size at 2×.
    const png = await page.evaluate(async () => {
      const blob = await (globalThis as unknown as { dspgdFigures: { charts: { path: Handle } } }).dspgdFigures.charts.path.png();
      const bytes = new Uint8Array(await blob.arrayBuffer());
      const dv = new DataView(bytes.buffer);
      return { sig: Array.from(bytes.slice(0, 8)), w: dv.getUint32(16), h: dv.getUint32(20) };
    });
    expect(png.sig).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    const PL = await page.evaluate(() => (globalThis as unknown as { dspgdFigures: { charts: { path: Handle } } }).dspgdFigures.charts.path.layout);
    expect([png.w, png.h]).toEqual([Math.ceil(PL.width * 2), Math.ceil(PL.height * 2)]);
    // The SVG button downloads the same text as svgText().
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#pathplot .dspgd-toolbar button:has-text("SVG")')]);
    expect(dl.suggestedFilename()).toBe('bias-path.svg');
    expect(readFileSync((await dl.path())!, 'utf8')).toMatch(/^<svg[^>]*dspgd-line-chart/);

    // The JSON download carries each run's trace and bias path.
    await page.waitForSelector('#dl-json:not([disabled])');
    const [jd] = await Promise.all([page.waitForEvent('download'), page.click('#dl-json')]);
    const json = JSON.parse(readFileSync((await jd.path())!, 'utf8')) as { runs: { label: string; trace: { iteration: number[]; loss: number[] }; biasPath: { nullPart: number[] } }[] };
    for (const r of runs) {
      const jr = json.runs.find((x) => x.label === r.label)!;
      expect(jr.trace.iteration).toEqual(r.it);
      expect(jr.trace.loss).toEqual(r.loss);
      expect(jr.biasPath.nullPart.length).toBe(r.nul.length);
    }
    // c against lr: the max-iter/cancelled runs are not drawn; here all converged: 2 preconditioners × 2 quantities.
    expect(await page.$$eval('#cplot svg g.series', (gs) => gs.length)).toBe(4);
    expect(problems).toEqual([]);
    await page.close();
  });

  for (const width of [390, 1440]) {
    it(`tick labels are at least 11 px on screen at ${width} px`, async () => {
      const page = await browser().newPage({ viewport: { width, height: 900 } });
      await runSmall(page);
      // Two frames: a redraw the ResizeObserver asked for after the run has happened.
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      // Only labels drawn on screen: an SVG not laid out (width 0, e.g. replaced mid-redraw) has no size to check.
      const measured = await page.$$eval('#lossplot svg .axis text, #pathplot svg .axis text', (ts) => ts.map((t) => {
        const svg = (t as SVGTextElement).ownerSVGElement!;
        const w = svg.getBoundingClientRect().width, vb = svg.viewBox.baseVal?.width ?? 0;
        return w > 0 && vb > 0 ? Number.parseFloat(getComputedStyle(t).fontSize) * (w / vb) : null;
      }));
      const sizes = measured.filter((v): v is number => v !== null);
      expect(sizes.length, `${measured.length} tick labels, ${sizes.length} laid out`).toBeGreaterThan(4);
      expect(sizes.every(Number.isFinite)).toBe(true);
      expect(Math.min(...sizes)).toBeGreaterThanOrEqual(11 - 1e-9);
      mkdirSync('test-artifacts', { recursive: true });
      await page.screenshot({ path: `test-artifacts/figures-${width}.png`, fullPage: true });
      await page.close();
    });
  }
});
