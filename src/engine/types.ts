/**
 * An engine owns one run's iterate and buffers in WASM memory and performs the
 * iteration's steps; solve.ts owns the loop, the stopping rules and the trace.
 * Each method is a constant number of WASM calls, whatever the problem size.
 */
export type PathKind = 'primal' | 'rowspace';

export interface Engine {
  readonly path: PathKind;
  /** Residual/gradient pass at the current iterate: sets loss, rNorm (‖R‖_F) and gradNorm. */
  evaluate(): void;
  loss: number;
  /** ‖R‖_F without under- or overflow (‖R‖² is out of range for data of size 1e±160). */
  rNorm: number;
  gradNorm: number;
  /** max |R| of the last pass (for the 'auto' learning rate at W0). */
  maxAbsResidual(): number;
  /** Computes the update direction ∇K(G_t) for iteration t. */
  direction(t: number): void;
  /** Whether K is available, so the trace can record Bregman divergences. */
  readonly tracksBregman: boolean;
  /** Saves G_t and ∇K(G_t) for a Bregman sample and returns K(G_t) (call after direction). */
  saveSample(): number;
  /** D_K(G_{t+1}, G_t) for the saved sample, with G_{t+1} from the latest evaluate. */
  bregman(Ks: number): number;
  /** iterate ← iterate − lr·direction; the previous iterate is kept. */
  step(lr: number): void;
  /** Goes back to the previous iterate (after a divergence). */
  revert(): void;
  /** The current iterate W (d×k) in WASM memory (row-space engines materialize W0 + XᵀA). */
  weights(): number;
  /**
   * d×k buffers whose contents are dead from the end of an iteration's bregman() to the next
   * direction() (and after the run): the bias path's samples, taken in that window, lend them
   * to the row-space split as its work memory instead of allocating two more d×k buffers
   * beside the run's (bench/README.md, "Memory"). Empty when the engine has none.
   */
  idleBuffers(): readonly number[];
  free(): void;
}
