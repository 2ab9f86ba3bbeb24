/**
 * The two kernels of the pass over X (R = XW − Y, G = XᵀD), in separate builds of the
 * same source (assembly/kernels/madd.ts):
 *  - 'simd': multiply then add, two roundings; bit-identical on every engine and machine.
 *  - 'fma': f64x2.relaxed_madd (relaxed SIMD), one rounding where the hardware fuses it;
 *    results may differ from 'simd' in the last bits, and across machines.
 * Everything else (∇K, norms, the row-space path, the bias report) is the portable code.
 */
import type { Ptr, I32, F64 } from './types.js';

export type KernelName = 'simd' | 'fma';
export type KernelOption = KernelName | 'auto';
export const KERNEL_OPTIONS: readonly KernelOption[] = ['simd', 'fma', 'auto'];

/** The pass over X as both builds export it (see assembly/pass/residual_grad.ts and split.ts for the contracts). */
export interface PassExports {
  residualGrad(
    n: I32, d: I32, k: I32,
    X: Ptr, W: Ptr, Y: Ptr, G: Ptr, R: Ptr, D: Ptr,
    lossId: I32, lossParam: F64, scale: F64, stats: Ptr,
  ): void;
  residualGradRows(
    i0: I32, i1: I32, d: I32, k: I32,
    X: Ptr, W: Ptr, Y: Ptr, G: Ptr, R: Ptr, D: Ptr,
    lossId: I32, lossParam: F64, scale: F64, stats: Ptr,
  ): void;
  residualGradBatch(i0: I32, i1: I32, d: I32, k: I32, X: Ptr, Y: Ptr, count: I32, table: Ptr): void;
  // The split pass (assembly/pass/split.ts), for threads.
  residualRows(i0: I32, i1: I32, d: I32, k: I32, X: Ptr, W: Ptr, Y: Ptr, R: Ptr): void;
  gradPanel(n: I32, per: I32, C: I32, j0: I32, j1: I32, d: I32, k: I32, X: Ptr, D: Ptr, G: Ptr, scratch: Ptr): void;
}

/** The pass kernels of one build. */
export interface PassKernels extends PassExports {
  readonly name: KernelName;
  /** The compiled fma build for worker threads (shared memory only). */
  readonly module?: object;
}

/**
 * The smallest module that uses f64x2.relaxed_madd (opcode 0xfd 0x107):
 * (func (result v128) v128.const 0 v128.const 0 v128.const 0 f64x2.relaxed_madd).
 * Engines without relaxed SIMD (Node 20 without --experimental-wasm-relaxed-simd) reject it.
 */
const V128_ZERO = [0xfd, 0x0c, ...new Array(16).fill(0)];
const PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b,
  0x03, 0x02, 0x01, 0x00,
  0x0a, 0x3d, 0x01, 0x3b, 0x00, ...V128_ZERO, ...V128_ZERO, ...V128_ZERO, 0xfd, 0x87, 0x02, 0x0b,
]);

let supported: boolean | undefined;

/** Whether this engine compiles relaxed SIMD (checked once: WebAssembly.validate of PROBE). */
export function relaxedSimdSupported(): boolean {
  if (supported === undefined) {
    try {
      supported = WebAssembly.validate(PROBE);
    } catch {
      supported = false;
    }
  }
  return supported;
}

/** The probe module, for tests (a valid module for an engine with relaxed SIMD). */
export const RELAXED_SIMD_PROBE: Uint8Array = PROBE;
