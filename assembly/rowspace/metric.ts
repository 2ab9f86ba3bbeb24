// Row-space-preserving preconditioners in n×k coordinates.
//
// Every such ∇K is a right multiplication, ∇K(G) = G·M with M (k×k) a function of
// C = GᵀG alone, and K(G) is a function of C too (math.md, "preserves row space").
// With G = XᵀD, C = Dᵀ(XXᵀ)D is available from the Gram matrix, so the fast path
// never forms G: it gets M and K from C here and updates A by D·M.
// These are the same formulas as the primal kernels in precond/, written in C.
// spectral is the exception: it needs the singular values of G, which C has lost
// below √u·‖G‖, and it is evaluated from a factor of G in spectral.ts.
import {
  PRECOND_GD as GD, PRECOND_NORMALIZED as NORMALIZED, PRECOND_CLIP as CLIP, PRECOND_POWER as POWER,
  PRECOND_COLNORM as COLNORM, PRECOND_SPECTRAL as SPECTRAL,
} from "../abi";

@inline function at(A: usize, k: i32, i: i32, j: i32): usize {
  return A + ((<usize>i * <usize>k + <usize>j) << 3);
}

/** Doubles of scratch gramMetric needs: none (spectral's are precondScratchLen(spectral, n, k), see spectral.ts). */
export function gramMetricScratchLen(k: i32): i32 {
  return 0;
}

/** 1 when `id` has a row-space form (here, or in spectral.ts for spectral), else 0. */
export function gramMetricSupports(id: i32): i32 {
  switch (id) {
    case GD: case NORMALIZED: case CLIP: case POWER: case COLNORM: case SPECTRAL: return 1;
    default: return 0;
  }
}

/**
 * M (k×k, out) with ∇K(G) = G·M, and returns K(G), for C = GᵀG (k×k, symmetric;
 * not modified). params points at the preconditioner's parameter (eps, c or p).
 * Round-off can make diagonal entries of a computed C slightly negative; they
 * are read as 0.
 */
export function gramMetric(id: i32, k: i32, C: usize, params: usize, M: usize, scratch: usize): f64 {
  const a = load<f64>(params);
  memory.fill(M, 0, <usize>(k * k) << 3);
  let tr: f64 = 0;
  for (let j = 0; j < k; j++) tr += max(load<f64>(at(C, k, j, j)), 0.0);
  switch (id) {
    case GD: {
      diag(M, k, 1.0);
      return 0.5 * tr;
    }
    case NORMALIZED: {
      const s = Math.sqrt(tr + a * a);
      diag(M, k, 1.0 / s);
      return s;
    }
    case CLIP: {
      const nrm = Math.sqrt(tr);
      diag(M, k, nrm <= a ? 1.0 : a / nrm);
      return nrm <= a ? 0.5 * tr : a * nrm - 0.5 * a * a;
    }
    case POWER: {
      const nrm = Math.sqrt(tr);
      diag(M, k, nrm > 0 ? Math.pow(nrm, a - 2.0) : 0.0);
      return Math.pow(nrm, a) / a;
    }
    case COLNORM: {
      let s: f64 = 0;
      for (let j = 0; j < k; j++) {
        const nj = Math.sqrt(max(load<f64>(at(C, k, j, j)), 0.0) + a * a);
        store<f64>(at(M, k, j, j), 1.0 / nj);
        s += nj;
      }
      return s;
    }
    // SPECTRAL has no form in C = GᵀG that keeps its small singular values: spectral.ts
    // evaluates it from a factor of G instead (gramMetricSupports still says 1 for it).
    default: unreachable();
  }
  return 0;
}

@inline function diag(M: usize, k: i32, v: f64): void {
  for (let j = 0; j < k; j++) store<f64>(at(M, k, j, j), v);
}
