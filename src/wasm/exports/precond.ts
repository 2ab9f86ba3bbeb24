/** Typed signatures of the WASM exports from assembly/precond/ (pointers are byte offsets). */
export interface PrecondExports {
  /**
   * P (d×k) = ∇K(G) for built-in `id` (PRECOND_IDS); P must not alias G. params → [eps | c | p]
   * (one double; gd reads none). scratch: precondScratchLen doubles, contents ignored on entry.
   */
  precondGrad(id: number, d: number, k: number, G: number, P: number, params: number, scratch: number): void;
  /** K(G) for built-in `id`; same params and scratch as precondGrad. */
  precondValue(id: number, d: number, k: number, G: number, params: number, scratch: number): number;
  /** Doubles of scratch precondGrad/precondValue need: 0, k (colnorm) or d·k + 2m² + m with m = min(d, k) (spectral). */
  precondScratchLen(id: number, d: number, k: number): number;
  /**
   * Real Adam step t ≥ 1 with moments M, V (start at zero, updated in place); P = m̂/(√v̂ + ε).
   * With beta1 = beta2 = 0 P equals precondGrad's `adam` row bit for bit.
   */
  adamMomentStep(len: number, G: number, M: number, V: number, P: number, beta1: number, beta2: number, eps: number, t: number): void;
  /** Doubles of state precondStep keeps for `id` over len = d·k entries (adam 2·len, others 0). */
  precondStateLen(id: number, len: number): number;
  /** One step t ≥ 1 of stateful `id` (adam): P from G and the state S (zero at the start, updated in place); params → [eps, beta1, beta2]. */
  precondStep(id: number, len: number, G: number, S: number, P: number, params: number, t: number): void;
}
