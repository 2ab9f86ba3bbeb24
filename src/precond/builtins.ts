/**
 * The built-in preconditioners (spec: math.md, "Preconditioners"): small
 * named factories in the style of optax. Each validates its parameters and
 * returns a Preconditioner carrying its flags and its WASM id; the kernels
 * are in assembly/precond/<name>.ts, plain-JS twins in src/reference/precond.ts.
 */
import { resolveParams, requireParam, formatSpec } from '../spec.js';
import type { Preconditioner } from './types.js';

/** Ids shared with assembly/precond/index.ts. */
export const PRECOND_IDS = {
  gd: 0, normalized: 1, clip: 2, power: 3, colnorm: 4, spectral: 5, adam: 6, sign: 7, 'clip-elementwise': 8, rownorm: 9,
} as const;
export type BuiltinName = keyof typeof PRECOND_IDS;

function builtin(
  name: BuiltinName,
  params: Record<string, number>,
  flags: { isotropic: boolean; preservesRowSpace: boolean },
  wasmParam = 0,
  extra: Partial<Preconditioner> = {},
): Preconditioner {
  return made(Object.freeze({
    name,
    params: Object.freeze({ ...params }),
    isotropic: flags.isotropic,
    preservesRowSpace: flags.preservesRowSpace,
    stateful: false,
    wasm: { id: PRECOND_IDS[name], params: new Float64Array([wasmParam]) },
    toString: () => formatSpec(name, params),
    ...extra,
  }));
}

/** The (frozen) objects the factories made: resolvePrecond passes these through unchanged and rebuilds any other. */
const MADE = new WeakSet<object>();
function made(p: Preconditioner): Preconditioner {
  MADE.add(p);
  return p;
}
export function isFactoryMade(p: unknown): boolean {
  return typeof p === 'object' && p !== null && MADE.has(p);
}

const positive = (v: number, arg: string) => requireParam(v > 0, arg, 'a number > 0', v);
const ISO = { isotropic: true, preservesRowSpace: true };
const ROW = { isotropic: false, preservesRowSpace: true };
const NONE = { isotropic: false, preservesRowSpace: false };

/** Plain gradient descent: ∇K(G) = G, K = ½‖G‖². No parameters. */
export function gd(opts: Record<string, never> = {}): Preconditioner {
  resolveParams('gd', 'precond', opts, {});
  return builtin('gd', {}, ISO);
}

/**
 * Normalized GD: ∇K(G) = G/√(‖G‖² + ε²). Default eps = 0.1: steps never exceed η,
 * and near the optimum it is GD with step η/ε, so it converges for η < 2ε/λmax.
 */
export function normalized(opts: { eps?: number } = {}): Preconditioner {
  const p = resolveParams('normalized', 'precond', opts, { eps: 0.1 });
  positive(p.eps, 'precond.eps');
  return builtin('normalized', p, ISO, p.eps);
}

/**
 * Gradient-norm clipping: ∇K(G) = G·min(1, c/‖G‖) (G = 0 gives 0). Default c = 1:
 * GD whenever ‖G‖ ≤ 1, and steps of length at most η while the gradient is large,
 * so for data scaled to unit size only the first steps are clipped.
 */
export function clip(opts: { c?: number } = {}): Preconditioner {
  const p = resolveParams('clip', 'precond', opts, { c: 1 });
  positive(p.c, 'precond.c');
  return builtin('clip', p, ISO, p.c);
}

/**
 * ∇K(G) = ‖G‖^{p−2}G, K = ‖G‖^p/p. Default p = 3. p > 2 converges, but only
 * polynomially fast near the optimum (error ~ t^(−1/(p−2))); p < 2 overshoots there.
 */
export function power(opts: { p?: number } = {}): Preconditioner {
  const p = resolveParams('power', 'precond', opts, { p: 3 });
  requireParam(p.p > 1, 'precond.p', 'a number > 1', p.p);
  return builtin('power', p, ISO, p.p);
}

/**
 * Per-output normalization: each column g_{:,j}/√(‖g_{:,j}‖² + ε²). Default eps = 0.1,
 * as for `normalized`: each output's step is below η, and near the optimum it is
 * GD with step η/ε (Lipschitz constant 1/ε).
 */
export function colnorm(opts: { eps?: number } = {}): Preconditioner {
  const p = resolveParams('colnorm', 'precond', opts, { eps: 0.1 });
  positive(p.eps, 'precond.eps');
  return builtin('colnorm', p, ROW, p.eps);
}

/**
 * Spectral update: G(GᵀG + ε²I)^{−1/2}, whose singular values are σ/√(σ² + ε²) < 1:
 * the smoothed polar factor that Muon's Newton–Schulz iteration approximates (ε → 0
 * gives UVᵀ). Not Muon: no momentum, no Newton–Schulz. Default eps = 0.1, as for `normalized`: singular directions
 * with σ ≫ ε move at unit speed, and near the optimum it is GD with step η/ε.
 */
export function spectral(opts: { eps?: number } = {}): Preconditioner {
  const p = resolveParams('spectral', 'precond', opts, { eps: 0.1 });
  positive(p.eps, 'precond.eps');
  return builtin('spectral', p, ROW, p.eps);
}

/**
 * Adam. With beta1 = beta2 = 0 (default) it is the stateless map g/(|g| + ε),
 * inside the dual-space theory; with beta1 or beta2 > 0 it is real Adam with
 * bias-corrected moments: stateful, and reported as outside the theory.
 * Default eps = 0.1 (near the optimum it is GD with step η/ε).
 */
export function adam(opts: { eps?: number; beta1?: number; beta2?: number } = {}): Preconditioner {
  const p = resolveParams('adam', 'precond', opts, { eps: 0.1, beta1: 0, beta2: 0 });
  positive(p.eps, 'precond.eps');
  requireParam(p.beta1 >= 0 && p.beta1 < 1, 'precond.beta1', 'a number in [0, 1)', p.beta1);
  requireParam(p.beta2 >= 0 && p.beta2 < 1, 'precond.beta2', 'a number in [0, 1)', p.beta2);
  const stateful = p.beta1 > 0 || p.beta2 > 0;
  const shown = stateful ? p : { eps: p.eps };
  return builtin('adam', shown, NONE, p.eps, stateful
    ? { stateful: true, adam: Object.freeze({ beta1: p.beta1, beta2: p.beta2, eps: p.eps }), params: Object.freeze({ ...p }) }
    : {});
}

/**
 * Smoothed sign descent: g/√(g² + ε²) elementwise. Default eps = 0.1: entries
 * with |g| ≫ 0.1 take a step of ±η (sign descent), and near the optimum it is GD
 * with step η/ε, so it converges instead of oscillating as pure sign descent does.
 */
export function sign(opts: { eps?: number } = {}): Preconditioner {
  const p = resolveParams('sign', 'precond', opts, { eps: 0.1 });
  positive(p.eps, 'precond.eps');
  return builtin('sign', p, NONE, p.eps);
}

/**
 * Elementwise clipping: clamp(g, −c, c). Default c = 1, matching `clip`: GD once
 * every entry is below 1 in magnitude, and each coordinate moves at most η per step.
 */
export function clipElementwise(opts: { c?: number } = {}): Preconditioner {
  const p = resolveParams('clip-elementwise', 'precond', opts, { c: 1 });
  positive(p.c, 'precond.c');
  return builtin('clip-elementwise', p, NONE, p.c);
}

/**
 * Per-feature normalization: each row g_{i,:}/√(‖g_{i,:}‖² + ε²). Default eps = 0.1,
 * as for `normalized`: each feature's step is below η, and near the optimum it is
 * GD with step η/ε. It scales rows independently, so it leaves the row space of X.
 */
export function rownorm(opts: { eps?: number } = {}): Preconditioner {
  const p = resolveParams('rownorm', 'precond', opts, { eps: 0.1 });
  positive(p.eps, 'precond.eps');
  return builtin('rownorm', p, NONE, p.eps);
}

export interface PrecondEntry {
  factory: (opts: Record<string, number>) => Preconditioner;
  defaults: Readonly<Record<string, number>>;
  isotropic: boolean;
  preservesRowSpace: boolean;
  summary: string;
}

/** Every built-in, for help texts, the demo and the web page. */
export const PRECONDITIONERS: Readonly<Record<BuiltinName, PrecondEntry>> = {
  gd: { factory: gd as PrecondEntry['factory'], defaults: {}, ...ISO, summary: 'G' },
  normalized: { factory: normalized, defaults: { eps: 0.1 }, ...ISO, summary: 'G / √(‖G‖² + ε²)' },
  clip: { factory: clip, defaults: { c: 1 }, ...ISO, summary: 'G · min(1, c/‖G‖)' },
  power: { factory: power, defaults: { p: 3 }, ...ISO, summary: '‖G‖^{p−2} G' },
  colnorm: { factory: colnorm, defaults: { eps: 0.1 }, ...ROW, summary: 'each column g_{:,j} / √(‖g_{:,j}‖² + ε²)' },
  spectral: { factory: spectral, defaults: { eps: 0.1 }, ...ROW, summary: 'G (GᵀG + ε²I)^{−1/2}' },
  adam: { factory: adam, defaults: { eps: 0.1, beta1: 0, beta2: 0 }, ...NONE, summary: 'g / (|g| + ε) elementwise; real Adam with beta1/beta2 > 0' },
  sign: { factory: sign, defaults: { eps: 0.1 }, ...NONE, summary: 'g / √(g² + ε²) elementwise' },
  'clip-elementwise': { factory: clipElementwise, defaults: { c: 1 }, ...NONE, summary: 'clamp(g, −c, c) elementwise' },
  rownorm: { factory: rownorm, defaults: { eps: 0.1 }, ...NONE, summary: 'each row g_{i,:} / √(‖g_{i,:}‖² + ε²)' },
};

export const BUILTIN_PRECOND_NAMES = Object.keys(PRECONDITIONERS) as BuiltinName[];
