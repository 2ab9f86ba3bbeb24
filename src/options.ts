/**
 * What the API, `dspgd solve` and `dspgd sweep` share about options: the
 * default values (one object, so the CLI's help and the API cannot drift
 * apart) and the check that an options object holds only known keys, so a
 * typo such as `tolerance` is an error that names `tol` instead of a setting
 * silently left at its default.
 */
import { DspgdError } from './errors.js';
import type { GridOptions } from './experiment.js';

/** Defaults of solve(), solveBatch() and runGrid(), and of the CLI's solve and sweep. */
export const DEFAULTS = Object.freeze({
  /** Iteration budget per run. */
  maxIter: 10_000,
  /** Converged when ‖XW − Y‖/‖Y‖ ≤ tol. */
  tol: 1e-10,
  /** Converged when ‖G‖ ≤ gradTol; 0 is off. */
  gradTol: 0,
  /**
   * When no interpolant exists (Y − XW0 outside the range of X, e.g. n > d): converged when
   * ‖G_t‖/‖G_0‖ ≤ gradRelTol, at a minimizer of ℓ; 0 is off.
   */
  gradRelTol: 1e-10,
  /** Stalled when the best relResidual fell by less than minDecrease (relative) over window iterations. */
  stallWindow: 2000,
  stallMinDecrease: 1e-3,
  /** Diverged when relResidual exceeds this multiple of its start (Infinity: never by growth). */
  divergenceFactor: 1e6,
  callbackEvery: 100,
  yieldEveryMs: 25,
});

/** Levenshtein distance (insertions, deletions, substitutions), case-insensitive. */
export function editDistance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/**
 * The allowed name closest to `name`: the smallest edit distance, or a name
 * that one is a prefix of the other (`tolerance` → `tol`, `maxIters` →
 * `maxIter`); undefined when nothing is reasonably close.
 */
export function closestName(name: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  const lower = name.toLowerCase();
  for (const a of allowed) {
    const al = a.toLowerCase();
    const prefix = al.length >= 2 && (lower.startsWith(al) || al.startsWith(lower));
    const dist = editDistance(name, a);
    // A shared prefix counts as close as a single typo.
    const score = prefix ? Math.min(dist, 1) : dist;
    if (score < bestScore) {
      bestScore = score;
      best = a;
    }
  }
  return best !== undefined && bestScore <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** Names people bring from other libraries, for what dspgd calls otherwise. */
const SYNONYMS: Record<string, string> = {
  learningrate: 'lr', learning_rate: 'lr', stepsize: 'lr', step_size: 'lr', eta: 'lr',
  tolerance: 'tol', maxiterations: 'maxIter', max_iterations: 'maxIter', iterations: 'maxIter', epochs: 'maxIter',
  preconditioner: 'precond', optimizer: 'precond', lossfn: 'loss', objective: 'loss', epsilon: 'eps',
};

/** ' (did you mean `tol`?)', or '' when no allowed name is close. */
export function didYouMean(name: string, allowed: readonly string[]): string {
  const synonym = SYNONYMS[name.toLowerCase()];
  const c = synonym !== undefined && allowed.includes(synonym) ? synonym : closestName(name, allowed);
  return c === undefined ? '' : ` (did you mean \`${c}\`?)`;
}

/**
 * Throws E_PARAM for the first own key of `options` that is not in `allowed`
 * (keys whose value is undefined are ignored, as the defaults apply to them).
 * `where` is how the object is named in messages ('options', 'runs[2]').
 */
export function checkOptionKeys(options: object, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(options)) {
    if (allowed.includes(key) || (options as Record<string, unknown>)[key] === undefined) continue;
    throw new DspgdError('E_PARAM',
      `${where}: unknown option \`${key}\`${didYouMean(key, allowed)}; the options are ${allowed.join(', ')}`,
      where === 'options' ? key : `${where}.${key}`);
  }
}

/** Every key of runGrid's options (checked here and before they cross to a worker). */
export const GRID_OPTION_KEYS = [
  'preconds', 'lrs', 'loss', 'reduction', 'tol', 'maxIter', 'stall', 'signal', 'onRun', 'onProgress', 'batch', 'jobs',
] as const satisfies readonly (keyof GridOptions)[];
type MissingGridKey = Exclude<keyof GridOptions, (typeof GRID_OPTION_KEYS)[number]>;
const allGridKeysListed: [MissingGridKey] extends [never] ? true : MissingGridKey = true;
void allGridKeysListed;
