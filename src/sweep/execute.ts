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
import { availableParallelism } from 'node:os';
import { DspgdError } from '../errors.js';
import { runGrid, type GridOptions, type GridResult } from '../experiment.js';
import { generate } from '../generate.js';
import { loadProblem } from '../io/node/problem-files.js';
import type { Problem, ProblemData } from '../problem.js';
import { createRunner, type RemoteProblem, type Runner } from '../worker/runner.js';
import { isGenerated, lrSpecOf, type Cell, type GridProblemSpec, type SweepGrid } from './grid.js';
import type { RunRecord } from './journal.js';

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
}

/** The default of --jobs: the cores this process may use. */
export function defaultJobs(): number {
  return Math.max(1, availableParallelism());
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

/** Problem spec → the options of loadProblem / generate. */
export async function openGridProblem(spec: GridProblemSpec, baseDir: string, onNote?: (m: string) => void): Promise<Problem> {
  if (isGenerated(spec)) {
    return generate({ kind: spec.kind, n: spec.n, d: spec.d, k: spec.k, seed: spec.seed, noise: spec.noise, cond: spec.cond });
  }
  const header = spec.csvHeader === 'yes' ? true : spec.csvHeader === 'no' ? false : 'auto';
  if (spec.problem !== undefined) {
    const p = resolve(baseDir, spec.problem);
    return loadProblem({ X: `${p}:X`, Y: `${p}:Y`, W0: `${p}:W0` }, { names: { X: spec.problem, Y: spec.problem, W0: spec.problem }, optionalW0: true });
  }
  return loadProblem(
    { X: resolve(baseDir, spec.X!), Y: resolve(baseDir, spec.Y!), W0: spec.W0 === undefined ? undefined : resolve(baseDir, spec.W0) },
    { names: { X: spec.X!, Y: spec.Y!, W0: spec.W0 ?? 'W0' }, header, onNote },
  );
}

async function inThread(o: ExecuteOptions): Promise<{ aborted: boolean }> {
  const g = o.grid;
  let i = 0;
  while (i < o.cells.length) {
    if (o.signal?.aborted) return { aborted: true };
    const first = o.cells[i]!;
    let j = i;
    while (j < o.cells.length && o.cells[j]!.problem === first.problem) j++;
    const spec = g.problems[first.problem]!;
    const problem = await openGridProblem(spec, o.baseDir, o.onNote);
    try {
      for (let a = i; a < j;) {
        let b = a;
        while (b < j && o.cells[b]!.loss === o.cells[a]!.loss) b++;
        const group = o.cells.slice(a, b);
        const signal = scoped(o.signal);
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
        const done = recordsOf(g, group, r, o.signal).filter((x) => x.length > 0);
        for (const recs of done) await o.onCells(recs);
        if (r.aborted || o.signal?.aborted) return { aborted: true };
        a = b;
      }
    } finally {
      problem.dispose();
    }
    i = j;
  }
  return { aborted: false };
}

/**
 * The cells as tasks for `jobs` workers: runs of consecutive cells of one problem and loss, which
 * a worker runs as one batch (one pass over X per iteration for all their runs, as in this
 * thread), at most cells/jobs of them, never spanning two problems or losses. Big batches
 * matter: on a 200×2000 X, batches of 4 runs took 16% more CPU per run than batches of 8.
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
  const runners: Runner[] = [];
  // Problems read from files are read here once and copied to each worker that needs them.
  const fileData = new Map<number, Promise<ProblemData>>();
  const dataOf = (p: number) => {
    let d = fileData.get(p);
    if (!d) {
      d = openGridProblem(g.problems[p]!, o.baseDir, o.onNote).then((pr) => {
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
  const left = tasks.map((_, i) => i);
  const holding = new Map<number, number>();
  // A worker takes a task of the problem it holds, else of a problem no worker holds, else the
  // first one left: each problem's X is then made or copied in as few workers as it can be.
  const take = (held: number | undefined): Cell[] | undefined => {
    let at = held === undefined ? -1 : left.findIndex((t) => tasks[t]![0]!.problem === held);
    if (at < 0) at = left.findIndex((t) => !holding.get(tasks[t]![0]!.problem));
    if (at < 0) at = left.length ? 0 : -1;
    return at < 0 ? undefined : tasks[left.splice(at, 1)[0]!];
  };
  let failure: unknown;
  let journal: Promise<void> = Promise.resolve();
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    // Started together: each worker compiles its WASM on its own core.
    const started = await Promise.allSettled(Array.from({ length: Math.min(jobs, tasks.length) }, () => createRunner({ workerUrl: o.workerUrl, progressEveryMs: 250 })));
    for (const s of started) if (s.status === 'fulfilled') runners.push(s.value);
    const bad = started.find((s) => s.status === 'rejected');
    if (bad) throw (bad as PromiseRejectedResult).reason;
    await Promise.all(runners.map(async (runner) => {
      let held: { problem: number; remote: RemoteProblem } | undefined;
      try {
        for (;;) {
          const task = stop.signal.aborted || failure !== undefined ? undefined : take(held?.problem);
          if (!task) break;
          const first = task[0]!;
          if (held?.problem !== first.problem) {
            await held?.remote.dispose();
            if (held) holding.set(held.problem, holding.get(held.problem)! - 1);
            held = undefined;
            holding.set(first.problem, (holding.get(first.problem) ?? 0) + 1);
            const spec = g.problems[first.problem]!;
            const remote = isGenerated(spec)
              ? await runner.generate({ kind: spec.kind, n: spec.n, d: spec.d, k: spec.k, seed: spec.seed, noise: spec.noise, cond: spec.cond })
              : await runner.createProblem(await dataOf(first.problem));
            held = { problem: first.problem, remote };
          }
          const spec = g.problems[first.problem]!;
          const L = g.lrs.length;
          const signal = scoped(stop.signal);
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
          for (const recs of recordsOf(g, task, r, stop.signal)) {
            if (recs.length === 0) continue;
            journal = journal.then(() => o.onCells(recs));
          }
          await journal;
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
    return { aborted: o.signal?.aborted ?? false };
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    await Promise.all(runners.map((r) => r.terminate()));
  }
}
