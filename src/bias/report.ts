/**
 * The implicit-bias report (spec: math.md, "The GD limit and the implicit-bias
 * report", "What the theory predicts", "Which reference the report compares
 * with"): where the final iterate W∞ sits relative to the reference W_GD∞, the
 * interpolant closest to W0.
 *
 * A loss other than squared when no interpolant exists: the reference is the
 * minimizer of ℓ(XW − Y) in W0 + row(X) (reference.ts: IRLS on the rank-revealing
 * LQ; huber and logcosh), never the least-squares point.
 * The reference fields (relDistToGD, c, distToGD) are null, with the reason in
 * `referenceNote`, where there is no reference to compare with:
 * - that minimizer is not computed (lp, very large X, or no stationary point reached);
 * - W0 already interpolates: W_GD∞ = W0 up to round-off, and both ratios would
 *   divide by round-off (relDistToGD and c null, distToGD kept).
 * Runs that did not converge have `provisional: true`: their W∞ is not a limit.
 */
import type { Problem } from '../problem.js';
import type { Matrix } from '../matrix.js';
import type { Wasm } from '../wasm/module.js';
import type { Status } from '../stopping.js';
import { lossReference } from './reference.js';
import type { BiasPath } from './path.js';

export interface BiasReport {
  /** W0 + X⁺(Y − XW0), shape mirroring W0: the GD limit for the squared loss (see `reference`). */
  W_GD: Matrix;
  /**
   * What relDistToGD and c compare with: 'gd-limit' (W_GD∞, the interpolant closest to W0, or for
   * the squared loss without an interpolant the least-squares point closest to W0), 'loss-minimizer'
   * (no interpolant, another loss: the minimizer of ℓ(XW − Y) in W0 + row(X)), 'w0' (W0 already
   * interpolates, the ratios are undefined) or 'none' (no reference computed).
   */
  reference: 'gd-limit' | 'loss-minimizer' | 'w0' | 'none';
  /** Why relDistToGD and c are null (reference 'w0' or 'none'); null otherwise. */
  referenceNote: string | null;
  /** ‖W∞ − W_GD∞‖ / ‖W_GD∞ − W0‖; null when undefined (see referenceNote). */
  relDistToGD: number | null;
  /** ‖W∞ − W0‖ / ‖W_GD∞ − W0‖: ≥ 1 for any interpolant, 1 iff W∞ = W_GD∞; null when undefined. */
  c: number | null;
  /** ‖W∞ − reference‖ (null with reference 'none'). */
  distToGD: number | null;
  /** ‖W_GD∞ − W0‖. */
  gdNorm: number;
  /** ‖reference − W0‖, the divisor of relDistToGD and c (null without a reference). */
  referenceNorm: number | null;
  /** ‖W∞ − W0‖. */
  moved: number;
  /** ‖P_row(W∞ − W0)‖ and ‖P_null(W∞ − W0)‖ with P_row = X⁺X, each computed directly. */
  rowspaceNorm: number;
  nullspaceNorm: number;
  /** Numerical rank of X: the number of singular values σ_i > rankTolerance·σ_1. */
  rank: number;
  /** The rank tolerance, relative to σ_1 (max(n, d)·ε). */
  rankTolerance: number;
  /** n < d. */
  overparameterized: boolean;
  /** Whether some W has XW = Y; true only when gdLimitRelResidual is at round-off. */
  interpolationExists: boolean;
  /** Whether W0 itself interpolates. */
  w0Interpolates: boolean;
  /** ‖X W_GD∞ − Y‖/‖Y‖ (round-off when an interpolant exists). */
  gdLimitRelResidual: number;
  /** True when the run did not converge: W∞ is not a limit, and relDistToGD and c are provisional. */
  provisional: boolean;
  /** The preconditioner's declared flags. */
  flags: { isotropic: boolean; preservesRowSpace: boolean; stateful: boolean };
  /** What the theory predicts for this run, and whether the measurement agrees. */
  theory: {
    /** False outside the dual-space theory: stateful methods (real Adam), power with p < 2. */
    applies: boolean;
    /** Why the theory does not apply to this preconditioner (present when it does not). */
    reason?: string;
    /** True when the theory says W∞ = W_GD∞ (row-space-preserving K and an interpolant exists). */
    predictsGdLimit: boolean;
    /** One or two sentences comparing prediction and measurement. */
    summary: string;
  };
  /**
   * The run's path in the bias plane (distance to W_GD∞ within the row space, null-space part),
   * sampled along the run (src/bias/path.ts); absent with biasPathSamples: 0.
   */
  path?: BiasPath;
}

/** Threshold under which relDistToGD counts as "at the GD limit" in summaries. */
export const AT_GD_LIMIT = 1e-6;

/** What the report needs to know about the run besides W∞. */
export interface RunFacts {
  status: Status;
  /** The loss ('squared', 'huber', …) and its parameters. */
  loss: { name: string; params: Readonly<Record<string, number>> };
  /** The preconditioner's reason for being outside the dual-space theory, if it is (Preconditioner.outsideTheory). */
  outsideTheory?: string;
}

export function biasReport(
  wasm: Wasm,
  problem: Problem,
  W: number,
  flags: BiasReport['flags'],
  run: RunFacts,
): BiasReport {
  const { d, k } = problem;
  const e = wasm.exports;
  const len = d * k;
  const gd = problem.gdLimitPtr();
  const f = problem.rowSpace();
  const gdNorm = gd.norm;
  const tmp = wasm.allocF64(len, 'bias report');
  let dist: number, moved: number;
  try {
    e.sub(len, W, gd.ptr, tmp);
    dist = e.norm2(len, tmp);
    e.sub(len, W, problem.ptr.W0, tmp);
    moved = e.norm2(len, tmp);
  } finally {
    wasm.free(tmp);
  }
  // W∞ − W0 formed again by the factor, in its own work memory (tmp is free by then).
  const split = f.splitDiff(W, problem.ptr.W0, k);
  const info = gd.info;
  const converged = run.status === 'converged';
  const applies = !flags.stateful && run.outsideTheory === undefined;
  const squared = run.loss.name === 'squared';
  let reference: BiasReport['reference'] = 'gd-limit';
  let referenceNote: string | null = null;
  let refNorm = gdNorm;
  if (!info.interpolates && !squared) {
    const lr = lossReference(wasm, problem, run.loss);
    if ('W' in lr) {
      reference = 'loss-minimizer';
      referenceNote = `No interpolating solution exists and the loss is ${run.loss.name}, not squared: relDistToGD and c compare with the minimizer of the loss in W0 + row(X) `
        + `(the limit of plain GD from W0; computed by iteratively reweighted least squares, ${lr.steps} steps), not with the least-squares point W_GD.`;
      const Wv = wasm.f64(W, len), W0v = wasm.f64(problem.ptr.W0, len);
      let s1 = 0, s2 = 0;
      for (let i = 0; i < len; i++) { s1 += (Wv[i]! - lr.W[i]!) ** 2; s2 += (lr.W[i]! - W0v[i]!) ** 2; }
      dist = Math.sqrt(s1);
      refNorm = Math.sqrt(s2);
    } else {
      reference = 'none';
      referenceNote = `No interpolating solution exists and the loss is ${run.loss.name}, not squared: the limit of GD is then the minimizer of the loss in W0 + row(X), `
        + `not the least-squares point W_GD, and ${lr.reason}; relDistToGD, c and distToGD are not applicable.`;
    }
  } else if (info.w0Interpolates) {
    reference = 'w0';
    referenceNote = 'W0 already interpolates (XW0 = Y to round-off), so W_GD∞ = W0 and ‖W_GD∞ − W0‖ is round-off: relDistToGD and c are undefined.';
  }
  const ratios = reference === 'gd-limit' || reference === 'loss-minimizer';
  const relDistToGD = ratios ? dist / refNorm : null;
  const c = ratios ? moved / refNorm : null;
  const predictsGdLimit = applies && flags.preservesRowSpace && info.interpolates;
  const summary = summarize({
    info, referenceNote: ratios ? null : referenceNote, lossRef: reference === 'loss-minimizer' ? referenceNote : null, converged, status: run.status, applies,
    stateful: flags.stateful, reason: run.outsideTheory, predictsGdLimit, relDistToGD, c, moved, nullNorm: split.null, squared,
  });
  return {
    W_GD: gdMatrix(problem),
    reference,
    referenceNote,
    relDistToGD,
    c,
    distToGD: reference === 'none' ? null : dist,
    gdNorm,
    referenceNorm: ratios ? refNorm : null,
    moved,
    rowspaceNorm: split.row,
    nullspaceNorm: split.null,
    rank: info.rank,
    rankTolerance: info.rankTolerance,
    overparameterized: problem.overparameterized,
    interpolationExists: info.interpolates,
    w0Interpolates: info.w0Interpolates,
    gdLimitRelResidual: info.relResidual,
    provisional: !converged,
    flags: { ...flags },
    theory: { applies, ...(run.outsideTheory === undefined ? {} : { reason: run.outsideTheory }), predictsGdLimit, summary },
  };
}

interface SummaryInput {
  info: { interpolates: boolean; relResidual: number; rank: number };
  referenceNote: string | null;
  lossRef: string | null;
  converged: boolean;
  status: Status;
  applies: boolean;
  stateful: boolean;
  reason: string | undefined;
  predictsGdLimit: boolean;
  relDistToGD: number | null;
  c: number | null;
  moved: number;
  nullNorm: number;
  squared: boolean;
}

/** The report's sentence: what was measured, against what the theory predicts. */
function summarize(s: SummaryInput): string {
  if (s.referenceNote) {
    const extra = s.converged ? '' : ` The run did not converge (${s.status}).`;
    return `${s.referenceNote} Measured ‖W∞ − W0‖ = ${fmt(s.moved)}, null-space part ${fmt(s.nullNorm)}.${extra}`;
  }
  const measured = `relDistToGD = ${fmt(s.relDistToGD)}, c = ${fmt(s.c)}`;
  if (!s.converged) {
    return `The run did not converge (${s.status}), so W∞ is not a limit: ${measured} are provisional${s.applies ? '' : s.stateful ? ' (stateful method, outside the dual-space theory)' : ` (outside the dual-space theory: ${s.reason})`}.`;
  }
  if (s.lossRef) return `${s.lossRef} Measured ${measured}.`;
  if (!s.info.interpolates) {
    return `No interpolating solution exists (Y − XW0 is not in the range of X; the GD limit's relative residual is ${fmt(s.info.relResidual)}): `
      + `the reference W_GD∞ is the least-squares solution closest to W0, the limit of plain GD on the squared loss, and the interpolation theory does not apply. Measured ${measured}.`;
  }
  if (!s.applies) {
    return s.stateful
      ? `Stateful method (real Adam with moments): outside the dual-space theory, no prediction. Measured ${measured} at this learning rate.`
      : `Outside the dual-space theory (${s.reason}): no prediction. Measured ${measured} at this learning rate.`;
  }
  const at = s.relDistToGD! <= AT_GD_LIMIT;
  if (s.predictsGdLimit) {
    return at
      ? `Theory: W∞ = W_GD∞ (K preserves the row space). Measured ${measured}: agrees.`
      : `Theory: W∞ = W_GD∞ (K preserves the row space). Measured relDistToGD = ${fmt(s.relDistToGD)}: further than expected (tighten tol?).`;
  }
  return at
    ? `Theory: W∞ may differ from W_GD∞ (K leaves the row space); this run did not: relDistToGD = ${fmt(s.relDistToGD)}, null-space part ${fmt(s.nullNorm)}.`
    : `Theory: W∞ may differ from W_GD∞ (K leaves the row space). Measured ${measured}, null-space part ${fmt(s.nullNorm)}: this run ended on another interpolant. `
      + 'Whether that limit moves with the learning rate takes runs at several learning rates (a sweep\'s lrSensitivity).';
}

function fmt(x: number | null): string {
  if (x === null) return 'n/a';
  return Number.isFinite(x) ? x.toPrecision(3) : String(x);
}

function gdMatrix(problem: Problem): Matrix {
  const { data, shape } = problem.gdLimit();
  return { data, shape };
}
