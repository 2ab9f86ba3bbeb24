/** User-supplied preconditioners: any ∇K written in JavaScript, with declared flags. */
import { DspgdError } from '../errors.js';
import type { Preconditioner } from './types.js';

export interface CustomOptions {
  name: string;
  /** Writes ∇K(G) into out (both d×k row-major). */
  gradK: (G: Float64Array, out: Float64Array, d: number, k: number) => void;
  /** K(G), for the Bregman trace (optional). */
  K?: (G: Float64Array, d: number, k: number) => number;
  /** Declared: K depends on ‖G‖ only. Implies preservesRowSpace. Default false. */
  isotropic?: boolean;
  /** Declared: ∇K(G) = G·M. Default false (the report then expects W∞ ≠ W_GD∞ to be possible). */
  preservesRowSpace?: boolean;
}

export function custom(opts: CustomOptions): Preconditioner {
  if (opts === null || typeof opts !== 'object') {
    throw new DspgdError('E_PARAM', 'precond: custom() expects { name, gradK, K?, isotropic?, preservesRowSpace? }', 'precond');
  }
  if (typeof opts.name !== 'string' || opts.name.trim() === '') {
    throw new DspgdError('E_PARAM', `precond.name: expected a non-empty string, got ${String(opts.name)}`, 'precond.name');
  }
  if (typeof opts.gradK !== 'function') {
    throw new DspgdError('E_PARAM', 'precond.gradK: expected a function (G, out, d, k) => void', 'precond.gradK');
  }
  if (opts.K !== undefined && typeof opts.K !== 'function') {
    throw new DspgdError('E_PARAM', 'precond.K: expected a function (G, d, k) => number', 'precond.K');
  }
  const isotropic = opts.isotropic === true;
  const name = opts.name;
  return Object.freeze({
    name,
    params: Object.freeze({}),
    isotropic,
    preservesRowSpace: isotropic || opts.preservesRowSpace === true,
    stateful: false,
    gradK: opts.gradK,
    K: opts.K,
    toString: () => name,
  });
}

/**
 * An isotropic preconditioner from a scalar function: ∇K(G) = h′(‖G‖)/‖G‖ · G
 * (0 at G = 0) and K(G) = h(‖G‖) when h is given. h must be convex with h′(0) = 0.
 */
export function isotropicFromH(opts: { name?: string; hPrime: (s: number) => number; h?: (s: number) => number }): Preconditioner {
  if (opts === null || typeof opts !== 'object' || typeof opts.hPrime !== 'function') {
    throw new DspgdError('E_PARAM', "precond.hPrime: expected a function s => h'(s)", 'precond.hPrime');
  }
  const { hPrime, h } = opts;
  if (h !== undefined && typeof h !== 'function') {
    throw new DspgdError('E_PARAM', 'precond.h: expected a function s => h(s)', 'precond.h');
  }
  return custom({
    name: opts.name ?? 'isotropic',
    isotropic: true,
    gradK: (G, out) => {
      let s2 = 0;
      for (let i = 0; i < G.length; i++) s2 += G[i] * G[i];
      const s = Math.sqrt(s2);
      const f = s > 0 ? hPrime(s) / s : 0;
      for (let i = 0; i < G.length; i++) out[i] = f * G[i];
    },
    K: h && ((G) => {
      let s2 = 0;
      for (let i = 0; i < G.length; i++) s2 += G[i] * G[i];
      return h(Math.sqrt(s2));
    }),
  });
}
