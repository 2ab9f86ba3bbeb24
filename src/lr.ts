/**
 * Learning-rate suggestions. The map W ↦ ∇K(Xᵀ∇ℓ(XW − Y)) is Lipschitz with
 * constant ≤ Lip(∇K) · λmax(XᵀX) · sup ℓ''; a step below the inverse of that
 * bound is safe for every preconditioner in the table. λmax comes from power
 * iteration on X (Problem.lambdaMax()).
 */
import type { Problem } from './problem.js';
import { squared, resolveLoss, type Loss, type Reduction } from './losses/index.js';
import { resolvePrecond, type Preconditioner } from './precond/index.js';

/** Lipschitz constant of ∇K for the built-ins (near G = 0 where that is the worst case). */
export function precondLipschitz(p: Preconditioner, gradNorm0: number): number {
  const eps = p.params.eps;
  switch (p.name) {
    case 'gd':
    case 'clip':
    case 'clip-elementwise':
      return 1;
    case 'normalized':
    case 'colnorm':
    case 'spectral':
    case 'adam':
    case 'sign':
    case 'rownorm':
      return 1 / eps;
    case 'power': {
      // ∇K = ‖G‖^{p−2}G has derivative (p−1)‖G‖^{p−2}: largest at the start for p > 2.
      const pw = p.params.p;
      return pw >= 2 ? (pw - 1) * Math.pow(Math.max(gradNorm0, 1e-300), pw - 2) : 1;
    }
    default:
      return 1;
  }
}

/**
 * A learning rate that makes the iteration stable from W0:
 * 1 / (Lip(∇K) · λmax(XᵀX) · curvature(ℓ) [/ n for mean]).
 * For `lp` the curvature is taken at the starting residual.
 */
export function suggestLearningRate(
  problem: Problem,
  precondSpec: Preconditioner | string,
  lossSpec: Loss | string = squared(),
  reduction: Reduction = 'sum',
  start?: StartStats,
): number {
  const precond = resolvePrecond(precondSpec);
  const loss = resolveLoss(lossSpec);
  start ??= startStats(problem, loss, reduction);
  const lmax = problem.lambdaMax();
  let curv = loss.curvature;
  if (curv === undefined) {
    const p = loss.params.p;
    curv = p >= 2 ? (p - 1) * Math.pow(Math.max(start.maxAbsResidual, 1e-300), p - 2) : 1;
  }
  if (reduction === 'mean') curv /= problem.n;
  const L = precondLipschitz(precond, start.gradNorm) * lmax * curv;
  if (!(L > 0) || !Number.isFinite(L)) return 1;
  // A subnormal L (e.g. eps = 1e300, or tiny data) has no finite inverse; the
  // largest finite step is still a number the caller can use and report.
  return Math.min(1 / L, Number.MAX_VALUE);
}

export interface StartStats {
  /** max |R0| with R0 = X W0 − Y. */
  maxAbsResidual: number;
  /** ‖Xᵀ∇ℓ(R0)‖_F. */
  gradNorm: number;
}

/** One residual/gradient pass at W0. */
export function startStats(problem: Problem, loss: Loss, reduction: Reduction): StartStats {
  const wasm = problem.wasmInstance;
  const { n, d, k } = problem;
  const G = wasm.allocF64(d * k, 'G'), R = wasm.allocF64(n * k, 'R'), D = wasm.allocF64(n * k, 'D'), st = wasm.allocF64(2, 'stats');
  try {
    wasm.exports.residualGrad(n, d, k, problem.ptr.X, problem.ptr.W0, problem.ptr.Y, G, R, D,
      loss.wasm.id, loss.wasm.param, reduction === 'mean' ? 1 / n : 1, st);
    let m = 0;
    for (const v of wasm.f64(R, n * k)) m = Math.max(m, Math.abs(v));
    return { maxAbsResidual: m, gradNorm: wasm.exports.norm2(d * k, G) };
  } finally {
    for (const p of [G, R, D, st]) wasm.free(p);
  }
}
