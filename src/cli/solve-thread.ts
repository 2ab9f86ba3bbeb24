/**
 * The worker thread that `dspgd solve` loads its problem and runs its solve in
 * (bundled to dist/cli-solve-thread.js). A WASM call cannot be interrupted by
 * the thread that makes it, and one iteration can last minutes (spectral with
 * k = 1000 diagonalizes a k×k matrix in one call): run here, the main thread
 * stays free to answer a second Ctrl-C at once (process.exit ends this thread
 * mid-call), while the first Ctrl-C sets the shared flag that solve() reads
 * at every iteration.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { solve } from '../solve.js';
import { openProblem } from './open-problem.js';
import { errorToWire } from '../worker/wire.js';
import { transferables } from '../worker/transfer.js';
import type { SolveJob, SolveThreadMessage } from './solve-job.js';

if (!parentPort) throw new Error('dspgd cli-solve-thread: must run as a worker_threads Worker');
const port = parentPort;
const job = workerData as SolveJob;
const send = (msg: SolveThreadMessage, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);

/** An AbortSignal that turns aborted as soon as the main thread sets the shared flag (read by solve at every iteration). */
function flagSignal(flag: Int32Array): AbortSignal {
  const ctl = new AbortController();
  return new Proxy(ctl.signal, {
    get(t, key) {
      if (key === 'aborted' && !t.aborted && Atomics.load(flag, 0) !== 0) ctl.abort(job.abortReason);
      const v = Reflect.get(t, key, t);
      return typeof v === 'function' ? v.bind(t) : v;
    },
  });
}

try {
  const { problem } = await openProblem(job.data, (message) => send({ type: 'note', message }));
  try {
    send({ type: 'started' });
    const r = await solve(problem, {
      ...job.options,
      signal: flagSignal(job.cancelFlag),
      callbackEvery: 50,
      callback: (p) => send({ type: 'progress', iteration: p.iteration, relResidual: p.relResidual }),
    });
    send({ type: 'result', result: r }, transferables(r));
  } finally {
    problem.dispose();
  }
} catch (e) {
  send({ type: 'error', error: errorToWire(e) });
}
