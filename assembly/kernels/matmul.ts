// Plain products with X, for the GD limit, the generators and power iteration.
// The iteration itself uses the fused pass in assembly/pass/residual_grad.ts instead.
import { dot, axpy, zero } from "./dot";
import { rowTimesW, addOuter } from "./rows";

/** out (n×k) = X (n×d) · W (d×k). */
export function matmulXW(n: i32, d: i32, k: i32, X: usize, W: usize, out: usize): void {
  const xRow = <usize>d << 3;
  const kRow = <usize>k << 3;
  for (let i = 0; i < n; i++) {
    const xi = X + <usize>i * xRow;
    if (k == 1) store<f64>(out + <usize>i * kRow, dot(d, xi, W));
    else rowTimesW(d, k, xi, W, out + <usize>i * kRow);
  }
}

/** out (d×k) = Xᵀ (d×n) · V (n×k), X given n×d. */
export function matmulXtV(n: i32, d: i32, k: i32, X: usize, V: usize, out: usize): void {
  zero(d * k, out);
  const xRow = <usize>d << 3;
  const kRow = <usize>k << 3;
  for (let i = 0; i < n; i++) {
    const xi = X + <usize>i * xRow;
    if (k == 1) axpy(d, load<f64>(V + <usize>i * kRow), xi, out);
    else addOuter(d, k, xi, V + <usize>i * kRow, out);
  }
}
