/**
 * The worker side: keeps problems resident in this thread's WASM memory and
 * runs solves, batches and grids on them. Runs yield to the event loop every
 * few milliseconds (solve's yieldEveryMs), which is what lets a cancel message
 * arrive while a run is in progress.
 */
import { Problem } from '../problem.js';
import { generate } from '../generate.js';
import { solve, solveBatch, type Progress, type SolveOptions } from '../solve.js';
import { runGrid } from '../experiment.js';
import { suggestLearningRate } from '../lr.js';
import { now } from '../util/yield.js';
import { threadCpuMs } from '../util/thread-cpu.js';
import { DspgdError } from '../errors.js';
import type { Request, Response, WireProblem, WireSolveOptions, ProblemInfo, WithCancelFlag } from './protocol.js';
import { errorToWire } from './wire.js';
import { transferables } from './transfer.js';

/**
 * The job's signal: aborted by a cancel message, or, when the runner shared a flag, as soon as
 * the flag is set. solve() reads `aborted` at every iteration, so reading the flag there is what
 * makes a cancel take effect within one iteration while the thread is busy solving.
 */
function flagged(ctl: AbortController, flag: Int32Array | undefined): AbortSignal {
  if (!flag) return ctl.signal;
  const target = ctl.signal;
  return new Proxy(target, {
    get(t, key) {
      if (key === 'aborted' && !t.aborted && Atomics.load(flag, 0) !== 0) ctl.abort();
      const v = Reflect.get(t, key, t);
      return typeof v === 'function' ? v.bind(t) : v;
    },
  });
}

export interface Endpoint {
  post(msg: Response, transfer: ArrayBuffer[]): void;
  listen(handler: (msg: Request) => void): void;
}

export function serve(ep: Endpoint): void {
  const problems = new Map<number, Problem>();
  const jobs = new Map<number, AbortController>();
  let nextProblem = 1;

  const send = (msg: Response, transfer = false) => {
    if (msg.type === 'result' || msg.type === 'ready') {
      const cpuMs = threadCpuMs();
      if (cpuMs !== undefined) msg.cpuMs = cpuMs;
    }
    ep.post(msg, transfer ? transferables(msg) : []);
  };
  const info = (p: Problem): ProblemInfo => {
    const id = nextProblem++;
    problems.set(id, p);
    return { id, n: p.n, d: p.d, k: p.k, labelsOneD: p.labelsOneD };
  };
  const lookup = (id: number): Problem => {
    const p = problems.get(id);
    if (!p) throw new DspgdError('E_DISPOSED', `problem ${id}: not in this worker (disposed, or made by another runner)`, 'problem');
    return p;
  };
  const withProblem = async <T>(wp: WireProblem, fn: (p: Problem) => Promise<T>): Promise<T> => {
    if ('id' in wp) return fn(lookup(wp.id));
    const p = await Problem.create(wp.data);
    try {
      return await fn(p);
    } finally {
      p.dispose();
    }
  };
  /** Progress of run `run`, at most once per `everyMs` (the last sample before a stop is sent by the result). */
  const progressFor = (id: number, run: number, everyMs: number) => {
    let last = -Infinity;
    return (p: Progress) => {
      const t = now();
      if (t - last < everyMs) return;
      last = t;
      send({ id, type: 'progress', progress: { ...p, run } });
    };
  };
  const options = (id: number, o: WireSolveOptions, run: number, everyMs: number, signal: AbortSignal): SolveOptions =>
    ({ ...o, signal, callback: progressFor(id, run, everyMs), callbackEvery: o.callbackEvery ?? 10 });

  async function handle(req: Exclude<Request, { op: 'cancel' }>, signal: AbortSignal): Promise<void> {
    try {
      switch (req.op) {
        case 'generate':
          return send({ id: req.id, type: 'result', value: info(await generate(req.options)) });
        case 'create':
          return send({ id: req.id, type: 'result', value: info(await Problem.create(req.data)) });
        case 'dispose':
          problems.get(req.problem)?.dispose();
          problems.delete(req.problem);
          return send({ id: req.id, type: 'result', value: null });
        case 'suggestLr':
          return send({ id: req.id, type: 'result', value: suggestLearningRate(lookup(req.problem), req.precond, req.loss, req.reduction) });
        case 'solve': {
          const r = await withProblem(req.problem, (p) => solve(p, options(req.id, req.options, 0, req.progressEveryMs, signal)));
          return send({ id: req.id, type: 'result', value: r }, true);
        }
        case 'solveBatch': {
          let done = 0;
          const runs = req.runs.map((o, i) => options(req.id, o, i, req.progressEveryMs, signal));
          // Each finished run travels on its own (transferred) so the page can show it before the batch ends;
          // the final message then only says the batch is complete.
          await withProblem(req.problem, (p) => solveBatch(p, runs, {
            onDone: (i, result) => send({ id: req.id, type: 'runDone', run: i, result, done: ++done, total: runs.length }, true),
          }));
          return send({ id: req.id, type: 'result', value: null });
        }
        case 'runGrid': {
          const probs = req.problems.map((g) => ({ problem: lookup(g.problem), seed: g.seed }));
          const throttles = new Map<number, (p: Progress) => void>();
          const r = await runGrid(probs, {
            ...req.options, signal,
            onRun: (row, done, total) => send({ id: req.id, type: 'runDone', run: done - 1, row, done, total }),
            onProgress: (run, iteration, relResidual, maxIter) => {
              let f = throttles.get(run);
              if (!f) throttles.set(run, (f = progressFor(req.id, run, req.progressEveryMs)));
              f({ iteration, relResidual, maxIter, loss: NaN, gradNorm: NaN, elapsedMs: NaN });
            },
          });
          return send({ id: req.id, type: 'result', value: r }, true);
        }
      }
    } catch (e) {
      send({ id: req.id, type: 'error', error: errorToWire(e) });
    } finally {
      jobs.delete(req.id);
    }
  }

  // Jobs run one at a time: they share one WASM memory and the one core this worker has. A job
  // cancelled while it waits still runs, with its signal already aborted, so it answers at once
  // with status 'aborted' like a job cancelled mid-run.
  let queue: Promise<void> = Promise.resolve();
  ep.listen((req) => {
    if (req.op === 'cancel') {
      jobs.get(req.target)?.abort();
      return;
    }
    const ctl = new AbortController();
    jobs.set(req.id, ctl);
    queue = queue.then(() => handle(req, flagged(ctl, (req as WithCancelFlag).cancelFlag)));
  });
  send({ id: 0, type: 'ready' });
}
