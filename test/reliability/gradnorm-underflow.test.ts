// ‖G‖ for a tiny but nonzero gradient (|g| below ~1e−162, where g² underflows): reported nonzero, and
// gradTol = 0 does not call the run converged. Both paths (found by fuzzing primal against rowspace).
import { describe, it, expect } from 'vitest';
import { solve } from '../../src/index.js';

describe('gradient norm underflow', () => {
  for (const path of ['primal', 'rowspace'] as const) {
    it(`${path}: a tiny but nonzero gradient is not 'converged' by gradTol = 0, and ‖G‖ is reported nonzero`, async () => {
      // X = 1e−170·I, y = (1, 1): G = Xᵀ(XW − y) = −1e−170·(1, 1) at W = 0.
      const r = await solve({ X: [[1e-170, 0], [0, 1e-170]], Y: [1, 1] }, { precond: 'gd', lr: 0.1, path, maxIter: 50 });
      expect(r.relResidual).toBe(1);
      expect(r.status).not.toBe('converged');
      expect(r.gradNorm).toBeCloseTo(Math.SQRT2 * 1e-170, 185);
      expect(r.gradNorm).toBeGreaterThan(0);
    });
  }
});
