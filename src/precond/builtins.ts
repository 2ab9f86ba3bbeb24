/**
 * The built-in preconditioners as small named factories in the style of optax. Each
 * validates its parameters against its registry entry (registry.ts) and returns a
 * Preconditioner carrying its flags and its WASM id.
 */
import { resolveParams, requireParam, formatSpec } from '../spec.js';
import type { Preconditioner } from './types.js';
import { REGISTRY, BUILTIN_PRECOND_NAMES, PRECOND_IDS, defaultsOf, type BuiltinName, type RegistryEntry } from './registry.js';

export { BUILTIN_PRECOND_NAMES, PRECOND_IDS, type BuiltinName };

/** The (frozen) objects the factories made: resolvePrecond passes these through unchanged and rebuilds any other. */
const MADE = new WeakSet<object>();
export function isFactoryMade(p: unknown): boolean {
  return typeof p === 'object' && p !== null && MADE.has(p);
}

/** Validates `opts` against the entry and builds the Preconditioner. */
function make(name: BuiltinName, opts: Record<string, unknown>): Preconditioner {
  const entry: RegistryEntry = REGISTRY[name];
  const p = resolveParams(name, 'precond', opts, defaultsOf(entry));
  for (const [key, spec] of Object.entries(entry.params)) requireParam(spec.valid(p[key]), `precond.${key}`, spec.range, p[key]);
  const stateful = entry.stateful(p);
  const shown = entry.shown ? entry.shown(p) : p;
  const reason = entry.outsideTheory(p);
  const made: Preconditioner = Object.freeze({
    name,
    params: Object.freeze({ ...(stateful ? p : shown) }),
    isotropic: entry.isotropic,
    preservesRowSpace: entry.preservesRowSpace,
    stateful,
    ...(reason === undefined ? {} : { outsideTheory: reason }),
    wasm: { id: entry.id, params: new Float64Array(entry.pack(p)) },
    ...(name === 'adam' && stateful ? { adam: Object.freeze({ beta1: p.beta1, beta2: p.beta2, eps: p.eps }) } : {}),
    toString: () => formatSpec(name, shown),
  });
  MADE.add(made);
  return made;
}

/** Plain gradient descent: ∇K(G) = G, K = ½‖G‖². No parameters. */
export function gd(opts: Record<string, never> = {}): Preconditioner {
  return make('gd', opts);
}

/**
 * Normalized GD: ∇K(G) = G/√(‖G‖² + ε²). Default eps = 0.1: steps never exceed η,
 * and near the optimum it is GD with step η/ε, so it converges for η < 2ε/λmax.
 */
export function normalized(opts: { eps?: number } = {}): Preconditioner {
  return make('normalized', opts);
}

/**
 * Gradient-norm clipping: ∇K(G) = G·min(1, c/‖G‖) (G = 0 gives 0). Default c = 1:
 * GD whenever ‖G‖ ≤ 1, and steps of length at most η while the gradient is large,
 * so for data scaled to unit size only the first steps are clipped.
 */
export function clip(opts: { c?: number } = {}): Preconditioner {
  return make('clip', opts);
}

/**
 * ∇K(G) = ‖G‖^{p−2}G, K = ‖G‖^p/p. Default p = 3. p > 2 converges, but only
 * polynomially fast near the optimum (error ~ t^(−1/(p−2))); 1 < p < 2 is outside the
 * theory (∇K is not Lipschitz at 0) and stalls at a floor that shrinks with the step.
 */
export function power(opts: { p?: number } = {}): Preconditioner {
  return make('power', opts);
}

/**
 * Per-output normalization: each column g_{:,j}/√(‖g_{:,j}‖² + ε²). Default eps = 0.1,
 * as for `normalized`: each output's step is below η, and near the optimum it is
 * GD with step η/ε (Lipschitz constant 1/ε).
 */
export function colnorm(opts: { eps?: number } = {}): Preconditioner {
  return make('colnorm', opts);
}

/**
 * Spectral update: G(GᵀG + ε²I)^{−1/2}, whose singular values are σ/√(σ² + ε²) < 1:
 * the smoothed polar factor that Muon's Newton–Schulz iteration approximates (ε → 0
 * gives UVᵀ). Not Muon: no momentum, no Newton–Schulz. Default eps = 0.1, as for `normalized`: singular directions
 * with σ ≫ ε move at unit speed, and near the optimum it is GD with step η/ε.
 */
export function spectral(opts: { eps?: number } = {}): Preconditioner {
  return make('spectral', opts);
}

/**
 * Adam. With beta1 = beta2 = 0 (default) it is the stateless map g/(|g| + ε),
 * inside the dual-space theory; with beta1 or beta2 > 0 it is real Adam with
 * bias-corrected moments: stateful, and reported as outside the theory.
 * Default eps = 0.1 (near the optimum it is GD with step η/ε).
 */
export function adam(opts: { eps?: number; beta1?: number; beta2?: number } = {}): Preconditioner {
  return make('adam', opts);
}

/**
 * Smoothed sign descent: g/√(g² + ε²) elementwise. Default eps = 0.1: entries
 * with |g| ≫ 0.1 take a step of ±η (sign descent), and near the optimum it is GD
 * with step η/ε, so it converges instead of oscillating as pure sign descent does.
 */
export function sign(opts: { eps?: number } = {}): Preconditioner {
  return make('sign', opts);
}

/**
 * Elementwise clipping: clamp(g, −c, c). Default c = 1, matching `clip`: GD once
 * every entry is below 1 in magnitude, and each coordinate moves at most η per step.
 */
export function clipElementwise(opts: { c?: number } = {}): Preconditioner {
  return make('clip-elementwise', opts);
}

/**
 * Per-feature normalization: each row g_{i,:}/√(‖g_{i,:}‖² + ε²). Default eps = 0.1,
 * as for `normalized`: each feature's step is below η, and near the optimum it is
 * GD with step η/ε. It scales rows independently, so it leaves the row space of X.
 */
export function rownorm(opts: { eps?: number } = {}): Preconditioner {
  return make('rownorm', opts);
}

/**
 * Lion (Chen et al. 2023), sign smoothed as in `sign`: P = c/√(c² + ε²) elementwise with
 * c = β1·m + (1−β1)·g, then m ← β2·m + (1−β2)·g (m starts at 0; no weight decay).
 * Defaults beta1 = 0.9, beta2 = 0.99 (the paper's), eps = 0.1; with |c| ≫ ε the step is
 * Lion's ±η. Stateful and outside the theory for beta1 > 0; beta1 = 0 is `sign`.
 */
export function lion(opts: { eps?: number; beta1?: number; beta2?: number } = {}): Preconditioner {
  return make('lion', opts);
}

/** The public factory of each built-in, by name. */
const FACTORIES: { readonly [K in BuiltinName]: (opts: Record<string, number>) => Preconditioner } = {
  gd: gd as (o: Record<string, number>) => Preconditioner, normalized, clip, power, colnorm, spectral, adam, sign, 'clip-elementwise': clipElementwise, rownorm, lion,
};

export interface PrecondEntry {
  factory: (opts: Record<string, number>) => Preconditioner;
  defaults: Readonly<Record<string, number>>;
  isotropic: boolean;
  preservesRowSpace: boolean;
  summary: string;
  /** Valid range of each parameter, in words ('a number > 0'). */
  ranges: Readonly<Record<string, string>>;
  /** One line for docs and help texts. */
  doc: string;
  /** Has a row-space (n×k) form, used by path 'auto'/'rowspace'. */
  rowSpace: boolean;
}

/** Every built-in, for help texts, the demo and the web page (from the registry). */
export const PRECONDITIONERS: Readonly<Record<BuiltinName, PrecondEntry>> = Object.freeze(Object.fromEntries(
  BUILTIN_PRECOND_NAMES.map((name) => {
    const e: RegistryEntry = REGISTRY[name];
    return [name, Object.freeze({
      factory: FACTORIES[name], defaults: Object.freeze(defaultsOf(e)), isotropic: e.isotropic, preservesRowSpace: e.preservesRowSpace,
      summary: e.summary, ranges: Object.freeze(Object.fromEntries(Object.entries(e.params).map(([k, s]) => [k, s.range]))),
      doc: e.doc, rowSpace: e.rowSpaceMetric !== undefined,
    })];
  }),
)) as Record<BuiltinName, PrecondEntry>;
