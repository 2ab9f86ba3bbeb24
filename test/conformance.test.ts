// The same library on five runtimes: Node (V8), Deno (V8, its own Node layer), Bun (JavaScriptCore),
// Chromium (V8) and Firefox (SpiderMonkey). The WASM kernels are deterministic IEEE float64 and the
// JavaScript around them uses only correctly rounded operations, so every runtime must give the
// same W∞ bytes (SHA-256) and the same JavaScript-side numbers (relResidual, c) on a fixed set of
// problems. Deno, Bun and Firefox run as real processes; any of them that cannot start fails its
// test with the reason.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { useChromium } from './browser/launch.js';
import { launchFirefox, firefoxMissing } from './runtimes/firefox.js';
import { startServer } from '../web/server.mjs';

const ROOT = resolve(__dirname, '..');
const BIN = join(ROOT, 'node_modules', '.bin');
const SCRIPT = join(ROOT, 'test', 'runtimes', 'conformance.mjs');
// No update checks or telemetry from the runtimes: the tests stay on this machine.
const ENV = { ...process.env, DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1', DO_NOT_TRACK: '1', NO_COLOR: '1' };
const RUNTIMES: Record<'deno' | 'bun', string[]> = {
  deno: [join(BIN, 'deno'), 'run', '--allow-all'],
  bun: [join(BIN, 'bun')],
};

type Results = Record<string, { sha256: string; status: string; iterations: number; path: string; relResidual: number; c: number | null }>;

function run(argv: string[], args: string[], cwd = ROOT): string {
  const r = spawnSync(argv[0], [...argv.slice(1), ...args], { cwd, env: ENV, encoding: 'utf8', timeout: 120_000 });
  if (r.error) throw new Error(`${argv[0]} could not start: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${argv.join(' ')} ${args.join(' ')} exited with ${r.status}:\n${r.stderr}`);
  return r.stdout;
}

const parse = (out: string): Results => (JSON.parse(out.trim().split('\n').pop()!) as { results: Results }).results;

let node: Results;
beforeAll(() => {
  node = parse(run([process.execPath], [SCRIPT]));
}, 120_000);

describe('W∞ is bit-identical on Node, Deno, Bun, Chromium and Firefox', () => {
  it('the cases make progress on Node (a hash of a run that did nothing would prove little)', () => {
    expect(Object.keys(node)).toHaveLength(9);
    for (const [name, r] of Object.entries(node)) {
      expect(r.relResidual, name).toBeLessThan(0.7);
      expect(r.sha256, name).toMatch(/^[0-9a-f]{64}$/);
    }
    // The two paths of one problem are the same iteration in exact arithmetic (spec: W = W0 + XᵀA).
    expect(Math.abs(node['gd primal'].relResidual - node['gd rowspace'].relResidual)).toBeLessThan(1e-12);
    expect(Math.abs(node['spectral primal'].relResidual - node['spectral rowspace'].relResidual)).toBeLessThan(1e-9);
  });

  for (const name of ['deno', 'bun'] as const) {
    it(`${name} (a separate process importing dist/) gives Node's bytes and numbers`, () => {
      expect(parse(run(RUNTIMES[name], [SCRIPT]))).toEqual(node);
    }, 120_000);
  }

  describe('browsers', () => {
    const chromium = useChromium();
    let server: { url: string; close(): Promise<void> };
    beforeAll(async () => {
      server = await startServer({ mounts: [['/dist/', join(ROOT, 'dist')], ['/rt/', join(ROOT, 'test', 'runtimes')], ['/', join(ROOT, 'test', 'runtimes')]] });
    });
    afterAll(async () => {
      await server?.close();
    });
    const pageUrl = () => `${server.url.replace(/\/$/, '')}/conformance.html`;

    it('Chromium, through dist/dspgd.browser.js, gives Node\'s bytes and numbers', async () => {
      const page = await chromium().newPage();
      await page.goto(pageUrl());
      await page.waitForFunction(() => document.getElementById('out')?.textContent !== 'running', null, { timeout: 90_000 });
      const text = (await page.textContent('#out'))!;
      expect(text).not.toMatch(/^error/);
      expect(parse(text)).toEqual(node);
      await page.close();
    }, 120_000);

    if (firefoxMissing) console.warn(`conformance: the Firefox test is skipped: ${firefoxMissing}`);
    it.skipIf(firefoxMissing !== undefined)(`Firefox (SpiderMonkey, over WebDriver BiDi), through dist/dspgd.browser.js, gives Node's bytes and numbers${firefoxMissing ? ` [skipped: ${firefoxMissing}]` : ''}`, async () => {
      const browser = await launchFirefox();
      try {
        const page = await browser.newPage();
        await page.goto(pageUrl());
        await page.waitForFunction(() => document.getElementById('out')?.textContent !== 'running', { timeout: 90_000 });
        const text = await page.$eval('#out', (el) => el.textContent ?? '');
        expect(text).not.toMatch(/^error/);
        expect(parse(text)).toEqual(node);
      } finally {
        await browser.close();
      }
    }, 180_000);
  });
});

describe('the README example and the CLI on Deno and Bun', () => {
  for (const name of ['deno', 'bun'] as const) {
    it(`${name}: the README API example prints what it prints on Node`, () => {
      const block = /## API\s+```js\n([\s\S]*?)```/.exec(readFileSync(join(ROOT, 'README.md'), 'utf8'))![1];
      // Inside the package, so that `import 'dspgd'` resolves to it through package.json "exports".
      const dir = mkdtempSync(join(ROOT, `.readme-${name}-`));
      try {
        writeFileSync(join(dir, 'example.mjs'), block);
        expect(run(RUNTIMES[name], [join(dir, 'example.mjs')])).toBe(run([process.execPath], [join(dir, 'example.mjs')]));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 120_000);

    it(`${name}: \`dspgd generate\` and \`dspgd solve\` (files, two threads) write Node's bytes`, () => {
      const dir = mkdtempSync(join(ROOT, `.cli-${name}-`));
      try {
        const cli = join(ROOT, 'bin', 'dspgd.js');
        run(RUNTIMES[name], [cli, 'generate', '--n', '20', '--d', '60', '--k', '2', '--seed', '4', '--out', 'p.npz'], dir);
        run([process.execPath], [cli, 'generate', '--n', '20', '--d', '60', '--k', '2', '--seed', '4', '--out', 'q.npz'], dir);
        expect(readFileSync(join(dir, 'p.npz'))).toEqual(readFileSync(join(dir, 'q.npz')));
        const solveArgs = ['solve', '--problem', 'p.npz', '--precond', 'adam:eps=0.1', '--lr', '0.02', '--threads', '2'];
        const out = run(RUNTIMES[name], [cli, ...solveArgs, '--save-w', 'W.npy', '--out', 'r.json'], dir);
        run([process.execPath], [cli, ...solveArgs, '--save-w', 'Wnode.npy'], dir);
        expect(out).toMatch(/converged/);
        expect(readFileSync(join(dir, 'W.npy'))).toEqual(readFileSync(join(dir, 'Wnode.npy')));
        expect(JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')).status).toBe('converged');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 120_000);
  }
});

describe('the bench on Deno and Bun (quick, W1, gd)', () => {
  for (const name of ['deno', 'bun'] as const) {
    it(`${name}: runs and times W1 with the flop count of a gd iteration (4·n·d·k)`, () => {
      const dir = mkdtempSync(join(ROOT, `.bench-${name}-`));
      try {
        run(RUNTIMES[name], [join(ROOT, 'dist', 'bench.js'), '--workloads', 'W1', '--precond', 'gd', '--peers', 'none',
          '--skip', 'rowspace,batch,threads,memory', '--quick', '--quiet', '--out', join(dir, 'b.json')], dir);
        const b = JSON.parse(readFileSync(join(dir, 'b.json'), 'utf8'));
        expect(b.schema).toBe('dspgd-bench/1');
        const row = b.rows.find((r: { workload: string; precond: string }) => r.workload === 'W1' && r.precond === 'gd');
        expect(row.dspgd.msPerIter).toBeGreaterThan(0);
        expect(row.dspgd.gflops * row.dspgd.msPerIter * 1e6).toBeCloseTo(4 * row.n * row.d * row.k, -2);
        expect(b.arithmetic.gflops).toBeGreaterThan(0);
        expect(row.arithmetic.fraction).toBeCloseTo(row.dspgd.gflops / b.arithmetic.gflops, 12);
        // The runtime that ran it, with its own version (not the Node version it emulates).
        const version = run([RUNTIMES[name][0]], ['--version'], dir);
        expect(b.environment.runtime).toBe(name);
        expect(version).toContain(b.environment.runtimeVersion);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 120_000);
  }
});
