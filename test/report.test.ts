// src/report: figures (well-formed SVG, one series per run / preconditioner),
// CSV and JSON that read back to exactly the same numbers, a self-contained
// HTML page that embeds every figure and lists every run, and a report folder
// written atomically with exactly the listed files.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lossCurves, biasVsLr, spaceSplit, reportFigures, MAX_SERIES, type Figure } from '../src/report/figures.js';
import { rowsToCsv, rowsToJson, parseRowsCsv, parseRowsJson, formatTable, NOT_CONVERGED_HEADING, formatParams, parseParams } from '../src/report/table.js';
import { reportHtml, metaText } from '../src/report/html.js';
import { buildReport, writeReportFolder, MANIFEST, type ReportInput } from '../src/report/folder.js';
import { ROW_COLUMNS, fmtLr, runGrid, type RunRow, type RunTrace } from '../src/experiment.js';
import { parseCsvTable } from '../src/io/csv.js';
import { generate } from '../src/generate.js';
import { isDspgdError } from '../src/errors.js';
import { parseXml, all, hasClass, textOf, type XmlNode } from './helpers/xml.js';

// ---------------------------------------------------------------------------
// Synthetic data

const PRESERVING = new Set(['gd', 'normalized', 'clip', 'power', 'colnorm', 'spectral']);

function makeRow(precond: string, lr: number, seed: number | null, over: Partial<RunRow> = {}): RunRow {
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

function makeTrace(row: RunRow, n = 200): RunTrace {
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

function grid(preconds: string[], lrs: number[], seeds: (number | null)[]): { rows: RunRow[]; traces: RunTrace[] } {
  const rows: RunRow[] = [];
  for (const seed of seeds) for (const p of preconds) for (const lr of lrs) rows.push(makeRow(p, lr, seed));
  return { rows, traces: rows.map((r) => makeTrace(r)) };
}

const SMALL = grid(['gd', 'adam:eps=0.1', 'sign:eps=0.1'], [0.01, 0.04], [1]);

// ---------------------------------------------------------------------------
// SVG checks

function checkSvg(svg: string): XmlNode {
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
const seriesNames = (svg: string) => all(checkSvg(svg), hasClass('series')).map((n) => n.attrs['data-series']);
const legendNames = (svg: string) => all(parseXml(svg), hasClass('legend-entry')).map((n) => n.attrs['data-series']);
/** Category labels of a bar chart (their full text is in a <title>). */
const categories = (svg: string) => all(all(parseXml(svg), hasClass('x-axis'))[0]!, (n) => n.name === 'text' && !hasClass('axis-label')(n))
  .map((t) => textOf({ ...t.children.find((c): c is XmlNode => typeof c !== 'string' && c.name === 'title')!, name: 'x' }));

function checkFigures(figs: Figure[]): void {
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

describe('figures', () => {
  it('lossCurves: a relresidual and a loss figure with one series per run, labelled by trace.label', () => {
    const figs = lossCurves(SMALL.traces);
    checkFigures(figs);
    expect(figs.map((f) => f.name)).toEqual(['relresidual', 'loss']);
    for (const f of figs) {
      expect(seriesNames(f.svg)).toEqual(SMALL.traces.map((t) => t.label));
      expect(legendNames(f.svg)).toEqual(SMALL.traces.map((t) => t.label));
      expect(parseXml(f.svg).attrs.class).toContain('dspgd-line-chart');
      expect(f.svg).toContain('10⁻'); // log y axis with power-of-ten labels
    }
    expect(lossCurves([])).toEqual([]);
  });

  it('lossCurves: more than 12 runs are split into parts of at most 12, a preconditioner kept in one part', () => {
    const big = grid(['gd', 'adam:eps=0.1', 'sign:eps=0.1', 'clip:c=0.5'], [0.001, 0.002, 0.004, 0.008], [1]);
    const figs = lossCurves(big.traces);
    checkFigures(figs);
    expect(figs.map((f) => f.name)).toEqual(['relresidual', 'relresidual-2', 'loss', 'loss-2']);
    for (const stem of ['relresidual', 'loss']) {
      const set = figs.filter((f) => f.name.startsWith(stem));
      expect(set.map((f) => seriesNames(f.svg).length)).toEqual([12, 4]);
      expect(set.flatMap((f) => seriesNames(f.svg))).toEqual(big.traces.map((t) => t.label));
    }
    expect(figs[1]!.title).toContain('part 2 of 2');
    expect(figs[1]!.caption).toContain('This part: clip:c=0.5 (4 of 16 runs)');

    // the demo's shape: 10 preconditioners × 2 lrs → 12 + 8, no preconditioner split across parts
    const demo = grid(['gd', 'normalized:eps=0.1', 'clip:c=0.5', 'power:p=2.2', 'colnorm:eps=0.1', 'spectral:eps=0.1',
      'adam:eps=0.1', 'sign:eps=0.1', 'clip-elementwise:c=0.05', 'rownorm:eps=0.1'], [0.01, 0.0025], [7]);
    const d = lossCurves(demo.traces).filter((f) => f.name.startsWith('relresidual'));
    expect(d.map((f) => seriesNames(f.svg).length)).toEqual([12, 8]);

    // one preconditioner alone with more than 12 runs fills parts of its own
    const lrs = Array.from({ length: 15 }, (_, i) => 0.001 * (i + 1));
    const one = lossCurves(grid(['gd', 'sign:eps=0.1'], lrs, [1]).traces);
    checkFigures(one);
    expect(one.filter((f) => f.name.startsWith('relresidual')).map((f) => seriesNames(f.svg).length)).toEqual([12, 3, 12, 3]);
    for (const f of one) expect(seriesNames(f.svg).length).toBeLessThanOrEqual(MAX_SERIES);
  });

  it('biasVsLr: relDistToGD (log-log) and c (log x) with one series per preconditioner', () => {
    const figs = biasVsLr(SMALL.rows);
    checkFigures(figs);
    expect(figs.map((f) => f.name)).toEqual(['bias-vs-lr', 'c-vs-lr']);
    for (const f of figs) {
      expect(seriesNames(f.svg)).toEqual(['gd', 'adam:eps=0.1', 'sign:eps=0.1']);
      // markers on: one marker per (lr) point in each series
      const root = parseXml(f.svg);
      for (const s of all(root, hasClass('series'))) expect(all(s, hasClass('markers'))[0]!.children.length).toBe(2);
    }
    // round-off relDistToGD (3e-13) is drawn on the log axis
    expect(textOf(all(parseXml(figs[0]!.svg), hasClass('y-axis'))[0]!)).toMatch(/10⁻¹[⁰¹²³]/);
    expect(figs[0]!.caption).toContain('gd');
    expect(biasVsLr([])).toEqual([]);
  });

  it('biasVsLr: several seeds with the same lrs are averaged; different lrs give a series per seed', () => {
    const same = grid(['gd', 'sign:eps=0.1'], [0.01, 0.04], [1, 2, 3]);
    const figs = biasVsLr(same.rows);
    checkFigures(figs);
    expect(seriesNames(figs[0]!.svg)).toEqual(['gd', 'sign:eps=0.1']);
    expect(figs[0]!.caption).toContain('mean over 3 seeds');
    // the tooltip of the sign point at lr 0.01 shows the mean over the seeds
    const expected = (0.2 + 0.01 * 1.1 + 0.2 + 0.01 * 1.2 + 0.2 + 0.01 * 1.3) / 3;
    expect(figs[0]!.svg).toContain(`sign:eps=0.1: (0.01, ${Number(expected.toPrecision(4))})`);

    // auto lrs differ per problem: one series per preconditioner and seed
    const rows = [1, 2].flatMap((seed) => ['gd', 'sign:eps=0.1'].flatMap((p) => [0.01, 0.04].map((lr) => makeRow(p, lr * (1 + seed / 10), seed))));
    const per = biasVsLr(rows);
    checkFigures(per);
    expect(seriesNames(per[0]!.svg)).toEqual(['gd (seed 1)', 'gd (seed 2)', 'sign:eps=0.1 (seed 1)', 'sign:eps=0.1 (seed 2)']);
  });

  it('biasVsLr: diverged runs are left out (and named in the caption); many series are paged', () => {
    const rows = [...SMALL.rows];
    rows[3] = { ...rows[3]!, status: 'diverged', relDistToGD: Infinity, c: NaN, rowspaceNorm: Infinity, nullspaceNorm: NaN };
    const figs = biasVsLr(rows);
    checkFigures(figs);
    expect(seriesNames(figs[0]!.svg)).toHaveLength(3);
    expect(figs[0]!.caption).toContain(`${rows[3]!.precond} @ ${fmtLr(rows[3]!.lr)} (diverged)`);
    const adam = all(parseXml(figs[0]!.svg), (n) => n.attrs['data-series'] === 'adam:eps=0.1' && hasClass('series')(n))[0]!;
    expect(all(adam, hasClass('markers'))[0]!.children.length).toBe(1);

    // Stalled and max-iter runs are not limits either: not drawn, named apart in both captions.
    const stalled = [...SMALL.rows];
    stalled[3] = { ...stalled[3]!, status: 'stalled', c: 7.5 };
    stalled[5] = { ...stalled[5]!, status: 'max-iter' };
    const sf = biasVsLr(stalled);
    for (const f of sf) {
      expect(f.caption).toContain('did not converge');
      expect(f.caption).toContain(`${stalled[3]!.precond} @ ${fmtLr(stalled[3]!.lr)} (stalled)`);
      expect(f.caption).toContain(`${stalled[5]!.precond} @ ${fmtLr(stalled[5]!.lr)} (max-iter)`);
    }
    const cFig = sf.find((f) => f.name === 'c-vs-lr')!;
    const marks = (svg: string, name: string) => all(all(parseXml(svg), (n) => n.attrs['data-series'] === name && hasClass('series')(n))[0]!, hasClass('markers'))[0]!.children.length;
    expect(marks(cFig.svg, stalled[3]!.precond)).toBe(1);
    expect(marks(cFig.svg, stalled[5]!.precond)).toBe(1);
    // Its |c − 1| = 6.5 would show in a marker's tooltip "(lr, 6.5)".
    expect(cFig.svg).not.toMatch(/, 6\.5\)/);
    // The theory sentence states what may happen, not that every limit moves with lr.
    expect(sf[0]!.caption).toMatch(/may land elsewhere/);
    expect(sf[0]!.caption).not.toMatch(/at a point that moves with lr/);

    const specs = Array.from({ length: 14 }, (_, i) => `sign:eps=${(i + 1) / 100}`);
    const paged = biasVsLr(grid(specs, [0.01, 0.02], [1]).rows);
    checkFigures(paged);
    expect(paged.map((f) => f.name)).toEqual(['bias-vs-lr', 'bias-vs-lr-2', 'c-vs-lr', 'c-vs-lr-2']);
    expect([...seriesNames(paged[0]!.svg), ...seriesNames(paged[1]!.svg)]).toEqual(specs);
  });

  it('spaceSplit: row-space and null-space bars for every run, log y when values span decades', () => {
    const figs = spaceSplit(SMALL.rows);
    checkFigures(figs);
    expect(figs).toHaveLength(1);
    expect(figs[0]!.name).toBe('space-split');
    expect(seriesNames(figs[0]!.svg)).toEqual(['row space', 'null space']);
    expect(categories(figs[0]!.svg)).toEqual(SMALL.rows.map((r) => `${r.precond} @ ${fmtLr(r.lr)}`));
    expect(figs[0]!.caption).toContain('Log scale');
    // gd's null-space part at 1e-15 still gets a (tiny) bar on the log axis: 6 runs × 2 bars
    expect(all(parseXml(figs[0]!.svg), (n) => n.name === 'rect' && n.attrs.fill !== '#ffffff').length).toBeGreaterThanOrEqual(12);

    const flat = spaceSplit(SMALL.rows.map((r) => ({ ...r, rowspaceNorm: 1, nullspaceNorm: 0.5 })));
    expect(flat[0]!.caption).toContain('Linear scale');
    expect(spaceSplit([])).toEqual([]);
  });

  it('reportFigures: every figure once, names unique and file-safe', () => {
    const figs = reportFigures(SMALL);
    checkFigures(figs);
    expect(figs.map((f) => f.name)).toEqual(['relresidual', 'loss', 'bias-vs-lr', 'c-vs-lr', 'lr-sensitivity', 'space-split']);
  });
});

// ---------------------------------------------------------------------------

/** Tricky values: shortest round-trip forms with many digits, extremes, non-finite, null seed. */
function trickyRows(): RunRow[] {
  return [
    makeRow('gd', 0.1 + 0.2, 1, { relDistToGD: 5e-324, c: 1.0000000000000002, timeMs: 1 / 3 }),
    makeRow('adam:eps=0.1', 1.7976931348623157e308, 2, { relResidual: 1e-300, nullspaceNorm: 123456789012345680000 }),
    makeRow('sign:eps=0.001', 2 ** -40, null, { status: 'diverged', relResidual: Infinity, relDistToGD: NaN, c: -Infinity, rowspaceNorm: NaN }),
    makeRow('clip-elementwise:c=0.05', 3e-7, 0, { status: 'max-iter', params: { c: 0.05, weird: 1 / 7 }, lrSensitivity: null }),
    makeRow('huber-run', 0.01, 3, { relDistToGD: null, c: null, lrSensitivity: null }),
  ];
}

/** An RFC 4180 line splitter written independently of src/report/table.ts. */
function splitLine(line: string): string[] {
  const out: string[] = [];
  let cell = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (q) {
      if (ch === '"' && line[i + 1] === '"') { cell += '"'; i++; } else if (ch === '"') q = false; else cell += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') { out.push(cell); cell = ''; } else cell += ch;
  }
  out.push(cell);
  return out;
}

describe('table', () => {
  const rows = trickyRows();
  const NUMERIC = ['lr', 'iterations', 'relResidual', 'rowspaceNorm', 'nullspaceNorm', 'timeMs'] as const;
  const NULLABLE = ['relDistToGD', 'c', 'lrSensitivity'] as const;

  it('rowsToCsv: header ROW_COLUMNS; the numbers read back exactly with parseCsvTable', () => {
    const csv = rowsToCsv(rows);
    const lines = csv.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines[0]).toBe(ROW_COLUMNS.join(','));
    const cells = lines.map(splitLine);
    for (const c of cells) expect(c).toHaveLength(ROW_COLUMNS.length);
    const col = (name: string) => ROW_COLUMNS.indexOf(name as (typeof ROW_COLUMNS)[number]);

    // The numeric columns, as a CSV of their own, through the library's reader.
    const numeric = cells.map((c) => NUMERIC.map((n) => c[col(n)]).join(',')).join('\n');
    const t = parseCsvTable(numeric, 'sweep.csv');
    expect(t.header).toEqual([...NUMERIC]);
    expect(t.matrix.shape).toEqual([rows.length, NUMERIC.length]);
    rows.forEach((r, i) => { NUMERIC.forEach((n, j) => {
      expect(Object.is(t.matrix.data[i * NUMERIC.length + j], r[n]), `${n} of row ${i}: ${t.matrix.data[i * NUMERIC.length + j]} vs ${r[n]}`).toBe(true);
    }); });

    // Not-applicable values (null) are empty cells; the others read back exactly.
    rows.forEach((r, i) => { NULLABLE.forEach((n) => {
      const cell = cells[i + 1]![col(n)]!;
      if (r[n] === null) expect(cell, `${n} of row ${i}`).toBe('');
      else expect(Object.is(parseCsvTable(`${n}\n${cell}`, 'x').matrix.data[0], r[n]), `${n} of row ${i}: ${cell}`).toBe(true);
    }); });

    // Text columns, seed and flags.
    rows.forEach((r, i) => {
      const c = cells[i + 1]!;
      expect(c[col('precond')]).toBe(r.precond);
      expect(parseParams(c[col('params')]!)).toEqual(r.params);
      expect(c[col('seed')]).toBe(r.seed === null ? '' : String(r.seed));
      expect(c[col('status')]).toBe(r.status);
      expect(c[col('preservesRowSpace')]).toBe(String(r.preservesRowSpace));
    });
    expect(csv).toContain('"c=0.05;weird=0.14285714285714285"');
    expect(csv).toContain(',inf,nan,-inf,0.05,nan,');
  });

  it('parseRowsCsv reads rowsToCsv back into the same rows', () => {
    expect(parseRowsCsv(rowsToCsv(rows))).toEqual(rows);
    expect(parseRowsCsv(rowsToCsv([]))).toEqual([]);
    // a spec with a comma and a quote survives the quoting
    const odd = [makeRow('gd', 0.5, 1, { precond: 'my "pre",cond', name: 'my "pre"' })];
    expect(parseRowsCsv(rowsToCsv(odd))[0]!.precond).toBe('my "pre",cond');
    expect(() => parseRowsCsv('precond,lr\ngd,1\n')).toThrow(/missing column/);
    // a file written before the lrSensitivity column existed reads with null there
    const old = rowsToCsv(rows).split('\n').map((l) => splitLine(l).filter((_, j) => j !== ROW_COLUMNS.indexOf('lrSensitivity')).join(',')).join('\n');
    expect(parseRowsCsv(old).map((r) => r.lrSensitivity)).toEqual(rows.map(() => null));
    // an empty cell is not a number where a number is required
    expect(() => parseRowsCsv(rowsToCsv(rows).replace(',1234,', ',,'))).toThrow(/iterations: expected a number/);
  });

  it('params: key=value;key=value in full precision', () => {
    expect(formatParams({ eps: 0.1, c: 1 / 3 })).toBe('eps=0.1;c=0.3333333333333333');
    expect(parseParams('eps=0.1;c=0.3333333333333333')).toEqual({ eps: 0.1, c: 1 / 3 });
    expect(formatParams({})).toBe('');
  });

  it('rowsToJson: valid JSON, non-finite numbers as strings; parseRowsJson gives the same rows', () => {
    const text = rowsToJson(rows);
    const data = JSON.parse(text) as Record<string, unknown>[];
    expect(data).toHaveLength(rows.length);
    expect(data[2]!.relResidual).toBe('Infinity');
    expect(data[2]!.relDistToGD).toBe('NaN');
    expect(data[2]!.c).toBe('-Infinity');
    expect(data[2]!.seed).toBeNull();
    expect(Object.keys(data[0]!)).toEqual(['precond', 'name', ...ROW_COLUMNS.filter((c) => c !== 'precond')]);
    expect(data[1]!.lr).toBe(1.7976931348623157e308);
    expect(data[0]!.relDistToGD).toBe(5e-324);
    expect(data[4]!.relDistToGD).toBeNull();
    expect(data[4]!.lrSensitivity).toBeNull();
    expect(parseRowsJson(text)).toEqual(rows);
    expect(rowsToJson([])).toBe('[]\n');
    expect(() => parseRowsJson('{')).toThrow(/not valid JSON/);
  });

  it('formatTable: aligned columns, a header and a rule; runs that did not converge apart, below a heading', () => {
    const t = formatTable(rows);
    const lines = t.split('\n');
    expect(lines).toHaveLength(rows.length + 3);
    expect(lines[0]).toMatch(/^precond\s+lr\s+seed\s+status/);
    expect(lines[1]).toMatch(/^-+( +-+)+$/);
    for (const r of rows) expect(t).toContain(r.precond);
    // converged rows (gd, adam, huber-run) first, then the heading, then diverged and max-iter
    expect(lines.slice(2, 5).map((l) => l.split(/\s+/)[0])).toEqual(['gd', 'adam:eps=0.1', 'huber-run']);
    expect(lines[5]).toBe(NOT_CONVERGED_HEADING);
    expect(lines[6]).toContain('diverged');
    expect(lines[6]).toContain('NaN');
    expect(lines[7]).toContain('max-iter');
    expect(lines[4]).toMatch(/n\/a/);
    // numbers are right-aligned: every row's `iters` column ends at the same place
    const itersEnd = lines[0]!.indexOf('iters') + 'iters'.length;
    for (const l of [...lines.slice(2, 5), ...lines.slice(6)]) expect(l[itersEnd - 1]).toMatch(/\d/);
    expect(formatTable(rows, ['precond', 'c']).split('\n')[2]).toMatch(/^gd\s+1\.0000$/);
  });
});

// ---------------------------------------------------------------------------

/** The page parsed as XML (the doctype is the one non-XML line). */
function parseHtml(html: string): XmlNode {
  expect(html.startsWith('<!DOCTYPE html>\n')).toBe(true);
  return parseXml(html.slice('<!DOCTYPE html>\n'.length));
}

function checkSelfContained(html: string): void {
  expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
  expect(html).not.toMatch(/\ssrc=/i);
  // the only URLs are the SVG namespace
  expect(html.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, '')).not.toMatch(/https?:/);
}

describe('html', () => {
  const figures = reportFigures(SMALL);
  const input = {
    title: 'Report <b>&</b> "quotes"',
    intro: 'A gaussian problem n=10, d=30.\n\nSecond paragraph with <tags>.',
    conclusions: ['1. Interpolation: all runs converged.', '2. x < y & z'],
    rows: SMALL.rows, figures,
    meta: { problem: { kind: 'gaussian', n: 10, d: 30, k: 2, seed: 1 }, tol: 1e-10, skipped: undefined, rank: 10 },
  };

  it('is one well-formed, self-contained page with every figure and every run', () => {
    const html = reportHtml(input);
    const root = parseHtml(html);
    checkSelfContained(html);
    expect(root.name).toBe('html');

    // every figure's SVG is embedded verbatim, with its caption
    const figs = all(root, (n) => n.name === 'figure');
    expect(figs).toHaveLength(figures.length);
    for (const f of figures) {
      expect(html).toContain(f.svg);
      const fig = figs.find((n) => n.attrs.id === `fig-${f.name}`)!;
      expect(fig).toBeDefined();
      expect(all(fig, (n) => n.name === 'svg')).toHaveLength(1);
      expect(textOf(all(fig, (n) => n.name === 'figcaption')[0]!)).toContain(f.caption);
    }

    // every run is a row of the results table
    const trs = all(all(root, (n) => n.name === 'tbody')[0]!, (n) => n.name === 'tr');
    expect(trs).toHaveLength(SMALL.rows.length);
    SMALL.rows.forEach((r, i) => {
      const tds = trs[i]!.children.filter((c): c is XmlNode => typeof c !== 'string' && c.name === 'td').map((c) => textOf(c));
      expect(tds[0]).toBe(r.precond);
      expect(tds).toContain(fmtLr(r.lr));
      expect(tds).toContain(r.status);
    });

    // text is escaped, not markup
    expect(textOf(all(root, (n) => n.name === 'h1')[0]!)).toBe(input.title);
    expect(textOf(all(root, (n) => n.name === 'title')[0]!)).toBe(input.title);
    expect(html).toContain('Second paragraph with &lt;tags&gt;.');
    const items = all(root, (n) => n.name === 'li').map(textOf);
    expect(items).toEqual(input.conclusions);
    // numbered conclusions keep their own numbers (a plain list)
    expect(all(root, hasClass('conclusions'))[0]!.name).toBe('ul');
    expect(all(parseHtml(reportHtml({ ...input, conclusions: ['a', 'b'] })), hasClass('conclusions'))[0]!.name).toBe('ol');

    // setup list: nested objects and full-precision numbers, undefined skipped
    const dts = all(root, (n) => n.name === 'dt').map(textOf);
    expect(dts).toEqual(['problem', 'tol', 'rank']);
    expect(html).toContain('kind=gaussian, n=10, d=30, k=2, seed=1');
    expect(metaText(0.1 + 0.2)).toBe('0.30000000000000004');
  });

  it('works with no rows, figures, conclusions or meta', () => {
    const html = reportHtml({ title: 't', intro: '', conclusions: [], rows: [], figures: [] });
    parseHtml(html);
    checkSelfContained(html);
    expect(html).not.toContain('<figure');
  });
});

// ---------------------------------------------------------------------------

describe('report folder', () => {
  let tmp: string;
  beforeAll(() => { tmp = mkdtempSync(join(tmpdir(), 'dspgd-report-')); });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const input: ReportInput = {
    title: 'dspgd sweep', intro: 'synthetic', conclusions: ['c1'], rows: SMALL.rows, traces: SMALL.traces,
    meta: { seeds: '1' }, files: { base: 'sweep' },
  };

  it('buildReport: index.html, one SVG per figure, the JSON and CSV', () => {
    const files = buildReport(input);
    expect(files.map((f) => f.path)).toEqual([
      'index.html', 'relresidual.svg', 'loss.svg', 'bias-vs-lr.svg', 'c-vs-lr.svg', 'lr-sensitivity.svg', 'space-split.svg', 'sweep.json', 'sweep.csv',
    ]);
    const html = files[0]!.data;
    for (const f of files.filter((x) => x.path.endsWith('.svg'))) {
      checkSvg(f.data);
      expect(html).toContain(f.data);
    }
    expect(html).toContain('<a href="sweep.csv">sweep.csv</a>');
    expect(files.find((f) => f.path === 'sweep.csv')!.data).toBe(rowsToCsv(SMALL.rows));
    expect(files.find((f) => f.path === 'sweep.json')!.data).toBe(rowsToJson(SMALL.rows));
    expect(buildReport({ ...input, files: { base: 'demo' } }).slice(-2).map((f) => f.path)).toEqual(['demo.json', 'demo.csv']);
    expect(() => buildReport({ ...input, files: { base: 'x' as 'demo' } })).toThrow(/files.base/);
  });

  it('writeReportFolder: creates the folder, writes exactly the listed files, no temp files left', async () => {
    const dir = join(tmp, 'a', 'b', 'report');
    const paths = await writeReportFolder(dir, input);
    const built = buildReport(input);
    expect(paths).toEqual(built.map((f) => join(dir, f.path)));
    expect(readdirSync(dir).sort()).toEqual([MANIFEST, ...built.map((f) => f.path)].sort());
    for (const f of built) expect(readFileSync(join(dir, f.path), 'utf8')).toBe(f.data);

    // Again into the same folder (overwrite), with fewer runs: still only the listed files, no temp files.
    const again = await writeReportFolder(dir, { ...input, rows: SMALL.rows.slice(0, 2), traces: SMALL.traces.slice(0, 2) });
    expect(readdirSync(dir).sort()).toEqual([MANIFEST, ...again.map((p) => p.slice(dir.length + 1))].sort());
    expect(parseRowsCsv(readFileSync(join(dir, 'sweep.csv'), 'utf8'))).toEqual(SMALL.rows.slice(0, 2));
  });

  it('writeReportFolder over a bigger report removes the figures it no longer has, and keeps files it did not write', async () => {
    const dir = join(tmp, 'shrink');
    const big = grid(['gd', 'adam:eps=0.1', 'sign:eps=0.1', 'rownorm:eps=0.1', 'colnorm:eps=0.1', 'clip:c=1', 'power:p=2.2', 'normalized:eps=0.1', 'spectral:eps=0.1'], [0.01, 0.04], [1, 2]);
    const bigPaths = await writeReportFolder(dir, { ...input, rows: big.rows, traces: big.traces });
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    const small = await writeReportFolder(dir, { ...input, rows: SMALL.rows.slice(0, 1), traces: SMALL.traces.slice(0, 1), files: { base: 'demo' } });
    const names = (ps: string[]) => ps.map((p) => p.slice(dir.length + 1));
    // The bigger report really had files the smaller one does not write.
    expect(names(bigPaths).filter((n) => !names(small).includes(n)).length).toBeGreaterThan(2);
    expect(readdirSync(dir).sort()).toEqual([MANIFEST, 'notes.txt', ...names(small)].sort());
    // A damaged manifest is ignored: nothing outside the report's own files is removed.
    writeFileSync(join(dir, MANIFEST), '{"files": ["../escape", "notes.txt", 5');
    await writeReportFolder(dir, { ...input, rows: SMALL.rows.slice(0, 1), traces: SMALL.traces.slice(0, 1), files: { base: 'demo' } });
    expect(readdirSync(dir)).toContain('notes.txt');
  });

  it('writeReportFolder: a file in the way is an E_IO error', async () => {
    const file = join(tmp, 'not-a-dir');
    writeFileSync(file, 'x');
    const err = await writeReportFolder(join(file, 'report'), input).catch((e: unknown) => e);
    expect(isDspgdError(err) && err.code).toBe('E_IO');
    expect(readdirSync(tmp).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------

describe('a real grid', () => {
  it('runGrid on a small problem → a report whose figures match the runs', async () => {
    const problem = await generate({ n: 10, d: 30, k: 2, seed: 1 });
    let res;
    try {
      res = await runGrid([{ problem, seed: 1 }], {
        preconds: ['gd', 'sign:eps=0.1'], lrs: [{ autoFactor: 1 }, { autoFactor: 0.5 }], maxIter: 20000, tol: 1e-10,
      });
    } finally {
      problem.dispose();
    }
    const { rows, traces } = res;
    expect(rows).toHaveLength(4);
    expect(traces).toHaveLength(4);
    for (const r of rows) expect(r.status).toBe('converged');
    // the theory: gd on the GD limit, sign elsewhere
    for (const r of rows.filter((x) => x.name === 'gd')) expect(r.relDistToGD).toBeLessThan(1e-6);
    for (const r of rows.filter((x) => x.name === 'sign')) expect(r.relDistToGD).toBeGreaterThan(1e-6);

    const figs = reportFigures({ rows, traces });
    checkFigures(figs);
    expect(seriesNames(figs.find((f) => f.name === 'relresidual')!.svg)).toEqual(traces.map((t) => t.label));
    expect(seriesNames(figs.find((f) => f.name === 'loss')!.svg)).toHaveLength(4);
    expect(seriesNames(figs.find((f) => f.name === 'bias-vs-lr')!.svg)).toEqual(['gd', 'sign:eps=0.1']);
    expect(seriesNames(figs.find((f) => f.name === 'c-vs-lr')!.svg)).toEqual(['gd', 'sign:eps=0.1']);
    expect(categories(figs.find((f) => f.name === 'space-split')!.svg)).toHaveLength(4);

    expect(parseRowsCsv(rowsToCsv(rows))).toEqual(rows);
    expect(parseRowsJson(rowsToJson(rows))).toEqual(rows);

    const dir = mkdtempSync(join(tmpdir(), 'dspgd-report-real-'));
    try {
      const paths = await writeReportFolder(dir, {
        title: 'grid', intro: 'n=10 d=30 k=2', conclusions: [], rows, traces, meta: { seed: 1 }, files: { base: 'demo' },
      });
      expect(readdirSync(dir).filter((f) => f !== MANIFEST).sort()).toEqual(paths.map((p) => p.slice(dir.length + 1)).sort());
      const html = readFileSync(join(dir, 'index.html'), 'utf8');
      parseHtml(html);
      checkSelfContained(html);
      for (const r of rows) expect(html).toContain(`<td>${r.precond}</td>`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
