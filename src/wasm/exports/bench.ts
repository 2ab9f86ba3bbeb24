/** Typed signatures of the WASM exports used only by the benchmarks (pointers are byte offsets). */
export interface BenchExports {
  /** Σ x[i], i < len: one streaming read of len doubles (the memory-bandwidth limit). See assembly/kernels/stream_read.ts. */
  streamRead(x: number, len: number): number;
  /** 48·steps flops of independent f64x2 multiply-adds in registers (the arithmetic limit). See assembly/kernels/mul_add_peak.ts. */
  mulAddPeak(steps: number, seed: number): number;
}
