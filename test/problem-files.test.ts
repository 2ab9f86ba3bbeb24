// loadProblem: .npy files and .npz members stream straight into WASM memory; text formats are parsed first.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProblem, Problem, DspgdError } from '../src/index.js';
import { encodeNpy, parseNpy, parseNpyHeader, NpyDecoder } from '../src/io/npy.js';
import { zipSync } from 'fflate';
import { randn } from './helpers/rng.js';

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'dspgd-files-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, bytes: Uint8Array) => { const p = join(dir, name); writeFileSync(p, bytes); return p; };
const bits = (a: ArrayLike<number>) => Buffer.from(new Float64Array(Array.from(a)).buffer).toString('hex');

describe('loadProblem', () => {
  const n = 7, d = 13, k = 3;
  const X = randn(n * d, 1), Y = randn(n * k, 2), W0 = randn(d * k, 3), y = randn(n, 4);

  it('float64 .npy files: the same arrays as Problem.create, bit for bit (2-D and 1-D labels, with W0)', async () => {
    const px = file('X.npy', encodeNpy({ data: X, shape: [n, d] }));
    const p = await loadProblem({ X: px, Y: file('Y.npy', encodeNpy({ data: Y, shape: [n, k] })), W0: file('W0.npy', encodeNpy({ data: W0, shape: [d, k] })) });
    const q = await Problem.create({ X: { data: X, shape: [n, d] }, Y: { data: Y, shape: [n, k] }, W0: { data: W0, shape: [d, k] } });
    expect(bits(p.X.data)).toBe(bits(q.X.data));
    expect(bits(p.Y.data)).toBe(bits(q.Y.data));
    expect(bits(p.W0.data)).toBe(bits(q.W0.data));
    expect(p.yNorm).toBe(q.yNorm);
    const r = await loadProblem({ X: px, Y: file('y.npy', encodeNpy({ data: y, shape: [n] })) });
    expect([r.n, r.d, r.k, r.labelsOneD]).toEqual([n, d, 1, true]);
    expect(bits(r.Y.data)).toBe(bits(y));
    expect(bits(r.W0.data)).toBe(bits(new Float64Array(d)));
    [p, q, r].forEach((x) => { x.dispose(); });
  });

  it('other formats (CSV labels) take the decoding path and give the same problem', async () => {
    const csv = Array.from({ length: n }, (_, i) => Array.from({ length: k }, (_, c) => Y[i * k + c].toPrecision(17)).join(',')).join('\n');
    const p = await loadProblem({ X: file('X2.npy', encodeNpy({ data: X, shape: [n, d] })), Y: file('Y.csv', new TextEncoder().encode(`${csv}\n`)) });
    expect(bits(p.Y.data)).toBe(bits(Y));
    expect(bits(p.X.data)).toBe(bits(X));
    p.dispose();
  });

  it('a NaN in X is E_NONFINITE naming X, the file and the position', async () => {
    const bad = Float64Array.from(X); bad[2 * d + 5] = NaN;
    const err = await loadProblem({ X: file('Xnan.npy', encodeNpy({ data: bad, shape: [n, d] })), Y: file('Y3.npy', encodeNpy({ data: Y, shape: [n, k] })) }).catch((e) => e);
    expect(err).toBeInstanceOf(DspgdError);
    expect(err.code).toBe('E_NONFINITE');
    expect(err.argument).toBe('X');
    expect(err.message).toMatch(/^X: .*NaN at \[2, 5\] in .*Xnan\.npy/);
  });

  it('shape mismatches are E_SHAPE before anything is read; truncated data is E_FORMAT; a missing file is E_IO', async () => {
    const px = file('X4.npy', encodeNpy({ data: X, shape: [n, d] }));
    const e1 = await loadProblem({ X: px, Y: file('Ybad.npy', encodeNpy({ data: Y.subarray(0, (n - 1) * k), shape: [n - 1, k] })) }).catch((e) => e);
    expect([e1.code, e1.argument]).toEqual(['E_SHAPE', 'Y']);
    const e2 = await loadProblem({ X: px, Y: file('Y5.npy', encodeNpy({ data: Y, shape: [n, k] })), W0: file('W0bad.npy', encodeNpy({ data: W0.subarray(0, d), shape: [d] })) }).catch((e) => e);
    expect([e2.code, e2.argument]).toEqual(['E_SHAPE', 'W0']);
    const full = encodeNpy({ data: X, shape: [n, d] });
    const e3 = await loadProblem({ X: file('Xtrunc.npy', full.subarray(0, full.length - 8)), Y: file('Y6.npy', encodeNpy({ data: Y, shape: [n, k] })) }).catch((e) => e);
    expect(e3.code).toBe('E_FORMAT');
    expect(e3.message).toMatch(/truncated/);
    const e4 = await loadProblem({ X: join(dir, 'nope.npy'), Y: join(dir, 'nope2.npy') }).catch((e) => e);
    expect([e4.code, e4.argument]).toEqual(['E_IO', 'X']);
  });
});

describe('streamed decoding: any dtype, byte order and memory order, in pieces of any size', () => {
  const FIX = join(__dirname, 'fixtures', 'npy');
  const fixtures = readdirSync(FIX).filter((f) => f.endsWith('_2d.npy') && !f.includes('empty'));

  it('NpyDecoder fed 1, 3, 7 or 4096 bytes at a time gives exactly parseNpy\'s values (NumPy-written fixtures)', () => {
    expect(fixtures.length).toBeGreaterThan(8);
    for (const f of fixtures) {
      const bytes = new Uint8Array(readFileSync(join(FIX, f)));
      const whole = parseNpy(bytes, f);
      const h = parseNpyHeader(bytes, f);
      for (const piece of [1, 3, 7, 4096]) {
        const out = new Float64Array(whole.data.length);
        const dec = new NpyDecoder(h);
        for (let p = h.dataOffset; p < bytes.length; p += piece) dec.write(bytes.subarray(p, Math.min(bytes.length, p + piece)), out);
        expect(bits(out), `${f} in pieces of ${piece}`).toBe(bits(whole.data));
      }
    }
  });

  it('loadProblem streams an X of every 2-D fixture dtype, and .npz members (stored and deflated), into the same problem as Problem.create', async () => {
    let tested = 0;
    for (const f of fixtures) {
      const bytes = new Uint8Array(readFileSync(join(FIX, f)));
      const Xm = parseNpy(bytes, f);
      if (!Xm.data.every(Number.isFinite)) continue; // a problem holds finite values only
      tested++;
      const rows = Xm.shape[0];
      const Ym = { data: randn(rows, 9), shape: [rows] as [number] };
      const ref = await Problem.create({ X: Xm, Y: Ym });
      const yPath = file(`${f}.y.npy`, encodeNpy(Ym));
      const viaNpy = await loadProblem({ X: join(FIX, f), Y: yPath });
      // The fixture's own bytes (its dtype and order) as a member, deflated and stored.
      const z = file(`${f}.npz`, zipSync({ 'X.npy': [bytes, { level: 6 }], 'Y.npy': [encodeNpy(Ym), { level: 0 }] }));
      const viaNpz = await loadProblem({ X: `${z}:X`, Y: `${z}:Y` });
      for (const p of [viaNpy, viaNpz]) {
        expect(bits(p.X.data), f).toBe(bits(ref.X.data));
        expect(bits(p.Y.data), f).toBe(bits(ref.Y.data));
        p.dispose();
      }
      ref.dispose();
    }
    expect(tested).toBeGreaterThan(6);
  });
});
