/**
 * loadProblem(): a Problem straight from files, without a second full copy of X.
 *
 * Every array's shape is known before anything large is read: a `.npy` from
 * its header, an `.npz` member from its zip entry and its `.npy` header (only
 * the first bytes are inflated), a text file (size-capped) once parsed. The
 * shapes are checked against each other and against the WASM limits, then
 * the binary arrays are streamed, converted piece by piece from their dtype,
 * byte order and memory order, straight into the Problem's WASM memory: the
 * only full-size buffer is X's own. Text formats are parsed into a matrix
 * first (they are capped at MAX_TEXT_BYTES).
 */
import { DspgdError } from '../../errors.js';
import type { Matrix } from '../../matrix.js';
import { Problem } from '../../problem.js';
import type { Wasm } from '../../wasm/module.js';
import { parseCsv } from '../csv.js';
import { parseJsonMatrix } from '../json.js';
import { decodeText } from '../matrix-format.js';
import { decodeNpyFrom, readNpyHeader } from '../npy.js';
import { NpzArchive } from '../npz.js';
import { bytesSource, type ByteSource } from '../source.js';
import { FileHash } from './file-hash.js';
import { resolveMatrixPath } from './matrix-file.js';
import { openFile, readBytes, type OpenFile } from './read.js';

export interface ProblemFiles {
  /** n×d data (.npy, .npz member as FILE.npz:NAME, CSV/TSV/TXT, JSON). */
  X: string;
  /** n×k labels or a length-n vector. */
  Y: string;
  /** Optional d×k initialization. */
  W0?: string;
}

export interface LoadProblemOptions {
  /** What errors call each array (`err.argument` and the message's start); default 'X', 'Y', 'W0'. */
  names?: { X?: string; Y?: string; W0?: string };
  /** For delimited text: whether the first row is a header ('auto' by default). */
  header?: 'auto' | boolean;
  /** For delimited text: told when a pandas index column was dropped (parseCsv's onNote). */
  onNote?: (message: string) => void;
  /** W0 names an .npz member that may be absent (then W0 is zeros). */
  optionalW0?: boolean;
  /**
   * Told the SHA-256 of each file read (its path, an .npz member's split off), before
   * loadProblem returns: hashed from the loader's own reads (file-hash.ts), so it is the hash
   * of the bytes loaded, without a second read of the file.
   */
  onSha256?: (file: string, sha256: string) => void;
}

type Role = 'X' | 'Y' | 'W0';

/** One array: its shape, and how to write its values into a float64 destination. */
interface Input {
  role: Role;
  name: string;
  path: string;
  shape: number[];
  fill(target: () => Float64Array): void;
}

/** Reads a problem from files; binary arrays stream into WASM memory. */
export async function loadProblem(files: ProblemFiles, options: LoadProblemOptions = {}): Promise<Problem> {
  if (files === null || typeof files !== 'object' || typeof files.X !== 'string' || typeof files.Y !== 'string') {
    throw new DspgdError('E_PARAM', 'files: expected { X: path, Y: path, W0?: path }', 'files');
  }
  const names = { X: options.names?.X ?? 'X', Y: options.names?.Y ?? 'Y', W0: options.names?.W0 ?? 'W0' };
  const open: OpenFile[] = [];
  // One hash per file (X and Y may be members of one .npz), fed by the reads of every role.
  const hashes = new Map<string, FileHash>();
  const hashed = <T extends ByteSource>(file: string, src: T): T => {
    if (!options.onSha256) return src;
    if (!hashes.has(file)) hashes.set(file, new FileHash());
    return hashes.get(file)!.wrap(src);
  };
  try {
    const inputs: Input[] = [];
    for (const role of ['X', 'Y', 'W0'] as const) {
      const path = files[role];
      if (path === undefined) continue;
      const input = await openInput(role, names[role], path, options, open, hashed);
      if (input) inputs.push(input);
    }
    const [x, y, w] = [inputs.find((i) => i.role === 'X')!, inputs.find((i) => i.role === 'Y')!, inputs.find((i) => i.role === 'W0')];
    if (x.shape.length !== 2) throw new DspgdError('E_SHAPE', `${x.name}: expected a 2-D matrix (n×d) in ${x.path}, got shape [${x.shape}]`, x.name);
    const [n, d] = x.shape;
    const labelsOneD = y.shape.length === 1;
    const k = labelsOneD ? 1 : y.shape[1];
    if (y.shape[0] !== n) throw new DspgdError('E_SHAPE', `${y.name}: expected ${n} rows to match ${x.name} (${n}×${d}), got ${y.shape[0]} in ${y.path}`, y.name);
    if (w && (w.shape[0] !== d || (w.shape.length === 2 ? w.shape[1] : 1) !== k)) {
      throw new DspgdError('E_SHAPE', `${w.name}: expected shape [${d}, ${k}] (d×k from ${x.name} and ${y.name}), got [${w.shape}] in ${w.path}`, w.name);
    }
    if (n === 0 || d === 0 || k === 0) throw new DspgdError('E_EMPTY', `${x.name}: ${x.path} has no elements (shape [${x.shape}])`, x.name);
    let problem: Problem;
    try {
      problem = await Problem.allocate(n, d, k, labelsOneD, (wasm, ptr) => {
        for (const input of inputs) {
          const [p, count] = input.role === 'X' ? [ptr.X, n * d] : input.role === 'Y' ? [ptr.Y, n * k] : [ptr.W0, d * k];
          input.fill(() => wasm.f64(p, count));
          checkFinite(wasm, p, count, input);
        }
      });
    } catch (e) {
      // The Problem's own checks (memory limits) speak of X, Y, W0; say which argument the user gave.
      if (e instanceof DspgdError && (e.argument === 'X' || e.argument === 'Y' || e.argument === 'W0') && names[e.argument] !== e.argument) {
        const name = names[e.argument];
        throw new DspgdError(e.code, e.message.startsWith(`${e.argument}:`) ? `${name}${e.message.slice(e.argument.length)}` : `${name}: ${e.message}`, name, { cause: e });
      }
      throw e;
    }
    try {
      for (const [file, hash] of hashes) options.onSha256!(file, hash.digest());
    } catch (e) {
      problem.dispose();
      throw e;
    }
    return problem;
  } finally {
    for (const f of open) f.close();
  }
}

async function openInput(
  role: Role, name: string, path: string, options: LoadProblemOptions, open: OpenFile[], hashed: <T extends ByteSource>(file: string, src: T) => T,
): Promise<Input | undefined> {
  const { file, ext, member } = resolveMatrixPath(path, name);
  const label = `${name}: ${file}`;
  if (ext === '.npy') {
    const f = hashed(file, openFile(file, name));
    open.push(f);
    const h = readNpyHeader(f, label, name);
    return { role, name, path: file, shape: h.shape, fill: (target) => decodeNpyFrom(f, h, target, label, name) };
  }
  if (ext === '.npz') {
    const f = hashed(file, openFile(file, name));
    open.push(f);
    const archive = NpzArchive.open(f, label, name);
    if (member === undefined || member === '') {
      const list = archive.keys.length ? archive.keys.map((k) => `'${k}'`).join(', ') : 'none';
      throw new DspgdError('E_PARAM', `${label}: an .npz file holds several arrays; name the one to read as ${file}:NAME (it has: ${list})`, name);
    }
    if (role === 'W0' && options.optionalW0 && !archive.keys.includes(member)) return undefined;
    const [entry] = archive.select([member]);
    const h = archive.header(entry);
    return { role, name, path: file, shape: h.shape, fill: (target) => { archive.decode(entry, () => target(), target); } };
  }
  const bytes = await readBytes(file, name);
  hashed(file, bytesSource(bytes)); // read by digest(), from memory: the bytes parsed
  const text = decodeText(bytes);
  const m: Matrix = ext === '.json'
    ? parseJsonMatrix(text, label, { argument: name })
    : parseCsv(text, label, { argument: name, header: options.header, delimiter: ext === '.tsv' ? '\t' : 'auto', onNote: options.onNote });
  return { role, name, path: file, shape: [...m.shape], fill: (target) => target().set(m.data as Float64Array) };
}

function checkFinite(wasm: Wasm, p: number, count: number, input: Input): void {
  if (wasm.exports.allFinite(count, p) === 1) return;
  const v = wasm.f64(p, count);
  let i = 0;
  while (Number.isFinite(v[i])) i++;
  const { shape, name, path } = input;
  const cols = shape.length === 2 ? shape[1] : 1;
  throw new DspgdError('E_NONFINITE', `${name}: expected finite values, got ${v[i]} at [${shape.length === 2 ? `${Math.floor(i / cols)}, ${i % cols}` : i}] in ${path}`, name);
}
