/**
 * Starts the worker program: a module Web Worker in a browser (dspgd.worker.js
 * beside the bundle), a worker_threads Worker in Node (dist/worker-thread.js).
 * Both are wrapped in one small interface so the runner does not care which.
 */
import { DspgdError } from '../errors.js';
import type { Request, Response } from './protocol.js';
// Browser bundles take spawn.browser.ts instead (scripts/browser-build.mjs): no worker_threads path reaches a page.
import { spawnNode } from './spawn.node.js';

export interface WorkerHandle {
  post(msg: Request, transfer: ArrayBuffer[]): void;
  onMessage(fn: (msg: Response) => void): void;
  /** Called once if the worker cannot start or dies. */
  onFailure(fn: (err: DspgdError) => void): void;
  /** Whether an idle worker may keep a Node process alive. */
  setBusy(busy: boolean): void;
  terminate(): Promise<void>;
}

const isNode = typeof process !== 'undefined' && process.versions?.node !== undefined
  && typeof (globalThis as { window?: unknown }).window === 'undefined';

export async function spawnWorker(url?: string | URL): Promise<WorkerHandle> {
  return isNode ? spawnNode(url) : spawnWeb(url);
}

function spawnWeb(url?: string | URL): WorkerHandle {
  if (typeof Worker === 'undefined') {
    throw new DspgdError('E_THREAD', 'createRunner: this environment has no Web Worker', 'worker');
  }
  const src = url ?? new URL('./dspgd.worker.js', import.meta.url);
  let w: Worker;
  try {
    w = new Worker(src, { type: 'module', name: 'dspgd' });
  } catch (e) {
    throw new DspgdError('E_THREAD', `createRunner: could not start the worker ${String(src)}: ${String(e)}`, 'worker', { cause: e });
  }
  return {
    post: (msg, transfer) => w.postMessage(msg, transfer),
    onMessage: (fn) => w.addEventListener('message', (ev: MessageEvent<Response>) => fn(ev.data)),
    onFailure: (fn) => w.addEventListener('error', (ev: ErrorEvent) => {
      ev.preventDefault();
      fn(new DspgdError('E_THREAD', `worker ${String(src)} failed: ${ev.message || 'could not load (missing file, or blocked)'}`, 'worker'));
    }),
    setBusy: () => undefined,
    terminate: async () => w.terminate(),
  };
}
