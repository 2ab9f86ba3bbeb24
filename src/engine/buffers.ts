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
