/**
 * The demo page's data worker: parses uploaded .npy/.csv files and builds the X = [T 0]
 * problem off the page's thread (a 50 MB CSV takes seconds to parse; the page must not
 * freeze). Arrays come back transferred, not copied.
 */
import { parseNpy } from '../src/io/npy.js';
import { parseCsv } from '../src/io/csv.js';
import type { Matrix } from '../src/matrix.js';
import type { DataRequest, DataResponse } from './data-protocol.js';

const post = (m: DataResponse, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);

/**
 * 32-bit state, integer arithmetic only (mulberry32), so a seed gives the same X in every
 * browser: the link to a [T 0] run reproduces it bit for bit.
 */
function uniforms(seed: number): () => number {
  let a = (seed >>> 0) ^ Math.floor(seed / 2 ** 32);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32 * 2 - 1; // in [−1, 1), exact in float64
  };
}

/**
 * X = [T 0] with T = I + B (n×n, B_ij uniform with ‖B‖ about 0.5, so T is well conditioned and
 * runs converge quickly) and d − n zero columns; Y uniform in [−1, 1), n×k (1-D when k = 1).
 * The row space of X is the first n coordinates: elementwise maps keep W there too.
 */
function padded(n: number, d: number, k: number, seed: number): { X: Matrix; Y: Matrix } {
  const u = uniforms(seed);
  const X = new Float64Array(n * d);
  const scale = 0.5 * Math.sqrt(3) / Math.sqrt(n) / 2;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) X[i * d + j] = (i === j ? 1 : 0) + scale * u();
  const Y = new Float64Array(n * k);
  for (let i = 0; i < Y.length; i++) Y[i] = u();
  return { X: { data: X, shape: [n, d] }, Y: { data: Y, shape: k === 1 ? [n] : [n, k] } };
}

self.onmessage = async (ev: MessageEvent<DataRequest>) => {
  const req = ev.data;
  try {
    if (req.op === 'parse') {
      const f = req.file;
      const m = f.name.toLowerCase().endsWith('.npy') ? parseNpy(new Uint8Array(await f.arrayBuffer()), f.name) : parseCsv(await f.text(), f.name);
      post({ id: req.id, matrices: [m] }, [m.data.buffer]);
    } else {
      const { X, Y } = padded(req.n, req.d, req.k, req.seed);
      post({ id: req.id, matrices: [X, Y] }, [X.data.buffer, Y.data.buffer]);
    }
  } catch (e) {
    post({ id: req.id, error: { message: e instanceof Error ? e.message : String(e), code: (e as { code?: string }).code } });
  }
};
