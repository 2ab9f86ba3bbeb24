/**
 * The reference for a loss other than squared when no interpolant exists (spec: "Which
 * reference the report compares with"): the minimizer of ℓ(XW − Y) in W0 + row(X). GD from W0
 * stays in W0 + row(X), so when that minimizer is unique (logcosh: ℓ strictly convex; huber:
 * generically) it is the limit of plain GD, and it is the minimizer closest to W0.
 *
 * Method: iteratively reweighted least squares (the half-quadratic iteration of Beaton and
 * Tukey), one output column at a time (ℓ is elementwise, so the columns decouple). With
 * ψ = ℓ' and weights ω_i = ψ(r_i)/r_i (> 0 and bounded for huber and logcosh),
 *     w ← w0 + (Ω^½X)⁺ Ω^½ (y − X w0),
 * a weighted minimum-norm least-squares solve on the rank-revealing LQ (row-space.ts). Since
 * ω > 0, row(Ω^½X) = row(X): every iterate stays in w0 + row(X), and a fixed point has
 * Xᵀψ(Xw − y) = 0. The loss decreases monotonically for these ψ (ψ(r)/r non-increasing in |r|).
 * It stops when a step moves w by ≤ 16ε relative (at most MAX_STEPS steps), and the result is
 * accepted only when the gradient ‖Xᵀψ(r)‖ is ≤ 1e-10·‖X‖_F·‖ψ(r)‖; otherwise, and for lp,
 * there is no reference (null, with the reason).
 */
import type { Problem } from '../problem.js';
import type { Wasm } from '../wasm/module.js';
import { factorRowSpace } from '../linalg/index.js';

const EPS = 2.220446049250313e-16;
const MAX_STEPS = 200;
/** Largest X (entries) the reference is computed for: each step factors a weighted copy of X. */
export const LOSS_REFERENCE_MAX_ENTRIES = 1 << 21;

export type LossReference = { W: Float64Array; steps: number } | { reason: string };

const cache = new WeakMap<Problem, Map<string, LossReference>>();

/** The minimizer of ℓ(XW − Y) in W0 + row(X) (d×k, row-major), cached per problem and loss. */
export function lossReference(wasm: Wasm, problem: Problem, loss: { name: string; params: Readonly<Record<string, number>> }): LossReference {
  const key = `${loss.name}:${JSON.stringify(loss.params)}`;
  let m = cache.get(problem);
  if (!m) cache.set(problem, (m = new Map()));
  let r = m.get(key);
  if (!r) m.set(key, (r = compute(wasm, problem, loss)));
  return r;
}

function weightFn(loss: { name: string; params: Readonly<Record<string, number>> }): ((r: number) => number) | undefined {
  if (loss.name === 'huber') {
    const delta = loss.params.delta ?? 1;
    return (r) => { const a = Math.abs(r); return a <= delta ? 1 : delta / a; };
  }
  if (loss.name === 'logcosh') return (r) => (r === 0 ? 1 : Math.tanh(r) / r);
  return undefined;
}

function compute(wasm: Wasm, problem: Problem, loss: { name: string; params: Readonly<Record<string, number>> }): LossReference {
  const weight = weightFn(loss);
  if (!weight) {
    return { reason: `the minimizer of the ${loss.name} loss closest to W0 is not computed (dspgd computes it for huber and logcosh)` };
  }
  const { n, d, k } = problem;
  if (n * d > LOSS_REFERENCE_MAX_ENTRIES) {
    return { reason: `X has ${n * d} entries, more than the ${LOSS_REFERENCE_MAX_ENTRIES} the ${loss.name} reference is computed for` };
  }
  const e = wasm.exports;
  const X = problem.ptr.X;
  const Yall = Float64Array.from(wasm.f64(problem.ptr.Y, n * k));
  const W0all = Float64Array.from(wasm.f64(problem.ptr.W0, d * k));
  const out = new Float64Array(d * k);
  const pSX = wasm.allocF64(n * d, 'loss reference (weighted X)');
  const pw = wasm.allocF64(d, 'loss reference');
  const pr = wasm.allocF64(n, 'loss reference');
  const pb = wasm.allocF64(n, 'loss reference');
  const pstep = wasm.allocF64(d, 'loss reference');
  let steps = 0;
  try {
    const xNorm = e.norm2(n * d, X);
    for (let c = 0; c < k; c++) {
      const y = Float64Array.from({ length: n }, (_, i) => Yall[i * k + c]!);
      const w0 = Float64Array.from({ length: d }, (_, j) => W0all[j * k + c]!);
      // r0 = y − X w0
      wasm.f64(pw, d).set(w0);
      e.matmulXW(n, d, 1, X, pw, pr);
      const r0 = Float64Array.from(wasm.f64(pr, n), (v, i) => y[i]! - v);
      const w = Float64Array.from(w0);
      const om = new Float64Array(n);
      let converged = false;
      for (let s = 0; s < MAX_STEPS && !converged; s++) {
        steps++;
        // residual at w, weights, Ω^½X and Ω^½r0
        wasm.f64(pw, d).set(w);
        e.matmulXW(n, d, 1, X, pw, pr);
        const rv = wasm.f64(pr, n);
        for (let i = 0; i < n; i++) om[i] = Math.sqrt(weight(rv[i]! - y[i]!));
        const xs = wasm.f64(X, n * d), sx = wasm.f64(pSX, n * d), bv = wasm.f64(pb, n);
        for (let i = 0; i < n; i++) {
          const o = om[i]!;
          for (let j = 0; j < d; j++) sx[i * d + j] = o * xs[i * d + j]!;
          bv[i] = o * r0[i]!;
        }
        const f = factorRowSpace(wasm, pSX, n, d);
        try {
          f.pinv(pb, 1, pstep);
        } finally {
          f.dispose();
        }
        const stp = wasm.f64(pstep, d);
        let change = 0, size = 0;
        for (let j = 0; j < d; j++) {
          const nw = w0[j]! + stp[j]!;
          change += (nw - w[j]!) ** 2;
          size += stp[j]! ** 2;
          w[j] = nw;
        }
        converged = Math.sqrt(change) <= 16 * EPS * Math.sqrt(size);
      }
      // Accepted only at a stationary point: ‖Xᵀψ(r)‖ small against ‖X‖·‖ψ(r)‖.
      wasm.f64(pw, d).set(w);
      e.matmulXW(n, d, 1, X, pw, pr);
      const psi = wasm.f64(pb, n), rv = wasm.f64(pr, n);
      for (let i = 0; i < n; i++) { const ri = rv[i]! - y[i]!; psi[i] = weight(ri) * ri; }
      const psiNorm = e.norm2(n, pb);
      e.matmulXtV(n, d, 1, X, pb, pstep);
      const g = e.norm2(d, pstep);
      if (!(g <= 1e-10 * xNorm * psiNorm)) {
        return { reason: `the iteration for the minimizer of the ${loss.name} loss did not reach a stationary point (‖Xᵀψ‖ = ${g.toPrecision(3)} after ${MAX_STEPS} steps)` };
      }
      for (let j = 0; j < d; j++) out[j * k + c] = w[j]!;
    }
    return { W: out, steps };
  } finally {
    [pSX, pw, pr, pb, pstep].forEach((p) => { wasm.free(p); });
  }
}
