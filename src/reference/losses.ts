/** Plain float64 JS twins of the WASM losses (spec: math.md), for tests and the JS peer. */
export function lossValueRef(name: string, param: number, r: number): number {
  switch (name) {
    case 'squared': return 0.5 * r * r;
    case 'huber': return Math.abs(r) <= param ? 0.5 * r * r : param * Math.abs(r) - 0.5 * param * param;
    case 'logcosh': return logcoshRef(r);
    case 'lp': return Math.abs(r) ** param / param;
    default: throw new Error(`unknown loss ${name}`);
  }
}

export function lossGradRef(name: string, param: number, r: number): number {
  switch (name) {
    case 'squared': return r;
    case 'huber': return Math.min(Math.max(r, -param), param);
    case 'logcosh': return Math.tanh(r);
    case 'lp': return Math.sign(r) * Math.abs(r) ** (param - 1);
    default: throw new Error(`unknown loss ${name}`);
  }
}

/**
 * log cosh r without cancellation or overflow (the same two forms as the WASM kernel):
 * log1p(2 sinh²(r/2)) below |r| = 1 (cosh r − 1 = 2 sinh²(r/2)), (|r| − log 2) + log1p(e^{−2|r|})
 * from 1 on. Math.log(Math.cosh(r)) is 0 for |r| < 1e−8 and ∞ above 710.
 */
export function logcoshRef(r: number): number {
  const a = Math.abs(r);
  if (a < 1) {
    const s = Math.sinh(0.5 * a);
    return Math.log1p((s + s) * s);
  }
  return (a - Math.LN2) + Math.log1p(Math.exp(-2 * a));
}
