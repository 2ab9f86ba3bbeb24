/**
 * Stopping criteria, checked once per iteration on numbers the iteration
 * already computed (no extra passes over X). Order of precedence: divergence,
 * convergence (tol, gradTol, gradRelTol when no interpolant exists), max-iter, stall, then the external stops
 * (time limit, abort signal, callback).
 */
import { DspgdError } from './errors.js';
import { requireParam } from './spec.js';
import { DEFAULTS, checkOptionKeys } from './options.js';
import { formatCount, formatHuman } from './util/numbers.js';

export type Status = 'converged' | 'max-iter' | 'diverged' | 'stalled' | 'aborted' | 'time-limit';
export const STATUSES: readonly Status[] = ['converged', 'max-iter', 'diverged', 'stalled', 'aborted', 'time-limit'];

export interface StallOptions {
  /** Iterations over which progress is measured. Default 2000 (DEFAULTS.stallWindow). */
  window?: number;
  /** Stalled when the best relResidual fell by less than this fraction over the window. Default 1e-3. */
  minDecrease?: number;
}

export interface StoppingOptions {
  /** Iteration budget. Default 10,000 (DEFAULTS.maxIter, also the CLI's). */
  maxIter?: number;
  /** Converged when relResidual = ‖XW − Y‖/‖Y‖ ≤ tol. Default 1e-10. */
  tol?: number;
  /**
   * Converged when ‖G‖_F ≤ gradTol, for gradTol > 0. 0 (the default) turns the test off:
   * an exactly zero gradient (X = 0, or a stationary point that is not an interpolant) is
   * then left to tol, maxIter and the stall test, never reported as converged by it.
   */
  gradTol?: number;
  /**
   * When no interpolant exists (Y − XW0 is not in the range of X): converged when
   * ‖G_t‖_F / ‖G_0‖_F ≤ gradRelTol, at a minimizer of ℓ rather than an interpolant (not tested
   * when G_0 = 0). Without it such a run would reach its minimizer and then wait for maxIter.
   * For n ≥ d the GD limit is computed before the run; for n < d it is computed the first time
   * the test is met (an interpolating run reaches tol first unless X is very ill-conditioned).
   * Default 1e-10 (DEFAULTS.gradRelTol); 0 turns it off. Never applies when an interpolant
   * exists: there tol decides.
   */
  gradRelTol?: number;
  /**
   * Stall detection; `false` turns it off (with `divergenceFactor: Infinity` and no tol/gradTol
   * reached, a run then does exactly `maxIter` steps).
   */
  stall?: StallOptions | false;
  /**
   * Diverged when relResidual exceeds this multiple of its starting value. Default 1e6;
   * `Infinity` turns this test off (non-finite values still stop the run: nothing can follow them).
   */
  divergenceFactor?: number;
  /** Wall-clock budget in milliseconds. Default: none. */
  timeLimitMs?: number;
}

export interface ResolvedStopping {
  maxIter: number;
  tol: number;
  gradTol: number;
  gradRelTol: number;
  stallWindow: number;
  stallMinDecrease: number;
  divergenceFactor: number;
  timeLimitMs: number;
}

export function resolveStopping(o: StoppingOptions): ResolvedStopping {
  const maxIter = o.maxIter ?? DEFAULTS.maxIter;
  requireParam(Number.isInteger(maxIter) && maxIter >= 0, 'maxIter', 'an integer ≥ 0', maxIter);
  const tol = o.tol ?? DEFAULTS.tol;
  requireParam(typeof tol === 'number' && tol >= 0 && !Number.isNaN(tol), 'tol', 'a number ≥ 0', tol);
  const gradTol = o.gradTol ?? DEFAULTS.gradTol;
  requireParam(typeof gradTol === 'number' && gradTol >= 0 && !Number.isNaN(gradTol), 'gradTol', 'a number ≥ 0', gradTol);
  const gradRelTol = o.gradRelTol ?? DEFAULTS.gradRelTol;
  requireParam(typeof gradRelTol === 'number' && gradRelTol >= 0 && gradRelTol < 1, 'gradRelTol', 'a number in [0, 1)', gradRelTol);
  let stallWindow = 0, stallMinDecrease = 0;
  if (o.stall !== false) {
    if (o.stall !== undefined && (typeof o.stall !== 'object' || o.stall === null)) {
      throw new DspgdError('E_PARAM', `stall: expected { window, minDecrease } or false, got ${String(o.stall)}`, 'stall');
    }
    checkOptionKeys(o.stall ?? {}, ['window', 'minDecrease'], 'stall');
    stallWindow = o.stall?.window ?? DEFAULTS.stallWindow;
    stallMinDecrease = o.stall?.minDecrease ?? DEFAULTS.stallMinDecrease;
    requireParam(Number.isInteger(stallWindow) && stallWindow >= 1, 'stall.window', 'an integer ≥ 1', stallWindow);
    requireParam(typeof stallMinDecrease === 'number' && stallMinDecrease >= 0 && stallMinDecrease < 1, 'stall.minDecrease', 'a number in [0, 1)', stallMinDecrease);
  }
  const divergenceFactor = o.divergenceFactor ?? DEFAULTS.divergenceFactor;
  requireParam(typeof divergenceFactor === 'number' && divergenceFactor > 1, 'divergenceFactor', 'a number > 1', divergenceFactor);
  const timeLimitMs = o.timeLimitMs ?? Infinity;
  requireParam(typeof timeLimitMs === 'number' && timeLimitMs > 0, 'timeLimitMs', 'a number > 0', timeLimitMs);
  return { maxIter, tol, gradTol, gradRelTol, stallWindow, stallMinDecrease, divergenceFactor, timeLimitMs };
}

/**
 * Tracks the criteria that need memory (start value, the stall window).
 * The stall window holds two rings, of the best-so-far relResidual and of the best-so-far ‖G‖,
 * one entry per iteration, allocated once. A run stalls when neither improved by minDecrease over
 * the window: without an interpolant the residual levels off at its minimum while ‖G‖ still
 * shrinks geometrically, and that run is converging, not stalled.
 */
export class StopMonitor {
  private readonly o: ResolvedStopping;
  private r0 = NaN;
  private g0 = NaN;
  /**
   * Whether the problem has no interpolant (enables gradRelTol): set before iteration 0, either
   * as a value or as a question asked at most once, the first time ‖G‖/‖G₀‖ ≤ gradRelTol.
   */
  noInterpolant: boolean | (() => boolean) = false;
  private best = Infinity;
  private bestGrad = Infinity;
  private readonly ring: Float64Array;
  private readonly gradRing: Float64Array;

  constructor(o: ResolvedStopping) {
    this.o = o;
    this.ring = new Float64Array(Math.max(o.stallWindow, 0));
    this.gradRing = new Float64Array(this.ring.length);
  }

  private hasNoInterpolant(): boolean {
    if (typeof this.noInterpolant === 'function') this.noInterpolant = this.noInterpolant();
    return this.noInterpolant;
  }

  /** The status to stop with at iteration t, or undefined to go on. Also the reason in words. */
  check(t: number, relResidual: number, gradNorm: number, loss: number): { status: Status; reason: string } | undefined {
    const o = this.o;
    if (!Number.isFinite(relResidual) || !Number.isFinite(gradNorm) || !Number.isFinite(loss)) {
      return { status: 'diverged', reason: `non-finite values at iteration ${t}` };
    }
    if (t === 0) { this.r0 = relResidual; this.g0 = gradNorm; }
    if (relResidual > o.divergenceFactor * Math.max(this.r0, 1e-300) && relResidual > 1e-12) {
      return { status: 'diverged', reason: `relResidual grew ${formatHuman(o.divergenceFactor)}× over its start by iteration ${t}` };
    }
    if (relResidual <= o.tol) return { status: 'converged', reason: `relResidual ${formatHuman(relResidual, 3)} ≤ tol ${formatHuman(o.tol)}` };
    if (o.gradTol > 0 && gradNorm <= o.gradTol) return { status: 'converged', reason: `‖G‖ ${formatHuman(gradNorm, 3)} ≤ gradTol ${formatHuman(o.gradTol)}` };
    if (o.gradRelTol > 0 && this.g0 > 0 && gradNorm <= o.gradRelTol * this.g0 && this.hasNoInterpolant()) {
      return {
        status: 'converged',
        reason: `‖G‖/‖G₀‖ ${formatHuman(gradNorm / this.g0, 3)} ≤ gradRelTol ${formatHuman(o.gradRelTol)}: converged to a minimizer of ℓ, not to an interpolant (none exists: Y − XW0 is not in the range of X)`,
      };
    }
    if (t >= o.maxIter) return { status: 'max-iter', reason: `reached maxIter = ${formatCount(o.maxIter)}` };
    if (relResidual < this.best) this.best = relResidual;
    if (gradNorm < this.bestGrad) this.bestGrad = gradNorm;
    const w = this.ring.length;
    if (w > 0) {
      const slot = t % w;
      if (t >= w) {
        const keep = 1 - o.stallMinDecrease;
        if (this.best > keep * this.ring[slot] && this.bestGrad > keep * this.gradRing[slot]) {
          return { status: 'stalled', reason: `neither relResidual nor ‖G‖ improved by ${formatHuman(o.stallMinDecrease)} (relative) over the last ${formatCount(w)} iterations` };
        }
      }
      this.ring[slot] = this.best;
      this.gradRing[slot] = this.bestGrad;
    }
    return undefined;
  }
}
