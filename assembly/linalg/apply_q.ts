// Products with the orthogonal factor of lqFactor, Q = H_0·H_1 ⋯ H_{r−1}, without
// ever forming Q: r reflections of a len×k matrix cost 4·r·len·k flops against
// len²·k for a formed Q, and need no len×len storage.
import { reflectLeft } from "./householder";

/**
 * M ← Q·M = H_0·(H_1·(⋯ H_{r−1}·M)), M len×k row-major.
 * A, tau: the reflectors as lqFactor leaves them, A with row stride len
 * (reflector j is the slice A[j, j..len)). w: k doubles of scratch.
 * With M = [Z; 0] this is Q1·Z, Q1 the first r columns of Q.
 */
export function lqApplyQ(len: i32, k: i32, r: i32, A: usize, tau: usize, M: usize, w: usize): void {
  const kRow = <usize>k << 3;
  for (let j = r - 1; j >= 0; j--) {
    const v = A + (<usize>j * <usize>len + <usize>j) * 8;
    reflectLeft(len - j, k, load<f64>(tau + (<usize>j << 3)), v, M + <usize>j * kRow, w);
  }
}

/**
 * M ← Qᵀ·M = H_{r−1}·(⋯ H_0·M), M len×k row-major; same storage as lqApplyQ.
 * Rows 0..r of the result are Q1ᵀM (coordinates in the row space of the factored
 * matrix), rows r..len the coordinates in its orthogonal complement.
 */
export function lqApplyQt(len: i32, k: i32, r: i32, A: usize, tau: usize, M: usize, w: usize): void {
  const kRow = <usize>k << 3;
  for (let j = 0; j < r; j++) {
    const v = A + (<usize>j * <usize>len + <usize>j) * 8;
    reflectLeft(len - j, k, load<f64>(tau + (<usize>j << 3)), v, M + <usize>j * kRow, w);
  }
}
