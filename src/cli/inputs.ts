/**
 * The data flags of `solve` and `sweep`: either --problem FILE.npz (members X, Y and optionally
 * W0, as `dspgd generate` writes them) or --X/--Y/--W0, each any matrix file (.npy, .npz:NAME,
 * .csv, .json). Reading them is open-problem.ts, loaded only by a command that reads data.
 */
import { Option, type Command } from 'commander';
import { MATRIX_READ_EXTENSIONS } from '../io/matrix-format.js';

export interface DataFlags {
  X?: string;
  Y?: string;
  W0?: string;
  problem?: string;
  csvHeader?: string;
  quiet?: boolean;
}

export function addDataOptions(cmd: Command, required: boolean): Command {
  const fmt = MATRIX_READ_EXTENSIONS.join(' ');
  return cmd
    .option('--X <file>', `data matrix X, n×d (${fmt}; FILE.npz:NAME picks a member)${required ? '' : '; or use --problem'}`)
    .option('--Y <file>', 'labels Y, n×k or length n')
    .option('--W0 <file>', 'initialization W0, d×k or length d; default zeros')
    .addOption(new Option('--problem <file.npz>', 'a problem file with arrays X, Y (and W0), as written by `dspgd generate`'))
    .addOption(new Option('--csv-header <mode>', 'first row of .csv/.tsv/.txt inputs: auto (a header when a cell is a name), yes, no')
      .choices(['auto', 'yes', 'no']).default('auto'));
}

/** True when the flags name user data. */
export function hasData(f: DataFlags): boolean {
  return f.problem !== undefined || f.X !== undefined || f.Y !== undefined || f.W0 !== undefined;
}
