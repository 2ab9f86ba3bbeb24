/**
 * solve(): the DSPGD iteration W ← W − η ∇K(Xᵀ∇ℓ(XW − Y)) with stopping
 * criteria, a sampled trace and the implicit-bias report.
 *
 * Each iteration crosses into WASM a constant number of times: the fused
 * residual/gradient pass, ‖G‖, ∇K, the update (and K twice on trace samples).
 * All buffers are allocated before the loop; nothing is copied per element.
 */
import { DspgdError } from './errors.js';
import { Problem, type ProblemData } from './problem.js';
import { toMatrix, type Matrix } from './matrix.js';
import { resolveLoss, resolveReduction, type Loss, type Reduction } from './losses/index.js';
import { resolvePrecond, type Preconditioner } from './precond/index.js';
import { resolveStopping, StopMonitor, type Status, type StoppingOptions } from './stopping.js';
import { TraceRecorder, type Trace } from './trace.js';
import { biasReport, type BiasReport } from './bias/report.js';
import { BiasPathRecorder, BIAS_PATH_SAMPLES } from './bias/path.js';
import { suggestLearningRate } from './lr.js';
import { requireParam } from './spec.js';
import { DEFAULTS, checkOptionKeys } from './options.js';
import { parseLr, type LrSpec, type LrText } from './lr-spec.js';
import { adviseRun, type RunAdvice } from './advice.js';
import { now, yieldToEventLoop } from './util/yield.js';
import type { Engine, PathKind } from './engine/types.js';
import { PrimalEngine } from './engine/primal.js';
import { RowSpaceEngine, rowSpaceScaleSafe, supportsRowSpace } from './engine/rowspace.js';
import { makePass, type ResidualPass } from './engine/threads.js';
import { BatchPass } from './engine/batch.js';
import { resolveKernel } from './engine/kernel.js';
import { KERNEL_OPTIONS, type KernelName, type KernelOption } from './wasm/kernels.js';

export interface Progress {
  iteration: number;
  loss: number;
  relResidual: number;
  gradNorm: number;
  elapsedMs: number;
  maxIter: number;
}

export interface SolveOptions extends StoppingOptions {
  /** ∇K: a spec string ('adam:eps=0.05') or a factory object (adam({ eps: 0.05 })). */
  precond: string | Preconditioner;
  /**
   * Learning rate η > 0; 'auto' for the stable step of suggestLearningRate(), or a multiple
   * of it ('0.5*auto', as the CLI's --lr).
   */
  lr: number | LrText;
  /** ℓ: a spec string ('huber:delta=0.5') or a Loss. Default 'squared'. */
  loss?: string | Loss;
  /** 'sum' (default) or 'mean' (ℓ and ∇ℓ divided by n). */
  reduction?: Reduction;
  /** Stops the run (status 'aborted') at the next iteration after it fires. */
  signal?: AbortSignal;
  /** Called every `callbackEvery` iterations; return false to stop (status 'aborted'). */
  // biome-ignore lint/suspicious/noConfusingVoidType: `void` lets a callback that returns nothing type-check; `undefined` would not.
  callback?: (p: Progress) => void | boolean;
  /** Default 100. */
  callbackEvery?: number;
  /** Trace sampling interval. Default: about 1000 samples over maxIter. */
  traceEvery?: number;
  /** Compute the implicit-bias report (default true). Sweeps over one problem share its GD limit. */
  report?: boolean;
  /**
   * Geometric steps of the bias path (result.bias.path: distance to W_GD∞ within the row space and
   * the null-space part, sampled from t = 0 to maxIter at ratio maxIter^{1/samples}). Default 32;
   * 0 turns the path off. Each sample costs about two passes over X; with the path on, the GD
   * limit is computed before the run instead of after it. Ignored with report: false.
   */
  biasPathSamples?: number;
  /** How often the loop lets the event loop run, in ms. Default 25. */
  yieldEveryMs?: number;
  /**
   * 'primal' iterates on W (d×k); 'rowspace' iterates on A (n×k) with W = W0 + XᵀA, using the
   * Gram matrix XXᵀ (only for built-in preconditioners that preserve the row space: gd,
   * normalized, clip, power, colnorm, spectral). Default 'auto': row space when it pays and the
   * data entries are within ~1e±30 (it forms XXᵀ and GᵀG, whose squares leave the float64 range
   * for data of size 1e±100; the primal kernels scale instead). 'rowspace' is taken as asked.
   */
  path?: PathOption;
  /**
   * Threads for the primal pass over X (default 1). Needs shared WASM memory (Node, or a
   * cross-origin-isolated page); results are bit-identical to one thread. The bits are fixed by
   * row chunks whose number depends on the shape only (1 for small problems, which then run on
   * one thread, else 4). 2 or 4 threads share those chunks; any other count runs a split pass
   * on a finer grid fixed by the shape (up to 64 row pieces, then up to 64 column panels of G),
   * which reads X twice but does the same operations in the same order.
   */
  threads?: number;
  /**
   * The build that runs the pass over X (R = XW − Y, G = XᵀD). 'simd' (default): portable,
   * bit-identical on every engine and machine. 'fma': f64x2.relaxed_madd (WebAssembly relaxed
   * SIMD; Node ≥ 22, Chromium, Node 20 with --experimental-wasm-relaxed-simd), one rounding per
   * multiply-add where the hardware has FMA: faster where it measures so, and within a few
   * units in the last place of 'simd' but not bit-identical to it, nor across machines.
   * 'auto': 'fma' where it is available and measures faster on this machine, else 'simd'.
   * The promises of bit-identical results (any thread count, Node = browser) hold within one
   * kernel. result.kernel says which one ran.
   */
  kernel?: KernelOption;
}

export type PathOption = 'auto' | PathKind;

export interface SolveResult {
  /** The final iterate W∞ (row-major; shape mirrors W0: 1-D when Y was 1-D). */
  W: Matrix;
  status: Status;
  /** Why the run stopped, in words. */
  message: string;
  /** Number of updates performed. */
  iterations: number;
  /** ℓ(XW∞ − Y), ‖XW∞ − Y‖/‖Y‖ and ‖G‖ at the returned iterate. */
  loss: number;
  relResidual: number;
  gradNorm: number;
  timeMs: number;
  lr: number;
  /** The path the run took (see SolveOptions.path). */
  path: PathKind;
  /** Threads that shared the pass over X. */
  threads: number;
  /** The build that ran the pass over X ('simd' on the row-space path, whose kernels are the portable ones). */
  kernel: KernelName;
  precond: { name: string; spec: string; params: Record<string, number>; isotropic: boolean; preservesRowSpace: boolean; stateful: boolean };
  objective: { name: string; params: Record<string, number>; reduction: Reduction };
  problem: { n: number; d: number; k: number; overparameterized: boolean };
  trace: Trace;
  /** The implicit-bias report (absent with report: false). */
  bias?: BiasReport;
  /** When status is 'diverged': the iteration where it was detected and a learning rate that is stable from W0. */
  divergedAt?: number;
  suggestedLr?: number;
  /**
   * When the run stopped short of tol ('max-iter', 'stalled', 'time-limit'): the residual trend
   * over its last quarter, the iterations that trend still needs, and what to try.
   */
  advice?: RunAdvice;
}

/**
 * Runs DSPGD on a problem (a Problem, or { X, Y, W0 } data that is copied in
 * for this call and released after it).
 */
export async function solve(problem: Problem | ProblemData, options: SolveOptions): Promise<SolveResult> {
  const cfg = validate(options, 'options');
  const owned = !(problem instanceof Problem);
  const prob = problem instanceof Problem ? problem : await Problem.create(problem);
  let run: Run | undefined;
  try {
    run = await Run.create(prob, options, cfg);
    const clock = new Yielder(cfg.yieldEveryMs);
    run.evaluate();
    run.begin();
    while (!run.check()) {
      run.advance();
      run.evaluate();
      if (clock.due()) await clock.yield();
    }
    return run.finish();
  } finally {
    run?.free();
    if (owned) prob.dispose();
  }
}

/** Options of solveBatch() that concern the batch as a whole. */
export interface BatchOptions {
  /** Called as each run stops, with its index in `runs` and its result. */
  onDone?: (index: number, result: SolveResult) => void;
}

/**
 * Several runs on one problem, advanced together: each iteration makes one pass
 * over X for every active primal-path run (their W, G, R and D side by side,
 * X read once per block of rows), row-space runs share the cached Gram matrix,
 * and a run that stops drops out. Every run's result is bit-identical to
 * solve() with the same options.
 */
export async function solveBatch(problem: Problem | ProblemData, runs: readonly SolveOptions[], batchOptions: BatchOptions = {}): Promise<SolveResult[]> {
  if (!Array.isArray(runs) || runs.length === 0) {
    throw new DspgdError('E_PARAM', 'runs: expected a non-empty array of solve options', 'runs');
  }
  if (batchOptions === null || typeof batchOptions !== 'object') {
    throw new DspgdError('E_PARAM', 'batchOptions: expected { onDone }', 'batchOptions');
  }
  checkOptionKeys(batchOptions, ['onDone'], 'batchOptions');
  const cfgs = runs.map((o, i) => validate(o, `runs[${i}]`));
  const owned = !(problem instanceof Problem);
  const prob = problem instanceof Problem ? problem : await Problem.create(problem);
  const all: Run[] = [];
  let batch: BatchPass | undefined;
  try {
    // One thread: the batch itself is the unit of work.
    for (let i = 0; i < runs.length; i++) all.push(await Run.create(prob, runs[i], { ...cfgs[i], threads: 1 }, true));
    batch = new BatchPass(prob.wasmInstance, prob, all.filter((r) => r.primal).map((r) => r.primal!));
    const clock = new Yielder(Math.min(...cfgs.map((c) => c.yieldEveryMs)));
    let active = all.slice();
    const evaluate = () => {
      batch!.run(active.filter((r) => r.primal).map((r) => r.primal!));
      for (const r of active) r.evaluate(true);
    };
    evaluate();
    for (const r of active) r.begin();
    const results: SolveResult[] = new Array(all.length);
    for (;;) {
      active = active.filter((r) => {
        if (!r.check()) return true;
        // Finish as soon as it stops: its report and callback need not wait for the others.
        const i = all.indexOf(r);
        results[i] = r.finish();
        batchOptions.onDone?.(i, results[i]);
        return false;
      });
      if (active.length === 0) break;
      for (const r of active) r.advance();
      evaluate();
      if (clock.due()) await clock.yield();
    }
    return results;
  } finally {
    batch?.free();
    for (const r of all) r.free();
    if (owned) prob.dispose();
  }
}

interface RunConfig {
  precond: Preconditioner;
  loss: Loss;
  reduction: Reduction;
  lr: LrSpec;
  stop: ReturnType<typeof resolveStopping>;
  callbackEvery: number;
  traceEvery: number;
  yieldEveryMs: number;
  path: PathOption;
  threads: number;
  kernel: KernelOption;
  /** 0 when the run records no bias path. */
  biasPathSamples: number;
}

/** Every key of SolveOptions, for the unknown-key check (the type below fails to compile if one is missing). */
const SOLVE_OPTION_KEYS = [
  'precond', 'lr', 'loss', 'reduction', 'signal', 'callback', 'callbackEvery', 'traceEvery', 'report', 'biasPathSamples', 'yieldEveryMs',
  'path', 'threads', 'kernel', 'maxIter', 'tol', 'gradTol', 'gradRelTol', 'stall', 'divergenceFactor', 'timeLimitMs',
] as const satisfies readonly (keyof SolveOptions)[];
type MissingSolveKey = Exclude<keyof SolveOptions, (typeof SOLVE_OPTION_KEYS)[number]>;
const allSolveKeysListed: [MissingSolveKey] extends [never] ? true : MissingSolveKey = true;
void allSolveKeysListed;

/** Checks every option before any WASM memory is touched. `where` prefixes errors in a batch. */
function validate(options: SolveOptions, where: string): RunConfig {
  if (options === null || typeof options !== 'object') {
    throw new DspgdError('E_PARAM', `${where}: expected { precond, lr, ... }`, where);
  }
  checkOptionKeys(options, SOLVE_OPTION_KEYS, where);
  const precond = resolvePrecond(options.precond as string | Preconditioner, 'precond');
  const loss = resolveLoss(options.loss, 'loss');
  const reduction = resolveReduction(options.reduction, 'reduction');
  const stop = resolveStopping(options);
  let lr: LrSpec;
  if (typeof options.lr === 'string') {
    lr = parseLr(options.lr, 'lr');
    // A number belongs in a number: '0.1' is more likely a form field passed on unparsed than intended.
    if (typeof lr === 'number') {
      throw new DspgdError('E_PARAM', `lr: expected a number > 0, auto or F*auto; got the string ${JSON.stringify(options.lr)} (pass the number ${lr})`, 'lr');
    }
  } else {
    requireParam(typeof options.lr === 'number' && Number.isFinite(options.lr) && options.lr > 0, 'lr', 'a finite number > 0, "auto" or "F*auto"', options.lr);
    lr = options.lr;
  }
  const callbackEvery = options.callbackEvery ?? DEFAULTS.callbackEvery;
  requireParam(Number.isInteger(callbackEvery) && callbackEvery >= 1, 'callbackEvery', 'an integer ≥ 1', callbackEvery);
  const traceEvery = options.traceEvery ?? Math.max(1, Math.ceil(Math.min(stop.maxIter, 1e9) / 1000));
  requireParam(Number.isInteger(traceEvery) && traceEvery >= 1, 'traceEvery', 'an integer ≥ 1', traceEvery);
  const yieldEveryMs = options.yieldEveryMs ?? DEFAULTS.yieldEveryMs;
  requireParam(typeof yieldEveryMs === 'number' && yieldEveryMs > 0, 'yieldEveryMs', 'a number > 0', yieldEveryMs);
  if (options.callback !== undefined && typeof options.callback !== 'function') {
    throw new DspgdError('E_PARAM', 'callback: expected a function', 'callback');
  }
  const path = options.path ?? 'auto';
  requireParam(path === 'auto' || path === 'primal' || path === 'rowspace', 'path', "'auto', 'primal' or 'rowspace'", path);
  const threads = options.threads ?? 1;
  requireParam(Number.isInteger(threads) && threads >= 1 && threads <= 64, 'threads', 'an integer from 1 to 64', threads);
  const kernel = options.kernel ?? 'simd';
  requireParam(KERNEL_OPTIONS.includes(kernel), 'kernel', "'simd', 'fma' or 'auto'", kernel);
  const biasPathSamples = options.report === false ? 0 : options.biasPathSamples ?? BIAS_PATH_SAMPLES;
  requireParam(Number.isInteger(biasPathSamples) && biasPathSamples >= 0 && biasPathSamples <= 10_000, 'biasPathSamples', 'an integer from 0 to 10000', biasPathSamples);
  return { precond, loss, reduction, lr, stop, callbackEvery, traceEvery, yieldEveryMs, path, threads, kernel, biasPathSamples };
}

/**
 * Lets the event loop run every `ms` milliseconds of computing. `due` is synchronous so that an
 * iteration that does not yield costs no promise and no microtask: on a problem of a few
 * microseconds per iteration an `await` every iteration was a measurable share of the time.
 * For the same reason the clock is read only every `stride` calls, the stride doubling while
 * reads come less than `tick` ms apart and halving when they come more than 2·tick apart: on
 * 100×8 (1.5 µs per iteration) performance.now() was 5% of the time and its boxed result
 * the most of the loop's garbage. A yield is then late by at most about 2·tick.
 */
class Yielder {
  private last = now();
  private lastRead = this.last;
  private stride = 1;
  private countdown = 1;
  private readonly tick: number;
  constructor(private readonly ms: number) {
    this.tick = Math.min(1, ms / 4);
  }
  due(): boolean {
    if (--this.countdown > 0) return false;
    const t = now();
    const since = t - this.lastRead;
    this.lastRead = t;
    if (since < this.tick && this.stride < 1 << 20) this.stride *= 2;
    else if (since > 2 * this.tick && this.stride > 1) this.stride >>= 1;
    this.countdown = this.stride;
    return t - this.last > this.ms;
  }
  async yield(): Promise<void> {
    await yieldToEventLoop();
    this.last = this.lastRead = now();
  }
}

/** Path choice: the row-space path when the preconditioner has one and it pays for the Gram matrix. */
function choosePath(prob: Problem, precond: Preconditioner, want: PathOption, maxIter: number): PathKind {
  const wasm = prob.wasmInstance;
  const ok = supportsRowSpace(wasm, precond);
  if (want === 'primal') return 'primal';
  if (want === 'rowspace') {
    if (!ok) {
      throw new DspgdError('E_PARAM',
        `path: 'rowspace' needs a built-in preconditioner that preserves the row space (gd, normalized, clip, power, colnorm, spectral); ${precond.name} ${precond.preservesRowSpace ? 'has no row-space kernel' : 'does not preserve the row space'}`,
        'path');
    }
    return 'rowspace';
  }
  if (!ok) return 'primal';
  const { n, d, k } = prob;
  // Per iteration: primal ≈ 2ndk multiply-adds, row space ≈ 2n²k. The Gram matrix costs
  // n²d/2 once per problem; count it against a conservative 200 iterations.
  if (2 * n > d) return 'primal';
  const saved = Math.min(maxIter, 200) * 2 * n * k * (d - n);
  if (!prob.hasGram && saved <= (n * n * d) / 2) return 'primal';
  // Row space squares the data (XXᵀ, GᵀG); outside ~1e±30 the primal path's scaled kernels are the safe choice.
  return rowSpaceScaleSafe(wasm, prob) ? 'rowspace' : 'primal';
}

/**
 * Whether the problem has no interpolant, for the gradRelTol stop. For n ≥ d it is decided before
 * the run (an interpolant then exists only for Y − XW0 in the range of X, which generic data is
 * not): for n > d the factorization costs about d/(4k) iterations and a copy of X, and the bias
 * report reuses it. For n < d it is a question the monitor asks only when ‖G‖/‖G₀‖ reaches
 * gradRelTol without tol (a rank-deficient X, as real data often is). Either way it is decided by
 * the data, never by whether an earlier run happened to cache the GD limit, so a run's result
 * does not depend on what ran before it.
 */
function noInterpolant(prob: Problem): boolean | (() => boolean) {
  if (prob.n < prob.d) return () => !prob.gdLimitPtr().info.interpolates;
  return !prob.gdLimitPtr().info.interpolates;
}

/**
 * One run: its engine, stopping monitor and trace. The driver calls evaluate()
 * (the residual/gradient pass at the current iterate), then check() (stopping
 * rules, trace, callbacks), then advance() (∇K and the step), until check()
 * says the run is over; finish() builds the result.
 */
class Run {
  /** The primal engine when the run takes the primal path (batches share its pass). */
  readonly primal?: PrimalEngine;
  private lr = 0;
  private start = { maxAbsResidual: 0, gradNorm: 0 };
  private readonly monitor: StopMonitor;
  private readonly trace: TraceRecorder;
  private t0 = 0;
  private t = 0;
  private status: Status = 'max-iter';
  private reason = '';
  private lossV = 0;
  private rel = 0;
  private gnorm = 0;
  private pendingBregman = -1; // trace index waiting for G_{t+1}
  private Ks = 0;
  private lastSample = -1;
  private readonly yNorm: number;
  private biasPath?: BiasPathRecorder;

  private constructor(
    private readonly prob: Problem,
    private readonly options: SolveOptions,
    private readonly cfg: RunConfig,
    private readonly eng: Engine,
    private readonly pass: ResidualPass | undefined,
    readonly path: PathKind,
  ) {
    if (eng instanceof PrimalEngine) this.primal = eng;
    this.monitor = new StopMonitor(cfg.stop);
    this.trace = new TraceRecorder(cfg.traceEvery, Math.floor(Math.min(cfg.stop.maxIter, 1e7) / cfg.traceEvery) + 2);
    this.yNorm = prob.yNorm > 0 ? prob.yNorm : 1;
  }

  /** In a batch the pass belongs to the batch (external), not to the run. */
  static async create(prob: Problem, options: SolveOptions, cfg: RunConfig, external = false): Promise<Run> {
    const { precond, loss, reduction } = cfg;
    const scale = reduction === 'mean' ? 1 / prob.n : 1;
    const path = choosePath(prob, precond, cfg.path, cfg.stop.maxIter);
    const wasm = prob.wasmInstance;
    if (path === 'rowspace') return new Run(prob, options, cfg, new RowSpaceEngine(wasm, prob, precond, loss, scale), undefined, path);
    // The bias path needs W_GD∞ from its first sample on: computed before the run's buffers
    // exist, its factorization's work memory is free again for them (peak: bench/README.md, "Memory").
    if (cfg.biasPathSamples > 0) prob.gdLimitPtr();
    const kern = await resolveKernel(wasm, cfg.kernel);
    const pass = external ? undefined : await makePass(wasm, prob.n, prob.d, prob.k, cfg.threads, kern);
    try {
      return new Run(prob, options, cfg, new PrimalEngine(wasm, prob, precond, loss, scale, pass, kern), pass, path);
    } catch (err) {
      pass?.free();
      throw err;
    }
  }

  /** The residual/gradient pass (skipped when a batch pass already ran: passDone). */
  evaluate(passDone = false): void {
    if (passDone && this.primal) this.primal.readPass();
    else this.eng.evaluate();
  }

  /** After the first evaluate: the 'auto' learning rate and the clock. */
  begin(): void {
    const { prob, cfg } = this;
    this.start = { maxAbsResidual: this.eng.maxAbsResidual(), gradNorm: this.eng.gradNorm };
    if (cfg.stop.gradRelTol > 0) this.monitor.noInterpolant = noInterpolant(prob);
    this.lr = typeof cfg.lr === 'number' ? cfg.lr : cfg.lr.autoFactor * suggestLearningRate(prob, cfg.precond, cfg.loss, cfg.reduction, this.start);
    if (cfg.biasPathSamples > 0) this.biasPath = new BiasPathRecorder(prob.wasmInstance, prob, cfg.stop.maxIter, cfg.biasPathSamples);
    this.t0 = now();
  }

  /** Stopping rules, trace and callback at iteration t; true when the run is over. */
  check(): boolean {
    const { eng, trace, cfg, options, t } = this;
    const lv = eng.loss;
    const rv = eng.rNorm / this.yNorm;
    const gv = eng.gradNorm;
    if (this.pendingBregman >= 0) {
      trace.setBregman(this.pendingBregman, eng.bregman(this.Ks));
      this.pendingBregman = -1;
    }
    const verdict = this.monitor.check(t, rv, gv, lv);
    if (verdict?.status === 'diverged') {
      // Hand back the last finite iterate and its numbers, not the blown-up one. At t = 0
      // there is none: the numbers are those of W0 as computed (non-finite ones included), not 0.
      if (t > 0) eng.revert();
      else { this.lossV = lv; this.rel = rv; this.gnorm = gv; }
      return this.end('diverged', verdict.reason);
    }
    this.lossV = lv; this.rel = rv; this.gnorm = gv;
    if (t % cfg.traceEvery === 0 || verdict) { trace.push(t, lv, rv, gv); this.lastSample = t; }
    if (verdict) return this.end(verdict.status, verdict.reason);
    // After bregman(): the engine's idle buffers are the sample's work memory (Engine.idleBuffers).
    if (this.biasPath?.due(t)) this.biasPath.record(t, eng.weights(), eng.idleBuffers());
    const callbackDue = options.callback !== undefined && t % cfg.callbackEvery === 0;
    // The clock only when a time limit or a callback asks for it (see Yielder for why).
    const elapsed = callbackDue || cfg.stop.timeLimitMs !== Infinity ? now() - this.t0 : 0;
    if (elapsed > cfg.stop.timeLimitMs) return this.end('time-limit', `time limit of ${cfg.stop.timeLimitMs} ms reached`, true);
    if (options.signal?.aborted) {
      // A string reason (the CLI's 'Ctrl-C') says who stopped the run better than the generic words.
      const why = options.signal.reason;
      return this.end('aborted', typeof why === 'string' && why !== '' ? why : 'aborted by the AbortSignal', true);
    }
    if (callbackDue) {
      let ret: unknown;
      try {
        ret = options.callback!({ iteration: t, loss: lv, relResidual: rv, gradNorm: gv, elapsedMs: elapsed, maxIter: cfg.stop.maxIter });
      } catch (err) {
        throw new DspgdError('E_CALLBACK', `callback: threw at iteration ${t}: ${(err as Error)?.message ?? String(err)}`, 'callback', { cause: err });
      }
      if (ret === false) return this.end('aborted', `stopped by the callback at iteration ${t}`, true);
    }
    return false;
  }

  private end(status: Status, reason: string, sample = false): true {
    this.status = status;
    this.reason = reason;
    this.timeMs = now() - this.t0;
    if (sample && this.lastSample !== this.t) this.trace.push(this.t, this.lossV, this.rel, this.gnorm);
    return true;
  }
  private timeMs = 0;

  /** ∇K(G_t), a Bregman sample when due, and the step to iterate t + 1. */
  advance(): void {
    const { eng, cfg } = this;
    eng.direction(this.t);
    if (eng.tracksBregman && this.t % cfg.traceEvery === 0) {
      this.Ks = eng.saveSample();
      this.pendingBregman = this.trace.length - 1;
    }
    eng.step(this.lr);
    this.t++;
  }

  finish(): SolveResult {
    const { prob, cfg, eng, options } = this;
    const { precond, loss, reduction } = cfg;
    const wasm = prob.wasmInstance;
    const { n, d, k } = prob;
    let divergedAt: number | undefined;
    let suggestedLr: number | undefined;
    if (this.status === 'diverged') {
      divergedAt = this.t;
      suggestedLr = suggestLearningRate(prob, precond, loss, reduction, this.start);
      // Numbers of the returned (last finite) iterate.
      if (this.t > 0) {
        eng.evaluate();
        this.lossV = eng.loss; this.rel = eng.rNorm / this.yNorm; this.gnorm = eng.gradNorm;
        this.t -= 1;
      }
      this.reason += `; try lr ≤ ${suggestedLr.toPrecision(3)} (from λmax(XᵀX) ≈ ${prob.lambdaMax().toPrecision(4)})`;
    }
    let W = eng.weights();
    const Wout = wasm.f64(W, d * k).slice();
    const flags = { isotropic: precond.isotropic, preservesRowSpace: precond.preservesRowSpace, stateful: precond.stateful };
    const biasPath = this.biasPath?.finish(this.t, W, eng.idleBuffers());
    let bias: BiasReport | undefined;
    if (options.report !== false) {
      // The run's buffers are done with: released first, their memory takes the report's work
      // (and, for the first report on a problem, part of the factorization of X: for large X an
      // n×n matrix), so the peak is X plus the larger of the two instead of their sum.
      this.free();
      const own = W = wasm.allocF64(d * k, 'W∞ for the bias report');
      wasm.f64(W, d * k).set(Wout);
      try {
        bias = biasReport(wasm, prob, W, flags, { status: this.status, loss, outsideTheory: precond.outsideTheory });
        if (biasPath) bias.path = biasPath;
      } finally {
        wasm.free(own);
      }
    }
    const trace = this.trace.finish();
    let advice: RunAdvice | undefined;
    if ((this.status === 'max-iter' || this.status === 'stalled' || this.status === 'time-limit') && this.t > 0) {
      advice = this.advise(trace);
    }
    return {
      W: toMatrix(Wout, d, k, prob.labelsOneD),
      status: this.status,
      message: this.reason,
      iterations: this.t,
      loss: this.lossV,
      relResidual: this.rel,
      gradNorm: this.gnorm,
      timeMs: this.timeMs,
      lr: this.lr,
      path: this.path,
      threads: this.pass?.threads ?? 1,
      kernel: this.primal?.kern.name ?? 'simd',
      precond: { name: precond.name, spec: precond.toString(), params: { ...precond.params }, ...flags },
      objective: { name: loss.name, params: { ...loss.params }, reduction },
      problem: { n, d, k, overparameterized: prob.overparameterized },
      trace,
      bias,
      divergedAt,
      suggestedLr,
      advice,
    };
  }

  private advise(trace: Trace): RunAdvice | undefined {
    const { prob, cfg } = this;
    const { precond } = cfg;
    return adviseRun({
      status: this.status as 'max-iter' | 'stalled' | 'time-limit',
      iterations: this.t, tol: cfg.stop.tol, lr: this.lr,
      autoLr: suggestLearningRate(prob, precond, cfg.loss, cfg.reduction, this.start),
      traceIteration: trace.iteration, traceRelResidual: trace.relResidual,
      boundKnown: !precond.stateful && precond.wasm !== undefined && precond.name !== 'power',
      rowSpaceAvailable: supportsRowSpace(prob.wasmInstance, precond), path: this.path, n: prob.n, d: prob.d,
    });
  }

  free(): void {
    this.eng.free();
    this.pass?.free();
  }
}
