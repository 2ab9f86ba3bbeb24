// log cosh r against a 240-bit reference (test/helpers/bigfloat.ts: Taylor series for
// sinh, atanh series for log, no cancellation anywhere) over r = ±1e−300 … ±1e300:
// the WASM loss kernel and the JS reference both within a few ulps of the exact value.
import { describe, it, expect, beforeAll } from 'vitest';
import { getWasm, type Wasm } from '../src/wasm/module.js';
import { LOSS_IDS } from '../src/losses/index.js';
import { logcoshRef } from '../src/reference/losses.js';
import { logcosh as exactLogcosh, ulpError, toNumber, bf, sub, add, mul, div } from './helpers/bigfloat.js';

let w: Wasm;
beforeAll(async () => {
  w = await getWasm();
});

/** Magnitudes 10^e·m for every e in [−300, 300] (step 5) and a few mantissas, plus a dense grid where the formulas meet. */
function samples(): number[] {
  const out: number[] = [];
  for (let e = -300; e <= 300; e += 5) for (const m of [1, 1.7, 3.3, 7.1]) out.push(m * 10 ** e);
  for (let x = 1e-3; x < 80; x *= 1.13) out.push(x);
  for (const x of [1.7e-9, 0.9999999999999999, 1, 1.0000000000000002, 709.7, 710.5, 5e-324, 2.2250738585072014e-308, 1.4916681462400413e-154]) out.push(x);
  return out.flatMap((x) => [x, -x]);
}

function wasmLogcosh(rs: number[]): number[] {
  const pR = w.allocF64(1), pG = w.allocF64(1);
  const out = rs.map((r) => {
    w.f64(pR, 1)[0] = r;
    return w.exports.lossEval(LOSS_IDS.logcosh, 0, pR, pG, 1, 1, 1);
  });
  w.free(pR); w.free(pG);
  return out;
}

describe('log cosh loss value', () => {
  it('the reference itself: the series r²/2 − r⁴/12 + r⁶/45 − 17r⁸/2520 at r = 1e−3 and |r| − log 2 at r = 100', () => {
    // Both independent of the reference's sinh/log route; at r = 1e−3 the next term (62r¹⁰/2835) is 2.2e−32.
    const r = bf(1e-3), r2 = mul(r, r), r4 = mul(r2, r2);
    const series = sub(add(sub(div(r2, bf(2)), div(r4, bf(12))), div(mul(r4, r2), bf(45))), div(mul(mul(r4, r4), bf(17)), bf(2520)));
    expect(Math.abs(toNumber(sub(exactLogcosh(1e-3), series)))).toBeLessThan(3e-32);
    expect(toNumber(sub(exactLogcosh(100), bf(100 - Math.LN2)))).toBeLessThan(1e-14);
    // Where log(cosh r) is well-conditioned (r = 3: log cosh r > 2) the naive formula agrees too.
    expect(ulpError(Math.log(Math.cosh(3)), exactLogcosh(3))).toBeLessThan(2);
  });

  it('WASM kernel and JS reference within 3 ulps from 1e−300 to 1e300', () => {
    const rs = samples();
    const vw = wasmLogcosh(rs);
    let worstW = 0, worstR = 0, at = 0;
    rs.forEach((r, i) => {
      const ex = exactLogcosh(r);
      const ew = ulpError(vw[i], ex), er = ulpError(logcoshRef(r), ex);
      if (ew > worstW) { worstW = ew; at = r; }
      worstR = Math.max(worstR, er);
    });
    expect(worstW, `worst at r = ${at}`).toBeLessThanOrEqual(3);
    expect(worstR).toBeLessThanOrEqual(3);
  });

  it('is even, 0 at 0, and r²/2 to the ulp where r⁴/12 is below it', () => {
    const [a, b, z] = wasmLogcosh([3e-5, -3e-5, 0]);
    expect(a).toBe(b);
    expect(z).toBe(0);
    const [c] = wasmLogcosh([1.7e-9]);
    expect(c).toBe((1.7e-9 * 1.7e-9) / 2);
  });
});
