// src/report/folder.ts: the report folder, written atomically with exactly the listed files.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDspgdError } from '../src/errors.js';
import { rowsToCsv, rowsToJson, parseRowsCsv } from '../src/report/table.js';
import { buildReport, writeReportFolder, MANIFEST, type ReportInput } from '../src/report/folder.js';
import { grid, SMALL, checkSvg } from './helpers/report-data.js';

describe('report folder', () => {
  let tmp: string;
  beforeAll(() => { tmp = mkdtempSync(join(tmpdir(), 'dspgd-report-')); });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const input: ReportInput = {
    title: 'dspgd sweep', intro: 'synthetic', conclusions: ['c1'], rows: SMALL.rows, traces: SMALL.traces,
    meta: { seeds: '1' }, files: { base: 'sweep' },
  };

  it('buildReport: index.html, one SVG per figure, the JSON and CSV', () => {
    const files = buildReport(input);
    expect(files.map((f) => f.path)).toEqual([
      'index.html', 'relresidual.svg', 'loss.svg', 'bias-vs-lr.svg', 'c-vs-lr.svg', 'lr-sensitivity.svg', 'space-split.svg', 'sweep.json', 'sweep.csv',
    ]);
    const html = files[0]!.data;
    for (const f of files.filter((x) => x.path.endsWith('.svg'))) {
      checkSvg(f.data);
      expect(html).toContain(f.data);
    }
    expect(html).toContain('<a href="sweep.csv">sweep.csv</a>');
    expect(files.find((f) => f.path === 'sweep.csv')!.data).toBe(rowsToCsv(SMALL.rows));
    expect(files.find((f) => f.path === 'sweep.json')!.data).toBe(rowsToJson(SMALL.rows));
    expect(buildReport({ ...input, files: { base: 'demo' } }).slice(-2).map((f) => f.path)).toEqual(['demo.json', 'demo.csv']);
    expect(() => buildReport({ ...input, files: { base: 'x' as 'demo' } })).toThrow(/files.base/);
  });

  it('writeReportFolder: creates the folder, writes exactly the listed files, no temp files left', async () => {
    const dir = join(tmp, 'a', 'b', 'report');
    const paths = await writeReportFolder(dir, input);
    const built = buildReport(input);
    expect(paths).toEqual(built.map((f) => join(dir, f.path)));
    expect(readdirSync(dir).sort()).toEqual([MANIFEST, ...built.map((f) => f.path)].sort());
    for (const f of built) expect(readFileSync(join(dir, f.path), 'utf8')).toBe(f.data);

    // Again into the same folder (overwrite), with fewer runs: still only the listed files, no temp files.
    const again = await writeReportFolder(dir, { ...input, rows: SMALL.rows.slice(0, 2), traces: SMALL.traces.slice(0, 2) });
    expect(readdirSync(dir).sort()).toEqual([MANIFEST, ...again.map((p) => p.slice(dir.length + 1))].sort());
    expect(parseRowsCsv(readFileSync(join(dir, 'sweep.csv'), 'utf8'))).toEqual(SMALL.rows.slice(0, 2));
  });

  it('writeReportFolder over a bigger report removes the figures it no longer has, and keeps files it did not write', async () => {
    const dir = join(tmp, 'shrink');
    const big = grid(['gd', 'adam:eps=0.1', 'sign:eps=0.1', 'rownorm:eps=0.1', 'colnorm:eps=0.1', 'clip:c=1', 'power:p=2.2', 'normalized:eps=0.1', 'spectral:eps=0.1'], [0.01, 0.04], [1, 2]);
    const bigPaths = await writeReportFolder(dir, { ...input, rows: big.rows, traces: big.traces });
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    const small = await writeReportFolder(dir, { ...input, rows: SMALL.rows.slice(0, 1), traces: SMALL.traces.slice(0, 1), files: { base: 'demo' } });
    const names = (ps: string[]) => ps.map((p) => p.slice(dir.length + 1));
    // The bigger report really had files the smaller one does not write.
    expect(names(bigPaths).filter((n) => !names(small).includes(n)).length).toBeGreaterThan(2);
    expect(readdirSync(dir).sort()).toEqual([MANIFEST, 'notes.txt', ...names(small)].sort());
    // A damaged manifest is ignored: nothing outside the report's own files is removed.
    writeFileSync(join(dir, MANIFEST), '{"files": ["../escape", "notes.txt", 5');
    await writeReportFolder(dir, { ...input, rows: SMALL.rows.slice(0, 1), traces: SMALL.traces.slice(0, 1), files: { base: 'demo' } });
    expect(readdirSync(dir)).toContain('notes.txt');
  });

  it('writeReportFolder: a file in the way is an E_IO error', async () => {
    const file = join(tmp, 'not-a-dir');
    writeFileSync(file, 'x');
    const err = await writeReportFolder(join(file, 'report'), input).catch((e: unknown) => e);
    expect(isDspgdError(err) && err.code).toBe('E_IO');
    expect(readdirSync(tmp).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});
