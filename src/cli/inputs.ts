/**
 * Reading a problem's arrays for `solve` and `sweep`: either --problem FILE.npz
 * (members X, Y and optionally W0, as `dspgd generate` writes them) or --X/--Y/--W0,
 * each any matrix file (.npy, .npz:NAME, .csv, .json).
 */
import { Option, type Command } from 'commander';
import { DspgdError } from '../errors.js';
import { readMatrixFile, readNpzFile, MATRIX_READ_EXTENSIONS } from '../io/index.js';
import { loadProblem } from '../io/problem-files.js';
import { Problem } from '../problem.js';
import type { Matrix } from '../matrix.js';

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

export async function readData(f: DataFlags): Promise<{ X: Matrix; Y: Matrix; W0?: Matrix; source: string }> {
  if (f.problem !== undefined) {
    if (f.X !== undefined || f.Y !== undefined || f.W0 !== undefined) {
      throw new DspgdError('E_PARAM', '--problem: give either --problem FILE.npz or --X/--Y/--W0, not both', '--problem');
    }
    const arrays = await readNpzFile(f.problem, '--problem');
    const get = (name: string, required: boolean) => {
      const m = arrays.get(name);
      if (!m && required) {
        throw new DspgdError('E_FORMAT', `--problem: ${f.problem} has no array "${name}" (it has: ${[...arrays.keys()].join(', ') || 'none'})`, '--problem');
      }
      return m;
    };
    return { X: get('X', true)!, Y: get('Y', true)!, W0: get('W0', false), source: f.problem };
  }
  if (f.X === undefined) throw new DspgdError('E_PARAM', "--X: required (or --problem FILE.npz)", '--X');
  if (f.Y === undefined) throw new DspgdError('E_PARAM', "--Y: required (or --problem FILE.npz)", '--Y');
  const header = csvHeader(f);
  const onNote = (m: string) => { if (!f.quiet) process.stderr.write(`dspgd: note: ${m}\n`); };
  const X = await readMatrixFile(f.X, '--X', { header, onNote });
  const Y = await readMatrixFile(f.Y, '--Y', { header, onNote });
  const W0 = f.W0 !== undefined ? await readMatrixFile(f.W0, '--W0', { header, onNote }) : undefined;
  return { X, Y, W0, source: f.X };
}

/** Problem.create with errors renamed from 'X' to the flag the user typed. */
export async function createProblem(data: { X: Matrix; Y: Matrix; W0?: Matrix }, viaProblemFile: boolean, f: DataFlags = {}): Promise<Problem> {
  try {
    return await Problem.create(data);
  } catch (e) {
    if (e instanceof DspgdError && e.argument && ['X', 'Y', 'W0'].includes(e.argument)) {
      const flag = viaProblemFile ? '--problem' : `--${e.argument}`;
      const msg = viaProblemFile ? `--problem: array ${e.message}` : `--${e.message}${e.code === 'E_SHAPE' ? csvRowsHint(f) : ''}`;
      throw new DspgdError(e.code, msg, flag, { cause: e });
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

/**
 * readData + createProblem, except that plain .npy files go straight into WASM memory
 * (loadProblem), so a large X is never held twice.
 */
export async function openProblem(f: DataFlags): Promise<{ problem: Problem; source: string }> {
  const npy = (p?: string) => p === undefined || (p.toLowerCase().endsWith('.npy') && !p.includes('.npz:'));
  if (f.problem === undefined && f.X !== undefined && f.Y !== undefined && npy(f.X) && npy(f.Y) && npy(f.W0)) {
    try {
      return { problem: await loadProblem({ X: f.X, Y: f.Y, W0: f.W0 }), source: f.X };
    } catch (e) {
      if (e instanceof DspgdError && e.argument && ['X', 'Y', 'W0'].includes(e.argument)) {
        throw new DspgdError(e.code, e.message.startsWith(`${e.argument}:`) ? `--${e.message}` : `--${e.argument}: ${e.message}`, `--${e.argument}`, { cause: e });
      }
      throw e;
    }
  }
  const data = await readData(f);
  return { problem: await createProblem(data, f.problem !== undefined, f), source: data.source };
}
