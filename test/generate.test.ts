// Seeded generators: same seed → same bytes (pinned by checksums, so a change
// to the draw order or the generator is caught), and the distributions are
// what the docs say.
import { describe, it, expect } from 'vitest';
import { generate } from '../src/generate.js';
import { DspgdError } from '../src/errors.js';

/** FNV-1a over the bytes of a Float64Array: a stable fingerprint for pinning generator output. */
function fnv1a(a: Float64Array): string {
  const b = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) {
    h ^= b[i];
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

describe('generate', () => {
  it('is deterministic: same seed, same bytes; other seed, other bytes', async () => {
    const a = await generate({ n: 7, d: 19, k: 3, seed: 42, kind: 'teacher' });
    const b = await generate({ n: 7, d: 19, k: 3, seed: 42, kind: 'teacher' });
    const c = await generate({ n: 7, d: 19, k: 3, seed: 43, kind: 'teacher' });
    expect(a.X.data).toEqual(b.X.data);
    expect(a.Y.data).toEqual(b.Y.data);
    expect(a.X.data).not.toEqual(c.X.data);
    for (const p of [a, b, c]) p.dispose();
  });

  it('gaussian: X ~ N(0, 1/d), Y ~ N(0, 1), W0 = 0, 1-D labels for k = 1', async () => {
    const n = 200, d = 500;
    const p = await generate({ n, d, seed: 1 });
    const X = p.X.data;
    let m = 0, v = 0;
    for (const x of X) m += x;
    m /= X.length;
    for (const x of X) v += (x - m) ** 2;
    v /= X.length;
    // 1e5 samples: the mean is within 5 standard errors, the variance within 2%.
    expect(Math.abs(m)).toBeLessThan(5 * Math.sqrt(1 / d / X.length));
    expect(v * d).toBeGreaterThan(0.98);
    expect(v * d).toBeLessThan(1.02);
    expect(p.Y.shape).toEqual([n]);
    expect(p.W0.shape).toEqual([d]);
    expect(p.W0.data.every((x) => x === 0)).toBe(true);
    p.dispose();
  });

  it('teacher: Y = X W* + noise, so with noise 0 the labels are exactly in the range of X', async () => {
    const p = await generate({ n: 5, d: 12, k: 2, seed: 3, kind: 'teacher', noise: 0 });
    const q = await generate({ n: 5, d: 12, k: 2, seed: 3, kind: 'teacher', noise: 0.5 });
    // Same X and W*, so the difference of labels is pure noise with the requested scale (10 samples: loose bound).
    expect(p.X.data).toEqual(q.X.data);
    const diff = p.Y.data.map((y, i) => q.Y.data[i] - y);
    const sd = Math.sqrt(diff.reduce((s, x) => s + x * x, 0) / diff.length);
    expect(sd).toBeGreaterThan(0.15);
    expect(sd).toBeLessThan(1.2);
    p.dispose(); q.dispose();
  });

  it('pins the bytes of seed 2026 (a platform or draw-order change shows up here)', async () => {
    const g = await generate({ n: 4, d: 9, k: 2, seed: 2026, kind: 'teacher', w0: 'gaussian' });
    expect([fnv1a(g.X.data), fnv1a(g.Y.data), fnv1a(g.W0.data)]).toMatchSnapshot();
    g.dispose();
  });

  it('rejects bad options with E_PARAM / E_UNKNOWN_NAME naming the option', async () => {
    const bad: [object, string, string][] = [
      [{ n: 0, d: 5 }, 'E_PARAM', 'n'],
      [{ n: 3, d: 2.5 }, 'E_PARAM', 'd'],
      [{ n: 3, d: 5, seed: -1 }, 'E_PARAM', 'seed'],
      [{ n: 3, d: 5, kind: 'uniform' }, 'E_UNKNOWN_NAME', 'kind'],
      [{ n: 6, d: 5, kind: 'spectrum' }, 'E_PARAM', 'kind'],
      [{ n: 3, d: 5, cond: 0.5, kind: 'spectrum' }, 'E_PARAM', 'cond'],
    ];
    for (const [opts, code, arg] of bad) {
      const err = await generate(opts as never).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DspgdError);
      expect((err as DspgdError).code).toBe(code);
      expect((err as DspgdError).argument).toBe(arg);
    }
  });
});
