// Sweeps: what a folder holds is what it claims to hold. A shard's journal holds records of its
// own cells only; a data file that changes while a sweep runs is refused where it is loaded; a
// merge names its data files the same way whatever order its folders are given in; kept workers
// can be released.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { cellsOf, gridFromFlags, parseGridFile, runCount, type FileProblem, type SweepGrid } from '../src/sweep/grid.js';
import { shardCells } from '../src/sweep/shard.js';
import { withContentHashes } from '../src/sweep/inputs.js';
import { encodeNpy } from '../src/io/npy.js';
import { runSweep } from '../src/sweep/run.js';
import { mergeSweeps } from '../src/sweep/merge.js';
import { DspgdError } from '../src/errors.js';
import { generate } from '../src/generate.js';
import { releaseSweepWorkers, runGrid } from '../src/index.js';

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'dspgd-sweep-integrity-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A small grid: 2 problems × 3 preconditioners = 6 cells of 2 runs. */
const FLAGS = {
  preconds: ['gd', 'sign:eps=0.1', 'adam:eps=0.05'], lrs: [{ autoFactor: 1 }, { autoFactor: 0.5 }], loss: 'squared', reduction: 'sum' as const,
  tol: 1e-10, maxIter: 300, stall: true,
  generator: { kind: 'gaussian' as const, n: 8, d: 20, k: 1, noise: 0.1, cond: 100, seeds: [1, 2] },
};

async function rejection(p: Promise<unknown>): Promise<DspgdError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(DspgdError);
  return e as DspgdError;
}

/** The files two sweeps of one grid write alike (sweep.json without `host`). */
function comparable(d: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(d).sort()) {
    if (f === 'journal.jsonl' || f.startsWith('.')) continue;
    const text = readFileSync(join(d, f), 'utf8');
    out[f] = f === 'sweep.json' ? text.slice(0, text.indexOf('\n  "host":')) : text;
  }
  return out;
}

const BIN = join(__dirname, '..', 'bin', 'dspgd.js');
function cli(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const journalLines = (d: string) => readFileSync(join(d, 'journal.jsonl'), 'utf8').trimEnd().split('\n');

function matrixNpy(rows: number, cols: number, seed: number): Uint8Array {
  let s = seed;
  const data = Float64Array.from({ length: rows * cols }, () => { s = (s * 16807) % 2147483647; return s / 2147483647 - 0.5; });
  return encodeNpy({ data, shape: cols === 1 ? [rows] : [rows, cols] });
}

describe("a shard's journal holds its own cells", () => {
  const grid = gridFromFlags(FLAGS);
  const L = grid.lrs.length;

  beforeAll(async () => {
    for (const i of [0, 1]) await runSweep({ grid, baseDir: dir, outDir: join(dir, `s${i}`), jobs: 1, shard: { index: i, count: 2, source: 'test' } });
  });

  /** A copy of part 0 whose journal also holds `lines` (records of another part, or of no cell of the grid). */
  const forged = (name: string, lines: string[]) => {
    cpSync(join(dir, 's0'), join(dir, name), { recursive: true });
    appendFileSync(join(dir, name, 'journal.jsonl'), lines.map((l) => `${l}\n`).join(''));
    return join(dir, name);
  };

  it('merge refuses a record of another part\'s cell, naming the folder and the run', async () => {
    // Part 1's first cell, appended to part 0's journal (a copied or concatenated journal).
    const theirs = shardCells(grid, 1, 2)[0]!;
    expect(shardCells(grid, 0, 2).map((c) => c.index)).not.toContain(theirs.index);
    const other = journalLines(join(dir, 's1')).filter((l) => JSON.parse(l).cell === theirs.index);
    expect(other).toHaveLength(L);
    const f = forged('s0-foreign', other);
    const e = await rejection(mergeSweeps({ dirs: [f], outDir: join(dir, 'm-foreign'), allowMissing: true }));
    expect([e.code, e.argument]).toEqual(['E_FORMAT', f]);
    expect(e.message).toBe(`merge: ${f} is part 0 of 2, but its journal.jsonl holds run ${theirs.firstRun} (sign:eps=0.1 @ lr auto, loss squared, gaussian n=8 d=20 k=1 seed 1), `
      + 'a run of part 1: records of another part (a journal copied or joined from another folder) are refused; run this part again into a fresh folder');
    // With part 1 beside it the run is not taken for a duplicate of part 1's: the foreign record is named first.
    expect((await rejection(mergeSweeps({ dirs: [join(dir, 's1'), f], outDir: join(dir, 'm-foreign2') }))).message)
      .toMatch(new RegExp(`^merge: ${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is part 0 of 2, but its journal.jsonl holds run ${theirs.firstRun} `));
    // --resume of that part refuses it too, rather than carrying the record into its report.
    const r = await rejection(runSweep({ grid, baseDir: dir, outDir: f, jobs: 1, resume: true, shard: { index: 0, count: 2, source: 'test' } }));
    expect([r.code, r.argument]).toEqual(['E_FORMAT', '--resume']);
    expect(r.message).toBe(`--resume: ${f} is part 0 of 2, but its journal.jsonl holds run ${theirs.firstRun} (sign:eps=0.1 @ lr auto, loss squared, gaussian n=8 d=20 k=1 seed 1), `
      + 'a run of part 1: records of another part (a journal copied or joined from another folder) are refused; run this part again into a fresh folder');
  }, 60_000);

  it('a record of a run the grid does not have is refused naming the folder and the run', async () => {
    const total = runCount(grid);
    expect(total).toBe(12);
    const mine = JSON.parse(journalLines(join(dir, 's0'))[1]!);
    const past = [0, 1].map((j) => JSON.stringify({ ...mine, run: total + j, cell: cellsOf(grid).length }));
    const f = forged('s0-past', past);
    const e = await rejection(mergeSweeps({ dirs: [f], outDir: join(dir, 'm-past'), allowMissing: true }));
    expect(e.code).toBe('E_FORMAT');
    expect(e.message).toBe(`${f}: journal.jsonl: line ${journalLines(f).length - 1}: run 12 is not a run of this grid (its runs are 0 … 11)`);
  }, 60_000);
});

describe('a data file that changes while the sweep runs', () => {
  let data: string;
  let grid: SweepGrid;

  beforeAll(async () => {
    data = join(dir, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'X.npy'), matrixNpy(8, 20, 1));
    writeFileSync(join(data, 'Y.npy'), matrixNpy(8, 1, 2));
    grid = await withContentHashes(parseGridFile(JSON.stringify({
      problems: [{ kind: 'gaussian', n: 8, d: 20, seed: 1 }, { X: 'data/X.npy', Y: 'data/Y.npy' }],
      preconds: ['gd', 'sign:eps=0.1'], lrs: ['auto'], stopping: { maxIter: 300 },
    }), 'exp.json'), dir);
    expect((grid.problems[1] as FileProblem).sha256?.X).toMatch(/^[0-9a-f]{64}$/);
  });

  // --jobs 1: rewritten when the first run ends (problem 0, generated, runs before problem 1 is read).
  // --jobs 2: rewritten after the hash was taken, before the sweep: a worker takes problem 1 at once.
  for (const [jobs, when] of [[1, 'during'], [2, 'before']] as const) {
    it(`is refused where it is loaded (--jobs ${jobs}, rewritten ${when} the sweep), naming it; no run of the new bytes is journaled`, async () => {
      writeFileSync(join(data, 'X.npy'), matrixNpy(8, 20, 1));
      const out = join(dir, `changed-${jobs}`);
      let changed = false;
      const change = () => {
        if (!changed) writeFileSync(join(data, 'X.npy'), matrixNpy(8, 20, 3));
        changed = true;
      };
      if (when === 'before') change();
      const e = await rejection(runSweep({ grid, baseDir: dir, outDir: out, jobs, onRun: change }));
      expect(changed).toBe(true);
      expect([e.code, e.argument]).toEqual(['E_IO', 'problems[1].X']);
      const was = (grid.problems[1] as FileProblem).sha256!.X!;
      expect(e.message).toMatch(new RegExp(`^problems\\[1\\]\\.X: ${join(dir, 'data', 'X.npy').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} changed since the sweep started `
        + `\\(SHA-256 was ${was.slice(0, 16)}…, now [0-9a-f]{16}…\\): its runs would mix two versions of the data\\. `));
      // Only problem 0's runs (cells 0, 1) can be in the journal: none read the new bytes.
      const runs = journalLines(out).slice(1).map((l) => JSON.parse(l).run as number);
      expect(runs.every((r) => r < 2)).toBe(true);
    }, 60_000);
  }

  it('checked on resume too: a file changed after the hash was taken is refused before any run', async () => {
    writeFileSync(join(data, 'X.npy'), matrixNpy(8, 20, 1));
    const out = join(dir, 'changed-resume');
    await runSweep({ grid, baseDir: dir, outDir: out, jobs: 1 });
    // The journal was started with these hashes; a resume whose hashes were taken before the file changed.
    const lines = journalLines(out);
    writeFileSync(join(out, 'journal.jsonl'), `${lines.slice(0, 3).join('\n')}\n`);
    writeFileSync(join(data, 'X.npy'), matrixNpy(8, 20, 4));
    const e = await rejection(runSweep({ grid, baseDir: dir, outDir: out, jobs: 1, resume: true }));
    expect([e.code, e.argument]).toEqual(['E_IO', 'problems[1].X']);
    expect(journalLines(out).slice(1).map((l) => JSON.parse(l).run as number).every((r) => r < 2)).toBe(true);
  }, 60_000);
});

describe('merge names the data files whatever order its folders come in', () => {
  it('parts that read one file at two paths: the merged grid names part 0\'s paths in any order, as the unsharded sweep from them', async () => {
    const a = join(dir, 'copy-a'), b = join(dir, 'copy-b');
    for (const d of [a, b]) {
      mkdirSync(d);
      writeFileSync(join(d, 'X.npy'), matrixNpy(8, 20, 7));
      writeFileSync(join(d, 'Y.npy'), matrixNpy(8, 1, 8));
    }
    const from = (d: string) => withContentHashes(gridFromFlags({ ...FLAGS, generator: undefined, data: { X: join(d, 'X.npy'), Y: join(d, 'Y.npy') } }), dir);
    const ga = await from(a), gb = await from(b);
    await runSweep({ grid: ga, baseDir: dir, outDir: join(dir, 'p-all'), jobs: 1 });
    await runSweep({ grid: ga, baseDir: dir, outDir: join(dir, 'p-0'), jobs: 1, shard: { index: 0, count: 2, source: 'test' } });
    await runSweep({ grid: gb, baseDir: dir, outDir: join(dir, 'p-1'), jobs: 1, shard: { index: 1, count: 2, source: 'test' } });
    const notes: string[] = [];
    await mergeSweeps({ dirs: [join(dir, 'p-1'), join(dir, 'p-0')], outDir: join(dir, 'p-m10'), onNote: (m) => notes.push(m) });
    await mergeSweeps({ dirs: [join(dir, 'p-0'), join(dir, 'p-1')], outDir: join(dir, 'p-m01') });
    const ref = comparable(join(dir, 'p-all'));
    expect(comparable(join(dir, 'p-m10'))).toEqual(ref);
    expect(comparable(join(dir, 'p-m01'))).toEqual(ref);
    expect(JSON.parse(readFileSync(join(dir, 'p-m10', 'sweep.json'), 'utf8')).grid.problems[0].X).toBe(join(a, 'X.npy'));
    expect(notes).toEqual([`problems[0].X: the parts read this file (the same bytes) at 2 paths; the merged grid names part 0's, ${JSON.stringify(join(a, 'X.npy'))} `
      + `(also ${JSON.stringify(join(b, 'X.npy'))}; --grid FILE names the experiment file's)`, `problems[0].Y: the parts read this file (the same bytes) at 2 paths; the merged grid names part 0's, `
      + `${JSON.stringify(join(a, 'Y.npy'))} (also ${JSON.stringify(join(b, 'Y.npy'))}; --grid FILE names the experiment file's)`]);
  }, 60_000);
});

describe('merge --grid: the experiment file names the data files', () => {
  it('parts read from scratch copies, merged with --grid exp.json: byte for byte `dspgd sweep --grid exp.json`; another grid is refused', () => {
    // Part 0 reads copy-a, part 1 copy-b (as the test above); the experiment file names copy-c, the same bytes.
    cpSync(join(dir, 'copy-a'), join(dir, 'copy-c'), { recursive: true });
    const flags = ['sweep', ...FLAGS.preconds.flatMap((p) => ['--precond', p]), '--lr', 'auto,0.5*auto', '--max-iter', '300', '--jobs', '1', '-q'];
    for (const [i, copy] of [[0, 'copy-a'], [1, 'copy-b']] as const) {
      const r = cli([...flags, '--X', `${copy}/X.npy`, '--Y', `${copy}/Y.npy`, '--shard', `${i}/2`, '--out-dir', `q-${i}`]);
      expect([r.code, r.err]).toEqual([0, '']);
    }
    const exp = (lrs: string[]) => JSON.stringify({
      problems: [{ X: 'copy-c/X.npy', Y: 'copy-c/Y.npy' }], preconds: FLAGS.preconds, lrs, stopping: { tol: 1e-10, maxIter: 300 },
    });
    writeFileSync(join(dir, 'exp-c.json'), exp(['auto', '0.5*auto']));
    const one = cli(['sweep', '--grid', 'exp-c.json', '--jobs', '1', '-q', '--out-dir', 'p-exp']);
    expect([one.code, one.err]).toEqual([0, '']);
    const m = cli(['merge', 'q-1', 'q-0', '--grid', 'exp-c.json', '--out-dir', 'p-mg']);
    expect([m.code, m.err]).toEqual([0, '']);
    expect(comparable(join(dir, 'p-mg'))).toEqual(comparable(join(dir, 'p-exp')));
    expect(JSON.parse(readFileSync(join(dir, 'p-mg', 'sweep.json'), 'utf8')).grid.problems[0].X).toBe('copy-c/X.npy');
    writeFileSync(join(dir, 'exp-other.json'), exp(['auto', '0.25*auto']));
    const bad = cli(['merge', 'q-1', 'q-0', '--grid', 'exp-other.json', '--out-dir', 'p-mg-bad']);
    expect([bad.code, bad.err.trim()]).toEqual([2, 'dspgd: merge: --grid exp-other.json is not the grid of q-1: lrs[1]: was "0.5*auto", now "0.25*auto"']);
    // Without --grid the merge names part 0's paths, and says so.
    const plain = cli(['merge', 'q-1', 'q-0', '--out-dir', 'p-mg-plain']);
    expect(plain.code).toBe(0);
    expect(plain.err).toBe('dspgd: note: problems[0].X: the parts read this file (the same bytes) at 2 paths; the merged grid names part 0\'s, "copy-a/X.npy" (also "copy-b/X.npy"; '
      + '--grid FILE names the experiment file\'s)\ndspgd: note: problems[0].Y: the parts read this file (the same bytes) at 2 paths; the merged grid names part 0\'s, '
      + '"copy-a/Y.npy" (also "copy-b/Y.npy"; --grid FILE names the experiment file\'s)\n');
  }, 60_000);
});

describe('kept workers', () => {
  it('releaseSweepWorkers() ends the workers sweeps and runGrid kept, and says how many: the next sweep starts fresh ones', async () => {
    const grid = gridFromFlags(FLAGS);
    // Workers are kept up to one per core.
    const two = Math.min(2, availableParallelism());
    await releaseSweepWorkers();
    await runSweep({ grid, baseDir: dir, outDir: join(dir, 'w1'), jobs: 2 });
    const kept = await runSweep({ grid, baseDir: dir, outDir: join(dir, 'w2'), jobs: 2 });
    expect(kept.profile.threads.filter((t) => t.reused)).toHaveLength(two);
    expect(await releaseSweepWorkers()).toBe(two);
    expect(await releaseSweepWorkers()).toBe(0);
    const fresh = await runSweep({ grid, baseDir: dir, outDir: join(dir, 'w3'), jobs: 2 });
    expect(fresh.profile.threads.map((t) => t.reused)).toEqual([false, false]);
    // The API's runGrid keeps its own (another progress rate): released alike.
    const problems = await Promise.all([1, 2].map(async (seed) => ({ problem: await generate({ n: 8, d: 20, seed }), seed })));
    try {
      const r = await runGrid(problems, { preconds: ['gd', 'sign:eps=0.1'], lrs: ['auto'], maxIter: 300, jobs: 2 });
      expect(r.rows).toHaveLength(4);
    } finally {
      for (const p of problems) p.problem.dispose();
    }
    expect(await releaseSweepWorkers()).toBe(2 * two);
  }, 60_000);
});
