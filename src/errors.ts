/**
 * Every error dspgd raises on bad input is a DspgdError with a stable `code`,
 * so scripts and the CLI can branch on the kind of problem rather than on text.
 */
export type DspgdErrorCode =
  | 'E_SHAPE'          // shapes do not agree, or a shape is malformed
  | 'E_EMPTY'          // an array with no elements
  | 'E_NONFINITE'      // NaN or ±Infinity in the input data
  | 'E_PARAM'          // an option or a parameter is out of range or of the wrong type
  | 'E_UNKNOWN_NAME'   // an unknown loss or preconditioner name, or an unknown parameter key
  | 'E_TOO_LARGE'      // the problem cannot fit in WASM memory (checked before allocating)
  | 'E_FORMAT'         // a file is malformed (npy header, dtype, truncated data)
  | 'E_IO'             // a file could not be read or written
  | 'E_DISPOSED'       // a disposed problem was used
  | 'E_CALLBACK'       // a user-supplied function threw or returned something invalid
  | 'E_THREAD';        // a worker thread failed (could not start, or trapped)

export class DspgdError extends Error {
  readonly code: DspgdErrorCode;
  /** The argument the error is about, e.g. 'X', 'lr', 'precond.eps', '--max-iter'. */
  readonly argument?: string;

  constructor(code: DspgdErrorCode, message: string, argument?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DspgdError';
    this.code = code;
    this.argument = argument;
  }
}

export function isDspgdError(e: unknown): e is DspgdError {
  return e instanceof DspgdError;
}
