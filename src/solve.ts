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
import type { Wasm } from './wasm/module.js';

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
}

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

  const owned = !(problem instanceof Problem);
  const prob = problem instanceof Problem ? problem : await Problem.create(problem);
  try {
    return await run(prob, precond, loss, reduction, stop, options, { callbackEvery, traceEvery, yieldEveryMs });
  } finally {
    if (owned) prob.dispose();
  }
}

interface Work {
  W: number; G: number; P: number; R: number; D: number; Wgood: number;
  stats: number; params: number; scratch: number; Gs: number; Ps: number; M: number; V: number;
}

async function run(
  prob: Problem,
  precond: Preconditioner,
  loss: Loss,
  reduction: Reduction,
  stop: ReturnType<typeof resolveStopping>,
  options: SolveOptions,
  cfg: { callbackEvery: number; traceEvery: number; yieldEveryMs: number },
): Promise<SolveResult> {
  const wasm = prob.wasmInstance;
  const e = wasm.exports;
  const { n, d, k } = prob;
  const len = d * k;
  const builtin = precond.wasm;
  const stateful = precond.stateful && precond.adam !== undefined;
  const hasK = !stateful && (builtin !== undefined || precond.K !== undefined);
  const scale = reduction === 'mean' ? 1 / n : 1;
  const yNorm = prob.yNorm > 0 ? prob.yNorm : 1;

  const ptrs: number[] = [];
  const alloc = (l: number, what: string) => {
    const p = wasm.allocF64(Math.max(l, 1), what);
    ptrs.push(p);
    return p;
  };
  try {
    const w: Work = {
      W: alloc(len, 'W'), G: alloc(len, 'G'), P: alloc(len, '∇K(G)'),
      R: alloc(n * k, 'residual'), D: alloc(n * k, 'loss gradient'), Wgood: alloc(len, 'previous W'),
      stats: alloc(2, 'stats'),
      params: alloc(Math.max(builtin?.params.length ?? 0, 1), 'precond params'),
      scratch: alloc(builtin ? e.precondScratchLen(builtin.id, d, k) : 0, 'precond scratch'),
      Gs: hasK ? alloc(len, 'trace G') : 0, Ps: hasK ? alloc(len, 'trace ∇K') : 0,
      M: stateful ? alloc(len, 'adam m') : 0, V: stateful ? alloc(len, 'adam v') : 0,
    };
    e.copy(len, prob.ptr.W0, w.W);
    if (builtin) wasm.f64(w.params, builtin.params.length).set(builtin.params);

    // The first residual/gradient pass also feeds the 'auto' learning rate.
    e.residualGrad(n, d, k, prob.ptr.X, w.W, prob.ptr.Y, w.G, w.R, w.D, loss.wasm.id, loss.wasm.param, scale, w.stats);
    const start = { maxAbsResidual: maxAbs(wasm.f64(w.R, n * k)), gradNorm: Math.sqrt(e.sumsq(len, w.G)) };
    const lr = options.lr === 'auto' ? suggestLearningRate(prob, precond, loss, reduction, start) : options.lr;

    const custom = builtin ? undefined : precond.gradK;
    const views = new CustomViews(wasm, w.G, w.P, len);
    // Read the two stats through one cached view; it is rebuilt only if memory grew (never in this loop's own calls).
    let stats = wasm.f64(w.stats, 2);
    const readStats = () => (stats.buffer === e.memory.buffer ? stats : (stats = wasm.f64(w.stats, 2)));

    // W and its predecessor live in two buffers that swap roles each step, so the last
    // finite iterate is always at hand for a divergence without copying W every iteration.
    let W = w.W, Wprev = w.Wgood;
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
      if (!firstPass) {
        e.residualGrad(n, d, k, prob.ptr.X, W, prob.ptr.Y, w.G, w.R, w.D, loss.wasm.id, loss.wasm.param, scale, w.stats);
      }
      firstPass = false;
      const st = readStats();
      const lv = st[0];
      const rv = Math.sqrt(st[1]) / yNorm;
      const gv = Math.sqrt(e.sumsq(len, w.G));

      if (pendingBregman >= 0) {
        trace.setBregman(pendingBregman, bregman(wasm, precond, w, len, d, k, Ks, views));
        pendingBregman = -1;
      }
      const verdict = monitor.check(t, rv, gv, lv);
      if (verdict?.status === 'diverged') {
        // Hand back the last finite iterate and its numbers, not the blown-up one.
        if (t > 0) W = Wprev;
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

      // P = ∇K(G)
      if (stateful) {
        const a = precond.adam!;
        e.adamMomentStep(len, w.G, w.M, w.V, w.P, a.beta1, a.beta2, a.eps, t + 1);
      } else if (builtin) {
        e.precondGrad(builtin.id, d, k, w.G, w.P, w.params, w.scratch);
      } else {
        views.refresh();
        try {
          custom!(views.G, views.P, d, k);
        } catch (err) {
          throw new DspgdError('E_CALLBACK', `precond ${precond.name}: gradK threw at iteration ${t}: ${(err as Error)?.message ?? String(err)}`, 'precond', { cause: err });
        }
      }
      if (hasK && t % cfg.traceEvery === 0) {
        e.copy(len, w.G, w.Gs);
        e.copy(len, w.P, w.Ps);
        Ks = Kvalue(wasm, precond, w.G, w, d, k, views);
        pendingBregman = trace.length - 1;
      }
      e.axpyInto(len, -lr, w.P, W, Wprev);
      const next = Wprev;
      Wprev = W;
      W = next;
      t++;

      const tn = now();
      if (tn - lastYield > cfg.yieldEveryMs) {
        await yieldToEventLoop();
        lastYield = now();
      }
    }
    const timeMs = now() - t0;

    const Wout = wasm.f64(W, len).slice();
    let divergedAt: number | undefined;
    let suggestedLr: number | undefined;
    if (status === 'diverged') {
      divergedAt = t;
      suggestedLr = suggestLearningRate(prob, precond, loss, reduction, start);
      // Numbers of the returned (last finite) iterate.
      if (t > 0) {
        e.residualGrad(n, d, k, prob.ptr.X, W, prob.ptr.Y, w.G, w.R, w.D, loss.wasm.id, loss.wasm.param, scale, w.stats);
        const st = wasm.f64(w.stats, 2);
        lossV = st[0]; rel = Math.sqrt(st[1]) / yNorm; gnorm = Math.sqrt(e.sumsq(len, w.G));
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
      precond: { name: precond.name, spec: precond.toString(), params: { ...precond.params }, ...flags },
      objective: { name: loss.name, params: { ...loss.params }, reduction },
      problem: { n, d, k, overparameterized: prob.overparameterized },
      trace: trace.finish(),
      bias,
      divergedAt,
      suggestedLr,
    };
  } finally {
    for (const p of ptrs) wasm.free(p);
  }
}

/** Views for user-supplied ∇K/K, rebuilt only when WASM memory has grown (which detaches old views). */
class CustomViews {
  G: Float64Array;
  P: Float64Array;
  constructor(private readonly wasm: Wasm, private readonly g: number, private readonly p: number, private readonly len: number) {
    this.G = wasm.f64(g, len);
    this.P = wasm.f64(p, len);
  }
  refresh(): void {
    if (this.G.buffer !== this.wasm.exports.memory.buffer) {
      this.G = this.wasm.f64(this.g, this.len);
      this.P = this.wasm.f64(this.p, this.len);
    }
  }
  view(ptr: number): Float64Array {
    return ptr === this.g ? (this.refresh(), this.G) : this.wasm.f64(ptr, this.len);
  }
}

function Kvalue(wasm: Wasm, precond: Preconditioner, G: number, w: Work, d: number, k: number, views: CustomViews): number {
  if (precond.wasm) return wasm.exports.precondValue(precond.wasm.id, d, k, G, w.params, w.scratch);
  try {
    return precond.K!(views.view(G), d, k);
  } catch (err) {
    throw new DspgdError('E_CALLBACK', `precond ${precond.name}: K threw: ${(err as Error)?.message ?? String(err)}`, 'precond', { cause: err });
  }
}

/** D_K(G_{t+1}, G_t) with G_t, ∇K(G_t), K(G_t) saved at the sample (Gs, Ps, Ks) and G_{t+1} in G. */
function bregman(wasm: Wasm, precond: Preconditioner, w: Work, len: number, d: number, k: number, Ks: number, views: CustomViews): number {
  const e = wasm.exports;
  const K1 = Kvalue(wasm, precond, w.G, w, d, k, views);
  // ⟨∇K(G_t), G_{t+1} − G_t⟩, differencing first (Gs is free after this).
  e.sub(len, w.G, w.Gs, w.Gs);
  const inner = e.dot(len, w.Ps, w.Gs);
  return K1 - Ks - inner;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}
