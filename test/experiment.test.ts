// src/experiment.ts runGrid on a real problem, end to end: the theory's verdicts on gd and sign, and a
// report whose figures, CSV, JSON and page match the runs.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from '../src/generate.js';
import { reportFigures } from '../src/report/figures.js';
import { rowsToCsv, rowsToJson, parseRowsCsv, parseRowsJson } from '../src/report/table.js';
import { writeReportFolder, MANIFEST } from '../src/report/folder.js';
import { runGrid } from '../src/experiment.js';
import { seriesNames, categories, checkFigures, parseHtml, checkSelfContained } from './helpers/report-data.js';

describe('a real grid', () => {
  it('runGrid on a small problem → a report whose figures match the runs', async () => {
    const problem = await generate({ n: 10, d: 30, k: 2, seed: 1 });
    let res;
    try {
      res = await runGrid([{ problem, seed: 1 }], {
        preconds: ['gd', 'sign:eps=0.1'], lrs: [{ autoFactor: 1 }, { autoFactor: 0.5 }], maxIter: 20000, tol: 1e-10,
      });
    } finally {
      problem.dispose();
    }
    const { rows, traces } = res;
    expect(rows).toHaveLength(4);
    expect(traces).toHaveLength(4);
    for (const r of rows) expect(r.status).toBe('converged');
    // the theory: gd on the GD limit, sign elsewhere
    for (const r of rows.filter((x) => x.name === 'gd')) expect(r.relDistToGD).toBeLessThan(1e-6);
    for (const r of rows.filter((x) => x.name === 'sign')) expect(r.relDistToGD).toBeGreaterThan(1e-6);

    const figs = reportFigures({ rows, traces });
    checkFigures(figs);
    expect(seriesNames(figs.find((f) => f.name === 'relresidual')!.svg)).toEqual(traces.map((t) => t.label));
    expect(seriesNames(figs.find((f) => f.name === 'loss')!.svg)).toHaveLength(4);
    expect(seriesNames(figs.find((f) => f.name === 'bias-vs-lr')!.svg)).toEqual(['gd', 'sign:eps=0.1']);
    expect(seriesNames(figs.find((f) => f.name === 'c-vs-lr')!.svg)).toEqual(['gd', 'sign:eps=0.1']);
    expect(categories(figs.find((f) => f.name === 'space-split')!.svg)).toHaveLength(4);

    expect(parseRowsCsv(rowsToCsv(rows))).toEqual(rows);
    expect(parseRowsJson(rowsToJson(rows))).toEqual(rows);

    const dir = mkdtempSync(join(tmpdir(), 'dspgd-report-real-'));
    try {
      const paths = await writeReportFolder(dir, {
        title: 'grid', intro: 'n=10 d=30 k=2', conclusions: [], rows, traces, meta: { seed: 1 }, files: { base: 'demo' },
      });
      expect(readdirSync(dir).filter((f) => f !== MANIFEST).sort()).toEqual(paths.map((p) => p.slice(dir.length + 1)).sort());
      const html = readFileSync(join(dir, 'index.html'), 'utf8');
      parseHtml(html);
      checkSelfContained(html);
      for (const r of rows) expect(html).toContain(`<td>${r.precond}</td>`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
