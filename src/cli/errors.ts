/** How the CLI reports failures: one line on stderr, no stack trace, exit code 2. */
import { CommanderError, InvalidArgumentError } from 'commander';
import { DspgdError } from '../errors.js';

export const EXIT_OK = 0;
export const EXIT_USAGE = 2;
export const EXIT_NOT_CONVERGED = 3;

export function reportAndExit(err: unknown): never {
  if (err instanceof CommanderError) {
    // commander already printed its message (help and version exit with 0).
    process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE);
  }
  if (err instanceof DspgdError) {
    process.stderr.write(`dspgd: ${err.message}\n`);
    process.exit(EXIT_USAGE);
  }
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(`dspgd: internal error: ${msg}\n`);
  if (process.env.DSPGD_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  process.exit(1);
}

/** commander argument parsers that name what was expected. */
export function positiveNumber(value: string): number {
  const v = Number(value);
  if (value.trim() === '' || !Number.isFinite(v) || v <= 0) throw new InvalidArgumentError('expected a finite number > 0.');
  return v;
}

export function nonNegativeNumber(value: string): number {
  const v = Number(value);
  if (value.trim() === '' || !Number.isFinite(v) || v < 0) throw new InvalidArgumentError('expected a finite number ≥ 0.');
  return v;
}

/** A number in [0, 1): a relative tolerance. */
export function fraction(value: string): number {
  const v = Number(value);
  if (value.trim() === '' || !Number.isFinite(v) || v < 0 || v >= 1) throw new InvalidArgumentError('expected a number in [0, 1).');
  return v;
}

/** An integer ≥ 0, also in exponent form when its value is whole (`1e5`, `2.5e3`; not `1.5e0`). */
export function nonNegativeInt(value: string): number {
  const t = value.trim();
  const v = Number(t);
  if (!/^\d+(?:\.\d*)?(?:[eE]\+?\d+)?$/.test(t) || !Number.isSafeInteger(v)) {
    throw new InvalidArgumentError('expected an integer ≥ 0 (such as 5000 or 1e5).');
  }
  return v;
}

export function positiveInt(value: string): number {
  const v = nonNegativeInt(value);
  if (v < 1) throw new InvalidArgumentError('expected an integer ≥ 1.');
  return v;
}
