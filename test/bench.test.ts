// The benchmark suite (bench/) on tiny shapes, in process: structure of the
// result, the table and the JSON; an independent check that every peer computes
// dspgd's iteration; target verdicts from made-up numbers; the CLI's flags.
// Nothing here times anything against a threshold: targets live in bench/.
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { generate, solve, DspgdError } from '../src/index.js';
import {
  runSuite, relDiff, precondSpec, WORKLOADS, BENCH_PRECONDS, CHECK_TOL,
  type SuiteResult, type WorkloadSpec, type IterationPlan, type PeerProblem, type IterationPeer,
} from '../bench/suite.js';
import { formatTable } from '../bench/format.js';
import { TARGETS, evaluateTargets, judge } from '../bench/targets.js';
import { parseBenchFlags, makePeers, PEER_NAMES } from '../bench/node.js';

/** The suite's median: the middle sample, or the mean of the two middle ones. */
const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const BIN = join(__dirname, '..', 'bin', 'dspgd.js');
const tiny = (id: string, n: number, d: number, k: number, extra: Partial<WorkloadSpec> = {}): WorkloadSpec => {
  // Enough dspgd iterations that T(N) − T(1) is well above timer noise even on these shapes.
  const p: IterationPlan = { dspgdIters: 100, dspgdRepeats: 3, peerIters: 3, peerRepeats: 1, slowIters: 2, slowRepeats: 1 };
  return { id, n, d, k, seed: 7, plan: p, quickPlan: p, ...extra };
};

describe('runSuite on tiny workloads (quick)', () => {
  let result: SuiteResult;
  beforeAll(async () => {
    result = await runSuite({
      workloads: [tiny('T1', 12, 40, 1), tiny('T2', 16, 64, 3), tiny('T4', 16, 64, 3, { runs: 3 })],
      peers: makePeers(PEER_NAMES),
      quick: true,
      sections: { rowspace: tiny('W2', 16, 64, 3), batch: tiny('W4', 16, 64, 3, { runs: 3 }), threads: tiny('W3', 24, 96, 2) },
    });
  }, 120_000);

  it('returns a plain JSON-able result with a row per workload and preconditioner', () => {
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
    expect(result.schema).toBe('dspgd-bench/1');
    expect(result.rows.map((r) => `${r.workload}/${r.precond}`)).toEqual(
      ['T1', 'T2', 'T4'].flatMap((w) => BENCH_PRECONDS.map((p) => `${w}/${p}`)));
    for (const row of result.rows) {
      // Every derived figure is recomputed here from the raw samples the row keeps.
      const runs = row.runs ?? 1;
      expect(row.dspgd.msPerIter).toBe(median(row.dspgd.samplesMs));
      expect(row.dspgd.samplesMs).toHaveLength(row.dspgd.repeats);
      expect(row.dspgd.gflops).toBeCloseTo((4 * row.n * row.d * row.k) / (row.dspgd.msPerIter * 1e6), 9);
      expect(row.dspgd.gbps).toBeCloseTo(row.bytesX / (row.dspgd.msPerIter * runs * 1e6), 9);
      expect(row.bytesX).toBe(8 * row.n * row.d);
      expect(row.stream!.msPerRead).toBe(median(row.stream!.samplesMs));
      expect(row.stream!.gbps).toBeCloseTo(row.bytesX / (row.stream!.msPerRead * 1e6), 9);
      expect(row.arithmetic!.fraction).toBeCloseTo(row.dspgd.gflops / result.arithmetic!.gflops, 12);
    }
    // The arithmetic limit is the best of its samples.
    expect(result.arithmetic!.gflops).toBe(Math.max(...result.arithmetic!.samplesGflops));
    for (const g of result.arithmetic!.samplesGflops) expect(Number.isFinite(g) && g > 0).toBe(true);
    expect(result.rows.find((r) => r.workload === 'T4')!.runs).toBe(3);
    expect(result.rowspace.map((r) => r.precond)).toEqual(['gd', 'spectral']);
    expect(result.batch).toHaveLength(3);
    expect(result.threads.map((r) => r.precond)).toEqual(['gd', 'adam']);
    expect(result.targets.map((t) => t.id)).toEqual(TARGETS.map((t) => t.id));
  });

  it('records a passing same-iteration check for every peer that ran', () => {
    for (const row of result.rows) {
      for (const [name, cell] of Object.entries(row.peers)) {
        expect(cell.status, `${row.workload} ${row.precond} ${name}: ${cell.reason}`).toBe('ok');
        expect(cell.check!.relErr).toBeLessThanOrEqual(CHECK_TOL[cell.precision]);
        expect(cell.ratio).toBeCloseTo(cell.msPerIter! / row.dspgd.msPerIter, 10);
      }
    }
    // NumPy is optional: either it ran everywhere or there is a notice saying why not.
    const numpy = result.peers.find((p) => p.name === 'numpy')!;
    if (!numpy.available) expect(result.notices.join('\n')).toMatch(/numpy not available/);
  });

  it('the batched, row-space and threads sections report equal results', () => {
    for (const b of result.batch) expect(b.identical).toBe(true);
    for (const r of result.rowspace) expect(r.relDiff).toBeLessThan(1e-10);
    for (const t of result.threads) expect(t.identical).toBe(true);
  });

  it('formats a table naming every peer, marking tfjs as float32, and the targets', () => {
    const text = formatTable(result);
    expect(text).toMatch(/dspgd ms\/iter/);
    expect(text).toMatch(/tfjs \(f32\) ms\/iter/);
    for (const id of ['T1', 'T2', 'T4 (3 runs)']) expect(text).toContain(id);
    for (const t of TARGETS) expect(text).toContain(t.id);
    expect(text).toMatch(/Row-space path vs primal/);
    expect(text).toMatch(/Batched sweep/);
  });
});

describe('peers compute the same iteration as dspgd (independent of the suite\'s own check)', () => {
  for (const name of PEER_NAMES.filter((n) => n !== 'stream')) {
    it(name, async () => {
      const peer = makePeers([name])[0] as IterationPeer;
      const ok = await peer.available();
      if (ok !== true) {
        expect(name, `only NumPy may be missing here: ${ok}`).toBe('numpy');
        return;
      }
      const problem = await generate({ n: 10, d: 30, k: 3, seed: 11, oneD: false, w0: 'gaussian', w0Scale: 0.1 });
      const { n, d, k } = problem;
      const pp: PeerProblem = {
        workload: 'check', n, d, k, dspgd: problem,
        X: Float64Array.from(problem.X.data), Y: Float64Array.from(problem.Y.data), W0: Float64Array.from(problem.W0.data),
      };
      const prep = await peer.prepare(pp);
      try {
        for (const precond of BENCH_PRECONDS) {
          const lr = 0.05;
          const mine = await prep.run(precond, lr, 6);
          const r = await solve(problem, { precond: precondSpec(precond), lr, maxIter: 6, tol: 0, stall: false, report: false, path: 'primal' });
          expect(r.iterations).toBe(6);
          const err = relDiff(mine.W, r.W.data, pp.W0);
          expect(err, `${name} ${precond}`).toBeLessThanOrEqual(peer.precision === 'f64' ? 1e-10 : 1e-4);
          expect(err).toBeGreaterThanOrEqual(0);
        }
      } finally {
        await prep.dispose();
        problem.dispose();
      }
    }, 60_000);
  }
});

/** A result with given numbers, for the target verdicts. */
function fakeResult(over: Partial<SuiteResult> = {}): SuiteResult {
  const cell = (ms: number, dspgd: number) => ({ status: 'ok' as const, precision: 'f64' as const, msPerIter: ms, ratio: ms / dspgd });
  return {
    schema: 'dspgd-bench/1', startedAt: '', finishedAt: '', quick: false, workloads: [], preconds: ['gd'], peers: [], notices: [],
    rows: [
      {
        workload: 'W2', n: 512, d: 8192, k: 8, runs: 1, precond: 'gd', params: {}, lr: 1, bytesX: 8 * 512 * 8192,
        dspgd: { msPerIter: 10, gbps: 3.3, iters: 10, repeats: 1, samplesMs: [10] },
        peers: { numpy: cell(10, 10), tfjs: { ...cell(39, 10), precision: 'f32' }, 'ml-matrix': cell(250, 10) },
      },
      {
        workload: 'W3', n: 2000, d: 20000, k: 10, runs: 1, precond: 'gd', params: {}, lr: 1, bytesX: 3.2e8,
        dspgd: { msPerIter: 40, gbps: 8, iters: 10, repeats: 1, samplesMs: [40] },
        stream: { msPerRead: 28, gbps: 11.4, samplesMs: [28], fraction: 0.7 }, peers: {},
      },
    ],
    rowspace: [
      { workload: 'W2', precond: 'gd', lr: 1, primalMsPerIter: 10, rowspaceMsPerIter: 1, speedup: 10, iterations: 50, relResidual: 1e-12, relDiff: 1e-14 },
      { workload: 'W2', precond: 'spectral', lr: 1, primalMsPerIter: 10, rowspaceMsPerIter: 1.25, speedup: 8, iterations: 50, relResidual: 1e-12, relDiff: 2e-10 },
    ],
    batch: [{ workload: 'W4', precond: 'gd', runs: 8, itersPerRun: 10, batchedMs: 30, separateMs: 100, ratio: 0.3, identical: true, samplesBatchedMs: [], samplesSeparateMs: [] }],
    threads: [{ workload: 'W3', precond: 'gd', threads: 2, threadsUsed: 2, ms1: 40, msN: 22, speedup: 40 / 22, identical: true, iters: 10 }],
    memory: [
      { route: 'generate', workload: 'W3', dataBytes: 100, peakRssBytes: 131, ratio: 1.31, steps: '' },
      { route: 'npy', workload: 'W3', dataBytes: 100, peakRssBytes: NaN, ratio: NaN, steps: '', error: 'boom' },
    ],
    targets: [],
    ...over,
  };
}

describe('target verdicts (pure functions of the numbers)', () => {
  it('judge: thresholds are inclusive, non-finite values are n/a', () => {
    expect(judge('min', 4, 4)).toBe('PASS');
    expect(judge('min', 4, 3.99)).toBe('FAIL');
    expect(judge('max', 0.35, 0.35)).toBe('PASS');
    expect(judge('max', 0.35, 0.36)).toBe('FAIL');
    expect(judge('min', 1, NaN)).toBe('n/a');
  });

  it('evaluates each target from a result', () => {
    const v = Object.fromEntries(evaluateTargets(fakeResult()).map((t) => [t.id, t]));
    expect(v['w2-gd-numpy'].verdict).toBe('PASS');          // 10 vs 10: equal is ≤
    expect(v['w2-gd-numpy'].measured).toBe(1);
    expect(v['w2-gd-tfjs'].verdict).toBe('FAIL');           // 3.9× < 4×
    expect(v['w2-gd-ml-matrix'].verdict).toBe('PASS');      // 25×
    expect(v['w3-bandwidth'].verdict).toBe('PASS');         // exactly 70%
    expect(v.rowspace.verdict).toBe('FAIL');                // 8× is enough, but spectral's W differs by 2e-10
    expect(v.rowspace.measured).toBe(8);
    expect(v.batch.verdict).toBe('PASS');
    expect(v.threads.verdict).toBe('PASS');                 // 1.82×, bit-identical
    expect(v['memory-generate'].verdict).toBe('FAIL');      // 1.31 > 1.3
    expect(v['memory-npy'].verdict).toBe('n/a');            // the child failed
  });

  it('says n/a when a measurement is missing or could not be made', () => {
    const r = fakeResult({ rows: [], rowspace: [], memory: [], threads: [{ workload: 'W3', precond: 'gd', threads: 2, threadsUsed: 1, ms1: 1, msN: 1, speedup: 1, identical: true, iters: 2 }] });
    for (const t of evaluateTargets(r)) {
      if (t.id !== 'batch') expect(t.verdict, t.id).toBe('n/a');
    }
    const failedPeer = fakeResult();
    failedPeer.rows[0].peers.numpy = { status: 'check-failed', precision: 'f64', msPerIter: 1, ratio: 10, reason: 'W differs' };
    expect(evaluateTargets(failedPeer).find((t) => t.id === 'w2-gd-numpy')!.verdict).toBe('n/a');
  });

  it('a batch that is fast but not bit-identical fails', () => {
    const r = fakeResult();
    r.batch[0].identical = false;
    expect(evaluateTargets(r).find((t) => t.id === 'batch')!.verdict).toBe('FAIL');
  });
});

describe('flags', () => {
  it('parses lists and defaults', () => {
    const f = parseBenchFlags(['--workloads', 'W1,W2', '--precond=gd', '--peers', 'none', '--quick', '--out', 'x.json']);
    expect(f.workloads.map((w) => w.id)).toEqual(['W1', 'W2']);
    expect(f.workloads[0]).toBe(WORKLOADS.W1);
    expect(f.preconds).toEqual(['gd']);
    expect(f.peers).toEqual([]);
    expect(f.quick).toBe(true);
    expect(f.out).toBe('x.json');
    expect(parseBenchFlags([]).threads).toBe(2);
    // The tall workload runs only when named.
    expect(parseBenchFlags([]).workloads.map((w) => w.id)).toEqual(['W1', 'W2', 'W3', 'W4']);
    expect(parseBenchFlags(['--workloads', 'W5']).workloads).toEqual([WORKLOADS.W5]);
    expect(WORKLOADS.W5.n).toBeGreaterThan(WORKLOADS.W5.d);
  });

  it.each([
    [['--workloads', 'W9'], 'E_UNKNOWN_NAME', '--workloads'],
    [['--precond', 'sign'], 'E_UNKNOWN_NAME', '--precond'],
    [['--peers'], 'E_PARAM', '--peers'],
    [['--threads', '1'], 'E_PARAM', '--threads'],
    [['--out', '--quick'], 'E_PARAM', '--out'],
    [['--frobnicate'], 'E_PARAM', '--frobnicate'],
  ])('%j is a DspgdError %s about %s', (argv, code, argument) => {
    let err: unknown;
    try {
      parseBenchFlags(argv);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DspgdError);
    expect((err as DspgdError).code).toBe(code);
    expect((err as DspgdError).argument).toBe(argument);
  });
});

describe('dspgd bench (CLI)', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });

  it('--help prints the suite\'s usage and exits 0', () => {
    const r = run('bench', '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Usage: dspgd bench/);
    for (const flag of ['--workloads', '--precond', '--peers', '--out', '--quick']) expect(r.stdout).toContain(flag);
    expect(run('--help').stdout).toMatch(/bench/);
  });

  it('--render prints the table of a saved result with the targets judged again; a file that is not one is exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dspgd-bench-test-'));
    try {
      const saved = { ...fakeResult(), targets: [] };
      writeFileSync(join(dir, 'r.json'), JSON.stringify(saved));
      const r = run('bench', '--render', join(dir, 'r.json'));
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/w2-gd-tfjs\s+FAIL/);
      expect(r.stdout).toMatch(/threads\s+PASS/);
      writeFileSync(join(dir, 'other.json'), '{"a": 1}');
      const bad = run('bench', '--render', join(dir, 'other.json'));
      expect(bad.status).toBe(2);
      expect(bad.stderr).toMatch(/--render/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a bad flag is one line on stderr naming it, exit 2', () => {
    for (const [args, needle] of [[['--workloads', 'W9'], '--workloads'], [['--nope'], '--nope']] as const) {
      const r = run('bench', ...args);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(needle);
    }
  });
});

describe('bench kernels: a separate module on dspgd memory', () => {
  it('streamRead sums X in place and mulAddPeak computes its accumulations; the production module has neither', async () => {
    const { benchKernels } = await import('../bench/kernels.js');
    const { getWasm } = await import('../src/wasm/module.js');
    const { readFileSync } = await import('node:fs');
    const p = await generate({ kind: 'gaussian', n: 7, d: 13, k: 1, seed: 3 });
    try {
      const k = await benchKernels(p.wasmInstance);
      expect(await benchKernels(await getWasm())).toBe(k);
      // Independent: the plain sum of X's entries (a different summation order, so to round-off).
      const X = p.X.data;
      let s = 0;
      for (const v of X) s += v;
      expect(k.streamRead(p.ptr.X, X.length)).toBeCloseTo(s, 12);
      // Twelve chains a_j = j + x·y added `steps` times, summed in the kernel's tree order.
      const steps = 37, seed = 0.75, xy = seed * (1 - 1e-16);
      const a = Array.from({ length: 12 }, (_, j) => { let v = j; for (let t = 0; t < steps; t++) v += xy; return v; });
      const expected = 2 * (((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7])) + ((a[8] + a[9]) + (a[10] + a[11])));
      expect(k.mulAddPeak(steps, seed)).toBe(expected);
    } finally {
      p.dispose();
    }
    for (const f of ['dspgd.wasm', 'dspgd-shared.wasm']) {
      const names = WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(join(__dirname, '..', 'build', f)))).map((e) => e.name);
      expect(names, f).toContain('residualGrad');
      expect(names, f).not.toContain('streamRead');
      expect(names, f).not.toContain('mulAddPeak');
    }
  });
});
