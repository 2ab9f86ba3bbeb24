/**
 * What `dspgd solve` does with its flags (solve.ts): the solve on a worker thread, then every
 * output written together, then the summary. Loaded only when the command runs.
 */
import type { SolveResult } from '../solve.js';
import type { RunAdvice } from '../advice.js';
import { checkWritableExtension, encodeMatrixFile, encodeCsv, writeFilesAtomic, type AtomicFile } from '../io/index.js';
import { resolvePrecond } from '../precond/index.js';
import { resolveLoss } from '../losses/index.js';
import { DspgdError } from '../errors.js';
import { resultToJson } from './result-json.js';
import { biasLines } from '../report/bias.js';
import { EXIT_NOT_CONVERGED, EXIT_OK } from './errors.js';
import type { DataFlags } from './inputs.js';
import { createProgress } from './progress.js';
import { withInterrupt, CTRL_C } from './interrupt.js';
import type { SolveJob, SolveThreadMessage } from './solve-job.js';
import { errorFromWire } from '../worker/wire.js';
import { lrOption } from '../lr-spec.js';
import { formatCount, formatHuman, formatLr, formatDuration } from '../util/numbers.js';
import { enableRelaxedSimd } from './relaxed-simd.js';
import { fileWorker } from '../util/file-worker.js';
import type { SolveFlags } from './solve.js';

export async function runSolve(f: SolveFlags): Promise<number> {
  // Parse specs first: a typo should fail before any file is read.
  const precond = resolvePrecond(f.precond, '--precond');
  const loss = resolveLoss(f.loss, '--loss');
  for (const [flag, path] of [['--out', f.out], ['--save-w', f.saveW], ['--save-wgd', f.saveWgd], ['--trace', f.trace]] as const) {
    if (path !== undefined && path.trim() === '') throw new DspgdError('E_PARAM', `${flag}: expected a file path`, flag);
  }
  // Output formats are checked before any work: a bad extension should not cost a whole solve.
  if (f.saveW !== undefined) checkWritableExtension(f.saveW, '--save-w');
  if (f.saveWgd !== undefined) checkWritableExtension(f.saveWgd, '--save-wgd');
  const options: SolveJob['options'] = {
    precond: precond.toString(), loss: loss.toString(), lr: lrOption(f.lr), reduction: f.reduction, tol: f.tol, gradTol: f.gradTol, gradRelTol: f.gradRelTol,
    maxIter: f.maxIter, path: f.path, threads: f.threads, kernel: f.kernel, stall: f.stall ? undefined : false, divergenceFactor: f.divergenceStop ? undefined : Infinity,
  };
  // A V8 flag of the process: set before the solve thread starts, so its WASM compiles with it.
  if (f.kernel !== 'simd') await enableRelaxedSimd();
  const data: DataFlags = { X: f.X, Y: f.Y, W0: f.W0, problem: f.problem, csvHeader: f.csvHeader, quiet: f.quiet };
  const progress = createProgress(f.quiet, process.stderr, { bar: !f.json });
  try {
    let started = false;
    const r = await withInterrupt((signal) => solveInThread(data, options, signal, {
      started: () => { started = true; progress.start(f.maxIter, `solve ${precond.toString()}`); },
      progress: (iteration, relResidual) => progress.update(iteration, relResidual),
      note: (m) => { if (!f.quiet) process.stderr.write(`dspgd: note: ${m}\n`); },
    }), () => progress.stop(), () => started).catch((e: unknown) => { throw namedByFlag(e); });
    progress.stop();
    const files: AtomicFile[] = [];
    if (f.out) files.push({ path: f.out, data: `${JSON.stringify(resultToJson(r), null, 2)}\n`, argument: '--out' });
    if (f.saveW) files.push({ path: f.saveW, data: encodeMatrixFile(f.saveW, r.W, { argument: '--save-w' }), argument: '--save-w' });
    if (f.saveWgd && r.bias) files.push({ path: f.saveWgd, data: encodeMatrixFile(f.saveWgd, { data: r.bias.W_GD.data, shape: r.bias.W_GD.shape }, { argument: '--save-wgd' }), argument: '--save-wgd' });
    if (f.trace) files.push({ path: f.trace, data: traceCsv(r), argument: '--trace' });
    await writeFilesAtomic(files);
    if (f.json) process.stdout.write(`${JSON.stringify(resultToJson(r), null, 2)}
`);
    else if (!f.quiet) printSummary(r, f.threads);
    return r.status === 'converged' ? EXIT_OK : EXIT_NOT_CONVERGED;
  } finally {
    progress.stop();
  }
}

/** The solve options' names as the flags that set them: the core's errors name the option, the user gave the flag. */
const OPTION_FLAGS: Readonly<Record<string, string>> = {
  tol: '--tol', gradTol: '--grad-tol', gradRelTol: '--grad-rel-tol', maxIter: '--max-iter', path: '--path', threads: '--threads',
  lr: '--lr', reduction: '--reduction', precond: '--precond', loss: '--loss', divergenceFactor: '--no-divergence-stop', stall: '--no-stall',
};

function namedByFlag(e: unknown): unknown {
  if (!(e instanceof DspgdError) || e.argument === undefined) return e;
  const base = e.argument.split('.')[0];
  const flag = Object.hasOwn(OPTION_FLAGS, base) ? OPTION_FLAGS[base] : undefined;
  if (flag === undefined) return e;
  const message = e.message.startsWith(`${e.argument}:`) ? `${flag}${e.message.slice(e.argument.length)}` : `${flag}: ${e.message}`;
  return new DspgdError(e.code, message, flag, { cause: e });
}

/**
 * Loads the problem and runs the solve on a worker thread (solve-thread.ts): a
 * long WASM call (one spectral iteration at k = 1000 lasts minutes) then never
 * blocks this thread, which keeps answering Ctrl-C (the second one exits at once).
 */
async function solveInThread(data: DataFlags, options: SolveJob['options'], signal: AbortSignal, on: {
  started(): void; progress(iteration: number, relResidual: number): void; note(message: string): void;
}): Promise<SolveResult> {
  const { Worker } = await import('node:worker_threads');
  const { existsSync } = await import('node:fs');
  // Bundled: dist/cli.js beside dist/cli-solve-thread.js; from the sources (tests): the built file.
  const file = [new URL('./cli-solve-thread.js', import.meta.url), new URL('../../dist/cli-solve-thread.js', import.meta.url)].find((u) => existsSync(u));
  if (!file) throw new DspgdError('E_IO', 'dspgd solve: dist/cli-solve-thread.js is missing; run `npm run build` first');
  const cancelFlag = new Int32Array(new SharedArrayBuffer(4));
  const job: SolveJob = { data, options, cancelFlag, abortReason: CTRL_C };
  const onAbort = () => Atomics.store(cancelFlag, 0, 1);
  if (signal.aborted) onAbort();
  signal.addEventListener('abort', onAbort);
  const worker = fileWorker(Worker, file, { workerData: job });
  try {
    return await new Promise<SolveResult>((resolve, reject) => {
      worker.on('message', (m: SolveThreadMessage) => {
        if (m.type === 'note') on.note(m.message);
        else if (m.type === 'started') on.started();
        else if (m.type === 'progress') on.progress(m.iteration, m.relResidual);
        else if (m.type === 'result') resolve(m.result);
        else reject(errorFromWire(m.error));
      });
      worker.on('error', (e) => reject(new DspgdError('E_THREAD', `solve thread failed: ${e.message}`, 'worker', { cause: e })));
      worker.on('exit', (code) => reject(new DspgdError('E_THREAD', `solve thread exited (code ${code}) without a result`, 'worker')));
    });
  } finally {
    signal.removeEventListener('abort', onAbort);
    await worker.terminate();
  }
}

function traceCsv(r: SolveResult): string {
  const t = r.trace;
  const n = t.iteration.length;
  const data = new Float64Array(n * 5);
  for (let i = 0; i < n; i++) {
    data.set([t.iteration[i], t.loss[i], t.relResidual[i], t.gradNorm[i], t.bregman[i]], i * 5);
  }
  return encodeCsv({ data, shape: [n, 5] }, { header: ['iteration', 'loss', 'relResidual', 'gradNorm', 'bregman'] });
}

function printSummary(r: SolveResult, threadsAsked: number): void {
  const b = r.bias;
  const lines = [
    `status        ${r.status} (${r.message})`,
    `iterations    ${formatCount(r.iterations)}   time ${formatDuration(r.timeMs)}   lr ${formatLr(r.lr)}   (${r.path}, ${threadsLine(r, threadsAsked)}, kernel ${r.kernel})`,
    `precond       ${r.precond.spec}   isotropic=${r.precond.isotropic} preservesRowSpace=${r.precond.preservesRowSpace}${r.precond.stateful ? ' stateful' : ''}`,
    `loss          ${formatHuman(r.loss)}   relResidual ${formatHuman(r.relResidual)}`,
  ];
  if (b) {
    lines.push(...biasLines(b, r.problem));
  }
  if (r.advice) lines.push(...adviceLines(r));
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** The threads the run used, and why when fewer than --threads asked for. */
function threadsLine(r: SolveResult, asked: number): string {
  const used = `${r.threads} thread${r.threads === 1 ? '' : 's'}`;
  if (r.threads >= asked) return used;
  const why = r.path === 'rowspace' ? 'the row-space path runs on one thread' : 'the pass over X has fewer row chunks than that, or no shared-memory WASM';
  return `${used} (asked ${asked}: ${why})`;
}

/** The advice of a run that stopped short of tol, with the options written as flags. */
function adviceLines(r: SolveResult): string[] {
  const a = r.advice!;
  const out = [
    `trend         relResidual ${formatHuman(a.relResidualFrom, 3)} → ${formatHuman(a.relResidualTo, 3)} over iterations ${formatCount(a.from)}–${formatCount(a.to)}`
      + ` (${a.decadesPer1000 > 0 ? '+' : ''}${formatHuman(a.decadesPer1000, 2)} decades per 1000 iterations)`,
    a.iterationsToTol === null
      ? (a.decadesPer1000 < 0 ? 'estimate      tol cannot be estimated from this trend' : 'estimate      relResidual is not decreasing at this lr')
      : a.iterationsToTol > 1e9
        ? `estimate      over 1e9 more iterations to reach tol at this rate`
        : `estimate      about ${formatCount(a.iterationsToTol)} more iterations to reach tol at this rate (rates usually slow down further: a lower bound)`,
  ];
  const flag = (s: RunAdvice['suggestions'][number]): string => {
    switch (s.option) {
      case 'maxIter': return `--max-iter ${s.value}   (${s.why})`;
      case 'stall': return `--no-stall   (${s.why})`;
      case 'lr': return `--lr ${s.autoFactor === 1 ? 'auto' : s.autoFactor === 1.9 ? '1.9*auto' : formatLr(s.value as number)}   (${s.why})`;
      case 'path': return `--path rowspace   (${s.why})`;
      default: return `scale the features, e.g. standardize the columns of X   (${s.why})`;
    }
  };
  a.suggestions.forEach((s, i) => { out.push(`${i === 0 ? 'try           ' : '              '}${flag(s)}`); });
  return out;
}
