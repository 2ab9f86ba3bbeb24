// λmax(XᵀX) by power iteration, for learning-rate suggestions. It only needs
// to be good to a few digits, so it runs a fixed number of steps.
import { dot, sumsq } from "./dot";
import { matmulXW, matmulXtV } from "./matmul";

/**
 * Returns an estimate of the largest eigenvalue of XᵀX (X n×d row-major).
 * v (d, in/out): start vector, must be nonzero; u (n): scratch. Runs `iters` steps.
 */
export function powerIterXtX(n: i32, d: i32, X: usize, v: usize, u: usize, iters: i32): f64 {
  let lambda: f64 = 0;
  for (let t = 0; t < iters; t++) {
    const nv = Math.sqrt(sumsq(d, v));
    if (nv == 0) return 0;
    const inv = 1.0 / nv;
    for (let j = 0; j < d; j++) store<f64>(v + (<usize>j << 3), load<f64>(v + (<usize>j << 3)) * inv);
    matmulXW(n, d, 1, X, v, u);          // u = X v
    lambda = sumsq(n, u);                 // ‖Xv‖² = vᵀXᵀXv (Rayleigh quotient, ‖v‖ = 1)
    matmulXtV(n, d, 1, X, u, v);          // v = Xᵀ u
  }
  return lambda;
}
