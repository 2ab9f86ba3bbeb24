// Seeded random numbers for the problem generators. They run in WASM on
// purpose: integer arithmetic and AssemblyScript's own Math (compiled in,
// not the host's) give the same bytes on every engine and platform.
// Generator: xoshiro256** seeded through splitmix64 (Blackman & Vigna).

let s0: u64 = 0;
let s1: u64 = 0;
let s2: u64 = 0;
let s3: u64 = 0;
let spare: f64 = 0;
let hasSpare: bool = false;

@inline function rotl(x: u64, k: u64): u64 {
  return (x << k) | (x >> (64 - k));
}

function splitmix(state: u64): u64 {
  let z = state + 0x9e3779b97f4a7c15;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  return z ^ (z >> 31);
}

/** Seeds the generator. `seed` is a non-negative integer below 2^53; `stream` separates independent sequences for one seed. */
export function rngSeed(seed: f64, stream: i32): void {
  let x: u64 = <u64>seed ^ (<u64>stream * 0xd1342543de82ef95);
  x = splitmix(x); s0 = x;
  x = splitmix(x); s1 = x;
  x = splitmix(x); s2 = x;
  x = splitmix(x); s3 = x;
  hasSpare = false;
}

@inline function next(): u64 {
  const result = rotl(s1 * 5, 7) * 9;
  const t = s1 << 17;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl(s3, 45);
  return result;
}

/** Uniform in [0, 1) with 53 random bits. */
@inline function uniform(): f64 {
  return <f64>(next() >> 11) * 1.1102230246251565e-16;
}

/** Standard normal by the polar Box–Muller method (pairs; the second value is kept for the next call). */
function normal(): f64 {
  if (hasSpare) {
    hasSpare = false;
    return spare;
  }
  let u: f64, v: f64, s: f64;
  do {
    u = 2.0 * uniform() - 1.0;
    v = 2.0 * uniform() - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  const m = Math.sqrt(-2.0 * Math.log(s) / s);
  spare = v * m;
  hasSpare = true;
  return u * m;
}

/** out[i] = mean + scale·N(0,1) for i < len, in order. */
export function fillNormal(len: i32, out: usize, mean: f64, scale: f64): void {
  for (let i = 0; i < len; i++) store<f64>(out + (<usize>i << 3), mean + scale * normal());
}

/** out[i] = lo + (hi − lo)·U[0,1) for i < len, in order. */
export function fillUniform(len: i32, out: usize, lo: f64, hi: f64): void {
  const w = hi - lo;
  for (let i = 0; i < len; i++) store<f64>(out + (<usize>i << 3), lo + w * uniform());
}
