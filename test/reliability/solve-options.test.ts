// solve() checks option types before comparing them: a Symbol is E_PARAM, not a TypeError.
// (Was a pending test; fixed on main in c7dae8f.)
import { describe, it, expect } from 'vitest';
import { solve, DspgdError } from '../../src/index.js';

describe('solve option types', () => {
  it('yieldEveryMs: a Symbol is E_PARAM, not a TypeError', async () => {
    const e = await solve({ X: [[1, 2]], Y: [1] }, { precond: 'gd', lr: 0.1, yieldEveryMs: Symbol('x') as never }).catch((x) => x);
    expect(e).toBeInstanceOf(DspgdError);
    expect(e.code).toBe('E_PARAM');
    expect(e.argument).toBe('yieldEveryMs');
  });
});
