/**
 * Reading and writing a matrix file whose format is chosen by its extension
 * (see ../matrix-format.ts), for the CLI's matrix arguments and outputs.
 *
 * Errors name the argument (e.g. '--X', as `err.argument` and at the start of
 * the message) and the path: E_IO for file system failures, E_FORMAT for
 * malformed content or an unsupported extension, E_PARAM for a missing or
 * unknown .npz member, E_TOO_LARGE for an array over the per-array limit
 * (refused from its header) or a text file over MAX_TEXT_BYTES.
 */
import { DspgdError } from '../../errors.js';
import type { Matrix } from '../../matrix.js';
import { parseCsv } from '../csv.js';
import { parseJsonMatrix } from '../json.js';
import {
  decodeText, encodeMatrixFile, extensionOf, splitNpzMember, unsupportedExtension, MATRIX_READ_EXTENSIONS,
  type EncodeMatrixOptions,
} from '../matrix-format.js';
import { decodeNpyFrom, npyCount, npyShape, readNpyHeader } from '../npy.js';
import { NpzArchive, type ParseNpzOptions } from '../npz.js';
import { writeFileAtomic } from './atomic.js';
import { openFile, readBytes } from './read.js';

export interface ReadMatrixOptions {
  /** The array to read from an .npz file (also given as `file.npz:NAME`). */
  member?: string;
  /** For delimited text: whether the first row is a header ('auto' by default). */
  header?: 'auto' | boolean;
  /** For .npz: limit on the declared uncompressed size of the array read (see MAX_NPZ_BYTES). */
  maxBytes?: number;
}

/** Which file, format and .npz member a matrix path names; E_PARAM / E_FORMAT when it cannot be read. */
export function resolveMatrixPath(path: string, argument: string, member?: string): { file: string; ext: string; member?: string } {
  if (typeof path !== 'string' || path === '') {
    throw new DspgdError('E_PARAM', `${argument}: expected a file path, got ${JSON.stringify(path) ?? String(path)}`, argument);
  }
  const split = splitNpzMember(path);
  if (split.member !== undefined) {
    if (member !== undefined && member !== split.member) {
      throw new DspgdError('E_PARAM', `${argument}: two array names given for ${split.path}: '${split.member}' (in the path) and '${member}'`, argument);
    }
    member = split.member;
  }
  const file = split.path;
  const ext = extensionOf(file);
  if (!(MATRIX_READ_EXTENSIONS as readonly string[]).includes(ext)) throw unsupportedExtension(file, ext, argument, 'read');
  if (member !== undefined && ext !== '.npz') {
    throw new DspgdError('E_PARAM', `${argument}: an array name ('${member}') can only be given for an .npz file, not ${file}`, argument);
  }
  return { file, ext, member };
}

/** Reads a matrix from `path`, in the format its extension names (see ../matrix-format.ts). */
export async function readMatrixFile(path: string, argument: string, options: ReadMatrixOptions = {}): Promise<Matrix> {
  const { file, ext, member } = resolveMatrixPath(path, argument, options.member);
  const label = `${argument}: ${file}`;
  switch (ext) {
    case '.npy':
      return readNpyFile(file, argument);
    case '.npz': {
      const f = openFile(file, argument);
      try {
        const archive = NpzArchive.open(f, label, argument);
        if (member === undefined || member === '') {
          const keys = archive.keys;
          const list = keys.length ? keys.map((k) => `'${k}'`).join(', ') : 'none';
          throw new DspgdError('E_PARAM', `${label}: an .npz file holds several arrays; name the one to read as ${file}:NAME (it has: ${list})`, argument);
        }
        return archive.readMatrix(archive.select([member], options.maxBytes)[0]);
      } finally {
        f.close();
      }
    }
    case '.json':
      return parseJsonMatrix(decodeText(await readBytes(file, argument)), label, { argument });
    default: // .csv .tsv .txt
      return parseCsv(decodeText(await readBytes(file, argument)), label, {
        argument,
        header: options.header,
        delimiter: ext === '.tsv' ? '\t' : 'auto',
      });
  }
}

/**
 * Reads every array of an `.npz` file (or the `members` named), streaming each
 * member from the file. `argument` (e.g. '--problem') names the error and
 * starts its message. I/O failures are E_IO, malformed content E_FORMAT.
 */
export async function readNpzFile(path: string, argument: string, options: ParseNpzOptions = {}): Promise<Map<string, Matrix>> {
  const f = openFile(path, argument);
  try {
    const archive = NpzArchive.open(f, `${argument}: ${path}`, argument);
    const out = new Map<string, Matrix>();
    for (const entry of archive.select(options.members, options.maxBytes)) out.set(entry.key, archive.readMatrix(entry));
    return out;
  } finally {
    f.close();
  }
}

/** Reads a `.npy` file (streamed; refused from its header when too large). */
export async function readNpyFile(path: string, argument: string): Promise<Matrix> {
  if (typeof path !== 'string' || path === '') {
    throw new DspgdError('E_PARAM', `${argument}: expected a file path, got ${JSON.stringify(path) ?? String(path)}`, argument);
  }
  const f = openFile(path, argument);
  try {
    const label = `${argument}: ${path}`;
    const h = readNpyHeader(f, label, argument);
    const data = new Float64Array(npyCount(h));
    decodeNpyFrom(f, h, () => data, label, argument);
    return { data, shape: npyShape(h) };
  } finally {
    f.close();
  }
}

/** encodeMatrixFile, then writeFileAtomic. */
export async function writeMatrixFile(path: string, m: Matrix, options: EncodeMatrixOptions = {}): Promise<void> {
  await writeFileAtomic(path, encodeMatrixFile(path, m, options), options.argument);
}
