// Figures of issue 17: the bias path, |c − 1| and lr-sensitivity, grouped styles and legends,
// ticks of tiny spans. Positions in the SVG are mapped back through the tick labels and
// compared with the data (not snapshots).
import { describe, it, expect } from 'vitest';
import { biasPaths, biasVsLr, lrSensitivity, runStyles } from '../src/report/figures.js';
import { lineChart, lineChartLayout, PALETTE, type LineSeries } from '../src/plot/index.js';
import { fmtLr, type RunRow, type RunTrace } from '../src/experiment.js';
import { parseXml, all, hasClass, textOf, type XmlNode } from './helpers/xml.js';

const SUP = '⁰¹²³⁴⁵⁶⁷⁸⁹';
/** A tick label as a number: "0.25", "10⁻³", "1,000", "−2". */
function labelValue(s: string): number {
  const p = /^10(⁻?)([⁰¹²³⁴⁵⁶⁷⁸⁹]+)$/.exec(s);
  if (p) return 10 ** ((p[1] ? -1 : 1) * Number([...p[2]!].map((c) => SUP.indexOf(c)).join('')));
  return Number(s.replace(/,/g, '').replace(/−/g, '-'));
}

/** Labelled ticks of an axis: [pixel, value] pairs. */
function ticks(root: XmlNode, axis: 'x-axis' | 'y-axis'): [number, number][] {
  const g = all(root, hasClass(axis))[0]!;
  return g.children
    .filter((c): c is XmlNode => typeof c !== 'string' && c.name === 'text' && !hasClass('axis-label')(c))
    .map((t) => [Number(axis === 'x-axis' ? t.attrs.x : t.attrs.y), labelValue(textOf(t))]);
}

/** Pixel → value through the first and last labelled tick (linear or log). */
function inverse(tk: [number, number][], log: boolean): (px: number) => number {
  const [p0, v0] = tk[0]!, [p1, v1] = tk[tk.length - 1]!;
  const f = (v: number) => (log ? Math.log10(v) : v);
  return (px) => {
    const u = f(v0) + ((px - p0) / (p1 - p0)) * (f(v1) - f(v0));
    return log ? 10 ** u : u;
  };
}

/** Absolute points of a path's d ("M1,2L3,4…", absolute commands only). */
function points(d: string): [number, number][] {
  return [...d.matchAll(/[ML]\s*(-?[\d.]+)[ ,](-?[\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
}

const seriesNode = (root: XmlNode, name: string) => all(root, (n) => hasClass('series')(n) && n.attrs['data-series'] === name)[0]!;
const linePath = (g: XmlNode) => g.children.find((c): c is XmlNode => typeof c !== 'string' && c.name === 'path')!;

function trace(precond: string, lr: number, path?: { row: number[]; nul: number[]; gd: number }): RunTrace {
  const n = 5;
  return {
    label: `${precond} @ lr ${fmtLr(lr)}`, precond, lr, seed: null,
    iteration: Float64Array.from({ length: n }, (_, i) => i * 10),
    loss: Float64Array.from({ length: n }, (_, i) => 2 ** -i),
    relResidual: Float64Array.from({ length: n }, (_, i) => 2 ** -i),
    ...(path ? { biasPath: { iteration: Float64Array.from(path.row, (_, i) => i * i), rowDistance: Float64Array.from(path.row), nullPart: Float64Array.from(path.nul), gdNorm: path.gd } } : {}),
  };
}

describe('bias path figure', () => {
  const gd = trace('gd', 0.1, { row: [2, 1.2, 0.5, 0.1, 2e-12], nul: [0, 1e-16, 2e-16, 1e-16, 1e-16], gd: 2 });
  const sign = trace('sign:eps=0.1', 0.1, { row: [2, 1.5, 0.8, 0.2, 3e-12], nul: [0, 0.3, 0.5, 0.58, 0.6], gd: 2 });
  const sign2 = trace('sign:eps=0.1', 0.05, { row: [2, 1.6, 1.0, 0.4, 1e-12], nul: [0, 0.2, 0.4, 0.5, 0.52], gd: 2 });
  const none = trace('adam:eps=0.1', 0.1);

  it('plots rowDistance/gdNorm against nullPart/gdNorm: every vertex maps back to the data', () => {
    const [fig] = biasPaths([gd, sign, sign2, none]);
    expect(fig!.name).toBe('bias-path');
    const root = parseXml(fig!.svg);
    const fx = inverse(ticks(root, 'x-axis'), false), fy = inverse(ticks(root, 'y-axis'), false);
    for (const t of [gd, sign, sign2]) {
      const pts = points(linePath(seriesNode(root, t.label)).attrs.d!);
      const p = t.biasPath!;
      expect(pts).toHaveLength(p.iteration.length);
      pts.forEach(([x, y], i) => {
        // 0.01 px of rounding in the SVG, over a plot a few hundred px across ~1 unit.
        expect(Math.abs(fx(x) - p.rowDistance[i]! / p.gdNorm)).toBeLessThan(2e-4);
        expect(Math.abs(fy(y) - p.nullPart[i]! / p.gdNorm)).toBeLessThan(2e-4);
      });
      // An end marker where the path stops.
      const mk = all(seriesNode(root, t.label), hasClass('markers'))[0]!;
      const [, ex, ey] = /translate\(([\d.]+),([\d.]+)\)/.exec((mk.children[0] as XmlNode).attrs.transform!)!.map(Number);
      expect([ex, ey]).toEqual(pts[pts.length - 1]);
    }
    expect(fig!.caption).toContain('Not drawn (no path recorded, or W0 already interpolates): adam:eps=0.1 @ lr 0.1');
  });

  it('colours by preconditioner and dashes by learning rate, the same as the loss curves', () => {
    const st = runStyles([gd, sign, sign2]);
    expect(st[1]!.color).toBe(st[2]!.color);
    expect(st[0]!.color).not.toBe(st[1]!.color);
    expect(st[0]!.dash).toBe(st[1]!.dash); // same lr 0.1 (the largest: solid)
    expect(st[1]!.dash).toBeUndefined();
    expect(st[2]!.dash).toBeDefined();
    const root = parseXml(biasPaths([gd, sign, sign2])[0]!.svg);
    expect(linePath(seriesNode(root, sign2.label)).attrs['stroke-dasharray']).toBe(st[2]!.dash);
    expect(linePath(seriesNode(root, sign2.label)).attrs.stroke).toBe(st[2]!.color);
    expect(biasPaths([none])).toEqual([]);
  });
});

function row(precond: string, lr: number, over: Partial<RunRow>): RunRow {
  return {
    precond, name: precond.split(':')[0]!, params: {}, isotropic: false, preservesRowSpace: precond === 'gd', stateful: false, lr, seed: null,
    status: 'converged', iterations: 100, relResidual: 1e-11, relDistToGD: 0.1, c: 1.1, lrSensitivity: null, rowspaceNorm: 1, nullspaceNorm: 0.1, timeMs: 1,
    ...over,
  };
}

describe('c against lr', () => {
  it('draws |c − 1| on log–log axes; markers sit at (lr, |c − 1|); ticks are powers of ten', () => {
    const rows = [
      row('gd', 0.01, { c: 1 - 4e-12, relDistToGD: 4e-12, lrSensitivity: 3e-12 }),
      row('gd', 0.02, { c: 1 + 6e-12, relDistToGD: 6e-12, lrSensitivity: 3e-12 }),
      row('sign:eps=0.1', 0.01, { c: 1.0323, lrSensitivity: 0.02 }),
      row('sign:eps=0.1', 0.02, { c: 1.032, lrSensitivity: 0.02 }),
      row('sign:eps=0.1', 0.04, { c: 0.31, status: 'max-iter' }),
    ];
    const c = biasVsLr(rows).find((f) => f.name === 'c-vs-lr')!;
    const root = parseXml(c.svg);
    const xt = ticks(root, 'x-axis'), yt = ticks(root, 'y-axis');
    for (const [, v] of [...xt, ...yt]) expect(Math.log10(v) % 1).toBeCloseTo(0, 12);
    const fx = inverse(xt, true), fy = inverse(yt, true);
    for (const [name, rs] of [['gd', rows.slice(0, 2)], ['sign:eps=0.1', rows.slice(2, 4)]] as const) {
      const marks = (all(seriesNode(root, name), hasClass('markers'))[0]!.children as XmlNode[]);
      expect(marks).toHaveLength(2); // the max-iter run is not drawn
      marks.forEach((m, i) => {
        const [, px, py] = /translate\(([\d.]+),([\d.]+)\)/.exec(m.attrs.transform!)!.map(Number);
        expect(Math.abs(Math.log10(fx(px!)) - Math.log10(rs[i]!.lr))).toBeLessThan(1e-3);
        expect(Math.abs(Math.log10(fy(py!)) - Math.log10(Math.abs(rs[i]!.c! - 1)))).toBeLessThan(1e-3);
      });
    }
    // The 0.0003 step of c between the two sign runs is 10 % of |c − 1|: a visible step on the log axis.
    expect(c.caption).toContain('sign:eps=0.1 @ 0.04 (max-iter)');
    expect(c.caption).not.toMatch(/c ≥ 1 for every run/);
    const s = lrSensitivity(rows);
    expect(s).toHaveLength(1);
    expect(s[0]!.svg).toContain('data-series="lr-sensitivity"');
    expect(all(parseXml(s[0]!.svg), (n) => n.name === 'rect' && n.attrs.fill !== '#ffffff' && n.attrs.fill !== 'transparent').length).toBeGreaterThanOrEqual(2);
    expect(lrSensitivity(rows.map((r) => ({ ...r, lrSensitivity: null })))).toEqual([]);
  });
});

describe('ticks and legends', () => {
  it('a span tiny against its magnitude reads as base ± offset, at the right place', () => {
    const svg = lineChart({ series: [{ name: 'c', x: [1, 2, 3], y: [1 - 5e-12, 1, 1 + 5e-12] }], width: 640, height: 400 });
    const root = parseXml(svg);
    const labels = all(all(root, hasClass('y-axis'))[0]!, (n) => n.name === 'text' && !hasClass('axis-label')(n)).map((t) => [Number(t.attrs.y), textOf(t)] as const);
    for (const [, l] of labels) {
      expect(l).not.toMatch(/99999|00000/);
      expect(l.length).toBeLessThanOrEqual(14);
    }
    const parse = (l: string) => { const m = /^(\S+)(?: ([+−]) (\S+))?$/.exec(l)!; return labelValue(m[1]!) + (m[2] ? (m[2] === '−' ? -1 : 1) * labelValue(m[3]!) : 0); };
    expect(labels.map(([, l]) => l)).toContain('1');
    const [p0, l0] = labels[0]!, [p1, l1] = labels[labels.length - 1]!;
    const v0 = parse(l0) - 1, v1 = parse(l1) - 1;
    // The series' points, in offset units, back from pixels.
    const pts = points(linePath(seriesNode(root, 'c')).attrs.d!);
    pts.forEach(([, py], i) => { expect(v0 + ((py - p0) / (p1 - p0)) * (v1 - v0)).toBeCloseTo((i - 1) * 5e-12, 14); });
  });

  it('grouped legend: 40 series read as 10 colours and 4 dashes, each row a toggle', () => {
    const preconds = ['gd', 'normalized', 'clip', 'power', 'colnorm', 'spectral', 'adam', 'sign', 'clip-elementwise', 'rownorm'];
    const lrs = [0.1, 0.05, 0.025, 0.0125];
    const runs = preconds.flatMap((p) => lrs.map((lr) => ({ precond: p, lr })));
    const styles = runStyles(runs);
    const series: LineSeries[] = runs.map((r, i) => ({
      name: `${r.precond} @ ${r.lr}`, x: [0, 1, 2], y: [1, 0.5 + i / 100, 0.1], style: styles[i], group: r.precond, variant: fmtLr(r.lr),
    }));
    const lay = lineChartLayout({ series, legendMode: 'grouped', groupTitle: 'preconditioner', variantTitle: 'learning rate', width: 900, height: 420 });
    const root = parseXml(lay.svg);
    const toggles = all(root, hasClass('legend-entry')).map((n) => n.attrs['data-toggle']);
    expect(toggles).toEqual([...preconds.map((p) => `group:${p}`), ...lrs.map((l) => `variant:${fmtLr(l)}`)]);
    expect(new Set(styles.map((s) => s.color)).size).toBe(10);
    expect(styles.slice(0, 10).every((s) => PALETTE.slice(0, 11).includes(s.color))).toBe(true);
    expect(new Set(styles.map((s) => s.dash ?? 'solid')).size).toBe(4);
    for (const [i, r] of runs.entries()) {
      const g = seriesNode(root, series[i]!.name);
      expect(g.attrs['data-group']).toBe(r.precond);
      expect(g.attrs['data-variant']).toBe(fmtLr(r.lr));
    }
    // 16 legend rows (2 headings) fit beside the requested height: the SVG does not grow.
    expect(lay.height).toBe(420);
    // The layout reports the plot rectangle and domains a page needs to invert pointer positions.
    expect(lay.x.domain).toEqual([0, 2]);
    expect(lay.plot.width).toBeGreaterThan(400);
  });

  it('a narrow chart puts the legend under the plot and keeps its requested width', () => {
    const series = [0, 1, 2].map((i) => ({ name: `series number ${i} with a long name`, x: [0, 1], y: [i, i + 1] }));
    const lay = lineChartLayout({ series, width: 360, height: 300 });
    expect(lay.width).toBe(360);
    const legend = all(parseXml(lay.svg), hasClass('legend'))[0]!;
    const [, lx, ly] = /translate\(([\d.]+),([\d.]+)\)/.exec(legend.attrs.transform!)!.map(Number);
    expect(ly!).toBeGreaterThan(lay.plot.top + lay.plot.height);
    expect(lx!).toBeLessThan(lay.plot.left);
    expect(lay.height).toBeGreaterThan(300);
  });

  it('a zoomed view keeps the given domain and clips the lines to the plot', () => {
    const lay = lineChartLayout({ series: [{ name: 'a', x: [1, 10, 100, 1000], y: [1, 1e-3, 1e-6, 1e-9] }], xScale: 'log', yScale: 'log', xDomain: [10, 100], yDomain: [1e-7, 1e-2], id: 'loss' });
    expect(lay.x.domain).toEqual([10, 100]);
    expect(lay.y.domain).toEqual([1e-7, 1e-2]);
    expect(lay.svg).toMatch(/<clipPath id="loss-clip-\d+">/);
    expect(lay.svg).toMatch(/clip-path="url\(#loss-clip-\d+\)"/);
  });
});
