/**
 * What a run that stopped short of tol (max-iter, stalled, time-limit) says
 * about itself: the residual trend over its last stretch, how many iterations
 * that trend would still need to reach tol, and what to change. Computed from
 * the run's trace and the problem's numbers; no extra pass over X except
 * λmax(XᵀX), which the problem caches (lr 'auto' has already computed it).
 */
import { formatCount, formatHuman, formatLr } from './util/numbers.js';

/** A concrete change to the options, in API terms (`option` is the SolveOptions key, or 'X' for the data). */
export interface Suggestion {
  option: 'maxIter' | 'lr' | 'path' | 'stall' | 'X';
  /** The value to try: a number, or for lr also `factor` × 'auto'. */
  value?: number | string | boolean;
  /** For lr: the value as a multiple of the 'auto' step. */
  autoFactor?: number;
  /** Why, in words (without the option). */
  why: string;
  /** Option and why, in API terms. */
  text: string;
}

export interface RunAdvice {
  /** The stretch the trend is measured over (iterations) and relResidual at both ends. */
  from: number;
  to: number;
  relResidualFrom: number;
  relResidualTo: number;
  /** Change of log10(relResidual) per 1000 iterations over that stretch (negative: decreasing). */
  decadesPer1000: number;
  /** Iterations still needed at that rate to reach tol; null when relResidual is not decreasing. */
  iterationsToTol: number | null;
  /** The stable step of lr 'auto' (1/L from λmax(XᵀX)) for this preconditioner and loss. */
  autoLr: number;
  suggestions: Suggestion[];
  /** All of it in words. */
  summary: string;
}

export interface AdviceInput {
  status: 'max-iter' | 'stalled' | 'time-limit';
  iterations: number;
  tol: number;
  lr: number;
  autoLr: number;
  /** Sample iterations and relResiduals of the trace (the last sample is the final iterate). */
  traceIteration: ArrayLike<number>;
  traceRelResidual: ArrayLike<number>;
  /** Whether 2·auto is a proven step bound (K convex with Lipschitz ∇K of known constant: the stateless built-ins but `power`). */
  boundKnown: boolean;
  /** Whether the built-in row-space path exists for this preconditioner, and which path ran. */
  rowSpaceAvailable: boolean;
  path: 'primal' | 'rowspace';
  n: number;
  d: number;
}

/** Rounds up to two significant digits (183,412 → 190,000), for a budget people type. */
function roundUp2(x: number): number {
  if (!(x > 0)) return 0;
  const p = 10 ** Math.max(0, Math.floor(Math.log10(x)) - 1);
  return Math.ceil(x / p) * p;
}

/** The last quarter of the run (at least two trace samples), where the asymptotic rate shows. */
function window(it: ArrayLike<number>, rr: ArrayLike<number>, t: number): { i0: number; i1: number } | undefined {
  const m = it.length;
  if (m < 2) return undefined;
  const i1 = m - 1;
  const start = t - Math.max(1, Math.ceil(t / 4));
  let i0 = i1 - 1;
  while (i0 > 0 && it[i0 - 1] >= start) i0--;
  return it[i1] > it[i0] && rr[i0] > 0 && rr[i1] > 0 ? { i0, i1 } : undefined;
}

export function adviseRun(a: AdviceInput): RunAdvice | undefined {
  const w = window(a.traceIteration, a.traceRelResidual, a.iterations);
  if (!w) return undefined;
  const from = a.traceIteration[w.i0], to = a.traceIteration[w.i1];
  const r0 = a.traceRelResidual[w.i0], r1 = a.traceRelResidual[w.i1];
  const decadesPer1000 = (Math.log10(r1 / r0) / (to - from)) * 1000;
  // "Decreasing" means faster than 1e-9 decades per 1000 iterations; below that the estimate is noise.
  const decreasing = decadesPer1000 < -1e-9;
  const need = decreasing && a.tol > 0 && r1 > a.tol ? Math.ceil((Math.log10(a.tol / r1) / decadesPer1000) * 1000) : null;
  const iterationsToTol = need !== null && Number.isFinite(need) ? need : null;

  const suggestions: Suggestion[] = [];
  const add = (option: Suggestion['option'], shown: string, why: string, value?: Suggestion['value'], autoFactor?: number) => {
    suggestions.push({ option, value, autoFactor, why, text: `${shown} (${why})` });
  };
  const huge = iterationsToTol !== null && iterationsToTol > 1e9;
  if (iterationsToTol !== null && !huge) {
    const budget = roundUp2(a.iterations + iterationsToTol);
    add('maxIter', `maxIter ${formatCount(budget)}`, `about ${formatCount(iterationsToTol)} more iterations at the current rate`, budget);
    if (a.status === 'stalled') add('stall', 'stall: false', 'the stall test stopped a run that was still improving, slowly', false);
  }
  if (decreasing) {
    if (a.lr < 0.9 * a.autoLr) {
      add('lr', `lr 'auto'`, `the stable step ${formatLr(a.autoLr)} is ${formatHuman(a.autoLr / a.lr, 3)}× this run's ${formatLr(a.lr)}`, a.autoLr, 1);
    } else if (a.boundKnown && a.lr < 1.9 * a.autoLr) {
      add('lr', `lr '1.9*auto'`, `= ${formatLr(1.9 * a.autoLr)}: steps below 2·auto = 2/L still decrease the loss for a convex K with L-Lipschitz ∇K`, 1.9 * a.autoLr, 1.9);
    }
  } else if (a.lr > 0) {
    add('lr', `lr ${formatLr(a.lr / 4)}`, `relResidual is not decreasing at lr ${formatLr(a.lr)}: it oscillates or sits on a floor that shrinks with lr`, a.lr / 4, a.lr / 4 / a.autoLr);
  }
  if (a.rowSpaceAvailable && a.path === 'primal' && 2 * a.n <= a.d) {
    add('path', `path 'rowspace'`, `the same iterates at O(n²k) instead of O(ndk) per iteration, about ${formatHuman(a.d / a.n, 2)}× fewer operations`, 'rowspace');
  }
  if (decreasing && (huge || (iterationsToTol !== null && iterationsToTol > a.iterations))) {
    add('X', 'scaling the features (e.g. standardize the columns of X)', 'the rate is set by the spread of the eigenvalues of XXᵀ');
  }

  const trend = `relResidual went from ${formatHuman(r0, 3)} to ${formatHuman(r1, 3)} over iterations ${formatCount(from)}–${formatCount(to)} `
    + `(${decadesPer1000 > 0 ? '+' : ''}${formatHuman(decadesPer1000, 2)} decades per 1000 iterations)`;
  const eta = iterationsToTol !== null
    ? (huge ? `; at this rate tol ${formatHuman(a.tol)} is out of reach (over 1e9 more iterations)` : `; at this rate tol ${formatHuman(a.tol)} needs about ${formatCount(iterationsToTol)} more iterations (rates usually slow down further: a lower bound)`)
    : decreasing ? '' : '; it is not decreasing';
  const summary = `${trend}${eta}.${suggestions.length ? ` Try: ${suggestions.map((s) => s.text).join('; ')}.` : ''}`;
  return { from, to, relResidualFrom: r0, relResidualTo: r1, decadesPer1000, iterationsToTol, autoLr: a.autoLr, suggestions, summary };
}
