/**
 * The implicit-bias report (spec: math.md, "The GD limit and the implicit-bias
 * report"): where the final iterate W∞ sits relative to the GD limit W_GD∞,
 * the interpolant closest to W0.
 */
import type { Problem } from '../problem.js';
import type { Matrix } from '../matrix.js';
import type { Wasm } from '../wasm/module.js';

export interface BiasReport {
  /** W_GD∞ = W0 + X⁺(Y − XW0), shape mirroring W0. */
  W_GD: Matrix;
  /** ‖W∞ − W_GD∞‖ / ‖W_GD∞ − W0‖ (the absolute distance when W_GD∞ = W0). */
  relDistToGD: number;
  /** ‖W∞ − W0‖ / ‖W_GD∞ − W0‖: ≥ 1 for any interpolant, 1 iff W∞ = W_GD∞. */
  c: number;
  /** ‖W∞ − W_GD∞‖. */
  distToGD: number;
  /** ‖W_GD∞ − W0‖. */
  gdNorm: number;
  /** ‖P_row(W∞ − W0)‖ and ‖P_null(W∞ − W0)‖ with P_row = X⁺X. */
  rowspaceNorm: number;
  nullspaceNorm: number;
  /** Numerical rank of X. */
  rank: number;
  /** n < d. */
  overparameterized: boolean;
  /** Whether some W has XW = Y (Y − XW0 in range(X)). */
  interpolationExists: boolean;
  /** ‖X W_GD∞ − Y‖/‖Y‖ (round-off when an interpolant exists). */
  gdLimitRelResidual: number;
  /** The preconditioner's declared flags. */
  flags: { isotropic: boolean; preservesRowSpace: boolean; stateful: boolean };
  /** What the theory predicts for this run, and whether the measurement agrees. */
  theory: {
    /** False outside the dual-space theory: stateful methods (real Adam), power with p < 2. */
    applies: boolean;
    /** Why the theory does not apply (present when applies is false for the preconditioner). */
    reason?: string;
    /** True when the theory says W∞ = W_GD∞ (row-space-preserving K and an interpolant exists). */
    predictsGdLimit: boolean;
    /** One sentence comparing prediction and measurement. */
    summary: string;
  };
}

/** Threshold under which relDistToGD counts as "at the GD limit" in summaries. */
export const AT_GD_LIMIT = 1e-6;

export function biasReport(
  wasm: Wasm,
  problem: Problem,
  W: number,
  flags: BiasReport['flags'],
  converged: boolean,
  outsideTheory?: string,
): BiasReport {
  const { d, k } = problem;
  const e = wasm.exports;
  const len = d * k;
  const gd = problem.gdLimitPtr();
  const f = problem.rowSpace();
  const tmp = wasm.allocF64(len, 'bias report');
  let distToGD: number, gdNorm: number, moved: number, split: { row: number; null: number };
  try {
    e.sub(len, W, gd.ptr, tmp);
    distToGD = Math.sqrt(e.sumsq(len, tmp));
    e.sub(len, gd.ptr, problem.ptr.W0, tmp);
    gdNorm = Math.sqrt(e.sumsq(len, tmp));
    e.sub(len, W, problem.ptr.W0, tmp);
    moved = Math.sqrt(e.sumsq(len, tmp));
    split = f.split(tmp, k);
  } finally {
    wasm.free(tmp);
  }
  const relDistToGD = gdNorm > 0 ? distToGD / gdNorm : distToGD;
  const c = gdNorm > 0 ? moved / gdNorm : moved === 0 ? 1 : Infinity;
  const applies = !flags.stateful && outsideTheory === undefined;
  const predictsGdLimit = applies && flags.preservesRowSpace && gd.info.interpolates;
  const at = relDistToGD <= AT_GD_LIMIT;
  let summary: string;
  if (!gd.info.interpolates) {
    summary = 'No interpolating solution exists (Y − XW0 is not in the range of X): the GD limit is the least-squares solution closest to W0, and the interpolation theory does not apply.';
  } else if (!applies) {
    summary = flags.stateful
      ? `Stateful method (real Adam with moments): outside the dual-space theory; measured relDistToGD = ${fmt(relDistToGD)}, c = ${fmt(c)}.`
      : `Outside the dual-space theory (${outsideTheory}); measured relDistToGD = ${fmt(relDistToGD)}, c = ${fmt(c)}.`;
  } else if (!converged) {
    summary = `The run did not converge, so W∞ is not yet an interpolant; relDistToGD = ${fmt(relDistToGD)} is provisional.`;
  } else if (predictsGdLimit) {
    summary = at
      ? `Theory: W∞ = W_GD∞ (K preserves the row space). Measured relDistToGD = ${fmt(relDistToGD)}, c = ${fmt(c)}: agrees.`
      : `Theory: W∞ = W_GD∞ (K preserves the row space). Measured relDistToGD = ${fmt(relDistToGD)}: further than expected (tighten tol?).`;
  } else {
    summary = at
      ? `Theory: W∞ may differ from W_GD∞ (K leaves the row space), but here relDistToGD = ${fmt(relDistToGD)}.`
      : `Theory: W∞ differs from W_GD∞ and depends on the learning rate (K leaves the row space). Measured relDistToGD = ${fmt(relDistToGD)}, c = ${fmt(c)}, null-space part ${fmt(split.null)}.`;
  }
  return {
    W_GD: gdMatrix(problem),
    relDistToGD,
    c,
    distToGD,
    gdNorm,
    rowspaceNorm: split.row,
    nullspaceNorm: split.null,
    rank: gd.info.rank,
    overparameterized: problem.overparameterized,
    interpolationExists: gd.info.interpolates,
    gdLimitRelResidual: gd.info.relResidual,
    flags: { ...flags },
    theory: { applies, ...(outsideTheory === undefined ? {} : { reason: outsideTheory }), predictsGdLimit, summary },
  };
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toPrecision(3) : String(x);
}

function gdMatrix(problem: Problem): Matrix {
  const { data, shape } = problem.gdLimit();
  return { data, shape };
}
