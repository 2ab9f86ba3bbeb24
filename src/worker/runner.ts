/**
 * createRunner(): the library's solves, batches and grids, run in a worker so
 * the calling thread (a page's UI thread, or a server's event loop) stays free.
 * Problems live in the worker's WASM memory; results come back with their typed
 * arrays transferred, not copied.
 */
import { DspgdError } from '../errors.js';
import type { GenerateOptions } from '../generate.js';
import type { ProblemData } from '../problem.js';
import type { SolveOptions, SolveResult } from '../solve.js';
import type { GridOptions, GridResult } from '../experiment.js';
import type { Preconditioner } from '../precond/index.js';
import type { Loss, Reduction } from '../losses/index.js';
import type { ProblemInfo, Request, Response, RunProgress, WireProblem } from './protocol.js';
import { errorFromWire, toWireGrid, toWireOptions } from './wire.js';
import { transferables } from './transfer.js';
import { spawnWorker, type WorkerHandle } from './spawn.js';
import { canShareMemory } from '../util/shared-memory.js';

export type { RunProgress, ProblemInfo };

export interface RunnerOptions {
  /** Where the worker program is (default: dspgd.worker.js beside the bundle; dist/worker-thread.js in Node). */
  workerUrl?: string | URL;
  /** Progress events per run at most this often, in ms. Default 50. */
  progressEveryMs?: number;
}

export interface CallOptions {
  /** Cancels the call: the run stops at its next iteration and returns status 'aborted'. */
  signal?: AbortSignal;
  onProgress?: (p: RunProgress) => void;
  /** Move the problem data's ArrayBuffers to the worker instead of copying them (they become unusable here). */
  transfer?: boolean;
}

export interface BatchCallOptions extends CallOptions {
  /** Each run's result as soon as it stops. */
  onDone?: (index: number, result: SolveResult) => void;
}

/** A problem resident in the worker. */
export interface RemoteProblem extends ProblemInfo {
  dispose(): Promise<void>;
}

export interface RemoteGridProblem {
  problem: RemoteProblem;
  seed: number | null;
}

export interface Runner {
  generate(options: GenerateOptions): Promise<RemoteProblem>;
  createProblem(data: ProblemData, options?: { transfer?: boolean }): Promise<RemoteProblem>;
  /** suggestLearningRate() on a problem in the worker: the stable step that lr 'auto' means. */
  suggestLearningRate(problem: RemoteProblem, precond: string | Preconditioner, loss?: string | Loss, reduction?: Reduction): Promise<number>;
  solve(problem: RemoteProblem | ProblemData, options: SolveOptions, call?: CallOptions): Promise<SolveResult>;
  solveBatch(problem: RemoteProblem | ProblemData, runs: readonly SolveOptions[], call?: BatchCallOptions): Promise<SolveResult[]>;
  /** runGrid in the worker; `signal`, `onRun` and `onProgress` of the options work as in-process. */
  runGrid(problems: readonly RemoteGridProblem[], options: GridOptions): Promise<GridResult>;
  /** Cancels every call in flight (each returns what it has, with status 'aborted'). */
  cancel(): void;
  /** Stops the worker; calls in flight reject with E_THREAD. */
  terminate(): Promise<void>;
}

interface Job {
  resolve(v: unknown): void;
  reject(e: unknown): void;
  onMessage?(m: Response): void;
}

export async function createRunner(opts: RunnerOptions = {}): Promise<Runner> {
  const everyMs = opts.progressEveryMs ?? 50;
  const worker: WorkerHandle = await spawnWorker(opts.workerUrl);
  const jobs = new Map<number, Job>();
  let nextId = 1;
  let dead: DspgdError | undefined;

  worker.onMessage((m) => {
    const job = jobs.get(m.id);
    if (!job) return;
    if (m.type === 'result' || m.type === 'error') {
      jobs.delete(m.id);
      worker.setBusy(jobs.size > 0);
      if (m.type === 'result') job.resolve(m.value);
      else job.reject(errorFromWire(m.error));
    } else {
      job.onMessage?.(m);
    }
  });
  worker.onFailure((err) => {
    dead = err;
    for (const j of jobs.values()) j.reject(err);
    jobs.clear();
    worker.setBusy(false);
  });

  type Body = Request extends infer R ? R extends Request ? Omit<R, 'id'> : never : never;
  function call<T>(body: Body, extra: { signal?: AbortSignal; transfer?: ArrayBuffer[]; onMessage?: Job['onMessage'] } = {}): Promise<T> {
    if (dead) return Promise.reject(dead);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      const signal = extra.signal;
      // Where memory can be shared, the worker reads this flag at every iteration, so a run stops
      // one iteration after abort(); the cancel message is for the rest (and for jobs that wait).
      const flag = signal ? sharedFlag() : undefined;
      const onAbort = () => {
        if (flag) Atomics.store(flag, 0, 1);
        worker.post({ op: 'cancel', target: id, id: nextId++ }, []);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener('abort', onAbort);
      jobs.set(id, {
        resolve: (v) => { done(); resolve(v as T); },
        reject: (e) => { done(); reject(e); },
        onMessage: extra.onMessage,
      });
      worker.setBusy(true);
      try {
        worker.post({ ...body, id, ...(flag ? { cancelFlag: flag } : {}) } as Request, extra.transfer ?? []);
      } catch (e) {
        // Not cloneable (a function or a DOM object in the data): nothing reached the worker.
        jobs.delete(id);
        worker.setBusy(jobs.size > 0);
        done();
        reject(new DspgdError('E_PARAM', `${body.op}: the arguments cannot be sent to the worker (${e instanceof Error ? e.message : String(e)})`, body.op, { cause: e }));
        return;
      }
      if (signal?.aborted) onAbort();
    });
  }

  const remote = (info: ProblemInfo): RemoteProblem => {
    let disposed = false;
    return {
      ...info,
      dispose: async () => {
        if (disposed || dead) return;
        disposed = true;
        await call({ op: 'dispose', problem: info.id });
      },
    };
  };
  const wireProblem = (p: RemoteProblem | ProblemData, transfer: boolean): [WireProblem, ArrayBuffer[]] => {
    if (p !== null && typeof p === 'object' && typeof (p as RemoteProblem).id === 'number' && typeof (p as RemoteProblem).dispose === 'function') {
      return [{ id: (p as RemoteProblem).id }, []];
    }
    return [{ data: p as ProblemData }, transfer ? transferables(p) : []];
  };
  // A run's own callback and signal (SolveOptions) work as they do in-process, next to the call's.
  const merged = (signals: (AbortSignal | undefined)[]): AbortSignal | undefined => {
    const list = signals.filter((s): s is AbortSignal => s !== undefined);
    if (list.length === 0) return undefined;
    if (list.length === 1) return list[0];
    const ctl = new AbortController();
    for (const s of list) {
      if (s.aborted) ctl.abort();
      else s.addEventListener('abort', () => ctl.abort(), { once: true });
    }
    return ctl.signal;
  };
  const everything = new Set<AbortController>();
  const tracked = (signal: AbortSignal | undefined): { signal: AbortSignal; release(): void } => {
    const ctl = new AbortController();
    everything.add(ctl);
    const s = merged([signal, ctl.signal])!;
    return { signal: s, release: () => everything.delete(ctl) };
  };
  const progressHandler = (runs: readonly SolveOptions[], c: CallOptions, stop: AbortController) => (p: RunProgress) => {
    c.onProgress?.(p);
    const cb = runs[p.run]?.callback;
    if (cb) {
      // As in-process: a callback that returns false stops its run (here: the call, which
      // is the run for solve; a batch cannot stop one run from outside the worker).
      if (cb(p) === false) stop.abort();
    }
  };

  async function runBatch(problem: RemoteProblem | ProblemData, runs: readonly SolveOptions[], c: BatchCallOptions, single: boolean) {
    const wire = runs.map((o, i) => toWireOptions(o, single ? 'options' : `runs[${i}]`));
    const [wp, transfer] = wireProblem(problem, c.transfer ?? false);
    const stop = new AbortController();
    const t = tracked(merged([c.signal, stop.signal, ...runs.map((r) => r.signal)]));
    const onProgress = progressHandler(runs, c, stop);
    try {
      if (single) {
        return [await call<SolveResult>({ op: 'solve', problem: wp, options: wire[0], progressEveryMs: everyMs }, {
          signal: t.signal, transfer, onMessage: (m) => { if (m.type === 'progress') onProgress(m.progress); },
        })];
      }
      const results: SolveResult[] = new Array(runs.length);
      await call<null>({ op: 'solveBatch', problem: wp, runs: wire, progressEveryMs: everyMs }, {
        signal: t.signal, transfer,
        onMessage: (m) => {
          if (m.type === 'progress') onProgress(m.progress);
          else if (m.type === 'runDone' && m.result) {
            results[m.run] = m.result;
            c.onDone?.(m.run, m.result);
          }
        },
      });
      return results;
    } finally {
      t.release();
    }
  }

  return {
    generate: async (options) => remote(await call<ProblemInfo>({ op: 'generate', options })),
    createProblem: async (data, o = {}) => remote(await call<ProblemInfo>({ op: 'create', data }, { transfer: o.transfer ? transferables(data) : [] })),
    suggestLearningRate: async (problem, precond, loss, reduction) => {
      const w = toWireOptions({ precond, loss, lr: 1 });
      return call<number>({ op: 'suggestLr', problem: problem.id, precond: w.precond, loss: w.loss, reduction });
    },
    solve: async (problem, options, c = {}) => (await runBatch(problem, [options], c, true))[0],
    solveBatch: async (problem, runs, c = {}) => {
      if (!Array.isArray(runs) || runs.length === 0) {
        throw new DspgdError('E_PARAM', 'runs: expected a non-empty array of solve options', 'runs');
      }
      return runBatch(problem, runs, c, false);
    },
    runGrid: async (problems, o) => {
      const t = tracked(o.signal);
      try {
        return await call<GridResult>({
          op: 'runGrid',
          problems: problems.map((g) => ({ problem: g.problem.id, seed: g.seed })),
          options: toWireGrid(o),
          progressEveryMs: everyMs,
        }, {
          signal: t.signal,
          onMessage: (m) => {
            if (m.type === 'progress') o.onProgress?.(m.progress.run, m.progress.iteration, m.progress.relResidual, m.progress.maxIter);
            else if (m.type === 'runDone' && m.row) o.onRun?.(m.row, m.done, m.total);
          },
        });
      } finally {
        t.release();
      }
    },
    cancel: () => { for (const c of everything) c.abort(); },
    terminate: async () => {
      if (!dead) {
        dead = new DspgdError('E_THREAD', 'runner: terminated', 'worker');
        for (const j of jobs.values()) j.reject(dead);
        jobs.clear();
      }
      await worker.terminate();
    },
  };
}

/** A one-int cancel flag on shared memory, or undefined where a SharedArrayBuffer cannot be posted (a page that is not cross-origin isolated). */
function sharedFlag(): Int32Array | undefined {
  return canShareMemory() ? new Int32Array(new SharedArrayBuffer(4)) : undefined;
}
