/**
 * Numbers as text, in two registers:
 *
 * - for files (`formatNumber` / `parseNumber`): the shortest text that reads
 *   back as exactly the same float64 (`String(x)`, plus `nan`, `inf`, `-inf`
 *   and `-0`, as np.savetxt writes them), so CSV and JSON outputs round-trip;
 * - for people (`formatHuman`, `formatLr`, `formatCount`): messages, summaries
 *   and tables, rounded to a few significant digits, with a compact exponent
 *   outside [1e-3, 1e5) (`1e-6`, not `0.000001` or `1.000e-6`).
 *
 * No dependencies: the codecs, the core and the faces all use it.
 */

/** The shortest text that reads back as exactly `x` (with `nan`, `inf`, `-inf`, `-0`). */
export function formatNumber(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (Object.is(x, -0)) return '-0';
  return String(x);
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NONFINITE = /^([+-]?)(?:(nan)|inf|infinity)$/i;

/** The number a cell holds (decimal, or nan/inf/infinity in any case), or undefined if it holds none. */
export function parseNumber(s: string): number | undefined {
  if (NUMBER.test(s)) return Number(s);
  const m = NONFINITE.exec(s);
  if (m) return m[2] !== undefined ? NaN : m[1] === '-' ? -Infinity : Infinity;
  return undefined;
}

/**
 * `x` rounded to `digits` significant digits for a reader: plain decimals in
 * [1e-3, 1e5) (`0.0125`, `2500`), else mantissa and exponent without padding
 * (`1e-6`, `2.5e-7`, `1.235e+8` is written `1.235e8`). Trailing zeros are dropped.
 */
export function formatHuman(x: number, digits = 4): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'NaN' : x > 0 ? '∞' : '-∞';
  if (x === 0) return '0';
  const a = Math.abs(x);
  const rounded = Number(x.toPrecision(digits));
  if (Math.abs(rounded) >= 1e-3 && Math.abs(rounded) < 1e5 && a >= 1e-3) return String(rounded);
  const [mant, exp] = x.toExponential(digits - 1).split('e');
  const m = mant.includes('.') ? mant.replace(/\.?0+$/, '') : mant;
  return `${m}e${Number(exp)}`;
}

/** A learning rate for a reader: 4 significant digits. */
export function formatLr(lr: number): string {
  return formatHuman(lr, 4);
}

/** An integer count with thousands separators (`100,000`), as the docs write them. */
export function formatCount(n: number): string {
  if (!Number.isSafeInteger(n)) return formatHuman(n);
  const s = String(Math.abs(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return n < 0 ? `-${s}` : s;
}

/** A duration for a reader: `850 ms`, `12.3 s`, `4 min 5 s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${Number(s.toPrecision(3))} s`;
  const min = Math.floor(s / 60);
  return `${min} min ${Math.round(s - 60 * min)} s`;
}
