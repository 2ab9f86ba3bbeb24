// Sweeps at scale (issue 16): the experiment file and its errors, shards, the journal, --jobs,
// --resume after a real SIGKILL, and merge, each checked against an unsharded, uninterrupted
// sweep of the same grid, byte for byte.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gridFromFlags, parseGridFile, cellsOf, runCount, gridDifference, type SweepGrid } from '../src/sweep/grid.js';
import { shardCells, resolveShard } from '../src/sweep/shard.js';
import { parseJournal, encodeLine, runLine, journalHeader } from '../src/sweep/journal.js';
import { runSweep } from '../src/sweep/run.js';
import { mergeSweeps } from '../src/sweep/merge.js';
import { tasksOf } from '../src/sweep/execute.js';
import { DspgdError } from '../src/errors.js';
import { runGrid } from '../src/experiment.js';
import { runGrid as runGridNode } from '../src/index.js';
import { generate } from '../src/generate.js';

const BIN = join(__dirname, '..', 'bin', 'dspgd.js');
let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'dspgd-sweep-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 180_000, env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The files that must be byte-identical between two sweeps of one grid (sweep.json without its `host` key). */
function comparable(d: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(d).sort()) {
    if (f === 'journal.jsonl' || f.startsWith('.')) continue;
    const text = readFileSync(join(d, f), 'utf8');
    if (f === 'sweep.json') {
      const o = JSON.parse(text);
      expect(Object.keys(o)).toEqual(['format', 'dspgd', 'grid', 'shard', 'runs', 'missing', 'rows', 'host']);
      out[f] = text.slice(0, text.indexOf('\n  "host":'));
    } else out[f] = text;
  }
  return out;
}

const FLAGS = {
  preconds: ['gd', 'sign:eps=0.1', 'adam:eps=0.05'], lrs: [{ autoFactor: 1 }, { autoFactor: 0.5 }], loss: 'squared', reduction: 'sum' as const,
  tol: 1e-10, maxIter: 20000, stall: true,
  generator: { kind: 'gaussian' as const, n: 8, d: 20, k: 1, noise: 0.1, cond: 100, seeds: [1, 2] },
};

describe('the experiment file', () => {
  it('the flags and the file give one resolved grid (defaults filled, specs normalized, parameter lists expanded)', () => {
    const fromFlags = gridFromFlags(FLAGS);
    const file = parseGridFile(JSON.stringify({
      problems: [{ kind: 'gaussian', n: 8, d: 20, seeds: [1, 2] }],
      preconds: ['gd', { name: 'sign', eps: 0.1 }, { name: 'adam', eps: [0.05] }],
      lrs: ['auto', '0.5 * auto'],
      stopping: { tol: 1e-10, maxIter: 20000 },
    }), 'experiment.json');
    expect(file).toEqual(fromFlags);
    expect(gridDifference(fromFlags, file)).toBeUndefined();
    expect(runCount(file)).toBe(2 * 3 * 2);
    const lists = parseGridFile(JSON.stringify({ problems: [{ n: 4, d: 9 }], preconds: [{ name: 'adam', eps: [0.1, 0.01] }, { name: 'power', p: [1.5, 3] }], lrs: [0.01] }), 'e.json');
    expect(lists.preconds).toEqual(['adam:eps=0.1', 'adam:eps=0.01', 'power:p=1.5', 'power:p=3']);
  });

  it('every mistake is a typed error naming the file and the JSON path', () => {
    const err = (o: unknown): DspgdError => {
      try {
        parseGridFile(typeof o === 'string' ? o : JSON.stringify(o), 'experiment.json');
      } catch (e) {
        expect(e).toBeInstanceOf(DspgdError);
        return e as DspgdError;
      }
      throw new Error(`accepted ${JSON.stringify(o)}`);
    };
    const p = [{ n: 4, d: 9 }];
    expect(err({ problems: p, preconds: ['gd', 'sign', { name: 'adam', eps: -1 }] }).message).toMatch(/^experiment\.json: preconds\[2\]\.eps: expected/);
    expect(err({ problems: p, preconds: [{ name: 'adam', eps: [0.1, -1] }] }).message).toMatch(/^experiment\.json: preconds\[0\]\.eps\[1\]: expected/);
    expect(err({ problems: p, preconds: ['adam:eps=0'] }).message).toMatch(/^experiment\.json: preconds\[0\]\.eps: /);
    expect(err({ problems: p, preconds: ['nope'] }).code).toBe('E_UNKNOWN_NAME');
    expect(err({ problems: p, preconds: ['gd', 'gd'] }).message).toContain('preconds[1]: the same preconditioner as experiment.json: preconds[0]');
    expect(err({ problems: [{ n: 4, d: 0 }] }).message).toBe('experiment.json: problems[0].d: expected a positive integer, got 0');
    expect(err({ problems: [{ n: 4, d: 9, seeds: [1, -2] }] }).message).toBe('experiment.json: problems[0].seeds[1]: expected an integer ≥ 0, got -2');
    expect(err({ problems: [{ kind: 'spiral', n: 4, d: 9 }] }).message).toMatch(/^experiment\.json: problems\[0\]\.kind: expected one of/);
    expect(err({ problems: [{ X: 'X.npy' }] }).message).toMatch(/^experiment\.json: problems\[0\]\.Y: required/);
    expect(err({ problems: p, lrs: ['auto', -0.1] }).message).toMatch(/^experiment\.json: lrs\[1\]: expected a learning rate > 0/);
    expect(err({ problems: p, lrs: ['auto', '2*autox'] }).message).toMatch(/^experiment\.json: lrs\[1\]: expected/);
    expect(err({ problems: p, losses: ['huber:delta=-1'] }).message).toMatch(/^experiment\.json: losses\[0\]\.delta: /);
    expect(err({ problems: p, stopping: { tol: -1 } }).message).toBe('experiment.json: stopping.tol: expected a number ≥ 0, got -1');
    expect(err({ problems: p, stopping: { maxIter: 1.5 } }).message).toBe('experiment.json: stopping.maxIter: expected an integer ≥ 0, got 1.5');
    const unknown = err({ problems: p, lr: [0.1] });
    expect([unknown.code, unknown.message]).toEqual(['E_UNKNOWN_NAME', 'experiment.json: lr: unknown key; the keys here are problems, losses, reduction, preconds, lrs, stopping']);
    expect(err({}).message).toMatch(/^experiment\.json: problems: required/);
    expect(err('{"problems": [').code).toBe('E_FORMAT');
  });
});

describe('shards', () => {
  const grid = gridFromFlags({ ...FLAGS, generator: { ...FLAGS.generator, seeds: [1, 2, 3] } });

  it('N shards are a partition of the cells, the same on every call, balanced to within one cell', () => {
    const all = cellsOf(grid).map((c) => c.index);
    for (const N of [1, 2, 4, 9, 20]) {
      const parts = Array.from({ length: N }, (_, i) => shardCells(grid, i, N).map((c) => c.index));
      expect(parts.flat().sort((a, b) => a - b)).toEqual(all);
      expect(Array.from({ length: N }, (_, i) => shardCells(grid, i, N).map((c) => c.index))).toEqual(parts);
      const sizes = parts.map((p) => p.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
  });

  it('balanced by cost n·d·k: a big problem does not share a shard with the small ones when it outweighs them', () => {
    const g: SweepGrid = { ...grid, preconds: ['gd'], problems: [
      { kind: 'gaussian', n: 100, d: 400, k: 1, noise: 0.1, cond: 100, seed: 0 },
      ...[1, 2, 3, 4].map((seed) => ({ kind: 'gaussian' as const, n: 10, d: 40, k: 1, noise: 0.1, cond: 100, seed })),
    ] };
    expect(shardCells(g, 0, 2).map((c) => c.problem)).toEqual([0]);
    expect(shardCells(g, 1, 2).map((c) => c.problem)).toEqual([1, 2, 3, 4]);
  });

  it('the shard comes from --shard, a Slurm job array, or a Kubernetes index with --shards', () => {
    expect(resolveShard({ shard: '2/4' }, {})).toEqual({ index: 2, count: 4, source: '--shard' });
    expect(resolveShard({}, { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_COUNT: '4' })).toMatchObject({ index: 3, count: 4 });
    // An array numbered from 1 is not taken for parts 0 … N−1 (test/sweep-robust.test.ts has the rest).
    expect(() => resolveShard({}, { SLURM_ARRAY_TASK_ID: '5', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_MAX: '8' })).toThrow(/the array starts at task 1, not 0/);
    expect(resolveShard({ shards: 3 }, { JOB_COMPLETION_INDEX: '2' })).toMatchObject({ index: 2, count: 3, source: 'JOB_COMPLETION_INDEX' });
    expect(resolveShard({}, {})).toBeUndefined();
    expect(() => resolveShard({ shard: '4/4' }, {})).toThrow(/--shard: expected I\/N with 0 ≤ I < N/);
    expect(() => resolveShard({ shards: 3 }, {})).toThrow(/JOB_COMPLETION_INDEX/);
    expect(() => resolveShard({}, { SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_COUNT: '4' })).toThrow(/task 4 is not below the array's 4 tasks/);
    expect(() => resolveShard({}, { SLURM_ARRAY_TASK_ID: 'x', SLURM_ARRAY_TASK_COUNT: '4' })).toThrow(/SLURM_ARRAY_TASK_ID: expected an integer/);
  });
});

describe('tasks for workers', () => {
  it('consecutive cells of one problem and loss, in grid order, at most cells/jobs per task', () => {
    const grid = gridFromFlags({ ...FLAGS, preconds: ['gd', 'sign:eps=0.1', 'adam:eps=0.05', 'spectral:eps=0.1'] });
    const cells = cellsOf(grid);
    expect(tasksOf(cells, 2).map((t) => t.map((c) => c.index))).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
    expect(tasksOf(cells, 4).map((t) => t.map((c) => c.index))).toEqual([[0, 1], [2, 3], [4, 5], [6, 7]]);
    expect(tasksOf(cells, 1).map((t) => t.length)).toEqual([4, 4]);
    expect(tasksOf(cells, 8).map((t) => t.length)).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    expect(tasksOf(cells, 3).map((t) => t.length)).toEqual([3, 1, 3, 1]);
    // A pending list with holes (a resume): tasks still never span two problems.
    const holes = tasksOf([cells[1]!, cells[3]!, cells[4]!, cells[7]!], 1);
    expect(holes.map((t) => t.map((c) => c.index))).toEqual([[1, 3], [4, 7]]);
  });
});

describe('the journal', () => {
  const grid = gridFromFlags(FLAGS);
  const head = encodeLine(journalHeader(grid, '9.9.9', null));
  const rec = (run: number) => runLine({
    run, cell: Math.floor(run / 2),
    row: { precond: 'gd', lr: 0.5, relResidual: run === 0 ? NaN : -Infinity, c: -0, relDistToGD: null, timeMs: 1.25 } as never,
    trace: { label: 'x', precond: 'gd', lr: 0.5, seed: 1, iteration: new Float64Array([0, 1]), loss: new Float64Array([Math.PI, NaN]), relResidual: new Float64Array([1e-300, -0]) },
  });

  it('round-trips every float64 exactly (NaN, ±Infinity, −0, traces as bytes)', () => {
    const j = parseJournal(head + rec(0) + rec(1), 'j')!;
    expect(j.header.dspgd).toBe('9.9.9');
    expect(j.header.grid).toEqual(grid);
    const r0 = j.records.get(0)!, r1 = j.records.get(1)!;
    expect(r0.row.relResidual).toBeNaN();
    expect(r1.row.relResidual).toBe(-Infinity);
    expect(Object.is(r0.row.c, -0)).toBe(true);
    expect(r0.row.relDistToGD).toBeNull();
    expect([...r0.trace.loss]).toEqual([Math.PI, NaN]);
    expect(Object.is(r0.trace.relResidual[1], -0)).toBe(true);
    expect(r0.trace.relResidual[0]).toBe(1e-300);
  });

  it('a torn last line and an incomplete cell are dropped; damage elsewhere and a run recorded twice are errors', () => {
    const torn = head + rec(0) + rec(1) + rec(2) + rec(3).slice(0, 40);
    const j = parseJournal(torn, 'j')!;
    expect([...j.records.keys()]).toEqual([0, 1]);
    expect(j.dropped).toBe(2);
    const incomplete = parseJournal(head + rec(0) + rec(1) + rec(2), 'j')!;
    expect([...incomplete.records.keys()]).toEqual([0, 1]);
    expect(() => parseJournal(`${head}${rec(0).slice(0, 30)}\n${rec(1)}`, 'j')).toThrow(/j: line 2: not a journal record/);
    expect(() => parseJournal(head + rec(0) + rec(0), 'j')).toThrow(/line 3: run 0 is recorded twice \(also line 2\)/);
    expect(() => parseJournal('{"type":"other"}\n', 'j')).toThrow(/line 1: not a dspgd sweep journal/);
    expect(parseJournal('', 'j')).toBeUndefined();
  });
});

describe('one grid, run four ways: the same bytes', () => {
  const grid = gridFromFlags(FLAGS);

  it('rows of the sweep are runGrid\'s rows; 4 shards merged, and --jobs 2, equal the unsharded sweep byte for byte', async () => {
    const whole = await runSweep({ grid, baseDir: dir, outDir: join(dir, 'whole'), jobs: 1 });
    expect(whole.rows).toHaveLength(12);
    // An independent path: runGrid on each problem, all preconditioners in one batch.
    for (const seed of [1, 2]) {
      const p = await generate({ kind: 'gaussian', n: 8, d: 20, k: 1, seed, noise: 0.1, cond: 100 });
      const r = await runGrid([{ problem: p, seed }], { preconds: FLAGS.preconds, lrs: FLAGS.lrs, tol: 1e-10, maxIter: 20000 });
      p.dispose();
      const mine = whole.rows.filter((x) => x.seed === seed);
      expect(mine.map(({ timeMs: _t, ...x }) => x)).toEqual(r.rows.map(({ timeMs: _t, ...x }) => x));
    }
    for (let i = 0; i < 4; i++) await runSweep({ grid, baseDir: dir, outDir: join(dir, `part${i}`), jobs: 1, shard: { index: i, count: 4, source: 'test' } });
    const sizes = [0, 1, 2, 3].map((i) => JSON.parse(readFileSync(join(dir, `part${i}`, 'sweep.json'), 'utf8')).rows.length);
    expect(sizes.reduce((a, b) => a + b)).toBe(12);
    await mergeSweeps({ dirs: [3, 1, 0, 2].map((i) => join(dir, `part${i}`)), outDir: join(dir, 'merged') });
    const ref = comparable(join(dir, 'whole'));
    expect(Object.keys(ref)).toEqual(expect.arrayContaining(['index.html', 'sweep.csv', 'sweep.json', 'loss.svg']));
    expect(comparable(join(dir, 'merged'))).toEqual(ref);
    await runSweep({ grid, baseDir: dir, outDir: join(dir, 'jobs2'), jobs: 2 });
    expect(comparable(join(dir, 'jobs2'))).toEqual(ref);
    // The merged folder is a sweep folder itself: its journal holds every run once.
    expect(readFileSync(join(dir, 'merged', 'journal.jsonl'), 'utf8').trimEnd().split('\n')).toHaveLength(13);
  }, 120_000);

  it('merge refuses another grid, a run in two folders, and missing runs (unless allowed)', async () => {
    const other = gridFromFlags({ ...FLAGS, lrs: [{ autoFactor: 1 }, { autoFactor: 0.25 }] });
    await runSweep({ grid: other, baseDir: dir, outDir: join(dir, 'other'), jobs: 1, shard: { index: 0, count: 4, source: 'test' } });
    await expect(mergeSweeps({ dirs: [join(dir, 'part0'), join(dir, 'other')], outDir: join(dir, 'm1') }))
      .rejects.toThrow(/is a sweep of another grid than .*part0: lrs\[1\]: was "0.5\*auto", now "0.25\*auto"/);
    await expect(mergeSweeps({ dirs: [join(dir, 'part0'), join(dir, 'whole')], outDir: join(dir, 'm2') }))
      .rejects.toThrow(/run 0 \(gd @ lr auto, loss squared, gaussian n=8 d=20 k=1 seed 1\) is in both/);
    await expect(mergeSweeps({ dirs: [join(dir, 'part0'), join(dir, 'part1')], outDir: join(dir, 'm3') }))
      .rejects.toThrow(/merge: 4 of 12 runs have no result/);
    const some = await mergeSweeps({ dirs: [join(dir, 'part0'), join(dir, 'part1')], outDir: join(dir, 'm4'), allowMissing: true });
    // 6 cells of 2 runs dealt round-robin to 4 shards: cells 0, 4 | 1, 5 | 2 | 3.
    expect(some.rows).toHaveLength(8);
    expect(JSON.parse(readFileSync(join(dir, 'm4', 'sweep.json'), 'utf8')).missing).toEqual([4, 5, 6, 7]);
    await expect(mergeSweeps({ dirs: [join(dir, 'nothing')], outDir: join(dir, 'm5') })).rejects.toThrow(/holds no journal\.jsonl/);
  }, 60_000);
});

describe('runGrid({ jobs })', () => {
  it('on 2 worker threads: the rows and traces of one thread, bit for bit, in the same order; onRun counts every run', async () => {
    const problems = await Promise.all([3, 4].map(async (seed) => ({ problem: await generate({ kind: 'teacher', n: 10, d: 40, k: 2, seed }), seed })));
    try {
      const o = { preconds: ['gd', 'adam:eps=0.05', 'sign:eps=0.1'], lrs: ['auto', '0.5*auto'] as const, tol: 1e-9, maxIter: 5000 };
      const one = await runGridNode(problems, { ...o, lrs: [...o.lrs] });
      const seen: number[] = [];
      const two = await runGridNode(problems, { ...o, lrs: [...o.lrs], jobs: 2, onRun: (_r, done, total) => { seen.push(done); expect(total).toBe(12); } });
      expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      const hex = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
      expect(two.rows.map(({ timeMs: _t, ...x }) => x)).toEqual(one.rows.map(({ timeMs: _t, ...x }) => x));
      expect(two.traces.map((t) => [t.label, hex(t.loss), hex(t.relResidual)])).toEqual(one.traces.map((t) => [t.label, hex(t.loss), hex(t.relResidual)]));
      expect(two.rows.some((r) => r.lrSensitivity !== null)).toBe(true);
      await expect(runGrid(problems, { ...o, lrs: [...o.lrs], jobs: 2 })).rejects.toThrow(/^jobs: 2 worker threads need the Node build of runGrid/);
      await expect(runGridNode(problems, { ...o, lrs: [...o.lrs], jobs: 0 })).rejects.toThrow(/^jobs: expected an integer ≥ 1, got 0/);
    } finally {
      for (const p of problems) p.problem.dispose();
    }
  }, 60_000);
});

describe('the CLI: --grid, --shard from a job array, merge, and --resume after SIGKILL', () => {
  it('an experiment file sharded by SLURM_ARRAY_TASK_ID / JOB_COMPLETION_INDEX in 4 processes, merged, equals the unsharded sweep', () => {
    writeFileSync(join(dir, 'exp.json'), JSON.stringify({
      problems: [{ kind: 'teacher', n: 10, d: 30, k: 2, seeds: [4, 5] }],
      losses: ['squared', 'huber:delta=0.5'],
      preconds: ['gd', { name: 'adam', eps: [0.1, 0.05] }],
      lrs: ['auto', '0.5*auto'],
      stopping: { tol: 1e-9, maxIter: 5000 },
    }));
    const base = ['sweep', '--grid', 'exp.json', '--jobs', '1', '-q'];
    const one = cli([...base, '--out-dir', 'g-all']);
    expect([one.code, one.err]).toEqual([0, '']);
    const parts: string[] = [];
    for (let i = 0; i < 4; i++) {
      // Part 0 from a whole array 0-3; part 1 as a task resubmitted alone (sbatch --array=1: an array of one) with --shards.
      const env: Record<string, string> = i === 0 ? { SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '3' }
        : i === 1 ? { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '1', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_MAX: '1' } : { JOB_COMPLETION_INDEX: String(i) };
      const r = cli([...base, '--out-dir', `g-${i}`, ...(i === 0 ? [] : ['--shards', '4'])], env);
      expect([r.code, r.err]).toEqual([0, '']);
      expect(JSON.parse(readFileSync(join(dir, `g-${i}`, 'sweep.json'), 'utf8')).shard).toEqual({ index: i, count: 4 });
      parts.push(`g-${i}`);
    }
    const m = cli(['merge', ...parts, '--out-dir', 'g-merged', '-q']);
    expect([m.code, m.err]).toEqual([0, '']);
    expect(comparable(join(dir, 'g-merged'))).toEqual(comparable(join(dir, 'g-all')));
    const rows = JSON.parse(readFileSync(join(dir, 'g-all', 'sweep.json'), 'utf8')).rows;
    expect(rows).toHaveLength(2 * 2 * 3 * 2);
    // Rows in grid order (problem, loss, preconditioner, learning rate), each naming its problem and loss.
    const order = [0, 1].flatMap((p) => ['squared', 'huber:delta=0.5'].flatMap((l) => ['gd', 'adam:eps=0.1', 'adam:eps=0.05'].flatMap((c) => [0, 1].map(() => `${p} ${l} ${c}`))));
    expect(rows.map((r: { problem: number; loss: string; precond: string }) => `${r.problem} ${r.loss} ${r.precond}`)).toEqual(order);
    const csv = readFileSync(join(dir, 'g-all', 'sweep.csv'), 'utf8').split('\n');
    expect(csv[0]!.startsWith('problem,loss,precond,params,lr,seed,status')).toBe(true);
    expect(csv[0]).not.toContain('timeMs');
    expect(csv[3]!.startsWith('0,squared,adam:eps=0.1,')).toBe(true);
    // The two losses really are different runs: huber's rows differ from squared's.
    expect(rows[6].iterations === rows[0].iterations && rows[6].relDistToGD === rows[0].relDistToGD).toBe(false);
    const mixed = cli([...base, '--lr', 'auto', '--out-dir', 'g-x']);
    expect([mixed.code, mixed.err.trim()]).toEqual([2, 'dspgd: --grid: the experiment file holds the whole grid; drop --lr (or drop --grid)']);
  }, 180_000);

  it('SIGKILL mid-sweep, then --resume: only the runs without a record run, and the rows equal an uninterrupted sweep bit for bit', async () => {
    // Runs that go the whole budget (tol 0, no stall stop), so the sweep is still running when it is killed.
    const args = ['sweep', '--precond', 'gd', '--precond', 'adam:eps=0.1', '--lr', 'auto,0.5*auto', '--seeds', '1,2,3,4,5,6,7,8',
      '--n', '20', '--d', '60', '--tol', '0', '--no-stall', '--max-iter', '4000', '--jobs', '2', '-q'];
    const ref = cli([...args, '--out-dir', 'k-ref']);
    expect([ref.code, ref.err]).toEqual([0, '']);
    const child = spawn(process.execPath, [BIN, ...args, '--out-dir', 'k'], { cwd: dir, stdio: 'ignore' });
    const journal = join(dir, 'k', 'journal.jsonl');
    const lines = () => (existsSync(journal) ? readFileSync(journal, 'utf8').split('\n').length - 1 : 0);
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    // Killed once some cells are journaled and before the last: a real crash mid-sweep.
    await new Promise<void>((res, rej) => {
      const t = setInterval(() => {
        if (lines() >= 5) { clearInterval(t); res(); }
        if (child.exitCode !== null) { clearInterval(t); rej(new Error('the sweep finished before it could be killed')); }
      }, 5);
    });
    child.kill('SIGKILL');
    expect(await exited).toBeNull();
    const kept = lines() - 1;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(32);
    expect(existsSync(join(dir, 'k', 'sweep.csv'))).toBe(false);
    const before = statSync(journal).size;
    const changed = cli([...args.map((a) => (a === 'auto,0.5*auto' ? 'auto,0.25*auto' : a)), '--out-dir', 'k', '--resume']);
    expect(changed.code).toBe(2);
    expect(changed.err).toContain('--resume: the grid is not the one the journal in');
    expect(changed.err).toContain('lrs[1]: was "0.5*auto", now "0.25*auto"');
    expect(statSync(journal).size).toBe(before);
    // Resumed on one thread (the kill was on two): the rows do not depend on --jobs either.
    const loud = args.filter((a) => a !== '-q');
    loud[loud.indexOf('--jobs') + 1] = '1';
    const resumed = cli([...loud, '--out-dir', 'k', '--resume']);
    expect(resumed.code).toBe(0);
    const m = /32 runs \((\d+) from the journal\)/.exec(resumed.out);
    expect(m, resumed.out).not.toBeNull();
    const fromJournal = Number(m![1]);
    expect(fromJournal).toBeLessThanOrEqual(kept);
    expect(fromJournal % 2).toBe(0);
    expect(comparable(join(dir, 'k'))).toEqual(comparable(join(dir, 'k-ref')));
    const runs = readFileSync(journal, 'utf8').trimEnd().split('\n').slice(1).map((l) => JSON.parse(l).run as number);
    expect(runs.slice().sort((a, b) => a - b)).toEqual(Array.from({ length: 32 }, (_, i) => i));
  }, 240_000);
});
