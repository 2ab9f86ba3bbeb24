/**
 * The row-space fast path (preconditioners with ∇K(G) = G·M, M = m(GᵀG)):
 * the iterates stay in W0 + row space of X, so W_t = W0 + XᵀA_t with A_t n×k,
 * and with the Gram matrix XXᵀ (computed once per problem and cached)
 *   R = XW − Y = XXᵀA − (Y − XW0),   D = scale·∇ℓ(R),   S = XXᵀD,
 *   GᵀG = DᵀS,   ∇K(G) = Xᵀ(D·M),   so   A ← A − η·D·M.
 * One fused pass over the n×n Gram matrix per iteration (the same kernel as the
 * primal path, with XXᵀ in place of X): O(n²k) instead of O(ndk). W is formed
 * once, at the end. Same iterates as the primal path up to round-off.
 */
import type { Problem } from '../problem.js';
import type { Loss } from '../losses/index.js';
import type { Preconditioner } from '../precond/index.js';
import type { Wasm } from '../wasm/module.js';
import type { Engine } from './types.js';
import { Buffers, maxAbs, safeRNorm } from './buffers.js';
import { PRECOND_IDS } from '../precond/index.js';

/** Data entries (and Y − XW0) between 2^−100 and 2^100 (≈ 1e±30): see rowSpaceScaleSafe. */
const SAFE_LOG2 = 100;

/**
 * Whether the data are in the range where the row-space path's squared quantities are
 * representable. It forms XXᵀ (entries ~ d·|x|²), XXᵀD (~ n·d·|x|²·|D|) and GᵀG = DᵀXXᵀD
 * (~ n²·d·|x|²·|D|²), squares the primal path never forms (its kernels scale). With X and Y
 * of size 1e100 the last two overflow and the run diverges at iteration 0; with X of size
 * 1e−170 the Gram matrix underflows to 0. Magnitudes: max|X|, and max|Y| + d·max|X|·max|W0|
 * for Y − XW0 (the size of D for the squared loss); an all-zero Y − XW0 is safe.
 */
export function rowSpaceScaleSafe(wasm: Wasm, prob: Problem): boolean {
  const { n, d, k } = prob;
  const mX = maxAbs(wasm.f64(prob.ptr.X, n * d));
  const mB = maxAbs(wasm.f64(prob.ptr.Y, n * k)) + d * mX * maxAbs(wasm.f64(prob.ptr.W0, d * k));
  const ok = (m: number) => m >= 2 ** -SAFE_LOG2 && m <= 2 ** SAFE_LOG2;
  return ok(mX) && (mB === 0 || ok(mB));
}

/** Whether a preconditioner has a row-space form. */
export function supportsRowSpace(wasm: Wasm, p: Preconditioner): boolean {
  return p.preservesRowSpace && !p.stateful && p.wasm !== undefined && wasm.exports.gramMetricSupports(p.wasm.id) === 1;
}

export class RowSpaceEngine implements Engine {
  readonly path = 'rowspace' as const;
  readonly tracksBregman = true;
  loss = 0;
  rNorm = 0;
  gradNorm = 0;
  private readonly bufs: Buffers;
  private A: number;
  private Aprev: number;
  private readonly negR0: number;
  private readonly R: number;
  private readonly D: number;
  private readonly S: number;
  private readonly B: number;
  private readonly C: number;
  private readonly M: number;
  private readonly stats: number;
  private readonly params: number;
  private readonly scratch: number;
  private readonly Ds: number;
  private readonly Ps: number;
  private W = 0;
  private Kcur = 0;
  private view: Float64Array;
  private readonly gram: number;
  private readonly nk: number;

  constructor(
    private readonly wasm: Wasm,
    private readonly prob: Problem,
    private readonly precond: Preconditioner,
    private readonly lossFn: Loss,
    private readonly scale: number,
  ) {
    const { n, k } = prob;
    const e = wasm.exports;
    const nk = (this.nk = n * k);
    this.gram = prob.gramPtr();
    const b = (this.bufs = new Buffers(wasm));
    try {
      this.A = b.alloc(nk, 'A');
      this.Aprev = b.alloc(nk, 'previous A');
      this.negR0 = b.alloc(nk, 'Y − XW0');
      this.R = b.alloc(nk, 'residual');
      this.D = b.alloc(nk, 'loss gradient');
      this.S = b.alloc(nk, 'XXᵀD');
      this.B = b.alloc(nk, 'D·M');
      this.Ds = b.alloc(nk, 'trace D');
      this.Ps = b.alloc(nk, 'trace S·M');
      // stats (2) | C (k²) | M (k²) in one block, so one cached view reads them all.
      this.stats = b.alloc(2 + 2 * k * k, 'stats');
      this.C = this.stats + 16;
      this.M = this.C + 8 * k * k;
      this.params = b.alloc(Math.max(precond.wasm!.params.length, 1), 'precond params');
      if (precond.wasm!.id === PRECOND_IDS.spectral) {
        // spectral from a factor of G (assembly/rowspace/spectral.ts): Pᵀ XXᵀ P = LLᵀ once per run.
        const L = b.alloc(n * n, 'spectral: Cholesky factor of XXᵀ');
        const perm = b.alloc(n, 'spectral: pivots');
        this.spec = { L, perm, F: b.alloc(nk, 'spectral: F = LᵀD'), PF: b.alloc(nk, 'spectral: ∇K(F)'), r: e.spectralRowFactor(n, this.gram, L, perm), eps: precond.wasm!.params[0] };
        this.scratch = b.alloc(e.precondScratchLen(PRECOND_IDS.spectral, n, k), 'precond scratch');
      } else {
        this.scratch = b.alloc(e.gramMetricScratchLen(k), 'precond scratch');
      }
    } catch (err) {
      b.free();
      throw err;
    }
    wasm.f64(this.params, precond.wasm!.params.length).set(precond.wasm!.params);
    // Y − XW0 once (A = 0 is W = W0).
    e.matmulXW(n, prob.d, k, prob.ptr.X, prob.ptr.W0, this.negR0);
    e.sub(nk, prob.ptr.Y, this.negR0, this.negR0);
    this.view = wasm.f64(this.stats, 2 + 2 * k * k);
  }

  evaluate(): void {
    const e = this.wasm.exports;
    const { n, k } = this.prob;
    const l = this.lossFn.wasm;
    // R = XXᵀA − (Y − XW0), D = scale·∇ℓ(R), S = (XXᵀ)ᵀD: the primal kernel on the Gram matrix.
    e.residualGrad(n, n, k, this.gram, this.A, this.negR0, this.S, this.R, this.D, l.id, l.param, this.scale, this.stats);
    e.crossDtS(n, k, this.D, this.S, this.C);
    const v = this.read();
    this.loss = v[0];
    this.rNorm = safeRNorm(e, v[1], this.R, this.nk);
    let tr = 0;
    for (let j = 0; j < k; j++) tr += Math.max(v[2 + j * k + j], 0);
    // ‖G‖² = tr(DᵀXXᵀD) is fine unless it over- or underflowed (tiny or huge G): then form
    // G = XᵀD once, an O(ndk) pass, and take its norm without squaring out of range.
    this.gradNorm = tr >= this.wasm.abi.sumsqSafeLo && tr < Infinity ? Math.sqrt(tr) : this.gradNormDirect();
  }

  private gradNormDirect(): number {
    const e = this.wasm.exports;
    const { n, d, k } = this.prob;
    this.Gtmp ||= this.bufs.alloc(d * k, 'G (norm fallback)');
    e.matmulXtV(n, d, k, this.prob.ptr.X, this.D, this.Gtmp);
    return e.norm2(d * k, this.Gtmp);
  }

  private Gtmp = 0;
  private spec?: { L: number; perm: number; F: number; PF: number; r: number; eps: number };

  maxAbsResidual(): number {
    return maxAbs(this.wasm.f64(this.R, this.nk));
  }

  direction(): void {
    const e = this.wasm.exports;
    const { n, k } = this.prob;
    const s = this.spec;
    if (s) {
      this.Kcur = e.spectralRowStep(n, s.r, k, s.L, s.perm, this.D, s.F, s.PF, this.B, s.eps, this.scratch);
      return;
    }
    this.Kcur = e.gramMetric(this.precond.wasm!.id, k, this.C, this.params, this.M, this.scratch);
    e.rightMulAdd(n, k, 1, this.D, this.M, 0, this.B);
  }

  saveSample(): number {
    const e = this.wasm.exports;
    const { n, k } = this.prob;
    e.copy(this.nk, this.D, this.Ds);
    // ∇K(G_t) = Xᵀ(D_t·M_t), so ⟨∇K(G_t), G⟩ = ⟨S_t·M_t, D⟩ for any G = XᵀD.
    // spectral has no M: ∇K(G_t) = XᵀB_t, and XXᵀB_t takes one Gram product.
    if (this.spec) e.matmulXW(n, n, k, this.gram, this.B, this.Ps);
    else e.rightMulAdd(n, k, 1, this.S, this.M, 0, this.Ps);
    return this.Kcur;
  }

  bregman(Ks: number): number {
    const e = this.wasm.exports;
    const s = this.spec;
    const K1 = s
      ? e.spectralRowValue(this.prob.n, s.r, this.prob.k, s.L, s.perm, this.D, s.F, s.eps, this.scratch)
      : e.gramMetric(this.precond.wasm!.id, this.prob.k, this.C, this.params, this.M, this.scratch);
    e.sub(this.nk, this.D, this.Ds, this.Ds);
    return K1 - Ks - e.dot(this.nk, this.Ps, this.Ds);
  }

  step(lr: number): void {
    this.wasm.exports.axpyInto(this.nk, -lr, this.B, this.A, this.Aprev);
    const next = this.Aprev;
    this.Aprev = this.A;
    this.A = next;
  }

  revert(): void {
    const cur = this.A;
    this.A = this.Aprev;
    this.Aprev = cur;
  }

  /** Its buffers are n×k (W, the one d×k, is the iterate a sample reads). */
  idleBuffers(): readonly number[] {
    return [];
  }

  weights(): number {
    const e = this.wasm.exports;
    const { n, d, k } = this.prob;
    this.W ||= this.bufs.alloc(d * k, 'W');
    e.matmulXtV(n, d, k, this.prob.ptr.X, this.A, this.W);
    e.axpy(d * k, 1, this.prob.ptr.W0, this.W);
    return this.W;
  }

  free(): void {
    this.bufs.free();
  }

  private read(): Float64Array {
    if (this.view.buffer !== this.wasm.exports.memory.buffer) this.view = this.wasm.f64(this.stats, 2 + 2 * this.prob.k * this.prob.k);
    return this.view;
  }
}
