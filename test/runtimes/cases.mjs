// The conformance problems, shared by every runtime: plain JavaScript so that Node, Deno, Bun and
// the browsers run the same file. `lib` is the built package (dist/index.js, or
// dist/dspgd.browser.js in a page). lr 'auto' is left out on purpose: its λmax comes from a power
// iteration in WASM too, but a fixed lr keeps each case about one thing. The digest is SHA-256 over
// the bytes of W∞ (little-endian float64, as every engine here stores them), from WebCrypto, which
// all five runtimes provide.
export const CASES = [
  { name: 'gd primal', problem: { n: 30, d: 120, k: 3, seed: 11 }, options: { precond: 'gd', lr: 0.002, path: 'primal' } },
  { name: 'gd rowspace', problem: { n: 30, d: 120, k: 3, seed: 11 }, options: { precond: 'gd', lr: 0.002, path: 'rowspace' } },
  { name: 'adam', problem: { n: 30, d: 120, k: 3, seed: 12 }, options: { precond: 'adam:eps=0.1', lr: 0.01 } },
  { name: 'spectral primal', problem: { n: 24, d: 96, k: 4, seed: 13 }, options: { precond: 'spectral:eps=0.01', lr: 0.05, path: 'primal' } },
  { name: 'spectral rowspace', problem: { n: 24, d: 96, k: 4, seed: 13 }, options: { precond: 'spectral:eps=0.01', lr: 0.05, path: 'rowspace' } },
  { name: 'sign', problem: { n: 30, d: 120, k: 3, seed: 14 }, options: { precond: 'sign:eps=0.1', lr: 0.005 } },
  { name: 'lion', problem: { n: 30, d: 120, k: 2, seed: 15 }, options: { precond: 'lion', lr: 0.0005 } },
  { name: 'huber power', problem: { n: 30, d: 120, k: 3, seed: 16 }, options: { precond: 'power:p=3', lr: 0.002, loss: 'huber:delta=0.5', path: 'primal' } },
  { name: 'logcosh rowspace', problem: { n: 30, d: 120, k: 3, seed: 17 }, options: { precond: 'normalized:eps=0.1', lr: 0.002, loss: 'logcosh', path: 'rowspace' } },
];

const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');

/** Solves every case with a fixed budget and returns { name: { sha256, status, iterations } }. */
export async function runCases(lib) {
  const out = {};
  for (const c of CASES) {
    const problem = await lib.generate({ kind: 'gaussian', noise: 0, ...c.problem });
    try {
      const r = await lib.solve(problem, { tol: 1e-9, maxIter: 1500, stall: false, ...c.options });
      const bytes = new Uint8Array(r.W.data.buffer, r.W.data.byteOffset, r.W.data.byteLength).slice();
      out[c.name] = {
        sha256: hex(await crypto.subtle.digest('SHA-256', bytes)), status: r.status, iterations: r.iterations,
        path: r.path, relResidual: r.relResidual, c: r.bias.c,
      };
    } finally {
      problem.dispose();
    }
  }
  return out;
}
