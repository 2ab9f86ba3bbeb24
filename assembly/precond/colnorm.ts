// colnorm {eps}: each column (one output) normalized on its own,
// ∇K(G)_{:,j} = g_{:,j} / √(‖g_{:,j}‖² + ε²), K(G) = Σ_j √(‖g_{:,j}‖² + ε²).
// It is G·diag(s): a right multiplication, so it preserves the row space.
// Scratch: k doubles (the column scales).

/** scratch[j] = ‖g_{:,j}‖² for G d×k row-major. */
function columnSumsq(d: i32, k: i32, G: usize, out: usize): void {
  memory.fill(out, 0, <usize>k << 3);
  let row = G;
  const kRow = <usize>k << 3;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < k; j++) {
      const o = <usize>j << 3;
      const g = load<f64>(row + o);
      store<f64>(out + o, load<f64>(out + o) + g * g);
    }
    row += kRow;
  }
}

export function colnormGrad(d: i32, k: i32, G: usize, P: usize, eps: f64, scratch: usize): void {
  columnSumsq(d, k, G, scratch);
  for (let j = 0; j < k; j++) {
    const o = <usize>j << 3;
    store<f64>(scratch + o, 1.0 / Math.sqrt(load<f64>(scratch + o) + eps * eps));
  }
  const kRow = <usize>k << 3;
  for (let i = 0; i < d; i++) {
    const gi = G + <usize>i * kRow;
    const pi = P + <usize>i * kRow;
    for (let j = 0; j < k; j++) {
      const o = <usize>j << 3;
      store<f64>(pi + o, load<f64>(gi + o) * load<f64>(scratch + o));
    }
  }
}

export function colnormValue(d: i32, k: i32, G: usize, eps: f64, scratch: usize): f64 {
  columnSumsq(d, k, G, scratch);
  let s: f64 = 0;
  for (let j = 0; j < k; j++) s += Math.sqrt(load<f64>(scratch + (<usize>j << 3)) + eps * eps);
  return s;
}
