/**
 * @tensorflow/tfjs-backend-wasm: XNNPACK SIMD kernels in WASM, float32 only
 * (the table says so; its check against dspgd uses a float32 tolerance). Forced
 * to the single-threaded SIMD build so it compares with dspgd on one thread.
 * spectral: GᵀG (k×k) on tfjs, its S^(−1/2) in JS (tfjs has no eigensolver).
 */
import { PRECOND_PARAMS, type IterationPeer, type BenchPrecond } from '../types.js';
import { invSqrtSym } from './small-eig.js';

type Tf = typeof import('@tensorflow/tfjs-core');
type Tensor2D = import('@tensorflow/tfjs-core').Tensor2D;

export interface TfjsPeerOptions {
  /** Where the backend's .wasm files are (a folder path or URL ending in '/'); Node finds them by itself. */
  wasmPaths?: string;
}

export function tfjsPeer(opts: TfjsPeerOptions = {}): IterationPeer {
  let tf: Tf | undefined;
  let simd: unknown;
  const load = async (): Promise<Tf> => {
    if (tf) return tf;
    const core = await import('@tensorflow/tfjs-core');
    const wasmMod = await import('@tensorflow/tfjs-backend-wasm');
    const backend = ((wasmMod as { default?: unknown }).default ?? wasmMod) as typeof import('@tensorflow/tfjs-backend-wasm');
    if (opts.wasmPaths) backend.setWasmPaths(opts.wasmPaths);
    core.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    if (!(await core.setBackend('wasm'))) throw new Error('tfjs could not initialize its wasm backend');
    await core.ready();
    simd = await core.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    tf = core;
    return core;
  };
  return {
    kind: 'iteration', name: 'tfjs', label: '@tensorflow/tfjs-backend-wasm 4 (float32)', precision: 'f32', slow: false,
    note: 'float32 (WASM SIMD, XNNPACK, one thread); matMul with transposeA for Xᵀ·R; spectral: k×k S^(−1/2) in JS',
    async available() {
      try {
        await load();
        return true;
      } catch (e) {
        return `cannot load tfjs wasm backend: ${e instanceof Error ? e.message : String(e)}`;
      }
    },
    info: () => ({ version: tf?.version_core, backend: tf?.getBackend(), simd, threads: 1 }),
    async prepare(p) {
      const t = await load();
      const X = t.tensor2d(Float32Array.from(p.X), [p.n, p.d]);
      const Y = t.tensor2d(Float32Array.from(p.Y), [p.n, p.k]);
      const k = p.k;
      const gradK = (precond: BenchPrecond, G: Tensor2D): Tensor2D => {
        switch (precond) {
          case 'gd': return G;
          case 'adam': return t.div(G, t.add(t.abs(G), PRECOND_PARAMS.adam.eps));
          case 'spectral': {
            const eps = PRECOND_PARAMS.spectral.eps;
            const S = Float64Array.from(t.matMul(G, G, true, false).dataSync());
            for (let i = 0; i < k; i++) S[i * k + i] += eps * eps;
            const M = t.tensor2d(Float32Array.from(invSqrtSym(S, k)), [k, k]);
            return t.matMul(G, M);
          }
        }
      };
      return {
        supports: () => true,
        async run(precond, lr, iters) {
          let W = t.tensor2d(Float32Array.from(p.W0), [p.d, p.k]);
          const t0 = performance.now();
          for (let it = 0; it < iters; it++) {
            const next = t.tidy(() => {
              const R = t.sub(t.matMul(X, W), Y);
              const G = t.matMul(X, R, true, false) as Tensor2D;
              return t.sub(W, t.mul(gradK(precond, G), lr)) as Tensor2D;
            });
            W.dispose();
            W = next;
          }
          const data = W.dataSync(); // the wasm backend is synchronous; this only copies out
          const ms = performance.now() - t0;
          W.dispose();
          return { W: Float64Array.from(data), ms };
        },
        dispose() {
          X.dispose();
          Y.dispose();
        },
      };
    },
  };
}
