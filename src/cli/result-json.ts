/** The machine-readable form of a SolveResult (result.json, --json). */
import type { SolveResult } from '../solve.js';

export function resultToJson(r: SolveResult): Record<string, unknown> {
  const b = r.bias;
  return {
    status: r.status,
    message: r.message,
    iterations: r.iterations,
    loss: r.loss,
    relResidual: r.relResidual,
    gradNorm: r.gradNorm,
    timeMs: r.timeMs,
    lr: r.lr,
    path: r.path,
    threads: r.threads,
    precond: {
      name: r.precond.name,
      spec: r.precond.spec,
      params: r.precond.params,
      isotropic: r.precond.isotropic,
      preservesRowSpace: r.precond.preservesRowSpace,
      stateful: r.precond.stateful,
    },
    lossFunction: r.objective,
    problem: r.problem,
    bias: b && {
      reference: b.reference,
      referenceNote: b.referenceNote,
      relDistToGD: num(b.relDistToGD),
      c: num(b.c),
      distToGD: num(b.distToGD),
      provisional: b.provisional,
      gdNorm: b.gdNorm,
      rowspaceNorm: b.rowspaceNorm,
      nullspaceNorm: b.nullspaceNorm,
      rank: b.rank,
      rankTolerance: b.rankTolerance,
      overparameterized: b.overparameterized,
      interpolationExists: b.interpolationExists,
      w0Interpolates: b.w0Interpolates,
      gdLimitRelResidual: b.gdLimitRelResidual,
      theory: b.theory,
    },
    ...(r.divergedAt !== undefined ? { divergedAt: r.divergedAt, suggestedLr: r.suggestedLr } : {}),
    ...(r.advice !== undefined ? { advice: { ...r.advice, decadesPer1000: num(r.advice.decadesPer1000) } } : {}),
  };
}

/** JSON has no Infinity/NaN: write them as strings so the file stays valid JSON (null, not applicable, stays null). */
function num(x: number | null): number | string | null {
  return x === null || Number.isFinite(x) ? x : String(x);
}
