/**
 * What `dspgd generate` does (generate.ts holds its flags): the problem, written as one .npz or
 * as .npy files, all or nothing. Loaded only when the command runs.
 */
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { generate } from '../generate.js';
import { encodeNpy, encodeNpz, writeFilesAtomic, type AtomicFile } from '../io/index.js';
import { DspgdError } from '../errors.js';
import type { GenerateFlags } from './generate.js';

export async function runGenerateCommand(f: GenerateFlags): Promise<void> {
  if ((f.out === undefined) === (f.outDir === undefined)) {
    throw new DspgdError('E_PARAM', '--out: give exactly one of --out FILE.npz or --out-dir DIR', '--out');
  }
  if (f.out !== undefined && !f.out.toLowerCase().endsWith('.npz')) {
    throw new DspgdError('E_PARAM', `--out: expected a file name ending in .npz, got ${JSON.stringify(f.out)}`, '--out');
  }
  const problem = await generate({
    n: f.n, d: f.d, k: f.k, seed: f.seed, kind: f.kind, noise: f.noise, cond: f.cond, w0: f.w0, w0Scale: f.w0Scale,
  });
  try {
    const arrays = { X: problem.X, Y: problem.Y, W0: problem.W0 };
    let files: AtomicFile[];
    if (f.out !== undefined) {
      files = [{ path: f.out, data: encodeNpz(arrays, { compress: f.compress === true }), argument: '--out' }];
    } else {
      await mkdir(f.outDir!, { recursive: true }).catch((e: Error) => {
        throw new DspgdError('E_IO', `--out-dir: cannot create ${f.outDir}: ${e.message}`, '--out-dir');
      });
      files = Object.entries(arrays).map(([name, m]) => ({ path: join(f.outDir!, `${name}.npy`), data: encodeNpy(m), argument: '--out-dir' }));
    }
    await writeFilesAtomic(files);
    if (!f.quiet) {
      process.stdout.write(`wrote ${files.map((x) => x.path).join(', ')}: ${f.kind} problem n=${f.n}, d=${f.d}, k=${f.k}, seed=${f.seed}\n`);
    }
  } finally {
    problem.dispose();
  }
}
