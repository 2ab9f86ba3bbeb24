/**
 * The `NAME[:key=value,...]` syntax shared by the API, the CLI and the web page,
 * e.g. 'adam:eps=0.05,beta1=0.9' or 'huber:delta=1'.
 */
import { DspgdError } from './errors.js';
import { didYouMean } from './options.js';

export interface ParsedSpec {
  name: string;
  params: Record<string, number>;
}

export function parseSpec(text: string, argument: string): ParsedSpec {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new DspgdError('E_PARAM', `${argument}: expected NAME[:key=value,...], got ${JSON.stringify(text)}`, argument);
  }
  const colon = text.indexOf(':');
  const name = (colon < 0 ? text : text.slice(0, colon)).trim().toLowerCase();
  if (name === '') {
    throw new DspgdError('E_PARAM', `${argument}: expected NAME[:key=value,...], got ${JSON.stringify(text)} (no name)`, argument);
  }
  const params: Record<string, number> = {};
  if (colon >= 0) {
    const rest = text.slice(colon + 1).trim();
    if (rest !== '') {
      for (const part of rest.split(',')) {
        const eq = part.indexOf('=');
        const key = (eq < 0 ? '' : part.slice(0, eq)).trim();
        const raw = (eq < 0 ? '' : part.slice(eq + 1)).trim();
        if (key === '' || raw === '') {
          throw new DspgdError('E_PARAM', `${argument}: expected key=value in ${JSON.stringify(text)}, got ${JSON.stringify(part)}`, argument);
        }
        const value = Number(raw);
        if (!Number.isFinite(value)) {
          throw new DspgdError('E_PARAM', `${argument}: parameter ${key} must be a finite number, got ${JSON.stringify(raw)}`, `${argument}.${key}`);
        }
        if (Object.hasOwn(params, key)) {
          throw new DspgdError('E_PARAM', `${argument}: parameter ${key} given twice in ${JSON.stringify(text)}`, `${argument}.${key}`);
        }
        params[key] = value;
      }
    }
  }
  return { name, params };
}

/** Formats a spec back into the string form, parameters in the given order. */
export function formatSpec(name: string, params: Record<string, number>): string {
  const keys = Object.keys(params);
  return keys.length === 0 ? name : `${name}:${keys.map((k) => `${k}=${params[k]}`).join(',')}`;
}

/**
 * Checks a parameter record against the allowed keys and fills defaults.
 * Unknown keys are errors: a typo must not silently fall back to a default.
 */
export function resolveParams(
  owner: string,
  argument: string,
  given: Record<string, unknown> | undefined,
  defaults: Record<string, number>,
): Record<string, number> {
  const out: Record<string, number> = { ...defaults };
  if (given !== undefined && given !== null && (typeof given !== 'object' || Array.isArray(given))) {
    throw new DspgdError('E_PARAM', `${argument}: ${owner} expects its parameters as an object such as { ${Object.keys(defaults)[0] ?? ''} }, got ${Array.isArray(given) ? 'an array' : typeof given}`, argument);
  }
  for (const [key, value] of Object.entries(given ?? {})) {
    if (value === undefined) continue;
    if (!Object.hasOwn(defaults, key)) {
      const allowed = Object.keys(defaults);
      throw new DspgdError('E_UNKNOWN_NAME',
        `${argument}: ${owner} has no parameter "${key}"${didYouMean(key, allowed)} (${allowed.length ? `allowed: ${allowed.join(', ')}` : 'it takes none'})`,
        `${argument}.${key}`);
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new DspgdError('E_PARAM', `${argument}.${key}: expected a finite number, got ${String(value)}`, `${argument}.${key}`);
    }
    out[key] = value;
  }
  return out;
}

/** Throws E_PARAM unless `ok`; message names the argument and what was expected. */
export function requireParam(ok: boolean, argument: string, expected: string, got: unknown): void {
  if (!ok) throw new DspgdError('E_PARAM', `${argument}: expected ${expected}, got ${String(got)}`, argument);
}
