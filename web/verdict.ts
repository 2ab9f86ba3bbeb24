/** The theory column of the demo's table. */
import type { SolveResult } from '../src/solve.js';
import { AT_GD_LIMIT } from '../src/bias/report.js';

const STATUS_WORDS: Record<string, string> = { aborted: 'cancelled', 'max-iter': 'max iterations', 'time-limit': 'time limit' };

/**
 * What the theory says about this run, in the cell itself. Says less than the theory where it
 * is not certain: no verdict for a run that is not a limit, none where there is no interpolant
 * (n > d generically) or the method is outside the theory (then only what was measured).
 */
export function verdict(r: SolveResult): string {
  const b = r.bias!;
  if (r.status !== 'converged') return `not converged (${STATUS_WORDS[r.status] ?? r.status})`;
  if (b.reference === 'w0') return 'W0 already interpolates';
  if (!b.interpolationExists) return 'no interpolant: theory does not apply';
  if (b.reference === 'none' || b.relDistToGD === null) return 'no reference to compare with';
  const side = b.relDistToGD <= AT_GD_LIMIT ? 'on' : 'off';
  if (!b.theory.applies) return `outside the theory (${b.flags.stateful ? 'stateful' : 'see details'}): measured ${side} W_GD∞`;
  if (b.rank === r.problem.d) return `${side} W_GD∞, the only interpolant (rank X = d)`;
  if (b.theory.predictsGdLimit) return side === 'on' ? 'on W_GD∞, as predicted' : 'off W_GD∞, predicted on it (tighten tol?)';
  // The theory allows another limit here, generically but not always: say what was measured.
  return `${side} W_GD∞ (allowed)`;
}
