/**
 * The primal path: W (d×k) itself is the iterate, and each iteration makes one
 * fused pass over X (residual, loss gradient, G = XᵀD), then ∇K(G) on d×k.
 * Works for every preconditioner, custom and stateful ones included.
 */
import { DspgdError } from '../errors.js';
import type { Problem } from '../problem.js';
import type { Loss } from '../losses/index.js';
import type { Preconditioner } from '../precond/index.js';
import type { Wasm } from '../wasm/module.js';
import type { PassKernels } from '../wasm/kernels.js';
import type { Engine } from './types.js';
import { Buffers, maxAbs, safeRNorm } from './buffers.js';
import { ChunkedPass, type ResidualPass } from './pass.js';

export class PrimalEngine implements Engine {
  readonly path = 'primal' as const;
  loss = 0;
  rNorm = 0;
  gradNorm = 0;
  private readonly bufs: Buffers;
  private W: number;
  private Wprev: number;
  private readonly G: number;
  private readonly P: number;
  private readonly R: number;
  private readonly D: number;
  private readonly stats: number;
  private readonly params: number;
  private readonly scratch: number;
  private readonly Gs: number;
  /** K(G) of the current G, when bregman() computed it (a sample at the next iteration reuses it). */
  private kOfG = 0;
  private kOfGKnown = false;
  /** State of a stateful built-in (precondStateLen doubles: adam's m and v). */
  private readonly S: number;
  private readonly len: number;
  private readonly hasK: boolean;
  private readonly stateful: boolean;
  private statsView: Float64Array;
  private views: CustomViews;

  constructor(
    private readonly wasm: Wasm,
    private readonly prob: Problem,
    private readonly precond: Preconditioner,
    private readonly lossFn: Loss,
    private readonly scale: number,
    private pass?: ResidualPass,
    /** The kernels of the pass over X (a batch's pass calls them too). */
    readonly kern: PassKernels = wasm.simd,
  ) {
    const { n, d, k } = prob;
    const e = wasm.exports;
    const len = (this.len = d * k);
    const builtin = precond.wasm;
    this.stateful = precond.stateful && builtin !== undefined;
    this.hasK = !this.stateful && (builtin !== undefined || precond.K !== undefined);
    const b = (this.bufs = new Buffers(wasm));
    try {
      this.W = b.alloc(len, 'W');
      this.Wprev = b.alloc(len, 'previous W');
      this.G = b.alloc(len, 'G');
      this.P = b.alloc(len, '∇K(G)');
      this.R = b.alloc(n * k, 'residual');
      this.D = b.alloc(n * k, 'loss gradient');
      this.stats = b.alloc(2, 'stats');
      this.params = b.alloc(Math.max(builtin?.params.length ?? 0, 1), 'precond params');
      this.scratch = b.alloc(builtin ? e.precondScratchLen(builtin.id, d, k) : 0, 'precond scratch');
      this.Gs = this.hasK ? b.alloc(len, 'trace G') : 0;
      this.S = this.stateful ? b.alloc(e.precondStateLen(builtin!.id, len), `${precond.name} state`) : 0;
    } catch (err) {
      b.free();
      throw err;
    }
    e.copy(len, prob.ptr.W0, this.W);
    if (builtin) wasm.f64(this.params, builtin.params.length).set(builtin.params);
    this.statsView = wasm.f64(this.stats, 2);
    this.views = new CustomViews(wasm, this.G, this.P, len);
  }

  evaluate(): void {
    const { prob, lossFn } = this;
    // In a batch the batch owns the pass; a lone evaluate (after a divergence) uses a pass of its own.
    this.pass ??= this.ownPass = new ChunkedPass(this.wasm, prob.n, prob.d, prob.k, this.kern);
    this.pass.run(prob.ptr.X, this.W, prob.ptr.Y, this.G, this.R, this.D, lossFn.wasm.id, lossFn.wasm.param, this.scale, this.stats);
    this.readPass();
  }

  /** Pointers and loss of this run for a batched pass: W, G, R, D, stats, loss id, loss parameter, scale. */
  passRecord(out: Float64Array, at: number, G = this.G, stats = this.stats): void {
    const f = this.wasm.abi.batch;
    out[at + f.W] = this.W; out[at + f.G] = G; out[at + f.R] = this.R; out[at + f.D] = this.D; out[at + f.stats] = stats;
    out[at + f.lossId] = this.lossFn.wasm.id; out[at + f.lossParam] = this.lossFn.wasm.param; out[at + f.scale] = this.scale;
  }

  get gradPtr(): number {
    return this.G;
  }

  get statsPtr(): number {
    return this.stats;
  }

  /** Reads loss, ‖R‖ and ‖G‖ after a pass (own or batched). */
  readPass(): void {
    const e = this.wasm.exports;
    // Growth detaches a plain memory's buffer (the view's length drops to 0); views of shared
    // memory stay valid. Cheaper than comparing with memory.buffer, a getter that allocates.
    if (this.statsView.length === 0) this.statsView = this.wasm.f64(this.stats, 2);
    this.kOfGKnown = false;
    this.loss = this.statsView[0];
    this.rNorm = safeRNorm(e, this.statsView[1], this.R, this.prob.n * this.prob.k);
    this.gradNorm = e.norm2(this.len, this.G);
  }

  maxAbsResidual(): number {
    return maxAbs(this.wasm.f64(this.R, this.prob.n * this.prob.k));
  }

  direction(t: number): void {
    const e = this.wasm.exports;
    const { precond } = this;
    const { d, k } = this.prob;
    if (this.stateful) {
      e.precondStep(precond.wasm!.id, this.len, this.G, this.S, this.P, this.params, t + 1);
    } else if (precond.wasm) {
      e.precondGrad(precond.wasm.id, d, k, this.G, this.P, this.params, this.scratch);
    } else {
      this.views.refresh();
      try {
        precond.gradK!(this.views.G, this.views.P, d, k);
      } catch (err) {
        throw new DspgdError('E_CALLBACK', `precond ${precond.name}: gradK threw at iteration ${t}: ${(err as Error)?.message ?? String(err)}`, 'precond', { cause: err });
      }
    }
  }

  get tracksBregman(): boolean {
    return this.hasK;
  }

  /**
   * G_t for the Bregman term at the next iteration, and K(G_t). ∇K(G_t) is not copied: P keeps
   * it until the next direction(), which comes after that bregman(). K(G_t) is the one bregman()
   * computed at this iteration when there was one (a trace sample every iteration: at maxIter
   * ≤ 1000 by default), which halves the K evaluations (for adam, d logarithms each).
   */
  saveSample(): number {
    this.wasm.exports.copy(this.len, this.G, this.Gs);
    return this.kOfGKnown ? this.kOfG : this.K(this.G);
  }

  bregman(Ks: number): number {
    const e = this.wasm.exports;
    const K1 = this.K(this.G);
    this.kOfG = K1;
    this.kOfGKnown = true;
    // ⟨∇K(G_t), G_{t+1} − G_t⟩, differencing first (Gs is free after this); P still holds ∇K(G_t).
    e.sub(this.len, this.G, this.Gs, this.Gs);
    return K1 - Ks - e.dot(this.len, this.P, this.Gs);
  }

  step(lr: number): void {
    // W and its predecessor swap roles: the last finite iterate stays at hand without a copy.
    this.wasm.exports.axpyInto(this.len, -lr, this.P, this.W, this.Wprev);
    const next = this.Wprev;
    this.Wprev = this.W;
    this.W = next;
  }

  revert(): void {
    const cur = this.W;
    this.W = this.Wprev;
    this.Wprev = cur;
  }

  weights(): number {
    return this.W;
  }

  /** ∇K(G_t) is read by bregman() and rewritten by direction(); the trace's G_t likewise (saveSample). */
  idleBuffers(): readonly number[] {
    return this.Gs ? [this.P, this.Gs] : [this.P];
  }

  free(): void {
    this.bufs.free();
    this.ownPass?.free();
  }

  private ownPass?: ResidualPass;

  private K(G: number): number {
    const { precond } = this;
    const { d, k } = this.prob;
    if (precond.wasm) return this.wasm.exports.precondValue(precond.wasm.id, d, k, G, this.params, this.scratch);
    try {
      return precond.K!(this.views.view(G), d, k);
    } catch (err) {
      throw new DspgdError('E_CALLBACK', `precond ${precond.name}: K threw: ${(err as Error)?.message ?? String(err)}`, 'precond', { cause: err });
    }
  }
}

/** Views for user-supplied ∇K/K, rebuilt only when WASM memory has grown (which detaches old views). */
class CustomViews {
  G: Float64Array;
  P: Float64Array;
  constructor(private readonly wasm: Wasm, private readonly g: number, private readonly p: number, private readonly len: number) {
    this.G = wasm.f64(g, len);
    this.P = wasm.f64(p, len);
  }
  refresh(): void {
    if (this.G.buffer !== this.wasm.exports.memory.buffer) {
      this.G = this.wasm.f64(this.g, this.len);
      this.P = this.wasm.f64(this.p, this.len);
    }
  }
  view(ptr: number): Float64Array {
    if (ptr !== this.g) return this.wasm.f64(ptr, this.len);
    this.refresh();
    return this.G;
  }
}
