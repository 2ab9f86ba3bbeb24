/**
 * Bench section "sweep": one 16-run sweep (4 preconditioners × 2 learning rates × 2 seeds, every
 * run the same iteration budget) through `runSweep`, the code behind `dspgd sweep`, with
 * `--jobs 1` and `--jobs N` (default 2), journal and report included: the speed-up is what a user
 * gets from `--jobs`. Each repeat runs `--jobs 1`, then `--jobs N` on fresh workers ("cold": what
 * one `dspgd sweep` from the shell gets, every worker starting its thread, module and WASM and
 * warming its JIT), then `--jobs N` again on the workers the cold sweep left (a process running
 * several sweeps or grids keeps idle workers: src/sweep/execute.ts). This thread is warm either
 * way (earlier sections, earlier repeats). Repeats interleave so a change in machine load hits
 * all three; medians are reported, and the rows are checked to be bit-identical.
 *
 * The same grid also runs as a user runs it: `dspgd sweep` in a new node process, `--jobs 1`
 * against `--jobs N` (cold against cold: node start, the CLI, every thread's JIT warm-up and the
 * report in both). The section splits that time into a fixed part F (the same sweep with 1
 * iteration per run) and the iterations' part T − F, for `--jobs 1` and `--jobs N`, and measures
 * the start of one empty Node worker thread; T1 / (F_N + (T1 − F1)/N) bounds what `--jobs N` could
 * reach from the shell if the iterations scaled perfectly. The `sweep-jobs` target is judged on
 * the shell figure, what users get.
 *
 * On a busy machine the wall-clock speed-up is biased low (N threads wait for cores that one
 * thread need not share), so the section also reports where the time went, from each sweep's
 * profile (src/sweep/run.ts): the workers' start-up (wall and CPU), how busy they were, the tail
 * (first to last worker done), this thread's serial parts (set-up, report), and CPU time per
 * thread. From the CPU times it predicts the speed-up on idle cores: T1 = the CPU time of the
 * `--jobs 1` sweep's thread; TN = this thread's set-up and report + the busiest worker's CPU
 * (start-up included) + the CPU the other threads used meanwhile (this thread's journal and
 * messages, V8's compiler and GC threads), shared out over the N cores. Each is the median over
 * the repeats. CPU time is inflated by load too (caches shared with other processes), but
 * about equally on both sides, so the ratio holds better than the wall-clock one.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { tmpdir, availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { runSweep, type SweepProfile } from '../src/sweep/run.js';
import { closeIdleWorkers } from '../src/sweep/workers.js';
import type { SweepGrid } from '../src/sweep/grid.js';
import { median, shellSplit } from './timing.js';

export interface SweepBench {
  runs: number;
  jobs: number;
  /** Wall seconds of each repeat: --jobs 1, --jobs N on the workers kept from the cold sweep, --jobs N on fresh workers. */
  seconds1: number[];
  secondsN: number[];
  secondsCold?: number[];
  /** median(jobs 1) / median(jobs N), workers kept (a process's second and later sweeps). */
  speedup: number;
  /** median(jobs 1) / median(jobs N, fresh workers): one `dspgd sweep` from the shell. */
  speedupCold?: number;
  /** `dspgd sweep` from the shell (a new node process each), --jobs 1 and --jobs N, wall seconds of each repeat. */
  shellSeconds1?: number[];
  shellSecondsN?: number[];
  /** median(shell --jobs 1) / median(shell --jobs N): what a user gets. */
  shellSpeedup?: number;
  /**
   * The fixed part from the shell: the same sweep with 1 iteration per run (node and the CLI
   * starting, workers, problems, lr, the GD limit, journal, report), --jobs 1 and --jobs N, median wall s.
   */
  shellFixedSeconds1?: number;
  shellFixedSecondsN?: number;
  /** One empty Node worker thread, asked for → its first message (median wall ms). */
  workerBootMs?: number;
  /**
   * The same grid with LONG_FACTOR × the iterations per run, from the shell: --jobs 1 and --jobs N,
   * wall seconds of each repeat (absent in --quick). Its fixed part is the short sweep's (the
   * same sweep with 1 iteration per run), so it shows how the speed-up grows with the iterations.
   */
  longIterations?: number;
  longShellSeconds1?: number[];
  longShellSecondsN?: number[];
  longShellSpeedup?: number;
  /** sweep.csv of all equal, byte for byte (the shell sweeps' too). */
  identical: boolean;
  cores: number;
  problem: string;
  /** Load average (1 min) before and after the section. */
  load?: [number, number];
  /** Where the time went (medians over the repeats), workers kept and fresh; absent where thread CPU time is unknown (not Linux). */
  profile?: SweepBenchProfile;
  profileCold?: SweepBenchProfile;
}

export interface SweepBenchProfile {
  /** Workers: asked for → ready (ms, wall), and their CPU until ready (ms). */
  startupMs: number;
  startupCpuMs: number;
  /** Worker time in units ÷ (N × the wall time of the cells), --jobs N. */
  busy: number;
  /** Wall ms from the first worker done to the last (--jobs N). */
  tailMs: number;
  /** This thread's wall ms before the cells (folder, journal) and after them (report), --jobs N. */
  setupMs: number;
  reportMs: number;
  /** CPU ms: the --jobs 1 sweep's thread; --jobs N: each worker (in start order), this thread, the process's other threads. */
  cpu1: number;
  cpuWorkers: number[];
  cpuMain: number;
  cpuOther: number;
  /** Critical path on idle cores from the CPU times (see the file's comment), ms, and T1 / TN. */
  predictedMs1: number;
  predictedMsN: number;
  predicted: number;
}

/** The long sweep's iterations per run, as a multiple of the short one's. */
export const LONG_FACTOR = 4;

export function sweepBenchGrid(quick: boolean): SweepGrid {
  const n = 200, d = 2000;
  return {
    problems: [1, 2].map((seed) => ({ kind: 'gaussian' as const, n, d, k: 1, noise: 0.1, cond: 100, seed })),
    losses: ['squared'], reduction: 'sum',
    preconds: ['gd', 'adam:eps=0.05', 'sign:eps=0.1', 'spectral:eps=0.1'],
    lrs: ['0.5*auto', '0.25*auto'],
    // tol 0 and no stall stop: every run does the whole budget, so both sides do the same work.
    stopping: { tol: 0, maxIter: quick ? 200 : 1500, stall: false },
  };
}

/** The section's grid as `dspgd sweep` flags (its problems differ only in the seed). */
function sweepFlags(grid: SweepGrid, maxIter = grid.stopping.maxIter): string[] {
  const ps = grid.problems.map((p) => {
    if (!('kind' in p) || p.kind === undefined) throw new Error('bench sweep: the grid\'s problems must be generated');
    return p;
  });
  const p0 = ps[0]!;
  if (ps.some((p) => p.n !== p0.n || p.d !== p0.d || p.k !== p0.k || p.kind !== p0.kind || p.noise !== p0.noise || p.cond !== p0.cond)) {
    throw new Error('bench sweep: the grid\'s problems must differ only in the seed');
  }
  return [
    '--kind', String(p0.kind), '--n', String(p0.n), '--d', String(p0.d), '--k', String(p0.k),
    '--noise', String(p0.noise), '--cond', String(p0.cond), '--seeds', ps.map((p) => p.seed).join(','),
    ...grid.preconds.flatMap((x) => ['--precond', x]), '--lr', grid.lrs.join(','),
    '--loss', grid.losses[0]!, '--reduction', grid.reduction,
    '--tol', String(grid.stopping.tol), '--max-iter', String(maxIter), ...(grid.stopping.stall ? [] : ['--no-stall']),
  ];
}

/** bin/dspgd.js beside this bundle (dist/bench.js or dist/cli.js). */
const DSPGD_BIN = fileURLToPath(new URL('../bin/dspgd.js', import.meta.url));

/** One `dspgd sweep` in a new node process, as from the shell: wall seconds from spawn to exit. */
function shellSweep(grid: SweepGrid, outDir: string, jobs: number, maxIter?: number): Promise<number> {
  const args = [DSPGD_BIN, 'sweep', '-q', ...sweepFlags(grid, maxIter), '--out-dir', outDir, '--jobs', String(jobs)];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0
      ? resolve((performance.now() - t0) / 1000)
      : reject(new Error(`bench sweep: dspgd sweep --jobs ${jobs} exited with ${code}: ${stderr.trim().slice(-500)}`))));
  });
}

/** An empty Node worker thread, asked for → its first message: what every fresh worker pays before any of our code runs. */
async function workerBootMs(): Promise<number> {
  const t0 = performance.now();
  const w = new Worker("require('node:worker_threads').parentPort.postMessage(0)", { eval: true });
  try {
    await new Promise((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    return performance.now() - t0;
  } finally {
    await w.terminate();
  }
}

/**
 * Iterations' time with --jobs 1 (s) at which the shell speed-up reaches `target`, when the fixed
 * parts stay what they were and the iterations keep the scaling they had: solves
 * (F1 + I) / (FN + I / s) = target for I; undefined when that scaling cannot reach it.
 */
export function iterationsFor(target: number, split: { t1: number; tN: number; f1: number; fN: number }): number | undefined {
  const s = (split.t1 - split.f1) / (split.tN - split.fN);
  if (!(s > target)) return undefined;
  return Math.max(0, (target * split.fN - split.f1) / (1 - target / s));
}


/** CPU ms of the whole process (every thread). */
const processCpuMs = (since?: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};

interface Sample {
  wall: number;
  profile: SweepProfile;
  processCpu: number;
}

/** One repeat's figures; undefined when a CPU time is missing. */
function figures(one: Sample, many: Sample) {
  const p1 = one.profile, pN = many.profile;
  const main1 = p1.mainCpu, mainN = pN.mainCpu;
  const workers = pN.threads.filter((t) => t.kind === 'worker');
  if (workers.length === 0) return undefined;
  if (!main1 || !mainN || workers.some((w) => w.cpuMs === undefined || w.cpuReadyMs === undefined || w.readyMs === undefined)) return undefined;
  const N = Math.max(1, workers.length);
  const cpuWorkers = workers.map((w) => w.cpuMs!);
  const cpuMain = mainN.setup + mainN.execute + mainN.report;
  const cpuOther = Math.max(0, many.processCpu - cpuMain - cpuWorkers.reduce((a, b) => a + b, 0));
  const cells = pN.executeEndMs - pN.executeStartMs;
  const ends = workers.map((_, i) => Math.max(...pN.units.filter((u) => pN.threads[u.thread] === workers[i]).map((u) => u.endMs)));
  const predictedMs1 = main1.setup + main1.execute + main1.report;
  const predictedMsN = mainN.setup + Math.max(...cpuWorkers) + (mainN.execute + cpuOther) / N + mainN.report;
  return {
    startupMs: median(workers.map((w) => w.readyMs! - w.spawnMs)),
    startupCpuMs: median(workers.map((w) => w.cpuReadyMs!)),
    busy: pN.units.reduce((t, u) => t + (u.endMs - u.startMs), 0) / (N * cells),
    tailMs: Math.max(...ends) - Math.min(...ends),
    setupMs: pN.executeStartMs,
    reportMs: pN.endMs - pN.executeEndMs,
    cpu1: predictedMs1,
    cpuWorkers,
    cpuMain,
    cpuOther,
    predictedMs1,
    predictedMsN,
  };
}

export async function sweepSection(o: { quick: boolean; jobs?: number; repeats?: number; onProgress?: (m: string) => void }): Promise<SweepBench> {
  const jobs = o.jobs ?? 2;
  const grid = sweepBenchGrid(o.quick);
  const repeats = o.repeats ?? (o.quick ? 1 : 3);
  const dir = await mkdtemp(join(tmpdir(), 'dspgd-bench-sweep-'));
  const seconds1: number[] = [], secondsN: number[] = [], secondsCold: number[] = [];
  const shell1: number[] = [], shellN: number[] = [], fixed1: number[] = [], fixedN: number[] = [], boots: number[] = [];
  const long1: number[] = [], longN: number[] = [];
  const longIterations = LONG_FACTOR * grid.stopping.maxIter;
  const samples: { one: Sample; cold: Sample; warm: Sample }[] = [];
  let identical = true;
  const load0 = loadavg()[0]!;
  const time = async (j: number, name: string): Promise<Sample> => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const { profile } = await runSweep({ grid, baseDir: dir, outDir: join(dir, name), jobs: j });
    const wall = (performance.now() - t0) / 1000;
    o.onProgress?.(`sweep: 16 runs, --jobs ${j}${j === 1 ? '' : name.startsWith('cold') ? ' (fresh workers)' : ' (workers kept)'}: ${wall.toFixed(2)} s (load ${loadavg()[0]!.toFixed(2)})`);
    return { wall, profile, processCpu: processCpuMs(c0) };
  };
  try {
    for (let r = 0; r < repeats; r++) {
      const one = await time(1, `one-${r}`);
      await closeIdleWorkers();
      const cold = await time(jobs, `cold-${r}`);
      const warm = await time(jobs, `warm-${r}`);
      seconds1.push(one.wall);
      secondsCold.push(cold.wall);
      secondsN.push(warm.wall);
      samples.push({ one, cold, warm });
      // From the shell: a new node process each, cold against cold.
      for (const [j, out] of [[1, shell1], [jobs, shellN]] as const) {
        const s = await shellSweep(grid, join(dir, `shell${j}-${r}`), j);
        out.push(s);
        o.onProgress?.(`sweep: 16 runs, dspgd sweep --jobs ${j} from the shell: ${s.toFixed(2)} s (load ${loadavg()[0]!.toFixed(2)})`);
      }
      const a = await readFile(join(dir, `one-${r}`, 'sweep.csv'));
      for (const b of [`cold-${r}`, `warm-${r}`, `shell1-${r}`, `shell${jobs}-${r}`]) identical &&= a.equals(await readFile(join(dir, b, 'sweep.csv')));
    }
    for (let r = 0; r < Math.max(3, repeats); r++) {
      fixed1.push(await shellSweep(grid, join(dir, `fixed1-${r}`), 1, 1));
      fixedN.push(await shellSweep(grid, join(dir, `fixed${jobs}-${r}`), jobs, 1));
      boots.push(await workerBootMs());
    }
    o.onProgress?.(`sweep: fixed part from the shell (1 iteration per run) ${median(fixed1).toFixed(2)} s (--jobs 1), ${median(fixedN).toFixed(2)} s (--jobs ${jobs}); an empty worker thread starts in ${median(boots).toFixed(0)} ms`);
    if (!o.quick) {
      for (let r = 0; r < repeats; r++) {
        for (const [j, out] of [[1, long1], [jobs, longN]] as const) {
          const s = await shellSweep(grid, join(dir, `long${j}-${r}`), j, longIterations);
          out.push(s);
          o.onProgress?.(`sweep: 16 runs of ${longIterations} iterations, dspgd sweep --jobs ${j} from the shell: ${s.toFixed(2)} s (load ${loadavg()[0]!.toFixed(2)})`);
        }
        identical &&= (await readFile(join(dir, `long1-${r}`, 'sweep.csv'))).equals(await readFile(join(dir, `long${jobs}-${r}`, 'sweep.csv')));
      }
    }
  } finally {
    await closeIdleWorkers();
    await rm(dir, { recursive: true, force: true });
  }
  const summarize = (pick: (s: (typeof samples)[number]) => Sample): SweepBenchProfile | undefined => {
    const per = samples.map((s) => figures(s.one, pick(s)));
    if (per.length === 0 || per.some((f) => f === undefined)) return undefined;
    const f = per as NonNullable<(typeof per)[number]>[];
    const m = (k: keyof (typeof f)[number]) => median(f.map((x) => x[k] as number));
    return {
      startupMs: m('startupMs'), startupCpuMs: m('startupCpuMs'), busy: m('busy'), tailMs: m('tailMs'),
      setupMs: m('setupMs'), reportMs: m('reportMs'), cpu1: m('cpu1'),
      cpuWorkers: f[0]!.cpuWorkers.map((_, i) => median(f.map((x) => x.cpuWorkers[i] ?? NaN))),
      cpuMain: m('cpuMain'), cpuOther: m('cpuOther'),
      predictedMs1: m('predictedMs1'), predictedMsN: m('predictedMsN'), predicted: median(f.map((x) => x.predictedMs1 / x.predictedMsN)),
    };
  };
  return {
    runs: 16, jobs, seconds1, secondsN, secondsCold,
    speedup: median(seconds1) / median(secondsN), speedupCold: median(seconds1) / median(secondsCold), identical,
    shellSeconds1: shell1, shellSecondsN: shellN, shellSpeedup: median(shell1) / median(shellN),
    shellFixedSeconds1: median(fixed1), shellFixedSecondsN: median(fixedN), workerBootMs: median(boots),
    ...(long1.length ? { longIterations, longShellSeconds1: long1, longShellSecondsN: longN, longShellSpeedup: median(long1) / median(longN) } : {}),
    cores: availableParallelism(), problem: `gaussian n=200 d=2000 k=1, ${grid.stopping.maxIter} iterations per run`,
    load: [load0, loadavg()[0]!], profile: summarize((s) => s.warm), profileCold: summarize((s) => s.cold),
  };
}

export function formatSweepBench(s: SweepBench): string {
  const f = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(', ');
  const ms = (x: number) => `${Math.round(x)} ms`;
  const lines = [
    `Sweep (--jobs): ${s.runs} runs (${s.problem}), ${s.cores} cores available${s.load ? `, load ${s.load[0].toFixed(2)} → ${s.load[1].toFixed(2)}` : ''}`,
    `  --jobs 1: ${f(s.seconds1)} s;  --jobs ${s.jobs}: ${f(s.secondsN)} s (workers kept from the sweep before);  speed-up ${s.speedup.toFixed(2)}× (medians; target ≥ 1.8× on 2 idle cores)`,
  ];
  if (s.secondsCold && s.speedupCold !== undefined) {
    lines.push(`  --jobs ${s.jobs} on fresh workers (one \`dspgd sweep\` from the shell): ${f(s.secondsCold)} s;  speed-up ${s.speedupCold.toFixed(2)}×`);
  }
  if (s.shellSeconds1 && s.shellSecondsN && s.shellSpeedup !== undefined) {
    lines.push(`  \`dspgd sweep\` from the shell (a new node process each, cold against cold): --jobs 1 ${f(s.shellSeconds1)} s;  --jobs ${s.jobs} ${f(s.shellSecondsN)} s;  speed-up ${s.shellSpeedup.toFixed(2)}× (the target's figure)`);
    const split = shellSplit(s);
    if (split) {
      const { t1, tN, f1, fN } = split;
      lines.push(`    fixed part (the same sweep, 1 iteration per run): --jobs 1 ${f1.toFixed(2)} s, --jobs ${s.jobs} ${fN.toFixed(2)} s; iterations (the rest): ${(t1 - f1).toFixed(2)} s → ${(tN - fN).toFixed(2)} s = ${((t1 - f1) / (tN - fN)).toFixed(2)}×`);
      lines.push(`    bound if the iterations scaled perfectly: ${t1.toFixed(2)} / (${fN.toFixed(2)} + ${((t1 - f1) / s.jobs).toFixed(2)}) = ${split.bound.toFixed(2)}×` +
        (s.workerBootMs !== undefined ? `; an empty Node worker thread takes ${Math.round(s.workerBootMs)} ms to start, before any of dspgd's code` : ''));
      const need = iterationsFor(1.8, split);
      if (need !== undefined) lines.push(`    at the measured scaling of the iterations, 1.8× from the shell needs iterations of ≥ ${need.toFixed(1)} s with --jobs 1 (${(need / (t1 - f1)).toFixed(1)}× this sweep's)`);
    }
  }
  if (s.longShellSeconds1 && s.longShellSecondsN && s.longShellSpeedup !== undefined) {
    lines.push(`  the same 16 runs with ${s.longIterations} iterations each, from the shell: --jobs 1 ${f(s.longShellSeconds1)} s;  --jobs ${s.jobs} ${f(s.longShellSecondsN)} s;  speed-up ${s.longShellSpeedup.toFixed(2)}×`);
  }
  lines.push(`  rows of --jobs 1 and --jobs ${s.jobs} (in this process and from the shell) ${s.identical ? 'bit-identical' : 'DIFFER'}`);
  const profile = (p: SweepBenchProfile, what: string) => [
    `  ${what}: worker start-up ${ms(p.startupMs)} (${ms(p.startupCpuMs)} CPU), busy ${(100 * p.busy).toFixed(0)}%, tail ${ms(p.tailMs)}; this thread: set-up ${ms(p.setupMs)}, report ${ms(p.reportMs)}`,
    `    CPU: --jobs 1 ${ms(p.cpu1)}; --jobs ${s.jobs} workers ${p.cpuWorkers.map(ms).join(' + ')}, this thread ${ms(p.cpuMain)}, other threads ${ms(p.cpuOther)}`,
    `    predicted on idle cores (critical path from CPU times): ${ms(p.predictedMs1)} / ${ms(p.predictedMsN)} = ${p.predicted.toFixed(2)}×`,
  ];
  if (s.profile) lines.push(...profile(s.profile, 'workers kept'));
  if (s.profileCold) lines.push(...profile(s.profileCold, 'fresh workers'));
  return lines.join('\n');
}
