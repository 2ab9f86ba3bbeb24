/**
 * The geometry of implicit bias (docs/math.md, "The path in the bias plane"): where the
 * iterates W_t travel relative to the GD limit, sampled along the run.
 *
 * Each sample is the pair
 *     rowDistance = ‖P_row(W_t − W_GD∞)‖     (how far from the GD limit inside W0 + row(X))
 *     nullPart    = ‖P_null(W_t − W_GD∞)‖ = ‖P_null(W_t − W0)‖
 * (W_GD∞ − W0 lies in the row space, so the two null parts agree to round-off). A
 * row-space-preserving K keeps nullPart at round-off and moves along the axis to (0, 0);
 * an elementwise K leaves the axis, and where its path ends is the bias: the endpoint's
 * hypot is ‖W∞ − W_GD∞‖, i.e. relDistToGD·‖W_GD∞ − W0‖, and its nullPart the report's
 * nullspaceNorm.
 *
 * Both norms come from one splitDiff(W_t, W_GD∞) of the factor the report uses (problem.rowSpace()), so
 * the null part is measured directly, never as a difference of squares (which would put a
 * floor of √ε·‖W_t − W0‖ under it). Cost: one split per sample (about two passes over X on
 * the LQ route, a few more on the Gram route) at a geometric schedule of iterations, so a
 * run pays O(samples) splits however long it is: t = 0, then t_{j+1} = max(t_j + 1,
 * ⌈t_j·ρ⌉) with ρ = maxIter^{1/samples}, plus the final iterate; the sample at t = 0 (W0) is
 * the same for every run on a problem and is computed once per problem. Nothing is allocated per
 * sample on the JS side (the arrays are sized from the schedule up front), and the recorder
 * keeps no d×k buffer in WASM memory: W_t − W_GD∞ is formed by the factor in work memory
 * that the run lends (buffers of its engine that are idle while a sample is taken,
 * Engine.idleBuffers), so sampling adds no d×k buffer to the run's peak (bench/README.md, "Memory").
 */
import type { Problem } from '../problem.js';
import type { RowSpaceFactor } from '../linalg/index.js';
import type { Wasm } from '../wasm/module.js';

/** The sampled path of one run (absent with report: false or biasPathSamples: 0). */
export interface BiasPath {
  /** Iteration of each sample: a geometric schedule from 0, and the returned iterate last. */
  iteration: Float64Array;
  /** ‖P_row(W_t − W_GD∞)‖: distance to the GD limit within the row space. */
  rowDistance: Float64Array;
  /** ‖P_null(W_t − W0)‖ (computed as ‖P_null(W_t − W_GD∞)‖, equal to round-off): the part off the GD axis. */
  nullPart: Float64Array;
  /** ‖W_GD∞ − W0‖: divide both by it to read the plane in units of relDistToGD (0 when W0 interpolates). */
  gdNorm: number;
}

/**
 * The split of W0 − W_GD∞ of each problem (with the factor it came from). Every run's first sample is
 * at t = 0, where W_t = W0, so all the runs on a problem (a batch, a sweep's grid) share it: it is
 * computed once per problem instead of once per run, and reused only for a W_t equal to W0.
 */
const firstSplit = new WeakMap<Problem, { factor: RowSpaceFactor; row: number; null: number }>();

/** Default number of geometric steps from iteration 1 to maxIter (the early, linear part adds a few). */
export const BIAS_PATH_SAMPLES = 32;

/** Growth factor of the schedule: maxIter^{1/samples}, at least 1 + 1/samples. */
function ratioFor(maxIter: number, samples: number): number {
  return Math.max(1 + 1 / samples, Math.min(maxIter, 1e9) ** (1 / samples));
}

/** The iteration after `t` in the schedule. */
function nextAfter(t: number, ratio: number): number {
  return Math.max(t + 1, Math.ceil(t * ratio));
}

/** The sampled iterations for a run of maxIter iterations (for tests and for sizing). */
export function pathSchedule(maxIter: number, samples = BIAS_PATH_SAMPLES): number[] {
  const ratio = ratioFor(maxIter, samples);
  const out: number[] = [];
  for (let t = 0; t <= Math.min(maxIter, 1e9); t = nextAfter(t, ratio)) out.push(t);
  return out;
}

export class BiasPathRecorder {
  private readonly ratio: number;
  private next = 0;
  private count = 0;
  private readonly it: Float64Array;
  private readonly row: Float64Array;
  private readonly nul: Float64Array;
  private readonly gdNorm: number;

  constructor(private readonly wasm: Wasm, private readonly prob: Problem, maxIter: number, samples: number) {
    this.ratio = ratioFor(maxIter, samples);
    const cap = pathSchedule(maxIter, samples).length + 1; // + the returned iterate
    this.it = new Float64Array(cap);
    this.row = new Float64Array(cap);
    this.nul = new Float64Array(cap);
    // The factor, W_GD∞ and ‖W_GD∞ − W0‖ are the report's, computed once per problem; here only earlier.
    this.gdNorm = prob.gdLimitPtr().norm;
  }

  /** Whether iteration t is on the schedule. */
  due(t: number): boolean {
    return t >= this.next;
  }

  /**
   * Samples the iterate W (d×k, WASM pointer) at iteration t and moves the schedule on.
   * work: d×k buffers the caller lends (contents overwritten; Engine.idleBuffers()).
   */
  record(t: number, W: number, work: readonly number[] = []): void {
    this.next = nextAfter(t, this.ratio);
    if (this.count > 0 && this.it[this.count - 1] === t) this.count--; // the same iteration again: keep the later W
    if (this.count === this.it.length) return; // cannot happen with the schedule above; never write past the end
    const { prob, wasm } = this;
    const len = prob.d * prob.k;
    const e = wasm.exports;
    const gd = prob.gdLimitPtr().ptr;
    // A blowing-up iterate (before divergence is detected) has no split, and would make the
    // Gram route give up for good on a problem other runs share. The difference is formed here
    // for that test only and freed: the split forms it again in its own work memory, so a
    // sample holds no d×k buffer besides the factor's.
    const tmp = work[0] ?? wasm.allocF64(len, 'bias path');
    let finite: boolean, atW0 = false;
    try {
      e.sub(len, W, gd, tmp);
      finite = Number.isFinite(e.norm2(len, tmp));
      // W = W0 entry for entry (W − W0 all zero): its split is W0's, bit for bit (the difference
      // W − W_GD∞ differs at most in the sign of a zero entry, which no norm sees).
      if (t === 0 && finite) {
        e.sub(len, W, prob.ptr.W0, tmp);
        atW0 = e.sumsq(len, tmp) === 0;
      }
    } finally {
      if (tmp !== work[0]) wasm.free(tmp);
    }
    const factor = prob.rowSpace();
    const cached = atW0 ? firstSplit.get(prob) : undefined;
    let s: { row: number; null: number };
    if (cached && cached.factor === factor) {
      s = cached;
    } else {
      s = finite ? factor.splitDiff(W, gd, prob.k, work) : { row: NaN, null: NaN };
      if (atW0) firstSplit.set(prob, { factor, row: s.row, null: s.null });
    }
    const i = this.count++;
    this.it[i] = t;
    this.row[i] = s.row;
    this.nul[i] = s.null;
  }

  /** The path, with the returned iterate W∞ (iteration t) as its last sample. */
  finish(t: number, W: number, work: readonly number[] = []): BiasPath {
    // A diverged run returns the iterate before the last one sampled: drop samples past it.
    while (this.count > 0 && this.it[this.count - 1]! > t) this.count--;
    this.record(t, W, work);
    const n = this.count;
    return { iteration: this.it.slice(0, n), rowDistance: this.row.slice(0, n), nullPart: this.nul.slice(0, n), gdNorm: this.gdNorm };
  }
}
