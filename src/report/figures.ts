/**
 * The figures of an experiment report, as SVG strings (src/plot), from the
 * rows and traces of `runGrid`.
 *
 * Readability rules (legends stay short, file names stay stable):
 * - Line figures hold at most {@link MAX_SERIES} series. With more runs (loss
 *   curves) or series (bias), the figure is split into parts `relresidual`,
 *   `relresidual-2`, … (`loss`, `bias-vs-lr`, `c-vs-lr` likewise); series are
 *   packed in input order and one preconditioner's series stay in one part
 *   unless it alone has more than 12. Each part's caption names its preconditioners.
 * - Bar figures hold at most {@link MAX_BARS} runs (`space-split`, `space-split-2`, …).
 *
 * Bias against learning rate: one series per preconditioner spec. With
 * several seeds, if every seed of a preconditioner ran the same learning
 * rates (numeric lrs), each point is the mean over the seeds; otherwise (e.g.
 * `auto` lrs, which differ per problem) there is one series per
 * preconditioner and seed, named `<spec> (seed s)`. Only converged runs are
 * drawn: a run that stopped otherwise (diverged, stalled, max-iter, …) has no
 * limit, so its relDistToGD and c are provisional; the captions list those runs
 * apart, as they do runs without a reference (relDistToGD null).
 *
 * Every figure is `{ name, title, caption, svg }`; `name` is the file stem,
 * unique within one call and made of [a-z0-9.-] only.
 */
import { lineChart, barChart, type LineSeries } from '../plot/index.js';
import { fmtLr, type RunRow, type RunTrace } from '../experiment.js';
import { AT_GD_LIMIT } from '../bias/report.js';

export interface Figure {
  /** File stem, e.g. 'relresidual', 'bias-vs-lr-2'. */
  name: string;
  title: string;
  /** One or two sentences saying what the figure shows and how to read it. */
  caption: string;
  svg: string;
}

export interface FigureInput {
  rows: readonly RunRow[];
  traces: readonly RunTrace[];
}

/** Most series in one line figure. */
export const MAX_SERIES = 12;
/** Most runs (bar clusters) in one bar figure. */
export const MAX_BARS = 24;

/** Every figure of a report, in reading order: loss curves, bias against lr, row/null-space split. */
export function reportFigures(input: FigureInput): Figure[] {
  const figs = [...lossCurves(input.traces), ...biasVsLr(input.rows), ...spaceSplit(input.rows)];
  return uniqueNames(figs);
}

// ---------------------------------------------------------------------------
// Loss curves

/**
 * relResidual and loss against iteration (log y), one series per run (label =
 * trace.label): figures `relresidual` and `loss`, or with more than
 * {@link MAX_SERIES} runs `relresidual`, `relresidual-2`, … (each
 * preconditioner's runs kept in one figure when they fit).
 */
export function lossCurves(traces: readonly RunTrace[]): Figure[] {
  if (traces.length === 0) return [];
  const pages = pack(traces, (t) => t.precond);
  const n = traces.length;
  const make = (stem: string, what: string, yLabel: string, pick: (t: RunTrace) => ArrayLike<number>, explain: string): Figure[] =>
    pages.map((ts, i) => {
      const title = `${what} against iteration${partOf(i, pages.length)}`;
      const which = pages.length > 1 ? ` This part: ${[...new Set(ts.map((t) => t.precond))].join(', ')} (${ts.length} of ${n} runs).` : '';
      return {
        name: `${stem}${suffixOf(i)}`,
        title,
        caption: `${explain} One line per run; log scale, so exact zeros are not drawn.${which}`,
        svg: lineChart({ title, xLabel: 'iteration', yLabel, yScale: 'log', series: ts.map((t) => ({ name: t.label, x: t.iteration, y: pick(t) })) }),
      };
    });
  return [
    ...make('relresidual', 'Relative residual', '‖XW − Y‖ / ‖Y‖', (t) => t.relResidual,
      'Relative residual ‖XW − Y‖/‖Y‖ of each run; it falls to the tolerance when the run interpolates the data.'),
    ...make('loss', 'Loss', 'loss', (t) => t.loss, 'Training loss of each run.'),
  ];
}

// ---------------------------------------------------------------------------
// Bias against learning rate

interface Point { lr: number; relDistToGD: number; c: number }
interface BiasSeries { name: string; precond: string; points: Point[] }

function mean(xs: (number | null)[]): number {
  const f = xs.filter((x): x is number => x !== null && Number.isFinite(x));
  return f.length ? f.reduce((a, b) => a + b, 0) / f.length : NaN;
}

function sameLrSets(rows: readonly RunRow[]): boolean {
  const bySeed = groupBy(rows, (r) => String(r.seed));
  const sets = bySeed.map(([, rs]) => [...new Set(rs.map((r) => r.lr))].sort((a, b) => a - b).join(','));
  return sets.every((s) => s === sets[0]);
}

/** Points at each distinct lr (mean over the runs at that lr), sorted by lr. */
function pointsByLr(rows: readonly RunRow[]): Point[] {
  return groupBy(rows, (r) => String(r.lr))
    .map(([, rs]) => ({ lr: rs[0]!.lr, relDistToGD: mean(rs.map((r) => r.relDistToGD)), c: mean(rs.map((r) => r.c)) }))
    .sort((a, b) => a.lr - b.lr);
}

function biasSeries(rows: readonly RunRow[]): { series: BiasSeries[]; seeds: number; averaged: boolean } {
  const seeds = new Set(rows.map((r) => r.seed)).size;
  const usable = (r: RunRow) => r.status === 'converged' && r.relDistToGD !== null;
  const byPrecond = groupBy(rows, (r) => r.precond);
  const averaged = seeds > 1 && byPrecond.every(([, rs]) => sameLrSets(rs));
  const series: BiasSeries[] = [];
  for (const [precond, rs] of byPrecond) {
    if (seeds <= 1 || averaged) {
      series.push({ name: precond, precond, points: pointsByLr(rs.filter(usable)) });
    } else {
      for (const [, srs] of groupBy(rs, (r) => String(r.seed))) {
        series.push({ name: `${precond} (seed ${srs[0]!.seed ?? '-'})`, precond, points: pointsByLr(srs.filter(usable)) });
      }
    }
  }
  return { series, seeds, averaged };
}

/**
 * relDistToGD against lr (log x, log y) and c against lr (log x): figures
 * `bias-vs-lr` and `c-vs-lr` (split into parts past {@link MAX_SERIES} series).
 */
export function biasVsLr(rows: readonly RunRow[]): Figure[] {
  if (rows.length === 0) return [];
  const { series, seeds, averaged } = biasSeries(rows);
  const left = rows.filter((r) => r.status !== 'converged');
  const noRef = rows.filter((r) => r.status === 'converged' && r.relDistToGD === null);
  const preserving = [...new Set(rows.filter((r) => r.preservesRowSpace).map((r) => r.precond))];
  const other = [...new Set(rows.filter((r) => !r.preservesRowSpace).map((r) => r.precond))];
  const how = seeds <= 1 ? 'One series per preconditioner.'
    : averaged ? `One series per preconditioner; each point is the mean over ${seeds} seeds.`
      : `One series per preconditioner and seed (the seeds ran different learning rates).`;
  const name = (r: RunRow) => `${r.precond} @ ${fmtLr(r.lr)}${r.seed === null || seeds <= 1 ? '' : ` (seed ${r.seed})`}`;
  const omitted = (left.length
    ? ` Only converged runs are drawn. ${left.length} run${left.length === 1 ? '' : 's'} did not converge (not a limit; relDistToGD and c provisional, see the table): ${left.map((r) => `${name(r)} (${r.status})`).join(', ')}.`
    : '')
    + (noRef.length ? ` ${noRef.length} converged run${noRef.length === 1 ? ' has' : 's have'} no reference (relDistToGD, c not applicable): ${noRef.map(name).join(', ')}.` : '');
  const theory = `Theory: the row-space-preserving preconditioners${preserving.length ? ` (${preserving.join(', ')})` : ''} land on the GD limit at every lr`
    + `${other.length ? `; the elementwise / row-wise ones (${other.join(', ')}) may land elsewhere (generically they do, at a point that may move with lr; the figure shows what was measured)` : ''}.`;

  const pages = pack(series, (s) => s.precond);
  const suffix = suffixOf;
  const part = (i: number) => partOf(i, pages.length);
  const toLine = (ss: BiasSeries[], pick: (p: Point) => number): LineSeries[] =>
    ss.map((s) => ({ name: s.name, x: s.points.map((p) => p.lr), y: s.points.map(pick) }));

  const figs: Figure[] = [];
  pages.forEach((ss, i) => {
    const title = `Distance to the GD limit against learning rate${part(i)}`;
    figs.push({
      name: `bias-vs-lr${suffix(i)}`,
      title,
      caption: `relDistToGD = ‖W∞ − W_GD∞‖ / ‖W_GD∞ − W0‖ at each learning rate (log–log). Round-off level (about 1e-12) means the run ended on the GD limit; `
        + `summaries count relDistToGD ≤ ${AT_GD_LIMIT} as on it. ${theory} ${how}${omitted} Exact zeros are not drawn on the log axis.`,
      svg: lineChart({ title, xLabel: 'learning rate', yLabel: 'relDistToGD', xScale: 'log', yScale: 'log', markers: true, series: toLine(ss, (p) => p.relDistToGD) }),
    });
  });
  pages.forEach((ss, i) => {
    const title = `c = ‖W∞ − W0‖ / ‖W_GD∞ − W0‖ against learning rate${part(i)}`;
    figs.push({
      name: `c-vs-lr${suffix(i)}`,
      title,
      caption: `c ≥ 1 for every interpolant and c = 1 exactly at the GD limit (the interpolant closest to W0); a series whose c changes with lr measured a limit that moved with the step size (the table's lrSensitivity says by how much). `
        + `Log x, linear y. ${how}${omitted}`,
      svg: lineChart({ title, xLabel: 'learning rate', yLabel: 'c', xScale: 'log', markers: true, series: toLine(ss, (p) => p.c) }),
    });
  });
  return figs;
}

// ---------------------------------------------------------------------------
// Row space / null space

/** Grouped bars of ‖P_row(W∞ − W0)‖ and ‖P_null(W∞ − W0)‖ per run (category `precond @ lr`); log y when the values span ≥ 2 decades. */
export function spaceSplit(rows: readonly RunRow[]): Figure[] {
  if (rows.length === 0) return [];
  const seeds = new Set(rows.map((r) => r.seed)).size;
  const label = (r: RunRow) => `${r.precond} @ ${fmtLr(r.lr)}${seeds > 1 && r.seed !== null ? ` (seed ${r.seed})` : ''}${r.status === 'converged' ? '' : ` (${r.status})`}`;
  const positive = rows.flatMap((r) => [r.rowspaceNorm, r.nullspaceNorm]).filter((v) => Number.isFinite(v) && v > 0);
  const log = positive.length > 0 && Math.max(...positive) / Math.min(...positive) >= 100;
  const pages = chunk([...rows], MAX_BARS);
  return pages.map((rs, i) => {
    const title = `Row space and null space parts of W∞ − W0${partOf(i, pages.length)}`;
    return {
      name: `space-split${suffixOf(i)}`,
      title,
      caption: `‖P_row(W∞ − W0)‖ and ‖P_null(W∞ − W0)‖ for each run (P_row = X⁺X). The GD limit has no null-space part, so row-space-preserving preconditioners `
        + `show a null-space bar at round-off at most; the others leave the row space. ${log ? 'Log scale: values ≤ 0 have no bar.' : 'Linear scale.'}`
        + ` Runs that did not converge are marked with their status; non-finite values have no bar.`,
      svg: barChart({
        title, yLabel: 'norm', yScale: log ? 'log' : 'linear', width: Math.max(640, 160 + 30 * rs.length),
        categories: rs.map(label),
        groups: [
          { name: 'row space', values: rs.map((r) => r.rowspaceNorm) },
          { name: 'null space', values: rs.map((r) => r.nullspaceNorm) },
        ],
      }),
    };
  });
}

// ---------------------------------------------------------------------------
// helpers

/** Groups in order of first appearance. */
function groupBy<T>(xs: readonly T[], key: (x: T) => string): [string, T[]][] {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    const g = m.get(k);
    if (g) g.push(x);
    else m.set(k, [x]);
  }
  return [...m];
}

function chunk<T>(xs: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

/**
 * Pages of at most `max` items, keeping items with the same key together when
 * they fit on one page (a key with more than `max` items fills pages of its own).
 */
function pack<T>(xs: readonly T[], key: (x: T) => string, max = MAX_SERIES): T[][] {
  if (xs.length <= max) return [[...xs]];
  const pages: T[][] = [];
  let page: T[] = [];
  for (const [, group] of groupBy(xs, key)) {
    for (const part of chunk(group, max)) {
      if (page.length + part.length > max) { pages.push(page); page = []; }
      page.push(...part);
    }
  }
  if (page.length) pages.push(page);
  return pages;
}

/** File-stem suffix of page i: '' for the first, then '-2', '-3', … */
const suffixOf = (i: number) => (i > 0 ? `-${i + 1}` : '');
/** Title suffix of page i of n. */
const partOf = (i: number, n: number) => (n > 1 ? ` (part ${i + 1} of ${n})` : '');

/** Makes figure names unique by appending '-2', '-3', … to repeats (a safety net: the builders above never repeat a name). */
export function uniqueNames(figs: Figure[]): Figure[] {
  const used = new Set<string>();
  return figs.map((f) => {
    let name = f.name;
    for (let i = 2; used.has(name); i++) name = `${f.name}-${i}`;
    used.add(name);
    return name === f.name ? f : { ...f, name };
  });
}
