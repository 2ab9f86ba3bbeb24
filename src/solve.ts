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
import { biasReport, type BiasReport } from './report/bias.js';
import { suggestLearningRate } from './lr.js';
import { requireParam } from './spec.js';
import { now, yieldToEventLoop } from './util/yield.js';
import type { Engine, PathKind } from './engine/types.js';
import { PrimalEngine } from './engine/primal.js';
import { RowSpaceEngine, supportsRowSpace } from './engine/rowspace.js';
import { makePass, type ResidualPass } from './engine/threads.js';

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
  /** Learning rate η > 0, or 'auto' for the suggestion of suggestLearningRate(). */
  lr: number | 'auto';
  /** ℓ: a spec string ('huber:delta=0.5') or a Loss. Default 'squared'. */
  loss?: string | Loss;
  /** 'sum' (default) or 'mean' (ℓ and ∇ℓ divided by n). */
  reduction?: Reduction;
  /** Stops the run (status 'aborted') at the next iteration after it fires. */
  signal?: AbortSignal;
  /** Called every `callbackEvery` iterations; return false to stop (status 'aborted'). */
  callback?: (p: Progress) => void | boolean;
  /** Default 100. */
  callbackEvery?: number;
  /** Trace sampling interval. Default: about 1000 samples over maxIter. */
  traceEvery?: number;
  /** Compute the implicit-bias report (default true). Sweeps over one problem share its GD limit. */
  report?: boolean;
  /** How often the loop lets the event loop run, in ms. Default 25. */
  yieldEveryMs?: number;
  /**
   * 'primal' iterates on W (d×k); 'rowspace' iterates on A (n×k) with W = W0 + XᵀA, using the
   * Gram matrix XXᵀ (only for built-in preconditioners that preserve the row space: gd,
   * normalized, clip, power, colnorm, spectral). Default 'auto': row space when it pays.
   */
  path?: PathOption;
  /**
   * Threads for the primal pass over X (default 1). Needs shared WASM memory (Node, or a
   * cross-origin-isolated page); results are bit-identical to one thread.
   */
  threads?: number;
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
  precond: { name: string; spec: string; params: Record<string, number>; isotropic: boolean; preservesRowSpace: boolean; stateful: boolean };
  objective: { name: string; params: Record<string, number>; reduction: Reduction };
  problem: { n: number; d: number; k: number; overparameterized: boolean };
  trace: Trace;
  /** The implicit-bias report (absent with report: false). */
  bias?: BiasReport;
  /** When status is 'diverged': the iteration where it was detected and a learning rate that is stable from W0. */
  divergedAt?: number;
  suggestedLr?: number;
}

/**
 * Runs DSPGD on a problem (a Problem, or { X, Y, W0 } data that is copied in
 * for this call and released after it).
 */
export async function solve(problem: Problem | ProblemData, options: SolveOptions): Promise<SolveResult> {
  if (options === null || typeof options !== 'object') {
    throw new DspgdError('E_PARAM', 'options: expected { precond, lr, ... }', 'options');
  }
  // Validate everything before touching WASM memory.
  const precond = resolvePrecond(options.precond as string | Preconditioner, 'precond');
  const loss = resolveLoss(options.loss, 'loss');
  const reduction = resolveReduction(options.reduction, 'reduction');
  const stop = resolveStopping(options);
  if (options.lr !== 'auto') {
    requireParam(typeof options.lr === 'number' && Number.isFinite(options.lr) && options.lr > 0, 'lr', 'a finite number > 0 (or "auto")', options.lr);
  }
  const callbackEvery = options.callbackEvery ?? 100;
  requireParam(Number.isInteger(callbackEvery) && callbackEvery >= 1, 'callbackEvery', 'an integer ≥ 1', callbackEvery);
  const traceEvery = options.traceEvery ?? Math.max(1, Math.ceil(Math.min(stop.maxIter, 1e9) / 1000));
  requireParam(Number.isInteger(traceEvery) && traceEvery >= 1, 'traceEvery', 'an integer ≥ 1', traceEvery);
  const yieldEveryMs = options.yieldEveryMs ?? 25;
  requireParam(yieldEveryMs > 0, 'yieldEveryMs', 'a number > 0', yieldEveryMs);
  if (options.callback !== undefined && typeof options.callback !== 'function') {
    throw new DspgdError('E_PARAM', 'callback: expected a function', 'callback');
  }

  const path = options.path ?? 'auto';
  requireParam(path === 'auto' || path === 'primal' || path === 'rowspace', 'path', "'auto', 'primal' or 'rowspace'", path);
  const threads = options.threads ?? 1;
  requireParam(Number.isInteger(threads) && threads >= 1 && threads <= 64, 'threads', 'an integer from 1 to 64', threads);

  const owned = !(problem instanceof Problem);
  const prob = problem instanceof Problem ? problem : await Problem.create(problem);
  try {
    return await run(prob, precond, loss, reduction, stop, options, { callbackEvery, traceEvery, yieldEveryMs, path, threads });
  } finally {
    if (owned) prob.dispose();
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
  return prob.hasGram || saved > (n * n * d) / 2 ? 'rowspace' : 'primal';
}

async function makeEngine(path: PathKind, prob: Problem, precond: Preconditioner, loss: Loss, scale: number, threads: number): Promise<{ engine: Engine; pass?: ResidualPass }> {
  const wasm = prob.wasmInstance;
  if (path === 'rowspace') return { engine: new RowSpaceEngine(wasm, prob, precond, loss, scale) };
  const pass = await makePass(wasm, prob.n, prob.d, prob.k, threads);
  try {
    return { engine: new PrimalEngine(wasm, prob, precond, loss, scale, pass), pass };
  } catch (err) {
    pass.free();
    throw err;
  }
}

async function run(
  prob: Problem,
  precond: Preconditioner,
  loss: Loss,
  reduction: Reduction,
  stop: ReturnType<typeof resolveStopping>,
  options: SolveOptions,
  cfg: { callbackEvery: number; traceEvery: number; yieldEveryMs: number; path: PathOption; threads: number },
): Promise<SolveResult> {
  const wasm = prob.wasmInstance;
  const { n, d, k } = prob;
  const len = d * k;
  const scale = reduction === 'mean' ? 1 / n : 1;
  const yNorm = prob.yNorm > 0 ? prob.yNorm : 1;
  const path = choosePath(prob, precond, cfg.path, stop.maxIter);
  const { engine: eng, pass } = await makeEngine(path, prob, precond, loss, scale, cfg.threads);
  try {
    // The first residual/gradient pass also feeds the 'auto' learning rate.
    eng.evaluate();
    const start = { maxAbsResidual: eng.maxAbsResidual(), gradNorm: eng.gradNorm };
    const lr = options.lr === 'auto' ? suggestLearningRate(prob, precond, loss, reduction, start) : options.lr;

    const monitor = new StopMonitor(stop);
    const trace = new TraceRecorder(cfg.traceEvery, Math.floor(Math.min(stop.maxIter, 1e7) / cfg.traceEvery) + 2);
    const t0 = now();
    let lastYield = t0;
    let t = 0;
    let status: Status;
    let reason: string;
    let lossV = 0, rel = 0, gnorm = 0;
    let pendingBregman = -1; // trace index waiting for G_{t+1}
    let Ks = 0;
    let firstPass = true;
    let lastSample = -1;
    const sampleFinal = (lv: number, rv: number, gv: number) => { if (lastSample !== t) trace.push(t, lv, rv, gv); };

    for (;;) {
      if (!firstPass) eng.evaluate();
      firstPass = false;
      const lv = eng.loss;
      const rv = Math.sqrt(eng.rr) / yNorm;
      const gv = eng.gradNorm;

      if (pendingBregman >= 0) {
        trace.setBregman(pendingBregman, eng.bregman(Ks));
        pendingBregman = -1;
      }
      const verdict = monitor.check(t, rv, gv, lv);
      if (verdict?.status === 'diverged') {
        // Hand back the last finite iterate and its numbers, not the blown-up one.
        if (t > 0) eng.revert();
        status = 'diverged';
        reason = verdict.reason;
        break;
      }
      lossV = lv; rel = rv; gnorm = gv;
      if (t % cfg.traceEvery === 0 || verdict) { trace.push(t, lv, rv, gv); lastSample = t; }
      if (verdict) {
        status = verdict.status;
        reason = verdict.reason;
        break;
      }
      const elapsed = now() - t0;
      if (elapsed > stop.timeLimitMs) {
        status = 'time-limit'; reason = `time limit of ${stop.timeLimitMs} ms reached`;
        sampleFinal(lv, rv, gv);
        break;
      }
      if (options.signal?.aborted) {
        status = 'aborted'; reason = 'aborted by the AbortSignal';
        sampleFinal(lv, rv, gv);
        break;
      }
      if (options.callback && t % cfg.callbackEvery === 0) {
        let ret: void | boolean;
        try {
          ret = options.callback({ iteration: t, loss: lv, relResidual: rv, gradNorm: gv, elapsedMs: elapsed, maxIter: stop.maxIter });
        } catch (err) {
          throw new DspgdError('E_CALLBACK', `callback: threw at iteration ${t}: ${(err as Error)?.message ?? String(err)}`, 'callback', { cause: err });
        }
        if (ret === false) {
          status = 'aborted'; reason = `stopped by the callback at iteration ${t}`;
          sampleFinal(lv, rv, gv);
          break;
        }
      }

      eng.direction(t);
      if (eng.tracksBregman && t % cfg.traceEvery === 0) {
        Ks = eng.saveSample();
        pendingBregman = trace.length - 1;
      }
      eng.step(lr);
      t++;

      const tn = now();
      if (tn - lastYield > cfg.yieldEveryMs) {
        await yieldToEventLoop();
        lastYield = now();
      }
    }
    const timeMs = now() - t0;

    const W = eng.weights();
    const Wout = wasm.f64(W, len).slice();
    let divergedAt: number | undefined;
    let suggestedLr: number | undefined;
    if (status === 'diverged') {
      divergedAt = t;
      suggestedLr = suggestLearningRate(prob, precond, loss, reduction, start);
      // Numbers of the returned (last finite) iterate.
      if (t > 0) {
        eng.evaluate();
        lossV = eng.loss; rel = Math.sqrt(eng.rr) / yNorm; gnorm = eng.gradNorm;
        t -= 1;
      }
      reason += `; try lr ≤ ${suggestedLr.toPrecision(3)} (from λmax(XᵀX) ≈ ${prob.lambdaMax().toPrecision(4)})`;
    }
    const flags = { isotropic: precond.isotropic, preservesRowSpace: precond.preservesRowSpace, stateful: precond.stateful };
    const bias = options.report === false ? undefined : biasReport(wasm, prob, W, flags, status === 'converged');

    return {
      W: toMatrix(Wout, d, k, prob.labelsOneD),
      status,
      message: reason,
      iterations: t,
      loss: lossV,
      relResidual: rel,
      gradNorm: gnorm,
      timeMs,
      lr,
      path,
      threads: pass?.threads ?? 1,
      precond: { name: precond.name, spec: precond.toString(), params: { ...precond.params }, ...flags },
      objective: { name: loss.name, params: { ...loss.params }, reduction },
      problem: { n, d, k, overparameterized: prob.overparameterized },
      trace: trace.finish(),
      bias,
      divergedAt,
      suggestedLr,
    };
  } finally {
    eng.free();
    pass?.free();
  }
}
