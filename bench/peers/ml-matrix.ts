/**
 * ml-matrix: what a JS user would write with the most common JS matrix library.
 * Xᵀ is formed once in prepare (a user would hoist it out of the loop too), so
 * the timed loop is two mmul's, the ∇K and the update. spectral uses the
 * library's own symmetric eigendecomposition of the k×k matrix GᵀG + ε²I.
 * ml-matrix is a devDependency: it is imported when the peer is asked whether it is
 * available, so an installed dspgd without it runs the suite with a notice for this peer.
 */
import { PRECOND_PARAMS, type IterationPeer, type BenchPrecond } from '../types.js';

const loadMlMatrix = () => import('ml-matrix');
type MlMatrix = Awaited<ReturnType<typeof loadMlMatrix>>;
type Matrix = import('ml-matrix').Matrix;

function gradK({ Matrix, EigenvalueDecomposition }: MlMatrix, precond: BenchPrecond, G: Matrix): Matrix {
  switch (precond) {
    case 'gd': return G;
    case 'adam': {
      const eps = PRECOND_PARAMS.adam.eps;
      const denom = Matrix.abs(G).add(eps);
      return G.clone().div(denom);
    }
    case 'spectral': {
      const eps = PRECOND_PARAMS.spectral.eps;
      const k = G.columns;
      const S = G.transpose().mmul(G).add(Matrix.eye(k, k).mul(eps * eps));
      const e = new EigenvalueDecomposition(S, { assumeSymmetric: true });
      const V = e.eigenvectorMatrix;
      const scale = Matrix.diag(e.realEigenvalues.map((l) => 1 / Math.sqrt(l)));
      return G.mmul(V.mmul(scale).mmul(V.transpose()));
    }
  }
}

export function mlMatrixPeer(): IterationPeer {
  let lib: MlMatrix | undefined;
  return {
    kind: 'iteration', name: 'ml-matrix', label: 'ml-matrix 6 (Matrix.mmul)', precision: 'f64', slow: true,
    note: 'R = X·W − Y, G = Xᵀ·R with Xᵀ formed once; spectral via its EigenvalueDecomposition (k×k)',
    async available() {
      try {
        lib = await loadMlMatrix();
        return true;
      } catch (e) {
        return `cannot load ml-matrix (a devDependency of dspgd): ${e instanceof Error ? e.message : String(e)}`;
      }
    },
    async prepare(p) {
      lib ??= await loadMlMatrix();
      const ml = lib;
      const { Matrix } = ml;
      const X = Matrix.from1DArray(p.n, p.d, p.X);
      const Xt = X.transpose();
      const Y = Matrix.from1DArray(p.n, p.k, p.Y);
      return {
        supports: () => true,
        async run(precond, lr, iters) {
          const W = Matrix.from1DArray(p.d, p.k, p.W0);
          const t0 = performance.now();
          for (let t = 0; t < iters; t++) {
            const R = X.mmul(W).sub(Y);
            const G = Xt.mmul(R);
            W.sub(gradK(ml, precond, G).mul(lr));
          }
          const ms = performance.now() - t0;
          return { W: Float64Array.from(W.to1DArray()), ms };
        },
        dispose() {},
      };
    },
  };
}
