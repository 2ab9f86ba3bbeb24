// Every documented kind of bad input raises a DspgdError with a code and
// a message that names the argument, before any WASM memory is touched.
import { describe, it, expect } from 'vitest';
import { solve, DspgdError, requiredBytes } from '../src/index.js';

const good = () => ({ X: [[1, 0, 2], [0, 1, 1]], Y: [1, 2] });
const opts = { precond: 'gd', lr: 0.1 } as const;

async function expectError(p: Promise<unknown>, code: string, argument: string, text?: RegExp) {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err, 'expected a DspgdError').toBeInstanceOf(DspgdError);
  expect((err as DspgdError).code).toBe(code);
  expect((err as DspgdError).argument).toBe(argument);
  if (text) expect((err as DspgdError).message).toMatch(text);
}

describe('bad data', () => {
  it('shape mismatches', async () => {
    await expectError(solve({ X: [[1, 2], [3, 4]], Y: [1, 2, 3] }, opts), 'E_SHAPE', 'Y', /expected 2 rows/);
    await expectError(solve({ ...good(), W0: [1, 2] }, opts), 'E_SHAPE', 'W0', /expected shape \[3\]/);
    await expectError(solve({ X: [[1, 2], [3]], Y: [1, 2] }, opts), 'E_SHAPE', 'X', /ragged/);
    await expectError(solve({ X: { data: new Float64Array(5), shape: [2, 3] }, Y: [1, 2] }, opts), 'E_SHAPE', 'X', /needs 6 values/);
    await expectError(solve({ X: [1, 2, 3], Y: [1, 2, 3] }, opts), 'E_SHAPE', 'X', /2-D/);
    await expectError(solve({ X: [[1, 'a']] as never, Y: [1] }, opts), 'E_SHAPE', 'X', /numbers/);
  });

  it('non-finite values', async () => {
    await expectError(solve({ X: [[1, NaN, 2], [0, 1, 1]], Y: [1, 2] }, opts), 'E_NONFINITE', 'X', /\[0, 1\]/);
    await expectError(solve({ ...good(), Y: [1, Infinity] }, opts), 'E_NONFINITE', 'Y');
    await expectError(solve({ ...good(), W0: [0, -Infinity, 0] }, opts), 'E_NONFINITE', 'W0');
  });

  it('empty arrays', async () => {
    await expectError(solve({ X: [], Y: [] }, opts), 'E_EMPTY', 'X');
    await expectError(solve({ X: { data: new Float64Array(0), shape: [0, 3] }, Y: [] }, opts), 'E_EMPTY', 'X');
  });

  it('problems too large for WASM memory are refused up front with the size they need', async () => {
    // 100 000 × 100 000 doubles = 80 GB: must fail on the size check, not on an allocation.
    const huge = { X: { data: { length: 1e10 } as ArrayLike<number>, shape: [1e5, 1e5] }, Y: { data: new Float64Array(1e5), shape: [1e5] } };
    expect(requiredBytes(1e5, 1e5, 1)).toBeGreaterThan(4 * 2 ** 30);
    await expectError(solve(huge as never, opts), 'E_TOO_LARGE', 'X', /GiB/);
  });
});

describe('bad options', () => {
  it('learning rate ≤ 0 or non-finite', async () => {
    for (const lr of [0, -1, NaN, Infinity, '0.1' as never]) {
      await expectError(solve(good(), { precond: 'gd', lr }), 'E_PARAM', 'lr', /> 0/);
    }
  });

  it('unknown names and bad parameters', async () => {
    await expectError(solve(good(), { precond: 'adamw', lr: 0.1 }), 'E_UNKNOWN_NAME', 'precond', /adamw/);
    await expectError(solve(good(), { precond: 'adam:epsilon=1', lr: 0.1 }), 'E_UNKNOWN_NAME', 'precond.epsilon');
    await expectError(solve(good(), { precond: 'adam:eps=-1', lr: 0.1 }), 'E_PARAM', 'precond.eps');
    await expectError(solve(good(), { precond: 'power:p=1', lr: 0.1 }), 'E_PARAM', 'precond.p');
    await expectError(solve(good(), { precond: 'clip:c=0', lr: 0.1 }), 'E_PARAM', 'precond.c');
    await expectError(solve(good(), { precond: 'adam:eps=abc', lr: 0.1 }), 'E_PARAM', 'precond.eps');
    await expectError(solve(good(), { ...opts, loss: 'hinge' }), 'E_UNKNOWN_NAME', 'loss', /hinge/);
    await expectError(solve(good(), { ...opts, loss: 'huber:delta=0' }), 'E_PARAM', 'loss.delta');
    await expectError(solve(good(), { ...opts, loss: 'lp:p=0.5' }), 'E_PARAM', 'loss.p');
    await expectError(solve(good(), { ...opts, reduction: 'avg' as never }), 'E_PARAM', 'reduction');
    await expectError(solve(good(), { ...opts, maxIter: -1 }), 'E_PARAM', 'maxIter');
    await expectError(solve(good(), { ...opts, tol: NaN }), 'E_PARAM', 'tol');
    await expectError(solve(good(), { ...opts, stall: { window: 0 } }), 'E_PARAM', 'stall.window');
    await expectError(solve(good(), { ...opts, timeLimitMs: 0 }), 'E_PARAM', 'timeLimitMs');
  });
});
