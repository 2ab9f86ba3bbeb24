/**
 * Shapes shared by the suite, the peers, the hog, the table, the targets and the
 * README script: every object the suite returns has a named type here. No `node:`
 * imports: the browser bench page imports these too.
 */
import type { Problem } from '../src/index.js';
import type { SweepBench } from './sweep.js';

/** The preconditioners the suite times (the formulas are the spec's rows). */
export type BenchPrecond = 'gd' | 'adam' | 'spectral';
export const BENCH_PRECONDS: readonly BenchPrecond[] = ['gd', 'adam', 'spectral'];
/** Parameters every implementation uses, so all of them compute the same iteration. */
export const PRECOND_PARAMS: Readonly<Record<BenchPrecond, Readonly<Record<string, number>>>> = {
  gd: {},
  adam: { eps: 0.1 },
  spectral: { eps: 0.1 },
};

/** What a peer gets to build its own copy of the problem from (row-major float64 copies). */
export interface PeerProblem {
  workload: string;
  n: number; d: number; k: number;
  X: Float64Array; Y: Float64Array; W0: Float64Array;
  /** dspgd's Problem over the same bytes (the streaming-read peer reads X in place). */
  dspgd: Problem;
}

/** One run of `iters` updates from W0. `ms` is timed by the peer around its iteration loop only. */
export interface PeerRun { W: Float64Array; ms: number }

export interface PreparedPeer {
  /** true, or why this peer has no implementation of the preconditioner (shown as n/a). */
  supports(precond: BenchPrecond): true | string;
  run(precond: BenchPrecond, lr: number, iters: number): Promise<PeerRun>;
  dispose(): void | Promise<void>;
}

export interface PreparedBandwidth {
  /** Milliseconds for `times` back-to-back streaming reads of X's bytes (several, so a small X is not all timer overhead). */
  read(times: number): Promise<number>;
  dispose(): void | Promise<void>;
}

interface PeerBase {
  /** Short id used in flags, JSON and column heads ('numpy', 'tfjs', …). */
  name: string;
  /** Longer name for the table legend. */
  label: string;
  precision: 'f64' | 'f32';
  /** How this peer computes what it computes, in words (goes into the JSON and the legend). */
  note: string;
  /** true, or why the peer cannot run here (the suite prints a notice and carries on). */
  available(): Promise<true | string>;
  /** Details for the JSON (library versions, BLAS, thread counts), after prepare. */
  info?(): Record<string, unknown>;
}

/** A peer that runs the same DSPGD iteration. */
export interface IterationPeer extends PeerBase {
  kind: 'iteration';
  /** Plain JS loops: the suite gives it fewer iterations (time per iteration is what is compared). */
  slow: boolean;
  /**
   * Timed alternately with dspgd, one sample each per repeat (the peer the ratio targets judge
   * against): a change in the machine's load then hits both sides of the ratio alike.
   */
  paired?: boolean;
  prepare(p: PeerProblem): Promise<PreparedPeer>;
}

/** The memory-bandwidth limit: reads X once, computes nothing. */
export interface BandwidthPeer extends PeerBase {
  kind: 'bandwidth';
  prepare(p: PeerProblem): Promise<PreparedBandwidth>;
}

export type Peer = IterationPeer | BandwidthPeer;

/** Iterations and repeats of one workload's timed runs. */
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
  /**
   * The contended section's plan when it should differ from `plan` (W3: a 320 MB X takes ≈ 0.1 s
   * per iteration, and the section times every sample twice, quiet and with the hog). A quick run
   * uses `quickPlan` throughout.
   */
  contendedPlan?: IterationPlan;
}

/** A workload as the result records it: the plan that ran and the bytes of X. */
export interface WorkloadInfo {
  id: string;
  n: number; d: number; k: number;
  seed: number;
  runs?: number;
  plan: IterationPlan;
  bytesX: number;
}

export interface ProgressEvent { phase: string; workload?: string; precond?: string; peer?: string; message: string }

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
  /** Timed alternately with dspgd's samples (IterationPeer.paired), not after them. */
  paired?: boolean;
}

export interface StreamCell { msPerRead: number; gbps: number; samplesMs: number[] }
/** The streaming-read limit of a row, and dspgd's share of it (stream time ÷ dspgd time). */
export interface StreamShare extends StreamCell { fraction: number }

/**
 * dspgd's time in a row. gbps: bytes of X ÷ time per iteration. gflops: 4·n·d·k ÷ time (X·W and
 * Xᵀ·R, a multiply and an add each): with k ≥ 8 the pass does 2k flops per double of X, so it is
 * bound by arithmetic, not memory.
 */
export interface DspgdCell {
  msPerIter: number; gbps: number; gflops: number;
  iters: number; repeats: number; samplesMs: number[];
  /** Sweeps: time for one run of the workload's N iterations. */
  msPerRun?: number;
}

export interface MainRow {
  workload: string;
  n: number; d: number; k: number;
  runs: number;
  precond: BenchPrecond;
  params: Record<string, number>;
  /** The learning rate (sweeps: the largest; the others are j/runs of it). */
  lr: number;
  bytesX: number;
  dspgd: DspgdCell;
  /** The streaming-read limit over X's bytes, and dspgd's share of it. */
  stream?: StreamShare;
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

/** Peak RSS after one step of the memory child (a high-water mark, so each is the peak so far). */
export interface MemoryStep { step: string; peakRssBytes: number }

export interface MemoryRow {
  route: 'generate' | 'npy';
  workload: string;
  /** Bytes of X, Y and W (d×k) combined. */
  dataBytes: number;
  peakRssBytes: number;
  ratio: number;
  steps: string;
  /** Peak RSS after each step: which step set the peak. */
  peaks?: MemoryStep[];
  error?: string;
}

export interface PeerInfo {
  name: string; label: string; kind: Peer['kind']; precision: 'f64' | 'f32'; note: string;
  available: boolean; reason?: string; info?: Record<string, unknown>;
  /** Timed alternately with dspgd (IterationPeer.paired). */
  paired?: boolean;
}

/**
 * The arithmetic limit: f64x2 multiply-adds per second with operands in registers (mulAddPeak),
 * best of the samples. WASM SIMD has no fused multiply-add, so no float64 WASM kernel of the
 * default build does more flops per second than this.
 */
export interface ArithmeticPeak {
  gflops: number; samplesGflops: number[];
  /**
   * mulAddChainPeak: the same loop with a multiply per chain that the engine cannot share (in
   * mulAddPeak V8 computes the twelve equal products once, so `gflops` is the rate of additions).
   * Best of the samples; the targets still use `gflops`.
   */
  chainGflops?: number; samplesChainGflops?: number[];
}

/**
 * Where one iteration's time goes on a problem of a given shape, µs per iteration (medians;
 * the parts are timed interleaved with the whole, each in a loop of its own).
 */
export interface OverheadSplit {
  /** The fused pass over X (residualGrad, one WASM call): the arithmetic. */
  passUs: number;
  /** The other WASM calls of an iteration: ‖G‖, ∇K (or the stateful step) and the update, O(dk). */
  level1Us: number;
  /** usPerIter − passUs − level1Us: the JS side (stopping checks, trace, clock, dispatch), clamped at 0. */
  loopUs: number;
  /** usPerIter − passUs: what an iteration costs beyond the arithmetic of the pass. */
  nonArithmeticUs: number;
  /** WASM calls per iteration, and what one call of an export that does nothing costs (ns). */
  crossings: number;
  crossingNs: number;
  samplesPassUs: number[];
  samplesLevel1Us: number[];
}

/** solve()'s time per iteration on a small problem, and its split (see OverheadSplit). */
export interface OverheadRow {
  precond: BenchPrecond;
  /** The problem: 'd8' (100×8, k = 1, the floor) or a workload id (W1). */
  problem: string;
  n?: number; d?: number; k?: number;
  usPerIter: number;
  samplesUs: number[];
  split?: OverheadSplit;
}

/** The co-running memory-bandwidth hog of the contended section. */
export interface HogInfo {
  /** What it runs, in words (buffer size, where). */
  description: string;
  bufferBytes: number;
  /** Bytes it copied per second while the section measured (read + write), GB/s; one sample per hog-on interval. */
  gbps: number;
  samplesGbps: number[];
}

/** A running hog: start() and pause() bracket each contended measurement. */
export interface Hog {
  readonly description: string;
  readonly bufferBytes: number;
  start(): Promise<void>;
  /** Pauses the hog; returns its copy rate (GB/s) since the matching start(). */
  pause(): Promise<number>;
  dispose(): Promise<void>;
}

/** Quiet and contended numbers of one side (dspgd or a peer), from interleaved repeats. */
export interface QuietContended {
  quietMs: number;
  contendedMs: number;
  samplesQuietMs: number[];
  samplesContendedMs: number[];
}

/** One workload × preconditioner of the contended section. */
export interface ContendedRow {
  workload: string; precond: BenchPrecond;
  n: number; d: number; k: number;
  /**
   * The hog's copy rate (GB/s) during this row's contended dspgd samples, median and each: a rate
   * well below the section's (hog.gbps) means a third busy process shared the two cores then, which
   * slows the measured code and the hog alike (not the hog's doing).
   */
  hogGbps?: { median: number; samples: number[] };
  /** Iterations per timed dspgd run (N in (T(N) − T(1))/(N − 1)) and per peer run, and the repeats of each. */
  plan?: { dspgdIters: number; dspgdRepeats: number; peerIters: number; peerRepeats: number };
  dspgd: QuietContended & {
    /**
     * 4·n·d·k ÷ time as a share of the quiet f64x2 peak: per repeat, against a peak sample taken
     * just before that repeat (samplesPeakGflops), then the median (older results: against
     * SuiteResult.arithmetic, the peak of the run's start).
     */
    quietPeakFraction: number;
    contendedPeakFraction: number;
    samplesPeakGflops?: number[];
    /** The same shares against the peak of the run's start (SuiteResult.arithmetic). */
    quietStartPeakFraction?: number;
    contendedStartPeakFraction?: number;
  };
  /** NumPy under the same conditions, and the ratios peer ÷ dspgd (above 1: dspgd faster). */
  peer?: QuietContended & { name: string; quietRatio: number; contendedRatio: number };
  /** Why the peer is missing. */
  peerReason?: string;
}

export interface ContendedSection {
  hog: HogInfo;
  /** The f64x2 peak measured while the hog ran (the quiet one is SuiteResult.arithmetic). */
  arithmetic: ArithmeticPeak;
  rows: ContendedRow[];
}

/** Load averages (1, 5, 15 min) when the run started and when it ended. */
export interface LoadAverage { before: number[]; after: number[] }

/** The machine and runtime of a Node, Bun or Deno run (bench/node.ts). */
export interface ProcessEnvironment {
  runtime: 'node' | 'bun' | 'deno';
  /** The runtime's own version (Bun's or Deno's, not the Node version they emulate). */
  runtimeVersion: string;
  /** The JavaScript/WASM engine and its version where known (V8 x.y, JavaScriptCore). */
  engine: string;
  /** Node's version: on Node itself; on Bun and Deno, the Node API version they emulate. */
  node?: string;
  v8?: string;
  cpu: string; cores: number; memoryBytes: number; os: string;
  dspgd: string;
  wasm: Record<string, { bytes: number; sha256: string }>;
  /** The kernel build solve() ran with the suite's kernel option (result.kernel), and whether the engine validates relaxed SIMD. */
  kernel?: 'simd' | 'fma';
  relaxedSimd: boolean;
  /** Flags the runtime was started with (e.g. --experimental-wasm-relaxed-simd). */
  execArgv: string[];
  /** Linux transparent huge pages mode (`always`, `madvise`, `never`) when readable. */
  transparentHugePages?: string;
  git?: string;
  load?: LoadAverage;
  argv: string[];
  totalSeconds: number;
}

/** The bench page's environment (web/bench-worker.ts). */
export interface BrowserEnvironment {
  runtime: 'browser';
  userAgent: string; platform: string; cores: number; deviceMemoryGB?: number; crossOriginIsolated: boolean;
  dspgd: string;
  wasm: Record<string, { bytes: number; sha256: string }>;
  kernel?: string;
  relaxedSimd: boolean;
  request: unknown;
  totalSeconds: number;
}

export type BenchEnvironment = ProcessEnvironment | BrowserEnvironment;

export type Verdict = 'PASS' | 'FAIL' | 'n/a';

export interface TargetVerdict {
  id: string; description: string; how: string; kind: 'min' | 'max'; threshold: number;
  verdict: Verdict; measured?: number; detail: string;
}

export interface SuiteResult {
  schema: 'dspgd-bench/1';
  startedAt: string;
  finishedAt: string;
  quick: boolean;
  /** The `kernel` option of every timed solve ('simd' when absent: results made before the option). */
  kernel?: 'simd' | 'fma' | 'auto';
  workloads: WorkloadInfo[];
  preconds: BenchPrecond[];
  peers: PeerInfo[];
  rows: MainRow[];
  rowspace: RowspaceRow[];
  batch: BatchRow[];
  threads: ThreadsRow[];
  memory: MemoryRow[];
  targets: TargetVerdict[];
  notices: string[];
  arithmetic?: ArithmeticPeak;
  /**
   * The per-iteration floor: solve() on a tiny problem (100×8, k = 1) where the pass over X is
   * small and the rest is what every iteration pays whatever the size; and the same split on W1.
   */
  overhead?: OverheadRow[];
  /** The same measurements with a memory-bandwidth hog on the other core (absent: not run). */
  contended?: ContendedSection;
  /** The sweep section (bench/sweep.ts, Node only): a 16-run sweep with --jobs 1 and --jobs N. */
  sweep?: SweepBench;
  /** Filled by the host (Node entry or browser page): machine and runtime. */
  environment?: BenchEnvironment;
}
