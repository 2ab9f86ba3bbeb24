/**
 * Messages between a runner and its worker. Everything here must survive
 * structured cloning: functions, AbortSignals and preconditioner objects are
 * turned into plain data (spec strings) before they cross.
 */
import type { GenerateOptions } from '../generate.js';
import type { ProblemData } from '../problem.js';
import type { Progress, SolveOptions, SolveResult } from '../solve.js';
import type { GridResult, RunRow } from '../experiment.js';
import type { DspgdErrorCode } from '../errors.js';

/** SolveOptions as they travel: precond and loss as spec strings, no signal or callback. */
export type WireSolveOptions = Omit<SolveOptions, 'precond' | 'loss' | 'signal' | 'callback'> & {
  precond: string;
  loss?: string;
};

/** A problem held by the worker (id), or data to copy into it for one call. */
export type WireProblem = { id: number } | { data: ProblemData };

export interface WireGridOptions {
  preconds: string[];
  lrs: (number | { autoFactor: number })[];
  loss?: string;
  reduction?: SolveOptions['reduction'];
  tol?: number;
  maxIter?: number;
  stall?: SolveOptions['stall'];
  batch?: boolean;
}

export type Request =
  | { id: number; op: 'generate'; options: GenerateOptions }
  | { id: number; op: 'create'; data: ProblemData }
  | { id: number; op: 'dispose'; problem: number }
  | { id: number; op: 'suggestLr'; problem: number; precond: string; loss?: string; reduction?: SolveOptions['reduction'] }
  | { id: number; op: 'solve'; problem: WireProblem; options: WireSolveOptions; progressEveryMs: number }
  | { id: number; op: 'solveBatch'; problem: WireProblem; runs: WireSolveOptions[]; progressEveryMs: number }
  | { id: number; op: 'runGrid'; problems: { problem: number; seed: number | null }[]; options: WireGridOptions; progressEveryMs: number }
  | { id: number; op: 'cancel'; target: number };

/**
 * Any request may carry `cancelFlag`: an Int32Array on shared memory that the runner sets to 1 on
 * abort(). The worker reads it at every iteration (see host.ts), so it need not wait for the
 * cancel message, which arrives only when the run yields to the event loop.
 */
export type WithCancelFlag = { cancelFlag?: Int32Array };

/** Where a remote problem lives and its sizes. */
export interface ProblemInfo {
  id: number;
  n: number;
  d: number;
  k: number;
  labelsOneD: boolean;
}

/** Progress of one run; `run` is its index in a batch or grid (0 for solve). */
export interface RunProgress extends Progress {
  run: number;
}

/**
 * `cpuMs` on 'ready' and 'result': the worker thread's CPU time so far (src/util/thread-cpu.ts),
 * where the runtime tells it; sweeps report it (how busy each worker was), nothing depends on it.
 */
export type Response =
  | { id: number; type: 'ready'; cpuMs?: number }
  | { id: number; type: 'progress'; progress: RunProgress }
  | { id: number; type: 'runDone'; run: number; result?: SolveResult; row?: RunRow; done: number; total: number }
  | { id: number; type: 'result'; value: ProblemInfo | SolveResult | SolveResult[] | GridResult | number | null; cpuMs?: number }
  | { id: number; type: 'error'; error: { code?: DspgdErrorCode; message: string; argument?: string; name?: string } };
