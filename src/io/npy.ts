/**
 * NumPy `.npy` reading and writing (format versions 1.0, 2.0 and 3.0).
 *
 * File layout (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
 *
 *   \x93NUMPY  major minor  header_len  header  data
 *   6 bytes    1     1      u16 LE (1.0) or u32 LE (2.0, 3.0)
 *
 * The header is a Python dict literal with exactly the keys 'descr' (the
 * dtype, e.g. '<f8'), 'fortran_order' (True/False) and 'shape' (a tuple of
 * ints), padded with spaces and terminated by '\n'. It is latin-1 in 1.0 and
 * 2.0, UTF-8 in 3.0. The data follows immediately, with no trailing bytes.
 *
 * Reading accepts float64 and float32 in either byte order, and the integer
 * and bool dtypes (i1 i2 i4 i8, u1 u2 u4 u8, b1), all converted to float64.
 * The descr must be a type code with a size ('<f8', '>i4', '|b1'); NumPy
 * aliases such as 'float64', '<d' or '?' are rejected (NumPy never writes
 * them). A '|' or '=' prefix (or none) on a multi-byte type means the host's
 * byte order, as in NumPy.
 * NOTE: int64/uint64 values with magnitude above 2^53 do not fit a float64
 * exactly; they are rounded to the nearest float64 (ties to even), as
 * `Number(bigint)` and NumPy's `astype(float64)` do.
 *
 * The result is always a row-major (C order) Matrix: shape (n,) → [n] and
 * (r, c) → [r, c]. 0-D and >2-D arrays are rejected. Float64 values are
 * copied bit for bit (−0, subnormals, ±Infinity and NaN payloads survive).
 */
import { DspgdError } from '../errors.js';
import type { Matrix } from '../matrix.js';
import { parsePyLiteral, PySyntaxError, PyTuple, pyRepr, type PyValue } from './py-literal.js';
import { READ_BLOCK, type ByteSource } from './source.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const MAGIC_LEN = 8; // magic + major + minor
/** NumPy refuses headers longer than this by default (`max_header_size`); so do we. */
export const MAX_HEADER_SIZE = 10000;
const ARRAY_ALIGN = 64;
/** NumPy leaves room to grow the first axis in place: 21 = len(str(8 * 2**64 - 1)). */
const GROWTH_AXIS_MAX_DIGITS = 21;

/**
 * The largest array read, in bytes of float64 (whatever the file's dtype):
 * the most one array can have in WASM memory (WASM_MAX_ARRAY_BYTES: 4 GiB less
 * the module's first MiB; checked equal by a test, as a codec does not import
 * the WASM layer), so an array that could never be solved on is refused from
 * its header, before anything is read or allocated.
 */
export const MAX_ARRAY_BYTES = 2 ** 32 - 2 ** 20;

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

type Kind = 'f' | 'i' | 'u' | 'b';

interface DType {
  kind: Kind;
  size: 1 | 2 | 4 | 8;
  littleEndian: boolean;
  descr: string;
}

export interface NpyHeader {
  version: [number, number];
  dtype: DType;
  fortranOrder: boolean;
  shape: number[];
  /** Byte offset of the data from the start of the file. */
  dataOffset: number;
}

/**
 * Parses a `.npy` file's bytes into a row-major float64 Matrix. `name` (usually
 * the file name) starts every error message; errors are
 * `DspgdError('E_FORMAT', '<name>: …', name)`, and `E_TOO_LARGE` for an array
 * of more than {@link MAX_ARRAY_BYTES} as float64 (refused from the header).
 */
export function parseNpy(bytes: Uint8Array, name: string): Matrix {
  const h = readHeader(bytes, name, name);
  checkNpySize(h, name, name);
  const out = new Float64Array(npyCount(h));
  const decoder = new NpyDecoder(h);
  for (let p = h.dataOffset; p < bytes.length; p += READ_BLOCK) decoder.write(bytes.subarray(p, Math.min(bytes.length, p + READ_BLOCK)), out);
  return { data: out, shape: npyShape(h) };
}

/**
 * Reads a `.npy` file's header from `src` (only its first bytes), checks it
 * against the file's size, and refuses (E_TOO_LARGE) an array over
 * {@link MAX_ARRAY_BYTES} as float64. `label` starts error messages,
 * `argument` names them.
 */
export function readNpyHeader(src: ByteSource, label: string, argument: string): NpyHeader {
  const head = new Uint8Array(Math.min(src.size, MAGIC_LEN + 4 + MAX_HEADER_SIZE));
  let got = 0;
  while (got < head.length) {
    const n = src.read(got, head.subarray(got));
    if (n <= 0) break;
    got += n;
  }
  const h = readHeader(head.subarray(0, got), label, argument, src.size);
  checkNpySize(h, label, argument);
  return h;
}

/**
 * Streams the data of the `.npy` in `src` (header `h`, from readNpyHeader)
 * into `target()`, a Float64Array of npyCount(h) elements that is asked for
 * again after every read (so it can be a view of WASM memory that may move).
 * Only one block of the file is held at a time.
 */
export function decodeNpyFrom(src: ByteSource, h: NpyHeader, target: () => Float64Array, label: string, argument: string): void {
  const decoder = new NpyDecoder(h);
  const total = npyCount(h) * h.dtype.size;
  const block = new Uint8Array(Math.min(READ_BLOCK, Math.max(total, 1)));
  let done = 0;
  while (done < total) {
    const got = src.read(h.dataOffset + done, block.subarray(0, Math.min(block.length, total - done)));
    if (got <= 0) throw formatError(label, argument, `the data ends after ${done} of ${total} bytes`);
    decoder.write(block.subarray(0, got), target());
    done += got;
  }
}

/** The number of elements the header declares. */
export function npyCount(h: NpyHeader): number {
  return h.shape.reduce((a, b) => a * b, 1);
}

/** The Matrix shape of the array: (n,) → [n], (r, c) → [r, c]. */
export function npyShape(h: NpyHeader): Matrix['shape'] {
  return h.shape.length === 1 ? [h.shape[0]] : [h.shape[0], h.shape[1]];
}

/** E_TOO_LARGE when the array, as float64, is over {@link MAX_ARRAY_BYTES}. */
export function checkNpySize(h: NpyHeader, label: string, argument: string): void {
  const bytes = npyCount(h) * 8;
  if (bytes > MAX_ARRAY_BYTES) {
    throw new DspgdError('E_TOO_LARGE',
      `${label}: shape ${h.shape.length === 1 ? `(${h.shape[0]},)` : `(${h.shape.join(', ')})`} of dtype '${h.dtype.descr}' is ${formatGiB(bytes)} as float64, more than the ${MAX_ARRAY_BYTES / 2 ** 20} MiB one array can hold in WASM memory (refused from the header, before reading the data)`,
      argument);
  }
}

function formatGiB(bytes: number): string {
  return bytes >= 2 ** 30 - 4096 ? `${(bytes / 2 ** 30).toFixed(bytes % 2 ** 30 < 4096 ? 0 : 1)} GiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/**
 * Converts the data bytes of one `.npy` array, given in pieces of any size
 * and in file order, into row-major float64: byte order, dtype and Fortran
 * order are handled piece by piece, so the data never has to be whole in
 * memory. Float64 values are copied bit for bit.
 */
export class NpyDecoder {
  private readonly size: number;
  private readonly rows: number;
  private readonly cols: number;
  private readonly transpose: boolean;
  private readonly swap: boolean;
  /** Elements written so far (in file order). */
  private next = 0;
  /** A partial element left over from the previous piece. */
  private readonly carry = new Uint8Array(8);
  private carried = 0;
  private scratch = new ArrayBuffer(0);

  constructor(private readonly h: NpyHeader) {
    this.size = h.dtype.size;
    this.rows = h.shape[0];
    this.cols = h.shape.length === 2 ? h.shape[1] : 1;
    this.transpose = h.fortranOrder && h.shape.length === 2 && this.rows > 1 && this.cols > 1;
    this.swap = this.size > 1 && h.dtype.littleEndian !== HOST_LITTLE_ENDIAN;
  }

  /** Converts `piece` (the next bytes of data) into `out` (npyCount elements). */
  write(piece: Uint8Array, out: Float64Array): void {
    const size = this.size;
    let p = 0;
    if (this.carried > 0) {
      const take = Math.min(size - this.carried, piece.length);
      this.carry.set(piece.subarray(0, take), this.carried);
      this.carried += take;
      p = take;
      if (this.carried < size) return;
      this.convert(this.carry.subarray(0, size), out);
      this.carried = 0;
    }
    const whole = Math.floor((piece.length - p) / size) * size;
    if (whole > 0) this.convert(piece.subarray(p, p + whole), out);
    p += whole;
    if (p < piece.length) {
      this.carry.set(piece.subarray(p), 0);
      this.carried = piece.length - p;
    }
  }

  /** Converts whole elements (file order, file byte order) and advances. */
  private convert(bytes: Uint8Array, out: Float64Array): void {
    const { size, h } = this;
    const count = bytes.length / size;
    const first = this.next;
    this.next += count;
    if (h.dtype.kind === 'f' && size === 8 && !this.transpose) {
      const dst = new Uint8Array(out.buffer, out.byteOffset + first * 8, bytes.length);
      dst.set(bytes);
      if (this.swap) byteSwap(dst, 8);
      return;
    }
    // An aligned copy in host byte order, for typed views.
    if (this.scratch.byteLength < bytes.length) this.scratch = new ArrayBuffer(Math.max(bytes.length, 64));
    const raw = new Uint8Array(this.scratch, 0, bytes.length);
    raw.set(bytes);
    if (this.swap) byteSwap(raw, size);
    const { rows, cols } = this;
    if (h.dtype.kind === 'f' && size === 8) {
      // Transposed float64: copied as pairs of 32-bit words, so every bit pattern is kept.
      const src = new Uint32Array(this.scratch, 0, 2 * count);
      const dst = new Uint32Array(out.buffer, out.byteOffset, 2 * out.length);
      let i = first % rows, j = Math.floor(first / rows);
      for (let k = 0; k < count; k++) {
        const d = 2 * (i * cols + j);
        dst[d] = src[2 * k];
        dst[d + 1] = src[2 * k + 1];
        if (++i === rows) { i = 0; j++; }
      }
      return;
    }
    const get = elementReader(h.dtype, this.scratch);
    if (this.transpose) {
      let i = first % rows, j = Math.floor(first / rows);
      for (let k = 0; k < count; k++) {
        out[i * cols + j] = get(k);
        if (++i === rows) { i = 0; j++; }
      }
    } else {
      for (let k = 0; k < count; k++) out[first + k] = get(k);
    }
  }
}

/**
 * Encodes a Matrix as a `.npy` file exactly as `np.save` writes a C-contiguous
 * float64 array of the same shape: version 1.0, '<f8', C order, the header
 * padded with spaces (including NumPy's growth room) so that the data starts
 * at a multiple of 64 bytes.
 */
export function encodeNpy(m: Matrix): Uint8Array {
  const shape = m?.shape as readonly number[] | undefined;
  if (!Array.isArray(shape) || (shape.length !== 1 && shape.length !== 2)
      || !shape.every((s) => Number.isSafeInteger(s) && s >= 0)) {
    throw new DspgdError('E_SHAPE', `encodeNpy: expected shape [len] or [rows, cols] of non-negative integers, got ${formatJs(shape)}`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  const data = m.data instanceof Float64Array ? m.data : m.data != null ? Float64Array.from(m.data as ArrayLike<number>) : undefined;
  if (!data || data.length !== count) {
    throw new DspgdError('E_SHAPE', `encodeNpy: shape [${shape.join(', ')}] needs ${count} values, data has ${data ? data.length : 'none'}`);
  }
  const shapeRepr = shape.length === 1 ? `(${shape[0]},)` : `(${shape[0]}, ${shape[1]})`;
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': ${shapeRepr}, }`;
  header += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length));
  const hlen = header.length + 1; // + '\n'
  const padlen = ARRAY_ALIGN - ((MAGIC_LEN + 2 + hlen) % ARRAY_ALIGN); // 1..64, as NumPy
  const headerTotal = hlen + padlen;
  const dataOffset = MAGIC_LEN + 2 + headerTotal;
  const out = new Uint8Array(dataOffset + count * 8);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out[8] = headerTotal & 0xff;
  out[9] = headerTotal >>> 8;
  let p = 10;
  for (let i = 0; i < header.length; i++) out[p++] = header.charCodeAt(i); // ASCII only
  out.fill(0x20, p, dataOffset - 1);
  out[dataOffset - 1] = 0x0a;
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), dataOffset);
  if (!HOST_LITTLE_ENDIAN) byteSwap(out.subarray(dataOffset), 8);
  return out;
}

/**
 * Parses and validates only the header (magic, version, dict, dtype, shape and data size).
 * `fileBytes`: the whole file's length when `bytes` is only its beginning (streamed reads).
 */
export function parseNpyHeader(bytes: Uint8Array, name: string, fileBytes?: number): NpyHeader {
  return readHeader(bytes, name, name, fileBytes);
}

// ---------------------------------------------------------------------------

function formatError(label: string, argument: string, problem: string): DspgdError {
  return new DspgdError('E_FORMAT', `${label}: ${problem}`, argument);
}

/** Element k of host-order data as a float64. */
function elementReader(dtype: DType, buf: ArrayBuffer): (k: number) => number {
  switch (dtype.kind) {
    case 'f': {
      const a = new Float32Array(buf); // size 4 (size 8 is handled by the caller)
      return (k) => a[k];
    }
    case 'b': {
      const a = new Uint8Array(buf);
      return (k) => (a[k] !== 0 ? 1 : 0);
    }
    case 'i':
    case 'u': {
      const signed = dtype.kind === 'i';
      if (dtype.size === 1) { const a = signed ? new Int8Array(buf) : new Uint8Array(buf); return (k) => a[k]; }
      if (dtype.size === 2) { const a = signed ? new Int16Array(buf) : new Uint16Array(buf); return (k) => a[k]; }
      if (dtype.size === 4) { const a = signed ? new Int32Array(buf) : new Uint32Array(buf); return (k) => a[k]; }
      // 64-bit: hi * 2^32 + lo. Both terms are exact doubles, so the one
      // addition rounds the exact integer to the nearest float64 (ties to even).
      const lo = new Uint32Array(buf);
      const hi = signed ? new Int32Array(buf) : lo;
      const l = HOST_LITTLE_ENDIAN ? 0 : 1, h = 1 - l;
      return (k) => hi[2 * k + h] * 4294967296 + lo[2 * k + l];
    }
  }
}

function byteSwap(a: Uint8Array, size: number): void {
  for (let o = 0; o + size <= a.length; o += size) {
    for (let i = 0, j = size - 1; i < j; i++, j--) {
      const t = a[o + i];
      a[o + i] = a[o + j];
      a[o + j] = t;
    }
  }
}

function readHeader(bytes: Uint8Array, label: string, argument: string, fileBytes = bytes.length): NpyHeader {
  const fail = (problem: string) => formatError(label, argument, problem);
  if (!(bytes instanceof Uint8Array)) throw fail(`expected the bytes of a .npy file, got ${typeof bytes}`);

  const magicOk = bytes.length >= MAGIC.length && MAGIC.every((b, i) => bytes[i] === b);
  if (!magicOk) {
    if (bytes.length === 0) throw fail('not a .npy file (the file is empty)');
    const prefix = MAGIC.slice(0, bytes.length).every((b, i) => bytes[i] === b);
    if (prefix) throw fail(`not a .npy file (truncated: only ${bytes.length} bytes)`);
    throw fail(`not a .npy file (expected the magic string "\\x93NUMPY" at the start, got ${showBytes(bytes.subarray(0, 6))})`);
  }
  if (bytes.length < MAGIC_LEN + 2) throw fail(`truncated .npy file (only ${bytes.length} bytes, the header alone needs more)`);
  const major = bytes[6], minor = bytes[7];
  if (!((major === 1 || major === 2 || major === 3) && minor === 0)) {
    throw fail(`unsupported .npy format version ${major}.${minor} (expected 1.0, 2.0 or 3.0)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenSize = major === 1 ? 2 : 4;
  if (bytes.length < MAGIC_LEN + lenSize) throw fail(`truncated .npy file (only ${bytes.length} bytes, the header alone needs more)`);
  const headerLen = major === 1 ? view.getUint16(MAGIC_LEN, true) : view.getUint32(MAGIC_LEN, true);
  const headerStart = MAGIC_LEN + lenSize;
  const dataOffset = headerStart + headerLen;
  if (headerLen > MAX_HEADER_SIZE) {
    throw fail(`malformed header: declared header length ${headerLen} bytes exceeds the limit of ${MAX_HEADER_SIZE}`);
  }
  if (dataOffset > bytes.length) {
    throw fail(`truncated header: it declares ${headerLen} bytes but only ${bytes.length - headerStart} follow`);
  }
  const headerBytes = bytes.subarray(headerStart, dataOffset);
  let text: string;
  if (major === 3) {
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes);
    } catch {
      throw fail('malformed header: not valid UTF-8 (format version 3.0)');
    }
  } else {
    text = String.fromCharCode(...headerBytes); // latin-1; headerLen ≤ MAX_HEADER_SIZE
  }

  let dict: PyValue;
  try {
    dict = parsePyLiteral(text, major <= 2);
  } catch (e) {
    if (e instanceof PySyntaxError) throw fail(`malformed header: ${e.message} in ${quoteHeader(text)}`);
    throw e;
  }
  if (!(dict instanceof Map)) {
    throw fail(`malformed header: expected a dict with keys 'descr', 'fortran_order', 'shape', got ${pyRepr(dict)}`);
  }
  for (const key of ['descr', 'fortran_order', 'shape']) {
    if (!dict.has(key)) throw fail(`malformed header: missing key '${key}' in ${quoteHeader(text)}`);
  }
  for (const key of dict.keys()) {
    if (key !== 'descr' && key !== 'fortran_order' && key !== 'shape') {
      throw fail(`malformed header: unexpected key ${pyRepr(key)} (expected exactly 'descr', 'fortran_order', 'shape')`);
    }
  }
  const fortran = dict.get('fortran_order');
  if (typeof fortran !== 'boolean') throw fail(`malformed header: 'fortran_order' must be True or False, got ${pyRepr(fortran!)}`);
  const dtype = parseDescr(dict.get('descr')!, fail);

  const shapeV = dict.get('shape')!;
  if (!(shapeV instanceof PyTuple) || !shapeV.items.every((x) => typeof x === 'bigint')) {
    throw fail(`malformed header: 'shape' must be a tuple of integers, got ${pyRepr(shapeV)}`);
  }
  const dims = shapeV.items as bigint[];
  const shapeText = pyRepr(shapeV);
  if (dims.some((d) => d < 0n)) throw fail(`malformed header: 'shape' has a negative dimension: ${shapeText}`);
  if (dims.length !== 1 && dims.length !== 2) {
    throw fail(`expected a 1-D or 2-D array (shape (n,) or (rows, cols)), got a ${dims.length}-D array of shape ${shapeText}`);
  }
  // The declared size, in exact integer arithmetic, against the bytes that
  // are actually there, before anything is allocated.
  const count = dims.reduce((a, b) => a * b, 1n);
  const needed = count * BigInt(dtype.size);
  const available = BigInt(fileBytes - dataOffset);
  if (needed !== available) {
    const what = needed > available ? 'the data is truncated' : `${available - needed} unexpected trailing bytes`;
    throw fail(`data size does not match the header: shape ${shapeText} of dtype '${dtype.descr}' needs ${needed} bytes of data, the file has ${available} (${what})`);
  }
  if (dims.some((d) => d > BigInt(Number.MAX_SAFE_INTEGER))) {
    throw fail(`a dimension of shape ${shapeText} is too large`);
  }
  return { version: [major, minor], dtype, fortranOrder: fortran, shape: dims.map(Number), dataOffset };
}

const SUPPORTED = "float64 ('<f8', '>f8'), float32 ('<f4', '>f4'), int8/16/32/64 ('|i1', '<i2', '<i4', '<i8'), "
  + "uint8/16/32/64 ('|u1', '<u2', '<u4', '<u8'; big-endian too) or bool ('|b1')";

function parseDescr(v: PyValue, fail: (p: string) => DspgdError): DType {
  if (typeof v !== 'string') {
    if (Array.isArray(v) || v instanceof PyTuple) {
      throw fail(`unsupported dtype: structured or sub-array dtypes (descr ${pyRepr(v)}) are not supported; expected ${SUPPORTED}`);
    }
    throw fail(`malformed header: 'descr' must be a string, got ${pyRepr(v)}`);
  }
  const m = /^([<>|=]?)([a-zA-Z?])(\d*)(.*)$/s.exec(v);
  const unsupported = (why: string) => fail(`unsupported dtype '${v}'${why ? ` (${why})` : ''}; expected ${SUPPORTED}`);
  if (!m) throw unsupported('');
  const [, order, kindChar, sizeText, rest] = m;
  switch (kindChar) {
    case 'O': throw unsupported('object arrays hold pickled Python objects');
    case 'U': case 'S': case 'a': throw unsupported('a string dtype');
    case 'c': throw unsupported('a complex dtype');
    case 'V': throw unsupported('raw void data');
    case 'M': case 'm': throw unsupported('a datetime dtype');
  }
  if (rest !== '' || !/^[fiub]$/.test(kindChar) || !/^[1-9]\d*$/.test(sizeText)) throw unsupported('');
  const kind = kindChar as Kind;
  const size = Number(sizeText);
  const ok = kind === 'f' ? size === 4 || size === 8
    : kind === 'b' ? size === 1
      : size === 1 || size === 2 || size === 4 || size === 8;
  if (!ok) throw unsupported(kind === 'f' ? `float${8 * size} is not supported` : '');
  // '<' little-endian, '>' big-endian. '|' (not applicable), '=' and no prefix
  // mean native order to NumPy (np.dtype('|f8') is native float64); NumPy never
  // writes them for multi-byte types, other writers might. Like NumPy, read
  // them in the host's order (little-endian on every platform Node commonly runs on).
  const littleEndian = order === '<' ? true : order === '>' ? false : HOST_LITTLE_ENDIAN;
  return { kind, size: size as DType['size'], littleEndian, descr: v };
}

function quoteHeader(text: string): string {
  const t = text.trimEnd();
  return JSON.stringify(t.length > 200 ? `${t.slice(0, 200)}…` : t);
}

function showBytes(b: Uint8Array): string {
  let s = '"';
  for (const x of b) s += x >= 0x20 && x < 0x7f && x !== 0x22 && x !== 0x5c ? String.fromCharCode(x) : `\\x${x.toString(16).padStart(2, '0')}`;
  return `${s}"`;
}

function formatJs(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
