// The pass of residual_grad.ts split in two, so that threads can share it on a grid that is
// finer than its row chunks and fixed by the shape alone:
//   1. residualRows: R = X·W − Y on any set of row pieces (each row's bits do not depend on
//      the piece it falls in, as in the fused pass);
//   2. lossRows: ∇ℓ, ℓ and ‖R‖² for one row chunk, rows in order (O(n·k), one thread);
//   3. gradPanel: G = Xᵀ·D for a panel of rows [j0, j1) of G, over every row chunk: each
//      chunk's share accumulated from zero in row order, the chunks added in chunk order.
// Every entry of R, D, G and the stats gets exactly the operations of the fused pass with
// the same chunks, in the same order, so the results are bit-identical to it whatever the
// pieces and panels and however they are spread over threads. The price is a second read
// of X (the fused pass reads each block of rows once for both products).
import { addOuter, addOuter1 } from "../kernels/rows";
import { rowBlockTimesW, rows4AddOuter } from "../kernels/rows4";
import { passLossRow } from "./loss_row";

/**
 * R rows [i0, i1) = X·W − Y (rows in blocks of four from i0, then one at a time, as the
 * fused pass; a row's result does not depend on its block).
 */
export function residualRows(i0: i32, i1: i32, d: i32, k: i32, X: usize, W: usize, Y: usize, R: usize): void {
  const xRow = <usize>d << 3;
  const kRow = <usize>k << 3;
  for (let i = i0; i < i1; ) {
    const rows = i1 - i >= 4 ? 4 : 1;
    const xi = X + <usize>i * xRow;
    const ri = R + <usize>i * kRow;
    const yi = Y + <usize>i * kRow;
    rowBlockTimesW(rows, d, k, xi, xRow, W, ri);
    const m = rows * k;
    for (let c = 0; c < m; c++) {
      const o = <usize>c << 3;
      store<f64>(ri + o, load<f64>(ri + o) - load<f64>(yi + o));
    }
    i += rows;
  }
}

/**
 * For rows [i0, i1) of R (already X·W − Y): D = scale·∇ℓ(R), and stats (f64[2], overwritten)
 * = [scale·ℓ, ‖R‖²] summed in row order, as the fused pass sums one chunk.
 */
export function lossRows(i0: i32, i1: i32, k: i32, R: usize, D: usize, lossId: i32, lossParam: f64, scale: f64, stats: usize): void {
  const kRow = <usize>k << 3;
  let rr: f64 = 0, lossSum: f64 = 0;
  for (let i = i0; i < i1; i++) {
    const ri = R + <usize>i * kRow;
    for (let c = 0; c < k; c++) {
      const v = load<f64>(ri + (<usize>c << 3));
      rr += v * v;
    }
    lossSum += passLossRow(lossId, lossParam, ri, D + <usize>i * kRow, k, scale);
  }
  store<f64>(stats, lossSum);
  store<f64>(stats, rr, 8);
}

/**
 * Rows [j0, j1) of G (d×k) = Σ over the row chunks c < C (rows [c·per, min(n, (c+1)·per)))
 * of X_cᵀ·D_c, each chunk accumulated from zero in row order (blocks of four, then single
 * rows, as the fused pass), chunk 0 in place, the others in `scratch` ((j1 − j0)·k doubles)
 * and then added in chunk order. j0 must be even (k = 1 pairs entries over j as the fused
 * pass does, which matters for the fma build).
 */
export function gradPanel(n: i32, per: i32, C: i32, j0: i32, j1: i32, d: i32, k: i32, X: usize, D: usize, G: usize, scratch: usize): void {
  const xRow = <usize>d << 3;
  const kRow = <usize>k << 3;
  const w = j1 - j0;
  const len = w * k;
  const g0 = G + <usize>j0 * kRow;
  const xj = X + (<usize>j0 << 3);
  for (let c = 0; c < C; c++) {
    const i0 = c * per;
    const i1 = min(n, i0 + per);
    const T = c == 0 ? g0 : scratch;
    memory.fill(T, 0, <usize>len << 3);
    for (let i = i0; i < i1; ) {
      const rows = i1 - i >= 4 ? 4 : 1;
      const xi = xj + <usize>i * xRow;
      const di = D + <usize>i * kRow;
      if (rows == 4) rows4AddOuter(w, k, xi, xRow, di, T);
      else if (k == 1) addOuter1(w, load<f64>(di), xi, T);
      else addOuter(w, k, xi, di, T);
      i += rows;
    }
    // G += partial, as the fused pass's chunk reduction (axpy with alpha = 1) adds it.
    if (c > 0) {
      let t = 0;
      for (; t + 2 <= len; t += 2) {
        const o = <usize>t << 3;
        v128.store(g0 + o, f64x2.add(v128.load(g0 + o), v128.load(scratch + o)));
      }
      if (t < len) {
        const o = <usize>t << 3;
        store<f64>(g0 + o, load<f64>(g0 + o) + load<f64>(scratch + o));
      }
    }
  }
}
