// λmax(XᵀX) by power iteration, for learning-rate suggestions. It only needs
// to be good to a few digits, so it runs a fixed number of steps.
//
// Scale: λmax is ‖X‖², so data of size 1e±100 have λmax = 1e±200, representable,
// while the squared norms the iteration used to take (‖XᵀXv‖² ≈ λmax²) over- or
// underflowed and returned 0. Norms are taken with norm2 (scaled when the sum of
// squares is out of range) and u = Xv is normalized before Xᵀu, so every vector
// stays at the size of ‖X‖ or λmax; λmax itself is the only square formed. In
// the normal range the arithmetic is the one of the plain formulas, bit for bit.
//
// One pass over X a step, four rows at a time (dot4.ts): rows i..i+3 give
// u_i = x_i·v and at once add u_i·x_i to the next vector (in w) while they are
// still in cache, so X is read once a step instead of twice, and each load of v
// or w serves four rows. Every sum is the one of the two separate products
// (u = Xv by dot, then Xᵀu accumulated row by row by axpy), so the result is the
// same to the bit. Only when ‖Xv‖² is out of range, and u must be scaled before
// Xᵀu, is Xᵀu formed in a second pass.
import { dot, axpy, norm2, sumsq, zero } from "./dot";
import { dot4, addRows4, dot4s0, dot4s1, dot4s2, dot4s3 } from "./dot4";
import { matmulXtV } from "./matmul";
import { unsafeSumsq } from "./scaled";

/**
 * u (n) = X·v and w (d) = Xᵀ·u in one pass over X (X n×d row-major): u by dot, w
 * accumulated row by row by axpy from zero, to the bit.
 *
 * Exported, so that it stays a function of its own rather than being inlined into
 * powerIterXtX: the engine optimizes a WASM function for its next call, never
 * inside the one running, so a step called 60 times runs optimized from about its
 * second call on, where one long call would run all its steps in baseline code
 * (V8's Liftoff: on a fresh thread, about twice the time).
 */
export function powerStepXtX(n: i32, d: i32, X: usize, v: usize, u: usize, w: usize): void {
  const xRow = <usize>d << 3;
  zero(d, w);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const xi = X + <usize>i * xRow;
    dot4(d, v, xi, xRow);
    const ui = u + (<usize>i << 3);
    store<f64>(ui, dot4s0);
    store<f64>(ui, dot4s1, 8);
    store<f64>(ui, dot4s2, 16);
    store<f64>(ui, dot4s3, 24);
    addRows4(d, dot4s0, dot4s1, dot4s2, dot4s3, xi, xRow, w);
  }
  for (; i < n; i++) {
    const xi = X + <usize>i * xRow;
    const ui = dot(d, xi, v);
    store<f64>(u + (<usize>i << 3), ui);
    axpy(d, ui, xi, w);
  }
}

/**
 * Returns an estimate of the largest eigenvalue of XᵀX (X n×d row-major).
 * v (d, in/out): start vector, must be nonzero; u (n): scratch; w (d): scratch.
 * Runs `iters` steps.
 */
export function powerIterXtX(n: i32, d: i32, X: usize, v: usize, u: usize, w: usize, iters: i32): f64 {
  const xRow = <usize>d << 3;
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
    powerStepXtX(n, d, X, v, u, w);        // u = X v and w = Xᵀu (the next v if u needs no scaling)
    const s2 = sumsq(n, u);               // ‖Xv‖² = vᵀXᵀXv (Rayleigh quotient, ‖v‖ = 1)
    if (!unsafeSumsq(s2)) {
      lambda = s2;
      memory.copy(v, w, xRow);            // v = Xᵀ u
    } else {
      const s = norm2(n, u);
      lambda = s * s;
      if (s == 0) return 0;
      // Xᵀu would be of size λmax·‖v‖ and could leave the range with λmax still in it.
      for (let i = 0; i < n; i++) store<f64>(u + (<usize>i << 3), load<f64>(u + (<usize>i << 3)) / s);
      matmulXtV(n, d, 1, X, u, v);        // v = Xᵀ u
    }
  }
  return lambda;
}
