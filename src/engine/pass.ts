/**
 * The residual/gradient pass over X, R = XW − Y, D = scale·∇ℓ(R), G = XᵀD.
 *
 * The bits are fixed by the row chunks, a number that depends only on the shape (never on
 * the thread count): each chunk's share of G is summed from zero in row order and the
 * shares are added in chunk order. One thread runs the fused kernel chunk by chunk, adding
 * each share as soon as it is done (one buffer for it, whatever the chunk count). Threads
 * run either the chunks themselves (threads.ts) or the split pass (split.ts), whose finer
 * grid of row pieces and column panels gives every entry the same operations in the same
 * order; so the bits do not depend on the thread count either way.
 */
import type { Wasm } from '../wasm/module.js';
import type { KernelName, PassKernels } from '../wasm/kernels.js';
import { Buffers } from './buffers.js';

export interface ResidualPass {
  /** Threads that work on the pass (1 = this thread only). */
  readonly threads: number;
  /** The build whose kernels run the pass (src/wasm/kernels.ts). */
  readonly kernel: KernelName;
  run(X: number, W: number, Y: number, G: number, R: number, D: number,
    lossId: number, lossParam: number, scale: number, stats: number): void;
  free(): void;
}

/** Chunk count for a shape: 1 below ~1M multiply-adds per pass, else 4 (enough for 4 threads). */
export function chunkCount(n: number, d: number, k: number): number {
  return n * d * k < 1 << 20 || n < 16 ? 1 : 4;
}

/** Row boundaries of chunk c of C over n rows, multiples of 4 so the four-row blocks line up. */
export function chunkRows(n: number, C: number, c: number): [number, number] {
  const per = Math.ceil(n / C / 4) * 4;
  return [Math.min(n, c * per), Math.min(n, (c + 1) * per)];
}

export class ChunkedPass implements ResidualPass {
  readonly threads: number = 1;
  readonly chunks: number;
  private readonly bufs: Buffers;
  /** Partial G and stats for chunks 1..C−1 (chunk 0 writes straight into G and stats); see allocParts. */
  protected readonly partG: number[] = [];
  protected partStats = 0;

  constructor(protected readonly wasm: Wasm, protected readonly n: number, protected readonly d: number, protected readonly k: number,
    protected readonly kern: PassKernels = wasm.simd) {
    this.chunks = chunkCount(n, d, k);
    this.bufs = new Buffers(wasm);
    try {
      this.allocParts(this.chunks > 1 ? 1 : 0);
      this.partStats = this.bufs.alloc(2 * (this.chunks - 1), 'partial stats');
    } catch (err) {
      this.bufs.free();
      throw err;
    }
  }

  /** `count` partial-G buffers of d×k (one suffices when the shares are added one at a time). */
  protected allocParts(count: number): void {
    for (let c = this.partG.length; c < count; c++) this.partG.push(this.bufs.alloc(this.d * this.k, 'partial G'));
  }

  protected alloc(len: number, what: string): number {
    return this.bufs.alloc(len, what);
  }

  get kernel(): KernelName {
    return this.kern.name;
  }

  run(X: number, W: number, Y: number, G: number, R: number, D: number, lossId: number, lossParam: number, scale: number, stats: number): void {
    const e = this.kern;
    const { n, d, k, chunks } = this;
    if (chunks === 1) {
      e.residualGrad(n, d, k, X, W, Y, G, R, D, lossId, lossParam, scale, stats);
      return;
    }
    // G ← ((G_0 + G_1) + G_2) + …: each share added as soon as it is done, so one buffer holds them all in turn.
    const part = this.partG[0];
    for (let c = 0; c < chunks; c++) {
      const [i0, i1] = chunkRows(n, chunks, c);
      e.residualGradRows(i0, i1, d, k, X, W, Y, c === 0 ? G : part, R, D, lossId, lossParam, scale, c === 0 ? stats : this.partStats + 16 * (c - 1));
      if (c > 0) this.wasm.exports.axpy(d * k, 1, part, G);
    }
    this.wasm.exports.sumStats(chunks - 1, this.partStats, stats);
  }

  /** G += partials 1..C−1 in chunk order; stats likewise (after the chunks ran, each into its own buffer). */
  protected reduce(G: number, stats: number): void {
    const e = this.wasm.exports;
    const len = this.d * this.k;
    for (const p of this.partG) e.axpy(len, 1, p, G);
    e.sumStats(this.chunks - 1, this.partStats, stats);
  }

  free(): void {
    this.bufs.free();
  }
}
