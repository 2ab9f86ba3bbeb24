/**
 * Reading the problem that the data flags (inputs.ts) name, for `dspgd solve`'s thread.
 */
import { DspgdError } from '../errors.js';
import { loadProblem } from '../io/index.js';
import type { Problem } from '../problem.js';
import type { DataFlags } from './inputs.js';

/** --csv-header as readMatrixFile's `header` (commander has already checked it is one of the choices). */
function csvHeader(f: DataFlags): 'auto' | boolean {
  return f.csvHeader === 'yes' ? true : f.csvHeader === 'no' ? false : 'auto';
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
