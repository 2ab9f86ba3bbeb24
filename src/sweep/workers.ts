/**
 * The sweep's worker threads (src/worker/runner.ts), apart from what runs on them (execute.ts,
 * grid-jobs.ts): started, kept idle between the sweeps and grids of one process, stopped. It
 * loads no solver code, so `dspgd sweep` starts its workers before it loads the rest of itself
 * (src/cli/sweep.ts) and they boot while it does.
 */
import { availableParallelism } from 'node:os';
import { createRunner, runnerTiming, type Runner } from '../worker/runner.js';

/** Worker threads started before the cells are known (runSweep starts them before it reads the journal). */
export interface StartedWorkers {
  readonly runners: readonly Promise<Runner>[];
  /** Which idle workers they may be taken from and go back to (the worker program and progress rate). */
  readonly key: string;
  /** Workers not to keep when stopped: they held a big problem (WASM memory never shrinks). */
  readonly drop: Set<Runner>;
}

/**
 * Idle workers kept for this process's next sweep or grid: a worker's start-up (thread, module,
 * WASM) and its JIT warm-up are then paid once per process, not once per sweep. A worker is kept
 * only after a sweep that ended cleanly, when it held no problem bigger than KEEP_BYTES, up to
 * one per core; idle workers never keep the process alive (unref'd) and end after IDLE_MS unused.
 */
const IDLE_MS = 60_000;
const KEEP_BYTES = 256 * 2 ** 20;
const idle = new Map<string, { runner: Runner; timer: ReturnType<typeof setTimeout> }[]>();

export function startWorkers(count: number, o: { workerUrl?: string | URL; progressEveryMs?: number } = {}): StartedWorkers {
  const everyMs = o.progressEveryMs ?? 250;
  const key = `${o.workerUrl === undefined ? '' : String(o.workerUrl)} ${everyMs}`;
  const list = idle.get(key) ?? [];
  const runners = Array.from({ length: count }, () => {
    for (let e = list.pop(); e; e = list.pop()) {
      clearTimeout(e.timer);
      if (!runnerTiming(e.runner)?.dead) return Promise.resolve(e.runner);
    }
    return createRunner({ workerUrl: o.workerUrl, progressEveryMs: everyMs });
  });
  // A worker that fails to start is reported by whoever uses it; none is left unhandled here.
  for (const r of runners) r.catch(() => undefined);
  return { runners, key, drop: new Set() };
}

/** Marks `runner` as not to be kept if a problem of n×d (and k) makes its memory big. */
export function noteProblemSize(w: StartedWorkers, runner: Runner, p: { n: number; d: number; k: number }): void {
  if (8 * (p.n * p.d + 2 * (p.n + p.d) * p.k) > KEEP_BYTES) w.drop.add(runner);
}

/**
 * Ends the workers of `w` (those that started): with `keep`, idle healthy ones wait for the next
 * sweep of this process (see IDLE_MS), the others are terminated.
 */
export async function stopWorkers(w: StartedWorkers, keep = false): Promise<void> {
  await Promise.all(w.runners.map(async (pending) => {
    let r: Runner;
    try {
      r = await pending;
    } catch {
      return;
    }
    const t = runnerTiming(r);
    const list = idle.get(w.key) ?? [];
    // Only a worker that answered a call: Node unrefs a worker thread for good only once it is
    // online (setBusy after a call), and an idle worker must not keep the process alive.
    if (keep && t && !t.dead && t.busy === 0 && t.answered > 0 && !w.drop.has(r) && list.length < availableParallelism()) {
      const timer = setTimeout(() => {
        const at = list.findIndex((e) => e.runner === r);
        if (at >= 0) list.splice(at, 1);
        void r.terminate();
      }, IDLE_MS);
      (timer as { unref?: () => void }).unref?.();
      list.push({ runner: r, timer });
      idle.set(w.key, list);
      return;
    }
    await r.terminate();
  }));
}

/**
 * Terminates the idle workers kept for later sweeps, and says how many (bench/sweep.ts, to time a
 * sweep on fresh workers; `releaseSweepWorkers` of the Node entry).
 */
export async function closeIdleWorkers(): Promise<number> {
  const all = [...idle.values()].flat();
  idle.clear();
  await Promise.all(all.map((e) => {
    clearTimeout(e.timer);
    return e.runner.terminate();
  }));
  return all.length;
}

/** The worker `pending` starts, or undefined once its start-up error has gone to `fail` (which stops the others). */
export async function readyRunner(pending: Promise<Runner>, fail: (e: unknown) => void): Promise<Runner | undefined> {
  try {
    return await pending;
  } catch (e) {
    fail(e);
    return undefined;
  }
}

/** The default of --jobs: the cores this process may use. */
export function defaultJobs(): number {
  return Math.max(1, availableParallelism());
}
