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
import { describeFsError } from './fs-errors.js';
import { readFile } from 'node:fs/promises';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const MAGIC_LEN = 8; // magic + major + minor
/** NumPy refuses headers longer than this by default (`max_header_size`); so do we. */
export const MAX_HEADER_SIZE = 10000;
const ARRAY_ALIGN = 64;
/** NumPy leaves room to grow the first axis in place: 21 = len(str(8 * 2**64 - 1)). */
const GROWTH_AXIS_MAX_DIGITS = 21;

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
 * `DspgdError('E_FORMAT', '<name>: …', name)`.
 */
export function parseNpy(bytes: Uint8Array, name: string): Matrix {
  return decode(bytes, name, name);
}

/**
 * Reads and parses a `.npy` file. `argument` is what the file is for (e.g.
 * '--X'); it names the error (`err.argument`) and starts its message.
 * I/O failures are E_IO, malformed content is E_FORMAT.
 */
export async function readNpyFile(path: string, argument: string): Promise<Matrix> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new DspgdError('E_IO', `${argument}: cannot read ${path}: ${describeFsError(e)}`, argument, { cause: e });
  }
  return decode(bytes, `${argument}: ${path}`, argument);
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

function decode(bytes: Uint8Array, label: string, argument: string): Matrix {
  const h = readHeader(bytes, label, argument);
  const { dtype, shape, fortranOrder, dataOffset } = h;
  const count = shape.reduce((a, b) => a * b, 1);
  const nbytes = count * dtype.size; // checked against bytes.length in readHeader

  // An aligned copy of the data in host byte order.
  const raw = new Uint8Array(nbytes);
  raw.set(bytes.subarray(dataOffset, dataOffset + nbytes));
  if (dtype.size > 1 && dtype.littleEndian !== HOST_LITTLE_ENDIAN) byteSwap(raw, dtype.size);

  const rows = shape[0];
  const cols = shape.length === 2 ? shape[1] : 1;
  const transpose = fortranOrder && shape.length === 2 && rows > 1 && cols > 1;
  const outShape: Matrix['shape'] = shape.length === 1 ? [rows] : [rows, cols];

  if (dtype.kind === 'f' && dtype.size === 8) {
    if (!transpose) return { data: new Float64Array(raw.buffer), shape: outShape };
    // Transpose as pairs of 32-bit words, so every bit pattern is kept.
    const src = new Uint32Array(raw.buffer);
    const out = new Float64Array(count);
    const dst = new Uint32Array(out.buffer);
    for (let j = 0; j < cols; j++) {
      for (let i = 0; i < rows; i++) {
        const s = 2 * (j * rows + i), d = 2 * (i * cols + j);
        dst[d] = src[s];
        dst[d + 1] = src[s + 1];
      }
    }
    return { data: out, shape: outShape };
  }

  const get = elementReader(dtype, raw.buffer);
  const out = new Float64Array(count);
  if (transpose) {
    for (let j = 0; j < cols; j++) for (let i = 0; i < rows; i++) out[i * cols + j] = get(j * rows + i);
  } else {
    for (let k = 0; k < count; k++) out[k] = get(k);
  }
  return { data: out, shape: outShape };
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
    dict = new PyLiteralParser(text, major <= 2).parseTop();
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
    if (v instanceof Array || v instanceof PyTuple) {
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

// --- A strict parser for the Python literals that appear in .npy headers ----

class PyTuple {
  constructor(readonly items: PyValue[]) {}
}
/** str → string, int → bigint, True/False → boolean, None → null, list → array, tuple, dict → Map. */
type PyValue = string | bigint | boolean | null | PyValue[] | PyTuple | Map<string, PyValue>;

class PySyntaxError extends Error {}

class PyLiteralParser {
  private pos = 0;
  constructor(private readonly s: string, private readonly allowLongSuffix: boolean) {}

  parseTop(): PyValue {
    const v = this.value();
    this.ws();
    if (this.pos < this.s.length) this.error(`unexpected ${this.describeHere()} after the dict`);
    return v;
  }

  private error(msg: string): never {
    throw new PySyntaxError(`${msg} at offset ${this.pos}`);
  }

  private describeHere(): string {
    if (this.pos >= this.s.length) return 'end of header';
    return JSON.stringify(this.s.slice(this.pos, this.pos + 12).trimEnd() || this.s[this.pos]);
  }

  private ws(): void {
    while (this.pos < this.s.length && ' \t\n\r\f'.includes(this.s[this.pos])) this.pos++;
  }

  private eat(c: string): boolean {
    this.ws();
    if (this.s[this.pos] === c) {
      this.pos++;
      return true;
    }
    return false;
  }

  private value(): PyValue {
    this.ws();
    const c = this.s[this.pos];
    if (c === undefined) this.error('unexpected end of header');
    if (c === '{') return this.dict();
    if (c === '(') return this.tuple();
    if (c === '[') return this.list();
    if (c === "'" || c === '"') return this.string();
    if (c === '-' || c === '+' || (c >= '0' && c <= '9')) return this.int();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.s.slice(this.pos, this.pos + 64));
    if (m) {
      const word = m[0];
      const lit = word === 'True' ? true : word === 'False' ? false : word === 'None' ? null : undefined;
      if (lit === undefined) this.error(`unexpected name '${word}'`);
      this.pos += word.length;
      return lit;
    }
    this.error(`unexpected ${this.describeHere()}`);
  }

  /** Comma-separated values up to `close`; returns the items and whether a comma was seen. */
  private items(close: string): { items: PyValue[]; comma: boolean } {
    const items: PyValue[] = [];
    let comma = false;
    for (;;) {
      if (this.eat(close)) return { items, comma };
      items.push(this.value());
      if (this.eat(',')) {
        comma = true;
        continue;
      }
      if (this.eat(close)) return { items, comma };
      this.error(`expected ',' or '${close}', got ${this.describeHere()}`);
    }
  }

  private tuple(): PyValue {
    this.pos++; // (
    const { items, comma } = this.items(')');
    if (items.length === 1 && !comma) return items[0]; // a parenthesized expression
    return new PyTuple(items);
  }

  private list(): PyValue[] {
    this.pos++; // [
    return this.items(']').items;
  }

  private dict(): Map<string, PyValue> {
    this.pos++; // {
    const out = new Map<string, PyValue>();
    for (;;) {
      if (this.eat('}')) return out;
      this.ws();
      const keyPos = this.pos;
      const key = this.value();
      if (typeof key !== 'string') {
        this.pos = keyPos;
        this.error(`dict keys must be strings, got ${pyRepr(key)}`);
      }
      if (out.has(key)) {
        this.pos = keyPos;
        this.error(`duplicate key ${pyRepr(key)}`);
      }
      if (!this.eat(':')) this.error(`expected ':' after key ${pyRepr(key)}, got ${this.describeHere()}`);
      out.set(key, this.value());
      if (this.eat(',')) continue;
      if (this.eat('}')) return out;
      this.error(`expected ',' or '}', got ${this.describeHere()}`);
    }
  }

  private string(): string {
    const q = this.s[this.pos++];
    let out = '';
    for (;;) {
      const c = this.s[this.pos++];
      if (c === undefined || c === '\n') {
        this.pos--;
        this.error('unterminated string');
      }
      if (c === q) return out;
      if (c === '\\') {
        const e = this.s[this.pos++];
        if (e === '\\' || e === "'" || e === '"') out += e;
        else {
          this.pos--;
          this.error(`unsupported escape sequence '\\${e ?? ''}' in a string`);
        }
      } else {
        out += c;
      }
    }
  }

  private int(): bigint {
    const m = /^([+-]?)[ \t]*(\d+)/.exec(this.s.slice(this.pos));
    if (!m) this.error(`unexpected ${this.describeHere()}`);
    const digits = m[2];
    if (digits.length > 1 && digits[0] === '0' && /[1-9]/.test(digits)) this.error(`invalid integer '${digits}' (leading zero)`);
    this.pos += m[0].length;
    // Python 2 wrote long integers as e.g. 3L; NumPy still reads them in 1.0/2.0 files.
    if (this.allowLongSuffix && this.s[this.pos] === 'L') this.pos++;
    const next = this.s[this.pos];
    if (next !== undefined && /[A-Za-z0-9_.]/.test(next)) {
      this.error(`expected an integer, got ${JSON.stringify(this.s.slice(this.pos - m[0].length, this.pos + 8))}`);
    }
    const v = BigInt(digits);
    return m[1] === '-' ? -v : v;
  }
}

function pyRepr(v: PyValue): string {
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (v === null) return 'None';
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (v instanceof PyTuple) return v.items.length === 1 ? `(${pyRepr(v.items[0])},)` : `(${v.items.map(pyRepr).join(', ')})`;
  return `{${[...v].map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
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
