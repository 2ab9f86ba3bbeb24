/**
 * The benchmark suite, runtime-agnostic: no `node:` imports, so the
 * browser bench page runs this same file with the peers that work there. Peers
 * that need Node (NumPy through python3) and the memory section (child
 * processes) live in node-only files and are passed in.
 *
 * Timing rules, so numbers compare like with like:
 * - dspgd's time per iteration is (T(N) − T(1)) / (N − 1) with fixed N (tol 0,
 *   no stall check, no report): solve()'s set-up cost cancels and what is left is
 *   the loop users pay for every iteration.
 * - Peers time their own iteration loop (ms / iters): their set-up (copies, the
 *   library's own data structures) is not the iteration.
 * - Medians of repeats; nothing here asserts a time.
 * - Before timing, every peer's W after its first timed run is compared with
 *   dspgd's W after the same number of iterations: the peers must compute the
 *   same iteration, or their times mean nothing.
 */
// Runtime-agnostic modules only (not the Node entry src/index.ts, which also exports file reading).
import { solve, solveBatch, type SolveOptions } from '../src/solve.js';
import { generate } from '../src/generate.js';
import { suggestLearningRate } from '../src/lr.js';
import type { Problem } from '../src/problem.js';
import { DspgdError } from '../src/errors.js';
import { getWasm } from '../src/wasm/module.js';
import { benchKernels } from './kernels.js';
import {
  BENCH_PRECONDS, PRECOND_PARAMS,
  type BenchPrecond, type Peer, type PeerProblem, type IterationPeer, type BandwidthPeer, type PreparedPeer,
} from './types.js';
import { evaluateTargets, type TargetVerdict } from './targets.js';

export * from './types.js';

export interface IterationPlan {
  /** dspgd: N in (T(N) − T(1)) / (N − 1). For a sweep, iterations per run. */
  dspgdIters: number;
  dspgdRepeats: number;
  /** Iterations and repeats of the compiled peers (NumPy, tfjs). */
  peerIters: number;
  peerRepeats: number;
  /** Iterations and repeats of the plain-JS peers (JS reference, ml-matrix), which are 10–100× slower. */
  slowIters: number;
  slowRepeats: number;
}

export interface WorkloadSpec {
  id: string;
  n: number; d: number; k: number;
  seed: number;
  /** A learning-rate sweep: this many runs (lr = base · j/runs, j = 1..runs) on the same X. */
  runs?: number;
  plan: IterationPlan;
  quickPlan: IterationPlan;
}

const plan = (dspgdIters: number, dspgdRepeats: number, peerIters: number, peerRepeats: number, slowIters: number, slowRepeats: number): IterationPlan =>
  ({ dspgdIters, dspgdRepeats, peerIters, peerRepeats, slowIters, slowRepeats });

/** The workloads (float64, seeded Gaussian X ~ N(0, 1/d), Y ~ N(0, 1), W0 = 0). */
export const WORKLOADS: Readonly<Record<'W1' | 'W2' | 'W3' | 'W4' | 'W5', WorkloadSpec>> = {
  W1: { id: 'W1', n: 100, d: 1000, k: 1, seed: 1, plan: plan(400, 7, 200, 5, 40, 3), quickPlan: plan(40, 3, 10, 2, 4, 2) },
  W2: { id: 'W2', n: 512, d: 8192, k: 8, seed: 2, plan: plan(80, 7, 20, 5, 3, 5), quickPlan: plan(10, 3, 4, 2, 2, 1) },
  // X is 320 MB: the plain-JS peers take seconds per iteration, so they run 2 iterations, twice.
  W3: { id: 'W3', n: 2000, d: 20000, k: 10, seed: 3, plan: plan(20, 5, 5, 3, 2, 2), quickPlan: plan(4, 2, 2, 1, 1, 1) },
  W4: { id: 'W4', n: 512, d: 8192, k: 8, seed: 2, runs: 8, plan: plan(40, 3, 5, 2, 2, 1), quickPlan: plan(6, 2, 2, 1, 1, 1) },
  // Tall (n > d, no interpolant): the iteration is the same 2ndk pass; X is 128 MB. Asked for by name only.
  W5: { id: 'W5', n: 32768, d: 512, k: 8, seed: 5, plan: plan(20, 5, 5, 3, 2, 1), quickPlan: plan(4, 2, 2, 1, 1, 1) },
};
export const WORKLOAD_IDS = Object.keys(WORKLOADS) as (keyof typeof WORKLOADS)[];
/** What a run without --workloads takes: W5 is left to those who ask for it (it adds minutes on 2 cores). */
export const DEFAULT_WORKLOAD_IDS: readonly (keyof typeof WORKLOADS)[] = ['W1', 'W2', 'W3', 'W4'];

export type ProgressEvent = { phase: string; workload?: string; precond?: string; peer?: string; message: string };

export interface SuiteOptions {
  workloads: readonly WorkloadSpec[];
  preconds?: readonly BenchPrecond[];
  peers?: readonly Peer[];
  quick?: boolean;
  /**
   * The extra sections and the workload each runs on (false: skipped). Defaults: rowspace on
   * W2, batch on W4, threads on W3, each only when that workload is among `workloads`.
   */
  sections?: { rowspace?: WorkloadSpec | false; batch?: WorkloadSpec | false; threads?: WorkloadSpec | false };
  /** Threads for the threads section (needs shared WASM memory; the result says what ran). */
  threads?: number;
  /** The memory section needs child processes: the Node entry passes it in. */
  memory?: () => Promise<MemoryRow[]>;
  onProgress?: (e: ProgressEvent) => void;
}

export interface CheckResult {
  iters: number;
  /** ‖W_peer − W_dspgd‖ / ‖W_dspgd − W0‖ after `iters` updates from W0. */
  relErr: number;
  tol: number;
  pass: boolean;
}

export interface PeerCell {
  status: 'ok' | 'n/a' | 'error' | 'check-failed';
  reason?: string;
  precision: 'f64' | 'f32';
  msPerIter?: number;
  /** peer ms/iter ÷ dspgd ms/iter: how many times faster dspgd is (> 1: dspgd faster). */
  ratio?: number;
  /** Sweeps: time for one run of the workload's N iterations (extrapolated from msPerIter when the peer ran fewer). */
  msPerRun?: number;
  iters?: number;
  repeats?: number;
  samplesMs?: number[];
  check?: CheckResult;
}

export interface StreamCell { msPerRead: number; gbps: number; samplesMs: number[] }

export interface MainRow {
  workload: string;
  n: number; d: number; k: number;
  runs: number;
  precond: BenchPrecond;
  params: Record<string, number>;
  /** The learning rate (sweeps: the largest; the others are j/runs of it). */
  lr: number;
  bytesX: number;
  /**
   * gbps: bytes of X ÷ time per iteration. gflops: 4·n·d·k ÷ time (X·W and Xᵀ·R, a multiply and an
   * add each): with k ≥ 8 the pass does 2k flops per double of X, so it is bound by arithmetic, not memory.
   */
  dspgd: { msPerIter: number; gbps: number; gflops: number; iters: number; repeats: number; samplesMs: number[]; msPerRun?: number };
  /** The streaming-read limit over X's bytes, and dspgd's share of it. */
  stream?: StreamCell & { fraction: number };
  /** dspgd's GFLOP/s as a share of the arithmetic limit (SuiteResult.arithmetic). */
  arithmetic?: { fraction: number };
  peers: Record<string, PeerCell>;
}

export interface RowspaceRow {
  workload: string; precond: BenchPrecond; lr: number;
  primalMsPerIter: number; rowspaceMsPerIter: number; speedup: number;
  /** Iterations both paths ran (primal ran to tol first; row space then ran the same count). */
  iterations: number; relResidual: number;
  /** ‖W_rowspace − W_primal‖ / ‖W_primal − W0‖ at the end. */
  relDiff: number;
}

export interface BatchRow {
  workload: string; precond: BenchPrecond; runs: number; itersPerRun: number;
  batchedMs: number; separateMs: number; ratio: number;
  /** Every batched run's W equal (bitwise) to the separate run's. */
  identical: boolean;
  samplesBatchedMs: number[]; samplesSeparateMs: number[];
}

export interface ThreadsRow {
  workload: string; precond: BenchPrecond; threads: number; threadsUsed: number;
  ms1: number; msN: number; speedup: number; identical: boolean; iters: number;
}

export interface MemoryRow {
  route: 'generate' | 'npy';
  workload: string;
  /** Bytes of X, Y and W (d×k) combined. */
  dataBytes: number;
  peakRssBytes: number;
  ratio: number;
  steps: string;
  /** Peak RSS after each step (a high-water mark, so each is the peak so far): which step set the peak. */
  peaks?: { step: string; peakRssBytes: number }[];
  error?: string;
}

export interface PeerInfo {
  name: string; label: string; kind: Peer['kind']; precision: 'f64' | 'f32'; note: string;
  available: boolean; reason?: string; info?: Record<string, unknown>;
}

export interface SuiteResult {
  schema: 'dspgd-bench/1';
  startedAt: string;
  finishedAt: string;
  quick: boolean;
  workloads: Array<Omit<WorkloadSpec, 'plan' | 'quickPlan'> & { plan: IterationPlan; bytesX: number }>;
  preconds: BenchPrecond[];
  peers: PeerInfo[];
  rows: MainRow[];
  rowspace: RowspaceRow[];
  batch: BatchRow[];
  threads: ThreadsRow[];
  memory: MemoryRow[];
  targets: TargetVerdict[];
  notices: string[];
  /**
   * The arithmetic limit: f64x2 multiply-adds per second with operands in registers (mulAddPeak),
   * best of the samples. WASM SIMD has no fused multiply-add, so no float64 WASM kernel does more
   * flops per second than this; `fraction` in each row's `arithmetic` is dspgd's share of it.
   */
  arithmetic?: { gflops: number; samplesGflops: number[] };
  /**
   * The per-iteration floor: solve() on a tiny problem (n = 100, d = 8, k = 1), where the pass
   * over X is a few hundred nanoseconds and the rest is what every iteration pays whatever the
   * size (WASM calls, ‖G‖, ∇K, the update, the stopping checks, the trace). µs per iteration, median.
   */
  overhead?: Array<{ precond: BenchPrecond; usPerIter: number; samplesUs: number[] }>;
  /** Filled by the host (Node entry or browser page): machine and runtime. */
  environment?: Record<string, unknown>;
}

/** Relative tolerance of the same-iteration check: round-off for float64, float32 round-off for tfjs. */
export const CHECK_TOL = { f64: 1e-10, f32: 1e-4 } as const;

const now = () => performance.now();

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

export function relDiff(a: ArrayLike<number>, b: ArrayLike<number>, W0?: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += (b[i] - (W0 ? W0[i] : 0)) ** 2;
  }
  return den > 0 ? Math.sqrt(num / den) : Math.sqrt(num);
}

export function precondSpec(p: BenchPrecond): string {
  const params = Object.entries(PRECOND_PARAMS[p]);
  return params.length ? `${p}:${params.map(([k, v]) => `${k}=${v}`).join(',')}` : p;
}

/** Sweep learning rates: base · j/runs, j = runs..1 (all stable when base is). */
export function sweepLrs(base: number, runs: number): number[] {
  return Array.from({ length: runs }, (_, j) => base * (runs - j) / runs);
}

function baseOptions(precond: BenchPrecond, lr: number, iters: number, extra: Partial<SolveOptions> = {}): SolveOptions {
  return {
    precond: precondSpec(precond), lr, maxIter: iters, tol: 0, stall: false, report: false,
    // The trace as a long run samples it (a thousandth of the iterations), not at every one of
    // the few timed iterations: the Bregman term costs a K(G) evaluation per sample (adam: a log
    // per entry), which the peers do not compute.
    traceEvery: 1000,
    // A stable lr never trips it; a fixed iteration count is what is being timed.
    divergenceFactor: 1e300,
    path: 'primal', threads: 1, ...extra,
  };
}

function flat(W: { data: ArrayLike<number> }): Float64Array {
  return W.data instanceof Float64Array ? W.data : Float64Array.from(W.data);
}

async function timedSolve(problem: Problem, opts: SolveOptions): Promise<{ ms: number; W: Float64Array; iterations: number }> {
  const t0 = now();
  const r = await solve(problem, opts);
  const ms = now() - t0;
  return { ms, W: flat(r.W), iterations: r.iterations };
}

/** (T(N) − T(1)) / (N − 1), T(1) and T(N) interleaved per repeat so drift hits both. */
async function timePerIteration(run: (iters: number) => Promise<number>, N: number, repeats: number): Promise<number[]> {
  if (N < 2) throw new DspgdError('E_PARAM', `iterations: (T(N) − T(1))/(N − 1) needs N ≥ 2, got ${N}`, 'plan.dspgdIters');
  await run(1); // warm-up: JIT, WASM tier-up, first allocations
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    // T(N) ≤ T(1) means the short run was preempted (a loaded host): measure the pair again. If it
    // keeps happening, T(N)/N is the sample, an overestimate (it includes the per-solve overhead),
    // so dspgd is never credited with a time of 0.
    let sample = NaN, tN = NaN;
    for (let attempt = 0; attempt < 5 && !(sample > 0); attempt++) {
      const t1 = await run(1);
      tN = await run(N);
      sample = (tN - t1) / (N - 1);
    }
    samples.push(sample > 0 ? sample : tN / N);
  }
  return samples;
}

const gbps = (bytes: number, ms: number) => bytes / (ms * 1e6);

/** solve()'s time per iteration on a problem too small for the pass over X to matter. */
async function overheadSection(quick: boolean, preconds: BenchPrecond[]): Promise<NonNullable<SuiteResult['overhead']>> {
  const problem = await generate({ n: 100, d: 8, k: 1, seed: 11, oneD: false });
  // n > d: the least-squares minimum is reached in a few dozen iterations, so the gradient
  // tests are switched off to time a fixed count.
  try {
    const out: NonNullable<SuiteResult['overhead']> = [];
    for (const precond of preconds) {
      const lr = suggestLearningRate(problem, precondSpec(precond));
      const N = quick ? 2000 : 20000;
      const samples = await timePerIteration(async (iters) => (await timedSolve(problem, baseOptions(precond, lr, iters, { gradTol: 0, gradRelTol: 0 }))).ms, N, quick ? 3 : 9);
      const us = samples.map((x) => 1000 * x);
      out.push({ precond, usPerIter: median(us), samplesUs: us });
    }
    return out;
  } finally {
    problem.dispose();
  }
}

export async function runSuite(options: SuiteOptions): Promise<SuiteResult> {
  const quick = options.quick === true;
  const preconds = [...(options.preconds ?? BENCH_PRECONDS)];
  for (const p of preconds) {
    if (!BENCH_PRECONDS.includes(p)) {
      throw new DspgdError('E_UNKNOWN_NAME', `precond: the suite times ${BENCH_PRECONDS.join(', ')}; got "${p}"`, 'precond');
    }
  }
  if (options.workloads.length === 0) throw new DspgdError('E_PARAM', 'workloads: expected at least one workload', 'workloads');
  const progress = (e: ProgressEvent) => options.onProgress?.(e);
  const startedAt = new Date().toISOString();
  const notices: string[] = [];

  const peerInfos: PeerInfo[] = [];
  const live: Peer[] = [];
  for (const peer of options.peers ?? []) {
    let ok: true | string;
    try {
      ok = await peer.available();
    } catch (e) {
      ok = e instanceof Error ? e.message : String(e);
    }
    peerInfos.push({ name: peer.name, label: peer.label, kind: peer.kind, precision: peer.precision, note: peer.note, available: ok === true, reason: ok === true ? undefined : ok });
    if (ok === true) live.push(peer);
    else {
      notices.push(`peer ${peer.name} not available: ${ok}; carrying on without it`);
      progress({ phase: 'notice', peer: peer.name, message: `${peer.name} not available: ${ok}` });
    }
  }

  progress({ phase: 'arithmetic', message: 'f64x2 multiply-add peak' });
  const arithmetic = await measureArithmeticPeak(quick);

  progress({ phase: 'overhead', message: 'per-iteration overhead (100×8, k=1)' });
  const overhead = await overheadSection(quick, preconds.filter((x) => x !== 'spectral'));

  const rows: MainRow[] = [];
  const workloadInfo: SuiteResult['workloads'] = [];
  for (const w of options.workloads) {
    const p = quick ? w.quickPlan : w.plan;
    workloadInfo.push({ id: w.id, n: w.n, d: w.d, k: w.k, seed: w.seed, runs: w.runs, plan: p, bytesX: 8 * w.n * w.d });
    rows.push(...await runWorkload(w, p, preconds, live, progress, notices));
  }

  const pick = (key: 'rowspace' | 'batch' | 'threads', id: string): WorkloadSpec | undefined => {
    const s = options.sections?.[key];
    if (s === false) return undefined;
    return s ?? options.workloads.find((w) => w.id === id);
  };
  const rowspace: RowspaceRow[] = [];
  const rsW = pick('rowspace', 'W2');
  if (rsW) rowspace.push(...await rowspaceSection(rsW, quick, preconds.filter((x) => x !== 'adam'), progress));
  const batch: BatchRow[] = [];
  const bW = pick('batch', 'W4');
  if (bW) batch.push(...await batchSection(bW, quick, preconds, progress));
  const threads: ThreadsRow[] = [];
  const tW = pick('threads', 'W3');
  if (tW) threads.push(...await threadsSection(tW, quick, preconds.filter((x) => x !== 'spectral'), options.threads ?? 2, progress, notices));
  let memory: MemoryRow[] = [];
  if (options.memory) {
    progress({ phase: 'memory', message: 'peak RSS of child processes' });
    memory = await options.memory();
  }

  for (const p of live) {
    const info = p.info?.();
    if (info) peerInfos.find((x) => x.name === p.name)!.info = info;
  }
  for (const x of rows) x.arithmetic = { fraction: x.dspgd.gflops / arithmetic.gflops };
  const result: SuiteResult = {
    schema: 'dspgd-bench/1', startedAt, finishedAt: new Date().toISOString(), quick,
    workloads: workloadInfo, preconds, peers: peerInfos, rows, rowspace, batch, threads, memory, targets: [], notices, arithmetic, overhead,
  };
  result.targets = evaluateTargets(result);
  return result;
}

/**
 * mulAddPeak on dspgd's own WASM instance: the best GFLOP/s over several samples. Calls are short
 * (~1 ms) and repeated for a fixed time, first to let the engine move the kernel to its optimizing
 * tier (a call that started in the baseline tier finishes there), then for each sample long
 * enough for a coarse browser clock (performance.now() may step by 0.1 ms).
 */
async function measureArithmeticPeak(quick: boolean): Promise<{ gflops: number; samplesGflops: number[] }> {
  const { mulAddPeak } = await benchKernels(await getWasm());
  const steps = 20_000; // ≈ 1 MFLOP per call
  let sink = 0;
  const runFor = (ms: number): { calls: number; elapsed: number } => {
    const t0 = now();
    let calls = 0, elapsed = 0;
    do {
      sink += mulAddPeak(steps, 0.5 + calls);
      calls++;
      elapsed = now() - t0;
    } while (elapsed < ms);
    return { calls, elapsed };
  };
  runFor(quick ? 100 : 300);
  const samplesGflops: number[] = [];
  for (let i = 0; i < (quick ? 3 : 9); i++) {
    const { calls, elapsed } = runFor(quick ? 20 : 50);
    samplesGflops.push((48 * steps * calls) / (elapsed * 1e6));
  }
  if (!Number.isFinite(sink)) samplesGflops.push(NaN); // keeps the sums live; never true for these inputs
  return { gflops: Math.max(...samplesGflops.filter(Number.isFinite)), samplesGflops };
}

async function runWorkload(
  w: WorkloadSpec, p: IterationPlan, preconds: BenchPrecond[], peers: Peer[],
  progress: (e: ProgressEvent) => void, notices: string[],
): Promise<MainRow[]> {
  progress({ phase: 'generate', workload: w.id, message: `${w.id}: generating n=${w.n}, d=${w.d}, k=${w.k}` });
  const problem = await generate({ n: w.n, d: w.d, k: w.k, seed: w.seed, oneD: false });
  const rows: MainRow[] = [];
  const prepared = new Map<string, PreparedPeer>();
  let bandwidth: { peer: BandwidthPeer; prep: Awaited<ReturnType<BandwidthPeer['prepare']>> } | undefined;
  try {
    const wasm = problem.wasmInstance;
    const { n, d, k } = w;
    // Copies: the peers keep their own data, and views into WASM memory die when it grows.
    const peerProblem: PeerProblem = {
      workload: w.id, n, d, k, dspgd: problem,
      X: wasm.f64(problem.ptr.X, n * d).slice(), Y: wasm.f64(problem.ptr.Y, n * k).slice(), W0: wasm.f64(problem.ptr.W0, d * k).slice(),
    };
    for (const peer of peers) {
      progress({ phase: 'prepare', workload: w.id, peer: peer.name, message: `${w.id}: preparing ${peer.name}` });
      try {
        if (peer.kind === 'bandwidth') bandwidth = { peer, prep: await peer.prepare(peerProblem) };
        else prepared.set(peer.name, await peer.prepare(peerProblem));
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        notices.push(`${w.id}: peer ${peer.name} failed to prepare: ${msg}`);
        progress({ phase: 'notice', workload: w.id, peer: peer.name, message: `${peer.name} failed to prepare: ${msg}` });
      }
    }
    peerProblem.X = new Float64Array(0); // the peers hold what they need; let the copy go

    const bytesX = 8 * n * d;
    let stream: StreamCell | undefined;
    if (bandwidth) {
      progress({ phase: 'stream', workload: w.id, peer: bandwidth.peer.name, message: `${w.id}: streaming read of X` });
      // Enough reads per sample for ≥ ~20 ms, so timer resolution and call overhead do not count.
      const once = Math.max(await bandwidth.prep.read(1), 1e-3);
      const times = Math.max(1, Math.min(10_000, Math.ceil(20 / once)));
      await bandwidth.prep.read(times);
      const samples: number[] = [];
      for (let r = 0; r < Math.max(5, p.dspgdRepeats); r++) samples.push((await bandwidth.prep.read(times)) / times);
      const ms = median(samples);
      stream = { msPerRead: ms, gbps: gbps(bytesX, ms), samplesMs: samples };
    }

    const runs = w.runs ?? 1;
    for (const precond of preconds) {
      const lr = suggestLearningRate(problem, precondSpec(precond));
      const lrs = sweepLrs(lr, runs);
      progress({ phase: 'dspgd', workload: w.id, precond, message: `${w.id} ${precond}: dspgd` });
      // A sweep is timed as solveBatch of all its runs (what the batch section compares with separate runs).
      const runOnce = async (iters: number) => {
        const t0 = now();
        if (runs === 1) await solve(problem, baseOptions(precond, lr, iters));
        else await solveBatch(problem, lrs.map((x) => baseOptions(precond, x, iters)));
        return now() - t0;
      };
      const samples = (await timePerIteration(runOnce, p.dspgdIters, p.dspgdRepeats)).map((x) => x / runs);
      const msPerIter = median(samples);
      const row: MainRow = {
        workload: w.id, n, d, k, runs, precond, params: { ...PRECOND_PARAMS[precond] }, lr, bytesX,
        dspgd: { msPerIter, gbps: gbps(bytesX, msPerIter * runs), gflops: (4 * n * d * k) / (msPerIter * 1e6), iters: p.dspgdIters, repeats: p.dspgdRepeats, samplesMs: samples },
        peers: {},
      };
      if (runs > 1) row.dspgd.msPerRun = msPerIter * p.dspgdIters;
      if (stream) row.stream = { ...stream, fraction: stream.msPerRead / (msPerIter * runs) };

      const reference = new Map<string, Float64Array>(); // dspgd's W after `iters` updates at lrs[0]
      const dspgdW = async (iters: number) => {
        const key = String(iters);
        if (!reference.has(key)) reference.set(key, (await timedSolve(problem, baseOptions(precond, lrs[0], iters))).W);
        return reference.get(key)!;
      };
      for (const peer of peers) {
        if (peer.kind !== 'iteration') continue;
        const prep = prepared.get(peer.name);
        if (!prep) {
          row.peers[peer.name] = { status: 'error', precision: peer.precision, reason: 'prepare failed (see notices)' };
          continue;
        }
        progress({ phase: 'peer', workload: w.id, precond, peer: peer.name, message: `${w.id} ${precond}: ${peer.name}` });
        row.peers[peer.name] = await timePeer(peer, prep, precond, lrs, p, peerProblem.W0, dspgdW, msPerIter, runs, p.dspgdIters);
      }
      rows.push(row);
    }
  } finally {
    for (const prep of prepared.values()) await prep.dispose();
    await bandwidth?.prep.dispose();
    problem.dispose();
  }
  return rows;
}

async function timePeer(
  peer: IterationPeer, prep: PreparedPeer, precond: BenchPrecond, lrs: number[], p: IterationPlan, W0: Float64Array,
  dspgdW: (iters: number) => Promise<Float64Array>, dspgdMsPerIter: number, runs: number, itersPerRun: number,
): Promise<PeerCell> {
  const supported = prep.supports(precond);
  if (supported !== true) return { status: 'n/a', precision: peer.precision, reason: supported };
  const iters = peer.slow ? p.slowIters : p.peerIters;
  const repeats = peer.slow ? p.slowRepeats : p.peerRepeats;
  try {
    // The check run doubles as the warm-up.
    const first = await prep.run(precond, lrs[0], iters);
    const tol = CHECK_TOL[peer.precision];
    const err = relDiff(first.W, await dspgdW(iters), W0);
    const check: CheckResult = { iters, relErr: err, tol, pass: err <= tol };
    const samples: number[] = [];
    for (let r = 0; r < repeats; r++) {
      let ms = 0;
      for (const lr of lrs) ms += (await prep.run(precond, lr, iters)).ms;
      samples.push(ms / (iters * runs));
    }
    const msPerIter = median(samples);
    const cell: PeerCell = {
      status: check.pass ? 'ok' : 'check-failed', precision: peer.precision,
      msPerIter, ratio: msPerIter / dspgdMsPerIter, iters, repeats, samplesMs: samples, check,
    };
    if (!check.pass) cell.reason = `W differs from dspgd's after ${iters} iterations: relative error ${err.toExponential(2)} > ${tol}`;
    if (runs > 1) cell.msPerRun = msPerIter * itersPerRun;
    return cell;
  } catch (e) {
    return { status: 'error', precision: peer.precision, reason: e instanceof Error ? e.message : String(e) };
  }
}

async function rowspaceSection(w: WorkloadSpec, quick: boolean, preconds: BenchPrecond[], progress: (e: ProgressEvent) => void): Promise<RowspaceRow[]> {
  const problem = await generate({ n: w.n, d: w.d, k: w.k, seed: w.seed, oneD: false });
  const out: RowspaceRow[] = [];
  try {
    const p = quick ? w.quickPlan : w.plan;
    for (const precond of preconds) {
      progress({ phase: 'rowspace', workload: w.id, precond, message: `row space vs primal: ${w.id} ${precond}` });
      const lr = suggestLearningRate(problem, precondSpec(precond));
      const per = async (path: 'primal' | 'rowspace') => median(await timePerIteration(
        async (iters) => (await timedSolve(problem, baseOptions(precond, lr, iters, { path }))).ms,
        // The row-space iteration is O(n²k): more of them for a measurable T(N) − T(1).
        path === 'rowspace' ? p.dspgdIters * 4 : p.dspgdIters, p.dspgdRepeats));
      const primalMs = await per('primal');
      const rowspaceMs = await per('rowspace');
      // W∞: primal to tol (or its budget), then row space for exactly as many iterations.
      const conv = await solve(problem, { ...baseOptions(precond, lr, quick ? 300 : 3000), tol: 1e-13 });
      const rs = await solve(problem, baseOptions(precond, lr, conv.iterations, { path: 'rowspace' }));
      out.push({
        workload: w.id, precond, lr, primalMsPerIter: primalMs, rowspaceMsPerIter: rowspaceMs, speedup: primalMs / rowspaceMs,
        iterations: conv.iterations, relResidual: conv.relResidual, relDiff: relDiff(flat(rs.W), flat(conv.W)),
      });
    }
  } finally {
    problem.dispose();
  }
  return out;
}

async function batchSection(w: WorkloadSpec, quick: boolean, preconds: BenchPrecond[], progress: (e: ProgressEvent) => void): Promise<BatchRow[]> {
  const problem = await generate({ n: w.n, d: w.d, k: w.k, seed: w.seed, oneD: false });
  const out: BatchRow[] = [];
  const runs = w.runs ?? 8;
  try {
    const p = quick ? w.quickPlan : w.plan;
    for (const precond of preconds) {
      progress({ phase: 'batch', workload: w.id, precond, message: `batched vs separate: ${w.id} ${precond}, ${runs} runs` });
      const lrs = sweepLrs(suggestLearningRate(problem, precondSpec(precond)), runs);
      const opts = lrs.map((lr) => baseOptions(precond, lr, p.dspgdIters));
      const batched = async () => {
        const t0 = now();
        const rs = await solveBatch(problem, opts);
        return { ms: now() - t0, Ws: rs.map((r) => flat(r.W)) };
      };
      const separate = async () => {
        const t0 = now();
        const Ws: Float64Array[] = [];
        for (const o of opts) Ws.push(flat((await solve(problem, o)).W));
        return { ms: now() - t0, Ws };
      };
      await batched(); await separate(); // warm-up
      const sb: number[] = [], ss: number[] = [];
      let identical = true;
      for (let r = 0; r < p.dspgdRepeats; r++) {
        const b = await batched();
        const s = await separate();
        sb.push(b.ms); ss.push(s.ms);
        identical &&= b.Ws.every((W, i) => bitEqual(W, s.Ws[i]));
      }
      const batchedMs = median(sb), separateMs = median(ss);
      out.push({
        workload: w.id, precond, runs, itersPerRun: p.dspgdIters, batchedMs, separateMs, ratio: batchedMs / separateMs,
        identical, samplesBatchedMs: sb, samplesSeparateMs: ss,
      });
    }
  } finally {
    problem.dispose();
  }
  return out;
}

async function threadsSection(
  w: WorkloadSpec, quick: boolean, preconds: BenchPrecond[], threads: number, progress: (e: ProgressEvent) => void, notices: string[],
): Promise<ThreadsRow[]> {
  const problem = await generate({ n: w.n, d: w.d, k: w.k, seed: w.seed, oneD: false });
  const out: ThreadsRow[] = [];
  try {
    const p = quick ? w.quickPlan : w.plan;
    for (const precond of preconds) {
      progress({ phase: 'threads', workload: w.id, precond, message: `threads ${threads} vs 1: ${w.id} ${precond}` });
      const lr = suggestLearningRate(problem, precondSpec(precond));
      let used = 1;
      const per = async (t: number) => median(await timePerIteration(async (iters) => {
        const t0 = now();
        const r = await solve(problem, baseOptions(precond, lr, iters, { threads: t }));
        if (t > 1) used = r.threads;
        return now() - t0;
      }, p.dspgdIters, p.dspgdRepeats));
      const ms1 = await per(1);
      const msN = await per(threads);
      if (used !== threads) notices.push(`threads: asked for ${threads}, the solver used ${used} (no shared WASM memory here?)`);
      const a = await solve(problem, baseOptions(precond, lr, p.dspgdIters, { threads: 1 }));
      const b = await solve(problem, baseOptions(precond, lr, p.dspgdIters, { threads }));
      out.push({
        workload: w.id, precond, threads, threadsUsed: used, ms1, msN, speedup: ms1 / msN,
        identical: bitEqual(flat(a.W), flat(b.W)), iters: p.dspgdIters,
      });
    }
  } finally {
    problem.dispose();
  }
  return out;
}

export function bitEqual(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength), y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
