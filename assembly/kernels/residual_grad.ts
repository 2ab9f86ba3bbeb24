// The iteration's only O(n·d·k) work, fused into one pass over X:
//   R = X·W − Y,  D = scale·∇ℓ(R),  G = Xᵀ·D,  plus ℓ(R) and ‖R‖²_F.
// Row i of X is read from memory once and reused from cache for both its
// product with W and its contribution to G, which is what bounds the speed.
import { lossRow } from "../losses/index";
import { dot, axpy, zero } from "./dot";
import { rowTimesW, addOuter } from "./rows";

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
  zero(d * k, G);
  const xRow = <usize>d << 3;
  const kRow = <usize>k << 3;
  let lossSum: f64 = 0;
  let rr: f64 = 0;
  for (let i = 0; i < n; i++) {
    const xi = X + <usize>i * xRow;
    const ri = R + <usize>i * kRow;
    const di = D + <usize>i * kRow;
    const yi = Y + <usize>i * kRow;
    if (k == 1) {
      store<f64>(ri, dot(d, xi, W) - load<f64>(yi));
    } else {
      rowTimesW(d, k, xi, W, ri);
      for (let c = 0; c < k; c++) {
        const o = <usize>c << 3;
        store<f64>(ri + o, load<f64>(ri + o) - load<f64>(yi + o));
      }
    }
    for (let c = 0; c < k; c++) {
      const v = load<f64>(ri + (<usize>c << 3));
      rr += v * v;
    }
    lossSum += lossRow(lossId, lossParam, ri, di, k, scale);
    if (k == 1) {
      axpy(d, load<f64>(di), xi, G);
    } else {
      addOuter(d, k, xi, di, G);
    }
  }
  store<f64>(stats, lossSum);
  store<f64>(stats, rr, 8);
}
