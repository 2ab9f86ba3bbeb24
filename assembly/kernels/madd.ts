// The multiply-add of the pass over X, c + a·b on f64x2 lanes.
//
// The portable build rounds twice (mul, then add), which every WASM engine does the same
// way, so its results are bit-identical everywhere. The fma build (assembly/fma.ts, built
// with --enable relaxed-simd) uses f64x2.relaxed_madd instead: engines on hardware with
// fused multiply-add round once, which is faster and slightly more accurate but no longer
// bit-identical across machines (an engine without FMA hardware may round twice).
// ASC_FEATURE_RELAXED_SIMD is a compile-time constant: each build keeps one branch.
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, c);
  return f64x2.add(c, f64x2.mul(a, b));
}
