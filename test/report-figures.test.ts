// src/report/figures.ts: well-formed SVG figures, one series per run or per preconditioner, paged when
// there are many, names unique and file-safe.
import { describe, it, expect } from 'vitest';
import { lossCurves, biasVsLr, spaceSplit, reportFigures, MAX_SERIES } from '../src/report/figures.js';
import { fmtLr } from '../src/experiment.js';
import { parseXml, all, hasClass, textOf } from './helpers/xml.js';
import { makeRow, grid, SMALL, seriesNames, legendNames, categories, checkFigures } from './helpers/report-data.js';

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
