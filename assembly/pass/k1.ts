// The pass over X for one label column (k = 1): R = X·w − Y, D = scale·∇ℓ(R), G = Xᵀ·D and
// the stats, as residual_grad.ts computes them, bit for bit, in about two thirds of the time
// (W1, 100×1000: 21 µs instead of 32, V8 11.3 on Zen 5).
//
// Why a pass of its own: with k = 1 the general pass (four-row blocks of kernels/rows4.ts)
// is bound by the add latency of its four dot-product chains and by the instructions around
// each multiply-add (row addresses, G loaded and stored every four rows), not by the
// multiply-adds. Here, per chunk of rows small enough to stay in L2:
//  1. X·w eight rows at a time: eight independent accumulators, each row's address one add
//     from the previous row's (a loop of load, mul, add per row and little else), the lane
//     sums two rows per f64x2 add;
//  2. the residual, ℓ and D row by row (squared loss inline; the others through lossRow);
//  3. G += X_chunkᵀ·D_chunk by column tiles: twelve pairs of G entries stay in registers
//     while the chunk's rows go by, so G is read and written once per chunk, each row of a
//     tile is one address, and there are twelve independent chains.
// Bits: each row's dot product keeps exactly the accumulator of rows4Dot/dotPairs (one
// f64x2 over the (even, odd) pairs of j in j order, its lanes summed, then the odd column),
// and each G entry gets its rows' terms added one at a time in row order, paired entries
// with madd and the odd column with a scalar multiply and add, as rows4AddOuter/addOuter1
// do. Blocks and chunks change neither, so every output equals residualGradRows on the same
// rows in the simd build and in the fma build alike (both use madd in the same places).
// Several runs on the same X (solveBatch, sweeps): residualGrad1Batch runs the same chunks,
// every run per chunk while the chunk is in L2, so each run keeps these blocks and tiles.
// Contract and shapes: residualGrad1Rows and residualGrad1Batch below; tested against
// residualGradRows and a plain reference in test/kernels-k1.test.ts.
import { madd } from "../kernels/madd";
import { zero } from "../kernels/dot";
import { dotPairs, rows4Dot } from "../kernels/rows4";
import { BATCH_D, BATCH_G, BATCH_LOSS_ID, BATCH_LOSS_PARAM, BATCH_R, BATCH_RECORD_DOUBLES, BATCH_SCALE, BATCH_STATS, BATCH_W, LOSS_SQUARED } from "../abi";
import { squaredValue, squaredGrad } from "../losses/squared";
import { passLossRow } from "./loss_row";

/** Bytes of X per chunk: the rows the G step reads again should still be in L2. */
const CHUNK_BYTES: usize = 256 << 10;

/**
 * residualGradRows for k = 1 (same contract, same bits): rows [i0, i1) of X (row-major,
 * d columns), Y, R and D (n-vectors; pointers are to the whole arrays); w and G are
 * d-vectors. G is overwritten with Σ_{i0≤i<i1} x_iᵀ·D_i, stats (f64[2]) with [scale·ℓ, ‖R‖²]
 * of those rows, summed in row order. lossId/lossParam/scale as in residual_grad.ts.
 * Allocates nothing.
 */
export function residualGrad1Rows(
  i0: i32, i1: i32, d: i32,
  X: usize, w: usize, Y: usize, G: usize, R: usize, D: usize,
  lossId: i32, lossParam: f64, scale: f64, stats: usize,
): void {
  zero(d, G);
  store<f64>(stats, 0);
  store<f64>(stats, 0, 8);
  const per = chunkRows1(d);
  for (let c0 = i0; c0 < i1; c0 += per) chunk1(c0, min(i1, c0 + per), d, X, w, Y, G, R, D, lossId, lossParam, scale, stats);
}

/**
 * residualGradBatch for k = 1: `count` runs on the same rows [i0, i1) of X, each with its
 * record in `table` (abi.ts BATCH_*), each run's outputs bit-identical to residualGrad1Rows.
 * Chunk by chunk, every run does its share while the chunk of X is in L2, so X comes from
 * memory once per chunk for all runs and each run keeps the blocks and tiles of the k = 1 pass
 * (the general batch pass, four-row blocks, took 1.3–1.6× the time of separate runs at k = 1).
 */
export function residualGrad1Batch(i0: i32, i1: i32, d: i32, X: usize, Y: usize, count: i32, table: usize): void {
  const recBytes = <usize>BATCH_RECORD_DOUBLES << 3;
  for (let b = 0; b < count; b++) {
    const rec = table + <usize>b * recBytes;
    zero(d, <usize>load<f64>(rec, BATCH_G));
    const st = <usize>load<f64>(rec, BATCH_STATS);
    store<f64>(st, 0);
    store<f64>(st, 0, 8);
  }
  const per = chunkRows1(d);
  for (let c0 = i0; c0 < i1; c0 += per) {
    const c1 = min(i1, c0 + per);
    for (let b = 0; b < count; b++) {
      const rec = table + <usize>b * recBytes;
      chunk1(c0, c1, d, X, <usize>load<f64>(rec, BATCH_W), Y, <usize>load<f64>(rec, BATCH_G), <usize>load<f64>(rec, BATCH_R),
        <usize>load<f64>(rec, BATCH_D), <i32>load<f64>(rec, BATCH_LOSS_ID), load<f64>(rec, BATCH_LOSS_PARAM), load<f64>(rec, BATCH_SCALE),
        <usize>load<f64>(rec, BATCH_STATS));
    }
  }
}

/** Rows per chunk: CHUNK_BYTES of X, a multiple of 8, at least 8. */
@inline function chunkRows1(d: i32): i32 {
  return <i32>max<usize>(8, (CHUNK_BYTES / max<usize>(<usize>d << 3, 1)) & ~7);
}

/**
 * Rows [c0, c1) of the pass for one run: R and D of those rows, G += their terms, and their
 * loss and ‖R‖² added to stats[0..2) in row order (stats carried from chunk to chunk in memory:
 * a stored f64 reloads exactly, so the sums are those of one running total). Two call sites,
 * so binaryen leaves it a function (see rows8Dot).
 */
function chunk1(
  c0: i32, c1: i32, d: i32,
  X: usize, w: usize, Y: usize, G: usize, R: usize, D: usize,
  lossId: i32, lossParam: f64, scale: f64, stats: usize,
): void {
  const xRow = <usize>d << 3;
  let lossSum = load<f64>(stats), rr = load<f64>(stats, 8);
  let i = c0;
  // rows8Dot and gradTile12 each have two call sites (or more) on purpose: binaryen inlines
  // a function with one caller, and inlined into the loops around them V8 (11.3) hoisted
  // their loads and spilled accumulators, which cost more than this pass gains.
  for (; i + 16 <= c1; i += 16) {
    dot8(d, X, xRow, w, R, D, i);
    dot8(d, X, xRow, w, R, D, i + 8);
  }
  if (i + 8 <= c1) {
    dot8(d, X, xRow, w, R, D, i);
    i += 8;
  }
  if (i + 4 <= c1) {
    rows4Dot(d, X + <usize>i * xRow, xRow, w, R + (<usize>i << 3));
    i += 4;
  }
  for (; i < c1; i++) store<f64>(R + (<usize>i << 3), dotPairs(d, X + <usize>i * xRow, w));
  // Residual, ‖R‖² and the loss, row by row in row order.
  for (let r = c0; r < c1; r++) {
    const o = <usize>r << 3;
    const v = load<f64>(R + o) - load<f64>(Y + o);
    store<f64>(R + o, v);
    rr += v * v;
    if (lossId == LOSS_SQUARED) {
      // lossRow's arithmetic for squared, k = 1: s = 0 + ½v², D = scale·v, value scale·s.
      store<f64>(D + o, scale * squaredGrad(v));
      let s: f64 = 0;
      s += squaredValue(v);
      lossSum += scale * s;
    } else {
      lossSum += passLossRow(lossId, lossParam, R + o, D + o, 1, scale);
    }
  }
  gradChunk(c1 - c0, d, X + <usize>c0 * xRow, xRow, D + (<usize>c0 << 3), G);
  store<f64>(stats, lossSum);
  store<f64>(stats, rr, 8);
}

/** R[i..i+8) = rows i..i+8 of X times w (D[i..i+8) as scratch). */
@inline function dot8(d: i32, X: usize, xRow: usize, w: usize, R: usize, D: usize, i: i32): void {
  const x = X + <usize>i * xRow, lo = R + (<usize>i << 3), hi = D + (<usize>i << 3);
  rows8Dot(d, x, xRow, w, lo, hi);
  rows8Finish(d, x, xRow, w, lo, hi);
}

/**
 * The pair accumulators of x_r · w for the eight rows x_r = x + r·xStride (bytes), r < 8, over
 * the pairs (j, j+1) of even j < d (the odd last column is left to rows8Finish): rows 0–3 as
 * four f64x2 at lo, rows 4–7 at hi (64 bytes each). Each accumulator is that of dotPairs.
 * The lane sums are not done here: done after the loop they made V8 hoist the loop's loads
 * and spill two accumulators.
 */
export function rows8Dot(d: i32, x: usize, xStride: usize, w: usize, lo: usize, hi: usize): void {
  let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0);
  let a4 = f64x2.splat(0), a5 = f64x2.splat(0), a6 = f64x2.splat(0), a7 = f64x2.splat(0);
  const end = <usize>(d >> 1) << 4;
  for (let o: usize = 0; o < end; o += 16) {
    // Each row's address is one add from the previous row's: few registers live across the
    // loop (eight row pointers would be spilled by the engine and reloaded every trip).
    let p = x + o;
    const wv = v128.load(w + o);
    a0 = madd(v128.load(p), wv, a0); p += xStride;
    a1 = madd(v128.load(p), wv, a1); p += xStride;
    a2 = madd(v128.load(p), wv, a2); p += xStride;
    a3 = madd(v128.load(p), wv, a3); p += xStride;
    a4 = madd(v128.load(p), wv, a4); p += xStride;
    a5 = madd(v128.load(p), wv, a5); p += xStride;
    a6 = madd(v128.load(p), wv, a6); p += xStride;
    a7 = madd(v128.load(p), wv, a7);
  }
  v128.store(lo, a0); v128.store(lo, a1, 16); v128.store(lo, a2, 32); v128.store(lo, a3, 48);
  v128.store(hi, a4); v128.store(hi, a5, 16); v128.store(hi, a6, 32); v128.store(hi, a7, 48);
}

/**
 * After rows8Dot(d, x, xStride, w, lo, hi): lo[0..8) = x_r · w for r < 8 (hi is left as scratch):
 * each row's lanes summed (lane 0 + lane 1), then its odd last column added, as dotPairs.
 */
@inline function rows8Finish(d: i32, x: usize, xStride: usize, w: usize, lo: usize, hi: usize): void {
  const v0 = v128.load(lo), v1 = v128.load(lo, 16), v2 = v128.load(lo, 32), v3 = v128.load(lo, 48);
  const u0 = v128.load(hi), u1 = v128.load(hi, 16), u2 = v128.load(hi, 32), u3 = v128.load(hi, 48);
  v128.store(lo, pairSums(v0, v1));
  v128.store(lo, pairSums(v2, v3), 16);
  v128.store(lo, pairSums(u0, u1), 32);
  v128.store(lo, pairSums(u2, u3), 48);
  if ((d & 1) != 0) {
    const o = <usize>(d - 1) << 3;
    const wv = load<f64>(w + o);
    let p = x + o;
    for (let r: usize = 0; r < 64; r += 8) {
      store<f64>(lo + r, load<f64>(lo + r) + load<f64>(p) * wv);
      p += xStride;
    }
  }
}

/** [a₀ + a₁, b₀ + b₁] for lanes a₀, a₁ of a and b₀, b₁ of b: each row's lanes summed as extract_lane(a, 0) + extract_lane(a, 1). */
@inline function pairSums(a: v128, b: v128): v128 {
  return f64x2.add(i64x2.shuffle(a, b, 0, 2), i64x2.shuffle(a, b, 1, 3));
}

/**
 * G[j] += Σ_{r<nr} g[r]·x_r[j] for j < d, x_r = x + r·xStride, g nr doubles: each entry's
 * terms added one at a time in row order (madd on the pairs (j, j+1) of even j, a scalar
 * multiply and add on the odd last column), as rows4AddOuter and addOuter1 add them.
 */
export function gradChunk(nr: i32, d: i32, x: usize, xStride: usize, g: usize, G: usize): void {
  const pairs = d >> 1;
  let t = 0;
  // Two call sites of gradTile12: see residualGrad1Rows.
  for (; t + 24 <= pairs; t += 24) {
    gradTile12(nr, x + (<usize>t << 4), xStride, g, G + (<usize>t << 4));
    gradTile12(nr, x + (<usize>(t + 12) << 4), xStride, g, G + (<usize>(t + 12) << 4));
  }
  if (t + 12 <= pairs) {
    gradTile12(nr, x + (<usize>t << 4), xStride, g, G + (<usize>t << 4));
    t += 12;
  }
  for (; t + 4 <= pairs; t += 4) gradTile4(nr, x + (<usize>t << 4), xStride, g, G + (<usize>t << 4));
  for (; t < pairs; t++) gradTile1(nr, x + (<usize>t << 4), xStride, g, G + (<usize>t << 4));
  if ((d & 1) != 0) {
    const o = <usize>(d - 1) << 3;
    let s = load<f64>(G + o);
    let p = x + o;
    for (let r = 0; r < nr; r++) {
      s += load<f64>(g + (<usize>r << 3)) * load<f64>(p);
      p += xStride;
    }
    store<f64>(G + o, s);
  }
}

/** gradChunk on twelve pairs of columns (24 entries of G at G, from column x of each row). */
function gradTile12(nr: i32, x: usize, xStride: usize, g: usize, G: usize): void {
  let a0 = v128.load(G), a1 = v128.load(G, 16), a2 = v128.load(G, 32), a3 = v128.load(G, 48);
  let a4 = v128.load(G, 64), a5 = v128.load(G, 80), a6 = v128.load(G, 96), a7 = v128.load(G, 112);
  let a8 = v128.load(G, 128), a9 = v128.load(G, 144), a10 = v128.load(G, 160), a11 = v128.load(G, 176);
  const end = g + (<usize>nr << 3);
  let p = x;
  for (let q = g; q < end; q += 8) {
    const dv = v128.load64_splat(q);
    a0 = madd(dv, v128.load(p), a0);
    a1 = madd(dv, v128.load(p, 16), a1);
    a2 = madd(dv, v128.load(p, 32), a2);
    a3 = madd(dv, v128.load(p, 48), a3);
    a4 = madd(dv, v128.load(p, 64), a4);
    a5 = madd(dv, v128.load(p, 80), a5);
    a6 = madd(dv, v128.load(p, 96), a6);
    a7 = madd(dv, v128.load(p, 112), a7);
    a8 = madd(dv, v128.load(p, 128), a8);
    a9 = madd(dv, v128.load(p, 144), a9);
    a10 = madd(dv, v128.load(p, 160), a10);
    a11 = madd(dv, v128.load(p, 176), a11);
    p += xStride;
  }
  v128.store(G, a0); v128.store(G, a1, 16); v128.store(G, a2, 32); v128.store(G, a3, 48);
  v128.store(G, a4, 64); v128.store(G, a5, 80); v128.store(G, a6, 96); v128.store(G, a7, 112);
  v128.store(G, a8, 128); v128.store(G, a9, 144); v128.store(G, a10, 160); v128.store(G, a11, 176);
}

/** gradChunk on four pairs of columns. */
function gradTile4(nr: i32, x: usize, xStride: usize, g: usize, G: usize): void {
  let a0 = v128.load(G), a1 = v128.load(G, 16), a2 = v128.load(G, 32), a3 = v128.load(G, 48);
  const end = g + (<usize>nr << 3);
  let p = x;
  for (let q = g; q < end; q += 8) {
    const dv = v128.load64_splat(q);
    a0 = madd(dv, v128.load(p), a0);
    a1 = madd(dv, v128.load(p, 16), a1);
    a2 = madd(dv, v128.load(p, 32), a2);
    a3 = madd(dv, v128.load(p, 48), a3);
    p += xStride;
  }
  v128.store(G, a0); v128.store(G, a1, 16); v128.store(G, a2, 32); v128.store(G, a3, 48);
}

/** gradChunk on one pair of columns. */
function gradTile1(nr: i32, x: usize, xStride: usize, g: usize, G: usize): void {
  let a = v128.load(G);
  const end = g + (<usize>nr << 3);
  let p = x;
  for (let q = g; q < end; q += 8) {
    a = madd(v128.load64_splat(q), v128.load(p), a);
    p += xStride;
  }
  v128.store(G, a);
}
