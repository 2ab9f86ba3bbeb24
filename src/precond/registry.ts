/**
 * The built-in preconditioners, one entry each (spec: math.md, "Preconditioners"): name,
 * WASM id (assembly/abi.ts; checked when the module loads), parameters with defaults and
 * valid ranges, flags, the Lipschitz bound behind lr 'auto', row-space support and the
 * docs line. The factories (builtins.ts), lr.ts, the CLI help, the web page and the
 * README's table all read from here; the kernels are assembly/precond/<name>.ts and the
 * plain-JS twins src/reference/precond.ts.
 */

export interface ParamSpec {
  readonly default: number;
  /** The valid range in the words of the error message: 'a number > 0'. */
  readonly range: string;
  readonly valid: (v: number) => boolean;
}

/** Resolved parameters of one entry (every key present). */
export type Params = Readonly<Record<string, number>>;

export interface RegistryEntry {
  /** WASM id: the module's PRECOND_<NAME> global. */
  readonly id: number;
  readonly params: Readonly<Record<string, ParamSpec>>;
  /** K(G) = h(‖G‖) for a convex h. */
  readonly isotropic: boolean;
  /** ∇K(G) = G·M: updates stay in the row space of X. */
  readonly preservesRowSpace: boolean;
  /** Carries state between iterations for these parameters (stepped by precondStep in WASM). */
  readonly stateful: (p: Params) => boolean;
  /** Why these parameters are outside the dual-space theory; undefined inside it. */
  readonly outsideTheory: (p: Params) => string | undefined;
  /**
   * The constant L in lr 'auto' = 1/(L·λmax(XᵀX)·curvature(ℓ)): a Lipschitz bound of ∇K
   * where one exists (then the step is stable from W0), else a documented substitute (autoLr).
   * g0 = ‖∇_W ℓ‖ at W0, rms0 = g0/√(dk).
   */
  readonly lipschitz: (p: Params, start: { g0: number; rms0: number }) => number;
  /** What lr 'auto' guarantees for these parameters, in one sentence. */
  readonly autoLr: (p: Params) => string;
  /** The row-space path's gramMetric id (assembly/rowspace/metric.ts), if it has one. */
  readonly rowSpaceMetric?: number;
  /** ∇K(G), in one line. */
  readonly summary: string;
  /** One line for the README's table: what it is and what its default does. */
  readonly doc: string;
  /** The parameters in the order the WASM kernels read them (precondGrad reads the first). */
  readonly pack: (p: Params) => number[];
  /** The parameters a spec string shows (default: all). */
  readonly shown?: (p: Params) => Params;
}

const positive = (d: number): ParamSpec => ({ default: d, range: 'a number > 0', valid: (v) => v > 0 });
const beta = (d: number): ParamSpec => ({ default: d, range: 'a number in [0, 1)', valid: (v) => v >= 0 && v < 1 });

const STABLE = 'a step below 1/(L·λmax(XᵀX)·sup ℓ″) with L the Lipschitz constant of ∇K: stable from W0, and inside the theory the iterates converge';
const inside = () => undefined;
const stable = () => STABLE;
const overEps = (p: Params) => 1 / p.eps;
const noState = () => false;

const POWER_P_BELOW_2 = '∇K = ‖G‖^{p−2}G is not Lipschitz at 0 for p < 2: at a fixed lr the residual stalls at a floor that shrinks like lr^{1/(2−p)}';
const REAL_ADAM = 'stateful (real Adam with moments): outside the dual-space theory';

export const REGISTRY = {
  gd: {
    id: 0, params: {}, isotropic: true, preservesRowSpace: true, stateful: noState, outsideTheory: inside,
    lipschitz: () => 1, autoLr: stable, rowSpaceMetric: 0, pack: () => [0],
    summary: 'G', doc: 'plain gradient descent; K = ½‖G‖²',
  },
  normalized: {
    id: 1, params: { eps: positive(0.1) }, isotropic: true, preservesRowSpace: true, stateful: noState, outsideTheory: inside,
    lipschitz: overEps, autoLr: stable, rowSpaceMetric: 1, pack: (p) => [p.eps],
    summary: 'G / √(‖G‖² + ε²)', doc: 'normalized GD: steps never exceed η; near the optimum GD with step η/ε',
  },
  clip: {
    id: 2, params: { c: positive(1) }, isotropic: true, preservesRowSpace: true, stateful: noState, outsideTheory: inside,
    lipschitz: () => 1, autoLr: stable, rowSpaceMetric: 2, pack: (p) => [p.c],
    summary: 'G · min(1, c/‖G‖)', doc: 'gradient-norm clipping: GD once ‖G‖ ≤ c, steps of length ≤ η·c before',
  },
  power: {
    id: 3, params: { p: { default: 3, range: 'a number > 1', valid: (v) => v > 1 } },
    isotropic: true, preservesRowSpace: true, stateful: noState,
    outsideTheory: (p) => (p.p < 2 ? POWER_P_BELOW_2 : undefined),
    // ∇K = ‖G‖^{p−2}G has Jacobian eigenvalues ‖G‖^{p−2} and (p−1)‖G‖^{p−2}. For p ≥ 2 the larger,
    // (p−1)‖G‖^{p−2}, is largest at the start. For p < 2 it grows without bound as G → 0: no
    // Lipschitz bound exists, and 'auto' takes the GD step (L = 1).
    lipschitz: (p, s) => (p.p >= 2 ? (p.p - 1) * Math.max(s.g0, 1e-300) ** (p.p - 2) : 1),
    autoLr: (p) => (p.p >= 2 ? STABLE : 'no Lipschitz bound exists for p < 2 (∇K is not Lipschitz at 0): the step is the GD step (L = 1), and the residual stalls at a floor that shrinks like lr^{1/(2−p)}'),
    rowSpaceMetric: 3, pack: (p) => [p.p],
    summary: '‖G‖^{p−2} G', doc: 'K = ‖G‖^p/p; p > 2 converges polynomially near the optimum; 1 < p < 2 is outside the theory (stalls at a floor)',
  },
  colnorm: {
    id: 4, params: { eps: positive(0.1) }, isotropic: false, preservesRowSpace: true, stateful: noState, outsideTheory: inside,
    lipschitz: overEps, autoLr: stable, rowSpaceMetric: 4, pack: (p) => [p.eps],
    summary: 'each column g_{:,j} / √(‖g_{:,j}‖² + ε²)', doc: 'per-output normalization: each output\'s step below η',
  },
  spectral: {
    id: 5, params: { eps: positive(0.1) }, isotropic: false, preservesRowSpace: true, stateful: noState, outsideTheory: inside,
    lipschitz: overEps, autoLr: stable, rowSpaceMetric: 5, pack: (p) => [p.eps],
    summary: 'G (GᵀG + ε²I)^{−1/2}', doc: 'the smoothed polar factor U diag(σ/√(σ² + ε²)) Vᵀ that Muon\'s Newton–Schulz approximates (no momentum)',
  },
  adam: {
    id: 6, params: { eps: positive(0.1), beta1: beta(0), beta2: beta(0) }, isotropic: false, preservesRowSpace: false,
    stateful: (p) => p.beta1 > 0 || p.beta2 > 0,
    outsideTheory: (p) => (p.beta1 > 0 || p.beta2 > 0 ? REAL_ADAM : undefined),
    // Stateless: g/(|g| + ε) has slope 1/ε at 0. Real Adam's step m̂/(√v̂ + ε) divides by √v̂ ≈ |g|,
    // not by ε: its first step is ≈ sign(g), a GD step with rate 1/(ε + |g|) per entry. The
    // entries' RMS stands for |g|, so the first steps move like GD at 1/λmax whatever ε is.
    lipschitz: (p, s) => (p.beta1 > 0 || p.beta2 > 0 ? 1 / (p.eps + s.rms0) : 1 / p.eps),
    autoLr: (p) => (p.beta1 > 0 || p.beta2 > 0
      ? 'real Adam has no Lipschitz bound (its step divides by √v̂, not ε): the step makes the first iterations move like GD at 1/λmax(XᵀX), using the gradient\'s RMS at W0 for √v̂; convergence at a fixed lr is not promised'
      : STABLE),
    pack: (p) => [p.eps, p.beta1, p.beta2],
    shown: (p) => (p.beta1 > 0 || p.beta2 > 0 ? p : { eps: p.eps }),
    summary: 'g / (|g| + ε) elementwise; real Adam with beta1/beta2 > 0',
    doc: 'stateless g/(|g| + ε) by default; beta1/beta2 > 0 is real Adam (bias-corrected moments, stateful, outside the theory)',
  },
  sign: {
    id: 7, params: { eps: positive(0.1) }, isotropic: false, preservesRowSpace: false, stateful: noState, outsideTheory: inside,
    lipschitz: overEps, autoLr: stable, pack: (p) => [p.eps],
    summary: 'g / √(g² + ε²) elementwise', doc: 'smoothed sign descent: ±η per entry while |g| ≫ ε, GD with step η/ε near the optimum',
  },
  'clip-elementwise': {
    id: 8, params: { c: positive(1) }, isotropic: false, preservesRowSpace: false, stateful: noState, outsideTheory: inside,
    lipschitz: () => 1, autoLr: stable, pack: (p) => [p.c],
    summary: 'clamp(g, −c, c) elementwise', doc: 'elementwise clipping: each coordinate moves at most η·c per step',
  },
  rownorm: {
    id: 9, params: { eps: positive(0.1) }, isotropic: false, preservesRowSpace: false, stateful: noState, outsideTheory: inside,
    lipschitz: overEps, autoLr: stable, pack: (p) => [p.eps],
    summary: 'each row g_{i,:} / √(‖g_{i,:}‖² + ε²)', doc: 'per-feature normalization: leaves the row space of X',
  },
  lion: {
    id: 10, params: { eps: positive(0.1), beta1: beta(0.9), beta2: beta(0.99) }, isotropic: false, preservesRowSpace: false,
    stateful: (p) => p.beta1 > 0,
    outsideTheory: (p) => (p.beta1 > 0 ? 'stateful (Lion steps on a momentum mix β1·m + (1−β1)·g, not on ∇K of the current gradient): outside the dual-space theory' : undefined),
    // The smoothed sign has slope 1/ε at 0, as `sign`; with β1 > 0 the step follows the momentum
    // mix, which that bound does not cover.
    lipschitz: overEps,
    autoLr: (p) => (p.beta1 > 0
      ? 'Lion has no Lipschitz bound as a map of the current gradient (it steps on a momentum mix): the step is that of its stateless form, 1/ε-Lipschitz, which keeps the first steps stable; convergence at a fixed lr is not promised'
      : STABLE),
    pack: (p) => [p.eps, p.beta1, p.beta2],
    summary: 'c / √(c² + ε²) elementwise, c = β1·m + (1−β1)·g; then m ← β2·m + (1−β2)·g',
    doc: 'Lion (Chen et al. 2023) with the sign smoothed as in `sign` (ε → 0: Lion\'s sign); stateful and outside the theory for beta1 > 0; beta1 = 0 is `sign`',
  },
} as const satisfies Record<string, RegistryEntry>;

export type BuiltinName = keyof typeof REGISTRY;
export const BUILTIN_PRECOND_NAMES = Object.keys(REGISTRY) as BuiltinName[];

/** Ids shared with assembly/abi.ts (PRECOND_<NAME>). */
export const PRECOND_IDS = Object.freeze(Object.fromEntries(BUILTIN_PRECOND_NAMES.map((n) => [n, REGISTRY[n].id]))) as {
  readonly [K in BuiltinName]: (typeof REGISTRY)[K]['id'];
};

export const registryEntry = (name: BuiltinName): RegistryEntry => REGISTRY[name];

/** The default parameters of an entry. */
export function defaultsOf(e: RegistryEntry): Record<string, number> {
  return Object.fromEntries(Object.entries(e.params).map(([k, s]) => [k, s.default]));
}
