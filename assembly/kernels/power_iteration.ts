// λmax(XᵀX) by power iteration, for learning-rate suggestions. It only needs
// to be good to a few digits, so it runs a fixed number of steps.
//
// Scale: λmax is ‖X‖², so data of size 1e±100 have λmax = 1e±200, representable,
// while the squared norms the iteration used to take (‖XᵀXv‖² ≈ λmax²) over- or
// underflowed and returned 0. Norms are taken with norm2 (scaled when the sum of
// squares is out of range) and u = Xv is normalized before Xᵀu, so every vector
// stays at the size of ‖X‖ or λmax; λmax itself is the only square formed. In
// the normal range the arithmetic is the one of the plain formulas, bit for bit.
import { norm2, sumsq } from "./dot";
import { matmulXW, matmulXtV } from "./matmul";
import { unsafeSumsq } from "./scaled";

/**
 * Returns an estimate of the largest eigenvalue of XᵀX (X n×d row-major).
 * v (d, in/out): start vector, must be nonzero; u (n): scratch. Runs `iters` steps.
 */
export function powerIterXtX(n: i32, d: i32, X: usize, v: usize, u: usize, iters: i32): f64 {
  let lambda: f64 = 0;
  for (let t = 0; t < iters; t++) {
    const nv = norm2(d, v);
    if (nv == 0) return 0;
    if (nv == Infinity) return Infinity; // ‖XᵀXv‖ beyond 1.8e308: so is λmax
    const inv = 1.0 / nv;
    if (inv != 0 && inv != Infinity) {
      for (let j = 0; j < d; j++) store<f64>(v + (<usize>j << 3), load<f64>(v + (<usize>j << 3)) * inv);
    } else {
      for (let j = 0; j < d; j++) store<f64>(v + (<usize>j << 3), load<f64>(v + (<usize>j << 3)) / nv);
    }
    matmulXW(n, d, 1, X, v, u);          // u = X v
    const s2 = sumsq(n, u);               // ‖Xv‖² = vᵀXᵀXv (Rayleigh quotient, ‖v‖ = 1)
    if (!unsafeSumsq(s2)) {
      lambda = s2;
    } else {
      const s = norm2(n, u);
      lambda = s * s;
      if (s == 0) return 0;
      // Xᵀu would be of size λmax·‖v‖ and could leave the range with λmax still in it.
      for (let i = 0; i < n; i++) store<f64>(u + (<usize>i << 3), load<f64>(u + (<usize>i << 3)) / s);
    }
    matmulXtV(n, d, 1, X, u, v);          // v = Xᵀ u
  }
  return lambda;
}
