// Small n×k products of the row-space fast path (O(n·k²) each, next to the O(n²·k) Gram pass).

/** C (k×k) = Dᵀ·S for D, S n×k row-major; the upper triangle is mirrored so C is exactly symmetric. */
export function crossDtS(n: i32, k: i32, D: usize, S: usize, C: usize): void {
  memory.fill(C, 0, <usize>(k * k) << 3);
  const kRow = <usize>k << 3;
  for (let i = 0; i < n; i++) {
    const di = D + <usize>i * kRow, si = S + <usize>i * kRow;
    for (let a = 0; a < k; a++) {
      const da = load<f64>(di + (<usize>a << 3));
      const crow = C + <usize>a * kRow;
      for (let b = a; b < k; b++) {
        const o = <usize>b << 3;
        store<f64>(crow + o, load<f64>(crow + o) + da * load<f64>(si + o));
      }
    }
  }
  for (let a = 0; a < k; a++) {
    for (let b = a + 1; b < k; b++) store<f64>(C + <usize>b * kRow + (<usize>a << 3), load<f64>(C + <usize>a * kRow + (<usize>b << 3)));
  }
}

/** out (n×k) = beta·out + alpha·D·M for D n×k, M k×k (beta = 0 overwrites; out must not alias D). */
export function rightMulAdd(n: i32, k: i32, alpha: f64, D: usize, M: usize, beta: f64, out: usize): void {
  const kRow = <usize>k << 3;
  for (let i = 0; i < n; i++) {
    const di = D + <usize>i * kRow, oi = out + <usize>i * kRow;
    for (let b = 0; b < k; b++) {
      let s: f64 = 0;
      for (let a = 0; a < k; a++) s += load<f64>(di + (<usize>a << 3)) * load<f64>(M + <usize>a * kRow + (<usize>b << 3));
      const o = oi + (<usize>b << 3);
      store<f64>(o, beta == 0 ? alpha * s : beta * load<f64>(o) + alpha * s);
    }
  }
}
