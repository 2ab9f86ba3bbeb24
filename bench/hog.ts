/**
 * The memory-bandwidth hog of the contended section (Node, Bun, Deno): a worker
 * thread that copies one half of a 256 MB buffer into the other and back, 8 MB
 * at a time, for as long as it is started. On a 2-core machine the OS runs it on
 * the core the measured code does not use; far beyond any L3, every copy goes
 * to DRAM, so it takes memory bandwidth and shared cache, not arithmetic.
 * Paused, it sleeps in Atomics.wait (no CPU). The control word and the byte
 * counter live in a SharedArrayBuffer, so starting and pausing cost no messages.
 */
import { Worker } from 'node:worker_threads';
import type { Hog } from './types.js';

const RUN = 1, PAUSE = 0, EXIT = 2;

// CommonJS text for `new Worker(..., { eval: true })`: the hog has no imports, so the bundle needs no second file.
const HOG_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const ctl = new Int32Array(workerData.ctl);
const copied = new Float64Array(workerData.copied);
const half = workerData.bytes / 16;
let a = new Float64Array(half).fill(1), b = new Float64Array(half).fill(2);
const chunk = 1 << 20;
parentPort.postMessage('ready');
for (;;) {
  const s = Atomics.load(ctl, 0);
  if (s === ${EXIT}) break;
  if (s === ${PAUSE}) { Atomics.wait(ctl, 0, ${PAUSE}); continue; }
  for (let off = 0; off < half && Atomics.load(ctl, 0) === ${RUN}; off += chunk) {
    const end = Math.min(half, off + chunk);
    b.set(a.subarray(off, end), off);
    copied[0] += 16 * (end - off);
  }
  const t = a; a = b; b = t;
}
`;

export const HOG_BYTES = 256 * 2 ** 20;

/** Starts the hog thread, paused; resolves when its buffers are allocated and touched. */
export async function startHog(bytes = HOG_BYTES): Promise<Hog> {
  const ctl = new Int32Array(new SharedArrayBuffer(4));
  const copied = new Float64Array(new SharedArrayBuffer(8));
  const worker = new Worker(HOG_SOURCE, { eval: true, workerData: { ctl: ctl.buffer, copied: copied.buffer, bytes } });
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`hog thread exited with code ${code} before it was ready`)));
  });
  worker.removeAllListeners('error');
  worker.removeAllListeners('exit');
  let failure: Error | undefined;
  worker.on('error', (e) => { failure = e; });
  let since = 0, bytes0 = 0;
  const set = (v: number) => {
    Atomics.store(ctl, 0, v);
    Atomics.notify(ctl, 0);
  };
  return {
    description: `a worker thread copying 8 MiB at a time between the halves of a ${bytes / 2 ** 20} MiB buffer`,
    bufferBytes: bytes,
    async start() {
      if (failure) throw failure;
      bytes0 = copied[0];
      set(RUN);
      // Until the first chunk is copied: the hog is then running, not waking up.
      const t0 = performance.now();
      while (copied[0] === bytes0 && performance.now() - t0 < 500) await new Promise((r) => setTimeout(r, 1));
      since = performance.now();
      bytes0 = copied[0];
    },
    async pause() {
      set(PAUSE);
      const ms = performance.now() - since;
      return ms > 0 ? (copied[0] - bytes0) / (ms * 1e6) : NaN;
    },
    async dispose() {
      set(EXIT);
      await worker.terminate();
    },
  };
}
