/**
 * Matrices cross the API as flat row-major Float64Arrays with a shape. Users
 * may pass nested arrays, typed arrays with a shape, or plain 1-D arrays;
 * `toDense` validates and normalizes them once, on the way in; `toMatrix` wraps
 * data read back from WASM memory in the shape the user gave (1-D stays 1-D).
 */
import { DspgdError } from './errors.js';
import { WASM_MAX_BYTES, formatBytes } from './wasm/module.js';

/** A dense row-major float64 matrix (shape [rows, cols]) or vector (shape [len]). */
export interface Matrix {
  data: Float64Array;
  shape: [number, number] | [number];
}

export type MatrixInput =
  | Matrix
  | { data: Float64Array | Float32Array | ArrayLike<number>; shape: readonly number[] }
  | readonly (readonly number[])[]
  | readonly number[]
  | Float64Array
  | Float32Array;

/** The normalized form: always 2-D in `rows × cols`, remembering whether the input was 1-D. */
export interface Dense {
  data: Float64Array;
  rows: number;
  cols: number;
  oneD: boolean;
}

/**
 * Validates and converts `input` to a row-major Float64Array. A 1-D input
 * becomes a column (len × 1) with oneD = true. Copies unless `input.data` is
 * already a Float64Array of the right length (then it is used as is, read-only).
 */
export function toDense(input: MatrixInput | undefined, name: string, checkFinite = true): Dense {
  if (input === undefined || input === null) {
    throw new DspgdError('E_SHAPE', `${name}: expected a matrix, got ${String(input)}`, name);
  }
  let out: Dense;
  if (input instanceof Float64Array || input instanceof Float32Array) {
    out = { data: Float64Array.from(input), rows: input.length, cols: 1, oneD: true };
  } else if (Array.isArray(input)) {
    out = fromNested(input as readonly unknown[], name);
  } else if (typeof input === 'object' && 'data' in input && 'shape' in input) {
    out = fromShaped(input as { data: ArrayLike<number>; shape: readonly number[] }, name);
  } else {
    throw new DspgdError('E_SHAPE', `${name}: expected nested number arrays or { data, shape }, got ${typeof input}`, name);
  }
  if (out.rows === 0 || out.cols === 0) {
    throw new DspgdError('E_EMPTY', `${name}: expected a non-empty matrix, got shape [${out.rows}, ${out.cols}]`, name);
  }
  if (checkFinite) {
    const data = out.data;
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) {
        const r = Math.floor(i / out.cols), c = i % out.cols;
        throw new DspgdError('E_NONFINITE', `${name}: expected finite values, got ${data[i]} at [${out.oneD ? r : `${r}, ${c}`}]`, name);
      }
    }
  }
  return out;
}

function fromShaped(input: { data: ArrayLike<number>; shape: readonly number[] }, name: string): Dense {
  const shape = input.shape;
  if (!Array.isArray(shape) && !ArrayBuffer.isView(shape)) {
    throw new DspgdError('E_SHAPE', `${name}.shape: expected [rows, cols] or [len], got ${String(shape)}`, name);
  }
  if (shape.length !== 1 && shape.length !== 2) {
    throw new DspgdError('E_SHAPE', `${name}.shape: expected 1 or 2 dimensions, got ${shape.length}`, name);
  }
  for (const s of shape) {
    if (!Number.isInteger(s) || s < 0) {
      throw new DspgdError('E_SHAPE', `${name}.shape: expected non-negative integers, got [${Array.from(shape).join(', ')}]`, name);
    }
  }
  const rows = shape[0];
  const cols = shape.length === 2 ? shape[1] : 1;
  const len = rows * cols;
  if (len * 8 > WASM_MAX_BYTES) {
    throw new DspgdError('E_TOO_LARGE', `${name}: shape [${Array.from(shape).join(', ')}] is ${formatBytes(len * 8)} of float64, more than the 4 GiB WASM can address`, name);
  }
  if (input.data == null || typeof input.data.length !== 'number') {
    throw new DspgdError('E_SHAPE', `${name}.data: expected an array of numbers`, name);
  }
  if (input.data.length !== len) {
    throw new DspgdError('E_SHAPE', `${name}: shape [${Array.from(shape).join(', ')}] needs ${len} values, data has ${input.data.length}`, name);
  }
  const data = input.data instanceof Float64Array ? input.data : Float64Array.from(input.data as ArrayLike<number>);
  if (!(input.data instanceof Float64Array) && !(input.data instanceof Float32Array)) {
    for (let i = 0; i < len; i++) {
      if (typeof (input.data as ArrayLike<unknown>)[i] !== 'number') {
        throw new DspgdError('E_SHAPE', `${name}.data: expected numbers, got ${typeof (input.data as ArrayLike<unknown>)[i]} at ${i}`, name);
      }
    }
  }
  return { data, rows, cols, oneD: shape.length === 1 };
}

function fromNested(input: readonly unknown[], name: string): Dense {
  if (input.length === 0) return { data: new Float64Array(0), rows: 0, cols: 0, oneD: true };
  if (!Array.isArray(input[0])) {
    const data = new Float64Array(input.length);
    for (let i = 0; i < input.length; i++) {
      const v = input[i];
      if (typeof v !== 'number') {
        throw new DspgdError('E_SHAPE', `${name}: expected numbers or rows of numbers, got ${Array.isArray(v) ? 'an array' : typeof v} at [${i}]`, name);
      }
      data[i] = v;
    }
    return { data, rows: input.length, cols: 1, oneD: true };
  }
  const rows = input.length;
  const cols = (input[0] as unknown[]).length;
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const row = input[i];
    if (!Array.isArray(row) || row.length !== cols) {
      throw new DspgdError('E_SHAPE', `${name}: ragged rows, row 0 has ${cols} values but row ${i} has ${Array.isArray(row) ? row.length : 'none'}`, name);
    }
    for (let j = 0; j < cols; j++) {
      const v = row[j];
      if (typeof v !== 'number') {
        throw new DspgdError('E_SHAPE', `${name}: expected numbers, got ${typeof v} at [${i}, ${j}]`, name);
      }
      data[i * cols + j] = v;
    }
  }
  return { data, rows, cols, oneD: false };
}

/** The user-facing form of a result: 1-D when the labels were 1-D. */
export function toMatrix(data: Float64Array, rows: number, cols: number, oneD: boolean): Matrix {
  return { data, shape: oneD && cols === 1 ? [rows] : [rows, cols] };
}

/** Nested arrays from a Matrix (for JSON output and small examples). */
export function toNested(m: Matrix): number[] | number[][] {
  if (m.shape.length === 1) return Array.from(m.data);
  const [r, c] = m.shape;
  const out: number[][] = [];
  for (let i = 0; i < r; i++) out.push(Array.from(m.data.subarray(i * c, (i + 1) * c)));
  return out;
}
