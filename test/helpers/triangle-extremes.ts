/**
 * The plain reference for the triangleExtremes kernel (assembly/linalg/triangle_extremes.ts):
 * the bracket as it ran in JavaScript before it became a kernel, on a dense copy of the
 * triangle. The kernel does the same arithmetic in the same order, so the two agree to the bit.
 *
 * Cheap bracket of the extreme singular values of a lower-triangular T (r×r,
 * row-major, nonzero diagonal): σ_1 from below by power iteration, σ_r from
 * above by inverse iteration (two triangular solves a step). Non-finite
 * intermediate values (T nearly singular) give σ_r = 0.
 */
export function triangleExtremesRef(T: Float64Array, r: number, steps = 12): { max: number; min: number } {
  const x = new Float64Array(r), y = new Float64Array(r);
  const start = () => { for (let i = 0; i < r; i++) x[i] = 1 + ((i * 7919) % 13) / 13; normalize(x); };
  start();
  let max = 0;
  for (let s = 0; s < steps; s++) {
    // y = T x, x = Tᵀ y
    for (let i = 0; i < r; i++) { let a = 0; for (let j = 0; j <= i; j++) a += T[i * r + j] * x[j]; y[i] = a; }
    x.fill(0);
    for (let i = 0; i < r; i++) { const yi = y[i]; for (let j = 0; j <= i; j++) x[j] += T[i * r + j] * yi; }
    const nx = normalize(x);
    if (!(nx > 0) || !Number.isFinite(nx)) break;
    max = Math.sqrt(nx);
  }
  start();
  let lam = 0;
  for (let s = 0; s < steps; s++) {
    // y = T⁻ᵀ x (back substitution), x = T⁻¹ y (forward substitution)
    for (let i = r - 1; i >= 0; i--) {
      let a = x[i];
      for (let j = i + 1; j < r; j++) a -= T[j * r + i] * y[j];
      y[i] = a / T[i * r + i];
    }
    for (let i = 0; i < r; i++) {
      let a = y[i];
      for (let j = 0; j < i; j++) a -= T[i * r + j] * x[j];
      x[i] = a / T[i * r + i];
    }
    const nx = normalize(x);
    if (!Number.isFinite(nx) || nx === 0) return { max, min: 0 };
    lam = nx;
  }
  return { max, min: lam > 0 ? 1 / Math.sqrt(lam) : 0 };
}

function normalize(x: Float64Array): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]));
  if (m === 0 || !Number.isFinite(m)) return m;
  let s = 0;
  for (let i = 0; i < x.length; i++) { x[i] /= m; s += x[i] * x[i]; }
  const nrm = Math.sqrt(s);
  for (let i = 0; i < x.length; i++) x[i] /= nrm;
  return m * nrm;
}
