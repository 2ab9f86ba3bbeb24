/**
 * The demo page's settings: what the form shows, what the URL carries, and what a run needs.
 *
 * Settings are kept as the text the user typed (or the link carried), so a link round-trips
 * exactly and a bad value can be reported as typed ("n: expected a whole number ≥ 1, got
 * "forty""). `checkSettings` turns them into run inputs or into field-level errors.
 */
import { resolvePrecond } from '../src/precond/index.js';
import { resolveLoss } from '../src/losses/index.js';
import { PRECONDITIONERS, BUILTIN_PRECOND_NAMES } from '../src/precond/builtins.js';
import type { GenerateOptions } from '../src/generate.js';
import { parseLrs, formatSpecParams, type LrItem } from './util.js';

export type Kind = 'gaussian' | 'teacher' | 'spectrum' | 'padded';
export const KINDS: readonly Kind[] = ['gaussian', 'teacher', 'spectrum', 'padded'];

/** One preconditioner row of the form: ticked or not, and its parameter sets separated by ';'. */
export interface PrecondSetting { on: boolean; params: string }

export interface Settings {
  source: 'generate' | 'upload';
  kind: string;
  n: string; d: string; k: string; seed: string; noise: string; cond: string;
  loss: string;
  pc: Record<string, PrecondSetting>;
  lrs: string; tol: string; maxIter: string; threads: string;
}

/** The text fields of Settings, in the order the form shows them (also the URL's key order). */
export const TEXT_FIELDS = ['kind', 'n', 'd', 'k', 'seed', 'noise', 'cond', 'loss', 'lrs', 'tol', 'maxIter', 'threads'] as const;
type TextField = (typeof TEXT_FIELDS)[number];

/** Ticked at start, with parameters under which each converges on the default problem (as in `npm start`). */
const DEFAULT_PC: Record<string, PrecondSetting> = {
  gd: { on: true, params: '' }, normalized: { on: false, params: 'eps=0.1' }, clip: { on: false, params: 'c=0.5' },
  power: { on: false, params: 'p=2.2' }, colnorm: { on: false, params: 'eps=0.1' }, spectral: { on: true, params: 'eps=0.1' },
  adam: { on: true, params: 'eps=0.1' }, sign: { on: true, params: 'eps=0.1' },
  'clip-elementwise': { on: false, params: 'c=0.05' }, rownorm: { on: false, params: 'eps=0.1' },
};

export function defaultPrecond(name: string): PrecondSetting {
  const d = DEFAULT_PC[name];
  if (d) return { ...d };
  const p = PRECONDITIONERS[name as keyof typeof PRECONDITIONERS];
  return { on: false, params: p ? formatSpecParams(p.defaults) : '' };
}

export function defaultSettings(): Settings {
  return {
    source: 'generate', kind: 'gaussian', n: '40', d: '120', k: '3', seed: '7', noise: '0.1', cond: '100',
    loss: 'squared', pc: Object.fromEntries(BUILTIN_PRECOND_NAMES.map((n) => [n, defaultPrecond(n)])),
    lrs: '1*auto, 0.5*auto, 0.25*auto', tol: '1e-10', maxIter: '100000', threads: '1',
  };
}

// --- the URL ---------------------------------------------------------------------------------

// Characters a fragment may carry as they are (RFC 3986): the link stays readable.
const enc = (s: string) => encodeURIComponent(s).replace(/%(3A|2C|3B|2A|40|2F|3D)/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));

/**
 * The settings as a URL fragment (without '#'): every text field; `source=upload` when the data
 * are files (their bytes cannot travel in a link); `p.NAME=PARAMS` for each ticked
 * preconditioner; `x.NAME=PARAMS` for an unticked one whose parameters differ from the default.
 */
export function toHash(s: Settings): string {
  const parts: string[] = [];
  if (s.source === 'upload') parts.push('source=upload');
  for (const f of TEXT_FIELDS) parts.push(`${f}=${enc(s[f])}`);
  for (const name of BUILTIN_PRECOND_NAMES) {
    const pc = s.pc[name] ?? defaultPrecond(name);
    if (pc.on) parts.push(`p.${name}=${enc(pc.params)}`);
    else if (pc.params !== defaultPrecond(name).params) parts.push(`x.${name}=${enc(pc.params)}`);
  }
  return parts.join('&');
}

/**
 * Settings from a fragment (with or without '#'): keys it lacks keep their defaults, and when it
 * names any ticked preconditioner (`p.`), exactly those are ticked. Unknown keys are returned
 * so the page can say it ignored them.
 */
export function fromHash(hash: string): { settings: Settings; ignored: string[] } {
  const s = defaultSettings();
  const ignored: string[] = [];
  const text = hash.replace(/^#/, '');
  if (!text) return { settings: s, ignored };
  const pairs = text.split('&').filter(Boolean).map((p) => {
    const i = p.indexOf('=');
    const key = i < 0 ? p : p.slice(0, i);
    let value = i < 0 ? '' : p.slice(i + 1);
    try { value = decodeURIComponent(value); } catch { /* a stray '%': keep the text as it is, the field check reports it */ }
    return [key, value] as const;
  });
  if (pairs.some(([k]) => k.startsWith('p.'))) for (const pc of Object.values(s.pc)) pc.on = false;
  for (const [key, value] of pairs) {
    if (key === 'source') {
      if (value === 'upload' || value === 'generate') s.source = value;
      else ignored.push(key);
    } else if ((TEXT_FIELDS as readonly string[]).includes(key)) {
      s[key as TextField] = value;
    } else if ((key.startsWith('p.') || key.startsWith('x.')) && key.slice(2) in s.pc) {
      s.pc[key.slice(2)] = { on: key.startsWith('p.'), params: value };
    } else {
      ignored.push(key);
    }
  }
  return { settings: s, ignored };
}

// --- checking ----------------------------------------------------------------------------------

/** A message about one field of the form (`field` is the input's name, e.g. 'n' or 'pc-adam'). */
export interface FieldError { field: string; message: string }

/** What a run needs, checked. */
export interface RunInputs {
  problem: { source: 'generate'; spec: GenerateOptions & { kind: Exclude<Kind, 'padded'> } }
    | { source: 'padded'; n: number; d: number; k: number; seed: number }
    | { source: 'upload' };
  /** The seed for the table's rows (null for uploaded data). */
  seed: number | null;
  loss: string;
  /** Preconditioner specs, one per parameter set of each ticked row, in the form's order. */
  specs: string[];
  lrs: LrItem[];
  tol: number;
  maxIter: number;
  threads: number;
  /** Things the page changed or wants said (not errors). */
  notes: string[];
}

const quote = (s: string) => JSON.stringify(s);

function numberField(errors: FieldError[], s: Settings, field: TextField, label: string, rule: { integer?: boolean; min?: number; above?: number; max?: number }): number {
  const raw = s[field].trim();
  const v = raw === '' ? NaN : Number(raw);
  const range = rule.min !== undefined && rule.max !== undefined ? ` from ${rule.min} to ${rule.max}`
    : rule.above !== undefined ? ` > ${rule.above}` : rule.min !== undefined ? ` ≥ ${rule.min}` : '';
  const what = `${rule.integer ? 'a whole number' : 'a number'}${range}`;
  const ok = Number.isFinite(v) && (!rule.integer || Number.isInteger(v)) && (rule.min === undefined || v >= rule.min)
    && (rule.above === undefined || v > rule.above) && (rule.max === undefined || v <= rule.max);
  if (!ok) errors.push({ field, message: `${label}: expected ${what}, got ${raw === '' ? 'nothing' : quote(raw)}` });
  return v;
}

/** The library's message without its argument prefix ("precond.eps: expected …" → "expected …"). */
function plain(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.replace(/^(precond|loss)(\.\w+)?: /, '');
}

/**
 * Checks every field and returns the run's inputs, or every error at once (each about one
 * field, in words without internal codes). `maxThreads` is what the page allows.
 */
export function checkSettings(s: Settings, maxThreads: number): { inputs: RunInputs } | { errors: FieldError[] } {
  const errors: FieldError[] = [];
  let problem: RunInputs['problem'] = { source: 'upload' };
  let seed: number | null = null;
  if (s.source === 'generate') {
    const kind = s.kind as Kind;
    if (!KINDS.includes(kind)) errors.push({ field: 'kind', message: `kind: expected one of ${KINDS.join(', ')}, got ${quote(s.kind)}` });
    const n = numberField(errors, s, 'n', 'n (samples)', { integer: true, min: 1 });
    const d = numberField(errors, s, 'd', 'd (features)', { integer: true, min: 1 });
    const k = numberField(errors, s, 'k', 'k (outputs)', { integer: true, min: 1 });
    seed = numberField(errors, s, 'seed', 'seed', { integer: true, min: 0, max: Number.MAX_SAFE_INTEGER });
    const noise = numberField(errors, s, 'noise', 'noise', { min: 0 });
    const cond = numberField(errors, s, 'cond', 'cond', { min: 1 });
    if (kind === 'spectrum' && n > d) errors.push({ field: 'n', message: `n: the spectrum kind needs n ≤ d, got n = ${n} > d = ${d}` });
    if (kind === 'padded' && n > d) errors.push({ field: 'n', message: `n: X = [T 0] needs n ≤ d (T is n×n), got n = ${n} > d = ${d}` });
    if (kind === 'padded') problem = { source: 'padded', n, d, k, seed };
    else problem = { source: 'generate', spec: { kind: kind as Exclude<Kind, 'padded'>, n, d, k, seed, noise, cond } };
  }

  const loss = s.loss.trim() || 'squared';
  try {
    resolveLoss(loss);
  } catch (e) {
    errors.push({ field: 'loss', message: `loss: ${plain(e)}` });
  }

  const specs: string[] = [];
  let ticked = 0;
  for (const name of BUILTIN_PRECOND_NAMES) {
    const pc = s.pc[name];
    if (!pc?.on) continue;
    ticked++;
    const sets = pc.params.split(';').map((p) => p.replace(/\s+/g, ''));
    for (const params of sets.length ? sets : ['']) {
      if (params === '' && sets.length > 1) continue;
      const spec = params ? `${name}:${params}` : name;
      try {
        resolvePrecond(spec);
        specs.push(spec);
      } catch (e) {
        errors.push({ field: `pc-${name}`, message: `${name}: ${plain(e)}${sets.length > 1 ? ` (in ${quote(params)})` : ''}` });
      }
    }
  }
  if (!ticked) errors.push({ field: 'pc', message: 'preconditioners: tick at least one' });

  let lrs: LrItem[] = [];
  try {
    lrs = parseLrs(s.lrs);
  } catch (e) {
    errors.push({ field: 'lrs', message: (e instanceof Error ? e.message : String(e)) });
  }
  const tol = numberField(errors, s, 'tol', 'tol', { min: 0 });
  const maxIter = numberField(errors, s, 'maxIter', 'max iterations', { integer: true, min: 1 });
  const threads = numberField(errors, s, 'threads', 'threads', { integer: true, min: 1 });
  const notes: string[] = [];
  if (threads > maxThreads) {
    // Threads split the pass over X without changing its arithmetic: fewer give the same bits.
    notes.push(`threads: this page can use ${maxThreads} (${maxThreads === 1 ? 'it is not cross-origin isolated' : 'the cores it reports'}), so the runs use ${maxThreads} instead of ${threads}; the results are the same bit for bit.`);
  }
  if (errors.length) return { errors };
  return { inputs: { problem, seed, loss, specs, lrs, tol, maxIter, threads: Math.min(threads, maxThreads), notes } };
}
