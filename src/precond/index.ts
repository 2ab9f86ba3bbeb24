/**
 * Preconditioners ∇K: the built-in table, custom ones, and the resolver that
 * turns 'adam:eps=0.05,beta1=0.9' (API, CLI, web page) into a Preconditioner.
 */
import { DspgdError } from '../errors.js';
import { parseSpec } from '../spec.js';
import { PRECONDITIONERS, BUILTIN_PRECOND_NAMES, PRECOND_IDS, isFactoryMade, type BuiltinName } from './builtins.js';
import type { Preconditioner } from './types.js';

export type { Preconditioner } from './types.js';
export {
  gd, normalized, clip, power, colnorm, spectral, adam, sign, clipElementwise, rownorm, lion,
  PRECONDITIONERS, BUILTIN_PRECOND_NAMES, PRECOND_IDS, type BuiltinName, type PrecondEntry,
} from './builtins.js';
export { custom, isotropicFromH, type CustomOptions } from './custom.js';

export function resolvePrecond(spec: string | Preconditioner, argument = 'precond'): Preconditioner {
  if (spec !== null && typeof spec === 'object' && typeof (spec as Preconditioner).name === 'string'
    && ((spec as Preconditioner).wasm !== undefined || typeof (spec as Preconditioner).gradK === 'function')) {
    const p = spec as Preconditioner;
    if (p.wasm === undefined || isFactoryMade(p)) return p;
    // A built-in object reaches the WASM dispatch by id with its packed parameter: rebuild it from
    // its name and params, so a hand-made or edited object ({ ...adam(), params: { eps: -1 } }, an
    // unknown id) is validated like the string form instead of trapping or running out of range.
    const entry = Object.hasOwn(PRECONDITIONERS, p.name) ? PRECONDITIONERS[p.name as BuiltinName] : undefined;
    if (!entry || PRECOND_IDS[p.name as BuiltinName] !== p.wasm.id) {
      throw new DspgdError('E_PARAM', `${argument}: not a built-in preconditioner object (name ${JSON.stringify(p.name)}, wasm id ${String(p.wasm?.id)}); use a factory such as adam({ eps: 0.05 }) or custom({ name, gradK })`, argument);
    }
    return rethrowAs(argument, () => entry.factory({ ...(p.params as Record<string, number>) }));
  }
  if (typeof spec !== 'string') {
    throw new DspgdError('E_PARAM', `${argument}: expected a preconditioner name such as 'adam:eps=0.05' or a factory object such as adam({ eps: 0.05 }), got ${spec === null ? 'null' : typeof spec}`, argument);
  }
  const { name, params } = parseSpec(spec, argument);
  // Own keys only: 'constructor' or 'tostring' must be unknown names, not Object.prototype members.
  const entry = Object.hasOwn(PRECONDITIONERS, name) ? PRECONDITIONERS[name as BuiltinName] : undefined;
  if (!entry) {
    throw new DspgdError('E_UNKNOWN_NAME', `${argument}: unknown preconditioner "${name}" (known: ${BUILTIN_PRECOND_NAMES.join(', ')})`, argument);
  }
  return rethrowAs(argument, () => entry.factory(params));
}

function rethrowAs(argument: string, make: () => Preconditioner): Preconditioner {
  try {
    return make();
  } catch (e) {
    // Factories name 'precond.<key>'; on the command line the argument is '--precond'.
    if (e instanceof DspgdError && argument !== 'precond' && e.argument?.startsWith('precond')) {
      const arg = argument + e.argument.slice('precond'.length);
      throw new DspgdError(e.code, e.message.replace(/^precond/, argument), arg, { cause: e });
    }
    throw e;
  }
}
