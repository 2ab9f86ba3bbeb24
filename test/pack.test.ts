// The package as a user gets it: `npm pack`, installed into an empty project with nothing of this
// checkout around it, then used from Node (the README's API example, verbatim), from the installed
// bin, from strict TypeScript without the DOM lib, and from a browser app built by esbuild and by
// Vite that solves in Chromium. The install is offline: a lock file pins the same versions as this
// project's package-lock.json, whose tarballs `npm install` of the project left in the npm cache.
import { readmeApiExample, expectReadmeExampleOutput } from './helpers/readme-example.js';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build as esbuild } from 'esbuild';
import { build as viteBuild, createLogger } from 'vite';
import { generate, solve } from '../src/index.js';
import { startServer } from '../web/server.mjs';
import { launchChromium, type Launched } from './browser/launch.js';
import { hex } from './browser/page.js';

const ROOT = resolve(__dirname, '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string; version: string; license: string; bin: Record<string, string>; engines: Record<string, string>;
  dependencies: Record<string, string>;
};
type LockEntry = { version: string; dependencies?: Record<string, string>; dev?: boolean; devOptional?: boolean; peer?: boolean };
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };

let dir: string; // the temporary folder: the tarball and the user's project (app/)
let app: string;
let tarball: { file: string; bytes: number };

function run(cmd: string, args: string[], cwd: string, timeout = 120_000): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout, env: { ...process.env, NO_COLOR: '1' } });
}
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Where Node would find `name` from the package at lock path `from` (nested node_modules first). */
function lockPath(from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const p = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (lock.packages[p]) return p;
    if (!base) return undefined;
    const i = base.lastIndexOf('/node_modules/');
    base = i < 0 ? '' : base.slice(0, i);
  }
}

/**
 * The user's project: dspgd from the tarball, and exactly the packages its `dependencies` pull in,
 * at this project's locked versions. A run-time import missing from `dependencies` is therefore
 * missing here too, as it would be for a user.
 */
function writeProject(spec: string): number {
  const packages: Record<string, unknown> = {
    '': { name: 'app', version: '1.0.0', dependencies: { dspgd: spec } },
    'node_modules/dspgd': {
      version: pkg.version, resolved: spec, license: pkg.license, dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines,
    },
  };
  const queue = Object.keys(pkg.dependencies).map((n) => lockPath('', n));
  while (queue.length > 0) {
    const p = queue.shift();
    if (p === undefined || packages[p]) continue;
    const { dev: _d, devOptional: _o, peer: _p, ...entry } = lock.packages[p];
    packages[p] = entry;
    for (const d of Object.keys(entry.dependencies ?? {})) queue.push(lockPath(p, d));
  }
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module', dependencies: { dspgd: spec } }, null, 2));
  writeFileSync(join(app, 'package-lock.json'), JSON.stringify({ name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2));
  return Object.keys(packages).length - 2;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dspgd-pack-'));
  app = join(dir, 'app');
  mkdirSync(app);
  // `npm test` has just built dist/; --ignore-scripts keeps `prepare` from building it again.
  const packed = run(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT);
  expect(packed.status, packed.stderr).toBe(0);
  const [info] = JSON.parse(packed.stdout) as { filename: string; size: number }[];
  tarball = { file: join(dir, info.filename), bytes: info.size };
  const deps = writeProject(`file:../${info.filename}`);
  const installed = run(npm, ['ci', '--offline', '--no-audit', '--no-fund'], app);
  expect(installed.status, `npm ci --offline in the user's project failed:\n${installed.stderr}`).toBe(0);
  console.log(`pack: ${info.filename} ${(info.size / 1024).toFixed(0)} KiB, installed with ${deps} dependencies`);
}, 180_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the packed package, installed into an empty project', () => {
  it('is small and ships no sources, tests or demo pages', () => {
    const listed = run('tar', ['-tzf', tarball.file], dir);
    expect(listed.status).toBe(0);
    const files = listed.stdout.trim().split('\n');
    expect(files).toContain('package/LICENSE');
    expect(files).toContain('package/dist/index.js');
    expect(files).toContain('package/build/dspgd.wasm');
    expect(files.filter((f) => /^package\/(src|test|assembly|web|dist\/web)\//.test(f))).toEqual([]);
    expect(tarball.bytes).toBeLessThan(4 * 1024 * 1024);
  });

  it("runs the README's API example as written", () => {
    writeFileSync(join(app, 'example.mjs'), readmeApiExample(ROOT));
    expectReadmeExampleOutput(run(process.execPath, ['example.mjs'], app));
  });

  it('dspgd/worker runs a solve in a worker thread, bit-identical to an in-process solve', () => {
    const script = `import { generate, solve } from 'dspgd';
import { createRunner } from 'dspgd/worker';
const opts = { precond: 'adam:eps=0.1', lr: 0.05, tol: 1e-10, maxIter: 5000 };
const a = await solve(await generate({ n: 20, d: 64, k: 2, seed: 3 }), opts);
const runner = await createRunner();
const b = await runner.solve(await runner.generate({ n: 20, d: 64, k: 2, seed: 3 }), opts);
await runner.terminate();
const hex = (w) => Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength).toString('hex');
console.log(a.status, b.status, hex(a.W) === hex(b.W));`;
    writeFileSync(join(app, 'worker.mjs'), script);
    const r = run(process.execPath, ['worker.mjs'], app);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('converged converged true');
  });

  it('the installed bin: --help, solve --help and a small solve', () => {
    const bin = join(app, 'node_modules', '.bin', 'dspgd');
    const help = run(bin, ['--help'], app);
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^Usage: dspgd/);
    expect(help.stdout).toMatch(/^\s+solve\b/m);
    const solveHelp = run(bin, ['solve', '--help'], app);
    expect(solveHelp.status, solveHelp.stderr).toBe(0);
    expect(solveHelp.stdout).toContain('--precond');

    const gen = run(bin, ['generate', '--n', '20', '--d', '64', '--k', '2', '--seed', '3', '--out', 'p.npz'], app);
    expect(gen.status, gen.stderr).toBe(0);
    const solved = run(bin, ['solve', '--problem', 'p.npz', '--precond', 'gd', '--lr', 'auto', '--tol', '1e-10', '--json'], app);
    expect(solved.status, solved.stderr).toBe(0);
    const out = JSON.parse(solved.stdout) as { status: string; bias: { relDistToGD: number } };
    expect(out.status).toBe('converged');
    // gd from W0 = 0 lands on the minimum-norm interpolant (the theory's GD limit) up to round-off.
    expect(out.bias.relDistToGD).toBeLessThan(1e-8);
  });

  it('dspgd bench runs with the peers it finds and names the ones that are not installed', () => {
    const bin = join(app, 'node_modules', '.bin', 'dspgd');
    const r = run(bin, ['bench', '--workloads', 'W1', '--precond', 'gd', '--quick', '--peers', 'js,ml-matrix,tfjs',
      '--skip', 'rowspace,batch,threads,memory', '--out', 'bench.json'], app);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/ml-matrix not available/);
    expect(r.stderr).toMatch(/tfjs not available/);
    const result = JSON.parse(readFileSync(join(app, 'bench.json'), 'utf8')) as { peers: { name: string; available: boolean }[] };
    expect(Object.fromEntries(result.peers.map((p) => [p.name, p.available]))).toEqual({ js: true, 'ml-matrix': false, tfjs: false });
  });

  it('its types compile under strict TypeScript, node16 modules, ES2022 lib, no DOM, no skipLibCheck', () => {
    const tsDir = join(app, 'ts');
    mkdirSync(tsDir, { recursive: true });
    writeFileSync(join(tsDir, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(join(tsDir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        strict: true, module: 'node16', moduleResolution: 'node16', target: 'ES2022', lib: ['ES2022'], types: ['node'],
        // @types/node from this checkout: the user's project has it as its own devDependency.
        typeRoots: [join(ROOT, 'node_modules', '@types')], noEmit: true, skipLibCheck: false,
      },
      files: ['check.ts'],
    }));
    writeFileSync(join(tsDir, 'check.ts'), `import { solve, generate, adam, spectral, type SolveResult } from 'dspgd';
import { createRunner } from 'dspgd/worker';

const problem = await generate({ n: 10, d: 40, k: 2, seed: 1 });
const r: SolveResult = await solve(problem, { precond: adam({ eps: 0.1 }), lr: 'auto', tol: 1e-8 });
const s: SolveResult = await solve(problem, { precond: spectral(), lr: 0.1 });
const status: SolveResult['status'] = r.status;
const W: Float64Array = s.W.data;
console.log(status, W.length, r.bias?.c);
// @ts-expect-error the types are real: an unknown option type is an error, not 'any'
await solve(problem, { precond: adam({ eps: 0.1 }), tol: 'small' });
problem.dispose();
const runner = await createRunner();
await runner.terminate();
`);
    const r = run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', tsDir], tsDir);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 180_000); // tsc checks all of @types/node too (no skipLibCheck): ~20 s alone, more on a busy machine

  describe('in a browser app', () => {
    const PROBLEM = { n: 20, d: 64, k: 2, seed: 3 };
    const OPTIONS = { precond: 'adam:eps=0.1', lr: 0.05, tol: 1e-10, maxIter: 5000 };
    let expectedW: string;
    let chromium: Launched | undefined;
    let failure: unknown;

    beforeAll(async () => {
      const src = join(app, 'web');
      mkdirSync(src, { recursive: true });
      writeFileSync(join(src, 'index.html'), '<!doctype html><meta charset="utf-8"><title>app</title><pre id="out">running</pre>\n'
        + '<script type="module" src="./main.js"></script>\n');
      writeFileSync(join(src, 'main.js'), `import { generate, solve, createRunner } from 'dspgd';
const hex = (a) => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), (b) => b.toString(16).padStart(2, '0')).join('');
const out = document.getElementById('out');
try {
  const r = await solve(await generate(${JSON.stringify(PROBLEM)}), ${JSON.stringify(OPTIONS)});
  const runner = await createRunner();
  const w = await runner.solve(await runner.generate(${JSON.stringify(PROBLEM)}), ${JSON.stringify(OPTIONS)});
  await runner.terminate();
  out.textContent = JSON.stringify({ status: r.status, W: hex(r.W.data), workerW: hex(w.W.data) });
} catch (e) {
  out.textContent = 'error: ' + (e && e.message || e);
}
`);
      const p = await generate(PROBLEM);
      expectedW = hex((await solve(p, OPTIONS)).W.data);
      p.dispose();
      try {
        chromium = await launchChromium();
      } catch (e) {
        failure = e;
      }
    }, 120_000);
    afterAll(async () => {
      await chromium?.close();
    });

    async function solveInChromium(root: string): Promise<{ status: string; W: string; workerW: string }> {
      if (failure) throw failure;
      const srv = await startServer({ port: 0, isolated: false, mounts: [['/', root]] });
      try {
        const page = await chromium!.browser.newPage();
        const problems: string[] = [];
        page.on('pageerror', (e) => problems.push(e.message));
        page.on('requestfailed', (q) => problems.push(`request failed: ${q.url()}`));
        await page.goto(`${srv.url}index.html`);
        await page.waitForFunction(() => document.getElementById('out')?.textContent !== 'running', undefined, { timeout: 60_000 });
        const text = (await page.textContent('#out')) ?? '';
        await page.close();
        expect(problems).toEqual([]);
        expect(text).not.toMatch(/^error/);
        return JSON.parse(text);
      } finally {
        await srv.close();
      }
    }

    it('esbuild bundles it without warnings (the worker program copied beside the output, as docs/browser.md says)', async () => {
      const out = join(app, 'out-esbuild');
      const result = await esbuild({
        entryPoints: [join(app, 'web', 'main.js')], bundle: true, format: 'esm', platform: 'browser', target: 'es2022',
        outdir: out, absWorkingDir: app, logLevel: 'silent', write: true,
      });
      expect(result.errors).toEqual([]);
      expect(result.warnings).toEqual([]);
      copyFileSync(join(app, 'web', 'index.html'), join(out, 'index.html'));
      copyFileSync(join(app, 'node_modules', 'dspgd', 'dist', 'dspgd.worker.js'), join(out, 'dspgd.worker.js'));
      const r = await solveInChromium(out);
      expect(r.status).toBe('converged');
      expect(r.W).toBe(expectedW);
      expect(r.workerW).toBe(expectedW);
    }, 120_000);

    it('Vite builds it without warnings, emitting the Web Worker program and nothing Node-only', async () => {
      const out = join(app, 'out-vite');
      const logged: string[] = [];
      const logger = createLogger('warn', { allowClearScreen: false });
      logger.warn = (msg) => { logged.push(`warn: ${msg}`); };
      logger.warnOnce = (msg) => { logged.push(`warn: ${msg}`); };
      logger.error = (msg) => { logged.push(`error: ${msg}`); };
      await viteBuild({
        root: join(app, 'web'), configFile: false, logLevel: 'warn', customLogger: logger,
        build: {
          outDir: out, emptyOutDir: true, target: 'es2022',
          // Rolldown's note that plugins took long is about this machine's load, not about the package.
          rolldownOptions: { checks: { bundlerTimings: false } },
        },
      });
      expect(logged).toEqual([]);
      const assets = readdirSync(join(out, 'assets'));
      expect(assets.filter((f) => /worker-thread|\.wasm$/.test(f))).toEqual([]); // the WASM is inlined in the bundle
      expect(assets.filter((f) => /^dspgd\.worker-.*\.js$/.test(f))).toHaveLength(1);
      const r = await solveInChromium(out);
      expect(r.status).toBe('converged');
      expect(r.W).toBe(expectedW);
      expect(r.workerW).toBe(expectedW);
    }, 120_000);
  });
});

