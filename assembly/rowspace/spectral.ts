// spectral on the row-space path, from the singular values (math.md) without forming G.
//
// With the Gram matrix factored once per run, Pᵀ XXᵀ P = L Lᵀ (pivoted Cholesky, L n×r,
// r the numerical rank, P the permutation), X's permuted rows are L·Q for a Q (r×d)
// with orthonormal rows, so for G = XᵀD:
//   G = Qᵀ F with F = Lᵀ PᵀD (r×k),
// and G, F have the same singular values and right factor: ∇K(G) = Qᵀ ∇K(F), K(G) = K(F).
// ∇K(F) comes from the primal kernel (precond/spectral.ts: Jacobi on the smaller side of
// F, so the work follows r and k, not k²). The step in A-coordinates is the B with
// XᵀB = Qᵀ ∇K(F): B = P [L₁⁻ᵀ ∇K(F); 0] (L₁ the leading r×r block), one triangular solve.
// Accuracy is that of the Gram route (u·cond(X)² for the factor), never the u‖G‖²
// absolute error of GᵀG that loses the small σ.
import { spectralGrad, spectralValue } from "../precond/spectral";

@inline function at(A: usize, n: i32, i: i32, j: i32): usize {
  return A + ((<usize>i * <usize>n + <usize>j) << 3);
}

@inline function swapF64(a: usize, b: usize): void {
  const t = load<f64>(a);
  store<f64>(a, load<f64>(b));
  store<f64>(b, t);
}

/**
 * L (n×n, lower r×… part used) and perm (n doubles holding row indices) from the Gram
 * matrix (n×n, not modified): pivoted Cholesky with the largest remaining diagonal as pivot,
 * stopped when it falls below n·u·max diag (the Gram matrix's own round-off). Returns r.
 */
export function spectralRowFactor(n: i32, gram: usize, L: usize, perm: usize): i32 {
  memory.copy(L, gram, <usize>n * <usize>n << 3);
  let top: f64 = 0;
  for (let i = 0; i < n; i++) {
    store<f64>(perm + (<usize>i << 3), <f64>i);
    top = max(top, load<f64>(at(L, n, i, i)));
  }
  const tol = <f64>n * 2.220446049250313e-16 * top;
  let r = 0;
  for (let j = 0; j < n; j++) {
    let p = j;
    let dp = load<f64>(at(L, n, j, j));
    for (let i = j + 1; i < n; i++) {
      const v = load<f64>(at(L, n, i, i));
      if (v > dp) { dp = v; p = i; }
    }
    if (!(dp > tol)) break;
    if (p != j) {
      for (let c = 0; c < n; c++) swapF64(at(L, n, j, c), at(L, n, p, c));
      for (let c = 0; c < n; c++) swapF64(at(L, n, c, j), at(L, n, c, p));
      swapF64(perm + (<usize>j << 3), perm + (<usize>p << 3));
    }
    const ljj = Math.sqrt(dp);
    store<f64>(at(L, n, j, j), ljj);
    for (let i = j + 1; i < n; i++) store<f64>(at(L, n, i, j), load<f64>(at(L, n, i, j)) / ljj);
    // Trailing block, kept symmetric (both triangles) so later pivots can swap whole rows and columns.
    for (let i = j + 1; i < n; i++) {
      const lij = load<f64>(at(L, n, i, j));
      for (let c = j + 1; c <= i; c++) {
        const v = load<f64>(at(L, n, i, c)) - lij * load<f64>(at(L, n, c, j));
        store<f64>(at(L, n, i, c), v);
        store<f64>(at(L, n, c, i), v);
      }
    }
    r = j + 1;
  }
  return r;
}

/** F (r×k) = Lᵀ PᵀD for D n×k. */
function factorRows(n: i32, r: i32, k: i32, L: usize, perm: usize, D: usize, F: usize): void {
  const kRow = <usize>k << 3;
  memory.fill(F, 0, <usize>r * kRow);
  for (let j = 0; j < n; j++) {
    const dj = D + <usize>(<i32>load<f64>(perm + (<usize>j << 3))) * kRow;
    const cEnd = min(j + 1, r);
    for (let c = 0; c < cEnd; c++) {
      const l = load<f64>(at(L, n, j, c));
      const fc = F + <usize>c * kRow;
      for (let q = 0; q < k; q++) store<f64>(fc + (<usize>q << 3), load<f64>(fc + (<usize>q << 3)) + l * load<f64>(dj + (<usize>q << 3)));
    }
  }
}

/**
 * B (n×k) with XᵀB = ∇K(XᵀD) for spectral {eps}, and returns K(XᵀD). F and PF are n×k
 * work buffers, scratch has precondScratchLen(spectral, n, k) doubles.
 */
export function spectralRowStep(n: i32, r: i32, k: i32, L: usize, perm: usize, D: usize, F: usize, PF: usize, B: usize, eps: f64, scratch: usize): f64 {
  const kRow = <usize>k << 3;
  memory.fill(B, 0, <usize>n * kRow);
  if (r == 0) return <f64>k * eps; // X = 0: G = 0
  factorRows(n, r, k, L, perm, D, F);
  const K = spectralValue(r, k, F, eps, scratch);
  spectralGrad(r, k, F, PF, eps, scratch);
  // L₁ᵀ Z = ∇K(F) by back substitution (L₁ᵀ upper triangular), Z in place of PF.
  for (let c = r - 1; c >= 0; c--) {
    const zc = PF + <usize>c * kRow;
    for (let j = c + 1; j < r; j++) {
      const l = load<f64>(at(L, n, j, c));
      const zj = PF + <usize>j * kRow;
      for (let q = 0; q < k; q++) store<f64>(zc + (<usize>q << 3), load<f64>(zc + (<usize>q << 3)) - l * load<f64>(zj + (<usize>q << 3)));
    }
    const inv = 1.0 / load<f64>(at(L, n, c, c));
    const bc = B + <usize>(<i32>load<f64>(perm + (<usize>c << 3))) * kRow;
    for (let q = 0; q < k; q++) {
      const z = load<f64>(zc + (<usize>q << 3)) * inv;
      store<f64>(zc + (<usize>q << 3), z);
      store<f64>(bc + (<usize>q << 3), z);
    }
  }
  return K;
}

/** K(XᵀD) for spectral {eps} (buffers as spectralRowStep). */
export function spectralRowValue(n: i32, r: i32, k: i32, L: usize, perm: usize, D: usize, F: usize, eps: f64, scratch: usize): f64 {
  if (r == 0) return <f64>k * eps;
  factorRows(n, r, k, L, perm, D, F);
  return spectralValue(r, k, F, eps, scratch);
}
