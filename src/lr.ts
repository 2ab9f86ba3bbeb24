/**
 * Learning-rate suggestions. The map W ↦ ∇K(Xᵀ∇ℓ(XW − Y)) is Lipschitz with constant
 * ≤ Lip(∇K) · λmax(XᵀX) · sup ℓ″ when ∇K is, and a step below the inverse of that bound is
 * stable from W0. Every stateless built-in has such a bound except `power` with p < 2 (∇K is
 * not Lipschitz at 0: 'auto' takes the GD step, and the run stalls at a floor); real Adam has
 * none either ('auto' makes its first steps move like GD at 1/λmax). autoLrGuarantee says
 * which, per preconditioner.
 * λmax comes from power iteration on X (Problem.lambdaMax()); L from the registry.
 */
import type { Problem } from './problem.js';
import { squared, resolveLoss, type Loss, type Reduction } from './losses/index.js';
import { resolvePrecond, type Preconditioner } from './precond/index.js';
import { REGISTRY, type BuiltinName } from './precond/registry.js';

const entryOf = (p: Preconditioner) => (p.wasm !== undefined && Object.hasOwn(REGISTRY, p.name) ? REGISTRY[p.name as BuiltinName] : undefined);

/**
 * The constant L of ∇K that lr 'auto' uses (registry: a Lipschitz bound where one exists, near
 * G = 0 where that is the worst case; else the rate at the start). gradNorm0 = ‖G0‖_F and
 * len = d·k its number of entries. Custom preconditioners: 1.
 */
export function precondLipschitz(p: Preconditioner, gradNorm0: number, len = 1): number {
  const e = entryOf(p);
  if (!e) return 1;
  const all = { ...p.params, ...(p.adam ?? {}) };
  return e.lipschitz(all, { g0: gradNorm0, rms0: gradNorm0 / Math.sqrt(Math.max(len, 1)) });
}

/** What lr 'auto' promises for this preconditioner, in one sentence. */
export function autoLrGuarantee(precondSpec: Preconditioner | string): string {
  const p = resolvePrecond(precondSpec);
  const e = entryOf(p);
  if (!e) return 'a custom preconditioner has no known Lipschitz bound: the step is the GD step 1/(λmax(XᵀX)·sup ℓ″), stable only if ∇K is 1-Lipschitz';
  return e.autoLr({ ...p.params, ...(p.adam ?? {}) });
}

/**
 * The 'auto' learning rate: 1 / (L · λmax(XᵀX) · curvature(ℓ) [/ n for mean]), with L from
 * precondLipschitz; stable from W0 wherever L is a Lipschitz bound (see autoLrGuarantee).
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
    curv = p >= 2 ? (p - 1) * Math.max(start.maxAbsResidual, 1e-300) ** (p - 2) : 1;
  }
  if (reduction === 'mean') curv /= problem.n;
  const L = precondLipschitz(precond, start.gradNorm, problem.d * problem.k) * lmax * curv;
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
