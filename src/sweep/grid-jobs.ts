/**
 * runGrid for Node with `jobs`: the runs of a grid on `jobs` worker threads, each with its own
 * WASM instance (src/worker/). The units are a problem and a preconditioner with all the
 * learning rates (its rows' lrSensitivity compares them); a task is a run of consecutive units
 * of one problem (at most units/jobs of them, as a sweep's tasks: src/sweep/execute.ts), which a
 * worker advances as one batch, like `jobs: 1` does with all of a problem's runs. Workers start
 * together and each takes tasks of the problem it holds first, so each gets a copy of a
 * problem's X about once. After a clean grid the workers stay for the process's next grid or
 * sweep (idle and unref'd, ended after 60 s unused: src/sweep/execute.ts), so a script that runs
 * several grids pays their start-up once. The rows are those of `jobs: 1` bit for bit, in the same order. The
 * Node entry (src/index.ts) exports this runGrid; the core one (src/experiment.ts), which the
 * browser bundles export, refuses `jobs` > 1.
 */
import { DspgdError } from '../errors.js';
import { runGrid as runGridHere, type GridOptions, type GridProblem, type GridResult, type RunRow, type RunTrace } from '../experiment.js';
import { checkOptionKeys, GRID_OPTION_KEYS } from '../options.js';
import { resolvePrecond } from '../precond/index.js';
import { parseLr } from '../lr-spec.js';
import type { ProblemData } from '../problem.js';
import type { RemoteProblem } from '../worker/runner.js';
import { TaskQueue, tasksOf } from './execute.js';
import { noteProblemSize, readyRunner, startWorkers, stopWorkers } from './workers.js';
import type { Cell } from './grid.js';

/**
 * runGrid(problems, options) with `options.jobs` (default 1: this thread). See src/experiment.ts
 * for the rest; `batch` applies within each task.
 */
export async function runGrid(problems: readonly GridProblem[], o: GridOptions): Promise<GridResult> {
  checkOptionKeys(o, GRID_OPTION_KEYS, 'options');
  const jobs = o.jobs ?? 1;
  if (!Number.isSafeInteger(jobs) || jobs < 1) throw new DspgdError('E_PARAM', `jobs: expected an integer ≥ 1, got ${String(jobs)}`, 'jobs');
  const preconds = o.preconds.map((p, i) => resolvePrecond(p, `preconds[${i}]`));
  const units = problems.length * preconds.length;
  if (jobs === 1 || units <= 1) return runGridHere(problems, { ...o, jobs: undefined });
  const lrs = o.lrs.map((l, i) => (typeof l === 'string' ? parseLr(l, `lrs[${i}]`) : l));
  const L = lrs.length;
  const total = units * L;
  const rows: (RunRow | undefined)[] = new Array(total);
  const traces: (RunTrace | undefined)[] = new Array(total);
  const data = new Map<number, ProblemData>();
  const stop = new AbortController();
  const onAbort = () => stop.abort(o.signal?.reason);
  if (o.signal?.aborted) onAbort();
  else o.signal?.addEventListener('abort', onAbort, { once: true });
  // A unit is a sweep cell of one loss: tasksOf groups consecutive units of one problem.
  const cells: Cell[] = Array.from({ length: units }, (_, u) => ({ index: u, problem: Math.floor(u / preconds.length), loss: 0, precond: u % preconds.length, firstRun: u * L }));
  const tasks = tasksOf(cells, jobs);
  const queue = new TaskQueue(tasks);
  const workers = startWorkers(Math.min(jobs, tasks.length), { progressEveryMs: 100 });
  let done = 0;
  let failure: unknown;
  let clean = false;
  try {
    await Promise.all(workers.runners.map(async (pending) => {
      const runner = await readyRunner(pending, (e) => {
        failure ??= e;
        stop.abort();
      });
      if (!runner) return;
      let held: { index: number; remote: RemoteProblem } | undefined;
      try {
        for (;;) {
          const task = stop.signal.aborted || failure !== undefined ? undefined : queue.take(held?.index);
          if (!task) break;
          const pi = task[0]!.problem;
          if (held?.index !== pi) {
            await held?.remote.dispose();
            queue.move(held?.index, pi);
            held = undefined;
            const p = problems[pi]!.problem;
            let d = data.get(pi);
            if (!d) data.set(pi, (d = { X: p.X, Y: p.Y, W0: p.W0 }));
            held = { index: pi, remote: await runner.createProblem(d) };
            noteProblemSize(workers, runner, held.remote);
          }
          // A signal per call: a call leaves its listeners on the signal it is given.
          const ctl = new AbortController();
          const abort = () => ctl.abort(stop.signal.reason);
          stop.signal.addEventListener('abort', abort, { once: true });
          let r: GridResult;
          try {
            r = await runner.runGrid([{ problem: held.remote, seed: problems[pi]!.seed }], {
              preconds: task.map((c) => preconds[c.precond]!), lrs, loss: o.loss, reduction: o.reduction, tol: o.tol, maxIter: o.maxIter, stall: o.stall, batch: o.batch,
              signal: ctl.signal,
              onRun: (row) => o.onRun?.(row, ++done, total),
              onProgress: o.onProgress && ((run, it, rel, maxIter) => o.onProgress!(task[Math.floor(run / L)]!.firstRun + (run % L), it, rel, maxIter)),
            });
          } finally {
            stop.signal.removeEventListener('abort', abort);
          }
          r.rows.forEach((row, j) => {
            const at = task[Math.floor(j / L)]!.firstRun + (j % L);
            rows[at] = row;
            traces[at] = r.traces[j];
          });
        }
      } catch (e) {
        failure ??= e;
        stop.abort();
      } finally {
        await held?.remote.dispose().catch(() => undefined);
      }
    }));
    clean = failure === undefined && !stop.signal.aborted;
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    await stopWorkers(workers, clean);
  }
  if (failure !== undefined) throw failure;
  const keep = rows.map((_, i) => i).filter((i) => rows[i] !== undefined);
  return { rows: keep.map((i) => rows[i]!), traces: keep.map((i) => traces[i]!), aborted: o.signal?.aborted ?? false };
}
