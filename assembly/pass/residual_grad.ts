// The iteration's only O(n·d·k) work, fused into one pass over X:
//   R = X·W − Y,  D = scale·∇ℓ(R),  G = Xᵀ·D,  plus ℓ(R) and ‖R‖²_F.
// Rows of X go four at a time (kernels/rows4.ts): a block is read from memory once and
// reused from cache for both its product with W and its contribution to G,
// and W and G are reused four times per load, which is what bounds the speed.
import { passLossRow } from "./loss_row";
import {
  BATCH_RECORD_DOUBLES, BATCH_W, BATCH_G, BATCH_R, BATCH_D, BATCH_STATS, BATCH_LOSS_ID, BATCH_LOSS_PARAM, BATCH_SCALE,
} from "../abi";
import { zero } from "../kernels/dot";
import { addOuter, addOuter1 } from "../kernels/rows";
import { rowBlockTimesW, rows4AddOuter } from "../kernels/rows4";
import { residualGrad1Batch, residualGrad1Rows } from "./k1";

/**
 * Shapes (all row-major, contiguous): X n×d, W d×k, Y n×k, G d×k (out),
 * R n×k (out: residual), D n×k (out: scaled loss gradient).
 * stats (out, f64[2]): [0] = scale·ℓ(R), [1] = ‖R‖²_F.
 * lossId/lossParam: see losses/index.ts; scale = 1 (sum) or 1/n (mean).
 */
export function residualGrad(
  n: i32, d: i32, k: i32,
  X: usize, W: usize, Y: usize, G: usize, R: usize, D: usize,
  lossId: i32, lossParam: f64, scale: f64, stats: usize,
): void {
  residualGradRows(0, n, d, k, X, W, Y, G, R, D, lossId, lossParam, scale, stats);
}

/**
 * The same pass restricted to rows [i0, i1) of X, Y, R and D (pointers are to the
 * whole arrays): G (d×k) is overwritten with Σ_{i0≤i<i1} x_iᵀ·D_i and stats with
 * the loss and ‖R‖² of those rows. Rows of R and D are bit-identical to the whole
 * pass whatever the range, so a caller may split rows into chunks (threads) and
 * add the chunks' G in a fixed order.
 */
export function residualGradRows(
  i0: i32, i1: i32, d: i32, k: i32,
  X: usize, W: usize, Y: usize, G: usize, R: usize, D: usize,
  lossId: i32, lossParam: f64, scale: f64, stats: usize,
): void {
  // One label column: the pass of k1.ts (same bits, blocks of eight rows and column tiles).
  if (k == 1) {
    residualGrad1Rows(i0, i1, d, X, W, Y, G, R, D, lossId, lossParam, scale, stats);
    return;
  }
  zero(d * k, G);
  store<f64>(stats, 0);
  store<f64>(stats, 0, 8);
  for (let i = i0; i < i1; ) {
    const rows = i1 - i >= 4 ? 4 : 1;
    rowBlock(rows, i, d, k, X, W, Y, G, R, D, lossId, lossParam, scale, stats);
    i += rows;
  }
}

/**
 * Several runs on the same X in one pass: for each block of rows, every run's
 * share is done while the block is in cache. `table` holds `count` records of
 * BATCH_RECORD_DOUBLES f64 (pointers and numbers as doubles; field offsets in abi.ts):
 * W, G, R, D, stats, lossId, lossParam, scale. Each run's outputs are bit-identical to residualGradRows
 * on the same rows (same blocks, same order).
 */
export function residualGradBatch(i0: i32, i1: i32, d: i32, k: i32, X: usize, Y: usize, count: i32, table: usize): void {
  // One label column: the k = 1 pass chunk by chunk, every run per chunk (k1.ts).
  if (k == 1) {
    residualGrad1Batch(i0, i1, d, X, Y, count, table);
    return;
  }
  const recBytes = <usize>BATCH_RECORD_DOUBLES << 3;
  for (let b = 0; b < count; b++) {
    const rec = table + <usize>b * recBytes;
    zero(d * k, <usize>load<f64>(rec, BATCH_G));
    const st = <usize>load<f64>(rec, BATCH_STATS);
    store<f64>(st, 0);
    store<f64>(st, 0, 8);
  }
  for (let i = i0; i < i1; ) {
    const rows = i1 - i >= 4 ? 4 : 1;
    for (let b = 0; b < count; b++) {
      const rec = table + <usize>b * recBytes;
      rowBlock(rows, i, d, k, X, <usize>load<f64>(rec, BATCH_W), Y, <usize>load<f64>(rec, BATCH_G), <usize>load<f64>(rec, BATCH_R),
        <usize>load<f64>(rec, BATCH_D), <i32>load<f64>(rec, BATCH_LOSS_ID), load<f64>(rec, BATCH_LOSS_PARAM), load<f64>(rec, BATCH_SCALE),
        <usize>load<f64>(rec, BATCH_STATS));
    }
    i += rows;
  }
}

/** Rows [i, i + rows) (rows = 4 or 1) of the fused pass; adds their loss and ‖R‖² into stats[0..2). */
@inline function rowBlock(
  rows: i32, i: i32, d: i32, k: i32,
  X: usize, W: usize, Y: usize, G: usize, R: usize, D: usize,
  lossId: i32, lossParam: f64, scale: f64, stats: usize,
): void {
  const xRow = <usize>d << 3;
  const kRow = <usize>k << 3;
  const xi = X + <usize>i * xRow;
  const ri = R + <usize>i * kRow;
  const di = D + <usize>i * kRow;
  const yi = Y + <usize>i * kRow;
  rowBlockTimesW(rows, d, k, xi, xRow, W, ri);
  let rr = load<f64>(stats, 8);
  const m = rows * k;
  for (let c = 0; c < m; c++) {
    const o = <usize>c << 3;
    const v = load<f64>(ri + o) - load<f64>(yi + o);
    store<f64>(ri + o, v);
    rr += v * v;
  }
  store<f64>(stats, rr, 8);
  let lossSum = load<f64>(stats);
  for (let r = 0; r < rows; r++) {
    const o = <usize>r * kRow;
    lossSum += passLossRow(lossId, lossParam, ri + o, di + o, k, scale);
  }
  store<f64>(stats, lossSum);
  if (rows == 4) {
    rows4AddOuter(d, k, xi, xRow, di, G);
  } else if (k == 1) {
    addOuter1(d, load<f64>(di), xi, G);
  } else {
    addOuter(d, k, xi, di, G);
  }
}

/** dst[0..2) += src[2c..2c+2) for c < count, in order (stats of row chunks). */
export function sumStats(count: i32, src: usize, dst: usize): void {
  let a = load<f64>(dst), b = load<f64>(dst, 8);
  for (let c = 0; c < count; c++) {
    a += load<f64>(src + (<usize>c << 4));
    b += load<f64>(src + (<usize>c << 4), 8);
  }
  store<f64>(dst, a);
  store<f64>(dst, b, 8);
}
