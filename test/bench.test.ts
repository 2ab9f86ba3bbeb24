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
import { parseBenchFlags, makePeers, PEER_NAMES, runtimeInfo } from '../bench/node.js';
import { startHog } from '../bench/hog.js';
import type { Hog } from '../bench/types.js';
import { generateBlock, replaceBlock, BEGIN, END } from '../bench/readme-table.mjs';

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

/** A hog that does nothing but count how it was driven (the real one is tested on its own below). */
function countingHog(): Hog & { starts: number; pauses: number; running: boolean } {
  return {
    description: 'test hog', bufferBytes: 0, starts: 0, pauses: 0, running: false,
    async start() { this.starts++; this.running = true; },
    async pause() { this.pauses++; this.running = false; return 1.5; },
    async dispose() {},
  };
}

describe('the contended section outside a quick run', () => {
  it('uses the workload\'s contendedPlan for its quiet and contended samples', async () => {
    const small: IterationPlan = { dspgdIters: 4, dspgdRepeats: 2, peerIters: 2, peerRepeats: 1, slowIters: 1, slowRepeats: 1 };
    const hog = countingHog();
    const r = await runSuite({
      workloads: [tiny('T2', 16, 64, 3, { contendedPlan: small })], preconds: ['gd'], peers: [], quick: false, overhead: false,
      sections: { rowspace: false, batch: false, threads: false },
      contended: { hog: async () => hog, workloads: ['T2'] },
    });
    const row = r.contended!.rows[0];
    expect(row.plan).toEqual({ dspgdIters: 4, dspgdRepeats: 2, peerIters: 2, peerRepeats: 1 });
    expect(row.dspgd.samplesQuietMs).toHaveLength(2);
    expect(row.dspgd.samplesContendedMs).toHaveLength(2);
    expect(r.rows[0].dspgd.samplesMs).toHaveLength(3); // the main row keeps its own plan
  }, 60_000);
});

describe('runSuite on tiny workloads (quick)', () => {
  let result: SuiteResult;
  const hog = countingHog();
  beforeAll(async () => {
    result = await runSuite({
      workloads: [tiny('T1', 12, 40, 1), tiny('T2', 16, 64, 3), tiny('T4', 16, 64, 3, { runs: 3 })],
      peers: makePeers(PEER_NAMES),
      quick: true,
      sections: { rowspace: tiny('W2', 16, 64, 3), batch: tiny('W4', 16, 64, 3, { runs: 3 }), threads: tiny('W3', 24, 96, 2) },
      contended: { hog: async () => hog, workloads: ['T2'] },
    });
  }, 180_000);

  it('splits the per-iteration overhead on 100×8 into the pass, the level-1 calls and the JS loop', () => {
    const rows = result.overhead!;
    expect(rows.map((r) => `${r.problem}/${r.precond}`)).toEqual(['d8/gd', 'd8/adam']);
    for (const r of rows) {
      const s = r.split!;
      expect([r.n, r.d, r.k]).toEqual([100, 8, 1]);
      expect(r.usPerIter).toBe(median(r.samplesUs));
      expect(s.passUs).toBe(median(s.samplesPassUs));
      expect(s.level1Us).toBe(median(s.samplesLevel1Us));
      expect(s.loopUs).toBe(Math.max(0, r.usPerIter - s.passUs - s.level1Us));
      expect(s.nonArithmeticUs).toBe(Math.max(0, r.usPerIter - s.passUs));
      for (const x of [...s.samplesPassUs, ...s.samplesLevel1Us, s.crossingNs]) expect(x).toBeGreaterThan(0);
      expect(s.crossings).toBe(4);
    }
  });

  it('measures the contended workloads quiet and with the hog, interleaved, for dspgd and NumPy alike', () => {
    const c = result.contended!;
    expect(c.rows.map((r) => `${r.workload}/${r.precond}`)).toEqual(['T2/gd', 'T2/adam']);
    expect(c.hog).toMatchObject({ description: 'test hog', gbps: 1.5 });
    // Every contended sample was bracketed by start and pause, plus one bracket for the peak under the hog.
    const peerSamples = c.rows.reduce((a, r) => a + (r.peer?.samplesContendedMs.length ?? 0), 0);
    const dspgdSamples = c.rows.reduce((a, r) => a + r.dspgd.samplesContendedMs.length, 0);
    expect(hog.starts).toBe(1 + dspgdSamples + peerSamples);
    expect(hog.pauses).toBe(hog.starts);
    expect(hog.running).toBe(false);
    expect(c.hog.samplesGbps).toHaveLength(hog.pauses);
    for (const r of c.rows) {
      const p = tiny('T2', 16, 64, 3).plan;
      expect(r.dspgd.samplesQuietMs).toHaveLength(p.dspgdRepeats);
      expect(r.dspgd.samplesContendedMs).toHaveLength(p.dspgdRepeats);
      // The hog's rate during this row's dspgd samples (the counting hog reports 1.5 GB/s).
      expect(r.hogGbps).toEqual({ median: 1.5, samples: new Array(p.dspgdRepeats).fill(1.5) });
      expect(r.dspgd.quietMs).toBe(median(r.dspgd.samplesQuietMs));
      expect(r.dspgd.contendedMs).toBe(median(r.dspgd.samplesContendedMs));
      // Shares of the peak: per repeat against the peak sample taken just before it, then the median.
      const peaks = r.dspgd.samplesPeakGflops!;
      expect(peaks).toHaveLength(p.dspgdRepeats);
      for (const g of peaks) expect(g).toBeGreaterThan(0);
      const share = (ms: number[]) => median(ms.map((t, i) => (4 * 16 * 64 * 3) / (t * 1e6) / peaks[i]!));
      expect(r.dspgd.quietPeakFraction).toBeCloseTo(share(r.dspgd.samplesQuietMs), 12);
      expect(r.dspgd.contendedPeakFraction).toBeCloseTo(share(r.dspgd.samplesContendedMs), 12);
      // And against the run's starting peak, kept beside.
      expect(r.dspgd.quietStartPeakFraction).toBeCloseTo((4 * 16 * 64 * 3) / (r.dspgd.quietMs * 1e6) / result.arithmetic!.gflops, 12);
      expect(r.dspgd.contendedStartPeakFraction).toBeCloseTo((4 * 16 * 64 * 3) / (r.dspgd.contendedMs * 1e6) / result.arithmetic!.gflops, 12);
      if (r.peer) {
        expect(r.peer.name).toBe('numpy');
        expect(r.peer.samplesQuietMs).toHaveLength(p.peerRepeats);
        expect(r.peer.quietRatio).toBeCloseTo(r.peer.quietMs / r.dspgd.quietMs, 12);
        expect(r.peer.contendedRatio).toBeCloseTo(r.peer.contendedMs / r.dspgd.contendedMs, 12);
      } else {
        expect(r.peerReason).toMatch(/numpy/);
      }
    }
    expect(c.arithmetic.gflops).toBe(Math.max(...c.arithmetic.samplesGflops));
    expect(formatTable(result)).toMatch(/Contended: the same workloads with a memory-bandwidth hog/);
    expect(formatTable(result)).toMatch(/hog GB\/s: the hog's copy rate during the row's dspgd samples/);
  });

  it('times a workload contended with its contendedPlan, and records the plan of every contended row', () => {
    for (const r of result.contended!.rows) expect(r.plan).toEqual({ dspgdIters: 100, dspgdRepeats: 3, peerIters: 3, peerRepeats: 1 });
    // W3's X is 320 MB: its contended samples (each taken twice) use fewer iterations than its main row.
    expect(WORKLOADS.W3.contendedPlan!.dspgdIters).toBeLessThan(WORKLOADS.W3.plan.dspgdIters);
  });

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
    // The chain peak (a multiply per chain that V8 cannot share) is measured beside it.
    expect(result.arithmetic!.chainGflops).toBe(Math.max(...result.arithmetic!.samplesChainGflops!));
    for (const g of result.arithmetic!.samplesChainGflops!) expect(Number.isFinite(g) && g > 0).toBe(true);
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
        dspgd: { msPerIter: 10, gbps: 3.3, gflops: 13.4, iters: 10, repeats: 1, samplesMs: [10] },
        peers: { numpy: cell(10, 10), tfjs: { ...cell(39, 10), precision: 'f32' }, 'ml-matrix': cell(250, 10) },
      },
      {
        workload: 'W3', n: 2000, d: 20000, k: 10, runs: 1, precond: 'gd', params: {}, lr: 1, bytesX: 3.2e8,
        dspgd: { msPerIter: 40, gbps: 8, gflops: 40, iters: 10, repeats: 1, samplesMs: [40] },
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

  it('judges W1, W2 adam and W5 adam against NumPy, and the contended share of the peak per workload (worst preconditioner)', () => {
    const r = fakeResult({ arithmetic: { gflops: 20, samplesGflops: [20] } });
    const cell = (ms: number, dspgd: number) => ({ status: 'ok' as const, precision: 'f64' as const, msPerIter: ms, ratio: ms / dspgd });
    const base = r.rows[0];
    r.rows.push(
      { ...base, workload: 'W1', precond: 'gd', peers: { numpy: cell(0.03, 0.03) } },
      { ...base, workload: 'W1', precond: 'adam', peers: { numpy: cell(0.029, 0.03) } },
      { ...base, workload: 'W2', precond: 'adam', peers: { numpy: cell(15, 10) } },
      { ...base, workload: 'W5', precond: 'adam', peers: { numpy: cell(14.9, 10) } },
    );
    const qc = (q: number, c: number) => ({ quietMs: q, contendedMs: c, samplesQuietMs: [q], samplesContendedMs: [c] });
    const crow = (workload: string, precond: 'gd' | 'adam', quiet: number, contended: number) => ({
      workload, precond, n: 1, d: 1, k: 1, dspgd: { ...qc(1, 1), quietPeakFraction: quiet, contendedPeakFraction: contended },
    });
    r.contended = {
      hog: { description: 'h', bufferBytes: 1, gbps: 9, samplesGbps: [9] }, arithmetic: { gflops: 19, samplesGflops: [19] },
      rows: [crow('W2', 'gd', 0.8, 0.61), crow('W2', 'adam', 0.8, 0.6), crow('W3', 'gd', 0.7, 0.59), crow('W3', 'adam', 0.7, 0.65)],
    };
    const v = Object.fromEntries(evaluateTargets(r).map((t) => [t.id, t]));
    expect(v['w1-gd-numpy'].verdict).toBe('PASS');            // equal time is ≤
    expect(v['w1-adam-numpy'].verdict).toBe('FAIL');          // 0.97×
    expect(v['w2-adam-numpy'].verdict).toBe('PASS');          // exactly 1.5×
    expect(v['w5-adam-numpy'].verdict).toBe('FAIL');          // 1.49×
    expect(v['contended-peak-W2'].verdict).toBe('PASS');      // worst of 61% and 60%
    expect(v['contended-peak-W2'].measured).toBe(0.6);
    expect(v['contended-peak-W3'].verdict).toBe('FAIL');      // gd 59%
    expect(v['contended-peak-W5'].verdict).toBe('n/a');
    expect(v['contended-peak-W5'].detail).toMatch(/W5 not in the contended section/);
    expect(evaluateTargets(fakeResult()).find((t) => t.id === 'contended-peak-W2')!.detail).toBe('contended section not run');
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
    expect(parseBenchFlags([]).workloads.map((w) => w.id)).toEqual(['W1', 'W2', 'W3', 'W4', 'W5']);
    expect(parseBenchFlags(['--workloads', 'W6']).workloads).toEqual([WORKLOADS.W6]);
    expect(WORKLOADS.W6.n).toBeGreaterThan(WORKLOADS.W6.d);
    // W5 is the wide shape: X of 134 MB, W and G of 2 MiB each.
    expect([WORKLOADS.W5.n, WORKLOADS.W5.d, WORKLOADS.W5.k]).toEqual([512, 32768, 8]);
    expect(parseBenchFlags(['--skip', 'contended,overhead']).skip).toEqual(['contended', 'overhead']);
    expect(parseBenchFlags([]).kernel).toBe('simd');
    expect(parseBenchFlags(['--kernel', 'fma']).kernel).toBe('fma');
  });

  it.each([
    [['--workloads', 'W9'], 'E_UNKNOWN_NAME', '--workloads'],
    [['--precond', 'sign'], 'E_UNKNOWN_NAME', '--precond'],
    [['--peers'], 'E_PARAM', '--peers'],
    [['--threads', '1'], 'E_PARAM', '--threads'],
    [['--out', '--quick'], 'E_PARAM', '--out'],
    [['--frobnicate'], 'E_PARAM', '--frobnicate'],
    [['--kernel', 'avx'], 'E_PARAM', '--kernel'],
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

describe('the memory-bandwidth hog (a worker thread)', () => {
  it('copies while started, sleeps while paused, and reports the bytes it moved per second', async () => {
    const hog = await startHog(16 * 2 ** 20);
    try {
      expect(hog.bufferBytes).toBe(16 * 2 ** 20);
      for (let i = 0; i < 2; i++) {
        await hog.start();
        await new Promise((r) => setTimeout(r, 50));
        const gbps = await hog.pause();
        expect(Number.isFinite(gbps) && gbps > 0).toBe(true);
      }
    } finally {
      await hog.dispose();
    }
  }, 30_000);
});

describe('README block (bench/readme-table.mjs)', () => {
  it('writes the quiet table, the contended table and the targets from a result, between markers it can replace again', () => {
    const r = fakeResult({
      startedAt: '2026-12-02T10:50:00Z', arithmetic: { gflops: 20, samplesGflops: [20] },
      peers: [{ name: 'numpy', label: 'NumPy', kind: 'iteration', precision: 'f64', note: '', available: true, info: { numpy: '2.4.6' } }],
      environment: {
        runtime: 'node', runtimeVersion: 'v20.20.2', engine: 'V8 11.3', cpu: 'AMD EPYC', cores: 2, memoryBytes: 2 ** 34, os: 'linux',
        dspgd: '0.1.0', wasm: {}, relaxedSimd: false, execArgv: [], load: { before: [0.1, 0.2, 0.3], after: [0.4, 0.5, 0.6] }, argv: [], totalSeconds: 600,
      },
    });
    r.targets = evaluateTargets(r);
    const block: string = generateBlock(r, '/repo/bench/results/x.json', '/repo');
    expect(block.startsWith(BEGIN) && block.endsWith(END)).toBe(true);
    expect(block).toContain('| W2 512×8192, k=8 | gd | 10.0 | — | 1.0× |');
    expect(block).toContain('load average 0.1 / 0.2 / 0.3');
    expect(block).toMatch(/— idle/);
    expect(block).toContain('](bench/results/x.json)');
    expect(block).toContain('**Contended**: not in this result');
    expect(block).toMatch(/\| W2 gd: ≥ 4× faster than tfjs-wasm \(float32\) \| \*\*FAIL\*\* \| 3\.90 \|/);
    const readme = '# x\n\n## Performance\n\nprose before\n\n## Next\n';
    const once: string = replaceBlock(readme, block);
    expect(once).toContain(`## Performance\n\n${block}\n`);
    expect(once).toContain('prose before');
    const again: string = replaceBlock(once, block.replace('10.0', '11.0'));
    expect(again.split(BEGIN)).toHaveLength(2);
    expect(again).toContain('| W2 512×8192, k=8 | gd | 11.0 |');
    expect(again.replace('11.0', '10.0')).toBe(once);
  });
});

describe('README Performance block', () => {
  it('is what bench/readme-table.mjs generates from the result it links to (regenerate, never edit by hand)', async () => {
    const { readFileSync } = await import('node:fs');
    const root = join(__dirname, '..');
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const block = readme.slice(readme.indexOf(BEGIN), readme.indexOf(END) + END.length);
    const json = /every sample: \[`[^`]+`\]\((bench\/results\/[^)]+\.json)\)/.exec(block)![1];
    const result = JSON.parse(readFileSync(join(root, json), 'utf8'));
    expect(block).toBe(generateBlock(result, join(root, json), root));
    // The run's plain-text output sits beside its JSON.
    expect(readFileSync(join(root, json.replace(/\.json$/, '.txt')), 'utf8')).toMatch(/Time per iteration/);
  });
});

describe('bench environment', () => {
  it('names the runtime that runs the bench (here Node) with its own version', () => {
    expect(runtimeInfo()).toMatchObject({ runtime: 'node', runtimeVersion: process.version, engine: `V8 ${process.versions.v8}` });
  });
});
