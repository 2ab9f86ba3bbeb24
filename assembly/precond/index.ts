// Preconditioner table: one file per ∇K/K pair, dispatched by the ids declared
// in abi.ts. params points at the packed parameters: the first is eps, c or p
// (gd takes none); the stateful ones add beta1, beta2 after eps.
import {
  PRECOND_GD as GD, PRECOND_NORMALIZED as NORMALIZED, PRECOND_CLIP as CLIP, PRECOND_POWER as POWER,
  PRECOND_COLNORM as COLNORM, PRECOND_SPECTRAL as SPECTRAL, PRECOND_ADAM as ADAM, PRECOND_SIGN as SIGN,
  PRECOND_CLIP_ELEMENTWISE as CLIP_ELEMENTWISE, PRECOND_ROWNORM as ROWNORM, PRECOND_LION as LION,
} from "../abi";
import { gdGrad, gdValue } from "./gd";
import { normalizedGrad, normalizedValue } from "./normalized";
import { clipGrad, clipValue } from "./clip";
import { powerGrad, powerValue } from "./power";
import { colnormGrad, colnormValue } from "./colnorm";
import { spectralGrad, spectralValue, spectralScratchLen } from "./spectral";
import { adamGrad, adamValue, adamMomentStep } from "./adam";
import { signGrad, signValue } from "./sign";
import { clipElementwiseGrad, clipElementwiseValue } from "./clip_elementwise";
import { rownormGrad, rownormValue } from "./rownorm";
import { lionGrad, lionValue, lionStep } from "./lion";

export { adamMomentStep } from "./adam";

/** P (d×k) = ∇K(G) for the preconditioner `id`; P must not alias G. */
export function precondGrad(id: i32, d: i32, k: i32, G: usize, P: usize, params: usize, scratch: usize): void {
  const len = d * k;
  const a = load<f64>(params);
  switch (id) {
    case GD: gdGrad(len, G, P); break;
    case NORMALIZED: normalizedGrad(len, G, P, a); break;
    case CLIP: clipGrad(len, G, P, a); break;
    case POWER: powerGrad(len, G, P, a); break;
    case COLNORM: colnormGrad(d, k, G, P, a, scratch); break;
    case SPECTRAL: spectralGrad(d, k, G, P, a, scratch); break;
    case ADAM: adamGrad(len, G, P, a); break;
    case SIGN: signGrad(len, G, P, a); break;
    case CLIP_ELEMENTWISE: clipElementwiseGrad(len, G, P, a); break;
    case ROWNORM: rownormGrad(d, k, G, P, a); break;
    case LION: lionGrad(len, G, P, a); break;
    default: unreachable();
  }
}

/** K(G) for the preconditioner `id`. */
export function precondValue(id: i32, d: i32, k: i32, G: usize, params: usize, scratch: usize): f64 {
  const len = d * k;
  const a = load<f64>(params);
  switch (id) {
    case GD: return gdValue(len, G);
    case NORMALIZED: return normalizedValue(len, G, a);
    case CLIP: return clipValue(len, G, a);
    case POWER: return powerValue(len, G, a);
    case COLNORM: return colnormValue(d, k, G, a, scratch);
    case SPECTRAL: return spectralValue(d, k, G, a, scratch);
    case ADAM: return adamValue(len, G, a);
    case SIGN: return signValue(len, G, a);
    case CLIP_ELEMENTWISE: return clipElementwiseValue(len, G, a);
    case ROWNORM: return rownormValue(d, k, G, a);
    case LION: return lionValue(len, G, a);
    default: unreachable();
  }
  return 0;
}

/** Doubles of scratch precondGrad/precondValue need for `id` at this shape. */
export function precondScratchLen(id: i32, d: i32, k: i32): i32 {
  if (id == COLNORM) return k;
  if (id == SPECTRAL) return spectralScratchLen(d, k);
  return 0;
}

/** Doubles of state precondStep keeps between calls for `id` (len = d·k): adam's m and v, lion's m. */
export function precondStateLen(id: i32, len: i32): i32 {
  if (id == ADAM) return 2 * len;
  if (id == LION) return len;
  return 0;
}

/**
 * One step t ≥ 1 of a stateful preconditioner: P (len) from G and the state S
 * (precondStateLen doubles, zero before the first step, updated in place).
 * params → [eps, beta1, beta2]. P must not alias G or S.
 */
export function precondStep(id: i32, len: i32, G: usize, S: usize, P: usize, params: usize, t: i32): void {
  const eps = load<f64>(params), beta1 = load<f64>(params, 8), beta2 = load<f64>(params, 16);
  switch (id) {
    case ADAM: adamMomentStep(len, G, S, S + (<usize>len << 3), P, beta1, beta2, eps, t); break;
    case LION: lionStep(len, G, S, P, eps, beta1, beta2); break;
    default: unreachable();
  }
}
