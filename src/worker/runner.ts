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

/** Starts a worker and returns a Runner bound to it. */
export async function createRunner(opts: RunnerOptions = {}): Promise<Runner> {
  const spawnedMs = performance.now();
  return new WorkerRunner(await spawnWorker(opts.workerUrl), opts.progressEveryMs ?? 50, spawnedMs);
}

/**
 * When a runner's worker was asked for and when it said it was ready (performance.now() of this
 * thread), and the worker thread's CPU time as of its last answer (where its runtime tells it:
 * src/util/thread-cpu.ts). For sweeps' profiles (bench/sweep.ts); undefined for a runner that
 * createRunner did not make.
 */
export interface RunnerTiming {
  spawnedMs: number;
  readyMs?: number;
  /** The worker thread's CPU time when it was ready (its start-up), and as of its last answer. */
  cpuReadyMs?: number;
  cpuMs?: number;
  /** Calls in flight, calls answered, and whether the worker is gone (terminated or failed). */
  busy: number;
  answered: number;
  dead: boolean;
}

const timings = new WeakMap<Runner, RunnerTiming>();

export function runnerTiming(r: Runner): RunnerTiming | undefined {
  return timings.get(r);
}

type Body = Request extends infer R ? R extends Request ? Omit<R, 'id'> : never : never;
interface CallExtra { signal?: AbortSignal; transfer?: ArrayBuffer[]; onMessage?: Job['onMessage'] }

/**
 * One worker and the calls in flight on it. Public methods are arrow properties so that a
 * destructured `const { solve } = runner` keeps working.
 */
class WorkerRunner implements Runner {
  private readonly jobs = new Map<number, Job>();
  private nextId = 1;
  private dead: DspgdError | undefined;
  /** One controller per call in flight, for cancel(). */
  private readonly inFlight = new Set<AbortController>();

  private readonly timing: RunnerTiming;

  constructor(private readonly worker: WorkerHandle, private readonly everyMs: number, spawnedMs: number) {
    this.timing = { spawnedMs, busy: 0, answered: 0, dead: false };
    timings.set(this, this.timing);
    worker.onMessage((m) => this.receive(m));
    worker.onFailure((err) => {
      this.dead = err;
      this.timing.dead = true;
      this.rejectAll(err);
      worker.setBusy(false);
    });
  }

  generate = async (options: GenerateOptions): Promise<RemoteProblem> =>
    this.remote(await this.call<ProblemInfo>({ op: 'generate', options }));

  createProblem = async (data: ProblemData, o: { transfer?: boolean } = {}): Promise<RemoteProblem> =>
    this.remote(await this.call<ProblemInfo>({ op: 'create', data }, { transfer: o.transfer ? transferables(data) : [] }));

  suggestLearningRate = async (problem: RemoteProblem, precond: string | Preconditioner, loss?: string | Loss, reduction?: Reduction): Promise<number> => {
    const w = toWireOptions({ precond, loss, lr: 1 });
    return this.call<number>({ op: 'suggestLr', problem: problem.id, precond: w.precond, loss: w.loss, reduction });
  };

  solve = async (problem: RemoteProblem | ProblemData, options: SolveOptions, c: CallOptions = {}): Promise<SolveResult> =>
    (await this.runBatch(problem, [options], c, true))[0];

  solveBatch = async (problem: RemoteProblem | ProblemData, runs: readonly SolveOptions[], c: BatchCallOptions = {}): Promise<SolveResult[]> => {
    if (!Array.isArray(runs) || runs.length === 0) {
      throw new DspgdError('E_PARAM', 'runs: expected a non-empty array of solve options', 'runs');
    }
    return this.runBatch(problem, runs, c, false);
  };

  runGrid = async (problems: readonly RemoteGridProblem[], o: GridOptions): Promise<GridResult> => {
    const t = this.tracked(o.signal);
    try {
      return await this.call<GridResult>({
        op: 'runGrid',
        problems: problems.map((g) => ({ problem: g.problem.id, seed: g.seed })),
        options: toWireGrid(o),
        progressEveryMs: this.everyMs,
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
  };

  cancel = (): void => {
    for (const c of this.inFlight) c.abort();
  };

  terminate = async (): Promise<void> => {
    if (!this.dead) {
      this.dead = new DspgdError('E_THREAD', 'runner: terminated', 'worker');
      this.timing.dead = true;
      this.rejectAll(this.dead);
    }
    await this.worker.terminate();
  };

  private receive(m: Response): void {
    if ((m.type === 'result' || m.type === 'ready') && m.cpuMs !== undefined) this.timing.cpuMs = m.cpuMs;
    if (m.type === 'ready' && this.timing.readyMs === undefined) {
      this.timing.readyMs = performance.now();
      this.timing.cpuReadyMs = m.cpuMs;
    }
    const job = this.jobs.get(m.id);
    if (!job) return;
    if (m.type === 'result' || m.type === 'error') {
      this.jobs.delete(m.id);
      this.timing.busy = this.jobs.size;
      this.timing.answered++;
      this.worker.setBusy(this.jobs.size > 0);
      if (m.type === 'result') job.resolve(m.value);
      else job.reject(errorFromWire(m.error));
    } else {
      job.onMessage?.(m);
    }
  }

  private rejectAll(err: DspgdError): void {
    for (const j of this.jobs.values()) j.reject(err);
    this.jobs.clear();
    this.timing.busy = 0;
  }

  private call<T>(body: Body, extra: CallExtra = {}): Promise<T> {
    if (this.dead) return Promise.reject(this.dead);
    const { worker, jobs } = this;
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const signal = extra.signal;
      // Where memory can be shared, the worker reads this flag at every iteration, so a run stops
      // one iteration after abort(); the cancel message is for the rest (and for jobs that wait).
      const flag = signal ? sharedFlag() : undefined;
      const onAbort = () => {
        if (flag) Atomics.store(flag, 0, 1);
        worker.post({ op: 'cancel', target: id, id: this.nextId++ }, []);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener('abort', onAbort);
      jobs.set(id, {
        resolve: (v) => { done(); resolve(v as T); },
        reject: (e) => { done(); reject(e); },
        onMessage: extra.onMessage,
      });
      this.timing.busy = jobs.size;
      worker.setBusy(true);
      try {
        worker.post({ ...body, id, ...(flag ? { cancelFlag: flag } : {}) } as Request, extra.transfer ?? []);
      } catch (e) {
        // Not cloneable (a function or a DOM object in the data): nothing reached the worker.
        jobs.delete(id);
        this.timing.busy = jobs.size;
        worker.setBusy(jobs.size > 0);
        done();
        reject(new DspgdError('E_PARAM', `${body.op}: the arguments cannot be sent to the worker (${e instanceof Error ? e.message : String(e)})`, body.op, { cause: e }));
        return;
      }
      if (signal?.aborted) onAbort();
    });
  }

  private remote(info: ProblemInfo): RemoteProblem {
    let disposed = false;
    return {
      ...info,
      dispose: async () => {
        if (disposed || this.dead) return;
        disposed = true;
        await this.call({ op: 'dispose', problem: info.id });
      },
    };
  }

  /** A signal that aborts with the caller's signal or with cancel(); release() when the call ends. */
  private tracked(signal: AbortSignal | undefined): { signal: AbortSignal; release(): void } {
    const ctl = new AbortController();
    this.inFlight.add(ctl);
    return { signal: mergeSignals([signal, ctl.signal])!, release: () => this.inFlight.delete(ctl) };
  }

  private async runBatch(problem: RemoteProblem | ProblemData, runs: readonly SolveOptions[], c: BatchCallOptions, single: boolean): Promise<SolveResult[]> {
    const wire = runs.map((o, i) => toWireOptions(o, single ? 'options' : `runs[${i}]`));
    const [wp, transfer] = wireProblem(problem, c.transfer ?? false);
    const stop = new AbortController();
    const t = this.tracked(mergeSignals([c.signal, stop.signal, ...runs.map((r) => r.signal)]));
    const onProgress = progressHandler(runs, c, stop);
    try {
      if (single) {
        return [await this.call<SolveResult>({ op: 'solve', problem: wp, options: wire[0], progressEveryMs: this.everyMs }, {
          signal: t.signal, transfer, onMessage: (m) => { if (m.type === 'progress') onProgress(m.progress); },
        })];
      }
      const results: SolveResult[] = new Array(runs.length);
      await this.call<null>({ op: 'solveBatch', problem: wp, runs: wire, progressEveryMs: this.everyMs }, {
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
}

function wireProblem(p: RemoteProblem | ProblemData, transfer: boolean): [WireProblem, ArrayBuffer[]] {
  if (p !== null && typeof p === 'object' && typeof (p as RemoteProblem).id === 'number' && typeof (p as RemoteProblem).dispose === 'function') {
    return [{ id: (p as RemoteProblem).id }, []];
  }
  return [{ data: p as ProblemData }, transfer ? transferables(p) : []];
}

/** A run's own signal (SolveOptions) works as it does in-process, next to the call's. */
function mergeSignals(signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  const list = signals.filter((s): s is AbortSignal => s !== undefined);
  if (list.length === 0) return undefined;
  if (list.length === 1) return list[0];
  const ctl = new AbortController();
  for (const s of list) {
    if (s.aborted) ctl.abort();
    else s.addEventListener('abort', () => ctl.abort(), { once: true });
  }
  return ctl.signal;
}

function progressHandler(runs: readonly SolveOptions[], c: CallOptions, stop: AbortController) {
  return (p: RunProgress): void => {
    c.onProgress?.(p);
    // As in-process: a callback that returns false stops its run (here: the call, which
    // is the run for solve; a batch cannot stop one run from outside the worker).
    if (runs[p.run]?.callback?.(p) === false) stop.abort();
  };
}

/** A one-int cancel flag on shared memory, or undefined where a SharedArrayBuffer cannot be posted (a page that is not cross-origin isolated). */
function sharedFlag(): Int32Array | undefined {
  return canShareMemory() ? new Int32Array(new SharedArrayBuffer(4)) : undefined;
}
