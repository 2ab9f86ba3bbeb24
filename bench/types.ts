/**
 * Shapes shared by the suite, the peers, the table and the targets. No runtime
 * code and no `node:` imports: the browser bench page imports these too.
 */
import type { Problem } from '../src/index.js';

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
  prepare(p: PeerProblem): Promise<PreparedPeer>;
}

/** The memory-bandwidth limit: reads X once, computes nothing. */
export interface BandwidthPeer extends PeerBase {
  kind: 'bandwidth';
  prepare(p: PeerProblem): Promise<PreparedBandwidth>;
}

export type Peer = IterationPeer | BandwidthPeer;
