// A report folder is replaced as a whole: `dspgd sweep` killed (SIGKILL) at every step of
// writing its report folder leaves the folder entirely old or entirely new, never a mix, and
// the next run leaves no temporary files or folders behind. The user's own file in the folder
// survives every kill.
//
// The kills are placed with the fault hook DSPGD_TEST_KILL_AT=<point>:<n> (src/io/node/fault.ts:
// the process SIGKILLs itself the n-th time it reaches that point), so every step between two
// renames is hit, not only those a timer happens to land on; then a few kill -9 from outside at
// random moments of the write. The two reports differ in content (seed 1 or 2 everywhere) and in
// their files (14 runs draw loss-2.svg and relresidual-2.svg, 2 runs do not).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = join(__dirname, '..', '..', 'bin', 'dspgd.js');
const SEED = Number(process.env.FC_SEED ?? 20261128);
const MANIFEST = '.dspgd-report';
const KILLS = 4;
/** Files of the out-dir that are not the report's: sweep's run journal is written before the report, by other code. */
const NOT_REPORT = new Set(['journal.jsonl']);
const NOTE = 'the user\'s notes, not the tool\'s\n';
let root: string;
let parent: string;
let out: string;

const REPORT = {
  1: ['sweep', '--precond', 'gd', '--precond', 'sign', '--precond', 'normalized', '--precond', 'colnorm', '--precond', 'rownorm',
    '--precond', 'clip', '--precond', 'adam', '--n', '10', '--d', '30', '--seeds', '1', '--max-iter', '50', '-q'],
  2: ['sweep', '--precond', 'gd', '--n', '10', '--d', '30', '--seeds', '2', '--max-iter', '50', '-q'],
} as const;
type Which = keyof typeof REPORT;
/** The file names of each report (from one clean run each). */
const names: Record<Which, string[]> = { 1: [], 2: [] };

beforeAll(() => {
  expect(existsSync(join(__dirname, '..', '..', 'dist', 'cli.js')), 'run `npm run build` first').toBe(true);
  root = mkdtempSync(join(tmpdir(), 'dspgd-swap-'));
  parent = join(root, 'results');
  out = join(parent, 'out');
  for (const which of [1, 2] as const) {
    const dir = join(root, `ref${which}`);
    const r = spawnSync(process.execPath, [BIN, ...REPORT[which], '--out-dir', dir], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    names[which] = readdirSync(dir).filter((n) => !NOT_REPORT.has(n)).sort();
  }
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

/**
 * Leftovers: sibling folders of a swap, and temp files of the per-file writer, anywhere near the
 * folder. Not the sweep's lock beside it (src/sweep/lock.ts): a SIGKILL leaves it by design, the
 * next run takes it over, and cleanWrite checks that a run that ends removes it.
 */
const LOCK = '.out.dspgd-lock';
function leftovers(): string[] {
  const near = existsSync(parent) ? readdirSync(parent).filter((n) => n !== 'out' && n !== LOCK) : [];
  const inside = existsSync(out) ? readdirSync(out).filter((n) => n.endsWith('.tmp')) : [];
  return [...near, ...inside];
}

/**
 * Which report the folder holds (1 or 2), checked file by file against the report's own content,
 * not against its manifest alone: the seed in sweep.json, sweep.csv and index.html; the exact set
 * of files; each file's hash as its manifest records it. 'absent' when the folder is not there.
 */
function whichReport(): Which | 'absent' {
  if (!existsSync(out)) return 'absent';
  // A temp file of another output (sweep's journal, written atomically before the report) is not the report's.
  const files = readdirSync(out).filter((n) => n !== 'notes.txt' && !NOT_REPORT.has(n) && !n.endsWith('.tmp'));
  expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe(NOTE);
  const json = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')) as { seed: number }[] | { rows: { seed: number }[] };
  const rows = Array.isArray(json) ? json : json.rows;
  const seeds = new Set(rows.map((r) => r.seed));
  expect(seeds.size, 'sweep.json mixes rows of two sweeps').toBe(1);
  const which = [...seeds][0] as Which;
  expect(files.sort(), `the folder's files are not those of report ${which}`).toEqual(names[which]);
  const [header, ...lines] = readFileSync(join(out, 'sweep.csv'), 'utf8').trim().split('\n');
  const seedAt = header.split(',').indexOf('seed');
  const csvSeeds = new Set(lines.map((l) => Number(l.split(',')[seedAt])));
  expect([...csvSeeds], 'sweep.csv is from the other sweep').toEqual([which]);
  expect(readFileSync(join(out, 'index.html'), 'utf8'), 'index.html is from the other sweep').toMatch(new RegExp(`seeds? ${which};`));
  const manifest = JSON.parse(readFileSync(join(out, MANIFEST), 'utf8')) as { files: { name: string; sha256: string }[] };
  expect(manifest.files.map((f) => f.name).sort()).toEqual(names[which].filter((n) => n !== MANIFEST));
  for (const f of manifest.files) expect(sha(readFileSync(join(out, f.name))), `${f.name} is from the other sweep`).toBe(f.sha256);
  return which;
}

function run(which: Which, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [BIN, ...REPORT[which], '--out-dir', out], { encoding: 'utf8', env: { ...process.env, ...env } });
}

/** A clean write of report `which`: afterwards the folder is that report and nothing is left over. */
function cleanWrite(which: Which): void {
  const r = run(which);
  expect(r.status, r.stderr).toBe(0);
  expect(whichReport()).toBe(which);
  expect(leftovers(), 'temporary files or folders left after a successful run').toEqual([]);
  expect(existsSync(join(parent, LOCK)), 'the lock is left after a successful run').toBe(false);
}

describe('SIGKILL while a report folder is replaced', () => {
  it('killed at each step of the write (fault hook): the folder is entirely the old or the new report', () => {
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'notes.txt'), NOTE);
    cleanWrite(1);
    const seen = { old: 0, new: 0, absent: 0 };
    let current: Which = 1;
    let kills = 0;
    // Every place the writer can stop: after each file it writes ('report-file', 'report-carry'),
    // before, between and after the renames of the swap ('report-swap'), while it removes the old
    // folder ('report-clean'), and (the per-file writer) before each rename ('rename').
    const points: [string, number][] = [
      ...[1, 3, 8].map((n): [string, number] => ['report-file', n]),
      ['report-carry', 1],
      ...[1, 2, 3].map((n): [string, number] => ['report-swap', n]),
      ...[1, 9].map((n): [string, number] => ['report-clean', n]),
      ...[2, 5, 9].map((n): [string, number] => ['rename', n]),
    ];
    for (const [point, n] of points) {
      const next: Which = current === 1 ? 2 : 1;
      const r = run(next, { DSPGD_TEST_KILL_AT: `${point}:${n}` });
      const killed = r.signal === 'SIGKILL';
      if (killed) kills++;
      else expect(r.status, `${point}:${n}: ${r.stderr}`).toBe(0);
      const now = whichReport();
      if (now === 'absent') {
        // Only between the two renames of the swap; the leftovers hold both reports.
        expect(`${point}:${n}`).toBe('report-swap:2');
        seen.absent++;
      } else {
        seen[now === current ? 'old' : 'new']++;
      }
      if (!killed) expect(now).toBe(next);
      // The next run first finishes or undoes the interrupted swap, then writes its own report.
      const after = run(next);
      expect(after.status, after.stderr).toBe(0);
      expect(whichReport()).toBe(next);
      expect(leftovers(), `after ${point}:${n}, the next run left temporary files or folders`).toEqual([]);
      // Alternate: a bigger report over a smaller one, then a smaller over a bigger.
      current = next;
    }
    console.log(`report folder killed at ${kills} of ${points.length} steps: old ${seen.old}, new ${seen.new}, absent ${seen.absent} (between the renames), never a mix`);
    // Every step of the folder swap was reached (the per-file writer's 'rename' is not used for reports any more).
    expect(kills).toBe(points.filter(([p]) => p !== 'rename').length);
    expect(seen.old).toBeGreaterThan(0);
    expect(seen.new).toBeGreaterThan(0);
  }, 300_000);

  it('a swap killed between its renames is finished by the next write, whatever it writes', () => {
    cleanWrite(1);
    const r = run(2, { DSPGD_TEST_KILL_AT: 'report-swap:2' });
    expect(r.signal).toBe('SIGKILL');
    expect(existsSync(out)).toBe(false);
    expect(leftovers().length).toBe(2);
    // The new folder is complete: the next write puts it in place first (then replaces it as usual).
    const next = run(1, { DSPGD_TEST_KILL_AT: 'report-file:1' });
    expect(next.signal).toBe('SIGKILL');
    expect(whichReport()).toBe(2);
    cleanWrite(1);
  }, 120_000);

  it('kill -9 from outside at random moments of the write: never a mix, no leftovers after the next run', async () => {
    cleanWrite(2);
    let a = SEED >>> 0;
    const random = () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const exited = (c: ChildProcess) => new Promise<void>((res) => (c.exitCode !== null || c.signalCode !== null ? res() : c.once('exit', () => res())));
    let current: Which = 2;
    let midWrite = 0;
    for (let i = 0; i < KILLS; i++) {
      const next: Which = current === 1 ? 2 : 1;
      const child = spawn(process.execPath, [BIN, ...REPORT[next], '--out-dir', out], { stdio: 'ignore' });
      // Wait until the write has begun (a sibling folder or a temp file appears), then a random delay.
      const swapping = () => existsSync(parent) && readdirSync(parent).some((n) => n.startsWith('.out.dspgd-'));
      while (child.exitCode === null && !swapping()) await new Promise((r) => setTimeout(r, 1));
      await new Promise((r) => setTimeout(r, Math.floor(random() * 4)));
      child.kill('SIGKILL');
      await exited(child);
      if (child.signalCode === 'SIGKILL' && leftovers().length > 0) midWrite++;
      const now = whichReport();
      if (now !== 'absent') current = now;
      const after = run(current);
      expect(after.status, after.stderr).toBe(0);
      expect(whichReport()).toBe(current);
      expect(leftovers()).toEqual([]);
    }
    console.log(`kill -9 during the report write: ${KILLS} kills, ${midWrite} with the write under way; never a mix`);
  }, 300_000);
});
