/**
 * Running a sweep's cells (grid.ts) on this machine: in this thread (`jobs` 1), or on `jobs`
 * worker threads, each with its own WASM instance (src/worker/runner.ts). Either way the unit
 * is one runGrid call on one problem and loss over some of its cells (one batch: one pass over
 * X per iteration for all their runs), and a row is bit for bit the same however the cells were
 * grouped (solveBatch runs are lone solves, and workers run the same WASM). In this thread a
 * call takes all pending cells of a problem and loss; on workers, tasks of consecutive cells
 * (tasksOf), handed out in grid order; a worker keeps the problem it last used, so it generates
 * or receives a problem's X about once.
 *
 * Finished cells are handed to `onCells` (the journal) one call at a time; a cell stopped by
 * the signal is not finished and is not handed over.
 */
import { resolve } from 'node:path';
import { DspgdError } from '../errors.js';
import { runGrid, type GridOptions, type GridResult } from '../experiment.js';
import { generate } from '../generate.js';
import { loadProblem } from '../io/node/problem-files.js';
import type { Problem, ProblemData } from '../problem.js';
import { runnerTiming, type RemoteProblem } from '../worker/runner.js';
import { noteProblemSize, readyRunner, startWorkers, stopWorkers, type StartedWorkers } from './workers.js';
import { threadCpuMs } from '../util/thread-cpu.js';
import { isGenerated, lrSpecOf, type Cell, type GridProblemSpec, type SweepGrid } from './grid.js';
import type { RunRecord } from './journal.js';
import { checkContentHashes } from './inputs.js';

export interface ExecuteOptions {
  grid: SweepGrid;
  /** The cells to run, in grid order. */
  cells: readonly Cell[];
  /** Worker threads; 1 runs in this thread. */
  jobs: number;
  /** Relative file paths of the grid's problems are resolved against this folder. */
  baseDir: string;
  signal?: AbortSignal;
  /** Finished cells' records (in run order within a cell); awaited, never called concurrently. */
  onCells(records: RunRecord[]): Promise<void>;
  /** After each finished run (also of a cell not finished yet). */
  onRun?(relResidual: number): void;
  /** Every 100 iterations of a run: its run number, iteration and relResidual. */
  onProgress?(run: number, iteration: number, relResidual: number): void;
  /** Notes from reading problem files (e.g. how a CSV header was read). */
  onNote?(message: string): void;
  /** Where the worker program is (tests; default as createRunner). */
  workerUrl?: string | URL;
  /** Workers started ahead (startWorkers), which the caller stops; default: started and stopped here. */
  workers?: StartedWorkers;
  /** Filled with where the time went (units, workers), for bench/sweep.ts. */
  profile?: ExecuteProfile;
}

/**
 * Where a sweep's time went. Times are performance.now() of the calling thread minus `t0`, in
 * ms; CPU times are those of one thread (src/util/thread-cpu.ts), absent where unknown.
 */
export interface ExecuteProfile {
  t0: number;
  /** The threads that ran units: this thread (`jobs` 1) or the workers, in start order. */
  threads: ThreadProfile[];
  /** Every unit of work (one batch: consecutive cells of one problem and loss), in start order. */
  units: UnitProfile[];
}

export interface ThreadProfile {
  kind: 'main' | 'worker';
  /** A worker kept from an earlier sweep of this process (ready at once, CPU counted from this sweep's start). */
  reused?: boolean;
  /** Asked for, and ready (its first message): start-up is readyMs − spawnMs. */
  spawnMs: number;
  readyMs?: number;
  /** CPU of the thread when it was ready, and when it last answered (a worker), or its CPU in units (main). */
  cpuReadyMs?: number;
  cpuMs?: number;
}

export interface UnitProfile {
  thread: number;
  problem: number;
  cells: number;
  runs: number;
  /** Making or receiving the problem (when the thread did not hold it), then the runs. */
  problemMs?: number;
  startMs: number;
  endMs: number;
  /** CPU of the thread from the end of its previous unit (or ready) to the end of this one. */
  cpuMs?: number;
}

export async function executeCells(o: ExecuteOptions): Promise<{ aborted: boolean }> {
  if (!Number.isSafeInteger(o.jobs) || o.jobs < 1) throw new DspgdError('E_PARAM', `jobs: expected an integer ≥ 1, got ${o.jobs}`, 'jobs');
  if (o.cells.length === 0) return { aborted: o.signal?.aborted ?? false };
  const jobs = Math.min(o.jobs, o.cells.length);
  return jobs === 1 ? inThread(o) : onWorkers(o, jobs);
}

function gridOptions(o: ExecuteOptions, loss: number): Omit<GridOptions, 'preconds' | 'onRun' | 'onProgress'> {
  const g = o.grid;
  return {
    lrs: g.lrs.map(lrSpecOf), loss: g.losses[loss], reduction: g.reduction,
    tol: g.stopping.tol, maxIter: g.stopping.maxIter, stall: g.stopping.stall ? undefined : false, signal: o.signal,
  };
}

/** The records of `cells` from a runGrid result over their preconditioners (in that order); undefined entries: not finished. */
function recordsOf(grid: SweepGrid, cells: readonly Cell[], r: GridResult, signal?: AbortSignal): RunRecord[][] {
  const L = grid.lrs.length;
  return cells.map((cell, c) => {
    const out: RunRecord[] = [];
    for (let j = 0; j < L; j++) {
      const i = c * L + j;
      const row = r.rows[i], trace = r.traces[i];
      if (!row || !trace || (row.status === 'aborted' && signal?.aborted)) return [];
      out.push({ run: cell.firstRun + j, cell: cell.index, row, trace });
    }
    return out;
  });
}

/**
 * A signal of its own for one call, aborted with `parent`: the runs of a call leave their abort
 * listeners on the signal they are given, and a sweep makes many calls under one parent signal.
 */
function scoped(parent: AbortSignal | undefined): { signal: AbortSignal; release(): void } {
  const ctl = new AbortController();
  const abort = () => ctl.abort(parent?.reason);
  if (parent?.aborted) abort();
  else parent?.addEventListener('abort', abort, { once: true });
  return { signal: ctl.signal, release: () => parent?.removeEventListener('abort', abort) };
}

/**
 * Problem spec (problem `index` of the grid) → the options of loadProblem / generate. Files are
 * checked against the grid's SHA-256 once loaded, hashed as the loader reads them (inputs.ts: a
 * file changed since the sweep started is refused before any run uses it).
 */
export async function openGridProblem(spec: GridProblemSpec, index: number, baseDir: string, onNote?: (m: string) => void): Promise<Problem> {
  if (isGenerated(spec)) {
    return generate({ kind: spec.kind, n: spec.n, d: spec.d, k: spec.k, seed: spec.seed, noise: spec.noise, cond: spec.cond });
  }
  const header = spec.csvHeader === 'yes' ? true : spec.csvHeader === 'no' ? false : 'auto';
  const loaded = new Map<string, string>();
  const onSha256 = spec.sha256 && ((file: string, hex: string) => { loaded.set(file, hex); });
  let problem: Problem;
  if (spec.problem !== undefined) {
    const p = resolve(baseDir, spec.problem);
    problem = await loadProblem({ X: `${p}:X`, Y: `${p}:Y`, W0: `${p}:W0` }, { names: { X: spec.problem, Y: spec.problem, W0: spec.problem }, optionalW0: true, onSha256 });
  } else {
    problem = await loadProblem(
      { X: resolve(baseDir, spec.X!), Y: resolve(baseDir, spec.Y!), W0: spec.W0 === undefined ? undefined : resolve(baseDir, spec.W0) },
      { names: { X: spec.X!, Y: spec.Y!, W0: spec.W0 ?? 'W0' }, header, onNote, onSha256 },
    );
  }
  await checkContentHashes(spec, index, baseDir, loaded).catch((e: unknown) => {
    problem.dispose();
    throw e;
  });
  return problem;
}

async function inThread(o: ExecuteOptions): Promise<{ aborted: boolean }> {
  const g = o.grid;
  const prof = o.profile;
  const clock = () => performance.now() - (prof?.t0 ?? 0);
  if (prof) prof.threads.push({ kind: 'main', spawnMs: clock(), readyMs: clock(), cpuReadyMs: threadCpuMs(), cpuMs: 0 });
  let cpuMark = threadCpuMs();
  // Journal writes go on while the next cells run (one write and fsync per batch); awaited at the end.
  let journal: Promise<void> = Promise.resolve();
  let failure: unknown;
  const record = (recs: RunRecord[]) => {
    if (recs.length) journal = journal.then(() => (failure === undefined ? o.onCells(recs) : undefined)).catch((e: unknown) => { failure ??= e; });
  };
  const loop = async (): Promise<{ aborted: boolean }> => {
    let i = 0;
    while (i < o.cells.length && failure === undefined) {
      if (o.signal?.aborted) return { aborted: true };
      const first = o.cells[i]!;
      let j = i;
      while (j < o.cells.length && o.cells[j]!.problem === first.problem) j++;
      const spec = g.problems[first.problem]!;
      const t0 = clock();
      const problem = await openGridProblem(spec, first.problem, o.baseDir, o.onNote);
      let problemMs: number | undefined = clock() - t0;
      try {
        for (let a = i; a < j && failure === undefined;) {
          let b = a;
          while (b < j && o.cells[b]!.loss === o.cells[a]!.loss) b++;
          const group = o.cells.slice(a, b);
          const signal = scoped(o.signal);
          const startMs = clock();
          let r: GridResult;
          try {
            r = await runGrid([{ problem, seed: isGenerated(spec) ? spec.seed : null }], {
              ...gridOptions(o, group[0]!.loss), signal: signal.signal,
              preconds: group.map((c) => g.preconds[c.precond]!),
              onRun: (row) => o.onRun?.(row.relResidual),
              onProgress: o.onProgress && ((run, it, rel) => o.onProgress!(group[Math.floor(run / g.lrs.length)]!.firstRun + (run % g.lrs.length), it, rel)),
            });
          } finally {
            signal.release();
          }
          if (prof) {
            const cpu = threadCpuMs();
            prof.units.push({ thread: 0, problem: first.problem, cells: group.length, runs: group.length * g.lrs.length, problemMs, startMs: problemMs === undefined ? startMs : t0, endMs: clock(), cpuMs: cpu === undefined || cpuMark === undefined ? undefined : cpu - cpuMark });
            cpuMark = cpu;
            problemMs = undefined;
          }
          record(recordsOf(g, group, r, o.signal).flat());
          if (r.aborted || o.signal?.aborted) return { aborted: true };
          a = b;
        }
      } finally {
        problem.dispose();
      }
      i = j;
    }
    return { aborted: false };
  };
  let out: { aborted: boolean };
  try {
    out = await loop();
  } finally {
    await journal;
    if (prof) prof.threads[0]!.cpuMs = prof.units.reduce((t, u) => t + (u.cpuMs ?? 0), 0);
  }
  if (failure !== undefined) throw failure;
  return out;
}

/**
 * The tasks left, handed to workers by the problem they hold: a worker takes a task of its own
 * problem, else of a problem no worker holds, else the first one left, so that each problem's X
 * is made or copied into as few workers as it can be.
 */
export class TaskQueue {
  private readonly left: number[];
  /** How many workers hold each problem. */
  private readonly holding = new Map<number, number>();

  constructor(private readonly tasks: readonly Cell[][]) {
    this.left = tasks.map((_, i) => i);
  }

  take(held: number | undefined): Cell[] | undefined {
    const { left, tasks } = this;
    let at = held === undefined ? -1 : left.findIndex((t) => tasks[t]![0]!.problem === held);
    if (at < 0) at = left.findIndex((t) => !this.holding.get(tasks[t]![0]!.problem));
    if (at < 0) at = left.length ? 0 : -1;
    return at < 0 ? undefined : tasks[left.splice(at, 1)[0]!];
  }

  /** A worker lets go of problem `from` (if any) and takes up `to`. */
  move(from: number | undefined, to: number): void {
    if (from !== undefined) this.holding.set(from, this.holding.get(from)! - 1);
    this.holding.set(to, (this.holding.get(to) ?? 0) + 1);
  }
}

/**
 * The cells as tasks for `jobs` workers: runs of consecutive cells of one problem and loss, which
 * a worker runs as one batch (one pass over X per iteration for all their runs, as in this
 * thread), at most cells/jobs of them, never spanning two problems or losses. On a 200×2000 X
 * (k = 1, quiet machine), a run-iteration took 87–92 µs in batches of 8, 1% more in batches of 4
 * and 7–16% more alone.
 */
export function tasksOf(cells: readonly Cell[], jobs: number): Cell[][] {
  const size = Math.max(1, Math.ceil(cells.length / jobs));
  const tasks: Cell[][] = [];
  for (const c of cells) {
    const last = tasks[tasks.length - 1];
    if (last && last.length < size && last[0]!.problem === c.problem && last[0]!.loss === c.loss) last.push(c);
    else tasks.push([c]);
  }
  return tasks;
}


async function onWorkers(o: ExecuteOptions, jobs: number): Promise<{ aborted: boolean }> {
  const g = o.grid;
  const prof = o.profile;
  const clock = () => performance.now() - (prof?.t0 ?? 0);
  // Problems read from files are read here once and copied to each worker that needs them.
  const fileData = new Map<number, Promise<ProblemData>>();
  const dataOf = (p: number) => {
    let d = fileData.get(p);
    if (!d) {
      d = openGridProblem(g.problems[p]!, p, o.baseDir, o.onNote).then((pr) => {
        try {
          return { X: pr.X, Y: pr.Y, W0: pr.W0 };
        } finally {
          pr.dispose();
        }
      });
      fileData.set(p, d);
    }
    return d;
  };
  const tasks = tasksOf(o.cells, jobs);
  const queue = new TaskQueue(tasks);
  let failure: unknown;
  // Journal writes (one write and fsync per task) go on while the workers run their next tasks.
  let journal: Promise<void> = Promise.resolve();
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  // Workers started ahead by the caller, or here; all start together (each compiles and makes its
  // problem on its own core) and each begins as soon as it is ready.
  const pool = o.workers ?? startWorkers(Math.min(jobs, tasks.length), { workerUrl: o.workerUrl });
  const started = pool.runners;
  const count = Math.min(jobs, tasks.length, started.length);
  let clean = false;
  try {
    await Promise.all(started.slice(0, count).map(async (pending, wi) => {
      const runner = await readyRunner(pending, (e) => {
        failure ??= e;
        stop.abort();
      });
      if (!runner) return;
      const timing = runnerTiming(runner);
      // A worker kept from an earlier sweep (stopWorkers) is ready already: no start-up here, and
      // its CPU counts from now.
      const reused = timing !== undefined && timing.readyMs !== undefined && prof !== undefined && timing.readyMs < prof.t0;
      const cpuBase = reused ? timing.cpuMs : 0;
      const thread = prof ? prof.threads.push(reused
        ? { kind: 'worker', reused, spawnMs: 0, readyMs: 0, cpuReadyMs: 0 }
        : { kind: 'worker', reused, spawnMs: (timing?.spawnedMs ?? prof.t0) - prof.t0 }) - 1 : wi;
      let cpuMark: number | undefined = reused ? cpuBase : undefined;
      let held: { problem: number; remote: RemoteProblem } | undefined;
      try {
        for (;;) {
          const task = stop.signal.aborted || failure !== undefined ? undefined : queue.take(held?.problem);
          if (!task) break;
          const first = task[0]!;
          const t0 = clock();
          let problemMs: number | undefined;
          if (held?.problem !== first.problem) {
            await held?.remote.dispose();
            queue.move(held?.problem, first.problem);
            held = undefined;
            const spec = g.problems[first.problem]!;
            const remote = isGenerated(spec)
              ? await runner.generate({ kind: spec.kind, n: spec.n, d: spec.d, k: spec.k, seed: spec.seed, noise: spec.noise, cond: spec.cond })
              : await runner.createProblem(await dataOf(first.problem));
            held = { problem: first.problem, remote };
            noteProblemSize(pool, runner, remote);
            problemMs = clock() - t0;
          }
          if (prof && cpuMark === undefined) {
            // The first answer: the thread's start-up (ready) is known by now.
            const th = prof.threads[thread]!;
            th.readyMs = timing?.readyMs === undefined ? undefined : timing.readyMs - prof.t0;
            cpuMark = th.cpuReadyMs = timing?.cpuReadyMs;
          }
          const spec = g.problems[first.problem]!;
          const L = g.lrs.length;
          const signal = scoped(stop.signal);
          const startMs = clock();
          let r: GridResult;
          try {
            r = await runner.runGrid([{ problem: held.remote, seed: isGenerated(spec) ? spec.seed : null }], {
              ...gridOptions(o, first.loss), signal: signal.signal,
              preconds: task.map((c) => g.preconds[c.precond]!),
              onRun: (row) => o.onRun?.(row.relResidual),
              onProgress: o.onProgress && ((run, it, rel) => o.onProgress!(task[Math.floor(run / L)]!.firstRun + (run % L), it, rel)),
            });
          } finally {
            signal.release();
          }
          if (prof) {
            const cpu = timing?.cpuMs;
            prof.units.push({ thread, problem: first.problem, cells: task.length, runs: task.length * L, problemMs, startMs: problemMs === undefined ? startMs : t0, endMs: clock(), cpuMs: cpu === undefined || cpuMark === undefined ? undefined : cpu - cpuMark });
            cpuMark = cpu;
            prof.threads[thread]!.cpuMs = cpu === undefined || cpuBase === undefined ? undefined : cpu - cpuBase;
          }
          const recs = recordsOf(g, task, r, stop.signal).flat();
          if (recs.length) journal = journal.then(() => (failure === undefined ? o.onCells(recs) : undefined)).catch((e: unknown) => { failure ??= e; stop.abort(); });
        }
      } catch (e) {
        failure ??= e;
        stop.abort();
      } finally {
        await held?.remote.dispose().catch(() => undefined);
      }
    }));
    await journal;
    if (failure !== undefined) throw failure;
    clean = !(o.signal?.aborted ?? false);
    return { aborted: !clean };
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    if (!o.workers) await stopWorkers(pool, clean);
  }
}
