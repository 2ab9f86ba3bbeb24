import { describe, it, expect } from 'vitest';
import { getWasm } from '../src/wasm/module.js';

describe('smoke', () => {
  it('loads', async () => {
    const w = await getWasm();
    const p = w.allocF64(5);
    w.f64(p, 5).set([1, 2, 3, 4, 5]);
    expect(w.exports.sumsq(5, p)).toBe(55);
  });
});
