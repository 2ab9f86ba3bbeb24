/** Typed signatures of the WASM exports from assembly/precond/ (pointers are byte offsets). */
export interface PrecondExports {
  /** P (d×k) = ∇K(G) for built-in `id`; params → [eps | c | p]; scratch: precondScratchLen doubles. */
  precondGrad(id: number, d: number, k: number, G: number, P: number, params: number, scratch: number): void;
  /** K(G) for built-in `id`. */
  precondValue(id: number, d: number, k: number, G: number, params: number, scratch: number): number;
  precondScratchLen(id: number, d: number, k: number): number;
  /** Real Adam step t ≥ 1 with moments M, V (updated in place); P = m̂/(√v̂ + ε). */
  adamMomentStep(len: number, G: number, M: number, V: number, P: number, beta1: number, beta2: number, eps: number, t: number): void;
}
