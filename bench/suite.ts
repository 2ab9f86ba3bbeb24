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
import {
  BENCH_PRECONDS, PRECOND_PARAMS,
  type BenchPrecond, type Peer, type PeerProblem, type IterationPeer, type BandwidthPeer, type PreparedPeer,
  type IterationPlan, type WorkloadSpec, type WorkloadInfo, type ProgressEvent, type CheckResult, type PeerCell, type StreamCell,
  type MainRow, type RowspaceRow, type BatchRow, type ThreadsRow, type MemoryRow, type PeerInfo, type SuiteResult, type OverheadRow,
} from './types.js';
import { evaluateTargets } from './targets.js';
import { baseOptions, iterationSample, median, precondSpec, relDiff, timePerIteration, useKernel } from './timing.js';
import type { KernelOption } from '../src/wasm/kernels.js';
import { overheadRows, OVERHEAD_FLOOR } from './overhead.js';
import { measureArithmeticPeak } from './peak.js';
import { Contention, type ContendedOptions } from './contended.js';

export { CONTENDED_WORKLOAD_IDS, CONTENDED_PRECONDS, type ContendedOptions } from './contended.js';

export * from './types.js';

const plan = (dspgdIters: number, dspgdRepeats: number, peerIters: number, peerRepeats: number, slowIters: number, slowRepeats: number): IterationPlan =>
  ({ dspgdIters, dspgdRepeats, peerIters, peerRepeats, slowIters, slowRepeats });

/** The workloads (float64, seeded Gaussian X ~ N(0, 1/d), Y ~ N(0, 1), W0 = 0). */
export const WORKLOADS: Readonly<Record<'W1' | 'W2' | 'W3' | 'W4' | 'W5' | 'W6', WorkloadSpec>> = {
  W1: { id: 'W1', n: 100, d: 1000, k: 1, seed: 1, plan: plan(400, 7, 200, 5, 40, 3), quickPlan: plan(40, 3, 10, 2, 4, 2) },
  W2: { id: 'W2', n: 512, d: 8192, k: 8, seed: 2, plan: plan(80, 7, 20, 5, 3, 5), quickPlan: plan(10, 3, 4, 2, 2, 1) },
  // X is 320 MB: the plain-JS peers take seconds per iteration, so they run 2 iterations, twice.
  // Contended (every sample twice, quiet and with the hog): 6 iterations and 3 repeats keep it to ≈ 20 s.
  W3: {
    id: 'W3', n: 2000, d: 20000, k: 10, seed: 3, plan: plan(20, 5, 5, 3, 2, 2), quickPlan: plan(4, 2, 2, 1, 1, 1),
    contendedPlan: plan(6, 3, 3, 3, 1, 1),
  },
  W4: { id: 'W4', n: 512, d: 8192, k: 8, seed: 2, runs: 8, plan: plan(40, 3, 5, 2, 2, 1), quickPlan: plan(6, 2, 2, 1, 1, 1) },
  // Wide, X is 134 MB (far beyond L3) and W, G are 2 MiB each (beyond L2): the shape where W and G
  // spill out of the core's own cache while X streams past them.
  W5: { id: 'W5', n: 512, d: 32768, k: 8, seed: 5, plan: plan(20, 5, 5, 3, 2, 1), quickPlan: plan(4, 2, 2, 1, 1, 1) },
  // Tall (n > d, no interpolant): the iteration is the same 2ndk pass; X is 134 MB. Asked for by name only.
  W6: { id: 'W6', n: 32768, d: 512, k: 8, seed: 6, plan: plan(20, 5, 5, 3, 2, 1), quickPlan: plan(4, 2, 2, 1, 1, 1) },
};
export const WORKLOAD_IDS = Object.keys(WORKLOADS) as (keyof typeof WORKLOADS)[];
/** What a run without --workloads takes: W6 (tall) is left to those who ask for it. */
export const DEFAULT_WORKLOAD_IDS: readonly (keyof typeof WORKLOADS)[] = ['W1', 'W2', 'W3', 'W4', 'W5'];
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
  /** The contended section needs a hog on another core (a worker thread): the Node entry passes it in. */
  contended?: ContendedOptions;
  /** The pass kernel of every timed solve (default 'simd'; 'fma'/'auto' need relaxed SIMD). */
  kernel?: KernelOption;
  /** The overhead line (default true): 100×8 and, when W1 runs, W1's shape. */
  overhead?: boolean;
  onProgress?: (e: ProgressEvent) => void;
}

/** Relative tolerance of the same-iteration check: round-off for float64, float32 round-off for tfjs. */
export const CHECK_TOL = { f64: 1e-10, f32: 1e-4 } as const;

const now = () => performance.now();

export { median, relDiff, precondSpec } from './timing.js';

/** Sweep learning rates: base · j/runs, j = runs..1 (all stable when base is). */
export function sweepLrs(base: number, runs: number): number[] {
  return Array.from({ length: runs }, (_, j) => base * (runs - j) / runs);
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

const gbps = (bytes: number, ms: number) => bytes / (ms * 1e6);

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
  useKernel(options.kernel ?? 'simd');
  try {
    return await runSuiteWith(options, quick, preconds, progress, startedAt);
  } finally {
    useKernel('simd');
  }
}

async function runSuiteWith(
  options: SuiteOptions, quick: boolean, preconds: BenchPrecond[], progress: (e: ProgressEvent) => void, startedAt: string,
): Promise<SuiteResult> {
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
    peerInfos.push({ name: peer.name, label: peer.label, kind: peer.kind, precision: peer.precision, note: peer.note, available: ok === true, reason: ok === true ? undefined : ok, ...(peer.kind === 'iteration' && peer.paired ? { paired: true } : {}) });
    if (ok === true) live.push(peer);
    else {
      notices.push(`peer ${peer.name} not available: ${ok}; carrying on without it`);
      progress({ phase: 'notice', peer: peer.name, message: `${peer.name} not available: ${ok}` });
    }
  }

  progress({ phase: 'arithmetic', message: 'f64x2 multiply-add peak' });
  const arithmetic = await measureArithmeticPeak(quick);

  const overhead: OverheadRow[] = [];
  if (options.overhead !== false) {
    const ovPreconds = preconds.filter((x) => x !== 'spectral');
    progress({ phase: 'overhead', message: 'per-iteration overhead (100×8, k=1)' });
    overhead.push(...await overheadRows(OVERHEAD_FLOOR, quick, ovPreconds));
    const w1 = options.workloads.find((w) => w.id === 'W1');
    if (w1) {
      progress({ phase: 'overhead', message: 'per-iteration split on W1' });
      const p = quick ? w1.quickPlan : w1.plan;
      overhead.push(...await overheadRows({ problem: 'W1', n: w1.n, d: w1.d, k: w1.k, seed: w1.seed, iters: p.dspgdIters, quickIters: p.dspgdIters }, quick, ovPreconds));
    }
  }

  const contention = options.contended ? new Contention(options.contended, preconds, arithmetic, quick, progress, notices) : undefined;
  const rows: MainRow[] = [];
  const workloadInfo: WorkloadInfo[] = [];
  try {
    for (const w of options.workloads) {
      const p = quick ? w.quickPlan : w.plan;
      workloadInfo.push({ id: w.id, n: w.n, d: w.d, k: w.k, seed: w.seed, runs: w.runs, plan: p, bytesX: 8 * w.n * w.d });
      rows.push(...await runWorkload(w, p, preconds, live, progress, notices, contention));
    }
  } finally {
    await contention?.dispose();
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
    schema: 'dspgd-bench/1', startedAt, finishedAt: new Date().toISOString(), quick, kernel: options.kernel ?? 'simd',
    workloads: workloadInfo, preconds, peers: peerInfos, rows, rowspace, batch, threads, memory, targets: [], notices, arithmetic,
  };
  if (overhead.length) result.overhead = overhead;
  const contended = contention?.section();
  if (contended) result.contended = contended;
  result.targets = evaluateTargets(result);
  return result;
}

async function runWorkload(
  w: WorkloadSpec, p: IterationPlan, preconds: BenchPrecond[], peers: Peer[],
  progress: (e: ProgressEvent) => void, notices: string[], contention?: Contention,
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
      const reference = new Map<string, Float64Array>(); // dspgd's W after `iters` updates at lrs[0]
      const dspgdW = async (iters: number) => {
        const key = String(iters);
        if (!reference.has(key)) reference.set(key, (await timedSolve(problem, baseOptions(precond, lrs[0], iters))).W);
        return reference.get(key)!;
      };
      // A sweep is timed as solveBatch of all its runs (what the batch section compares with separate runs).
      const runOnce = async (iters: number) => {
        const t0 = now();
        if (runs === 1) await solve(problem, baseOptions(precond, lr, iters));
        else await solveBatch(problem, lrs.map((x) => baseOptions(precond, x, iters)));
        return now() - t0;
      };
      // The paired peer (NumPy) is checked and warmed up first, then timed alternately with dspgd.
      const pairedPeer = peers.find((x): x is IterationPeer => x.kind === 'iteration' && x.paired === true && prepared.has(x.name));
      const pairedPrep = pairedPeer && prepared.get(pairedPeer.name);
      let paired: PairedPeer | undefined;
      if (pairedPeer && pairedPrep) {
        progress({ phase: 'peer', workload: w.id, precond, peer: pairedPeer.name, message: `${w.id} ${precond}: dspgd and ${pairedPeer.name}, alternately` });
        paired = await checkPeer(pairedPeer, pairedPrep, precond, lrs, p, peerProblem.W0, (iters) => dspgdW(iters));
      }
      await runOnce(1); // JIT, WASM tier-up, first allocations
      const samples: number[] = [];
      const repeats = paired && !paired.cell ? Math.max(p.dspgdRepeats, p.peerRepeats) : p.dspgdRepeats;
      for (let r = 0; r < repeats; r++) {
        samples.push((await iterationSample(runOnce, p.dspgdIters)) / runs);
        if (paired && !paired.cell) paired.samples.push(await paired.sample());
      }
      const msPerIter = median(samples);
      const row: MainRow = {
        workload: w.id, n, d, k, runs, precond, params: { ...PRECOND_PARAMS[precond] }, lr, bytesX,
        dspgd: { msPerIter, gbps: gbps(bytesX, msPerIter * runs), gflops: (4 * n * d * k) / (msPerIter * 1e6), iters: p.dspgdIters, repeats: p.dspgdRepeats, samplesMs: samples },
        peers: {},
      };
      if (runs > 1) row.dspgd.msPerRun = msPerIter * p.dspgdIters;
      if (stream) row.stream = { ...stream, fraction: stream.msPerRead / (msPerIter * runs) };

      for (const peer of peers) {
        if (peer.kind !== 'iteration') continue;
        const prep = prepared.get(peer.name);
        if (!prep) {
          row.peers[peer.name] = { status: 'error', precision: peer.precision, reason: 'prepare failed (see notices)' };
          continue;
        }
        if (peer === pairedPeer && paired) {
          row.peers[peer.name] = paired.cell ?? pairedCell(peer, paired, msPerIter, runs, p.dspgdIters);
          continue;
        }
        progress({ phase: 'peer', workload: w.id, precond, peer: peer.name, message: `${w.id} ${precond}: ${peer.name}` });
        row.peers[peer.name] = await timePeer(peer, prep, precond, lrs, p, peerProblem.W0, dspgdW, msPerIter, runs, p.dspgdIters);
      }
      rows.push(row);
    }
    // While the peers are still prepared: the same workload with the hog on the other core.
    if (contention?.wants(w)) await contention.measure(w, p, problem, prepared);
  } finally {
    for (const prep of prepared.values()) await prep.dispose();
    await bandwidth?.prep.dispose();
    problem.dispose();
  }
  return rows;
}

/** A peer timed alternately with dspgd: its check, then one sample per repeat; `cell` when it cannot be timed (n/a, error). */
interface PairedPeer {
  cell?: PeerCell;
  check?: CheckResult;
  iters: number;
  samples: number[];
  sample(): Promise<number>;
}

/** The peer's first run (its warm-up) checked against dspgd's W after as many iterations. */
async function checkPeer(
  peer: IterationPeer, prep: PreparedPeer, precond: BenchPrecond, lrs: number[], p: IterationPlan, W0: Float64Array,
  dspgdW: (iters: number) => Promise<Float64Array>,
): Promise<PairedPeer> {
  const iters = peer.slow ? p.slowIters : p.peerIters;
  const out: PairedPeer = {
    iters, samples: [],
    async sample() {
      let ms = 0;
      for (const lr of lrs) ms += (await prep.run(precond, lr, iters)).ms;
      return ms / (iters * lrs.length);
    },
  };
  const supported = prep.supports(precond);
  if (supported !== true) return { ...out, cell: { status: 'n/a', precision: peer.precision, reason: supported } };
  try {
    const first = await prep.run(precond, lrs[0], iters);
    const tol = CHECK_TOL[peer.precision];
    const err = relDiff(first.W, await dspgdW(iters), W0);
    out.check = { iters, relErr: err, tol, pass: err <= tol };
  } catch (e) {
    out.cell = { status: 'error', precision: peer.precision, reason: e instanceof Error ? e.message : String(e) };
  }
  return out;
}

function pairedCell(peer: IterationPeer, x: PairedPeer, dspgdMsPerIter: number, runs: number, itersPerRun: number): PeerCell {
  const check = x.check!;
  const msPerIter = median(x.samples);
  const cell: PeerCell = {
    status: check.pass ? 'ok' : 'check-failed', precision: peer.precision,
    msPerIter, ratio: msPerIter / dspgdMsPerIter, iters: x.iters, repeats: x.samples.length, samplesMs: x.samples, check, paired: true,
  };
  if (!check.pass) cell.reason = `W differs from dspgd's after ${x.iters} iterations: relative error ${check.relErr.toExponential(2)} > ${check.tol}`;
  if (runs > 1) cell.msPerRun = msPerIter * itersPerRun;
  return cell;
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
