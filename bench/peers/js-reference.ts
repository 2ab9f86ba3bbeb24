/**
 * The project's own plain-JS float64 iteration (src/reference/, also the test
 * reference): textbook loops, no WASM. Runs anywhere.
 */
import { referenceIterate } from '../../src/reference/iteration.js';
import { referenceGradK } from '../../src/reference/precond.js';
import { PRECOND_PARAMS, type IterationPeer, type BenchPrecond } from '../types.js';

export function jsReferencePeer(): IterationPeer {
  return {
    kind: 'iteration', name: 'js', label: 'plain JS reference (src/reference/)', precision: 'f64', slow: true,
    note: 'float64 loops straight from the spec; spectral via Denman–Beavers S^(−1/2)',
    available: async () => true,
    async prepare(p) {
      const problem = { X: p.X, Y: p.Y, W0: p.W0, n: p.n, d: p.d, k: p.k };
      return {
        supports: () => true,
        async run(precond: BenchPrecond, lr: number, iters: number) {
          const params = PRECOND_PARAMS[precond];
          const t0 = performance.now();
          const W = referenceIterate(problem, {
            lossName: 'squared', lossParam: 0, reduction: 'sum', lr, iters,
            gradK: (G, out, d, k) => referenceGradK(precond, params, G, out, d, k),
          });
          return { W, ms: performance.now() - t0 };
        },
        dispose() {},
      };
    },
  };
}
