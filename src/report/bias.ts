/**
 * The implicit-bias report as text (the computation is core: src/bias/report.ts).
 * Undefined ratios (null) are shown as "n/a" (the summary says why); runs that
 * did not converge have their ratios marked provisional.
 */
import type { BiasReport } from '../bias/report.js';

/** A number of the report as text: 'n/a' for null (not applicable), else `show(x)`. */
export function orNa(x: number | null, show: (x: number) => string): string {
  return x === null ? 'n/a' : Number.isFinite(x) ? show(x) : String(x);
}

/** The report in a few terminal lines (relDistToGD and c, the space split, rank, the summary). */
export function biasLines(b: BiasReport, problem: { n: number; d: number }): string[] {
  const mark = b.provisional ? '   (provisional: the run did not converge)' : '';
  return [
    `relDistToGD   ${orNa(b.relDistToGD, (x) => x.toExponential(3))}   c ${orNa(b.c, (x) => x.toPrecision(6))}${mark}`,
    `row/null      ${b.rowspaceNorm.toExponential(3)} / ${b.nullspaceNorm.toExponential(3)}   rank ${b.rank} of n=${problem.n}, d=${problem.d}`
      + ` (σ_i > ${b.rankTolerance.toPrecision(3)}·σ_1)${b.overparameterized ? '' : ' (not overparameterized)'}`,
    // n ≥ d: say what the limit is before the summary compares with it.
    ...(b.overparameterized ? [] : ['n ≥ d         no interpolation theory: a converged run ends at a minimizer of ℓ (squared loss, row-space-preserving K: the least-squares solution closest to W0)']),
    b.theory.summary,
  ];
}
