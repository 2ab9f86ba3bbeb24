/**
 * Options to and from their wire form. Preconditioners and losses cross as
 * spec strings: the worker rebuilds the very same objects from them, and a
 * custom preconditioner (JavaScript functions) cannot cross at all.
 */
import { DspgdError } from '../errors.js';
import { resolvePrecond, type Preconditioner } from '../precond/index.js';
import { resolveLoss, type Loss } from '../losses/index.js';
import type { SolveOptions } from '../solve.js';
import type { GridOptions } from '../experiment.js';
import { checkOptionKeys, GRID_OPTION_KEYS } from '../options.js';
import { parseLr } from '../lr-spec.js';
import type { Response, WireGridOptions, WireSolveOptions } from './protocol.js';

export function precondSpec(p: string | Preconditioner, argument: string): string {
  const resolved = resolvePrecond(p, argument);
  if (resolved.wasm === undefined) {
    throw new DspgdError('E_PARAM',
      `${argument}: custom preconditioner '${resolved.name}' carries JavaScript functions and cannot run in a worker; call solve() in this thread for it`,
      argument);
  }
  return resolved.toString();
}

function lossSpec(l: string | Loss | undefined, argument: string): string | undefined {
  return l === undefined ? undefined : resolveLoss(l, argument).toString();
}

export function toWireOptions(o: SolveOptions, argument = 'options'): WireSolveOptions {
  if (o === null || typeof o !== 'object') {
    throw new DspgdError('E_PARAM', `${argument}: expected solve options { precond, lr, … }`, argument);
  }
  // signal and callback stay on this side: the runner maps them to cancel messages and progress events.
  const { precond, loss, signal: _signal, callback: _callback, ...rest } = o;
  return { ...rest, precond: precondSpec(precond, `${argument}.precond`), loss: lossSpec(loss, `${argument}.loss`) };
}

export function toWireGrid(o: Omit<GridOptions, 'signal' | 'onRun' | 'onProgress'>): WireGridOptions {
  // Only the keys below cross: check here, or a misspelt one would vanish on the way.
  checkOptionKeys(o, GRID_OPTION_KEYS, 'options');
  return {
    preconds: o.preconds.map((p, i) => precondSpec(p, `preconds[${i}]`)),
    lrs: o.lrs.map((l, i) => (typeof l === 'string' ? parseLr(l, `lrs[${i}]`) : l)),
    loss: lossSpec(o.loss, 'loss'),
    reduction: o.reduction, tol: o.tol, maxIter: o.maxIter, stall: o.stall, batch: o.batch,
  };
}

type WireError = Extract<Response, { type: 'error' }>['error'];

export function errorToWire(e: unknown): WireError {
  if (e instanceof DspgdError) return { code: e.code, message: e.message, argument: e.argument, name: e.name };
  if (e instanceof Error) return { message: e.message, name: e.name };
  return { message: String(e) };
}

/** DspgdErrors come back as DspgdErrors (same code and argument); anything else as E_THREAD. */
export function errorFromWire(w: WireError): DspgdError {
  if (w.code) return new DspgdError(w.code, w.message, w.argument);
  return new DspgdError('E_THREAD', `worker: ${w.name ? `${w.name}: ` : ''}${w.message}`, 'worker');
}
