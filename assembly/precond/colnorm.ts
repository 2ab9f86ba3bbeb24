// colnorm {eps}: each column (one output) normalized on its own,
// ∇K(G)_{:,j} = g_{:,j} / √(‖g_{:,j}‖² + ε²), K(G) = Σ_j √(‖g_{:,j}‖² + ε²).
// It is G·diag(1/s_j): a right multiplication, so it preserves the row space.
// Scratch: k doubles (the column norms).
//
// Columns are strided in row-major G, so the loops run over rows and treat
// two adjacent columns per f64x2 lane pair; each column still sums its d
// squares in row order, so the result does not depend on the lane split.
// A column whose ‖g_{:,j}‖² + ε² over- or underflows is redone on g_{:,j}/m_j
// with m_j = max(max_i |g_ij|, ε) (kernels/scaled.ts): scratch[j] then holds −r_j, with
// √(‖g_{:,j}‖² + ε²) = m_j·r_j (a norm is never negative, so the sign marks it).
import { unsafeSumsq, scaledNorm, scaledDivStrided, maxAbsStrided, normR } from "../kernels/scaled";

/**
 * out[j] = √(‖g_{:,j}‖² + ε²) for G d×k row-major, or, for a column where that is
 * unsafe, out[j] = −r_j with √(‖g_{:,j}‖² + ε²) = m_j·r_j.
 */
function columnNorms(d: i32, k: i32, G: usize, eps: f64, out: usize): void {
  memory.fill(out, 0, <usize>k << 3);
  const kRow = <usize>k << 3;
  let row = G;
  for (let i = 0; i < d; i++) {
    let j = 0;
    for (; j + 2 <= k; j += 2) {
      const o = <usize>j << 3;
      const g = v128.load(row + o);
      v128.store(out + o, f64x2.add(v128.load(out + o), f64x2.mul(g, g)));
    }
    for (; j < k; j++) {
      const o = <usize>j << 3;
      const g = load<f64>(row + o);
      store<f64>(out + o, load<f64>(out + o) + g * g);
    }
    row += kRow;
  }
  const e2 = eps * eps;
  for (let j = 0; j < k; j++) {
    const o = <usize>j << 3;
    const s = load<f64>(out + o) + e2;
    if (!unsafeSumsq(s)) {
      store<f64>(out + o, Math.sqrt(s));
    } else {
      scaledNorm(d, G + o, kRow, eps);
      store<f64>(out + o, -normR);
    }
  }
}

export function colnormGrad(d: i32, k: i32, G: usize, P: usize, eps: f64, scratch: usize): void {
  columnNorms(d, k, G, eps, scratch);
  const kRow = <usize>k << 3;
  for (let i = 0; i < d; i++) {
    const gi = G + <usize>i * kRow;
    const pi = P + <usize>i * kRow;
    let j = 0;
    for (; j + 2 <= k; j += 2) {
      const o = <usize>j << 3;
      v128.store(pi + o, f64x2.div(v128.load(gi + o), v128.load(scratch + o)));
    }
    for (; j < k; j++) {
      const o = <usize>j << 3;
      store<f64>(pi + o, load<f64>(gi + o) / load<f64>(scratch + o));
    }
  }
  // Columns that were scaled (marked −r_j): P_{:,j} = (g_{:,j}/m_j)/r_j.
  for (let j = 0; j < k; j++) {
    const o = <usize>j << 3;
    const r = load<f64>(scratch + o);
    if (r < 0) scaledDivStrided(d, G + o, P + o, kRow, max(maxAbsStrided(d, G + o, kRow), eps), -r);
  }
}

export function colnormValue(d: i32, k: i32, G: usize, eps: f64, scratch: usize): f64 {
  columnNorms(d, k, G, eps, scratch);
  const kRow = <usize>k << 3;
  let s: f64 = 0;
  for (let j = 0; j < k; j++) {
    const o = <usize>j << 3;
    const r = load<f64>(scratch + o);
    s += r < 0 ? max(maxAbsStrided(d, G + o, kRow), eps) * -r : r;
  }
  return s;
}

