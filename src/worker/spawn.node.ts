/** The worker_threads side of spawn.ts: dist/worker-thread.js in a Node worker thread. */
import { DspgdError } from '../errors.js';
import { nodeBuiltin } from '../util/node-builtin.js';
import type { WorkerHandle } from './spawn.js';
import { fileWorker } from '../util/file-worker.js';

export async function spawnNode(url?: string | URL): Promise<WorkerHandle> {
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
  // With the process's flags, less those a worker refuses (util/file-worker.ts).
  const w = fileWorker(NodeWorker, file);
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
