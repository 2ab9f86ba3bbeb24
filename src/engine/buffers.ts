import type { Wasm } from '../wasm/module.js';

/** Allocations of one run, freed together. */
export class Buffers {
  private readonly ptrs: number[] = [];
  constructor(private readonly wasm: Wasm) {}
  alloc(len: number, what: string): number {
    const p = this.wasm.allocF64(Math.max(len, 1), what);
    this.ptrs.push(p);
    return p;
  }
  free(): void {
    for (const p of this.ptrs.splice(0)) this.wasm.free(p);
  }
}

/** max |a_i| over a view. */
export function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** Below this a sum of squares may have lost bits to subnormal squares (2^−969; as in assembly/precond/scaled.ts). */
const SAFE_SUMSQ_LO = 2.004168360008973e-292;

/**
 * ‖R‖_F from the pass's Σr² (rr) when that is in range, else from R itself with the
 * scale-safe norm: for residuals of size 1e−170, Σr² is 0 and the run would call itself converged.
 */
export function safeRNorm(e: Wasm['exports'], rr: number, R: number, len: number): number {
  return rr >= SAFE_SUMSQ_LO && rr < Infinity ? Math.sqrt(rr) : e.norm2(len, R);
}
