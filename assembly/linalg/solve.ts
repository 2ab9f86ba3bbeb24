// Triangular solves and row gathers on the factors of lqFactor. The triangle L
// lives in the rows of the factored matrix (L[i, j] at A[i·lda + j], j < i) with
// its diagonal apart (diag), because lqFactor keeps the reflectors' unit entries
// on the diagonal. Both solves work on whole rows of the right-hand side, so
// k ≥ 2 runs on f64x2 lanes over columns and k = 1 on contiguous dots/axpys.
import { dot, axpy } from "../kernels/dot";
import { rowTimesW, addOuter } from "../kernels/rows";
import { scal } from "../kernels/scale";

/**
 * C ← L⁻¹·C (forward substitution), L m×m lower triangular as above, C m×k row-major.
 * w: k doubles of scratch. diag must have no zero (guaranteed for the first r rows
 * of a pivoted factorization of numerical rank r).
 */
export function triSolveLower(m: i32, k: i32, A: usize, lda: i32, diag: usize, C: usize, w: usize): void {
  const kRow = <usize>k << 3;
  const aRow = <usize>lda << 3;
  for (let i = 0; i < m; i++) {
    const li = A + <usize>i * aRow;
    const ci = C + <usize>i * kRow;
    const dii = load<f64>(diag + (<usize>i << 3));
    if (k == 1) {
      store<f64>(ci, (load<f64>(ci) - dot(i, li, C)) / dii);
      continue;
    }
    if (i > 0) {
      rowTimesW(i, k, li, C, w); // w = L[i, 0..i) · Z[0..i, :]
      for (let c = 0; c < k; c++) {
        const o = <usize>c << 3;
        store<f64>(ci + o, (load<f64>(ci + o) - load<f64>(w + o)) / dii);
      }
    } else {
      for (let c = 0; c < k; c++) {
        const o = <usize>c << 3;
        store<f64>(ci + o, load<f64>(ci + o) / dii);
      }
    }
  }
}

/**
 * C[0..m) ← L⁻ᵀ·C[0..m) (back substitution with Lᵀ), same storage as triSolveLower.
 * Column-oriented: once row i of the solution is known, its contribution
 * L[i, 0..i)ᵀ·z_i is removed from the rows above, and L[i, 0..i) is contiguous.
 */
export function triSolveLowerT(m: i32, k: i32, A: usize, lda: i32, diag: usize, C: usize, w: usize): void {
  const kRow = <usize>k << 3;
  const aRow = <usize>lda << 3;
  for (let i = m - 1; i >= 0; i--) {
    const li = A + <usize>i * aRow;
    const ci = C + <usize>i * kRow;
    const dii = load<f64>(diag + (<usize>i << 3));
    for (let c = 0; c < k; c++) {
      const o = <usize>c << 3;
      store<f64>(ci + o, load<f64>(ci + o) / dii);
    }
    if (i == 0) break;
    if (k == 1) {
      axpy(i, -load<f64>(ci), li, C);
    } else {
      memory.copy(w, ci, kRow);
      scal(k, -1.0, w);
      addOuter(i, k, li, w, C); // C[0..i, :] −= L[i, 0..i)ᵀ · z_i
    }
  }
}

/** C[i, :] = B[perm[i], :] for i < m (B, C row-major with k columns, perm m i32). */
export function lqGatherRows(m: i32, k: i32, perm: usize, B: usize, C: usize): void {
  const kRow = <usize>k << 3;
  for (let i = 0; i < m; i++) {
    memory.copy(C + <usize>i * kRow, B + <usize>load<i32>(perm + (<usize>i << 2)) * kRow, kRow);
  }
}

/**
 * Lt (r×m row-major) = L̃ᵀ, where L̃ (m×r) holds the first r columns of the pivoted
 * L of an m×d lqFactor (L̃[i, j] = diag[j] if i = j, A[i·d + j] if i > j, 0 if i < j).
 * Used when the numerical rank r is below m: X⁺ then needs the least-squares
 * solution of L̃·z = c, obtained from an LQ of the r×m matrix L̃ᵀ (contiguous rows again).
 */
export function lqLowerTranspose(m: i32, d: i32, r: i32, A: usize, diag: usize, Lt: usize): void {
  const aRow = <usize>d << 3;
  for (let j = 0; j < r; j++) {
    const row = Lt + <usize>j * (<usize>m << 3);
    memory.fill(row, 0, <usize>j << 3);
    store<f64>(row + (<usize>j << 3), load<f64>(diag + (<usize>j << 3)));
    for (let i = j + 1; i < m; i++) {
      store<f64>(row + (<usize>i << 3), load<f64>(A + <usize>i * aRow + (<usize>j << 3)));
    }
  }
}
