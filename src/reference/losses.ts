/** Plain float64 JS twins of the WASM losses (spec: math.md), for tests and the JS peer. */
export function lossValueRef(name: string, param: number, r: number): number {
  switch (name) {
    case 'squared': return 0.5 * r * r;
    case 'huber': return Math.abs(r) <= param ? 0.5 * r * r : param * Math.abs(r) - 0.5 * param * param;
    case 'logcosh': return Math.log(Math.cosh(r));
    case 'lp': return Math.pow(Math.abs(r), param) / param;
    default: throw new Error(`unknown loss ${name}`);
  }
}

export function lossGradRef(name: string, param: number, r: number): number {
  switch (name) {
    case 'squared': return r;
    case 'huber': return Math.min(Math.max(r, -param), param);
    case 'logcosh': return Math.tanh(r);
    case 'lp': return Math.sign(r) * Math.pow(Math.abs(r), param - 1);
    default: throw new Error(`unknown loss ${name}`);
  }
}
