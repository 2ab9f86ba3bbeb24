/**
 * The run's trace, sampled every `every` iterations into typed arrays that
 * grow by doubling (so appending is amortized O(1) and allocation-free on
 * almost every sample).
 */
export interface Trace {
  /** Iteration numbers of the samples. */
  iteration: Float64Array;
  /** ℓ(XW − Y) (with the run's reduction). */
  loss: Float64Array;
  /** ‖XW − Y‖/‖Y‖. */
  relResidual: Float64Array;
  /** ‖G‖_F with G = Xᵀ∇ℓ(XW − Y). */
  gradNorm: Float64Array;
  /** D_K(G_{t+1}, G_t) = K(G_{t+1}) − K(G_t) − ⟨∇K(G_t), G_{t+1} − G_t⟩ at each sampled t; NaN where K is unknown or the run ended before t+1. */
  bregman: Float64Array;
  /** Sampling interval in iterations. */
  every: number;
}

export class TraceRecorder {
  readonly every: number;
  private n = 0;
  private cap: number;
  private it: Float64Array;
  private loss: Float64Array;
  private rr: Float64Array;
  private gn: Float64Array;
  private br: Float64Array;

  constructor(every: number, expected: number) {
    this.every = every;
    this.cap = Math.max(16, Math.min(expected, 1 << 16));
    this.it = new Float64Array(this.cap);
    this.loss = new Float64Array(this.cap);
    this.rr = new Float64Array(this.cap);
    this.gn = new Float64Array(this.cap);
    this.br = new Float64Array(this.cap).fill(NaN);
  }

  /** Appends a sample and returns its index (for filling the Bregman entry later). */
  push(iteration: number, loss: number, relResidual: number, gradNorm: number): number {
    if (this.n === this.cap) this.grow();
    const i = this.n++;
    this.it[i] = iteration;
    this.loss[i] = loss;
    this.rr[i] = relResidual;
    this.gn[i] = gradNorm;
    return i;
  }

  setBregman(index: number, value: number): void {
    this.br[index] = value;
  }

  get length(): number {
    return this.n;
  }

  finish(): Trace {
    const n = this.n;
    return {
      iteration: this.it.slice(0, n),
      loss: this.loss.slice(0, n),
      relResidual: this.rr.slice(0, n),
      gradNorm: this.gn.slice(0, n),
      bregman: this.br.slice(0, n),
      every: this.every,
    };
  }

  private grow(): void {
    this.cap *= 2;
    const g = (a: Float64Array, fill = 0) => {
      const b = new Float64Array(this.cap).fill(fill);
      b.set(a);
      return b;
    };
    this.it = g(this.it);
    this.loss = g(this.loss);
    this.rr = g(this.rr);
    this.gn = g(this.gn);
    this.br = g(this.br, NaN);
  }
}
