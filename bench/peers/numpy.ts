/**
 * NumPy/OpenBLAS through python3 (Node only): a long-lived `numpy_peer.py` per
 * workload, fed X, Y, W0 as .npy files in a temp folder, one JSON line per run.
 * BLAS is held to one thread (OPENBLAS_NUM_THREADS=1 etc.) to compare with dspgd on one thread.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { encodeNpy } from '../../src/io/npy.js';
import { PRECOND_PARAMS, type IterationPeer } from '../types.js';

const ONE_THREAD = {
  OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1',
  VECLIB_MAXIMUM_THREADS: '1', NUMEXPR_NUM_THREADS: '1', BLIS_NUM_THREADS: '1',
};

/** The script sits next to this file in the sources and ships as bench/peers/ in the package (dist/bench.js is one level down). */
export function numpyScriptPath(): string {
  for (const rel of ['./numpy_peer.py', '../bench/peers/numpy_peer.py']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new Error('bench/peers/numpy_peer.py not found');
}

export function numpyPeer(opts: { python?: string } = {}): IterationPeer {
  const python = opts.python ?? process.env.DSPGD_BENCH_PYTHON ?? 'python3';
  let info: Record<string, unknown> | undefined;
  return {
    kind: 'iteration', name: 'numpy', label: 'NumPy/OpenBLAS via python3 (1 thread)', precision: 'f64', slow: false, paired: true,
    note: 'R = X@W − Y, G = X.T@R (BLAS dgemm, OPENBLAS_NUM_THREADS=1); spectral via numpy.linalg.eigh (k×k)',
    async available() {
      const r = spawnSync(python, ['-c', 'import numpy; print(numpy.__version__)'], { encoding: 'utf8', env: { ...process.env, ...ONE_THREAD } });
      if (r.error) return `${python} not found (${r.error.message})`;
      if (r.status !== 0) return `${python} has no NumPy (${r.stderr.trim().split('\n').pop()})`;
      try {
        numpyScriptPath();
      } catch (e) {
        return (e as Error).message;
      }
      return true;
    },
    info: () => info ?? {},
    async prepare(p) {
      const dir = await mkdtemp(join(tmpdir(), 'dspgd-bench-numpy-'));
      let child: ChildProcessWithoutNullStreams | undefined;
      try {
        await writeFile(join(dir, 'X.npy'), encodeNpy({ data: p.X, shape: [p.n, p.d] }));
        await writeFile(join(dir, 'Y.npy'), encodeNpy({ data: p.Y, shape: [p.n, p.k] }));
        await writeFile(join(dir, 'W0.npy'), encodeNpy({ data: p.W0, shape: [p.d, p.k] }));
        child = spawn(python, [numpyScriptPath(), dir], { env: { ...process.env, ...ONE_THREAD }, stdio: ['pipe', 'pipe', 'pipe'] });
        const proc = child;
        let stderr = '';
        proc.stderr.on('data', (b: Buffer) => { stderr = (stderr + b.toString()).slice(-2000); });
        const waiting: { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }[] = [];
        let exited: Error | undefined;
        createInterface({ input: proc.stdout }).on('line', (line) => {
          const w = waiting.shift();
          if (!w) return;
          try {
            const msg = JSON.parse(line) as Record<string, unknown>;
            if (typeof msg.error === 'string') w.reject(new Error(`numpy_peer.py: ${msg.error}`));
            else w.resolve(msg);
          } catch {
            w.reject(new Error(`numpy_peer.py: unexpected output ${JSON.stringify(line.slice(0, 200))}`));
          }
        });
        proc.on('exit', (code) => {
          exited = new Error(`numpy_peer.py exited with code ${code}: ${stderr.trim().split('\n').pop() ?? ''}`);
          for (const w of waiting.splice(0)) w.reject(exited);
        });
        const next = () => new Promise<Record<string, unknown>>((resolve, reject) => (exited ? reject(exited) : waiting.push({ resolve, reject })));
        const ask = (req: object) => {
          const reply = next();
          proc.stdin.write(`${JSON.stringify(req)}\n`);
          return reply;
        };
        await next(); // {"ready": true}: X is loaded
        info = await ask({ op: 'info' });
        return {
          supports: () => true,
          async run(precond, lr, iters) {
            const eps = PRECOND_PARAMS[precond].eps ?? 0;
            const r = await ask({ op: 'run', precond, eps, lr, iters });
            const bytes = Buffer.from(r.W as string, 'base64');
            const W = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
            return { W, ms: r.ms as number };
          },
          async dispose() {
            proc.stdin.end();
            if (proc.exitCode === null) await new Promise((res) => proc.once('exit', res));
            await rm(dir, { recursive: true, force: true });
          },
        };
      } catch (e) {
        child?.kill();
        await rm(dir, { recursive: true, force: true });
        throw e;
      }
    },
  };
}
