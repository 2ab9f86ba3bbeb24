// Synthetic runs and the checks shared by the src/report tests (report-*.test.ts, experiment.test.ts):
// rows and traces with known numbers, and well-formedness checks for the SVG figures and the HTML page.
import { expect } from 'vitest';
import type { Figure } from '../../src/report/figures.js';
import { fmtLr, type RunRow, type RunTrace } from '../../src/experiment.js';
import { parseXml, all, hasClass, textOf, type XmlNode } from './xml.js';


const PRESERVING = new Set(['gd', 'normalized', 'clip', 'power', 'colnorm', 'spectral']);

export function makeRow(precond: string, lr: number, seed: number | null, over: Partial<RunRow> = {}): RunRow {
  const colon = precond.indexOf(':');
  const name = colon < 0 ? precond : precond.slice(0, colon);
  const params: Record<string, number> = {};
  if (colon >= 0) for (const kv of precond.slice(colon + 1).split(',')) { const [k, v] = kv.split('='); params[k!] = Number(v); }
  const pres = PRESERVING.has(name);
  const s = seed ?? 0;
  return {
    precond, name, params, isotropic: pres && name !== 'colnorm' && name !== 'spectral', preservesRowSpace: pres, stateful: false,
    lr, seed, status: 'converged', iterations: 1234 + s, relResidual: 9.87654321e-11,
    relDistToGD: pres ? 3.1e-13 * (1 + s) : 0.2 + lr * (1 + s / 10), c: pres ? 1 + 2.220446049250313e-16 : 1.1 + lr + s / 100,
    lrSensitivity: pres ? 2e-13 : 0.05, rowspaceNorm: 1.2345678901234567, nullspaceNorm: pres ? 1e-15 : 0.3 + lr, timeMs: 12.5 + 0.1 + 0.2,
    ...over,
  };
}

export function makeTrace(row: RunRow, n = 200): RunTrace {
  const iteration = new Float64Array(n);
  const relResidual = new Float64Array(n);
  const loss = new Float64Array(n);
  const rate = 0.9 + 0.05 * Math.min(1, row.lr);
  for (let i = 0; i < n; i++) {
    iteration[i] = i * 10;
    relResidual[i] = i < n - 2 ? rate ** i : 0; // exact zeros at the end: not drawable on log
    loss[i] = 0.5 * relResidual[i]! ** 2;
  }
  return {
    label: `${row.precond} @ lr ${fmtLr(row.lr)}${row.seed === null ? '' : ` (seed ${row.seed})`}`,
    precond: row.precond, lr: row.lr, seed: row.seed, iteration, loss, relResidual,
  };
}

export function grid(preconds: string[], lrs: number[], seeds: (number | null)[]): { rows: RunRow[]; traces: RunTrace[] } {
  const rows: RunRow[] = [];
  for (const seed of seeds) for (const p of preconds) for (const lr of lrs) rows.push(makeRow(p, lr, seed));
  return { rows, traces: rows.map((r) => makeTrace(r)) };
}

export const SMALL = grid(['gd', 'adam:eps=0.1', 'sign:eps=0.1'], [0.01, 0.04], [1]);

// ---------------------------------------------------------------------------
// SVG checks

export function checkSvg(svg: string): XmlNode {
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  const root = parseXml(svg);
  expect(root.name).toBe('svg');
  for (const n of all(root, () => true)) {
    for (const [k, v] of Object.entries(n.attrs)) {
      if (k === 'data-series' || k === 'font-family') continue;
      expect(v, `<${n.name} ${k}>`).not.toMatch(/NaN|Infinity|undefined|null/);
    }
  }
  return root;
}
export const seriesNames = (svg: string) => all(checkSvg(svg), hasClass('series')).map((n) => n.attrs['data-series']);
export const legendNames = (svg: string) => all(parseXml(svg), hasClass('legend-entry')).map((n) => n.attrs['data-series']);
/** Category labels of a bar chart (their full text is in a <title>). */
export const categories = (svg: string) => all(all(parseXml(svg), hasClass('x-axis'))[0]!, (n) => n.name === 'text' && !hasClass('axis-label')(n))
  .map((t) => textOf({ ...t.children.find((c): c is XmlNode => typeof c !== 'string' && c.name === 'title')!, name: 'x' }));

export function checkFigures(figs: Figure[]): void {
  const names = figs.map((f) => f.name);
  expect(new Set(names).size).toBe(names.length);
  for (const f of figs) {
    expect(f.name).toMatch(/^[a-z0-9][a-z0-9.-]*$/);
    expect(f.title.length).toBeGreaterThan(0);
    expect(f.caption.length).toBeGreaterThan(0);
    checkSvg(f.svg);
  }
}

// ---------------------------------------------------------------------------

/** The page parsed as XML (the doctype is the one non-XML line). */
export function parseHtml(html: string): XmlNode {
  expect(html.startsWith('<!DOCTYPE html>\n')).toBe(true);
  return parseXml(html.slice('<!DOCTYPE html>\n'.length));
}

export function checkSelfContained(html: string): void {
  expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
  expect(html).not.toMatch(/\ssrc=/i);
  // the only URLs are the SVG namespace
  expect(html.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, '')).not.toMatch(/https?:/);
}
