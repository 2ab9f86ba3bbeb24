// The loss of one row for the pass over X. The fma build (assembly/fma.ts) has no copy of the
// losses: their math tables would be a data segment, and that module runs on the main module's
// memory. It calls the main module's lossRow instead (one call per row; the O(d·k) work per
// row stays inside). ASC_FEATURE_RELAXED_SIMD is a compile-time constant: each build keeps one.
import { lossRow } from "../losses/index";

@external("dspgd", "lossRow")
declare function lossRowMain(id: i32, param: f64, r: usize, g: usize, k: i32, scale: f64): f64;

@inline export function passLossRow(id: i32, param: f64, r: usize, g: usize, k: i32, scale: f64): f64 {
  return ASC_FEATURE_RELAXED_SIMD ? lossRowMain(id, param, r, g, k, scale) : lossRow(id, param, r, g, k, scale);
}
