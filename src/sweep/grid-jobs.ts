/**
 * runGrid for Node with `jobs`: the runs of a grid on `jobs` worker threads, each with its own
 * WASM instance (src/worker/). A unit of work is one problem and one preconditioner with all the
 * learning rates (its rows' lrSensitivity compares them); a worker keeps the problem it last
 * received, so each worker gets a copy of a problem's X about once. The rows are those of
 * `jobs: 1` bit for bit, in the same order. The Node entry (src/index.ts) exports this runGrid;
 * the core one (src/experiment.ts), which the browser bundles export, refuses `jobs` > 1.
 */
import { DspgdError } from '../errors.js';
import { runGrid as runGridHere, type GridOptions, type GridProblem, type GridResult, type RunRow, type RunTrace } from '../experiment.js';
import { checkOptionKeys, GRID_OPTION_KEYS } from '../options.js';
import { resolvePrecond } from '../precond/index.js';
import { parseLr } from '../lr-spec.js';
import type { ProblemData } from '../problem.js';
import { createRunner, type RemoteProblem, type Runner } from '../worker/runner.js';

/**
 * runGrid(problems, options) with `options.jobs` (default 1: this thread). See src/experiment.ts
 * for the rest; `batch` applies within each unit of work.
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
  const runners: Runner[] = [];
  let next = 0, done = 0;
  let failure: unknown;
  try {
    for (let w = 0; w < Math.min(jobs, units); w++) runners.push(await createRunner({ progressEveryMs: 100 }));
    await Promise.all(runners.map(async (runner) => {
      let held: { index: number; remote: RemoteProblem } | undefined;
      try {
        while (!stop.signal.aborted && failure === undefined && next < units) {
          const unit = next++;
          const pi = Math.floor(unit / preconds.length), precond = preconds[unit % preconds.length]!;
          if (held?.index !== pi) {
            await held?.remote.dispose();
            held = undefined;
            const p = problems[pi]!.problem;
            let d = data.get(pi);
            if (!d) data.set(pi, (d = { X: p.X, Y: p.Y, W0: p.W0 }));
            held = { index: pi, remote: await runner.createProblem(d) };
          }
          // A signal per call: a call leaves its listeners on the signal it is given.
          const ctl = new AbortController();
          const abort = () => ctl.abort(stop.signal.reason);
          stop.signal.addEventListener('abort', abort, { once: true });
          let r: GridResult;
          try {
            r = await runner.runGrid([{ problem: held.remote, seed: problems[pi]!.seed }], {
              preconds: [precond], lrs, loss: o.loss, reduction: o.reduction, tol: o.tol, maxIter: o.maxIter, stall: o.stall, batch: o.batch,
              signal: ctl.signal,
              onRun: (row) => o.onRun?.(row, ++done, total),
              onProgress: o.onProgress && ((run, it, rel, maxIter) => o.onProgress!(unit * L + run, it, rel, maxIter)),
            });
          } finally {
            stop.signal.removeEventListener('abort', abort);
          }
          r.rows.forEach((row, j) => { rows[unit * L + j] = row; traces[unit * L + j] = r.traces[j]; });
        }
      } catch (e) {
        failure ??= e;
        stop.abort();
      } finally {
        await held?.remote.dispose().catch(() => undefined);
      }
    }));
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    await Promise.all(runners.map((r) => r.terminate()));
  }
  if (failure !== undefined) throw failure;
  const keep = rows.map((_, i) => i).filter((i) => rows[i] !== undefined);
  return { rows: keep.map((i) => rows[i]!), traces: keep.map((i) => traces[i]!), aborted: o.signal?.aborted ?? false };
}
