/**
 * The matrix file formats by extension (case-insensitive), without touching
 * a file: which extensions are read and written, `file.npz:NAME`, and
 * encoding a Matrix for a path. Reading files is the Node layer's
 * (node/matrix-file.ts).
 *
 *   .npy               NumPy array (parseNpy / encodeNpy)
 *   .npz               NumPy archive, one array of it: `file.npz:NAME` or
 *                      `{ member: 'NAME' }` (reading only)
 *   .csv .tsv .txt     delimited text (parseCsv / encodeCsv); .tsv is
 *                      tab-separated, .csv and .txt are auto-detected on
 *                      reading; written with ',' (.csv), tab (.tsv), ' ' (.txt)
 *   .json              nested arrays or { data, shape } (parseJsonMatrix)
 */
import { DspgdError } from '../errors.js';
import type { Matrix } from '../matrix.js';
import { encodeCsv } from './csv.js';
import { encodeJsonMatrix } from './json.js';
import { encodeNpy } from './npy.js';

export const MATRIX_READ_EXTENSIONS = ['.npy', '.npz', '.csv', '.tsv', '.txt', '.json'] as const;
export const MATRIX_WRITE_EXTENSIONS = ['.npy', '.csv', '.tsv', '.txt', '.json'] as const;
export const TEXT_EXTENSIONS = ['.csv', '.tsv', '.txt', '.json'] as const;

export interface EncodeMatrixOptions {
  /** What the file is for (e.g. '--out'): starts error messages and becomes `err.argument`. */
  argument?: string;
  /** For delimited text: a header row of column names. */
  header?: readonly string[];
}

/** The extension of the last path component, lower-cased, with its dot ('' when none), as node:path's extname. */
export function extensionOf(path: string): string {
  const base = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot).toLowerCase();
}

/**
 * Splits `file.npz:NAME` into the path and the member name. Anything else
 * (including a path whose extension is known, or a member name with a path
 * separator) is returned unchanged, without a member.
 */
export function splitNpzMember(path: string): { path: string; member?: string } {
  if ((MATRIX_READ_EXTENSIONS as readonly string[]).includes(extensionOf(path))) return { path };
  const m = /^(.+\.npz):([^/\\]+)$/is.exec(path);
  return m ? { path: m[1], member: m[2] } : { path };
}

/**
 * E_FORMAT unless `path` has an extension that can be written (checked before
 * any work, so that a bad output name fails at once).
 */
export function checkWritableExtension(path: string, argument?: string): void {
  const ext = typeof path === 'string' ? extensionOf(path) : '';
  if (!(MATRIX_WRITE_EXTENSIONS as readonly string[]).includes(ext)) throw unsupportedExtension(String(path), ext, argument, 'write');
}

/**
 * Encodes a Matrix in the format that `path`'s extension names: .npy
 * (float64, as np.save), .csv, .tsv, .txt (delimited text, exact round
 * trip), .json (exact round trip). Pass the result to writeFileAtomic.
 */
export function encodeMatrixFile(path: string, m: Matrix, options: EncodeMatrixOptions = {}): Uint8Array {
  const { argument } = options;
  checkWritableExtension(path, argument);
  const ext = extensionOf(path);
  try {
    switch (ext) {
      case '.npy':
        return encodeNpy(m);
      case '.json':
        return new TextEncoder().encode(encodeJsonMatrix(m));
      default:
        return new TextEncoder().encode(encodeCsv(m, {
          header: options.header,
          delimiter: ext === '.tsv' ? '\t' : ext === '.txt' ? ' ' : ',',
        }));
    }
  } catch (e) {
    if (e instanceof DspgdError && argument) {
      throw new DspgdError(e.code, `${argument}: ${path}: ${e.message}`, argument, { cause: e });
    }
    throw e;
  }
}

export function unsupportedExtension(file: string, ext: string, argument: string | undefined, mode: 'read' | 'write'): DspgdError {
  const list = mode === 'read'
    ? '.npy, .npz (as file.npz:NAME), .csv, .tsv, .txt, .json'
    : MATRIX_WRITE_EXTENSIONS.join(', ');
  const what = ext === '' ? 'has no file extension' : ext === '.npz' ? 'is an .npz file' : `has the unsupported extension '${ext}'`;
  const prefix = argument ? `${argument}: ` : '';
  return new DspgdError('E_FORMAT', `${prefix}${file} ${what}; can ${mode} ${list}`, argument);
}

/** UTF-8 text; invalid bytes become U+FFFD (and so fail as non-numeric cells, with their position). */
export function decodeText(bytes: Uint8Array): string {
  return new TextDecoder('utf-8').decode(bytes);
}
