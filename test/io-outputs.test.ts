// Outputs never clobber what is not ours: a target that is not a regular file is written in place
// (never renamed over), a report manifest can only remove files the tool wrote, and outputs are
// checked before any work. Devices are reached through links in a temp folder, so a regression
// replaces a link there, not a node in /dev.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic, writeFilesAtomic, encodeNpy } from '../src/io/index.js';
import { writeReportFolder, buildReport, MANIFEST, type ReportInput } from '../src/report/folder.js';
import { DspgdError } from '../src/errors.js';

const BIN = join(__dirname, '..', 'bin', 'dspgd.js');
let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'dspgd-outputs-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function rejected(p: Promise<unknown>): Promise<DspgdError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(DspgdError);
  return e as DspgdError;
}

describe('output targets that are not regular files are written in place, never renamed over', () => {
  it('a link to /dev/full: E_IO (no space left), and the link is still a link to the device', async () => {
    const link = join(dir, 'full.json');
    symlinkSync('/dev/full', link);
    const e = await rejected(writeFileAtomic(link, '{"a": 1}\n', '--out'));
    expect([e.code, e.argument]).toEqual(['E_IO', '--out']);
    expect(e.message).toBe(`--out: cannot write ${link}: no space left on device (ENOSPC)`);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe('/dev/full');
  });

  it('a failing stream leaves the regular targets of the same write untouched', async () => {
    const link = join(dir, 'full2.npy');
    symlinkSync('/dev/full', link);
    const regular = join(dir, 'result.json');
    await rejected(writeFilesAtomic([{ path: regular, data: 'x' }, { path: link, data: 'y', argument: '--save-w' }]));
    expect(existsSync(regular)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a FIFO is written as a stream (the reader gets the data) and stays a FIFO; a link to /dev/null stays a link', async () => {
    const fifo = join(dir, 'pipe.csv');
    execFileSync('mkfifo', [fifo]);
    const reader = spawn('cat', [fifo]);
    let got = '';
    reader.stdout.on('data', (b) => { got += b; });
    const done = new Promise((r) => reader.on('exit', r));
    await writeFileAtomic(fifo, 'a,b\n1,2\n', '--trace');
    await done;
    expect(got).toBe('a,b\n1,2\n');
    expect(statSync(fifo).isFIFO()).toBe(true);
    const nul = join(dir, 'null.json');
    symlinkSync('/dev/null', nul);
    await writeFileAtomic(nul, 'x', '--out');
    expect(readlinkSync(nul)).toBe('/dev/null');
  });

  it('dspgd solve --out LINK, LINK → /dev/stdout: the result is printed, the link stays a link', () => {
    writeFileSync(join(dir, 'X.npy'), encodeNpy({ data: Float64Array.of(1, 0, 0, 0, 1, 0), shape: [2, 3] }));
    writeFileSync(join(dir, 'y.npy'), encodeNpy({ data: Float64Array.of(1, 2), shape: [2] }));
    symlinkSync('/dev/stdout', join(dir, 'stdout.json'));
    const r = spawnSync(process.execPath, [BIN, 'solve', '--X', 'X.npy', '--Y', 'y.npy', '--precond', 'gd', '--lr', '0.5', '-q', '--out', 'stdout.json'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).status).toBe('converged');
    expect(readlinkSync(join(dir, 'stdout.json'))).toBe('/dev/stdout');
  });
});

describe('outputs are checked before any work', () => {
  it('--save-w with an unknown extension fails at once (the solve would never end), and nothing is written', () => {
    writeFileSync(join(dir, 'X2.npy'), encodeNpy({ data: Float64Array.of(1, 2, 3, 4, 5, 7), shape: [2, 3] }));
    writeFileSync(join(dir, 'y2.npy'), encodeNpy({ data: Float64Array.of(1, 2), shape: [2] }));
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [BIN, 'solve', '--X', 'X2.npy', '--Y', 'y2.npy', '--precond', 'gd', '--lr', '1e-9', '--tol', '0',
      '--max-iter', '1000000000000', '--out', 'r.json', '--save-w', 'W.np'], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
    expect(r.signal, 'killed by the timeout: the solve ran').toBeNull();
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe("dspgd: --save-w: W.np has the unsupported extension '.np'; can write .npy, .csv, .tsv, .txt, .json");
    expect(existsSync(join(dir, 'r.json'))).toBe(false);
    expect(performance.now() - t0).toBeLessThan(30_000);
  });
});

describe('report folders: the manifest removes only what the tool wrote', () => {
  const input: ReportInput = { title: 't', intro: 'i', conclusions: [], rows: [], traces: [], files: { base: 'sweep' } };

  it('a forged manifest (old or new form) cannot delete the user\'s files; an edited stale figure is kept', async () => {
    const out = join(dir, 'report');
    await writeReportFolder(out, input);
    writeFileSync(join(out, 'data.csv'), 'mine');
    writeFileSync(join(out, 'notes.txt'), 'mine');
    writeFileSync(join(out, 'old-figure.svg'), '<svg>mine</svg>');
    const sha = (s: string) => require('node:crypto').createHash('sha256').update(s).digest('hex') as string;
    for (const forged of [
      { files: ['data.csv', 'notes.txt', 'old-figure.svg'] },
      { files: [{ name: 'data.csv', sha256: sha('mine') }, { name: 'notes.txt', sha256: sha('mine') }, { name: 'old-figure.svg', sha256: sha('other') }] },
    ]) {
      writeFileSync(join(out, MANIFEST), JSON.stringify(forged));
      await writeReportFolder(out, input);
      expect(readdirSync(out)).toEqual(expect.arrayContaining(['data.csv', 'notes.txt', 'old-figure.svg']));
    }
    // What the tool wrote and nobody changed does go: a figure named by a genuine manifest entry.
    writeFileSync(join(out, 'stale-figure.svg'), '<svg/>');
    writeFileSync(join(out, MANIFEST), JSON.stringify({ files: [{ name: 'stale-figure.svg', sha256: sha('<svg/>') }] }));
    await writeReportFolder(out, input);
    expect(existsSync(join(out, 'stale-figure.svg'))).toBe(false);
    expect(readdirSync(out).sort()).toEqual([MANIFEST, 'data.csv', 'notes.txt', 'old-figure.svg', ...buildReport(input).map((f) => f.path)].sort());
  });

  it('--out-dir that is a regular file: E_IO naming --out-dir, before anything is written', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const e = await rejected(writeReportFolder(file, input, { argument: '--out-dir' }));
    expect([e.code, e.argument]).toEqual(['E_IO', '--out-dir']);
    expect(e.message).toBe(`--out-dir: ${file} exists and is not a folder`);
    expect(readFileSync(file, 'utf8')).toBe('x');
  });
});
