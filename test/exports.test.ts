// package.json exports: every condition points at a built file, 'dspgd' and 'dspgd/worker' resolve and
// work under Node's own resolver, and no browser bundle imports a node: module (it would not load in a page).
import { describe, it, expect } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import * as api from '../src/api.js';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));

function targets(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  return Object.values(v as Record<string, unknown>).flatMap(targets);
}

describe('package exports', () => {
  it('every export target exists after the build, with types, browser, node and import conditions on "."', () => {
    const all = Object.values(pkg.exports).flatMap(targets);
    expect(all.length).toBeGreaterThan(10);
    for (const t of all) expect(existsSync(t), t).toBe(true);
    expect(Object.keys(pkg.exports['.'])).toEqual(expect.arrayContaining(['types', 'browser', 'node', 'import']));
    expect(Object.keys(pkg.exports)).toEqual(expect.arrayContaining(['./worker', './browser', './browser-external']));
  });

  it("import { solve } from 'dspgd' and createRunner from 'dspgd/worker' work in Node (self-reference through exports)", () => {
    // A child process resolves the package by name, through the exports map, as a user's code would.
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', `
      import { solve, generate } from 'dspgd';
      import { createRunner } from 'dspgd/worker';
      const p = await generate({ n: 8, d: 30, seed: 2 });
      const a = await solve(p, { precond: 'gd', lr: 'auto', maxIter: 2000 });
      const runner = await createRunner();
      const b = await runner.solve(await runner.generate({ n: 8, d: 30, seed: 2 }), { precond: 'spectral:eps=0.1', lr: 'auto', maxIter: 5000 });
      await runner.terminate();
      console.log(JSON.stringify([a.status, b.status]));
    `], { encoding: 'utf8', timeout: 30_000 });
    expect(JSON.parse(out.trim())).toEqual(['converged', 'converged']);
  });

  it('one export list: the Node entry and both browser bundles export the shared list of src/api.ts; only loadProblem and releaseSweepWorkers are Node-only', async () => {
    const shared = Object.keys(api).sort();
    // What a Node script needs to save and plot what it solved, next to solve itself.
    expect(shared).toEqual(expect.arrayContaining(['solve', 'parseNpy', 'encodeNpy', 'parseCsv', 'encodeCsv', 'runGrid', 'formatTable',
      'lineChart', 'barChart', 'createRunner', 'parseLr', 'DEFAULTS']));
    const node = Object.keys(await import('../dist/index.js')).sort();
    expect(node).toEqual([...shared, 'loadProblem', 'releaseSweepWorkers'].sort());
    for (const f of ['../dist/dspgd.browser.js', '../dist/dspgd.browser-external.js']) {
      expect(Object.keys(await import(/* @vite-ignore */ f)).sort(), f).toEqual(shared);
    }
  });

  it("a Node script saves W with encodeNpy from 'dspgd' (through the exports map)", () => {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', `
      import { solve, generate, encodeNpy, parseNpy, runGrid, lineChart } from 'dspgd';
      const p = await generate({ n: 6, d: 20, seed: 5 });
      const r = await solve(p, { precond: 'gd', lr: 'auto', maxIter: 3000 });
      const back = parseNpy(encodeNpy(r.W), 'W.npy');
      const g = await runGrid([{ problem: p, seed: 5 }], { preconds: ['gd'], lrs: ['0.5*auto'], maxIter: 3000 });
      console.log(JSON.stringify([back.shape, back.data.every((v, i) => Object.is(v, r.W.data[i])), g.rows[0].lr === r.lr / 2, typeof lineChart]));
    `], { encoding: 'utf8', timeout: 30_000 });
    expect(JSON.parse(out.trim())).toEqual([[20], true, true, 'function']);
  });

  it('the browser bundles and the worker program contain no node: imports', () => {
    for (const f of ['dist/dspgd.browser.js', 'dist/dspgd.browser-external.js', 'dist/dspgd.worker.js', 'dist/worker.browser.js', 'dist/web/app.js']) {
      const js = readFileSync(f, 'utf8');
      const found = js.match(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)["']node:[^"']+["']/g) ?? [];
      // threads.ts carries its worker's source as a string; its require('node:worker_threads') runs only under Node.
      const real = found.filter((m) => !js.includes(`start(${m}`) && !js.includes(`start(${m.replace(/"/g, "'")}`));
      expect(real, f).toEqual([]);
      expect(js, f).not.toMatch(/\bfrom\s*["'](?:fs|path|os|worker_threads|child_process)["']/);
    }
  });
});
