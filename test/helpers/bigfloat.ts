/**
 * A small binary floating-point type on BigInt (value m·2^e, |m| < 2^PREC, PREC = 240 bits),
 * for reference values to far beyond float64 precision: exact double in, exact double
 * comparison out (errors in ulps). Rounding is by truncation, which at 240 bits is
 * ~1e−70 relative per operation, irrelevant next to a 1e−16 ulp.
 */
export interface BF { m: bigint; e: number }

const PREC = 240;

function bitLen(m: bigint): number {
  return m === 0n ? 0 : (m < 0n ? -m : m).toString(2).length;
}

function norm(m: bigint, e: number): BF {
  const b = bitLen(m);
  if (b > PREC) {
    const s = b - PREC;
    return { m: m >> BigInt(s), e: e + s };
  }
  return { m, e };
}

/** The exact value of a double. */
export function bf(x: number): BF {
  if (!Number.isFinite(x)) throw new Error(`bf: ${x}`);
  if (x === 0) return { m: 0n, e: 0 };
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  const bits = buf.getBigUint64(0);
  const sign = bits >> 63n ? -1n : 1n;
  const ex = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  return ex === 0 ? { m: sign * frac, e: -1074 } : { m: sign * (frac | (1n << 52n)), e: ex - 1075 };
}

export const add = (a: BF, b: BF): BF => {
  if (a.m === 0n) return b;
  if (b.m === 0n) return a;
  // A term more than PREC bits below the other cannot change it at this precision.
  const top = (x: BF) => x.e + bitLen(x.m);
  if (top(a) - top(b) > PREC + 2) return a;
  if (top(b) - top(a) > PREC + 2) return b;
  const e = Math.min(a.e, b.e);
  return norm((a.m << BigInt(a.e - e)) + (b.m << BigInt(b.e - e)), e);
};
export const neg = (a: BF): BF => ({ m: -a.m, e: a.e });
export const sub = (a: BF, b: BF): BF => add(a, neg(b));
export const mul = (a: BF, b: BF): BF => norm(a.m * b.m, a.e + b.e);
export const div = (a: BF, b: BF): BF => {
  const s = PREC + bitLen(b.m) - bitLen(a.m) + 2;
  return norm((a.m << BigInt(Math.max(s, 0))) / b.m, a.e - b.e - Math.max(s, 0));
};
export const scale2 = (a: BF, k: number): BF => ({ m: a.m, e: a.e + k });
const small = (i: number): BF => ({ m: BigInt(i), e: 0 });

/** Σ terms until they drop below 2^−PREC of the sum. */
function series(first: BF, next: (term: BF, i: number) => BF): BF {
  let sum = first, term = first;
  for (let i = 1; i < 10_000; i++) {
    term = next(term, i);
    if (term.m === 0n || term.e + bitLen(term.m) < sum.e + bitLen(sum.m) - PREC - 4) return sum;
    sum = add(sum, term);
  }
  throw new Error('series did not converge');
}

/** sinh x for 0 ≤ x ≤ 1 (Taylor series, all terms positive: no cancellation). */
export function sinhSmall(x: BF): BF {
  const x2 = mul(x, x);
  return series(x, (t, i) => div(mul(t, x2), small((2 * i) * (2 * i + 1))));
}

/** exp x for |x| ≤ 64: x/2^j below 2^−8, Taylor, then j squarings. */
export function exp(x: BF): BF {
  let j = 0;
  let y = x;
  while (y.e + bitLen(y.m) > -8) { y = scale2(y, -1); j++; }
  let r = series({ m: 1n, e: 0 }, (t, i) => div(mul(t, y), small(i)));
  for (let i = 0; i < j; i++) r = mul(r, r);
  return r;
}

/** atanh z for 0 ≤ z ≤ 1/2 (odd series). */
function atanh(z: BF): BF {
  const z2 = mul(z, z);
  let pow = z;
  return series(z, (_t, i) => { pow = mul(pow, z2); return div(pow, small(2 * i + 1)); });
}

export const LN2: BF = scale2(atanh(div(small(1), small(3))), 1);

/** log(1 + y) for y ≥ 0: 1 + y = 2^k·m with m ∈ [1, 2), log m = 2 atanh((m − 1)/(m + 1)); tiny y directly. */
export function log1p(y: BF): BF {
  if (y.m === 0n) return y;
  if (y.e + bitLen(y.m) < -20) {
    // y − y²/2 + y³/3 − …: |terms| fall by 2^−20 each, so no cancellation to speak of.
    let pow = y;
    return series(y, (_t, i) => { pow = mul(pow, y); return div(i % 2 ? neg(pow) : pow, small(i + 1)); });
  }
  const one: BF = { m: 1n, e: 0 };
  let m = add(one, y);
  const k = m.e + bitLen(m.m) - 1;
  m = scale2(m, -k);
  const z = div(sub(m, one), add(m, one));
  return add(mul(small(k), LN2), scale2(atanh(z), 1));
}

/** log cosh r to ~PREC bits: log1p(2 sinh²(|r|/2)) for |r| ≤ 64, |r| − log 2 beyond (e^{−128} is below 2^−180 of it). */
export function logcosh(r: number): BF {
  const a = Math.abs(r);
  if (a > 64) return sub(bf(a), LN2);
  const h = bf(a / 2);
  const s = a <= 2 ? sinhSmall(h) : scale2(sub(exp(h), exp(neg(h))), -1);
  return log1p(scale2(mul(s, s), 1));
}

export function toNumber(a: BF): number {
  if (a.m === 0n) return 0;
  // Number(bigint) rounds to nearest; shift so the integer has ≤ 64 bits first.
  const b = bitLen(a.m);
  const s = Math.max(b - 64, 0);
  const e = a.e + s, e1 = Math.trunc(e / 2);
  return Number(a.m >> BigInt(s)) * 2 ** e1 * 2 ** (e - e1);
}

/** |x − exact| in units of the last place of the exact value (2^−1074 for subnormals). */
export function ulpError(x: number, exact: BF): number {
  const d = sub(bf(x), exact);
  const t = toNumber(exact);
  const ex = Math.max(Math.floor(Math.log2(Math.abs(t))), -1022);
  return Math.abs(toNumber(scale2(d, 52 - ex)));
}
