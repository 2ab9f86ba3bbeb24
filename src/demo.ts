/**
 * The demo experiment behind `npm start`: one seeded overparameterized
 * problem, every built-in preconditioner at four learning rates, and
 * conclusions drawn from the measured numbers (not fixed text) for the three
 * predictions of the theory (spec: "What the theory predicts").
 */
import { generate, type GenerateOptions } from './generate.js';
import { runGrid, type GridResult, type RunRow, type LrSpec } from './experiment.js';
import { AT_GD_LIMIT } from './bias/report.js';
import { DEMO_PRECONDS, DEMO_PROBLEM, DEMO_LR_FACTORS, DEMO_TOL } from './demo-setup.js';

export { DEMO_PRECONDS, DEMO_PROBLEM, DEMO_LR_FACTORS, DEMO_TOL } from './demo-setup.js';

export interface DemoOptions {
  problem?: GenerateOptions;
  preconds?: readonly string[];
  lrFactors?: readonly number[];
  tol?: number;
  maxIter?: number;
  signal?: AbortSignal;
  onRun?: (row: RunRow, done: number, total: number) => void;
  onProgress?: (runIndex: number, iteration: number, relResidual: number, maxIter: number) => void;
}

export interface DemoResult extends GridResult {
  problem: GenerateOptions;
  rank: number;
  conclusions: string[];
}

export async function runDemo(opts: DemoOptions = {}): Promise<DemoResult> {
  const spec = opts.problem ?? DEMO_PROBLEM;
  const problem = await generate(spec);
  try {
    const lrs: LrSpec[] = (opts.lrFactors ?? DEMO_LR_FACTORS).map((f) => ({ autoFactor: f }));
    const tol = opts.tol ?? DEMO_TOL;
    const grid = await runGrid([{ problem, seed: spec.seed ?? 0 }], {
      preconds: opts.preconds ?? DEMO_PRECONDS, lrs, tol, maxIter: opts.maxIter ?? 300000,
      stall: { window: 5000, minDecrease: 1e-4 }, signal: opts.signal, onRun: opts.onRun, onProgress: opts.onProgress,
    });
    return { ...grid, problem: spec, rank: problem.gdLimit().rank, conclusions: conclusions(grid.rows, tol) };
  } finally {
    problem.dispose();
  }
}

const e1 = (x: number) => x.toExponential(1);
const pct = (x: number) => `${Number((100 * x).toPrecision(2))}%`;

/**
 * Plain-language conclusions, each computed from the measured rows. Only converged runs
 * count as limits; the others are named apart, their numbers provisional. Nothing is
 * claimed that the rows do not show: "the limit moves with the learning rate" is the
 * measured lr-sensitivity, given next to relDistToGD, not a prediction.
 */
export function conclusions(rows: readonly RunRow[], tol = DEMO_TOL): string[] {
  const out: string[] = [];
  const conv = rows.filter((r) => r.status === 'converged');
  const notConv = rows.filter((r) => r.status !== 'converged');
  out.push(`Interpolation: ${conv.length} of ${rows.length} runs reached ‖XW − Y‖/‖Y‖ ≤ ${tol}`
    + (notConv.length
      ? `; not: ${notConv.map((r) => `${r.precond} at lr ${r.lr.toPrecision(2)} (${r.status})`).join(', ')}. Those are not limits: their relDistToGD and c are provisional and left out below.`
      : ', so every preconditioner found an interpolant.'));
  const measured = conv.filter((r): r is RunRow & { relDistToGD: number; c: number } => r.relDistToGD !== null && r.c !== null);
  if (measured.length < conv.length) {
    out.push(`${conv.length - measured.length} converged run${conv.length - measured.length === 1 ? ' has' : 's have'} no reference to compare with (relDistToGD and c not applicable; see the report's referenceNote).`);
  }

  const pres = measured.filter((r) => r.preservesRowSpace);
  if (pres.length) {
    const at = pres.filter((r) => r.relDistToGD <= AT_GD_LIMIT);
    const presSens = pres.map((r) => r.lrSensitivity).filter((x): x is number => x !== null);
    const names = [...new Set(pres.map((r) => r.name))];
    out.push(`Row-space-preserving (${names.join(', ')}): ${at.length} of ${pres.length} converged runs landed on the GD limit W_GD∞ `
      + `(largest relDistToGD ${e1(Math.max(...pres.map((r) => r.relDistToGD)))}, |c − 1| ≤ ${e1(Math.max(...pres.map((r) => Math.abs(r.c - 1))))}`
      + `${presSens.length ? `, lr-sensitivity ≤ ${e1(Math.max(...presSens))}` : ''}) `
      + `${at.length === pres.length ? 'at every learning rate tried, as the theory predicts.' : '— fewer than the theory predicts; see the table.'}`);
  }

  const other = measured.filter((r) => !r.preservesRowSpace && !r.stateful);
  const byName = new Map<string, typeof other>();
  for (const r of other) byName.set(r.precond, [...(byName.get(r.precond) ?? []), r]);
  if (byName.size) {
    const away = [...byName].filter(([, rs]) => rs.every((r) => r.relDistToGD > AT_GD_LIMIT)).map(([n]) => n);
    const on = [...byName].filter(([, rs]) => rs.every((r) => r.relDistToGD <= AT_GD_LIMIT)).map(([n]) => n);
    const detail = [...byName].map(([n, rs]) => {
      const d = rs.map((r) => r.relDistToGD);
      const sens = rs[0]!.lrSensitivity;
      return `${n}: relDistToGD ${e1(Math.min(...d))}–${e1(Math.max(...d))}, c ${Math.min(...rs.map((r) => r.c)).toFixed(4)}–${Math.max(...rs.map((r) => r.c)).toFixed(4)}, `
        + `lr-sensitivity ${sens === null ? 'n/a (fewer than two converged learning rates)' : `${e1(sens)} (${pct(sens / Math.min(...d))} of its relDistToGD)`}`;
    });
    const sens = [...byName].map(([, rs]) => rs[0]!.lrSensitivity).filter((x): x is number => x !== null);
    const moved = [...byName].filter(([, rs]) => (rs[0]!.lrSensitivity ?? 0) > AT_GD_LIMIT).map(([n]) => n);
    out.push(`Elementwise / row-wise (${[...byName.keys()].join(', ')}): the theory allows a limit other than W_GD∞ (generically, not always). Measured: `
      + `${away.length} of ${byName.size} ended away from W_GD∞ at every learning rate tried${on.length ? `, ${on.length} (${on.join(', ')}) on it at every one` : ''}; `
      + (sens.length
        ? `the limit moved with the learning rate (lr-sensitivity, max ‖W∞(η₁) − W∞(η₂)‖ / ‖W_GD∞ − W0‖ over converged pairs, above ${e1(AT_GD_LIMIT)}) for ${moved.length} of ${sens.length} — `
        : 'no preconditioner had two converged learning rates, so how much the limit moves with the learning rate was not measured — ')
      + `${detail.join('; ')}.`);
  }
  return out;
}
