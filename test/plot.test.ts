// src/plot: SVG strings must be well-formed XML, one series element per
// series, legends that match, power-of-ten log labels, no NaN/Infinity ever
// reaching an attribute, escaped text, and sane output for degenerate data.
import { describe, it, expect } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lineChart, barChart, seriesStyle, escapeXml, type LineSeries } from '../src/plot/index.js';
import { decimate, type Px } from '../src/plot/line.js';
import { parseXml, all, hasClass, textOf, type XmlNode } from './helpers/xml.js';

const childTitle = (n: XmlNode) => {
  const t = n.children.find((c): c is XmlNode => typeof c !== 'string' && c.name === 'title');
  return t ? textOf({ ...t, name: 'x' }) : undefined;
};

/** Parses and checks the invariants every chart must satisfy. */
function checkSvg(svg: string): XmlNode {
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  const root = parseXml(svg);
  expect(root.name).toBe('svg');
  expect(root.attrs.viewBox).toMatch(/^0 0 \d+(\.\d+)? \d+(\.\d+)?$/);
  const first = root.children[0];
  expect(typeof first !== 'string' && first?.name).toBe('title');
  for (const n of all(root, () => true)) {
    for (const [k, v] of Object.entries(n.attrs)) {
      if (k === 'data-series' || k === 'font-family') continue;
      expect(v, `<${n.name} ${k}>`).not.toMatch(/NaN|Infinity|undefined|null/);
    }
  }
  return root;
}

const seriesNames = (root: XmlNode) => all(root, hasClass('series')).map((n) => n.attrs['data-series']);
const legendNames = (root: XmlNode) => all(root, hasClass('legend-entry')).map((n) => n.attrs['data-series']);
const legendTexts = (root: XmlNode) => all(root, hasClass('legend-entry')).map((n) => textOf(n));

const SUP = '⁰¹²³⁴⁵⁶⁷⁸⁹';
/** "10⁻¹²" → -12; throws on anything that is not a power-of-ten label. */
function exponentOf(label: string): number {
  const m = /^10(⁻?)([⁰¹²³⁴⁵⁶⁷⁸⁹]+)$/.exec(label);
  if (!m) throw new Error(`not a power-of-ten label: ${label}`);
  const e = Number([...m[2]!].map((c) => SUP.indexOf(c)).join(''));
  return m[1] ? -e : e;
}
const tickLabels = (root: XmlNode, axis: 'x-axis' | 'y-axis') =>
  all(root, hasClass(axis))[0]!.children.filter((c): c is XmlNode => typeof c !== 'string' && c.name === 'text' && !hasClass('axis-label')(c));
const seriesPathD = (root: XmlNode, name: string) =>
  all(root, (n) => n.attrs['data-series'] === name && hasClass('series')(n))[0]!.children
    .filter((c): c is XmlNode => typeof c !== 'string' && c.name === 'path').map((p) => p.attrs.d!);

// A loss-like trace: geometric decay to round-off, then exact zeros (converged).
function decay(n: number, rate: number): LineSeries {
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = i * 10;
    y[i] = i < n - 3 ? 300 * rate ** i : 0;
  }
  return { name: `rate ${rate}`, x, y };
}

describe('lineChart', () => {
  it('one series element and one legend row per series, same names', () => {
    const series = [decay(50, 0.5), decay(50, 0.7), { name: 'third', x: [1, 2, 3], y: [3, 2, 1] }];
    const root = checkSvg(lineChart({ title: 'Loss', xLabel: 'iteration', yLabel: 'loss', yScale: 'log', series }));
    expect(seriesNames(root)).toEqual(series.map((s) => s.name));
    expect(legendNames(root)).toEqual(series.map((s) => s.name));
    expect(legendTexts(root)).toEqual(series.map((s) => s.name));
    expect(all(root, hasClass('chart-title')).map(textOf)).toEqual(['Loss']);
    expect(all(root, hasClass('axis-label')).map(textOf)).toEqual(['iteration', 'loss']);
  });

  it('log-axis labels are powers of ten spanning the data range', () => {
    const s = decay(40, 0.5); // y from 300 down to 300·0.5^36 ≈ 4.4e-9
    const root = checkSvg(lineChart({ series: [s], yScale: 'log' }));
    const labels = tickLabels(root, 'y-axis');
    const exps = labels.map((t) => exponentOf(textOf(t)));
    expect(exps.length).toBeGreaterThanOrEqual(3);
    expect(Math.min(...exps)).toBeGreaterThanOrEqual(-9); // floor(log10(4.4e-9))
    expect(Math.max(...exps)).toBeLessThanOrEqual(3); // ceil(log10(300))
    expect(Math.max(...exps) - Math.min(...exps)).toBeGreaterThanOrEqual(8);
    // Larger values sit higher (smaller SVG y).
    const ys = labels.map((t) => Number(t.attrs.y));
    for (let k = 1; k < ys.length; k++) expect(ys[k]).toBeLessThan(ys[k - 1]!);
  });

  it('log x axis (learning rate) with markers', () => {
    const lr = [1e-4, 4e-4, 1e-3, 4e-3];
    const series = [
      { name: 'gd', x: lr, y: [0, 0, 0, 0] }, // relDistToGD of GD itself: nothing drawable on log y
      { name: 'adam:eps=0.1', x: lr, y: [0.2, 0.25, 0.3, 0.41] },
      { name: 'sign:eps=0.1', x: lr, y: [0.5, 0.52, 0.6, 0.7] },
    ];
    const root = checkSvg(lineChart({ series, xScale: 'log', yScale: 'log', markers: true, xLabel: 'learning rate', yLabel: 'relDistToGD' }));
    expect(seriesNames(root)).toEqual(['gd', 'adam:eps=0.1', 'sign:eps=0.1']);
    const exps = tickLabels(root, 'x-axis').map((t) => exponentOf(textOf(t)));
    expect(exps).toEqual([-4, -3, -2]);
    const markers = (name: string) => all(root, (n) => n.attrs['data-series'] === name)[0]!;
    expect(all(markers('adam:eps=0.1'), hasClass('markers'))[0]!.children.filter((c) => typeof c !== 'string').length).toBe(4);
    expect(all(markers('gd'), (n) => n.name === 'path')).toHaveLength(0);
    // Legend swatches show the marker too.
    expect(all(all(root, hasClass('legend'))[0]!, (n) => n.name === 'path').length).toBe(6);
  });

  it('NaN, ±Infinity and non-positive values are skipped and split the line', () => {
    const y = [1, 0.5, NaN, 0.25, 0.125, Infinity, 0.06, 0, 0.03, -1, 0.01, 0.005, -Infinity];
    const x = y.map((_, i) => i);
    for (const yScale of ['log', 'linear'] as const) {
      const svg = lineChart({ series: [{ name: 's', x, y }, { name: 'bad x', x: [NaN, Infinity, 1, 2], y: [1, 2, 3, 4] }], yScale });
      const root = checkSvg(svg);
      expect(svg).not.toMatch(/NaN|Infinity/);
      const d = seriesPathD(root, 's')[0]!;
      // log: [1,.5] [.25,.125] [.06] [.03] [.01,.005] → 5 runs (2 of them isolated points);
      // linear: [1,.5] [.25,.125] [.06,0,.03,-1,.01,.005] → 3 runs.
      expect(d.match(/M/g)).toHaveLength(yScale === 'log' ? 5 : 3);
      const dots = all(root, hasClass('markers'));
      if (yScale === 'log') expect(dots[0]!.children.filter((c) => typeof c !== 'string')).toHaveLength(2);
    }
  });

  it('linear tick labels: grouped decimals in the everyday range, exponents outside it', () => {
    const labels = (hi: number) => tickLabels(checkSvg(lineChart({ series: [{ name: 's', x: [0, hi], y: [0, 1] }] })), 'x-axis').map(textOf);
    expect(labels(200_000)).toEqual(['0', '50,000', '100,000', '150,000', '200,000']);
    expect(labels(1e-7)).toContain('1e−7');
    expect(labels(3e6)).toContain('3e6');
    expect(labels(0.003)).toContain('0.001');
  });

  it('escapes names, titles and labels', () => {
    const nasty = `a<b & "c" 'd'> </svg>`;
    const svg = lineChart({ title: nasty, xLabel: '<x>', yLabel: '&y', series: [{ name: nasty, x: [1, 2], y: [1, 2] }, { name: 'ctl\u0001\u0008ok', x: [1], y: [1] }] });
    const root = checkSvg(svg);
    expect(seriesNames(root)).toEqual([nasty, 'ctlok']);
    expect(legendNames(root)).toEqual([nasty, 'ctlok']);
    expect(textOf(all(root, hasClass('chart-title'))[0]!)).toBe(nasty);
    expect(childTitle(root)).toBe(nasty);
    expect(all(root, hasClass('axis-label')).map(textOf)).toEqual(['<x>', '&y']);
    expect(escapeXml(`<&>"'`)).toBe('&lt;&amp;&gt;&quot;&#39;');
  });

  it('degenerate data still renders valid SVG', () => {
    const cases: Parameters<typeof lineChart>[0][] = [
      { series: [{ name: 'one point', x: [5], y: [3] }] },
      { series: [{ name: 'one point', x: [5], y: [3] }], xScale: 'log', yScale: 'log' },
      { series: [{ name: 'const', x: [1, 2, 3], y: [2, 2, 2] }], yScale: 'log' },
      { series: [{ name: 'const', x: [1, 2, 3], y: [1e-3, 1e-3, 1e-3] }], yScale: 'log' }, // exact power of ten
      { series: [{ name: 'tiny span', x: [1, 2, 3], y: [1, 1 + 1e-12, 1] }], yScale: 'log' },
      { series: [{ name: 'const 0', x: [1, 2, 3], y: [0, 0, 0] }] },
      { series: [{ name: 'all undrawable', x: [1, 2], y: [NaN, NaN] }], yScale: 'log' },
      { series: [{ name: 'empty', x: [], y: [] }] },
      { series: [] },
      { series: [{ name: 'huge', x: [0, 1], y: [-1.7e308, 1.7e308] }] },
      { series: [{ name: 'mismatched', x: [1, 2, 3, 4], y: [1, 2] }], legend: false },
    ];
    for (const c of cases) {
      const svg = lineChart(c);
      const root = checkSvg(svg);
      expect(svg).not.toMatch(/NaN|Infinity/);
      expect(seriesNames(root)).toEqual(c.series.map((s) => s.name));
      if (c.yScale === 'log') {
        const exps = tickLabels(root, 'y-axis').map((t) => exponentOf(textOf(t)));
        expect(exps.length).toBeGreaterThanOrEqual(2);
      }
    }
    // A single point is visible (a dot), not a zero-length path.
    const root = checkSvg(lineChart(cases[0]!));
    expect(all(root, hasClass('markers'))).toHaveLength(1);
    // The power-of-ten constant sits on a labelled decade with one either side.
    const exps = tickLabels(checkSvg(lineChart(cases[3]!)), 'y-axis').map((t) => exponentOf(textOf(t)));
    expect(exps).toEqual([-4, -3, -2]);
  });

  it('many series: distinct styles, legend fits', () => {
    const series = Array.from({ length: 20 }, (_, i) => ({ name: `precond-${i} @ 1.0e-3`, x: [1, 2, 3], y: [i + 1, i + 2, i + 3] }));
    const root = checkSvg(lineChart({ series, height: 300 }));
    expect(seriesNames(root)).toHaveLength(20);
    expect(legendNames(root)).toHaveLength(20);
    const [, , , h] = root.attrs.viewBox!.split(' ').map(Number);
    const legendTop = Number(/translate\([\d.]+,([\d.]+)\)/.exec(all(root, hasClass('legend'))[0]!.attrs.transform!)![1]);
    expect(h!).toBeGreaterThanOrEqual(legendTop + 20 * 18);
    expect(h!).toBeGreaterThan(300); // grew to fit
    const looks = new Set(series.map((_, i) => { const s = seriesStyle(i); return `${s.color}|${s.dash}|${s.marker}`; }));
    expect(looks.size).toBe(20);
  });
});

describe('decimate', () => {
  it('keeps first/min/max/last per pixel column and every break', () => {
    const pts: Px[] = [[0.1, 5], [0.2, 1], [0.3, 9], [0.4, 4], [0.45, 6], null, null, [0.6, 3], [1.2, 2], [1.3, 8], null, [5, 5]];
    expect(decimate(pts)).toEqual([[0.1, 5], [0.2, 1], [0.3, 9], [0.45, 6], null, [0.6, 3], [1.2, 2], [1.3, 8], null, [5, 5]]);
    expect(decimate([null, [1, 1]])).toEqual([[1, 1]]);
  });

  it('a dense trace becomes small without changing its segments', () => {
    const n = 50_000;
    const x = Float64Array.from({ length: n }, (_, i) => i);
    const y = Float64Array.from({ length: n }, (_, i) => (i === 30_000 ? NaN : Math.exp(-i / 5000) * (1 + 0.2 * Math.sin(i))));
    const svg = lineChart({ series: [{ name: 'dense', x, y }], yScale: 'log' });
    const d = seriesPathD(checkSvg(svg), 'dense')[0]!;
    expect(d.match(/M/g)).toHaveLength(2);
    expect(svg.length).toBeLessThan(60_000);
  });
});

describe('barChart', () => {
  const categories = ['gd @ 1e-3', 'adam:eps=0.1 @ 1e-3', 'sign:eps=0.1 @ 4e-4'];
  const groups = [
    { name: 'row space', values: [1.2, 1.5, 1.1] },
    { name: 'null space', values: [0, 0.3, 2.5e-3] },
  ];

  it('one series element per group with a bar per category; legend matches', () => {
    const root = checkSvg(barChart({ title: 'Norms', yLabel: 'norm', categories, groups }));
    expect(seriesNames(root)).toEqual(['row space', 'null space']);
    expect(legendNames(root)).toEqual(['row space', 'null space']);
    for (const g of all(root, hasClass('series'))) expect(all(g, (n) => n.name === 'rect')).toHaveLength(3);
    expect(tickLabels(root, 'x-axis').map(textOf)).toEqual(categories);
  });

  it('log y: powers of ten, no bar for non-positive values, no NaN', () => {
    const svg = barChart({ categories, groups: [...groups, { name: 'bad', values: [NaN, -1, Infinity] }], yScale: 'log' });
    const root = checkSvg(svg);
    expect(svg).not.toMatch(/NaN|Infinity/);
    const rects = all(root, hasClass('series')).map((g) => all(g, (n) => n.name === 'rect').length);
    expect(rects).toEqual([3, 2, 0]);
    const exps = tickLabels(root, 'y-axis').map((t) => exponentOf(textOf(t)));
    expect(Math.min(...exps)).toBeGreaterThanOrEqual(-3);
    expect(Math.max(...exps)).toBeLessThanOrEqual(1);
    // Bars stand on the bottom of the plot and have positive height.
    for (const r of all(root, (n) => n.name === 'rect' && n.attrs.fill !== '#ffffff')) expect(Number(r.attrs.height)).toBeGreaterThanOrEqual(0);
  });

  it('linear y includes 0; negative values hang below it; long labels rotate and escape', () => {
    const long = Array.from({ length: 12 }, (_, i) => `clip-elementwise:c=0.05 <${i}> & more @ 1.234e-3`);
    const root = checkSvg(barChart({ categories: long, groups: [{ name: 'v', values: long.map((_, i) => i - 3) }], xLabel: 'run' }));
    const labels = tickLabels(root, 'x-axis');
    expect(labels.every((t) => /rotate\(-40 /.test(t.attrs.transform ?? ''))).toBe(true);
    expect(labels.map(childTitle)).toEqual(long);
    // Rotated labels hang left of their tick; none may leave the SVG (0.6em per char over-estimates the width).
    for (const t of labels) expect(Number(t.attrs.x) - textOf(t).length * 11 * 0.6 * Math.cos((40 * Math.PI) / 180)).toBeGreaterThanOrEqual(0);
    expect(tickLabels(root, 'y-axis').map(textOf)).toContain('0');
    expect(tickLabels(root, 'y-axis').map(textOf)).toContain('−2');
  });

  it('degenerate inputs', () => {
    for (const o of [
      { categories: [], groups: [] },
      { categories: ['only'], groups: [{ name: 'g', values: [5] }] },
      { categories: ['a', 'b'], groups: [{ name: 'g', values: [0, 0] }], yScale: 'log' as const },
      { categories: ['a', 'a'], groups: [{ name: 'g', values: [1] }] }, // duplicate names, short values
    ]) {
      const svg = barChart(o);
      checkSvg(svg);
      expect(svg).not.toMatch(/NaN|Infinity/);
    }
  });
});

describe('strict XML checker', () => {
  it('rejects the mistakes it exists to catch', () => {
    for (const bad of ['<a><b></a></b>', '<a x="1" x="2"/>', '<a>&</a>', '<a>&foo;</a>', '<a x="<"/>', '<a/><b/>', '<a x=1/>', '<a>', 'text<a/>']) {
      expect(() => parseXml(bad), bad).toThrow();
    }
    expect(parseXml('<a x="&lt;&amp;&#39;">t&gt;<b/></a>').attrs.x).toBe("<&'");
  });
});

describe('sample output', () => {
  // Set DSPGD_PLOT_SAMPLE_DIR to keep the files for a look; otherwise they go to a temp dir that is removed.
  it('writes sample charts to a temp dir', () => {
    const keep = process.env.DSPGD_PLOT_SAMPLE_DIR;
    const dir = keep ?? mkdtempSync(join(tmpdir(), 'dspgd-plot-'));
    if (keep) mkdirSync(keep, { recursive: true });
    const runs = [decay(60, 0.5), decay(60, 0.6), decay(60, 0.75), decay(60, 0.9)];
    writeFileSync(join(dir, 'loss.svg'), lineChart({ title: 'Loss against iteration', xLabel: 'iteration', yLabel: 'loss', yScale: 'log', series: runs }));
    const lr = [1e-4, 2e-4, 5e-4, 1e-3, 2e-3];
    writeFileSync(join(dir, 'bias.svg'), lineChart({
      title: 'Distance to the GD solution', xLabel: 'learning rate', yLabel: 'relDistToGD', xScale: 'log', yScale: 'log', markers: true,
      series: ['adam:eps=0.1', 'sign:eps=0.1', 'clip-elementwise:c=0.05', 'normalized:eps=0.1'].map((name, k) => ({ name, x: lr, y: lr.map((v) => 0.05 * (k + 1) * (v / 1e-4) ** 0.2) })),
    }));
    writeFileSync(join(dir, 'norms.svg'), barChart({
      title: 'Row/null space norms', yLabel: 'norm', yScale: 'log',
      categories: ['gd @ 1.0e-3', 'adam:eps=0.1 @ 1.0e-3', 'sign:eps=0.1 @ 2.5e-4', 'clip-elementwise:c=0.05 @ 1.0e-3'],
      groups: [{ name: 'row space', values: [1.3, 1.4, 1.35, 1.3] }, { name: 'null space', values: [3e-15, 0.2, 0.45, 0.08] }],
    }));
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.svg'))) checkSvg(readFileSync(join(dir, f), 'utf8'));
    if (!keep) rmSync(dir, { recursive: true, force: true });
  });
});
