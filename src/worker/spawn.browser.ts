/**
 * The browser twin of spawn.node.ts (scripts/browser-build.mjs swaps it in). A browser bundle
 * that finds itself in Node (no window, a process object) says so instead of starting a thread.
 */
import { DspgdError } from '../errors.js';
import type { WorkerHandle } from './spawn.js';

export async function spawnNode(): Promise<WorkerHandle> {
  throw new DspgdError('E_THREAD', 'createRunner: the browser bundle cannot start a worker thread; in Node, import dspgd/worker (its Node entry)', 'worker');
}
