// The bench page's view of a suite result (web/bench-view.ts): workloads by shape, only the
// sections that ran, no verdicts on a quick run, and two results side by side with B ÷ A.
import { describe, it, expect } from 'vitest';
import { resultHtml, compareHtml, asSuiteResult, workloadName } from '../web/bench-view.js';
import type { SuiteResult, MainRow } from '../bench/suite.js';
import { parseXml, all, textOf, type XmlNode } from './helpers/xml.js';

function row(workload: string, precond: 'gd' | 'adam' | 'spectral', msPerIter: number): MainRow {
  return {
    workload, n: 2000, d: 4000, k: 1, runs: 1, precond, params: {}, lr: 0.1, bytesX: 64e6,
    dspgd: { msPerIter, gbps: 64e6 / (msPerIter * 1e6), gflops: 1, iters: 100, repeats: 3, samplesMs: [] },
    peers: { js: { status: 'ok', precision: 'f64', msPerIter: msPerIter * 20, ratio: 20 }, tfjs: { status: 'n/a', precision: 'f32', reason: 'no spectral' } },
  } as MainRow;
}

function result(over: Partial<SuiteResult> = {}): SuiteResult {
  return {
    schema: 'dspgd-bench/1', startedAt: '', finishedAt: '', quick: false,
    workloads: [{ id: 'W1', n: 2000, d: 4000, k: 1, seed: 1, plan: { dspgdIters: 1, dspgdRepeats: 1, peerIters: 1, peerRepeats: 1, slowIters: 1, slowRepeats: 1 }, bytesX: 64e6 },
      { id: 'W4', n: 1000, d: 2000, k: 1, seed: 1, runs: 8, plan: { dspgdIters: 1, dspgdRepeats: 1, peerIters: 1, peerRepeats: 1, slowIters: 1, slowRepeats: 1 }, bytesX: 16e6 }] as SuiteResult['workloads'],
    preconds: ['gd', 'adam'],
    peers: [{ name: 'js', label: 'JS', kind: 'iteration', precision: 'f64', note: '', available: true }, { name: 'tfjs', label: 'tfjs', kind: 'iteration', precision: 'f32', note: '', available: true }],
    rows: [row('W1', 'gd', 4), row('W1', 'adam', 5)],
    rowspace: [], batch: [], threads: [], memory: [],
    targets: [
      { id: 'T1', description: '', how: '', kind: 'min', threshold: 2, verdict: 'PASS', measured: 20, detail: 'js ratio' },
      { id: 'T3', description: '', how: '', kind: 'min', threshold: 1.5, verdict: 'n/a', detail: 'threads not run' },
    ],
    notices: [],
    environment: { runtime: 'browser', userAgent: 'Chromium', cores: 2, crossOriginIsolated: true },
    ...over,
  };
}

const parse = (html: string) => parseXml(`<div>${html}</div>`);
const tables = (root: XmlNode) => all(root, (n) => n.name === 'table');
const cells = (t: XmlNode) => all(t, (n) => n.name === 'tr').map((tr) => all(tr, (n) => n.name === 'td' || n.name === 'th').map(textOf));

describe('bench page view', () => {
  it('names workloads by shape', () => {
    const r = result();
    expect(workloadName(r, 'W1')).toBe('W1: 2000×4000, k = 1 (X 61 MiB)');
    expect(workloadName(r, 'W4')).toBe('W4: 1000×2000, k = 1, 8 runs (X 15 MiB)');
    const main = cells(tables(parse(resultHtml(r)))[0]!);
    expect(main[1]!.slice(0, 3)).toEqual(['W1: 2000×4000, k = 1 (X 61 MiB)', 'gd', '4.00']);
    expect(main[1]![5]).toBe('80.0'); // js ms/iter = 20 × 4, 3 significant digits
    expect(main[1]![7]).toBe('not implemented'); // tfjs n/a says what n/a means
  });

  it('a full run: verdicts for the targets measured; the ones not run are listed, not tabled as n/a; no empty sections', () => {
    const html = resultHtml(result());
    const root = parse(html);
    const t = tables(root);
    expect(t).toHaveLength(2); // main + targets: no row-space, batch or threads section was run
    expect(cells(t[1]!).slice(1).map((r) => [r[0], r[1]])).toEqual([['T1', 'PASS']]);
    expect(html).not.toContain('n/a');
    expect(html).toContain('Not measured in this run (their section or workload was not run): T3');
    expect(html).not.toMatch(/Row-space|Batched|Threads</);
  });

  it('a quick run prints no PASS/FAIL, only that nothing is judged', () => {
    const html = resultHtml(result({ quick: true }));
    expect(html).not.toMatch(/PASS|FAIL/);
    expect(html).toContain('indicative only');
    expect(html).toContain('Not judged on a quick run: T1, T3');
    expect(tables(parse(html))).toHaveLength(1);
  });

  it('compares two results: every (workload, precond) of either, with B ÷ A', () => {
    const a = result();
    const b = result({ rows: [row('W1', 'gd', 6), row('W1', 'spectral', 9)], environment: { runtime: 'node', node: 'v20', cores: 8 } });
    const t = cells(tables(parse(compareHtml(a, b, 'a.json', 'b.json')))[0]!);
    expect(t[0]).toEqual(['workload', 'precond', 'A ms/iter', 'B ms/iter', 'B ÷ A', 'A GB/s', 'B GB/s']);
    expect(t.slice(1).map((r) => r.slice(1, 5))).toEqual([['gd', '4.00', '6.00', '1.50×'], ['adam', '5.00', 'not run', '—'], ['spectral', 'not run', '9.00', '—']]);
    expect(compareHtml(a, b, 'a.json', 'b.json')).toContain('node · v20 · 8 cores');
  });

  it('a file that is not a result is refused with its name and the reason', () => {
    expect(() => asSuiteResult({ rows: [] }, 'x.json')).toThrow('x.json: not a dspgd benchmark result (expected "schema": "dspgd-bench/1")');
    expect(() => asSuiteResult({ schema: 'dspgd-bench/1', rows: 3 }, 'y.json')).toThrow('y.json: "rows" is missing or not an array');
    expect(asSuiteResult(result(), 'ok.json').rows).toHaveLength(2);
  });
});
