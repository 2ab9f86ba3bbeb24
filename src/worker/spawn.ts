/**
 * Starts the worker program: a module Web Worker in a browser (dspgd.worker.js
 * beside the bundle), a worker_threads Worker in Node (dist/worker-thread.js).
 * Both are wrapped in one small interface so the runner does not care which.
 */
import { DspgdError } from '../errors.js';
import { nodeBuiltin } from '../util/node-builtin.js';
import type { Request, Response } from './protocol.js';

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

async function spawnNode(url?: string | URL): Promise<WorkerHandle> {
  const [{ Worker: NodeWorker }, { existsSync }] = await Promise.all([
    nodeBuiltin<typeof import('node:worker_threads')>('worker_threads'), nodeBuiltin<typeof import('node:fs')>('fs'),
  ]);
  // This file is bundled into dist/worker.js (worker-thread.js beside it) or run from src/worker/ (tests).
  const candidates = url ? [new URL(String(url), import.meta.url)]
    : [new URL('./worker-thread.js', import.meta.url), new URL('../../dist/worker-thread.js', import.meta.url)];
  const file = candidates.find((u) => u.protocol !== 'file:' || existsSync(u));
  if (!file) {
    throw new DspgdError('E_IO', `createRunner: ${candidates[candidates.length - 1].pathname} not found: run \`npm run build\` first`, 'worker');
  }
  // A worker inherits the process's flags; --input-type (from `node -e`/`--eval`) makes it refuse to load a file.
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--input-type'));
  const w = new NodeWorker(file, { execArgv });
  w.unref();
  let failed = false;
  return {
    post: (msg, transfer) => w.postMessage(msg, transfer),
    onMessage: (fn) => w.on('message', fn),
    onFailure: (fn) => {
      w.on('error', (e) => { failed = true; fn(new DspgdError('E_THREAD', `worker thread failed: ${e.message}`, 'worker', { cause: e })); });
      w.on('exit', (code) => { if (!failed) fn(new DspgdError('E_THREAD', `worker thread exited (code ${code})`, 'worker')); });
    },
    setBusy: (busy) => (busy ? w.ref() : w.unref()),
    terminate: async () => { failed = true; await w.terminate(); },
  };
}
