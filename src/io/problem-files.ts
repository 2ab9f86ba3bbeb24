/**
 * loadProblem(): a Problem straight from files, without a second full copy of X.
 *
 * A little-endian float64, C-order `.npy` (what `np.save` writes for a float64
 * array) is read in blocks directly into the Problem's WASM memory: the only
 * full-size buffer is X's own. Every other format (and other dtypes or Fortran
 * order) goes through readMatrixFile and Problem.create, which holds a decoded
 * copy until the data is in WASM memory.
 */
import { DspgdError } from '../errors.js';
import { Problem } from '../problem.js';
import type { NpyHeader } from './npy.js';
// File-system modules load on first use, so importing the library in a browser pulls in no node: module.
const io = () => Promise.all([import('./npy.js'), import('./matrix-file.js'), import('./fs-errors.js')]);

export interface ProblemFiles {
  /** n×d data (.npy streams into WASM memory; .npz member, CSV, JSON also accepted). */
  X: string;
  /** n×k labels or a length-n vector. */
  Y: string;
  /** Optional d×k initialization. */
  W0?: string;
}

/** Bytes read per block: big enough to keep the disk busy, small next to X. */
const BLOCK = 1 << 22;

/** Reads a problem from files; `.npy` float64 files go straight into WASM memory. */
export async function loadProblem(files: ProblemFiles): Promise<Problem> {
  if (files === null || typeof files !== 'object' || typeof files.X !== 'string' || typeof files.Y !== 'string') {
    throw new DspgdError('E_PARAM', 'files: expected { X: path, Y: path, W0?: path }', 'files');
  }
  const paths = [['X', files.X], ['Y', files.Y], ...(files.W0 !== undefined ? [['W0', files.W0]] : [])] as [string, string][];
  const [{ parseNpyHeader, MAX_HEADER_SIZE }, { readMatrixFile }, { describeFsError }] = await io();
  const streamableHeader = (path: string, arg: string) => header(path, arg, parseNpyHeader, MAX_HEADER_SIZE, describeFsError);
  const heads = await Promise.all(paths.map(([arg, p]) => (p.toLowerCase().endsWith('.npy') ? streamableHeader(p, arg) : undefined)));
  if (heads.every((h) => h !== undefined)) {
    const [hx, hy, hw] = heads as NpyHeader[];
    if (hx.shape.length !== 2) throw new DspgdError('E_SHAPE', `X: expected a 2-D matrix (n×d) in ${files.X}, got shape [${hx.shape}]`, 'X');
    const [n, d] = hx.shape;
    const labelsOneD = hy.shape.length === 1;
    const k = labelsOneD ? 1 : hy.shape[1];
    if (hy.shape[0] !== n) throw new DspgdError('E_SHAPE', `Y: expected ${n} rows to match X (${n}×${d}), got ${hy.shape[0]} in ${files.Y}`, 'Y');
    if (hw && (hw.shape[0] !== d || (hw.shape.length === 2 ? hw.shape[1] : 1) !== k)) {
      throw new DspgdError('E_SHAPE', `W0: expected shape [${d}, ${k}] (d×k from X and Y), got [${hw.shape}] in ${files.W0}`, 'W0');
    }
    if (n === 0 || d === 0 || k === 0) throw new DspgdError('E_EMPTY', `X: ${files.X} has no elements (shape [${hx.shape}])`, 'X');
    const { openSync, readSync, closeSync } = await import('node:fs');
    return Problem.allocate(n, d, k, labelsOneD, (wasm, ptr) => {
      const targets: [string, string, NpyHeader, number, number][] = [['X', files.X, hx, ptr.X, n * d], ['Y', files.Y, hy, ptr.Y, n * k]];
      if (hw) targets.push(['W0', files.W0!, hw, ptr.W0, d * k]);
      for (const [arg, path, h, p, count] of targets) {
        let fd: number;
        try {
          fd = openSync(path, 'r');
        } catch (e) {
          throw new DspgdError('E_IO', `${arg}: cannot read ${path}: ${describeFsError(e)}`, arg, { cause: e });
        }
        try {
          let done = 0;
          const total = count * 8;
          while (done < total) {
            // A fresh view per block: nothing allocates in WASM here, but stay safe if it ever does.
            const dest = new Uint8Array(wasm.exports.memory.buffer, p + done, Math.min(BLOCK, total - done));
            const got = readSync(fd, dest, 0, dest.length, h.dataOffset + done);
            if (got <= 0) throw new DspgdError('E_FORMAT', `${arg}: ${path}: the data ends after ${done} of ${total} bytes`, arg);
            done += got;
          }
        } catch (e) {
          if (e instanceof DspgdError) throw e;
          throw new DspgdError('E_IO', `${arg}: cannot read ${path}: ${describeFsError(e)}`, arg, { cause: e });
        } finally {
          closeSync(fd);
        }
        if (wasm.exports.allFinite(count, p) !== 1) {
          const v = wasm.f64(p, count);
          let i = 0;
          while (Number.isFinite(v[i])) i++;
          const cols = h.shape.length === 2 ? h.shape[1] : 1;
          throw new DspgdError('E_NONFINITE', `${arg}: expected finite values, got ${v[i]} at [${h.shape.length === 2 ? `${Math.floor(i / cols)}, ${i % cols}` : i}] in ${path}`, arg);
        }
      }
    });
  }
  const [X, Y, W0] = await Promise.all(paths.map(([arg, p]) => readMatrixFile(p, arg)));
  return Problem.create({ X, Y, W0 });
}

/** The header of a `.npy` that can stream as is (float64, little-endian, C order), else undefined. */
async function header(
  path: string, arg: string,
  parseNpyHeader: (b: Uint8Array, name: string, size: number) => NpyHeader, MAX_HEADER_SIZE: number,
  describeFsError: (e: unknown) => string,
): Promise<NpyHeader | undefined> {
  const { open } = await import('node:fs/promises');
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new DspgdError('E_IO', `${arg}: cannot read ${path}: ${describeFsError(e)}`, arg, { cause: e });
  }
  try {
    const { size } = await fh.stat();
    const head = new Uint8Array(Math.min(size, 12 + MAX_HEADER_SIZE));
    await fh.read(head, 0, head.length, 0);
    const h = parseNpyHeader(head, `${arg}: ${path}`, size);
    const d = h.dtype;
    const fortran2d = h.fortranOrder && h.shape.length === 2 && h.shape[0] > 1 && h.shape[1] > 1;
    return d.kind === 'f' && d.size === 8 && d.littleEndian && !fortran2d ? h : undefined;
  } finally {
    await fh.close();
  }
}
