/**
 * NumPy `.npz` archives: a zip file whose members are `.npy` files, one per
 * array, named `<key>.npy` (`np.savez` stores them, `np.savez_compressed`
 * deflates them). Written with fflate's `zipSync`; read through a ByteSource
 * (bytes in memory or, from the Node file layer, a file read in pieces).
 *
 * Reading refuses a zip bomb from its declared sizes before inflating
 * anything: each member's declared uncompressed size against what its
 * compressed size could possibly expand to, against one array's worth
 * ({@link MAX_NPZ_MEMBER_BYTES}) and, for the members read together, against
 * `maxBytes` (default {@link MAX_NPZ_BYTES}); then the member's `.npy` header,
 * read from its first inflated bytes, against the per-array limit. Inflating
 * is streamed with a hard cap at the declared size, and converted to float64
 * piece by piece into the caller's destination (WASM memory for a problem),
 * so no inflated copy of the member is ever held whole.
 *
 * Each member's CRC-32 is checked against the one in the archive's central
 * directory, so a bit flipped inside the data of a stored member is an
 * E_FORMAT error, not silently wrong numbers.
 */
import { Inflate, zipSync, type Zippable } from 'fflate';
import { DspgdError } from '../errors.js';
import type { Matrix } from '../matrix.js';
import {
  checkNpySize, encodeNpy, npyCount, npyShape, parseNpyHeader, MAX_ARRAY_BYTES, MAX_HEADER_SIZE, NpyDecoder, type NpyHeader,
} from './npy.js';
import { crc32 } from './crc32.js';
import { bytesSource, READ_BLOCK, type ByteSource } from './source.js';

/** The largest `.npy` member read: one array at the per-array limit, plus its header. */
export const MAX_NPZ_MEMBER_BYTES = MAX_ARRAY_BYTES + 12 + MAX_HEADER_SIZE;
/**
 * Default limit on the declared uncompressed size of the members read from
 * one archive together (4 GiB: the members end up in one WASM memory, which
 * addresses no more). Each member is also limited to one array's worth
 * ({@link MAX_NPZ_MEMBER_BYTES}).
 */
export const MAX_NPZ_BYTES = 2 ** 32;
/**
 * DEFLATE cannot expand data by more than 1032:1 (a 258-byte match costs at
 * least two bits); a declaration beyond that is corrupt or malicious.
 */
const MAX_DEFLATE_RATIO = 1032;
/** Zip without Zip64 (fflate writes none) keeps sizes and offsets in 32 bits. */
const ZIP32_LIMIT = 0xffffffff;
/** A fixed timestamp (in local time, as zip stores it) makes the encoder's output reproducible. */
const ZIP_MTIME = new Date(1980, 0, 1, 0, 0, 0);
/**
 * Compressed bytes pushed to the inflater at a time: at most 1032 times this
 * comes out of one push, so the hard cap on a member's size is checked every
 * ~16 MiB of output at worst.
 */
const INFLATE_PIECE = 1 << 14;

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
  if (!(bytes instanceof Uint8Array)) throw fail(name, options.argument ?? name, `expected the bytes of an .npz file, got ${typeof bytes}`);
  const archive = NpzArchive.open(bytesSource(bytes), name, options.argument ?? name);
  const out = new Map<string, Matrix>();
  for (const entry of archive.select(options.members, options.maxBytes)) out.set(entry.key, archive.readMatrix(entry));
  return out;
}

/** The keys of an archive's members (names without `.npy`), in archive order, without inflating anything. */
export function listNpz(bytes: Uint8Array, name: string, options: Pick<ParseNpzOptions, 'argument'> = {}): string[] {
  if (!(bytes instanceof Uint8Array)) throw fail(name, options.argument ?? name, `expected the bytes of an .npz file, got ${typeof bytes}`);
  return NpzArchive.open(bytesSource(bytes), name, options.argument ?? name).keys;
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
    if (Object.hasOwn(files, member)) {
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

/** One member of an archive, as its central directory entry describes it. */
export interface NpzEntry {
  /** The array name: the member name without `.npy`. */
  key: string;
  /** The member's file name in the archive. */
  name: string;
  /** 0 stored, 8 deflate. */
  compression: number;
  compressedSize: number;
  /** The declared uncompressed size. */
  size: number;
  crc: number;
  localOffset: number;
}

/**
 * An `.npz` archive read through a ByteSource: the central directory is read
 * when it is opened (names, declared sizes, CRCs); a member's bytes are read,
 * inflated and decoded in pieces only by {@link NpzArchive.decode}, under a
 * hard cap of the size it declares.
 */
export class NpzArchive {
  private constructor(
    private readonly src: ByteSource,
    readonly label: string,
    readonly argument: string,
    readonly entries: NpzEntry[],
  ) {}

  /** The array names, in archive order. */
  get keys(): string[] {
    return this.entries.map((e) => e.key);
  }

  /** Reads the central directory. E_FORMAT when `src` is not a zip archive of `<name>.npy` members. */
  static open(src: ByteSource, label: string, argument: string): NpzArchive {
    return new NpzArchive(src, label, argument, readCentralDirectory(src, label, argument));
  }

  /**
   * The entries of `members` (all when undefined), in that order, after the
   * checks that need no inflating: each exists (else E_PARAM), uses a supported
   * method, declares sizes deflate can produce, and the members together stay
   * within `maxBytes` (default {@link MAX_NPZ_BYTES}) and each within one
   * array's worth (E_TOO_LARGE).
   */
  select(members?: readonly string[], maxBytes = MAX_NPZ_BYTES): NpzEntry[] {
    const { label, argument } = this;
    const byKey = new Map(this.entries.map((e) => [e.key, e]));
    if (members) {
      for (const key of members) {
        if (!byKey.has(key)) {
          const list = this.entries.length ? this.entries.map((e) => quote(e.key)).join(', ') : 'none';
          throw new DspgdError('E_PARAM', `${label}: no array ${quote(key)} in the archive (it has: ${list})`, argument);
        }
      }
    }
    const want = members ? new Set(members) : undefined;
    let declared = 0;
    for (const e of this.entries) {
      if (want && !want.has(e.key)) continue;
      const { name, size, compressedSize, compression } = e;
      if (compression !== 0 && compression !== 8) {
        throw fail(label, argument, `member ${quote(name)} uses zip compression method ${compression}; only stored (0) and deflate (8) are supported`);
      }
      if (compression === 0 && compressedSize !== size) {
        throw fail(label, argument, `member ${quote(name)} is stored uncompressed but declares ${compressedSize} compressed and ${size} uncompressed bytes`);
      }
      if (compression === 8 && size > compressedSize * MAX_DEFLATE_RATIO + 1024) {
        throw fail(label, argument, `member ${quote(name)} declares ${size} bytes uncompressed from ${compressedSize} compressed bytes, more than deflate can produce (corrupt, or a zip bomb)`);
      }
      declared += size;
      if (declared > maxBytes) {
        throw new DspgdError('E_TOO_LARGE', `${label}: member ${quote(name)} is too large: it declares ${size} bytes uncompressed`
          + `${declared > size ? ` (${declared} bytes with the members before it)` : ''}, over the limit of ${maxBytes} bytes`, argument);
      }
      if (size > MAX_NPZ_MEMBER_BYTES) {
        throw new DspgdError('E_TOO_LARGE', `${label}: member ${quote(name)} is too large: it declares ${size} bytes uncompressed, over the limit of ${MAX_NPZ_MEMBER_BYTES} bytes for one array`, argument);
      }
    }
    return members ? members.map((k) => byKey.get(k)!) : this.entries.filter((e) => !want || want.has(e.key));
  }

  /** A member's `.npy` header, checked as {@link decode} checks it, inflating only its first bytes. */
  header(entry: NpzEntry): NpyHeader {
    try {
      this.decode(entry, (h) => { throw new HeaderRead(h); });
    } catch (e) {
      if (e instanceof HeaderRead) return e.header;
      throw e;
    }
    throw new Error('unreachable: decode returned without a header');
  }

  /** One member (from {@link select}) as a new Matrix. */
  readMatrix(entry: NpzEntry): Matrix {
    let data: Float64Array | undefined;
    const h = this.decode(entry, (header) => (data = new Float64Array(npyCount(header))));
    return { data: data!, shape: npyShape(h) };
  }

  /**
   * Streams one member (from {@link select}) into float64: its `.npy` header
   * is read from the first inflated bytes and checked (declared size, the
   * per-array limit) before `allocate(header)` is asked for the destination
   * (npyCount elements; asked again after each piece, since it may be a view
   * of WASM memory that moves). The rest is inflated and converted piece by
   * piece, never more than the member declares; its CRC-32 is checked at the
   * end. Returns the header.
   */
  decode(entry: NpzEntry, allocate: (h: NpyHeader) => Float64Array, target?: () => Float64Array): NpyHeader {
    const { label, argument } = this;
    const memberLabel = `${label}: member ${quote(entry.name)}`;
    const dataStart = localDataStart(this.src, entry, label, argument);
    let got = 0;
    let crc = 0;
    let header: NpyHeader | undefined;
    let decoder: NpyDecoder | undefined;
    let dest: Float64Array | undefined;
    let head = new Uint8Array(0);
    const headerFrom = (bytes: Uint8Array, final: boolean): NpyHeader | undefined => {
      // The header's length is in bytes 8..12; parse once all of it is here (or nothing more will come).
      if (!final && (bytes.length < 12 || bytes.length < headerEnd(bytes))) return undefined;
      const h = rethrow(() => parseNpyHeader(bytes.subarray(0, Math.min(bytes.length, Math.max(headerEnd(bytes), 10))), memberLabel, entry.size), argument);
      checkNpySize(h, memberLabel, argument);
      return h;
    };
    const consume = (piece: Uint8Array, final: boolean) => {
      if (piece.length > 0) {
        got += piece.length;
        if (got > entry.size) throw fail(label, argument, `member ${quote(entry.name)} is corrupt: it inflates to more than the ${entry.size} bytes it declares`);
        crc = crc32(piece, crc);
      }
      if (!header) {
        const joined = new Uint8Array(head.length + piece.length);
        joined.set(head);
        joined.set(piece, head.length);
        head = joined;
        header = headerFrom(head, final);
        if (!header) return;
        dest = allocate(header);
        decoder = new NpyDecoder(header);
        piece = head.subarray(header.dataOffset);
        head = new Uint8Array(0);
      }
      if (piece.length > 0) decoder!.write(piece, target ? target() : dest!);
    };

    const block = new Uint8Array(Math.min(READ_BLOCK, Math.max(entry.compressedSize, 1)));
    let inflater: Inflate | undefined;
    if (entry.compression === 8) inflater = new Inflate((chunk, final) => consume(chunk, final));
    let read = 0;
    while (read < entry.compressedSize) {
      const want = Math.min(block.length, entry.compressedSize - read);
      const n = this.src.read(dataStart + read, block.subarray(0, want));
      if (n <= 0) throw fail(label, argument, `member ${quote(entry.name)} is truncated: the archive ends inside its data`);
      read += n;
      const last = read >= entry.compressedSize;
      if (!inflater) {
        consume(block.subarray(0, n), last);
        continue;
      }
      for (let p = 0; p < n; p += INFLATE_PIECE) {
        const end = Math.min(n, p + INFLATE_PIECE);
        try {
          inflater.push(block.subarray(p, end), last && end === n);
        } catch (e) {
          if (e instanceof DspgdError || e instanceof HeaderRead) throw e;
          throw fail(label, argument, `member ${quote(entry.name)} cannot be decompressed: ${e instanceof Error ? e.message : String(e)}`, e);
        }
      }
    }
    if (entry.compressedSize === 0) consume(new Uint8Array(0), true);
    if (got !== entry.size) {
      throw fail(label, argument, `member ${quote(entry.name)} is corrupt: it declares ${entry.size} bytes uncompressed, got ${got}`);
    }
    if (!header) consume(new Uint8Array(0), true);
    if (crc !== entry.crc) {
      throw fail(label, argument, `member ${quote(entry.name)} is corrupt: its CRC-32 is ${hex8(crc)}, the archive says ${hex8(entry.crc)}`);
    }
    return header!;
  }
}

/** Stops {@link NpzArchive.decode} once the header is known. */
class HeaderRead {
  constructor(readonly header: NpyHeader) {}
}

/** Where the npy header ends, from its length field (0 when too short to say). */
function headerEnd(bytes: Uint8Array): number {
  if (bytes.length < 10) return 0;
  if (bytes[6] === 1) return 10 + (bytes[8] | (bytes[9] << 8));
  if (bytes.length < 12) return 0;
  return 12 + (bytes[8] | (bytes[9] << 8) | (bytes[10] << 16)) + bytes[11] * 2 ** 24;
}

/** Runs a member's npy parse, keeping the archive's argument on its errors. */
function rethrow<T>(f: () => T, argument: string): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof DspgdError) throw new DspgdError(e.code, e.message, argument, { cause: e.cause });
    throw e;
  }
}

function readAt(src: ByteSource, position: number, length: number): Uint8Array {
  const out = new Uint8Array(Math.max(0, Math.min(length, src.size - position)));
  let got = 0;
  while (got < out.length) {
    const n = src.read(position + got, out.subarray(got));
    if (n <= 0) break;
    got += n;
  }
  return out.subarray(0, got);
}

/**
 * The members listed in the central directory (the record fflate's writer
 * and NumPy's both finish with), with Zip64 sizes and offsets where a field
 * says 0xFFFFFFFF. Directory entries are skipped; names must be `<key>.npy`
 * with distinct keys.
 */
function readCentralDirectory(src: ByteSource, label: string, argument: string): NpzEntry[] {
  const notZip = () => {
    const start = readAt(src, 0, 6);
    return fail(label, argument, `not a valid .npz file (not a zip archive${hint(start, src.size)})`);
  };
  // The end record is 22 bytes plus a comment of at most 65535 bytes.
  const tailStart = Math.max(0, src.size - 22 - 65535);
  const tail = readAt(src, tailStart, src.size - tailStart);
  const tv = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tv.getUint32(i, true) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw notZip();
  let count = tv.getUint16(eocd + 10, true);
  let cdSize = tv.getUint32(eocd + 12, true);
  let cdOffset = tv.getUint32(eocd + 16, true);
  if ((count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) && eocd >= 20 && tv.getUint32(eocd - 20, true) === 0x07064b50) {
    const z64 = readAt(src, Number(tv.getBigUint64(eocd - 12, true)), 56);
    const zv = new DataView(z64.buffer, z64.byteOffset, z64.byteLength);
    if (z64.length < 56 || zv.getUint32(0, true) !== 0x06064b50) throw notZip();
    count = Number(zv.getBigUint64(32, true));
    cdSize = Number(zv.getBigUint64(40, true));
    cdOffset = Number(zv.getBigUint64(48, true));
  }
  if (cdOffset + cdSize > src.size || count > cdSize / 46) throw notZip();
  const cd = readAt(src, cdOffset, cdSize);
  const view = new DataView(cd.buffer, cd.byteOffset, cd.byteLength);
  const decoder = new TextDecoder();
  const entries: NpzEntry[] = [];
  const byKey = new Map<string, string>();
  let p = 0;
  for (let e = 0; e < count; e++) {
    if (p + 46 > cd.length || view.getUint32(p, true) !== 0x02014b50) throw notZip();
    const flags = view.getUint16(p + 8, true);
    const compression = view.getUint16(p + 10, true);
    const crc = view.getUint32(p + 16, true);
    let compressedSize = view.getUint32(p + 20, true);
    let size = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true), extraLen = view.getUint16(p + 30, true), commentLen = view.getUint16(p + 32, true);
    let localOffset = view.getUint32(p + 42, true);
    if (p + 46 + nameLen + extraLen > cd.length) throw notZip();
    // Names are UTF-8 when flag bit 11 is set and CP437 otherwise; read the latter as latin-1, as fflate does.
    const raw = cd.subarray(p + 46, p + 46 + nameLen);
    const name = flags & 0x800 ? decoder.decode(raw) : String.fromCharCode(...raw);
    // Zip64 extra field: the 64-bit values, in this order, of the fields that say 0xFFFFFFFF.
    for (let x = p + 46 + nameLen; x + 4 <= p + 46 + nameLen + extraLen;) {
      const id = view.getUint16(x, true), len = view.getUint16(x + 2, true);
      if (id === 0x0001) {
        let q = x + 4;
        const next = () => { const v = q + 8 <= x + 4 + len ? Number(view.getBigUint64(q, true)) : NaN; q += 8; return v; };
        if (size === 0xffffffff) size = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (localOffset === 0xffffffff) localOffset = next();
      }
      x += 4 + len;
    }
    p += 46 + nameLen + extraLen + commentLen;
    if (![size, compressedSize, localOffset].every(Number.isSafeInteger)) throw notZip();
    if (flags & 1) throw fail(label, argument, `member ${quote(name)} is encrypted`);
    if (name.endsWith('/') && size === 0) continue; // a directory entry
    if (!/\.npy$/i.test(name) || name.length === 4) {
      throw fail(label, argument, `member ${quote(name)} is not a .npy file (an .npz archive holds only <name>.npy members)`);
    }
    const key = name.slice(0, -4);
    const other = byKey.get(key);
    if (other !== undefined) {
      throw fail(label, argument, other === name
        ? `duplicate member ${quote(name)}`
        : `members ${quote(other)} and ${quote(name)} both give the array name ${quote(key)}`);
    }
    byKey.set(key, name);
    entries.push({ key, name, compression, compressedSize, size, crc, localOffset });
  }
  return entries;
}

/** Where a member's data starts: after its local header, whose name and extra field lengths may differ from the central directory's. */
function localDataStart(src: ByteSource, entry: NpzEntry, label: string, argument: string): number {
  const lh = readAt(src, entry.localOffset, 30);
  const lv = new DataView(lh.buffer, lh.byteOffset, lh.byteLength);
  if (lh.length < 30 || lv.getUint32(0, true) !== 0x04034b50) {
    throw fail(label, argument, `member ${quote(entry.name)}: its local header is missing (damaged archive)`);
  }
  const start = entry.localOffset + 30 + lv.getUint16(26, true) + lv.getUint16(28, true);
  if (start + entry.compressedSize > src.size) {
    throw fail(label, argument, `member ${quote(entry.name)} is truncated: the archive ends inside its data`);
  }
  return start;
}

function hex8(v: number): string {
  return `0x${v.toString(16).padStart(8, '0')}`;
}

function hint(bytes: Uint8Array, size: number): string {
  if (size === 0) return ': the file is empty';
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
