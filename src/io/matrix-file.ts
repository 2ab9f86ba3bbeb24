/**
 * Reading and writing a matrix file whose format is chosen by its extension
 * (case-insensitive), for the CLI's matrix arguments and outputs:
 *
 *   .npy               NumPy array (parseNpy / encodeNpy)
 *   .npz               NumPy archive, one array of it: `file.npz:NAME` or
 *                      `{ member: 'NAME' }` (reading only)
 *   .csv .tsv .txt     delimited text (parseCsv / encodeCsv); .tsv is
 *                      tab-separated, .csv and .txt are auto-detected on
 *                      reading; written with ',' (.csv), tab (.tsv), ' ' (.txt)
 *   .json              nested arrays or { data, shape } (parseJsonMatrix)
 *
 * Errors name the argument (e.g. '--X', as `err.argument` and at the start of
 * the message) and the path: E_IO for file system failures, E_FORMAT for
 * malformed content or an unsupported extension, E_PARAM for a missing or
 * unknown .npz member.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { DspgdError } from '../errors.js';
import type { Matrix } from '../matrix.js';
import { writeFileAtomic } from './atomic.js';
import { encodeCsv, parseCsv } from './csv.js';
import { describeFsError } from './fs-errors.js';
import { encodeJsonMatrix, parseJsonMatrix } from './json.js';
import { encodeNpy, readNpyFile } from './npy.js';
import { listNpz, parseNpz } from './npz.js';

export const MATRIX_READ_EXTENSIONS = ['.npy', '.npz', '.csv', '.tsv', '.txt', '.json'] as const;
export const MATRIX_WRITE_EXTENSIONS = ['.npy', '.csv', '.tsv', '.txt', '.json'] as const;

export interface ReadMatrixOptions {
  /** The array to read from an .npz file (also given as `file.npz:NAME`). */
  member?: string;
  /** For delimited text: whether the first row is a header ('auto' by default). */
  header?: 'auto' | boolean;
  /** For delimited text: told when a pandas index column was dropped (parseCsv's onNote). */
  onNote?: (message: string) => void;
  /** For .npz: limit on the declared uncompressed size of the array read (see MAX_NPZ_BYTES). */
  maxBytes?: number;
}

export interface EncodeMatrixOptions {
  /** What the file is for (e.g. '--out'): starts error messages and becomes `err.argument`. */
  argument?: string;
  /** For delimited text: a header row of column names. */
  header?: readonly string[];
}

/**
 * Splits `file.npz:NAME` into the path and the member name. Anything else
 * (including a path whose extension is known, or a member name with a path
 * separator) is returned unchanged, without a member.
 */
export function splitNpzMember(path: string): { path: string; member?: string } {
  if (knownExtension(path, MATRIX_READ_EXTENSIONS)) return { path };
  const m = /^(.+\.npz):([^/\\]+)$/is.exec(path);
  return m ? { path: m[1], member: m[2] } : { path };
}

/** Reads a matrix from `path`, in the format its extension names (see the module comment). */
export async function readMatrixFile(path: string, argument: string, options: ReadMatrixOptions = {}): Promise<Matrix> {
  if (typeof path !== 'string' || path === '') {
    throw new DspgdError('E_PARAM', `${argument}: expected a file path, got ${JSON.stringify(path) ?? String(path)}`, argument);
  }
  const split = splitNpzMember(path);
  let member = options.member;
  if (split.member !== undefined) {
    if (member !== undefined && member !== split.member) {
      throw new DspgdError('E_PARAM', `${argument}: two array names given for ${split.path}: '${split.member}' (in the path) and '${member}'`, argument);
    }
    member = split.member;
  }
  const file = split.path;
  const ext = extname(file).toLowerCase();
  if (!(MATRIX_READ_EXTENSIONS as readonly string[]).includes(ext)) throw unsupported(file, ext, argument, 'read');
  if (member !== undefined && ext !== '.npz') {
    throw new DspgdError('E_PARAM', `${argument}: an array name ('${member}') can only be given for an .npz file, not ${file}`, argument);
  }

  if (ext === '.npy') return readNpyFile(file, argument);

  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new DspgdError('E_IO', `${argument}: cannot read ${file}: ${describeFsError(e)}`, argument, { cause: e });
  }
  const label = `${argument}: ${file}`;

  switch (ext) {
    case '.npz': {
      if (member === undefined || member === '') {
        const keys = listNpz(bytes, label, { argument });
        const list = keys.length ? keys.map((k) => `'${k}'`).join(', ') : 'none';
        throw new DspgdError('E_PARAM', `${label}: an .npz file holds several arrays; name the one to read as ${file}:NAME (it has: ${list})`, argument);
      }
      return parseNpz(bytes, label, { argument, members: [member], maxBytes: options.maxBytes }).get(member)!;
    }
    case '.json':
      return parseJsonMatrix(decodeText(bytes), label, { argument });
    default: // .csv .tsv .txt
      return parseCsv(decodeText(bytes), label, {
        argument,
        header: options.header,
        delimiter: ext === '.tsv' ? '\t' : 'auto',
        onNote: options.onNote,
      });
  }
}

/**
 * Encodes a Matrix in the format that `path`'s extension names: .npy
 * (float64, as np.save), .csv, .tsv, .txt (delimited text, exact round
 * trip), .json (exact round trip). Pass the result to writeFileAtomic.
 */
export function encodeMatrixFile(path: string, m: Matrix, options: EncodeMatrixOptions = {}): Uint8Array {
  const { argument } = options;
  const ext = typeof path === 'string' ? extname(path).toLowerCase() : '';
  if (!(MATRIX_WRITE_EXTENSIONS as readonly string[]).includes(ext)) throw unsupported(String(path), ext, argument, 'write');
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

/** encodeMatrixFile, then writeFileAtomic. */
export async function writeMatrixFile(path: string, m: Matrix, options: EncodeMatrixOptions = {}): Promise<void> {
  await writeFileAtomic(path, encodeMatrixFile(path, m, options), options.argument);
}

// ---------------------------------------------------------------------------

function knownExtension(path: string, list: readonly string[]): boolean {
  return list.includes(extname(path).toLowerCase());
}

function unsupported(file: string, ext: string, argument: string | undefined, mode: 'read' | 'write'): DspgdError {
  const list = mode === 'read'
    ? '.npy, .npz (as file.npz:NAME), .csv, .tsv, .txt, .json'
    : MATRIX_WRITE_EXTENSIONS.join(', ');
  const what = ext === '' ? 'has no file extension' : ext === '.npz' ? 'is an .npz file' : `has the unsupported extension '${ext}'`;
  const prefix = argument ? `${argument}: ` : '';
  return new DspgdError('E_FORMAT', `${prefix}${file} ${what}; can ${mode} ${list}`, argument);
}

/** UTF-8 text; invalid bytes become U+FFFD (and so fail as non-numeric cells, with their position). */
function decodeText(bytes: Uint8Array): string {
  return new TextDecoder('utf-8').decode(bytes);
}
