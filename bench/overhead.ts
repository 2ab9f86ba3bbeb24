/**
 * The overhead line: where an iteration's time goes on problems small enough for
 * the per-iteration cost outside the pass over X to show (100×8, k = 1; and W1).
 * Runtime-agnostic (the browser bench page runs it too).
 *
 * solve()'s time per iteration is split by timing, interleaved with it, the WASM
 * calls its primal engine makes per iteration, each in a loop of its own on the
 * same buffers: the fused pass (residualGrad), then ‖G‖, ∇K (or the stateful step)
 * and the update. What solve() takes beyond their sum is the JS side of the loop.
 * The calls mirror src/engine/primal.ts (evaluate, readPass, direction, step): if the
 * engine changes which exports an iteration calls, change `level1` below with it.
 */
import { solve } from '../src/solve.js';
import { generate } from '../src/generate.js';
import { suggestLearningRate } from '../src/lr.js';
import { resolvePrecond } from '../src/precond/index.js';
import { resolveLoss } from '../src/losses/index.js';
import type { Problem } from '../src/problem.js';
import { resolveKernel } from '../src/engine/kernel.js';
import { baseOptions, currentKernel, median, precondSpec, timePerIteration } from './timing.js';
import type { BenchPrecond, OverheadRow } from './types.js';

/** The problems of the overhead line: the d = 8 floor, and W1's shape. */
export interface OverheadProblem { problem: string; n: number; d: number; k: number; seed: number; iters: number; quickIters: number }
export const OVERHEAD_FLOOR: OverheadProblem = { problem: 'd8', n: 100, d: 8, k: 1, seed: 11, iters: 20000, quickIters: 2000 };

const now = () => performance.now();

/** WASM calls of one primal iteration: the pass, ‖G‖, ∇K or the stateful step, the update. */
const CROSSINGS_PER_ITERATION = 4;

export async function overheadRows(shape: OverheadProblem, quick: boolean, preconds: readonly BenchPrecond[]): Promise<OverheadRow[]> {
  const problem = await generate({ n: shape.n, d: shape.d, k: shape.k, seed: shape.seed, oneD: false });
  try {
    const out: OverheadRow[] = [];
    for (const precond of preconds) out.push(await overheadRow(problem, shape, quick, precond));
    return out;
  } finally {
    problem.dispose();
  }
}

async function overheadRow(problem: Problem, shape: OverheadProblem, quick: boolean, precond: BenchPrecond): Promise<OverheadRow> {
  const wasm = problem.wasmInstance;
  const e = wasm.exports;
  const { n, d, k } = problem;
  const spec = precondSpec(precond);
  const lr = suggestLearningRate(problem, spec);
  const N = quick ? shape.quickIters : shape.iters;
  const repeats = quick ? 3 : 9;
  const pre = resolvePrecond(spec);
  const loss = resolveLoss('squared');
  const builtin = pre.wasm!;
  const len = d * k;
  const stateful = pre.stateful;
  const ptrs: number[] = [];
  const alloc = (m: number) => {
    const p = wasm.allocF64(Math.max(m, 1), 'bench overhead buffer');
    ptrs.push(p);
    return p;
  };
  try {
    const W = alloc(len), W2 = alloc(len), G = alloc(len), P = alloc(len), R = alloc(n * k), D = alloc(n * k), stats = alloc(2);
    const params = alloc(Math.max(builtin.params.length, 1));
    const scratch = alloc(e.precondScratchLen(builtin.id, d, k));
    const S = stateful ? alloc(e.precondStateLen(builtin.id, len)) : 0;
    wasm.f64(params, builtin.params.length).set(builtin.params);
    const X = problem.ptr.X, Y = problem.ptr.Y;
    // The build solve() takes for the suite's kernel option.
    const kern = await resolveKernel(wasm, currentKernel());
    e.copy(len, problem.ptr.W0, W);
    const pass = (iters: number) => {
      const t0 = now();
      for (let i = 0; i < iters; i++) kern.residualGrad(n, d, k, X, W, Y, G, R, D, loss.wasm.id, loss.wasm.param, 1, stats);
      return now() - t0;
    };
    let sink = 0;
    const level1 = (iters: number) => {
      const t0 = now();
      for (let i = 0; i < iters; i++) {
        sink += e.norm2(len, G);
        if (stateful) e.precondStep(builtin.id, len, G, S, P, params, i + 1);
        else e.precondGrad(builtin.id, d, k, G, P, params, scratch);
        e.axpyInto(len, -lr, P, W, W2);
      }
      return now() - t0;
    };
    // An export that returns at once (zero of no entries): the cost of the call itself.
    const crossing = (iters: number) => {
      const t0 = now();
      for (let i = 0; i < iters; i++) e.zero(0, G);
      return now() - t0;
    };
    // n > d: the least-squares minimum is reached in a few dozen iterations, so the gradient
    // tests are switched off to time a fixed count.
    const opts = (iters: number) => baseOptions(precond, lr, iters, { gradTol: 0, gradRelTol: 0 });
    const solveMs = async (iters: number) => {
      const t0 = now();
      await solve(problem, opts(iters));
      return now() - t0;
    };
    pass(N); level1(N); crossing(N * 4);
    const total: number[] = [], passUs: number[] = [], level1Us: number[] = [], crossNs: number[] = [];
    for (let r = 0; r < repeats; r++) {
      total.push(1000 * (await timePerIteration(solveMs, N, 1, false))[0]);
      passUs.push((1000 * pass(N)) / N);
      level1Us.push((1000 * level1(N)) / N);
      crossNs.push((1e6 * crossing(N * 4)) / (N * 4));
    }
    if (!Number.isFinite(sink)) crossNs.push(NaN); // keeps the norms live; never true here
    const usPerIter = median(total), p = median(passUs), l = median(level1Us);
    return {
      precond, problem: shape.problem, n, d, k, usPerIter, samplesUs: total,
      split: {
        passUs: p, level1Us: l, loopUs: Math.max(0, usPerIter - p - l), nonArithmeticUs: Math.max(0, usPerIter - p),
        crossings: CROSSINGS_PER_ITERATION, crossingNs: median(crossNs.filter(Number.isFinite)),
        samplesPassUs: passUs, samplesLevel1Us: level1Us,
      },
    };
  } finally {
    for (const p of ptrs) wasm.free(p);
  }
}
