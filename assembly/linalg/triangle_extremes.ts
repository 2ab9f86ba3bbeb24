// A cheap bracket of the extreme singular values of the r×r triangle that the
// rank-revealing LQ leaves (src/linalg/row-space.ts decides with it whether the
// triangle needs its SVD). It ran as plain JavaScript once per problem, always
// cold: in a fresh thread that one long call ran unoptimized, 20–40 ms for
// r = 200 against about 1 ms here.
//
// The arithmetic is that of the plain loops, operation for operation (each sum
// in the same order, scalar f64, no fused multiply-add), so the bracket is the
// same to the bit as the reference in test/helpers/triangle-extremes.ts, which
// the tests compare it with. Only the loops that update x[j] element by element
// (x[j] += T[i,j]·y[i], the same order of i for every j) run on f64x2 lanes:
// per element they do the plain arithmetic.

/**
 * Brackets σ_1 ≥ σ_r of the lower-triangular T (r×r): T[i, j] at A[i·lda + j]
 * for j < i, T[i, i] = diag[i] (nonzero), the storage lqFactor leaves.
 * σ_1 from below by `steps` steps of power iteration on TᵀT, σ_r from above by
 * as many of inverse iteration (two triangular solves a step).
 * work: 2r doubles of scratch. out[0] = max (≤ σ_1), out[1] = min (≥ σ_r);
 * min = 0 when an intermediate value is not finite or zero (T nearly singular).
 */
export function triangleExtremes(r: i32, A: usize, lda: i32, diag: usize, steps: i32, work: usize, out: usize): void {
  const x = work;
  const y = work + (<usize>r << 3);
  const aRow = <usize>lda << 3;
  start(r, x);
  let max: f64 = 0;
  for (let s = 0; s < steps; s++) {
    // y = T x
    for (let i = 0; i < r; i++) {
      const row = A + <usize>i * aRow;
      let a: f64 = 0;
      for (let j = 0; j < i; j++) a += load<f64>(row + (<usize>j << 3)) * load<f64>(x + (<usize>j << 3));
      a += load<f64>(diag + (<usize>i << 3)) * load<f64>(x + (<usize>i << 3));
      store<f64>(y + (<usize>i << 3), a);
    }
    // x = Tᵀ y, row by row: x[j] += T[i, j]·y[i] for i = 0, 1, …
    memory.fill(x, 0, <usize>r << 3);
    for (let i = 0; i < r; i++) {
      const yi = load<f64>(y + (<usize>i << 3));
      addScaled(i, yi, A + <usize>i * aRow, x);
      const xi = x + (<usize>i << 3);
      store<f64>(xi, load<f64>(xi) + load<f64>(diag + (<usize>i << 3)) * yi);
    }
    const nx = normalize(r, x);
    if (!(nx > 0) || !isFinite(nx)) break;
    max = Math.sqrt(nx);
  }
  start(r, x);
  let lam: f64 = 0;
  for (let s = 0; s < steps; s++) {
    // y = T⁻ᵀ x (back substitution down column i of T), x = T⁻¹ y (forward substitution)
    for (let i = r - 1; i >= 0; i--) {
      let a = load<f64>(x + (<usize>i << 3));
      for (let j = i + 1; j < r; j++) a -= load<f64>(A + <usize>j * aRow + (<usize>i << 3)) * load<f64>(y + (<usize>j << 3));
      store<f64>(y + (<usize>i << 3), a / load<f64>(diag + (<usize>i << 3)));
    }
    for (let i = 0; i < r; i++) {
      const row = A + <usize>i * aRow;
      let a = load<f64>(y + (<usize>i << 3));
      for (let j = 0; j < i; j++) a -= load<f64>(row + (<usize>j << 3)) * load<f64>(x + (<usize>j << 3));
      store<f64>(x + (<usize>i << 3), a / load<f64>(diag + (<usize>i << 3)));
    }
    const nx = normalize(r, x);
    if (!isFinite(nx) || nx == 0) {
      store<f64>(out, max);
      store<f64>(out, 0.0, 8);
      return;
    }
    lam = nx;
  }
  store<f64>(out, max);
  store<f64>(out, lam > 0 ? 1.0 / Math.sqrt(lam) : 0.0, 8);
}

/** The fixed start vector, normalized: x[i] = 1 + (i·7919 mod 13)/13. */
function start(r: i32, x: usize): void {
  for (let i = 0; i < r; i++) store<f64>(x + (<usize>i << 3), 1.0 + <f64>((<i64>i * 7919) % 13) / 13.0);
  normalize(r, x);
}

/** x[0..len) += a·t[0..len), element by element (f64x2 lanes, the scalar arithmetic per element). */
// @ts-ignore: decorator
@inline
function addScaled(len: i32, a: f64, t: usize, x: usize): void {
  const va = f64x2.splat(a);
  let j = 0;
  for (; j + 2 <= len; j += 2) {
    const o = <usize>j << 3;
    v128.store(x + o, f64x2.add(v128.load(x + o), f64x2.mul(v128.load(t + o), va)));
  }
  for (; j < len; j++) {
    const o = <usize>j << 3;
    store<f64>(x + o, load<f64>(x + o) + load<f64>(t + o) * a);
  }
}

/**
 * x ← x/‖x‖ and returns ‖x‖, computed as m·‖x/m‖ with m = max|x[i]| so that no square
 * over- or underflows. m = 0 or not finite (NaN included): x is left alone and m returned.
 */
function normalize(r: i32, x: usize): f64 {
  let m: f64 = 0;
  for (let i = 0; i < r; i++) m = max<f64>(m, abs<f64>(load<f64>(x + (<usize>i << 3))));
  if (m == 0 || !isFinite(m)) return m;
  let s: f64 = 0;
  for (let i = 0; i < r; i++) {
    const p = x + (<usize>i << 3);
    const v = load<f64>(p) / m;
    store<f64>(p, v);
    s += v * v;
  }
  const nrm = Math.sqrt(s);
  for (let i = 0; i < r; i++) {
    const p = x + (<usize>i << 3);
    store<f64>(p, load<f64>(p) / nrm);
  }
  return m * nrm;
}
