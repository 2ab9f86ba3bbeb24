/** Typed signatures of the WASM exports from assembly/precond/ (pointers are byte offsets). */
import type { Ptr, I32, F64 } from '../types.js';

export interface PrecondExports {
  /**
   * P (d×k) = ∇K(G) for built-in `id` (PRECOND_IDS); P must not alias G. params → [eps | c | p]
   * (one double; gd reads none). scratch: precondScratchLen doubles, contents ignored on entry.
   */
  precondGrad(id: I32, d: I32, k: I32, G: Ptr, P: Ptr, params: Ptr, scratch: Ptr): void;
  /** K(G) for built-in `id`; same params and scratch as precondGrad. */
  precondValue(id: I32, d: I32, k: I32, G: Ptr, params: Ptr, scratch: Ptr): F64;
  /** Doubles of scratch precondGrad/precondValue need: 0, k (colnorm) or d·k + 2m² + m with m = min(d, k) (spectral). */
  precondScratchLen(id: I32, d: I32, k: I32): I32;
  /**
   * Real Adam step t ≥ 1 with moments M, V (start at zero, updated in place); P = m̂/(√v̂ + ε).
   * With beta1 = beta2 = 0 P equals precondGrad's `adam` row bit for bit.
   */
  adamMomentStep(len: I32, G: Ptr, M: Ptr, V: Ptr, P: Ptr, beta1: F64, beta2: F64, eps: F64, t: I32): void;
  /** Doubles of state precondStep keeps for `id` over len = d·k entries (adam 2·len, others 0). */
  precondStateLen(id: I32, len: I32): I32;
  /** One step t ≥ 1 of stateful `id` (adam): P from G and the state S (zero at the start, updated in place); params → [eps, beta1, beta2]. */
  precondStep(id: I32, len: I32, G: Ptr, S: Ptr, P: Ptr, params: Ptr, t: I32): void;
}
