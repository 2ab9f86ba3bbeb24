/**
 * NumPy `.npz` archives: a zip file whose members are `.npy` files, one per
 * array, named `<key>.npy` (`np.savez` stores them, `np.savez_compressed`
 * deflates them). The zip container is read and written by `fflate`; every
 * member is then an ordinary `.npy` file for `parseNpy`.
 *
 * Reading checks, before anything is inflated, each member's declared
 * uncompressed size against a limit (`maxBytes`, default
 * {@link MAX_NPZ_BYTES}, for the members read together) and against what its
 * compressed size could possibly expand to, so that a zip bomb fails with a
 * message instead of exhausting memory.
 *
 * After inflating, each member's CRC-32 is checked against the one in the
 * archive's central directory (fflate does not verify it), so a bit flipped
 * inside the data of a stored member is an E_FORMAT error, not silently wrong
 * numbers.
 */
import { unzipSync, zipSync, type UnzipFileInfo, type Zippable } from 'fflate';
import { DspgdError } from '../errors.js';
import type { Matrix } from '../matrix.js';
import { describeFsError } from './fs-errors.js';
import { encodeNpy, parseNpy } from './npy.js';
import { crc32 } from './crc32.js';
import { readFile } from 'node:fs/promises';

/** Default limit on the declared uncompressed size of the members read from one archive (2 GiB). */
export const MAX_NPZ_BYTES = 2 ** 31;
/**
 * DEFLATE cannot expand data by more than 1032:1 (a 258-byte match costs at
 * least two bits); a declaration beyond that is corrupt or malicious.
 */
const MAX_DEFLATE_RATIO = 1032;
/** Zip without Zip64 (fflate writes none) keeps sizes and offsets in 32 bits. */
const ZIP32_LIMIT = 0xffffffff;
/** A fixed timestamp (in local time, as zip stores it) makes the encoder's output reproducible. */
const ZIP_MTIME = new Date(1980, 0, 1, 0, 0, 0);

const ZIP_MAGIC = [0x50, 0x4b]; // "PK"
const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

export interface ParseNpzOptions {
  /** Read only these members (keys without `.npy`); every other member is listed but not inflated. */
  members?: readonly string[];
  /** Limit on the total declared uncompressed size of the members read, in bytes (default {@link MAX_NPZ_BYTES}). */
  maxBytes?: number;
  /** What the error is about (`err.argument`); defaults to `name`. */
  argument?: string;
}

export interface EncodeNpzOptions {
  /** Deflate the members, as `np.savez_compressed` (default false: stored, as `np.savez`). */
  compress?: boolean;
}

/**
 * Parses the bytes of an `.npz` archive into a Map from each member's key
 * (its name without `.npy`) to a row-major float64 Matrix, in archive order.
 * `name` starts every error message; errors are `DspgdError('E_FORMAT', …, name)`.
 * With `members`, only those are read; a key that is not in the archive is an
 * E_PARAM error listing the keys that are.
 */
export function parseNpz(bytes: Uint8Array, name: string, options: ParseNpzOptions = {}): Map<string, Matrix> {
  return decodeNpz(bytes, name, options.argument ?? name, options);
}

/** The keys of an archive's members (names without `.npy`), in archive order, without inflating anything. */
export function listNpz(bytes: Uint8Array, name: string, options: Pick<ParseNpzOptions, 'argument'> = {}): string[] {
  return scan(bytes, name, options.argument ?? name, { members: [] }).keys;
}

/**
 * Reads and parses an `.npz` file. `argument` (e.g. '--X') names the error
 * and starts its message. I/O failures are E_IO, malformed content E_FORMAT.
 */
export async function readNpzFile(path: string, argument: string, options: ParseNpzOptions = {}): Promise<Map<string, Matrix>> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new DspgdError('E_IO', `${argument}: cannot read ${path}: ${describeFsError(e)}`, argument, { cause: e });
  }
  return decodeNpz(bytes, `${argument}: ${path}`, argument, options);
}

/**
 * Encodes arrays as an `.npz` archive that `np.load` reads: one member
 * `<key>.npy` per entry (written by `encodeNpy`, float64), stored or, with
 * `compress`, deflated. The output is reproducible (fixed timestamps).
 */
export function encodeNpz(arrays: Record<string, Matrix> | ReadonlyMap<string, Matrix>, options: EncodeNpzOptions = {}): Uint8Array {
  const entries = arrays instanceof Map ? [...arrays.entries()] : Object.entries(arrays ?? {});
  const files: Zippable = {};
  let total = 0;
  for (const [key, m] of entries) {
    if (typeof key !== 'string' || key === '' || key.includes('\0') || key.endsWith('/')) {
      throw new DspgdError('E_PARAM', `encodeNpz: invalid array name ${JSON.stringify(key)} (expected a non-empty name without NUL or a trailing '/')`);
    }
    const member = `${key}.npy`;
    if (Object.prototype.hasOwnProperty.call(files, member)) {
      throw new DspgdError('E_PARAM', `encodeNpz: duplicate array name ${JSON.stringify(key)}`);
    }
    let npy: Uint8Array;
    try {
      npy = encodeNpy(m);
    } catch (e) {
      if (e instanceof DspgdError) throw new DspgdError(e.code, `${e.message} (array ${JSON.stringify(key)})`, e.argument, { cause: e });
      throw e;
    }
    total += npy.length + 2 * (member.length + 46);
    if (npy.length >= ZIP32_LIMIT || total >= ZIP32_LIMIT) {
      throw new DspgdError('E_TOO_LARGE', `encodeNpz: the archive would exceed 4 GiB, which needs Zip64 (not written); array ${JSON.stringify(key)}`);
    }
    files[member] = [npy, { level: options.compress ? 6 : 0, mtime: ZIP_MTIME }];
  }
  return zipSync(files);
}

// ---------------------------------------------------------------------------

interface Scan {
  keys: string[];
  /** Member file name by key, for the members to read. */
  wanted: Map<string, UnzipFileInfo>;
  files: Record<string, Uint8Array>;
}

function decodeNpz(bytes: Uint8Array, label: string, argument: string, options: ParseNpzOptions): Map<string, Matrix> {
  const { keys, wanted, files } = scan(bytes, label, argument, options);
  const order = options.members ? options.members : keys;
  const crcs = centralDirectoryCrcs(bytes);
  const out = new Map<string, Matrix>();
  for (const key of order) {
    const info = wanted.get(key)!;
    const data = files[info.name];
    if (!data || data.length !== info.originalSize) {
      throw fail(label, argument, `member ${quote(info.name)} is corrupt: it declares ${info.originalSize} bytes uncompressed, got ${data ? data.length : 'none'}`);
    }
    const expected = crcs.get(info.name);
    if (expected === undefined) {
      throw fail(label, argument, `member ${quote(info.name)} is not listed in the archive's central directory (damaged archive)`);
    }
    const actual = crc32(data);
    if (actual !== expected) {
      throw fail(label, argument, `member ${quote(info.name)} is corrupt: its CRC-32 is ${hex8(actual)}, the archive says ${hex8(expected)}`);
    }
    try {
      out.set(key, parseNpy(data, `${label}: member ${quote(info.name)}`));
    } catch (e) {
      // parseNpy makes its label the error's argument; keep the caller's.
      if (e instanceof DspgdError) throw new DspgdError(e.code, e.message, argument, { cause: e.cause });
      throw e;
    }
  }
  return out;
}

function scan(bytes: Uint8Array, label: string, argument: string, options: ParseNpzOptions): Scan {
  if (!(bytes instanceof Uint8Array)) throw fail(label, argument, `expected the bytes of an .npz file, got ${typeof bytes}`);
  const maxBytes = options.maxBytes ?? MAX_NPZ_BYTES;
  const want = options.members ? new Set(options.members) : undefined;
  const keys: string[] = [];
  const byKey = new Map<string, string>();
  const wanted = new Map<string, UnzipFileInfo>();
  let declared = 0;

  const filter = (info: UnzipFileInfo): boolean => {
    const member = info.name;
    if (member.endsWith('/') && info.originalSize === 0) return false; // a directory entry
    if (!/\.npy$/i.test(member) || member.length === 4) {
      throw fail(label, argument, `member ${quote(member)} is not a .npy file (an .npz archive holds only <name>.npy members)`);
    }
    const key = member.slice(0, -4);
    const other = byKey.get(key);
    if (other !== undefined) {
      throw fail(label, argument, other === member
        ? `duplicate member ${quote(member)}`
        : `members ${quote(other)} and ${quote(member)} both give the array name ${quote(key)}`);
    }
    byKey.set(key, member);
    keys.push(key);
    if (want && !want.has(key)) return false;

    const { size, originalSize, compression } = info;
    if (compression !== 0 && compression !== 8) {
      throw fail(label, argument, `member ${quote(member)} uses zip compression method ${compression}; only stored (0) and deflate (8) are supported`);
    }
    if (compression === 0 && size !== originalSize) {
      throw fail(label, argument, `member ${quote(member)} is stored uncompressed but declares ${size} compressed and ${originalSize} uncompressed bytes`);
    }
    if (compression === 8 && originalSize > size * MAX_DEFLATE_RATIO + 1024) {
      throw fail(label, argument, `member ${quote(member)} declares ${originalSize} bytes uncompressed from ${size} compressed bytes, more than deflate can produce (corrupt, or a zip bomb)`);
    }
    declared += originalSize;
    if (declared > maxBytes) {
      throw fail(label, argument, `member ${quote(member)} is too large: it declares ${originalSize} bytes uncompressed`
        + `${declared > originalSize ? ` (${declared} bytes with the members before it)` : ''}, over the limit of ${maxBytes} bytes`);
    }
    wanted.set(key, info);
    return true;
  };

  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, { filter });
  } catch (e) {
    if (e instanceof DspgdError) throw e;
    if (keys.length === 0 || (e as { code?: unknown }).code === 13) {
      throw fail(label, argument, `not a valid .npz file (not a zip archive${hint(bytes)})`, e);
    }
    const last = byKey.get(keys[keys.length - 1])!;
    throw fail(label, argument, `member ${quote(last)} cannot be decompressed: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  if (want) {
    for (const key of want) {
      if (!wanted.has(key)) {
        const list = keys.length ? keys.map(quote).join(', ') : 'none';
        throw new DspgdError('E_PARAM', `${label}: no array ${quote(key)} in the archive (it has: ${list})`, argument);
      }
    }
  }
  return { keys, wanted, files };
}

/**
 * Member name → CRC-32 from the central directory (the record fflate itself
 * trusts for names and sizes). Empty when there is no end-of-central-directory
 * record; fflate has then already refused the archive.
 */
function centralDirectoryCrcs(bytes: Uint8Array): Map<string, number> {
  const out = new Map<string, number>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // The end record is 22 bytes plus a comment of at most 65535 bytes.
  let eocd = -1;
  for (let i = bytes.length - 22; i >= 0 && i >= bytes.length - 22 - 65535; i--) {
    if (view.getUint32(i, true) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) return out;
  const count = view.getUint16(eocd + 10, true);
  let p = view.getUint32(eocd + 16, true);
  const decoder = new TextDecoder();
  for (let e = 0; e < count; e++) {
    if (p + 46 > bytes.length || view.getUint32(p, true) !== 0x02014b50) break;
    const crc = view.getUint32(p + 16, true);
    const nameLen = view.getUint16(p + 28, true), extraLen = view.getUint16(p + 30, true), commentLen = view.getUint16(p + 32, true);
    if (p + 46 + nameLen > bytes.length) break;
    // fflate decodes names as UTF-8 when flag bit 11 is set and as latin-1 otherwise; match it.
    const raw = bytes.subarray(p + 46, p + 46 + nameLen);
    const utf8 = (view.getUint16(p + 8, true) & 0x800) !== 0;
    const name = utf8 ? decoder.decode(raw) : String.fromCharCode(...raw);
    out.set(name, crc);
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

function hex8(v: number): string {
  return `0x${v.toString(16).padStart(8, '0')}`;
}

function hint(bytes: Uint8Array): string {
  if (bytes.length === 0) return ': the file is empty';
  if (NPY_MAGIC.every((b, i) => bytes[i] === b)) return ': it is a .npy file';
  if (ZIP_MAGIC.every((b, i) => bytes[i] === b)) return ': damaged or truncated';
  return '';
}

function quote(s: string): string {
  return `'${s.replace(/[\\']/g, '\\$&')}'`;
}

function fail(label: string, argument: string, problem: string, cause?: unknown): DspgdError {
  return new DspgdError('E_FORMAT', `${label}: ${problem}`, argument, cause === undefined ? undefined : { cause });
}
