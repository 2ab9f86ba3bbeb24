/**
 * Warnings before a run that will likely not reach tol within max iterations. Estimates, said
 * as such: near an interpolant every built-in inside the theory behaves like GD with step
 * lr·(auto's curvature), so the slowest direction of XXᵀ shrinks by about (1 − (lr/auto)/κ) per
 * iteration, κ the condition number of XXᵀ (of XᵀX when n ≥ d): about κ·(auto/lr)·ln(1/tol)
 * iterations. κ is known for `spectrum` (cond²), estimated for Gaussian X from the
 * Marchenko–Pastur edges ((1 + √r)/(1 − √r))², r = min(n, d)/max(n, d), and bounded for [T 0].
 * Losses and preconditioners that are not smooth at 0 converge polynomially or stall: said apart.
 */
import { resolveLoss } from '../src/losses/index.js';
import { resolvePrecond } from '../src/precond/index.js';
import { formatCount, formatHuman } from '../src/util/numbers.js';
import type { RunInputs } from './settings.js';

const count = (x: number) => (x >= 1e9 ? formatHuman(x, 2) : formatCount(Math.round(x)));

/** κ(XXᵀ) (or κ(XᵀX) when n ≥ d) of the generated problem; undefined for uploaded data. */
export function conditionEstimate(p: RunInputs['problem']): { kappa: number; how: string } | undefined {
  if (p.source === 'upload') return undefined;
  if (p.source === 'padded') return { kappa: 9, how: 'X = [T 0] with T = I + B, ‖B‖ ≈ 0.5: κ(XXᵀ) ≤ about 9' };
  const { n, d, kind, cond } = p.spec;
  if (kind === 'spectrum') return { kappa: (cond ?? 100) ** 2, how: `kind spectrum with cond ${formatHuman(cond ?? 100)}: κ(XXᵀ) = cond²` };
  const r = Math.min(n, d) / Math.max(n, d);
  const kappa = r >= 1 ? Infinity : ((1 + Math.sqrt(r)) / (1 - Math.sqrt(r))) ** 2;
  return { kappa, how: `Gaussian X with ${n < d ? 'n/d' : 'd/n'} = ${formatHuman(r, 3)}: κ ≈ ((1 + √r)/(1 − √r))² ≈ ${formatHuman(kappa, 3)}` };
}

/** Warnings that need no problem: the loss and the preconditioners' own behaviour near 0. */
export function staticWarnings(inputs: RunInputs): string[] {
  const out: string[] = [];
  const { tol, maxIter } = inputs;
  try {
    const loss = resolveLoss(inputs.loss);
    const p = loss.params.p;
    if (loss.name === 'lp' && p !== undefined && p > 2) {
      out.push(`loss ${inputs.loss}: ∇ℓ vanishes like |r|^${formatHuman(p - 1, 3)} at an interpolant, so the residual shrinks polynomially, not geometrically: `
        + `tol ${formatHuman(tol)} is likely out of reach within ${count(maxIter)} iterations (try tol 1e-4, or the squared loss).`);
    } else if (loss.name === 'lp' && p !== undefined && p < 2) {
      out.push(`loss ${inputs.loss}: ∇ℓ is not Lipschitz at 0 for p < 2, so at a fixed learning rate the residual likely stalls at a floor above tol ${formatHuman(tol)}.`);
    }
  } catch { /* reported as a field error */ }
  for (const spec of inputs.specs) {
    try {
      const pc = resolvePrecond(spec);
      const p = pc.params.p;
      if (pc.name === 'power' && p !== undefined && p > 2 && (1 / tol) ** (p - 2) > maxIter) {
        out.push(`${spec}: ∇K = ‖G‖^${formatHuman(p - 2, 3)}·G vanishes at 0, so convergence is polynomial: tol ${formatHuman(tol)} likely needs more than ${count(maxIter)} iterations.`);
      } else if (pc.outsideTheory && !pc.stateful) {
        out.push(`${spec}: ${pc.outsideTheory}; a run will likely stop short of tol ${formatHuman(tol)}.`);
      }
    } catch { /* reported as a field error */ }
  }
  return out;
}

/** One run's estimate, once its learning rate and the stable step 'auto' are known. */
export function runWarning(label: string, lr: number, autoLr: number, inputs: RunInputs): string | undefined {
  const est = conditionEstimate(inputs.problem);
  const ratio = lr / autoLr;
  if (ratio > 2) return `${label}: lr is ${formatHuman(ratio, 3)}× the stable step (auto = ${formatHuman(autoLr, 4)}): the run may diverge.`;
  if (!est) return ratio < 1e-3 ? `${label}: lr is ${formatHuman(ratio, 2)}× the stable step (auto = ${formatHuman(autoLr, 4)}): progress will be slow.` : undefined;
  const need = est.kappa / Math.min(ratio, 1) * Math.log(1 / Math.max(inputs.tol, 1e-300));
  if (!(need > inputs.maxIter)) return undefined;
  return `${label}: about ${Number.isFinite(need) ? count(need) : 'infinitely many'} iterations expected (${est.how}; lr = ${formatHuman(ratio, 3)}×auto; tol ${formatHuman(inputs.tol)}), `
    + `more than max iterations ${count(inputs.maxIter)}: likely to stop at max-iter.`;
}
