/**
 * A sweep as data: the resolved grid (problems × losses × preconditioners × learning rates,
 * one stopping rule), built from an experiment file (`dspgd sweep --grid experiment.json`) or
 * from the command-line flags, which are a shorthand for the same object. The resolved grid is
 * canonical JSON: spec strings in their normal form, every default filled in, one problem per
 * seed, and (filled in by the sweep) the SHA-256 of each data file. Two sweeps are the same
 * sweep exactly when their resolved grids are equal, data files compared by content; the
 * journal, `--resume` and `dspgd merge` compare them (gridDifference names the first change).
 *
 * Runs are numbered in the grid's order: problem, then loss, then preconditioner, then learning
 * rate (the row order of sweep.csv). The unit of work is a *cell*: one problem, loss and
 * preconditioner with all its learning rates, because a row's lrSensitivity compares the W∞ of
 * the cell's runs at different learning rates. A cell is run, journaled and sharded whole.
 *
 * No Node API here: the file is read by the caller, paths stay as written (relative to the
 * experiment file's folder, or to the working directory for flags).
 */
import { DspgdError } from '../errors.js';
import { GENERATOR_KINDS, type GeneratorKind } from '../generator-kinds.js';
import { resolveLoss, type Reduction } from '../losses/index.js';
import { resolvePrecond } from '../precond/index.js';
import { formatLrSpec, parseLr, type LrSpec } from '../lr-spec.js';
import { DEFAULTS } from '../options.js';
import { DEMO_PRECONDS } from '../demo-setup.js';
import { splitNpzMember } from '../io/matrix-format.js';

/** A generated problem (one seed). */
export interface GeneratedProblem {
  kind: GeneratorKind;
  n: number;
  d: number;
  k: number;
  noise: number;
  cond: number;
  seed: number;
}

/** A problem read from files: X and Y (W0 optional), or one .npz with members X, Y (W0). */
export interface FileProblem {
  X?: string;
  Y?: string;
  W0?: string;
  problem?: string;
  csvHeader: 'auto' | 'yes' | 'no';
  /**
   * The SHA-256 (hex) of each file's bytes, by role (an .npz member's: of the whole .npz),
   * filled in by the sweep before it starts (inputs.ts); a file that is not a regular file (a
   * pipe) has none. What identifies the problem: see gridDifference. Never in an experiment file.
   */
  sha256?: Partial<Record<FileRole, string>>;
}

/** The keys of a file problem that name files. */
export const FILE_ROLES = ['problem', 'X', 'Y', 'W0'] as const;
export type FileRole = (typeof FILE_ROLES)[number];

export type GridProblemSpec = GeneratedProblem | FileProblem;

export interface SweepGrid {
  problems: GridProblemSpec[];
  /** Loss spec strings in normal form ('squared', 'huber:delta=0.5'). */
  losses: string[];
  reduction: Reduction;
  /** Preconditioner spec strings in normal form, no two equal. */
  preconds: string[];
  /** 'auto', '0.25*auto' or a number's shortest form. */
  lrs: string[];
  stopping: { tol: number; maxIter: number; stall: boolean };
}

/** --lr when not given: the stable step and a quarter of it, per preconditioner. */
export const DEFAULT_LRS: readonly string[] = ['auto', '0.25*auto'];
export const DEFAULT_NOISE = 0.1;
export const DEFAULT_COND = 100;

export function isGenerated(p: GridProblemSpec): p is GeneratedProblem {
  return 'kind' in p;
}

/** A short name of a problem for messages and the report ('gaussian n=40 d=120 k=1 seed 3', 'X.npy'). */
export function problemLabel(p: GridProblemSpec): string {
  if (isGenerated(p)) return `${p.kind} n=${p.n} d=${p.d} k=${p.k} seed ${p.seed}`;
  return p.problem ?? p.X ?? '?';
}

/** One cell: a problem, a loss, a preconditioner, and the runs at each learning rate. */
export interface Cell {
  index: number;
  problem: number;
  loss: number;
  precond: number;
  /** Number of the cell's first run; its runs are firstRun … firstRun + lrs − 1. */
  firstRun: number;
}

export function cellsOf(grid: SweepGrid): Cell[] {
  const cells: Cell[] = [];
  const L = grid.lrs.length;
  for (let problem = 0; problem < grid.problems.length; problem++) {
    for (let loss = 0; loss < grid.losses.length; loss++) {
      for (let precond = 0; precond < grid.preconds.length; precond++) {
        const index = cells.length;
        cells.push({ index, problem, loss, precond, firstRun: index * L });
      }
    }
  }
  return cells;
}

export function runCount(grid: SweepGrid): number {
  return grid.problems.length * grid.losses.length * grid.preconds.length * grid.lrs.length;
}

/** A run's place in the grid, for messages: 'run 7 (adam:eps=0.1 @ lr auto, loss squared, gaussian … seed 1)'. */
export function describeRun(grid: SweepGrid, run: number): string {
  const L = grid.lrs.length, P = grid.preconds.length, S = grid.losses.length;
  const lr = run % L, cell = Math.floor(run / L);
  const precond = cell % P, loss = Math.floor(cell / P) % S, problem = Math.floor(cell / (P * S));
  const p = grid.problems[problem];
  return `run ${run} (${grid.preconds[precond]} @ lr ${grid.lrs[lr]}, loss ${grid.losses[loss]}, ${p ? problemLabel(p) : '?'})`;
}

/** The learning rate of a grid entry as runGrid takes it. */
export function lrSpecOf(text: string): LrSpec {
  return parseLr(text, 'lrs');
}

// ---------------------------------------------------------------------------
// Building a grid

export interface FlagGridInput {
  preconds: readonly string[];
  lrs: readonly LrSpec[];
  loss: string;
  reduction: Reduction;
  tol: number;
  maxIter: number;
  stall: boolean;
  /** User data (as the flags name it), or a generator with its seeds. */
  data?: { X?: string; Y?: string; W0?: string; problem?: string; csvHeader?: string };
  generator?: { kind: GeneratorKind; n: number; d: number; k: number; noise: number; cond: number; seeds: readonly number[] };
}

/** The grid the command-line flags stand for; errors name the flag. */
export function gridFromFlags(f: FlagGridInput): SweepGrid {
  const problems: GridProblemSpec[] = [];
  if (f.data) {
    problems.push(fileProblem(f.data, (key) => `--${key === 'csvHeader' ? 'csv-header' : key}`));
  } else if (f.generator) {
    const g = f.generator;
    for (const seed of g.seeds) problems.push({ kind: g.kind, n: g.n, d: g.d, k: g.k, noise: g.noise, cond: g.cond, seed });
  }
  const specs = f.preconds.length ? f.preconds : DEMO_PRECONDS;
  const preconds = specs.map((s) => resolvePrecond(s, '--precond').toString());
  checkDistinct(preconds, (i) => `--precond ${specs[i]}`, '--precond');
  return {
    problems,
    losses: [resolveLoss(f.loss, '--loss').toString()],
    reduction: f.reduction,
    preconds,
    lrs: f.lrs.map(formatLrSpec),
    stopping: { tol: f.tol, maxIter: f.maxIter, stall: f.stall },
  };
}

function fileProblem(d: { X?: string; Y?: string; W0?: string; problem?: string; csvHeader?: string }, name: (key: string) => string): FileProblem {
  const csvHeader = d.csvHeader ?? 'auto';
  if (csvHeader !== 'auto' && csvHeader !== 'yes' && csvHeader !== 'no') {
    throw new DspgdError('E_PARAM', `${name('csvHeader')}: expected "auto", "yes" or "no", got ${JSON.stringify(csvHeader)}`, name('csvHeader'));
  }
  if (d.problem !== undefined) {
    if (d.X !== undefined || d.Y !== undefined || d.W0 !== undefined) {
      throw new DspgdError('E_PARAM', `${name('problem')}: give either problem (an .npz) or X/Y/W0, not both`, name('problem'));
    }
    return { problem: d.problem, csvHeader };
  }
  if (d.X === undefined) throw new DspgdError('E_PARAM', `${name('X')}: required (or problem: an .npz file)`, name('X'));
  if (d.Y === undefined) throw new DspgdError('E_PARAM', `${name('Y')}: required (or problem: an .npz file)`, name('Y'));
  return { X: d.X, Y: d.Y, ...(d.W0 === undefined ? {} : { W0: d.W0 }), csvHeader };
}

function checkDistinct(specs: readonly string[], label: (i: number) => string, argument: string): void {
  const first = new Map<string, number>();
  specs.forEach((s, i) => {
    const j = first.get(s);
    if (j !== undefined) {
      throw new DspgdError('E_PARAM', `${label(i)}: the same preconditioner as ${label(j)} (${s}); each preconditioner once`, argument);
    }
    first.set(s, i);
  });
}

// ---------------------------------------------------------------------------
// The experiment file

const TOP_KEYS = ['problems', 'losses', 'reduction', 'preconds', 'lrs', 'stopping'] as const;
const GEN_KEYS = ['kind', 'n', 'd', 'k', 'noise', 'cond', 'seeds', 'seed'] as const;
const FILE_KEYS = ['X', 'Y', 'W0', 'problem', 'csvHeader'] as const;
const STOP_KEYS = ['tol', 'maxIter', 'stall'] as const;

type Json = unknown;

/**
 * Parses and validates an experiment file's JSON text (`name` is how messages call the file,
 * e.g. 'experiment.json'). Every error is a DspgdError naming the JSON path:
 * `experiment.json: preconds[2].eps: expected a number > 0`.
 */
export function parseGridFile(text: string, name: string): SweepGrid {
  let data: Json;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new DspgdError('E_FORMAT', `${name}: not valid JSON (${(e as Error).message})`, '--grid', { cause: e });
  }
  return gridFromJson(data, name);
}

/** The grid an experiment object describes (see parseGridFile). */
export function gridFromJson(data: Json, name: string): SweepGrid {
  const fail = (path: string, msg: string, code: 'E_PARAM' | 'E_UNKNOWN_NAME' = 'E_PARAM'): never => {
    throw new DspgdError(code, `${name}: ${path}: ${msg}`, path);
  };
  const o = object(data, '(top level)', fail);
  knownKeys(o, TOP_KEYS, '', fail);
  if (o.problems === undefined) fail('problems', 'required: a list of problems ({ "kind": "gaussian", "n": 40, "d": 120, "seeds": [0, 1] } or { "X": "X.npy", "Y": "Y.npy" })');
  const problems: GridProblemSpec[] = [];
  list(o.problems, 'problems', fail).forEach((p, i) => { problems.push(...problemEntry(p, `problems[${i}]`, name, fail)); });
  const losses = o.losses === undefined ? ['squared'] : list(o.losses, 'losses', fail).map((l, i) => {
    const path = `losses[${i}]`;
    if (typeof l !== 'string') fail(path, `expected a loss spec such as "squared" or "huber:delta=0.5", got ${show(l)}`);
    return rethrowAt(name, path, () => resolveLoss(l as string, 'loss').toString());
  });
  const reduction = o.reduction === undefined ? 'sum' : o.reduction;
  if (reduction !== 'sum' && reduction !== 'mean') fail('reduction', `expected "sum" or "mean", got ${show(reduction)}`);
  const preconds: string[] = [];
  const origin: string[] = [];
  if (o.preconds === undefined) {
    for (const s of DEMO_PRECONDS) { preconds.push(resolvePrecond(s).toString()); origin.push(s); }
  } else {
    list(o.preconds, 'preconds', fail).forEach((p, i) => {
      for (const spec of precondEntry(p, `preconds[${i}]`, name, fail)) { preconds.push(spec); origin.push(`preconds[${i}]`); }
    });
  }
  checkDistinct(preconds, (i) => `${name}: ${origin[i]}`, 'preconds');
  const lrs = o.lrs === undefined ? [...DEFAULT_LRS] : list(o.lrs, 'lrs', fail).map((l, i) => {
    const path = `lrs[${i}]`;
    if (typeof l === 'number') {
      if (!Number.isFinite(l) || l <= 0) fail(path, `expected a learning rate > 0, "auto" or "F*auto", got ${show(l)}`);
      return String(l);
    }
    if (typeof l !== 'string') fail(path, `expected a learning rate > 0, "auto" or "F*auto", got ${show(l)}`);
    return formatLrSpec(parseLr(l as string, path, `${name}: ${path}`));
  });
  const s = o.stopping === undefined ? {} : object(o.stopping, 'stopping', fail);
  knownKeys(s, STOP_KEYS, 'stopping.', fail);
  const tol = s.tol === undefined ? DEFAULTS.tol : s.tol;
  if (typeof tol !== 'number' || !Number.isFinite(tol) || tol < 0) fail('stopping.tol', `expected a number ≥ 0, got ${show(tol)}`);
  const maxIter = s.maxIter === undefined ? DEFAULTS.maxIter : s.maxIter;
  if (typeof maxIter !== 'number' || !Number.isSafeInteger(maxIter) || maxIter < 0) fail('stopping.maxIter', `expected an integer ≥ 0, got ${show(maxIter)}`);
  const stall = s.stall === undefined ? true : s.stall;
  if (typeof stall !== 'boolean') fail('stopping.stall', `expected true or false, got ${show(stall)}`);
  return {
    problems, losses, reduction: reduction as Reduction, preconds, lrs,
    stopping: { tol: tol as number, maxIter: maxIter as number, stall: stall as boolean },
  };
}

type Fail = (path: string, msg: string, code?: 'E_PARAM' | 'E_UNKNOWN_NAME') => never;

function problemEntry(p: Json, path: string, file: string, fail: Fail): GridProblemSpec[] {
  const o = object(p, path, fail);
  if (o.kind === undefined && FILE_KEYS.some((k) => o[k] !== undefined)) {
    knownKeys(o, FILE_KEYS, `${path}.`, fail);
    for (const k of ['X', 'Y', 'W0', 'problem'] as const) {
      if (o[k] !== undefined && (typeof o[k] !== 'string' || o[k] === '')) fail(`${path}.${k}`, `expected a file path, got ${show(o[k])}`);
    }
    return [rethrowAt(file, path, () => fileProblem(o as { X?: string; Y?: string; W0?: string; problem?: string; csvHeader?: string }, (k) => `${path}.${k}`))];
  }
  knownKeys(o, GEN_KEYS, `${path}.`, fail);
  const kind = o.kind === undefined ? 'gaussian' : o.kind;
  if (!GENERATOR_KINDS.includes(kind as GeneratorKind)) {
    fail(`${path}.kind`, `expected one of ${GENERATOR_KINDS.map((k) => `"${k}"`).join(', ')} (or X/Y files), got ${show(kind)}`);
  }
  const int = (key: 'n' | 'd' | 'k', def?: number): number => {
    const v = o[key] === undefined ? def : o[key];
    if (v === undefined) fail(`${path}.${key}`, 'required: a positive integer');
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) fail(`${path}.${key}`, `expected a positive integer, got ${show(v)}`);
    return v as number;
  };
  const num = (key: 'noise' | 'cond', def: number, positive: boolean): number => {
    const v = o[key] === undefined ? def : o[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || (positive ? v <= 0 : v < 0)) {
      fail(`${path}.${key}`, `expected a ${positive ? 'positive number' : 'number ≥ 0'}, got ${show(v)}`);
    }
    return v as number;
  };
  const n = int('n'), d = int('d'), k = int('k', 1);
  const noise = num('noise', DEFAULT_NOISE, false), cond = num('cond', DEFAULT_COND, true);
  if (o.seed !== undefined && o.seeds !== undefined) fail(`${path}.seeds`, 'give seeds (a list) or seed, not both');
  const seedList = o.seeds !== undefined ? list(o.seeds, `${path}.seeds`, fail) : [o.seed ?? 0];
  return seedList.map((s, i) => {
    if (typeof s !== 'number' || !Number.isSafeInteger(s) || s < 0) {
      fail(o.seeds !== undefined ? `${path}.seeds[${i}]` : `${path}.seed`, `expected an integer ≥ 0, got ${show(s)}`);
    }
    return { kind: kind as GeneratorKind, n, d, k, noise, cond, seed: s as number };
  });
}

/**
 * A preconditioner entry: a spec string ("adam:eps=0.05"), or { "name": "adam", "eps": [0.1, 0.05] }
 * where each parameter is a number or a list of numbers (every combination is one preconditioner).
 */
function precondEntry(p: Json, path: string, file: string, fail: Fail): string[] {
  if (typeof p === 'string') return [rethrowAt(file, path, () => resolvePrecond(p, 'precond').toString())];
  const o = object(p, path, fail);
  if (typeof o.name !== 'string' || o.name === '') fail(`${path}.name`, `expected a preconditioner name such as "adam", got ${show(o.name)}`);
  let combos: [string, number][][] = [[]];
  for (const [key, v] of Object.entries(o)) {
    if (key === 'name') continue;
    const values = Array.isArray(v) ? v : [v];
    if (values.length === 0) fail(`${path}.${key}`, 'expected a number or a non-empty list of numbers');
    values.forEach((x, i) => {
      if (typeof x !== 'number' || !Number.isFinite(x)) {
        fail(Array.isArray(v) ? `${path}.${key}[${i}]` : `${path}.${key}`, `expected a number, got ${show(x)}`);
      }
    });
    combos = combos.flatMap((c) => (values as number[]).map((x) => [...c, [key, x] as [string, number]]));
  }
  return combos.map((c) => {
    const spec = c.length ? `${o.name as string}:${c.map(([k, x]) => `${k}=${x}`).join(',')}` : o.name as string;
    // A value from a list is named by its own index, so the message points at the entry that is wrong.
    try {
      return resolvePrecond(spec, 'precond').toString();
    } catch (e) {
      if (e instanceof DspgdError && e.argument?.startsWith('precond.')) {
        const key = e.argument.slice('precond.'.length);
        const v = o[key];
        const at = Array.isArray(v) ? `${path}.${key}[${v.indexOf(c.find(([k]) => k === key)?.[1])}]` : `${path}.${key}`;
        // "precond.eps: expected …" keeps its text; "precond: power has no parameter …" (an unknown key) loses its prefix.
        const what = e.message.startsWith(`${e.argument}: `) ? e.message.slice(e.argument.length + 2) : e.message.replace(/^precond: /, '');
        throw new DspgdError(e.code, `${file}: ${at}: ${what}`, at, { cause: e });
      }
      if (e instanceof DspgdError) throw new DspgdError(e.code, `${file}: ${path}: ${e.message.replace(/^precond: /, '')}`, path, { cause: e });
      throw e;
    }
  });
}

/** Runs `make`, rewriting a DspgdError about `loss`/`precond`… to name the file and JSON path. */
function rethrowAt<T>(file: string, path: string, make: () => T): T {
  try {
    return make();
  } catch (e) {
    if (e instanceof DspgdError && e.message.startsWith(`${path}.`)) {
      throw new DspgdError(e.code, `${file}: ${e.message}`, e.argument, { cause: e });
    }
    if (e instanceof DspgdError) {
      const m = /^(precond|loss)(\.[A-Za-z0-9_]+)?: /.exec(e.message);
      const at = m ? `${path}${m[2] ?? ''}` : path;
      throw new DspgdError(e.code, `${file}: ${at}: ${m ? e.message.slice(m[0].length) : e.message}`, at, { cause: e });
    }
    throw e;
  }
}

function object(v: Json, path: string, fail: Fail): Record<string, Json> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(path, `expected an object, got ${show(v)}`);
  return v as Record<string, Json>;
}

function list(v: Json, path: string, fail: Fail): Json[] {
  if (!Array.isArray(v) || v.length === 0) fail(path, `expected a non-empty list, got ${show(v)}`);
  return v as Json[];
}

function knownKeys(o: Record<string, Json>, keys: readonly string[], prefix: string, fail: Fail): void {
  for (const k of Object.keys(o)) {
    if (!keys.includes(k)) fail(`${prefix}${k}`, `unknown key; the keys here are ${keys.join(', ')}`, 'E_UNKNOWN_NAME');
  }
}

function show(v: Json): string {
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return v.length === 0 ? 'an empty list' : 'a list';
  if (v !== null && typeof v === 'object') return 'an object';
  return JSON.stringify(v);
}

// ---------------------------------------------------------------------------
// Comparing grids

/**
 * The first difference between two resolved grids as 'PATH: was A, now B' (e.g.
 * 'lrs[1]: was "0.25*auto", now "0.5*auto"'), or undefined when they are equal.
 *
 * A file of a file problem is compared by content where both grids have its SHA-256 (and by
 * its format: extension and .npz member): the same bytes at another path are the same file, and
 * other bytes at the same path are a difference naming both hashes. Without a hash on either
 * side (a pipe, or a journal written before hashes were recorded) the paths are compared.
 */
export function gridDifference(before: unknown, now: unknown, path = ''): string | undefined {
  if (isFileProblem(before) && isFileProblem(now) && (before.sha256 !== undefined || now.sha256 !== undefined)) {
    return fileProblemDifference(before, now, path);
  }
  const at = path === '' ? '(the grid)' : path;
  if (Array.isArray(before) && Array.isArray(now)) {
    for (let i = 0; i < Math.min(before.length, now.length); i++) {
      const d = gridDifference(before[i], now[i], `${path}[${i}]`);
      if (d) return d;
    }
    if (before.length !== now.length) return `${at}: was ${before.length} entries, now ${now.length}`;
    return undefined;
  }
  if (isObj(before) && isObj(now)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(now)])];
    for (const k of keys) {
      const d = gridDifference(before[k], now[k], path === '' ? k : `${path}.${k}`);
      if (d) return d;
    }
    return undefined;
  }
  if (Object.is(before, now)) return undefined;
  return `${at}: was ${JSON.stringify(before) ?? 'absent'}, now ${JSON.stringify(now) ?? 'absent'}`;
}

function isFileProblem(v: unknown): v is FileProblem & Record<string, unknown> {
  return isObj(v) && !('kind' in v) && FILE_ROLES.some((r) => typeof v[r] === 'string');
}

/** A path's format: its extension (lower case) and .npz member; the same bytes read as another format are other data. */
function formatOf(path: string, role: FileRole): string {
  const { path: file, member } = role === 'problem' ? { path, member: undefined } : splitNpzMember(path);
  const ext = /\.[^./\\]*$/.exec(file)?.[0]?.toLowerCase() ?? '';
  return member === undefined ? ext : `${ext}:${member}`;
}

function fileProblemDifference(before: FileProblem & Record<string, unknown>, now: FileProblem & Record<string, unknown>, path: string): string | undefined {
  for (const role of FILE_ROLES) {
    const a = before[role], b = now[role];
    const at = `${path}.${role}`;
    if (a === undefined && b === undefined) continue;
    if (a === undefined || b === undefined) return `${at}: was ${JSON.stringify(a) ?? 'absent'}, now ${JSON.stringify(b) ?? 'absent'}`;
    const ha = before.sha256?.[role], hb = now.sha256?.[role];
    if (ha !== undefined && hb !== undefined) {
      if (ha !== hb) {
        const where = a === b ? `${JSON.stringify(a)} changed` : `was ${JSON.stringify(a)}, now ${JSON.stringify(b)}`;
        return `${at}: the file's content differs (${where}; SHA-256 was ${ha.slice(0, 16)}…, now ${hb.slice(0, 16)}…)`;
      }
      if (formatOf(a, role) !== formatOf(b, role)) return `${at}: was ${JSON.stringify(a)}, now ${JSON.stringify(b)} (the same bytes, read as another format or .npz member)`;
    } else if (a !== b) {
      return `${at}: was ${JSON.stringify(a)}, now ${JSON.stringify(b)}`;
    }
  }
  const rest = (p: Record<string, unknown>) => Object.fromEntries(Object.entries(p).filter(([k]) => k !== 'sha256' && !(FILE_ROLES as readonly string[]).includes(k)));
  return gridDifference(rest(before), rest(now), path);
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
