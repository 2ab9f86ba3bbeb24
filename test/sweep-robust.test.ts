// Sweeps, the loose ends of issue 16: shard selection in a resubmitted Slurm task, merge across
// splits of different N, YAML experiment files, data files identified by content, one writer per folder.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { gridDifference, gridFromFlags, parseGridFile } from '../src/sweep/grid.js';
import { withContentHashes } from '../src/sweep/inputs.js';
import { writeMatrixFile } from '../src/io/node/matrix-file.js';
import { parseExperimentFile } from '../src/sweep/experiment-file.js';
import { resolveShard } from '../src/sweep/shard.js';
import { runSweep } from '../src/sweep/run.js';
import { mergeSweeps } from '../src/sweep/merge.js';
import { DspgdError } from '../src/errors.js';

const BIN = join(__dirname, '..', 'bin', 'dspgd.js');
let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'dspgd-sweep-robust-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[], env: Record<string, string> = {}, cwd = dir) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function thrown(f: () => unknown): DspgdError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DspgdError);
    return e as DspgdError;
  }
  throw new Error('expected an error');
}

/** A small grid: 2 problems × 3 preconditioners = 6 cells of 2 runs. */
const FLAGS = {
  preconds: ['gd', 'sign:eps=0.1', 'adam:eps=0.05'], lrs: [{ autoFactor: 1 }, { autoFactor: 0.5 }], loss: 'squared', reduction: 'sum' as const,
  tol: 1e-10, maxIter: 2000, stall: true,
  generator: { kind: 'gaussian' as const, n: 8, d: 20, k: 1, noise: 0.1, cond: 100, seeds: [1, 2] },
};

describe('the shard of a Slurm array task', () => {
  const slurm = (id: number, count: number, min: number, max: number) => ({
    SLURM_ARRAY_TASK_ID: String(id), SLURM_ARRAY_TASK_COUNT: String(count), SLURM_ARRAY_TASK_MIN: String(min), SLURM_ARRAY_TASK_MAX: String(max),
  });

  it('the whole array 0 … N−1: the task id of the array size, with or without --shards', () => {
    expect(resolveShard({}, slurm(2, 4, 0, 3))).toEqual({ index: 2, count: 4, source: 'SLURM_ARRAY_TASK_ID' });
    expect(resolveShard({ shards: 4 }, slurm(2, 4, 0, 3))).toEqual({ index: 2, count: 4, source: 'SLURM_ARRAY_TASK_ID with --shards' });
    // Without _COUNT (older Slurm): MAX + 1.
    expect(resolveShard({}, { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '3' })).toMatchObject({ index: 1, count: 4 });
  });

  it('a task resubmitted alone (sbatch --array=2: COUNT 1, MIN = MAX = 2) runs part 2 of --shards N; without --shards it is refused, asking for it', () => {
    expect(resolveShard({ shards: 4 }, slurm(2, 1, 2, 2))).toEqual({ index: 2, count: 4, source: 'SLURM_ARRAY_TASK_ID with --shards' });
    expect(resolveShard({ shards: 4 }, slurm(0, 1, 0, 0))).toMatchObject({ index: 0, count: 4 });
    const e = thrown(() => resolveShard({}, slurm(2, 1, 2, 2)));
    expect([e.code, e.argument]).toEqual(['E_PARAM', 'SLURM_ARRAY_TASK_ID']);
    expect(e.message).toContain('the array starts at task 2, not 0');
    expect(e.message).toContain('SLURM_ARRAY_TASK_ID=2, SLURM_ARRAY_TASK_COUNT=1, SLURM_ARRAY_TASK_MIN=2, SLURM_ARRAY_TASK_MAX=2');
    expect(e.message).toContain('Pass --shards N');
    // Task 0 resubmitted alone looks like a whole array of one task: also refused (it would run the whole grid as "part 0 of 1").
    expect(thrown(() => resolveShard({}, slurm(0, 1, 0, 0))).message).toContain('the array has one task');
  });

  it('arrays whose ids are not 0 … N−1 are refused without --shards: from 1, with a step, a list, an id past the count', () => {
    expect(thrown(() => resolveShard({}, slurm(4, 4, 1, 4))).message).toContain('the array starts at task 1, not 0');
    // --array=0-15:4: ids 0, 4, 8, 12; COUNT 4.
    expect(thrown(() => resolveShard({}, slurm(0, 4, 0, 12))).message).toContain("the array's 4 tasks are not 0 … 3 (it ends at 12: a step or a list)");
    expect(thrown(() => resolveShard({}, slurm(8, 4, 0, 12))).message).toContain("task 8 is not below the array's 4 tasks");
    expect(thrown(() => resolveShard({}, { SLURM_ARRAY_TASK_ID: '1' })).message).toContain('neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MAX is set');
    // With --shards the id is the part: it must be below N.
    const e = thrown(() => resolveShard({ shards: 4 }, slurm(4, 1, 4, 4)));
    expect(e.message).toBe("SLURM_ARRAY_TASK_ID: task 4 is not a part of --shards 4: the array's task ids are the part numbers, 0 … 3 (--array=0-3)");
    // --shard I/N still wins over the environment.
    expect(resolveShard({ shard: '1/3' }, slurm(2, 1, 2, 2))).toMatchObject({ index: 1, count: 3, source: '--shard' });
  });

  it('the CLI: a resubmitted task without --shards exits 2 before writing anything; with --shards 4 it writes part 2 of 4', () => {
    const args = ['sweep', '--precond', 'gd', '--precond', 'sign:eps=0.1', '--seeds', '1,2', '--n', '8', '--d', '20', '--max-iter', '500', '--jobs', '1', '-q'];
    const env = slurm(2, 1, 2, 2);
    const bad = cli([...args, '--out-dir', 'resub-bad'], env);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^dspgd: SLURM_ARRAY_TASK_ID: cannot tell which part of how many this task runs: the array starts at task 2, not 0 .*Pass --shards N/);
    expect(existsSync(join(dir, 'resub-bad'))).toBe(false);
    const good = cli([...args, '--out-dir', 'resub', '--shards', '4'], env);
    expect([good.code, good.err]).toEqual([0, '']);
    expect(JSON.parse(readFileSync(join(dir, 'resub', 'sweep.json'), 'utf8')).shard).toEqual({ index: 2, count: 4 });
  }, 60_000);
});

describe('merge and the split of the grid', () => {
  const grid = gridFromFlags(FLAGS);
  const part = (name: string, index: number, count: number) =>
    runSweep({ grid, baseDir: dir, outDir: join(dir, name), jobs: 1, shard: { index, count, source: 'test' } });

  it('refuses a part of another N (even when no run is in two folders), and the same part twice; names the absent parts', async () => {
    await part('n4-0', 0, 4);
    await part('n4-1', 1, 4);
    // 6 cells round-robin: part 0 of 4 has cells 0, 4; part 1 of 2 has cells 1, 3, 5: no run in both.
    await part('n2-1', 1, 2);
    const e = await mergeSweeps({ dirs: [join(dir, 'n4-0'), join(dir, 'n2-1')], outDir: join(dir, 'm-n'), allowMissing: true }).catch((x: unknown) => x as DspgdError);
    expect(e).toBeInstanceOf(DspgdError);
    expect(e.message).toBe(`merge: ${join(dir, 'n2-1')} is part 1 of 2, ${join(dir, 'n4-0')} part 0 of 4: parts of two different splits of the grid`
      + ' (a task run with another number of parts, e.g. a resubmitted array task without --shards); rerun it with --shard I/4 into its own folder');
    cpSync(join(dir, 'n4-1'), join(dir, 'n4-1-copy'), { recursive: true });
    await expect(mergeSweeps({ dirs: [join(dir, 'n4-1'), join(dir, 'n4-0'), join(dir, 'n4-1-copy')], outDir: join(dir, 'm-twice') }))
      .rejects.toThrow(`merge: ${join(dir, 'n4-1')} and ${join(dir, 'n4-1-copy')} are both part 1 of 4; give each part once`);
    await expect(mergeSweeps({ dirs: [join(dir, 'n4-0'), join(dir, 'n4-1')], outDir: join(dir, 'm-missing') }))
      .rejects.toThrow(/merge: 4 of 12 runs have no result in .*\. Parts 2, 3 of 4 are not among the folders\./);
  }, 60_000);
});

describe('YAML experiment files', () => {
  const ROOT = join(__dirname, '..');

  it('docs/experiment.md: its JSON example and its YAML example are one resolved grid', () => {
    const md = readFileSync(join(ROOT, 'docs', 'experiment.md'), 'utf8');
    const block = (lang: string) => {
      const m = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(md);
      expect(m, lang).not.toBeNull();
      return m![1]!;
    };
    const json = parseExperimentFile(block('json'), 'experiment.json');
    const yaml = parseExperimentFile(block('yaml'), 'experiment.yaml');
    expect(yaml).toEqual(json);
    expect(json).toEqual(parseGridFile(block('json'), 'experiment.json'));
    expect(json.problems).toHaveLength(6);
    expect(json.preconds).toEqual(['gd', 'sign:eps=0.1', 'adam:eps=0.1', 'adam:eps=0.05', 'adam:eps=0.01',
      'power:p=1.5', 'power:p=3']);
    // .yml too, and any case.
    expect(parseExperimentFile(block('yaml'), 'EXP.YML')).toEqual(json);
    // The errors the page shows for the YAML example, changed as it says.
    const shown = /with\n`eps: \[0\.1, -1, 0\.01\]`, and with `reduction: sum: 1`:\n\n```\ndspgd: (.*)\ndspgd: (.*)\n```/.exec(md);
    expect(shown).not.toBeNull();
    expect(thrown(() => parseExperimentFile(block('yaml').replace('[0.1, 0.05, 0.01]', '[0.1, -1, 0.01]'), 'experiment.yaml')).message).toBe(shown![1]);
    expect(thrown(() => parseExperimentFile(block('yaml').replace('reduction: sum', 'reduction: sum: 1'), 'experiment.yaml')).message).toBe(shown![2]);
  });

  it('every schema mistake gives the JSON error (code, argument, message), with the line of the key or entry added', () => {
    const good = { problems: [{ kind: 'gaussian', n: 8, d: 20, seeds: [1, 2] }], preconds: ['gd', { name: 'adam', eps: [0.1, 0.05] }], lrs: ['auto'] };
    const bad: Record<string, unknown>[] = [
      { ...good, preconds: ['gd', { name: 'adam', eps: [0.1, -1] }] },
      { ...good, preconds: ['gd', 'adam:eps=0.1', { name: 'adam', eps: 0.1 }] },
      { ...good, preconds: ['gd', { name: 'power', p: [1.5, 3], eps: 1e-8 }] },
      { ...good, problems: [{ kind: 'gaussian', n: 8, d: 20, seeds: [1, -2] }] },
      { ...good, problems: [{ kind: 'gaussain', n: 8, d: 20 }] },
      { ...good, problems: [{ X: 'X.npy', Y: 'Y.npy', csvHeader: 'maybe' }] },
      { ...good, lrs: ['auto', '2*autox'] },
      { ...good, lr: [0.1] },
      { ...good, losses: ['squared', 'huber:delta=-1'] },
      { ...good, losses: ['sqaured'] },
      { ...good, stopping: { maxIter: 1.5 } },
      { ...good, stopping: { tol: 1e-8, stal: false } },
      { ...good, reduction: 'avg' },
      { preconds: ['gd'] },
      { ...good, problems: [] },
    ];
    for (const o of bad) {
      const j = thrown(() => parseExperimentFile(JSON.stringify(o, null, 2), 'exp.json'));
      const y = thrown(() => parseExperimentFile(toYaml(o), 'exp.yaml'));
      expect([y.code, y.argument], j.message).toEqual([j.code, j.argument]);
      expect(y.message.replace(/^exp\.yaml:\d+: /, 'exp.yaml: ').replaceAll('exp.yaml', 'exp.json')).toBe(j.message);
      // A line wherever the path exists in the file (all but the missing problems key).
      if (o.problems !== undefined) expect(y.message, y.message).toMatch(/^exp\.yaml:\d+: /);
    }
    // The line is that of the entry or key the path names.
    const text = [
      'problems:',                       // 1
      '  - { kind: gaussian, n: 8, d: 20 }',
      'preconds:',
      '  - gd',
      '  - name: adam',                  // 5
      '    eps:',
      '      - 0.1',
      '      - -1',                      // 8
      'lrs: [auto]',
      'stopping:',                       // 10
      '  maxIter: 100',
      '  stal: false',                   // 12
    ].join('\n');
    expect(thrown(() => parseExperimentFile(text, 'exp.yaml')).message).toBe('exp.yaml:8: preconds[1].eps[1]: expected a number > 0, got -1');
    const e = thrown(() => parseExperimentFile(text.replace('      - -1', '      - 0.05'), 'exp.yaml'));
    expect([e.code, e.message]).toEqual(['E_UNKNOWN_NAME', 'exp.yaml:12: stopping.stal: unknown key; the keys here are tol, maxIter, stall']);
    expect(thrown(() => parseExperimentFile(text.replace('kind: gaussian', 'kind: gaussain'), 'exp.yaml')).message)
      .toMatch(/^exp\.yaml:2: problems\[0\]\.kind: expected one of "gaussian"/);
  });

  it('a file that is not YAML is E_FORMAT with the parser\'s line and column; duplicate keys, two documents and alias bombs too', () => {
    const fmt = (text: string) => {
      const e = thrown(() => parseExperimentFile(text, 'exp.yaml'));
      expect([e.code, e.argument]).toEqual(['E_FORMAT', '--grid']);
      return e.message;
    };
    expect(fmt('problems: x: y')).toBe('exp.yaml:1:11: not valid YAML (Nested mappings are not allowed in compact mappings)');
    expect(fmt('problems: []\nlrs: [auto]\nlrs: [0.1]')).toMatch(/^exp\.yaml:3:1: not valid YAML \(Map keys must be unique/);
    expect(fmt('problems: []\n---\nlrs: [auto]')).toMatch(/^exp\.yaml:2:1: not valid YAML \(Source contains multiple documents/);
    expect(fmt('lrs: ["auto]')).toMatch(/^exp\.yaml:1:\d+: not valid YAML \(Missing closing "quote/);
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...'bcdefgh'.split('').map((c, i) => `${c}: &${c} [${Array(10).fill(`*${'abcdefgh'[i]}`).join(', ')}]`), 'problems: *h'].join('\n');
    expect(fmt(bomb)).toMatch(/^exp\.yaml: not valid YAML \(Excessive alias count/);
    // JSON is JSON still, and a .json file holding YAML is refused as JSON.
    expect(thrown(() => parseExperimentFile('problems: []', 'exp.json')).message).toMatch(/^exp\.json: not valid JSON/);
    // YAML 1.2: yes/no stay strings, as csvHeader wants them.
    expect(parseExperimentFile('problems:\n  - { X: X.csv, Y: Y.csv, csvHeader: yes }\npreconds: [gd]', 'exp.yaml').problems)
      .toEqual([{ X: 'X.csv', Y: 'Y.csv', csvHeader: 'yes' }]);
  });

  it('dspgd sweep --grid exp.yaml writes the sweep of exp.json, byte for byte; its errors exit 2 with the line', () => {
    const o = { problems: [{ kind: 'gaussian', n: 8, d: 20, seeds: [1, 2] }], preconds: ['gd', { name: 'sign', eps: [0.1] }], lrs: ['auto', '0.5*auto'], stopping: { maxIter: 500 } };
    writeFileSync(join(dir, 'exp.json'), JSON.stringify(o));
    writeFileSync(join(dir, 'exp.yaml'), `# the same grid\n${toYaml(o)}`);
    const a = cli(['sweep', '--grid', 'exp.json', '--jobs', '1', '-q', '--out-dir', 'y-json']);
    const b = cli(['sweep', '--grid', 'exp.yaml', '--jobs', '1', '-q', '--out-dir', 'y-yaml']);
    expect([a.code, a.err, b.code, b.err]).toEqual([0, '', 0, '']);
    for (const f of ['sweep.csv', 'index.html']) expect(readFileSync(join(dir, 'y-yaml', f), 'utf8'), f).toBe(readFileSync(join(dir, 'y-json', f), 'utf8'));
    const grid = (d: string) => JSON.parse(readFileSync(join(dir, d, 'sweep.json'), 'utf8')).grid;
    expect(grid('y-yaml')).toEqual(grid('y-json'));
    writeFileSync(join(dir, 'bad.yml'), 'problems:\n  - { n: 8, d: 20 }\nlrs:\n  - auto\n  - -0.5\n');
    const bad = cli(['sweep', '--grid', 'bad.yml', '-q', '--out-dir', 'y-bad']);
    expect([bad.code, bad.err.trim()]).toEqual([2, 'dspgd: bad.yml:5: lrs[1]: expected a learning rate > 0, "auto" or "F*auto", got -0.5']);
  }, 60_000);
});

describe('file problems are identified by their content (SHA-256)', () => {
  const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
  const matrix = (rows: number, cols: number, seed: number) => {
    let s = seed;
    const data = Float64Array.from({ length: rows * cols }, () => { s = (s * 16807) % 2147483647; return s / 2147483647 - 0.5; });
    return { data, shape: cols === 1 ? [rows] as [number] : [rows, cols] as [number, number] };
  };
  const base = ['sweep', '--precond', 'gd', '--precond', 'sign:eps=0.1', '--lr', 'auto', '--max-iter', '300', '--jobs', '1', '-q'];
  const data = (d: string) => ['--X', join(d, 'X.npy'), '--Y', join(d, 'Y.npy')];
  let a: string, b: string;

  beforeAll(async () => {
    a = join(dir, 'data-a');
    b = join(dir, 'elsewhere', 'data-b');
    mkdirSync(a, { recursive: true });
    await writeMatrixFile(join(a, 'X.npy'), matrix(8, 20, 1));
    await writeMatrixFile(join(a, 'Y.npy'), matrix(8, 1, 2));
    cpSync(a, b, { recursive: true });
  });

  it('sweep.json and the journal record each file\'s SHA-256; --resume with the same bytes at another path keeps every run', () => {
    const r = cli([...base, ...data(a), '--out-dir', 'h1']);
    expect([r.code, r.err]).toEqual([0, '']);
    const want = { X: sha(join(a, 'X.npy')), Y: sha(join(a, 'Y.npy')) };
    const grid = JSON.parse(readFileSync(join(dir, 'h1', 'sweep.json'), 'utf8')).grid;
    expect(grid.problems).toEqual([{ X: join(a, 'X.npy'), Y: join(a, 'Y.npy'), csvHeader: 'auto', sha256: want }]);
    expect(JSON.parse(readFileSync(join(dir, 'h1', 'journal.jsonl'), 'utf8').split('\n')[0]!).grid.problems[0].sha256).toEqual(want);
    const moved = cli([...base.filter((x) => x !== '-q'), ...data(b), '--out-dir', 'h1', '--resume']);
    expect(moved.code, moved.err).toBe(0);
    expect(moved.out).toContain('2 runs (2 from the journal)');
    // The folder now names the files where they were read this time.
    expect(JSON.parse(readFileSync(join(dir, 'h1', 'sweep.json'), 'utf8')).grid.problems[0].X).toBe(join(b, 'X.npy'));
  }, 60_000);

  it('a file changed under the same path: --resume is refused, naming the file and both hashes, and the journal is untouched', async () => {
    const c = join(dir, 'data-c');
    cpSync(a, c, { recursive: true });
    const r = cli([...base, ...data(c), '--out-dir', 'h2']);
    expect([r.code, r.err]).toEqual([0, '']);
    const before = sha(join(c, 'X.npy'));
    const journal = readFileSync(join(dir, 'h2', 'journal.jsonl'));
    await writeMatrixFile(join(c, 'X.npy'), matrix(8, 20, 3)); // same shape, other numbers
    const after = sha(join(c, 'X.npy'));
    const again = cli([...base, ...data(c), '--out-dir', 'h2', '--resume']);
    expect(again.code).toBe(2);
    expect(again.err.trim()).toBe(`dspgd: --resume: the grid is not the one the journal in ${join(dir, 'h2')} was started with: `
      + `problems[0].X: the file's content differs (${JSON.stringify(join(c, 'X.npy'))} changed; SHA-256 was ${before.slice(0, 16)}…, now ${after.slice(0, 16)}…)`);
    expect(readFileSync(join(dir, 'h2', 'journal.jsonl')).equals(journal)).toBe(true);
  }, 60_000);

  it('merge: parts that read one file at two paths merge to the unsharded sweep; a part of other bytes is refused naming the difference', async () => {
    const args = ['sweep', '--precond', 'gd', '--precond', 'sign:eps=0.1', '--precond', 'adam:eps=0.1', '--lr', 'auto,0.5*auto', '--max-iter', '300', '--jobs', '1', '-q'];
    expect(cli([...args, ...data(a), '--out-dir', 'hm-all']).code).toBe(0);
    expect(cli([...args, ...data(a), '--shard', '0/2', '--out-dir', 'hm-0']).code).toBe(0);
    expect(cli([...args, ...data(b), '--shard', '1/2', '--out-dir', 'hm-1']).code).toBe(0);
    const m = cli(['merge', 'hm-0', 'hm-1', '--out-dir', 'hm-merged', '-q']);
    expect([m.code, m.err]).toEqual([0, '']);
    for (const f of ['sweep.csv', 'index.html']) expect(readFileSync(join(dir, 'hm-merged', f), 'utf8'), f).toBe(readFileSync(join(dir, 'hm-all', f), 'utf8'));
    const grid = (d: string) => JSON.parse(readFileSync(join(dir, d, 'sweep.json'), 'utf8')).grid;
    expect(grid('hm-merged')).toEqual(grid('hm-all'));
    // Part 1 again, from a Y with other numbers.
    const d = join(dir, 'data-d');
    cpSync(a, d, { recursive: true });
    await writeMatrixFile(join(d, 'Y.npy'), matrix(8, 1, 5));
    expect(cli([...args, ...data(d), '--shard', '1/2', '--out-dir', 'hm-1d']).code).toBe(0);
    const bad = cli(['merge', 'hm-0', 'hm-1d', '--out-dir', 'hm-bad']);
    expect(bad.code).toBe(2);
    expect(bad.err.trim()).toBe(`dspgd: merge: hm-1d is a sweep of another grid than hm-0: problems[0].Y: the file's content differs `
      + `(was ${JSON.stringify(join(a, 'Y.npy'))}, now ${JSON.stringify(join(d, 'Y.npy'))}; SHA-256 was ${sha(join(a, 'Y.npy')).slice(0, 16)}…, now ${sha(join(d, 'Y.npy')).slice(0, 16)}…)`);
  }, 120_000);

  it('gridDifference: content where both sides have it (format and .npz member still count), paths otherwise', () => {
    const p = (X: string, Y: string, sha256?: Record<string, string>) => ({ X, Y, csvHeader: 'auto', ...(sha256 ? { sha256 } : {}) });
    const h = { X: 'a'.repeat(64), Y: 'b'.repeat(64) };
    expect(gridDifference({ problems: [p('/n1/X.npy', '/n1/Y.npy', h)] }, { problems: [p('/n2/X.npy', 'Y.npy', h)] })).toBeUndefined();
    expect(gridDifference({ problems: [p('X.npy', 'Y.npy', h)] }, { problems: [p('X.npy', 'Y.npy', { ...h, Y: 'c'.repeat(64) })] }))
      .toBe('problems[0].Y: the file\'s content differs ("Y.npy" changed; SHA-256 was bbbbbbbbbbbbbbbb…, now cccccccccccccccc…)');
    expect(gridDifference({ problems: [p('d.npz:X', 'd.npz:Y', { X: 'd', Y: 'd' })] }, { problems: [p('e.npz:X', 'e.npz:W', { X: 'd', Y: 'd' })] }))
      .toBe('problems[0].Y: was "d.npz:Y", now "e.npz:W" (the same bytes, read as another format or .npz member)');
    expect(gridDifference({ problems: [p('X.csv', 'Y.npy', h)] }, { problems: [p('X.tsv', 'Y.npy', h)] })).toMatch(/^problems\[0\]\.X: was "X.csv", now "X.tsv" \(the same bytes/);
    expect(gridDifference({ problems: [p('X.npy', 'Y.npy', h)] }, { problems: [{ ...p('X.npy', 'Y.npy', h), csvHeader: 'no' }] }))
      .toBe('problems[0].csvHeader: was "auto", now "no"');
    // A journal from before hashes were recorded (or a pipe): paths, as before.
    expect(gridDifference({ problems: [p('X.npy', 'Y.npy')] }, { problems: [p('X.npy', 'Y.npy', h)] })).toBeUndefined();
    expect(gridDifference({ problems: [p('X.npy', 'Y.npy')] }, { problems: [p('/n2/X.npy', 'Y.npy', h)] })).toBe('problems[0].X: was "X.npy", now "/n2/X.npy"');
    expect(gridDifference({ problems: [p('X.npy', 'Y.npy', h)] }, { problems: [{ ...p('X.npy', 'Y.npy', h), W0: 'W0.npy' }] })).toBe('problems[0].W0: was absent, now "W0.npy"');
  });

  it('an .npz problem (and X, Y as members of one .npz) is hashed once per file; a missing file is E_IO naming the flag', async () => {
    const g = cli(['generate', '--n', '8', '--d', '20', '--out', join(dir, 'p.npz')]);
    expect(g.code, g.err).toBe(0);
    const r = cli([...base, '--problem', join(dir, 'p.npz'), '--out-dir', 'h-npz']);
    expect([r.code, r.err]).toEqual([0, '']);
    expect(JSON.parse(readFileSync(join(dir, 'h-npz', 'sweep.json'), 'utf8')).grid.problems[0].sha256).toEqual({ problem: sha(join(dir, 'p.npz')) });
    const grid = await withContentHashes(gridFromFlags({ ...FLAGS, data: { X: 'p.npz:X', Y: 'p.npz:Y' } }), dir);
    expect((grid.problems[0] as { sha256: unknown }).sha256).toEqual({ X: sha(join(dir, 'p.npz')), Y: sha(join(dir, 'p.npz')) });
    const missing = cli([...base, '--X', 'nope.npy', '--Y', join(a, 'Y.npy'), '--out-dir', 'h-missing']);
    expect([missing.code, missing.err.trim()]).toEqual([2, `dspgd: --X: cannot read ${join(dir, 'nope.npy')}: no such file or directory (ENOENT)`]);
  }, 60_000);
});

describe('one writer per sweep folder: the lock', () => {
  // Runs that go the whole budget (tol 0, no stall stop): the sweep is alive while the test looks at it.
  const slow = ['sweep', '--precond', 'gd', '--precond', 'sign:eps=0.1', '--lr', 'auto', '--seeds', '1,2,3,4,5,6', '--n', '20', '--d', '60',
    '--tol', '0', '--no-stall', '--max-iter', '3000000', '--jobs', '1'];
  const lockOf = (name: string) => join(dir, `.${name}.dspgd-lock`);
  const start = (name: string, extra: string[] = []) => {
    const child = spawn(process.execPath, [BIN, ...slow, ...extra, '--out-dir', name], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; err: string }>((res) => child.on('exit', (code, signal) => res({ code, signal, err })));
    return { child, exited };
  };
  const until = (what: () => boolean, label: string, ms = 60_000) => new Promise<void>((res, rej) => {
    const t0 = Date.now();
    const t = setInterval(() => {
      if (what()) { clearInterval(t); res(); } else if (Date.now() - t0 > ms) { clearInterval(t); rej(new Error(`timed out waiting for ${label}`)); }
    }, 10);
  });
  const journalLines = (name: string) => (existsSync(join(dir, name, 'journal.jsonl')) ? readFileSync(join(dir, name, 'journal.jsonl'), 'utf8').split('\n').length - 1 : 0);

  it('a second sweep, a --resume and a merge into a folder a live sweep holds are refused naming the folder and the holder; SIGTERM releases the lock', async () => {
    const a = start('L1');
    await until(() => existsSync(lockOf('L1')) && journalLines('L1') >= 1, 'the first sweep to start');
    const holder = JSON.parse(readFileSync(lockOf('L1'), 'utf8'));
    expect(holder).toMatchObject({ pid: a.child.pid, ...here(), command: `dspgd ${[...slow, '--out-dir', 'L1'].join(' ')}` });
    expect(Date.parse(holder.started)).toBeGreaterThan(Date.now() - 120_000);
    const refused = `dspgd: --out-dir: ${join(dir, 'L1')} is in use by another dspgd (pid ${a.child.pid} on this host, since ${holder.started}: ${holder.command}); `
      + `two processes must not write one sweep folder: wait for it to end, or give another folder. If that process is gone, delete ${lockOf('L1')}`;
    for (const extra of [[], ['--resume']]) {
      const b = cli([...slow, ...extra, '--out-dir', 'L1']);
      expect([b.code, b.err.trim()]).toEqual([2, refused]);
    }
    // Another name of the same folder is the same lock.
    symlinkSync(join(dir, 'L1'), join(dir, 'L1-link'));
    expect(cli([...slow, '--out-dir', 'L1-link']).err).toContain(`is in use by another dspgd (pid ${a.child.pid} on this host`);
    // merge: neither into it, nor from it while it is written.
    expect(cli(['merge', 'resub', '--out-dir', 'L1']).err.trim()).toBe(refused);
    const m = cli(['merge', 'L1', '--out-dir', 'L1-merged']);
    expect([m.code, m.err.trim()]).toEqual([2, `dspgd: merge: L1 is still being written (pid ${a.child.pid} on this host, since ${holder.started}: ${holder.command}); merge when it has ended`]);
    // scancel, a time limit: SIGTERM ends the sweep (128 + 15) and removes the lock; the journal is whole.
    a.child.kill('SIGTERM');
    expect(await a.exited).toMatchObject({ code: 143, signal: null });
    expect(existsSync(lockOf('L1'))).toBe(false);
    const r = cli([...slow.map((x) => (x === '3000000' ? '300' : x)), '--out-dir', 'L1-short', '-q']);
    expect([r.code, r.err]).toEqual([0, '']);
    expect(existsSync(lockOf('L1-short'))).toBe(false);
  }, 120_000);

  it('Ctrl-C: the sweep stops, writes what is finished (exit 3) and removes the lock; SIGKILL leaves a stale lock that the next run on this host takes over', async () => {
    const a = start('L2');
    await until(() => journalLines('L2') >= 2, 'a first cell in the journal');
    a.child.kill('SIGINT');
    const ended = await a.exited;
    expect([ended.code, ended.signal]).toEqual([3, null]);
    expect(existsSync(lockOf('L2'))).toBe(false);
    expect(existsSync(join(dir, 'L2', 'sweep.json'))).toBe(true);

    const k = start('L3');
    await until(() => existsSync(lockOf('L3')) && journalLines('L3') >= 1, 'the sweep to start');
    k.child.kill('SIGKILL');
    expect((await k.exited).signal).toBe('SIGKILL');
    expect(JSON.parse(readFileSync(lockOf('L3'), 'utf8')).pid).toBe(k.child.pid);
    const next = cli([...slow.map((x) => (x === '3000000' ? '300' : x)), '--out-dir', 'L3']);
    expect(next.code, next.err).toBe(0);
    expect(next.err).toContain(`dspgd: note: removed the stale lock of ${join(dir, 'L3')} (pid ${k.child.pid} on this host, since `);
    expect(existsSync(lockOf('L3'))).toBe(false);
  }, 120_000);

  it('two sweeps started at once into one folder: exactly one runs', async () => {
    const [x, y] = [start('L4'), start('L4')];
    const first = await Promise.race([x.exited, y.exited]);
    expect(first.code).toBe(2);
    expect(first.err).toContain(`--out-dir: ${join(dir, 'L4')} is in use by another dspgd (pid `);
    const alive = x.child.exitCode === null ? x : y;
    expect(alive.child.exitCode).toBeNull();
    expect(JSON.parse(readFileSync(lockOf('L4'), 'utf8')).pid).toBe(alive.child.pid);
    alive.child.kill('SIGTERM');
    expect((await alive.exited).code).toBe(143);
  }, 120_000);

  /** This machine as a lock records it: hostname, Linux boot id and pid namespace. */
  const here = () => ({ host: hostname(), boot: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(), pidns: readlinkSync('/proc/self/ns/pid') });

  it('a dead pid under this hostname is stale only on this boot and pid namespace: another machine of the same name is named, not broken', () => {
    const short = [...slow.map((x) => (x === '3000000' ? '300' : x)), '-q'];
    mkdirSync(join(dir, 'L6'));
    // A pid that is certainly not alive here: a child that has ended.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const me = here();
    const lock = { pid: dead, started: '2026-12-01T10:00:00.000Z', command: 'dspgd sweep --grid x.json', token: 'abc' };
    const refused = (why: string) => `dspgd: --out-dir: ${join(dir, 'L6')} is in use by another dspgd (pid ${dead} on host ${me.host}, not known to be this machine (${why}; `
      + 'whether it still runs cannot be checked from here), since 2026-12-01T10:00:00.000Z: dspgd sweep --grid x.json); two processes must not write one sweep folder: '
      + `wait for it to end, or give another folder. If that process is gone, delete ${lockOf('L6')}`;
    const cases: [Record<string, string>, string][] = [
      // Another node with this hostname (a cloned image), or this one before a reboot.
      [{ ...me, boot: '00000000-1111-2222-3333-444444444444' }, 'another boot id, 00000000-1111-2222-3333-444444444444: another machine of the same name, or this one before a reboot'],
      // A container on this kernel with its own pids.
      [{ ...me, pidns: 'pid:[1]' }, 'another pid namespace, pid:[1]: another container'],
      // A lock that does not say (an older dspgd, or a system without /proc).
      [{ host: me.host }, 'the lock does not record its boot id and pid namespace'],
    ];
    for (const [machine, why] of cases) {
      writeFileSync(lockOf('L6'), JSON.stringify({ ...lock, ...machine }));
      const r = cli([...short, '--out-dir', 'L6']);
      expect([r.code, r.err.trim()], why).toEqual([2, refused(why)]);
      expect(JSON.parse(readFileSync(lockOf('L6'), 'utf8')).token).toBe('abc');
    }
    // The same pid on this machine's boot and pid namespace: stale, taken over.
    writeFileSync(lockOf('L6'), JSON.stringify({ ...lock, ...me }));
    const r = cli([...short.filter((x) => x !== '-q'), '--out-dir', 'L6']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(`removed the stale lock of ${join(dir, 'L6')} (pid ${dead} on this host`);
    expect(existsSync(lockOf('L6'))).toBe(false);
  }, 60_000);

  it('a lock from another host is not broken (it cannot be checked); a live pid that started after the lock was taken is a reused pid: stale', async () => {
    const short = [...slow.map((x) => (x === '3000000' ? '300' : x)), '-q'];
    mkdirSync(join(dir, 'L5'));
    const other = { pid: 4242, host: 'node-elsewhere', started: '2026-12-01T10:00:00.000Z', command: 'dspgd sweep --grid x.json', token: 'abc' };
    writeFileSync(lockOf('L5'), JSON.stringify(other));
    const r = cli([...short, '--out-dir', 'L5']);
    expect([r.code, r.err.trim()]).toEqual([2, `dspgd: --out-dir: ${join(dir, 'L5')} is in use by another dspgd (pid 4242 on host node-elsewhere (this is ${hostname()}: `
      + `whether it still runs cannot be checked from here), since 2026-12-01T10:00:00.000Z: dspgd sweep --grid x.json); two processes must not write one sweep folder: `
      + `wait for it to end, or give another folder. If that process is gone, delete ${lockOf('L5')}`]);
    // A live process (this test's child) named by a lock taken an hour before it started: its pid was reused.
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      await new Promise((res) => setTimeout(res, 200));
      writeFileSync(lockOf('L5'), JSON.stringify({ ...other, ...here(), pid: sleeper.pid, started: new Date(Date.now() - 3600_000).toISOString() }));
      if (existsSync(`/proc/${sleeper.pid}/stat`)) {
        const reused = cli([...short.filter((x) => x !== '-q'), '--out-dir', 'L5']);
        expect(reused.code, reused.err).toBe(0);
        expect(reused.err).toContain(`removed the stale lock of ${join(dir, 'L5')} (pid ${sleeper.pid} on this host`);
      }
      // The same live process, with a lock taken after it started: it holds the folder.
      writeFileSync(lockOf('L5'), JSON.stringify({ ...other, ...here(), pid: sleeper.pid, started: new Date().toISOString() }));
      expect(cli([...short, '--out-dir', 'L5']).err).toContain(`is in use by another dspgd (pid ${sleeper.pid} on this host`);
    } finally {
      sleeper.kill();
    }
  }, 60_000);
});
