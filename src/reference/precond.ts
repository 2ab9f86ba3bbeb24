/**
 * Plain float64 JS versions of every built-in ∇K and K, written from the spec
 * and independent of the WASM code: the test reference and the benchmarks'
 * plain-JS peer. `spectral` uses the Denman–Beavers iteration for S^{±1/2}
 * (the WASM kernel diagonalizes S by Jacobi rotations instead).
 */
type Params = Readonly<Record<string, number>>;

const norm2 = (G: ArrayLike<number>) => { let s = 0; for (let i = 0; i < G.length; i++) s += G[i] * G[i]; return s; };

export function referenceGradK(name: string, params: Params, G: Float64Array, out: Float64Array, d: number, k: number): void {
  const len = d * k;
  switch (name) {
    case 'gd': out.set(G); return;
    case 'normalized': { const s = Math.sqrt(norm2(G) + params.eps ** 2); for (let i = 0; i < len; i++) out[i] = G[i] / s; return; }
    // min(1, c/0) = min(1, ∞) = 1: G = 0 needs no special case here.
    case 'clip': { const s = Math.min(1, params.c / Math.sqrt(norm2(G))); for (let i = 0; i < len; i++) out[i] = s * G[i]; return; }
    case 'power': { const n = Math.sqrt(norm2(G)); const s = n > 0 ? n ** (params.p - 2) : 0; for (let i = 0; i < len; i++) out[i] = s * G[i]; return; }
    case 'colnorm':
      for (let j = 0; j < k; j++) {
        let s = 0;
        for (let i = 0; i < d; i++) s += G[i * k + j] ** 2;
        const f = Math.sqrt(s + params.eps ** 2);
        for (let i = 0; i < d; i++) out[i * k + j] = G[i * k + j] / f;
      }
      return;
    case 'rownorm':
      for (let i = 0; i < d; i++) {
        let s = 0;
        for (let j = 0; j < k; j++) s += G[i * k + j] ** 2;
        const f = Math.sqrt(s + params.eps ** 2);
        for (let j = 0; j < k; j++) out[i * k + j] = G[i * k + j] / f;
      }
      return;
    case 'spectral': {
      const { invSqrt } = sqrtAndInvSqrt(gram(G, d, k, params.eps), k);
      for (let i = 0; i < d; i++) for (let b = 0; b < k; b++) {
        let s = 0;
        for (let a = 0; a < k; a++) s += G[i * k + a] * invSqrt[a * k + b];
        out[i * k + b] = s;
      }
      return;
    }
    case 'adam': for (let i = 0; i < len; i++) out[i] = G[i] / (Math.abs(G[i]) + params.eps); return;
    case 'sign': case 'lion': for (let i = 0; i < len; i++) out[i] = G[i] / Math.sqrt(G[i] * G[i] + params.eps ** 2); return;
    case 'clip-elementwise': for (let i = 0; i < len; i++) out[i] = Math.min(Math.max(G[i], -params.c), params.c); return;
    default: throw new Error(`no reference for ${name}`);
  }
}

export function referenceK(name: string, params: Params, G: Float64Array, d: number, k: number): number {
  const len = d * k;
  let s = 0;
  switch (name) {
    case 'gd': return 0.5 * norm2(G);
    case 'normalized': return Math.sqrt(norm2(G) + params.eps ** 2);
    case 'clip': { const n = Math.sqrt(norm2(G)); return n <= params.c ? 0.5 * n * n : params.c * n - 0.5 * params.c ** 2; }
    case 'power': return Math.sqrt(norm2(G)) ** params.p / params.p;
    case 'colnorm':
      for (let j = 0; j < k; j++) { let c = 0; for (let i = 0; i < d; i++) c += G[i * k + j] ** 2; s += Math.sqrt(c + params.eps ** 2); }
      return s;
    case 'rownorm':
      for (let i = 0; i < d; i++) { let c = 0; for (let j = 0; j < k; j++) c += G[i * k + j] ** 2; s += Math.sqrt(c + params.eps ** 2); }
      return s;
    case 'spectral': { const { sqrt } = sqrtAndInvSqrt(gram(G, d, k, params.eps), k); for (let a = 0; a < k; a++) s += sqrt[a * k + a]; return s; }
    case 'adam': for (let i = 0; i < len; i++) { const a = Math.abs(G[i]); s += a - params.eps * Math.log1p(a / params.eps); } return s;
    case 'sign': case 'lion': for (let i = 0; i < len; i++) s += Math.sqrt(G[i] ** 2 + params.eps ** 2); return s;
    case 'clip-elementwise':
      for (let i = 0; i < len; i++) { const a = Math.abs(G[i]); s += a <= params.c ? 0.5 * a * a : params.c * a - 0.5 * params.c ** 2; }
      return s;
    default: throw new Error(`no reference for ${name}`);
  }
}

/** Real Adam over a sequence of gradients, for tests: returns the P of every step. */
export function referenceAdam(Gs: Float64Array[], beta1: number, beta2: number, eps: number): Float64Array[] {
  const len = Gs[0].length;
  const m = new Float64Array(len), v = new Float64Array(len);
  return Gs.map((G, idx) => {
    const t = idx + 1;
    const P = new Float64Array(len);
    for (let i = 0; i < len; i++) {
      m[i] = beta1 * m[i] + (1 - beta1) * G[i];
      v[i] = beta2 * v[i] + (1 - beta2) * G[i] * G[i];
      P[i] = (m[i] / (1 - beta1 ** t)) / (Math.sqrt(v[i] / (1 - beta2 ** t)) + eps);
    }
    return P;
  });
}

/**
 * Lion (Chen et al. 2023, Algorithm 2, no weight decay) with a smoothed sign: for each G_t,
 * c = β1·m + (1−β1)·g, P_t = c/√(c² + ε²), then m ← β2·m + (1−β2)·g. With eps = 0 it is
 * the published sign(c) (sign(0) = 0).
 */
export function referenceLion(Gs: Float64Array[], beta1: number, beta2: number, eps: number): Float64Array[] {
  const len = Gs[0].length;
  const m = new Float64Array(len);
  return Gs.map((G) => {
    const P = new Float64Array(len);
    for (let i = 0; i < len; i++) {
      const c = beta1 * m[i] + (1 - beta1) * G[i];
      P[i] = eps === 0 ? Math.sign(c) : c / Math.sqrt(c * c + eps * eps);
      m[i] = beta2 * m[i] + (1 - beta2) * G[i];
    }
    return P;
  });
}

function gram(G: Float64Array, d: number, k: number, eps: number): Float64Array {
  const S = new Float64Array(k * k);
  for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) {
    let s = 0;
    for (let i = 0; i < d; i++) s += G[i * k + a] * G[i * k + b];
    S[a * k + b] = s + (a === b ? eps * eps : 0);
  }
  return S;
}

/** Denman–Beavers: Y → S^{1/2}, Z → S^{−1/2} for symmetric positive definite S (k×k). */
function sqrtAndInvSqrt(S: Float64Array, k: number): { sqrt: Float64Array; invSqrt: Float64Array } {
  let Y = Float64Array.from(S);
  let Z = new Float64Array(k * k);
  for (let i = 0; i < k; i++) Z[i * k + i] = 1;
  for (let it = 0; it < 100; it++) {
    const Yi = inverse(Y, k), Zi = inverse(Z, k);
    const Yn = Y.map((v, i) => 0.5 * (v + Zi[i]));
    const Zn = Z.map((v, i) => 0.5 * (v + Yi[i]));
    let change = 0, size = 0;
    for (let i = 0; i < k * k; i++) { change += (Yn[i] - Y[i]) ** 2; size += Yn[i] ** 2; }
    Y = Yn; Z = Zn;
    if (change <= 1e-32 * size) break;
  }
  return { sqrt: Y, invSqrt: Z };
}

/** Gauss–Jordan with partial pivoting (k small). */
function inverse(A: Float64Array, k: number): Float64Array {
  const M = Float64Array.from(A);
  const I = new Float64Array(k * k);
  for (let i = 0; i < k; i++) I[i * k + i] = 1;
  for (let c = 0; c < k; c++) {
    let p = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(M[r * k + c]) > Math.abs(M[p * k + c])) p = r;
    for (let j = 0; j < k; j++) {
      [M[c * k + j], M[p * k + j]] = [M[p * k + j], M[c * k + j]];
      [I[c * k + j], I[p * k + j]] = [I[p * k + j], I[c * k + j]];
    }
    const piv = M[c * k + c];
    for (let j = 0; j < k; j++) { M[c * k + j] /= piv; I[c * k + j] /= piv; }
    for (let r = 0; r < k; r++) {
      if (r === c) continue;
      const f = M[r * k + c];
      if (f === 0) continue;
      for (let j = 0; j < k; j++) { M[r * k + j] -= f * M[c * k + j]; I[r * k + j] -= f * I[c * k + j]; }
    }
  }
  return I;
}
