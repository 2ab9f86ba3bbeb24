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
import { lineChart, barChart, groupedStyles, type LineSeries, type SeriesStyle } from '../plot/index.js';
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

/** Every figure of a report, in reading order: loss curves, the bias path, bias against lr, lr-sensitivity, row/null-space split. */
export function reportFigures(input: FigureInput): Figure[] {
  const figs = [...lossCurves(input.traces), ...biasPaths(input.traces), ...biasVsLr(input.rows), ...lrSensitivity(input.rows), ...spaceSplit(input.rows)];
  return uniqueNames(figs);
}

/**
 * Colour by preconditioner, dash by learning rate (largest lr solid), the same over every
 * figure of one report, so a run looks alike in the loss curves and in the bias path.
 */
export function runStyles(traces: readonly { precond: string; lr: number }[]): SeriesStyle[] {
  const lrs = [...new Set(traces.map((t) => t.lr))].sort((a, b) => b - a).map(fmtLr);
  return groupedStyles(traces.map((t) => ({ group: t.precond, variant: fmtLr(t.lr) })), lrs).styles;
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
  const styles = new Map(traces.map((t, i) => [t, runStyles(traces)[i]!]));
  const make = (stem: string, what: string, yLabel: string, pick: (t: RunTrace) => ArrayLike<number>, explain: string): Figure[] =>
    pages.map((ts, i) => {
      const title = `${what} against iteration${partOf(i, pages.length)}`;
      const which = pages.length > 1 ? ` This part: ${[...new Set(ts.map((t) => t.precond))].join(', ')} (${ts.length} of ${n} runs).` : '';
      return {
        name: `${stem}${suffixOf(i)}`,
        title,
        caption: `${explain} One line per run, coloured by preconditioner and dashed by learning rate (solid: the largest); log scale, so exact zeros are not drawn.${which}`,
        svg: lineChart({ title, xLabel: 'iteration', yLabel, yScale: 'log', series: ts.map((t) => ({ name: t.label, x: t.iteration, y: pick(t), style: styles.get(t) })) }),
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
    const title = `c − 1 against learning rate${part(i)}`;
    figs.push({
      name: `c-vs-lr${suffix(i)}`,
      title,
      caption: `c = ‖W∞ − W0‖ / ‖W_GD∞ − W0‖ of the converged runs, drawn as |c − 1| on log–log axes: for an interpolant c ≥ 1, with c = 1 exactly at the GD limit, so `
        + `round-off level (about 1e-12; its sign is round-off too, hence the absolute value) means on the GD limit and a change of c that is invisible on a linear axis `
        + `(1.0323 against 1.0320) is a visible step here. The lr-sensitivity figure says how far the limits at different learning rates are apart. `
        + `${how}${omitted} Exact zeros (c = 1 to the last bit) are not drawn on the log axis.`,
      svg: lineChart({ title, xLabel: 'learning rate', yLabel: '|c − 1|', xScale: 'log', yScale: 'log', markers: true, series: toLine(ss, (p) => Math.abs(p.c - 1)) }),
    });
  });
  return figs;
}

// ---------------------------------------------------------------------------
// lr-sensitivity

/**
 * One bar per preconditioner (and seed, with several seeds): its lrSensitivity, the largest
 * ‖W∞(η₁) − W∞(η₂)‖ / ‖W_GD∞ − W0‖ over its converged runs (log y). No figure when no
 * preconditioner has two converged runs at different learning rates.
 */
export function lrSensitivity(rows: readonly RunRow[]): Figure[] {
  const seeds = new Set(rows.map((r) => r.seed)).size;
  const bars = groupBy(rows, (r) => `${r.precond}\u0000${seeds > 1 ? String(r.seed) : ''}`)
    .map(([, rs]) => ({ label: `${rs[0]!.precond}${seeds > 1 && rs[0]!.seed !== null ? ` (seed ${rs[0]!.seed})` : ''}`, value: rs[0]!.lrSensitivity }))
    .filter((b): b is { label: string; value: number } => b.value !== null);
  if (bars.length === 0) return [];
  const pages = chunk(bars, MAX_BARS);
  return pages.map((bs, i) => {
    const title = `lr-sensitivity of the limit${partOf(i, pages.length)}`;
    return {
      name: `lr-sensitivity${suffixOf(i)}`,
      title,
      caption: `For each preconditioner: the largest ‖W∞(η₁) − W∞(η₂)‖ / ‖W_GD∞ − W0‖ over pairs of its converged runs at different learning rates (log scale). `
        + `Round-off level (about 1e-12) means its limit did not move with the learning rate; row-space-preserving preconditioners stay there by the theory. `
        + `Preconditioners with fewer than two converged learning rates have no bar and are not listed.`,
      svg: barChart({
        title, yLabel: 'lr-sensitivity', yScale: 'log', width: Math.max(640, 160 + 40 * bs.length),
        categories: bs.map((b) => b.label), groups: [{ name: 'lr-sensitivity', values: bs.map((b) => b.value) }],
      }),
    };
  });
}

// ---------------------------------------------------------------------------
// The geometry of implicit bias

/**
 * Each run's path in the bias plane: x = ‖P_row(W_t − W_GD∞)‖ / ‖W_GD∞ − W0‖ (distance to the
 * GD limit within the row space), y = ‖P_null(W_t − W0)‖ / ‖W_GD∞ − W0‖ (the part off the row
 * space), sampled along the run (result.bias.path), a marker where the run ended. Figures
 * `bias-path`, `bias-path-2`, … (paged like the loss curves); none when no trace carries a path.
 */
export function biasPaths(traces: readonly RunTrace[]): Figure[] {
  const styles = runStyles(traces);
  const usable = traces.map((t, i) => ({ t, style: styles[i]! })).filter(({ t }) => t.biasPath && t.biasPath.gdNorm > 0 && t.biasPath.iteration.length > 0);
  if (usable.length === 0) return [];
  const without = traces.filter((t) => !(t.biasPath && t.biasPath.gdNorm > 0)).map((t) => t.label);
  const pages = pack(usable, ({ t }) => t.precond);
  return pages.map((us, i) => {
    const title = `The geometry of implicit bias: each run's path${partOf(i, pages.length)}`;
    const which = pages.length > 1 ? ` This part: ${[...new Set(us.map(({ t }) => t.precond))].join(', ')}.` : '';
    return {
      name: `bias-path${suffixOf(i)}`,
      title,
      caption: 'Where the iterates travel, sampled along each run (a geometric schedule of iterations, a few dozen samples): x is the distance to the GD limit '
        + 'within the row space, ‖P_row(W_t − W_GD∞)‖, y the part outside it, ‖P_null(W_t − W0)‖, both divided by ‖W_GD∞ − W0‖. Every run starts at W0 = (1, 0). '
        + 'Row-space-preserving preconditioners move along the x axis (y at round-off) to the GD limit at (0, 0); elementwise and row-wise ones leave the axis, '
        + 'and where a path ends (marker) is the bias: for an interpolant x ends at 0 and y is the null-space part, so the endpoint\'s distance from the origin is relDistToGD. '
        + `Coloured by preconditioner, dashed by learning rate. Runs that did not converge end where they stopped.${which}`
        + (without.length ? ` Not drawn (no path recorded, or W0 already interpolates): ${without.join(', ')}.` : ''),
      svg: lineChart({
        title, xLabel: '‖P_row(W_t − W_GD∞)‖ / ‖W_GD∞ − W0‖', yLabel: '‖P_null(W_t − W0)‖ / ‖W_GD∞ − W0‖', endMarkers: true,
        series: us.map(({ t, style }) => {
          const p = t.biasPath!;
          return { name: t.label, x: p.rowDistance.map((v) => v / p.gdNorm), y: p.nullPart.map((v) => v / p.gdNorm), style };
        }),
      }),
    };
  });
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
