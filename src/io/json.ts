/**
 * Numeric matrices as JSON. Accepted layouts:
 *
 *   [1.5, 2, 3]                          a flat array: 1-D, shape [3]
 *   [[1, 2, 3], [4, 5, 6]]               rows: 2-D, shape [2, 3]
 *   { "data": [1, 2, 3, 4, 5, 6], "shape": [2, 3] }
 *                                        flat row-major data with a shape ([n] or
 *                                        [rows, cols]); "data" may also be nested
 *                                        (then it must agree with "shape"), and
 *                                        "shape" may be left out
 *
 * JSON has no NaN or Infinity. Every JSON file dspgd writes spells them as
 * the strings "NaN", "Infinity", "-Infinity" ({@link jsonNumber}: what
 * JavaScript's Number() and Python's float() both read back). The reader
 * also takes "nan", "inf", "-inf", "infinity" (any case, as in CSV) and the
 * bare tokens NaN, Infinity and -Infinity that Python's json module writes (the reader
 * is otherwise strict JSON: no comments, no trailing commas, no duplicate keys). Whether
 * non-finite values are allowed is for the caller to decide. `null` is an
 * error (it could mean a missing value).
 *
 * Errors are `DspgdError('E_FORMAT', '<name>: …')`: a syntax error gives
 * the line and column (`not valid JSON: line 3, column 9: …`), a bad element
 * its index (`element [2][0]: …`).
 */
import { DspgdError } from '../errors.js';
import type { Matrix } from '../matrix.js';
import { checkedMatrix, formatNumber } from './csv.js';

export interface ParseJsonOptions {
  /** What the error is about (`err.argument`); defaults to `name`. */
  argument?: string;
}

export interface EncodeJsonOptions {
  /**
   * 'nested' (default): a flat array for 1-D, one row per line for 2-D;
   * 'object': `{ "shape": [...], "data": [...] }`. A 2-D matrix with no rows
   * is always written as an object, so that its column count is kept.
   */
  layout?: 'nested' | 'object';
}

/** Parses JSON text into a Matrix (see the module comment for the layouts). */
export function parseJsonMatrix(text: string, name: string, options: ParseJsonOptions = {}): Matrix {
  const argument = options.argument ?? name;
  const fail = (problem: string) => new DspgdError('E_FORMAT', `${name}: ${problem}`, argument);
  if (typeof text !== 'string') throw fail(`expected JSON text, got ${typeof text}`);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') throw fail('no data: the file is empty');

  let value: unknown;
  try {
    value = new JsonReader(text).parseTop();
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw fail(`not valid JSON: line ${e.line}, column ${e.column}: ${e.message}`);
    throw e;
  }

  const layouts = 'an array of numbers, an array of rows, or { "data": [...], "shape": [...] }';
  if (Array.isArray(value)) return fromNested(value, '', fail);
  if (value === null || typeof value !== 'object') throw fail(`expected ${layouts}, got ${describe(value)}`);

  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (key !== 'data' && key !== 'shape') throw fail(`unexpected key ${JSON.stringify(key)} (expected "data" and optionally "shape")`);
  }
  if (!('data' in obj)) throw fail(`missing key "data" (expected ${layouts})`);
  if (!Array.isArray(obj.data)) throw fail(`"data" must be an array, got ${describe(obj.data)}`);
  const nested = fromNested(obj.data, 'data', fail);
  if (!('shape' in obj)) return nested;

  const s = obj.shape;
  if (!Array.isArray(s) || (s.length !== 1 && s.length !== 2) || !s.every((x) => Number.isSafeInteger(x) && x >= 0)) {
    throw fail(`"shape" must be [len] or [rows, cols] of non-negative integers, got ${short(JSON.stringify(s))}`);
  }
  const shape = (s.length === 1 ? [s[0]] : [s[0], s[1]]) as Matrix['shape'];
  const count = shape.reduce((a, b) => a * b, 1);
  if (nested.shape.length === 2) {
    if (nested.shape[0] !== shape[0] || nested.shape[1] !== (shape[1] ?? 1) || shape.length !== 2) {
      throw fail(`"shape" [${shape.join(', ')}] does not match the nested "data" of shape [${nested.shape.join(', ')}]`);
    }
    return nested;
  }
  if (nested.data.length !== count) {
    throw fail(`"shape" [${shape.join(', ')}] needs ${count} values, "data" has ${nested.data.length}`);
  }
  return { data: nested.data, shape };
}

/**
 * Writes a Matrix as JSON that {@link parseJsonMatrix} reads back exactly:
 * numbers in their shortest round-trip form (negative zero as `-0.0`), NaN and ±Infinity
 * as the strings "NaN", "Infinity", "-Infinity" (NaN payloads are not kept).
 */
export function encodeJsonMatrix(m: Matrix, options: EncodeJsonOptions = {}): string {
  const { data, rows, cols, oneD } = checkedMatrix(m, 'encodeJsonMatrix');
  const layout = options.layout ?? 'nested';
  if (layout !== 'nested' && layout !== 'object') {
    throw new DspgdError('E_PARAM', `encodeJsonMatrix: layout must be 'nested' or 'object', got ${JSON.stringify(layout)}`);
  }
  const values = (from: number, to: number) => {
    const out: string[] = new Array(to - from);
    for (let k = from; k < to; k++) out[k - from] = numberText(data[k]);
    return `[${out.join(', ')}]`;
  };
  if (oneD && layout === 'nested') return `${values(0, rows)}\n`;
  if (layout === 'object' || rows === 0) {
    return `{"shape": [${oneD ? rows : `${rows}, ${cols}`}], "data": ${values(0, rows * cols)}}\n`;
  }
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) lines.push(`  ${values(i * cols, (i + 1) * cols)}`);
  return `[\n${lines.join(',\n')}\n]\n`;
}

// ---------------------------------------------------------------------------

const NONFINITE = /^([+-]?)(?:(nan)|inf|infinity)$/i;

/**
 * A number as a JSON value, the one convention of every JSON file dspgd
 * writes: finite numbers as they are, NaN and ±Infinity as the strings
 * "NaN", "Infinity", "-Infinity".
 */
export function jsonNumber(x: number): number | string;
/** null (a value that does not apply) stays null. */
export function jsonNumber(x: number | null): number | string | null;
export function jsonNumber(x: number | null): number | string | null {
  return x === null || Number.isFinite(x) ? x : String(x);
}

/**
 * The number a JSON value stands for: a number, or a string spelling NaN or
 * ±Infinity ("NaN", "Infinity", "-Infinity" as written by {@link jsonNumber},
 * or "nan", "inf", "-inf", "infinity" in any case, as older files and CSV
 * have them); undefined for anything else.
 */
export function parseJsonNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  const m = NONFINITE.exec(v);
  return m ? (m[2] !== undefined ? NaN : m[1] === '-' ? -Infinity : Infinity) : undefined;
}

function numberText(x: number): string {
  if (Object.is(x, -0)) return '-0.0'; // '-0' is an integer to Python's json module, which loses the sign
  return Number.isFinite(x) ? formatNumber(x) : `"${jsonNumber(x)}"`;
}

function element(v: unknown, where: string, fail: (p: string) => DspgdError, inRow = false): number {
  const x = parseJsonNumber(v);
  if (x !== undefined) return x;
  let hint = '';
  if (v === null) hint = ' (JSON has no NaN: write "nan")';
  else if (Array.isArray(v)) hint = inRow ? ' (only 1-D and 2-D arrays are supported)' : ': rows and numbers are mixed';
  else if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) hint = ' (write numbers without quotes)';
  return failAt(fail, where, `expected a number, got ${describe(v)}${hint}`);
}

function failAt(fail: (p: string) => DspgdError, where: string, problem: string): never {
  throw fail(`element ${where}: ${problem}`);
}

function fromNested(a: unknown[], prefix: string, fail: (p: string) => DspgdError): Matrix {
  if (a.length === 0 || !Array.isArray(a[0])) {
    const data = new Float64Array(a.length);
    for (let i = 0; i < a.length; i++) data[i] = element(a[i], `${prefix}[${i}]`, fail);
    return { data, shape: [a.length] };
  }
  const rows = a.length;
  const cols = (a[0] as unknown[]).length;
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const row = a[i];
    if (!Array.isArray(row)) failAt(fail, `${prefix}[${i}]`, `expected a row (an array), got ${describe(row)}: rows and numbers are mixed`);
    if (row.length !== cols) {
      failAt(fail, `${prefix}[${i}]`, `ragged rows: row ${i} has ${row.length} ${row.length === 1 ? 'value' : 'values'}, row 0 has ${cols}`);
    }
    for (let j = 0; j < cols; j++) data[i * cols + j] = element(row[j], `${prefix}[${i}][${j}]`, fail, true);
  }
  return { data, shape: [rows, cols] };
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return short(JSON.stringify(v));
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${short(String(v))}`;
}

function short(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

class JsonSyntaxError extends Error {
  constructor(message: string, readonly line: number, readonly column: number) {
    super(message);
  }
}

/**
 * A strict JSON reader (RFC 8259) that also takes Python's bare NaN,
 * Infinity and -Infinity, rejects duplicate keys, and reports the line and
 * column of a syntax error. Numbers are converted by Number() (correctly
 * rounded); strings are decoded by JSON.parse.
 */
class JsonReader {
  private pos = 0;
  private depth = 0;
  constructor(private readonly s: string) {}

  parseTop(): unknown {
    const v = this.value();
    this.ws();
    if (this.pos < this.s.length) this.error(`unexpected ${this.here()} after the end of the value`);
    return v;
  }

  private error(msg: string, at = this.pos): never {
    let line = 1, col = 1;
    for (let i = 0; i < at && i < this.s.length; i++) {
      if (this.s[i] === '\n') {
        line++;
        col = 1;
      } else col++;
    }
    throw new JsonSyntaxError(msg, line, col);
  }

  private here(): string {
    if (this.pos >= this.s.length) return 'end of input';
    const m = /^(?:[A-Za-z0-9_+\-.]+|[\s\S])/u.exec(this.s.slice(this.pos, this.pos + 24))!;
    return JSON.stringify(m[0]);
  }

  private ws(): void {
    const s = this.s;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.pos++;
      else break;
    }
  }

  private static readonly NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  private static readonly STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
  private static readonly WORD = /-?[A-Za-z_][A-Za-z0-9_]*/y;

  private value(): unknown {
    this.ws();
    const c = this.s[this.pos];
    if (c === '[') return this.array();
    if (c === '{') return this.object();
    if (c === '"') return this.string();
    if (c === '-' || (c >= '0' && c <= '9')) {
      const re = JsonReader.NUMBER;
      re.lastIndex = this.pos;
      const m = re.exec(this.s);
      if (m && !/[0-9A-Za-z.+-]/.test(this.s[re.lastIndex] ?? '')) {
        this.pos = re.lastIndex;
        return Number(m[0]);
      }
      if (!m || m[0] === '-') return this.word();
      this.error(`invalid number ${this.here()}`);
    }
    if (c === undefined) this.error('unexpected end of input');
    return this.word();
  }

  private word(): unknown {
    const re = JsonReader.WORD;
    re.lastIndex = this.pos;
    const m = re.exec(this.s);
    if (m) {
      const w = m[0];
      const v = w === 'true' ? true : w === 'false' ? false : w === 'null' ? null
        : w === 'NaN' ? NaN : w === 'Infinity' ? Infinity : w === '-Infinity' ? -Infinity : undefined;
      if (v !== undefined) {
        this.pos = re.lastIndex;
        return v;
      }
    }
    this.error(`unexpected ${this.here()}`);
  }

  private string(): string {
    const re = JsonReader.STRING;
    re.lastIndex = this.pos;
    const m = re.exec(this.s);
    if (!m) {
      const close = this.s.indexOf('"', this.pos + 1);
      this.error(close < 0 || this.s.slice(this.pos, close).includes('\n') ? 'unterminated string' : 'invalid character or escape in a string');
    }
    this.pos = re.lastIndex;
    return JSON.parse(m[0]) as string;
  }

  private enter(): void {
    if (++this.depth > 64) this.error('nested too deeply');
    this.pos++;
  }

  private array(): unknown[] {
    this.enter();
    const out: unknown[] = [];
    this.ws();
    if (this.s[this.pos] === ']') {
      this.pos++;
      this.depth--;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.ws();
      const c = this.s[this.pos];
      if (c === ',') {
        this.pos++;
        this.ws();
        if (this.s[this.pos] === ']') this.error("a trailing ',' before ']'");
        continue;
      }
      if (c === ']') {
        this.pos++;
        this.depth--;
        return out;
      }
      this.error(`expected ',' or ']' after an array element, got ${this.here()}`);
    }
  }

  private object(): Record<string, unknown> {
    this.enter();
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    this.ws();
    if (this.s[this.pos] === '}') {
      this.pos++;
      this.depth--;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.s[this.pos] !== '"') this.error(`expected a key (a string), got ${this.here()}`);
      const keyAt = this.pos;
      const key = this.string();
      if (Object.hasOwn(out, key)) this.error(`duplicate key ${JSON.stringify(key)}`, keyAt);
      this.ws();
      if (this.s[this.pos] !== ':') this.error(`expected ':' after a key, got ${this.here()}`);
      this.pos++;
      out[key] = this.value();
      this.ws();
      const c = this.s[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === '}') {
        this.pos++;
        this.depth--;
        return out;
      }
      this.error(`expected ',' or '}' after an object member, got ${this.here()}`);
    }
  }
}
