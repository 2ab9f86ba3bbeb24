/**
 * Threads for the primal pass (work in progress: one thread for now).
 */
import type { Wasm } from '../wasm/module.js';
import { ChunkedPass, type ResidualPass } from './pass.js';

export type { ResidualPass };

export function makePass(wasm: Wasm, n: number, d: number, k: number, _threads: number): ResidualPass {
  return new ChunkedPass(wasm, n, d, k);
}
