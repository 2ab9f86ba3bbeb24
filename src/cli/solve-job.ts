/** What `dspgd solve` hands its worker thread (solve-thread.ts), and what comes back. */
import type { SolveResult } from '../solve.js';
import type { WireSolveOptions } from '../worker/protocol.js';
import type { errorToWire } from '../worker/wire.js';
import type { DataFlags } from './inputs.js';

export interface SolveJob {
  /** The input flags: the thread reads the files itself, so X is never copied between threads. */
  data: DataFlags;
  options: Omit<WireSolveOptions, 'callbackEvery'>;
  /** Int32 on shared memory: set to 1 by the first Ctrl-C. */
  cancelFlag: Int32Array;
  /** The abort reason solve() reports as the run's message. */
  abortReason: string;
}

export type SolveThreadMessage =
  | { type: 'note'; message: string }
  | { type: 'started' }
  | { type: 'progress'; iteration: number; relResidual: number }
  | { type: 'result'; result: SolveResult }
  | { type: 'error'; error: ReturnType<typeof errorToWire> };
