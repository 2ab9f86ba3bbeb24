/**
 * Reading a problem's arrays for `solve` and `sweep`: either --problem FILE.npz
 * (members X, Y and optionally W0, as `dspgd generate` writes them) or --X/--Y/--W0,
 * each any matrix file (.npy, .npz:NAME, .csv, .json).
 */
import { Option, type Command } from 'commander';
import { DspgdError } from '../errors.js';
import { loadProblem, MATRIX_READ_EXTENSIONS } from '../io/index.js';
import type { Problem } from '../problem.js';

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

/** --csv-header as readMatrixFile's `header` (commander has already checked it is one of the choices). */
function csvHeader(f: DataFlags): 'auto' | boolean {
  return f.csvHeader === 'yes' ? true : f.csvHeader === 'no' ? false : 'auto';
}

/** True when the flags name user data. */
export function hasData(f: DataFlags): boolean {
  return f.problem !== undefined || f.X !== undefined || f.Y !== undefined || f.W0 !== undefined;
}

/**
 * The problem the flags name, read by loadProblem: binary arrays (.npy, .npz
 * members) stream into WASM memory, so a large X is never held twice, and
 * every error names the flag the user gave.
 */
export async function openProblem(f: DataFlags, note?: (message: string) => void): Promise<{ problem: Problem; source: string }> {
  if (f.problem !== undefined) {
    if (f.X !== undefined || f.Y !== undefined || f.W0 !== undefined) {
      throw new DspgdError('E_PARAM', '--problem: give either --problem FILE.npz or --X/--Y/--W0, not both', '--problem');
    }
    const p = f.problem;
    const problem = await loadProblem({ X: `${p}:X`, Y: `${p}:Y`, W0: `${p}:W0` }, { names: { X: '--problem', Y: '--problem', W0: '--problem' }, optionalW0: true });
    return { problem, source: p };
  }
  if (f.X === undefined) throw new DspgdError('E_PARAM', "--X: required (or --problem FILE.npz)", '--X');
  if (f.Y === undefined) throw new DspgdError('E_PARAM', "--Y: required (or --problem FILE.npz)", '--Y');
  const onNote = note ?? ((m: string) => { if (!f.quiet) process.stderr.write(`dspgd: note: ${m}\n`); });
  try {
    const problem = await loadProblem({ X: f.X, Y: f.Y, W0: f.W0 }, { names: { X: '--X', Y: '--Y', W0: '--W0' }, header: csvHeader(f), onNote });
    return { problem, source: f.X };
  } catch (e) {
    if (e instanceof DspgdError && e.code === 'E_SHAPE' && (e.argument === '--Y' || e.argument === '--W0')) {
      const hint = csvRowsHint(f);
      if (hint) throw new DspgdError(e.code, e.message + hint, e.argument, { cause: e });
    }
    throw e;
  }
}

const TEXT_EXTENSIONS = ['.csv', '.tsv', '.txt'];

/**
 * When shapes disagree and a delimited-text input was read with --csv-header auto: a first row of
 * numbers only (pandas' default header 0,1,2,…) is data there, one row more than meant.
 */
function csvRowsHint(f: DataFlags): string {
  if ((f.csvHeader ?? 'auto') !== 'auto') return '';
  const text = ([['--X', f.X], ['--Y', f.Y], ['--W0', f.W0]] as const)
    .filter(([, p]) => p !== undefined && TEXT_EXTENSIONS.some((x) => p.toLowerCase().endsWith(x)));
  if (text.length === 0) return '';
  return `. Note: a first row of numbers only (such as pandas' header 0,1,2,…) counts as a data row in ${text.map(([flag, p]) => `${flag} ${p}`).join(' and ')};`
    + ' if it is a header, pass --csv-header yes';
}
