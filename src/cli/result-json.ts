/** The machine-readable form of a SolveResult (result.json, --json). */
import type { SolveResult } from '../solve.js';
// JSON has no Infinity/NaN: every number that can be non-finite is written as the file convention says.
import { jsonNumber as num } from '../io/json.js';

export function resultToJson(r: SolveResult): Record<string, unknown> {
  const b = r.bias;
  return {
    status: r.status,
    message: r.message,
    iterations: r.iterations,
    loss: num(r.loss),
    relResidual: num(r.relResidual),
    gradNorm: num(r.gradNorm),
    timeMs: r.timeMs,
    lr: r.lr,
    path: r.path,
    threads: r.threads,
    kernel: r.kernel,
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
      referenceNorm: b.referenceNorm,
      rowspaceNorm: b.rowspaceNorm,
      nullspaceNorm: b.nullspaceNorm,
      rank: b.rank,
      rankTolerance: b.rankTolerance,
      overparameterized: b.overparameterized,
      interpolationExists: b.interpolationExists,
      w0Interpolates: b.w0Interpolates,
      gdLimitRelResidual: b.gdLimitRelResidual,
      theory: b.theory,
      ...(b.path ? {
        path: {
          gdNorm: b.path.gdNorm,
          iteration: Array.from(b.path.iteration),
          rowDistance: Array.from(b.path.rowDistance, num),
          nullPart: Array.from(b.path.nullPart, num),
        },
      } : {}),
    },
    ...(r.divergedAt !== undefined ? { divergedAt: r.divergedAt, suggestedLr: r.suggestedLr } : {}),
    ...(r.advice !== undefined ? { advice: { ...r.advice, decadesPer1000: num(r.advice.decadesPer1000) } } : {}),
  };
}

