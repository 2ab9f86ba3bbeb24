/**
 * The pass over X for several primal-path runs at once (solveBatch): for each
 * block of rows, every active run's share is computed while the block is in
 * cache, so X is read from memory once per iteration for all of them. The row
 * chunks and the order of the partial sums are those of a single run's
 * ChunkedPass, so each run gets the bits it would get alone.
 */
import type { Problem } from '../problem.js';
import type { Wasm } from '../wasm/module.js';
import { Buffers } from './buffers.js';
import { chunkCount, chunkRows } from './pass.js';
import type { PrimalEngine } from './primal.js';

export class BatchPass {
  private readonly bufs: Buffers;
  private readonly chunks: number;
  /** Per run (by engine): the partial G of the chunk in progress (chunks 1..C−1 in turn) and the stats of chunks 1..C−1. */
  private readonly parts = new Map<PrimalEngine, { G: number; stats: number }>();
  private readonly table: number;
  private view: Float64Array;
  private readonly size: number;
  /** Doubles per run record (the module's BATCH_RECORD_DOUBLES). */
  private readonly rec: number;

  constructor(private readonly wasm: Wasm, private readonly prob: Problem, engines: readonly PrimalEngine[]) {
    const { n, d, k } = prob;
    this.chunks = chunkCount(n, d, k);
    this.bufs = new Buffers(wasm);
    this.rec = wasm.abi.batch.doubles;
    try {
      for (const e of engines) {
        const many = this.chunks > 1;
        this.parts.set(e, { G: many ? this.bufs.alloc(d * k, 'partial G') : 0, stats: many ? this.bufs.alloc(2 * (this.chunks - 1), 'partial stats') : 0 });
      }
      this.size = Math.max(1, engines.length) * this.rec * this.chunks;
      this.table = this.bufs.alloc(this.size, 'batch table');
    } catch (err) {
      this.bufs.free();
      throw err;
    }
    this.view = wasm.f64(this.table, this.size);
  }

  /** One pass over X for the given (active) runs; runs on different kernels (src/wasm/kernels.ts) go in separate passes. */
  run(engines: readonly PrimalEngine[]): void {
    if (engines.length === 0) return;
    const first = engines[0].kern;
    if (engines.every((eng) => eng.kern === first)) {
      this.runGroup(engines, 0);
      return;
    }
    let at = 0;
    for (const kern of new Set(engines.map((eng) => eng.kern))) {
      const group = engines.filter((eng) => eng.kern === kern);
      this.runGroup(group, at);
      at += group.length * this.rec * this.chunks;
    }
  }

  /** The pass for runs on one kernel, their records from table offset `at` (doubles). */
  private runGroup(engines: readonly PrimalEngine[], at0: number): void {
    const e = this.wasm.exports;
    const kern = engines[0].kern;
    const { n, d, k } = this.prob;
    const { chunks } = this;
    if (this.view.buffer !== e.memory.buffer) this.view = this.wasm.f64(this.table, this.size);
    const v = this.view;
    const B = engines.length;
    for (let c = 0; c < chunks; c++) {
      for (let b = 0; b < B; b++) {
        const eng = engines[b];
        const p = this.parts.get(eng)!;
        const at = at0 + (c * B + b) * this.rec;
        if (c === 0) eng.passRecord(v, at);
        else eng.passRecord(v, at, p.G, p.stats + 16 * (c - 1));
      }
    }
    // Each chunk's share is added as soon as it is done (as ChunkedPass does), so one partial per run serves every chunk.
    for (let c = 0; c < chunks; c++) {
      const [i0, i1] = chunkRows(n, chunks, c);
      kern.residualGradBatch(i0, i1, d, k, this.prob.ptr.X, this.prob.ptr.Y, B, this.table + 8 * (at0 + c * B * this.rec));
      if (c > 0) for (const eng of engines) e.axpy(d * k, 1, this.parts.get(eng)!.G, eng.gradPtr);
    }
    if (chunks > 1) {
      for (const eng of engines) e.sumStats(chunks - 1, this.parts.get(eng)!.stats, eng.statsPtr);
    }
  }

  free(): void {
    this.bufs.free();
  }
}
