// Sweeps, the loose ends of issue 16: shard selection in a resubmitted Slurm task, merge across
// splits of different N, YAML experiment files.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { gridFromFlags, parseGridFile } from '../src/sweep/grid.js';
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
