/** Messages between the bench page and its worker (bench-worker.ts). */
import type { SuiteResult, ProgressEvent } from '../bench/suite.js';

export interface BenchRequest {
  workloads: string[];
  preconds: string[];
  peers: string[];
  quick: boolean;
  threads: number;
  sections: { rowspace: boolean; batch: boolean; threads: boolean };
}

export type BenchMessage =
  | { type: 'progress'; event: ProgressEvent; elapsedMs: number }
  | { type: 'result'; result: SuiteResult; table: string }
  | { type: 'error'; message: string };
