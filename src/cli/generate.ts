/**
 * `dspgd generate`: a seeded synthetic problem written for NumPy or for dspgd
 * itself: one .npz with arrays X, Y, W0 (`np.load`, `dspgd solve --problem`),
 * or separate .npy files in a folder.
 */
import { Command, Option } from 'commander';
import { GENERATOR_KINDS, type GeneratorKind } from '../generator-kinds.js';
import { positiveInt, nonNegativeInt, nonNegativeNumber, positiveNumber } from './errors.js';

export interface GenerateFlags {
  n: number; d: number; k: number; seed: number; kind: GeneratorKind;
  noise: number; cond: number; w0: 'zeros' | 'gaussian'; w0Scale: number;
  out?: string; outDir?: string; compress?: boolean; quiet?: boolean;
}

export function generateCommand(): Command {
  return new Command('generate')
    .description('Write a seeded synthetic problem (X, Y, W0): the same seed gives the same bytes on every platform.')
    .requiredOption('--n <n>', 'samples (rows of X)', positiveInt)
    .requiredOption('--d <d>', 'parameters per output (columns of X)', positiveInt)
    .option('--k <k>', 'outputs (columns of Y); k = 1 writes 1-D Y and W0', positiveInt, 1)
    .option('--seed <s>', 'seed, an integer in [0, 2^53)', nonNegativeInt, 0)
    .addOption(new Option('--kind <kind>', 'gaussian: X ~ N(0, 1/d), Y ~ N(0, 1); teacher: Y = X W* + noise; spectrum: singular values from 1 down to 1/cond')
      .choices(GENERATOR_KINDS as string[]).default('gaussian'))
    .option('--noise <s>', 'label noise for --kind teacher', nonNegativeNumber, 0.1)
    .option('--cond <c>', 'condition number for --kind spectrum (≥ 1)', positiveNumber, 100)
    .addOption(new Option('--w0 <init>', 'initialization').choices(['zeros', 'gaussian']).default('zeros'))
    .option('--w0-scale <s>', 'standard deviation of a gaussian W0', nonNegativeNumber, 1)
    .option('--out <file.npz>', 'write one .npz with arrays X, Y, W0')
    .option('--out-dir <dir>', 'write X.npy, Y.npy, W0.npy into a folder')
    .option('--compress', 'deflate the .npz members')
    .option('-q, --quiet', 'print nothing but errors')
    .addHelpText('after', `
Examples:
  $ dspgd generate --n 50 --d 200 --seed 1 --out problem.npz
  $ dspgd generate --n 100 --d 400 --k 3 --kind spectrum --cond 1e4 --out-dir data/
  $ python -c "import numpy as np; p = np.load('problem.npz'); print(p['X'].shape)"`)
    .action(async (f: GenerateFlags) => {
      const { runGenerateCommand } = await import('./generate-run.js');
      await runGenerateCommand(f);
    });
}
