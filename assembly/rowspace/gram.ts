// The Gram matrix XXᵀ (n×n) of the data, for the row-space fast path.
//
// Every entry is a sum over column panels of one dot product of two rows of X,
// each accumulated the same way wherever it falls (one f64x2 accumulator over
// pairs of columns, its two lanes added, then the odd tail), and the lower
// triangle is a copy of the upper one, so the result is exactly symmetric and
// independent of the row blocking.

/** Columns of X per panel: a panel of the whole matrix (n·PANEL doubles) stays in cache while every pair of rows meets in it. */
const PANEL: i32 = 256;

/**
 * M (n×n, row-major) = X·Xᵀ for X n×d. The columns go in panels of PANEL (the
 * outer loop, so each panel is read from memory once); within a panel, rows of X
 * go four at a time against two, and each entry adds its panel's dot product to
 * M. The order of every sum is fixed by the shape alone.
 */
export function gramXXt(n: i32, d: i32, X: usize, M: usize): void {
  memory.fill(M, 0, <usize>n * <usize>n << 3);
  for (let c0 = 0; c0 < d; c0 += PANEL) {
    const w = min(PANEL, d - c0);
    gramPanel(n, d, X + (<usize>c0 << 3), w, M, false);
  }
}

/**
 * The lower triangle of X·Xᵀ, packed (row i, entries 0..i, from entry i(i+1)/2: n(n+1)/2
 * doubles), for the Cholesky factor (linalg/cholesky.ts). Every entry is the same sum, in
 * the same order, as in gramXXt.
 */
export function gramXXtPacked(n: i32, d: i32, X: usize, P: usize): void {
  memory.fill(P, 0, (<usize>n * <usize>(n + 1) / 2) << 3);
  for (let c0 = 0; c0 < d; c0 += PANEL) {
    const w = min(PANEL, d - c0);
    gramPanel(n, d, X + (<usize>c0 << 3), w, P, true);
  }
}

/** M += the Gram matrix of columns [c0, c0 + w) of X (X here points at column c0); packed: see gramXXtPacked. */
function gramPanel(n: i32, d: i32, X: usize, w: i32, M: usize, packed: bool): void {
  const xRow = <usize>d << 3;
  const mRow = <usize>n << 3;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const x0 = X + <usize>i * xRow, x1 = x0 + xRow, x2 = x1 + xRow, x3 = x2 + xRow;
    let j = i;
    for (; j + 2 <= n; j += 2) {
      const y0 = X + <usize>j * xRow, y1 = y0 + xRow;
      let a00 = f64x2.splat(0), a10 = f64x2.splat(0), a20 = f64x2.splat(0), a30 = f64x2.splat(0);
      let a01 = f64x2.splat(0), a11 = f64x2.splat(0), a21 = f64x2.splat(0), a31 = f64x2.splat(0);
      let c = 0;
      for (; c + 2 <= w; c += 2) {
        const o = <usize>c << 3;
        const u0 = v128.load(y0 + o), u1 = v128.load(y1 + o);
        const v0 = v128.load(x0 + o), v1 = v128.load(x1 + o), v2 = v128.load(x2 + o), v3 = v128.load(x3 + o);
        a00 = f64x2.add(a00, f64x2.mul(v0, u0)); a01 = f64x2.add(a01, f64x2.mul(v0, u1));
        a10 = f64x2.add(a10, f64x2.mul(v1, u0)); a11 = f64x2.add(a11, f64x2.mul(v1, u1));
        a20 = f64x2.add(a20, f64x2.mul(v2, u0)); a21 = f64x2.add(a21, f64x2.mul(v2, u1));
        a30 = f64x2.add(a30, f64x2.mul(v3, u0)); a31 = f64x2.add(a31, f64x2.mul(v3, u1));
      }
      put(M, mRow, packed, i, j, finish(a00, c, w, x0, y0));
      put(M, mRow, packed, i + 1, j, finish(a10, c, w, x1, y0));
      put(M, mRow, packed, i + 2, j, finish(a20, c, w, x2, y0));
      put(M, mRow, packed, i + 3, j, finish(a30, c, w, x3, y0));
      put(M, mRow, packed, i, j + 1, finish(a01, c, w, x0, y1));
      put(M, mRow, packed, i + 1, j + 1, finish(a11, c, w, x1, y1));
      put(M, mRow, packed, i + 2, j + 1, finish(a21, c, w, x2, y1));
      put(M, mRow, packed, i + 3, j + 1, finish(a31, c, w, x3, y1));
    }
    for (; j < n; j++) {
      const y0 = X + <usize>j * xRow;
      for (let r = 0; r < 4; r++) put(M, mRow, packed, i + r, j, rowDot(w, x0 + <usize>r * xRow, y0));
    }
  }
  for (; i < n; i++) {
    for (let j = i; j < n; j++) put(M, mRow, packed, i, j, rowDot(w, X + <usize>i * xRow, X + <usize>j * xRow));
  }
}

/**
 * Adds a panel's dot of rows a and b to M[a][b] and mirrors the sum into M[b][a],
 * when a ≤ b (blocks near the diagonal overlap it).
 */
@inline function put(M: usize, mRow: usize, packed: bool, a: i32, b: i32, v: f64): void {
  if (a > b) return;
  if (packed) {
    const p = M + ((<usize>b * <usize>(b + 1) / 2 + <usize>a) << 3);
    store<f64>(p, load<f64>(p) + v);
    return;
  }
  const s = load<f64>(M + <usize>a * mRow + (<usize>b << 3)) + v;
  store<f64>(M + <usize>a * mRow + (<usize>b << 3), s);
  store<f64>(M + <usize>b * mRow + (<usize>a << 3), s);
}

@inline function finish(acc: v128, c: i32, d: i32, x: usize, y: usize): f64 {
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  if (c < d) s += load<f64>(x + (<usize>c << 3)) * load<f64>(y + (<usize>c << 3));
  return s;
}

function rowDot(d: i32, x: usize, y: usize): f64 {
  let a = f64x2.splat(0);
  let c = 0;
  for (; c + 2 <= d; c += 2) {
    const o = <usize>c << 3;
    a = f64x2.add(a, f64x2.mul(v128.load(x + o), v128.load(y + o)));
  }
  return finish(a, c, d, x, y);
}
