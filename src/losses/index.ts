/**
 * Losses ℓ(R) on the residual R = XW − Y (spec: math.md, "Losses"). Each is a
 * small named factory carrying its WASM id and parameter; the elementwise
 * formulas themselves live in assembly/losses/*.ts, with plain-JS twins in
 * src/reference/losses.ts for tests.
 */
import { DspgdError } from '../errors.js';
import { parseSpec, resolveParams, requireParam, formatSpec } from '../spec.js';

export type Reduction = 'sum' | 'mean';

export interface Loss {
  readonly name: 'squared' | 'huber' | 'logcosh' | 'lp';
  readonly params: Readonly<Record<string, number>>;
  /** The WASM loss id (assembly/losses/index.ts) and its one parameter. */
  readonly wasm: { id: number; param: number };
  /** Bound on ℓ'' (for learning-rate suggestions); undefined when there is none (lp). */
  readonly curvature?: number;
  toString(): string;
}

export const LOSS_IDS = { squared: 0, huber: 1, logcosh: 2, lp: 3 } as const;

/** The (frozen) objects the factories made: resolveLoss passes these through and rebuilds any other. */
const MADE = new WeakSet<object>();

function make(name: Loss['name'], params: Record<string, number>, param: number, curvature?: number): Loss {
  const loss: Loss = Object.freeze({
    name,
    params: Object.freeze({ ...params }),
    wasm: { id: LOSS_IDS[name], param },
    curvature,
    toString: () => formatSpec(name, params),
  });
  MADE.add(loss);
  return loss;
}

/** ½ Σ r². The loss of plain least squares. */
export function squared(opts: Record<string, never> = {}): Loss {
  resolveParams('squared', 'loss', opts, {});
  return make('squared', {}, 0, 1);
}

/** Huber: quadratic within |r| ≤ delta, linear outside. Default delta = 1. */
export function huber(opts: { delta?: number } = {}): Loss {
  const p = resolveParams('huber', 'loss', opts, { delta: 1 });
  requireParam(p.delta > 0, 'loss.delta', 'a number > 0', p.delta);
  return make('huber', p, p.delta, 1);
}

/** Σ log cosh r: smooth, quadratic near 0 and linear far out. */
export function logcosh(opts: Record<string, never> = {}): Loss {
  resolveParams('logcosh', 'loss', opts, {});
  return make('logcosh', {}, 0, 1);
}

/** (1/p) Σ |r|^p with p > 1. Default p = 3 (p = 2 is `squared`). */
export function lp(opts: { p?: number } = {}): Loss {
  const p = resolveParams('lp', 'loss', opts, { p: 3 });
  requireParam(p.p > 1, 'loss.p', 'a number > 1', p.p);
  return make('lp', p, p.p, undefined);
}

export const LOSSES = {
  squared: { factory: squared, defaults: {}, summary: '½ Σ r²' },
  huber: { factory: huber, defaults: { delta: 1 }, summary: 'Σ ½r² if |r| ≤ δ else δ|r| − ½δ²' },
  logcosh: { factory: logcosh, defaults: {}, summary: 'Σ log cosh r' },
  lp: { factory: lp, defaults: { p: 3 }, summary: '(1/p) Σ |r|^p, p > 1' },
} as const;

export const LOSS_NAMES = Object.keys(LOSSES) as Loss['name'][];

const LOSS_TABLE = LOSSES as unknown as Record<string, { factory: (o: Record<string, number>) => Loss }>;

/** A Loss from a spec string ('huber:delta=0.5') or an existing Loss. */
export function resolveLoss(spec: string | Loss | undefined, argument = 'loss'): Loss {
  if (spec === undefined) return squared();
  if (typeof spec === 'object' && spec !== null && MADE.has(spec)) return spec;
  if (typeof spec === 'object' && spec !== null && 'wasm' in spec) {
    // Rebuilt from name and params: a hand-made or edited object is validated like the string
    // form (an unknown WASM loss id would trap, a negative delta would run out of range).
    const name = (spec as Loss).name;
    const known = Object.hasOwn(LOSSES, name) ? LOSS_TABLE[name] : undefined;
    if (!known || LOSS_IDS[name as Loss['name']] !== (spec as Loss).wasm?.id) {
      throw new DspgdError('E_PARAM', `${argument}: not a built-in loss object (name ${JSON.stringify(name)}); use squared(), huber({ delta }), logcosh() or lp({ p })`, argument);
    }
    return known.factory({ ...((spec as Loss).params as Record<string, number>) });
  }
  if (typeof spec !== 'string') {
    throw new DspgdError('E_PARAM', `${argument}: expected a loss name or a loss object, got ${typeof spec}`, argument);
  }
  const { name, params } = parseSpec(spec, argument);
  const entry = Object.hasOwn(LOSSES, name) ? LOSS_TABLE[name] : undefined;
  if (!entry) {
    throw new DspgdError('E_UNKNOWN_NAME', `${argument}: unknown loss "${name}" (known: ${LOSS_NAMES.join(', ')})`, argument);
  }
  return entry.factory(params);
}

export function resolveReduction(r: unknown, argument = 'reduction'): Reduction {
  if (r === undefined) return 'sum';
  if (r === 'sum' || r === 'mean') return r;
  throw new DspgdError('E_PARAM', `${argument}: expected "sum" or "mean", got ${JSON.stringify(r)}`, argument);
}
