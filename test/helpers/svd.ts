/**
 * An independent pseudo-inverse for tests: one-sided Jacobi SVD (Hestenes) in
 * plain float64 JS. Slow (O(sweeps·q²·p)) but simple and accurate to high
 * relative precision, and sharing nothing with the WASM LQ.
 */

export interface Svd {
  /** Singular values, in the order the sweeps leave them (not sorted). */
  sigma: number[];
  /** p×q left factor columns (normalized; zero columns for σ = 0). */
  U: Float64Array[];
  /** q×q right factor columns. */
  V: Float64Array[];
}

/** SVD of G given as q columns of length p (p ≥ q): G·V = U·diag(σ). */
export function jacobiSvd(cols: Float64Array[], p: number): Svd {
  const q = cols.length;
  const U = cols.map((c) => Float64Array.from(c));
  const V = Array.from({ length: q }, (_, j) => {
    const v = new Float64Array(q);
    v[j] = 1;
    return v;
  });
  const dot = (a: Float64Array, b: Float64Array) => {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i] * b[i];
    return s;
  };
  for (let sweep = 0; sweep < 100; sweep++) {
    let rotated = false;
    for (let a = 0; a < q - 1; a++) {
      for (let b = a + 1; b < q; b++) {
        const alpha = dot(U[a], U[a]), beta = dot(U[b], U[b]), gamma = dot(U[a], U[b]);
        if (gamma === 0 || Math.abs(gamma) <= 1e-16 * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t), s = c * t;
        for (const M of [U, V]) {
          const x = M[a], y = M[b];
          for (let i = 0; i < x.length; i++) {
            const xi = x[i], yi = y[i];
            x[i] = c * xi - s * yi;
            y[i] = s * xi + c * yi;
          }
        }
      }
    }
    if (!rotated) break;
  }
  const sigma = U.map((u) => Math.sqrt(dot(u, u)));
  U.forEach((u, j) => {
    if (sigma[j] > 0) for (let i = 0; i < p; i++) u[i] /= sigma[j];
  });
  return { sigma, U, V };
}

/**
 * X⁺ (d×n, row-major) of X (n×d, row-major), singular values below
 * rtol·σ_max treated as zero (default rtol = max(n, d)·ε, as NumPy).
 */
export function pinvJacobi(X: ArrayLike<number>, n: number, d: number, rtol = Math.max(n, d) * 2.220446049250313e-16):
  { pinv: Float64Array; rank: number; sigma: number[] } {
  // Work on the orientation with fewer columns: G = Xᵀ (columns = rows of X) when n ≤ d.
  const wide = n <= d;
  const p = wide ? d : n, q = wide ? n : d;
  const cols = Array.from({ length: q }, (_, j) => {
    const c = new Float64Array(p);
    for (let i = 0; i < p; i++) c[i] = wide ? X[j * d + i] : X[i * d + j];
    return c;
  });
  const { sigma, U, V } = jacobiSvd(cols, p);
  const smax = Math.max(...sigma);
  const keep = sigma.map((s) => s > rtol * smax && s > 0);
  const out = new Float64Array(d * n);
  // wide: Xᵀ = UΣVᵀ ⇒ X⁺ = UΣ⁺Vᵀ (U d×q, V n×q). tall: X = UΣVᵀ ⇒ X⁺ = VΣ⁺Uᵀ (V d×q, U n×q).
  for (let j = 0; j < q; j++) {
    if (!keep[j]) continue;
    const left = wide ? U[j] : V[j], right = wide ? V[j] : U[j];
    const inv = 1 / sigma[j];
    for (let a = 0; a < d; a++) {
      const la = left[a] * inv;
      if (la === 0) continue;
      for (let b = 0; b < n; b++) out[a * n + b] += la * right[b];
    }
  }
  return { pinv: out, rank: keep.filter(Boolean).length, sigma };
}

/** C (m×q) = A (m×p) · B (p×q), row-major. */
export function matmul(A: ArrayLike<number>, B: ArrayLike<number>, m: number, p: number, q: number): Float64Array {
  const C = new Float64Array(m * q);
  for (let i = 0; i < m; i++) {
    for (let l = 0; l < p; l++) {
      const a = A[i * p + l];
      if (a === 0) continue;
      for (let j = 0; j < q; j++) C[i * q + j] += a * B[l * q + j];
    }
  }
  return C;
}

/** Frobenius norm. */
export function fro(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

/** ‖a − b‖_F / ‖b‖_F (‖b‖ = 0: ‖a − b‖). */
export function relFro(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < b.length; i++) s += (a[i] - b[i]) ** 2;
  const nb = fro(b);
  return nb > 0 ? Math.sqrt(s) / nb : Math.sqrt(s);
}
