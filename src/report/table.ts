/**
 * The results of a grid of runs as data files and as a terminal table.
 *
 * - `rowsToCsv`: one line per run, the columns of `ROW_COLUMNS` with a header,
 *   written by the one CSV writer (`encodeCsvRows` of src/io/csv.ts): numbers in
 *   their shortest round-trip form (`nan`, `inf`, `-inf`, `-0`), so reading the file
 *   back gives exactly the same float64 values. `params` is `key=value;key=value`
 *   (quoted, since it may hold the ';'), booleans are `true`/`false`, a null
 *   seed (user data) is an empty cell, text is quoted when a reader could split it.
 * - `rowsToJson`: an array of row objects, one per line. JSON has no NaN or
 *   ±Infinity, so those numbers are the strings "NaN", "Infinity", "-Infinity"
 *   (`jsonNumber` of src/io/json.ts, the convention of every JSON file written;
 *   `parseRowsJson` turns them, and the older "nan"/"inf" spellings, back into numbers).
 * - `formatTable`: aligned plain text for the terminal (rounded: lr and norms
 *   to 4 significant digits, relResidual and relDistToGD as x.xxe±y, c to 4 decimals).
 *
 * `parseRowsCsv` and `parseRowsJson` read the two files back into `RunRow`s.
 * ROW_COLUMNS has no `name` column; readers derive it from the spec (the text
 * before ':'), which is what the preconditioner's name is for every spec string.
 */
import { DspgdError } from '../errors.js';
import { ROW_COLUMNS, fmtLr, type RunRow } from '../experiment.js';
import { encodeCsvRows, type CsvCell } from '../io/csv.js';
import { jsonNumber, parseJsonNumber } from '../io/json.js';
import { formatNumber, parseNumber } from '../util/numbers.js';
import { STATUSES, type Status } from '../stopping.js';

export type RowColumn = (typeof ROW_COLUMNS)[number];
/** A column a table can show: any CSV column, or the preconditioner's bare name. */
export type TableColumn = RowColumn | 'name';

const NUMBER_COLUMNS = ['lr', 'iterations', 'relResidual', 'relDistToGD', 'c', 'lrSensitivity', 'rowspaceNorm', 'nullspaceNorm', 'timeMs'] as const;
/** Number columns that may be null (not applicable): an empty CSV cell, JSON null, 'n/a' in tables. */
const NULLABLE_COLUMNS: readonly string[] = ['relDistToGD', 'c', 'lrSensitivity'];
/** Columns a file written before they existed may lack (read as null). */
const OPTIONAL_COLUMNS: readonly string[] = ['lrSensitivity'];
/** Columns a file may leave out on purpose (a sweep's files carry no wall times; read as NaN). */
const OMITTABLE_COLUMNS: readonly string[] = ['timeMs'];
const BOOLEAN_COLUMNS = ['isotropic', 'preservesRowSpace', 'stateful'] as const;
type NumberColumn = (typeof NUMBER_COLUMNS)[number];
type BooleanColumn = (typeof BOOLEAN_COLUMNS)[number];

/** `{ eps: 0.1, c: 2 }` → `eps=0.1;c=2` (full precision). */
export function formatParams(params: Record<string, number>): string {
  return Object.entries(params ?? {}).map(([k, v]) => `${k}=${formatNumber(v)}`).join(';');
}

/** The inverse of {@link formatParams}. */
export function parseParams(text: string, where = 'params'): Record<string, number> {
  const out: Record<string, number> = {};
  if (text.trim() === '') return out;
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? '' : part.slice(0, eq).trim();
    const v = eq < 0 ? undefined : parseNumber(part.slice(eq + 1).trim());
    if (key === '' || v === undefined) throw new DspgdError('E_FORMAT', `${where}: expected key=value;key=value, got ${JSON.stringify(text)}`);
    out[key] = v;
  }
  return out;
}

// ---------------------------------------------------------------------------
// CSV

function csvCell(row: RunRow, col: RowColumn): CsvCell {
  switch (col) {
    case 'precond': return row.precond;
    case 'params': return formatParams(row.params);
    case 'status': return row.status;
    case 'seed': return row.seed ?? null;
    case 'isotropic': case 'preservesRowSpace': case 'stateful': return Boolean(row[col]);
    default: return row[col] ?? null; // null: not applicable, an empty cell
  }
}

/** The rows as CSV text (header `columns`, default ROW_COLUMNS; '\n' line ends, one at the end). */
export function rowsToCsv(rows: readonly RunRow[], columns: readonly RowColumn[] = ROW_COLUMNS): string {
  return encodeCsvRows([[...columns], ...rows.map((r) => columns.map((c) => csvCell(r, c)))]);
}

/** Splits one CSV line into cells (RFC 4180 quoting; a quoted cell cannot span lines). */
export function splitCsvLine(line: string, where = 'csv'): string[] {
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let text = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new DspgdError('E_FORMAT', `${where}: unterminated quoted cell`);
        text += line.slice(i, q);
        i = q + 1;
        if (line[i] === '"') { text += '"'; i++; continue; }
        break;
      }
      cells.push(text);
      if (i >= line.length) return cells;
      if (line[i] !== ',') throw new DspgdError('E_FORMAT', `${where}: unexpected ${JSON.stringify(line[i])} after a quoted cell`);
      i++;
    } else {
      const c = line.indexOf(',', i);
      if (c < 0) { cells.push(line.slice(i)); return cells; }
      cells.push(line.slice(i, c));
      i = c + 1;
    }
  }
}

/** Reads a file written by {@link rowsToCsv} back into rows (columns found by header name). */
export function parseRowsCsv(text: string, name = 'csv'): RunRow[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw new DspgdError('E_FORMAT', `${name}: empty file`);
  const header = splitCsvLine(lines[0]!, `${name}: line 1`);
  const index = new Map(header.map((h, i) => [h, i]));
  for (const c of ROW_COLUMNS) {
    if (!index.has(c) && !OPTIONAL_COLUMNS.includes(c) && !OMITTABLE_COLUMNS.includes(c)) throw new DspgdError('E_FORMAT', `${name}: line 1: missing column ${c}`);
  }
  return lines.slice(1).map((line, li) => {
    const where = `${name}: line ${li + 2}`;
    const cells = splitCsvLine(line, where);
    if (cells.length !== header.length) throw new DspgdError('E_FORMAT', `${where}: ${cells.length} cells, expected ${header.length}`);
    const get = (c: RowColumn) => (index.has(c) ? cells[index.get(c)!]! : '');
    const num = (c: RowColumn) => {
      if (NULLABLE_COLUMNS.includes(c) && get(c) === '') return null;
      if (OMITTABLE_COLUMNS.includes(c) && !index.has(c)) return NaN;
      const v = parseNumber(get(c));
      if (v === undefined) throw new DspgdError('E_FORMAT', `${where}: column ${c}: expected a number, got ${JSON.stringify(get(c))}`);
      return v;
    };
    const bool = (c: BooleanColumn) => {
      const v = get(c).toLowerCase();
      if (v !== 'true' && v !== 'false') throw new DspgdError('E_FORMAT', `${where}: column ${c}: expected true or false, got ${JSON.stringify(get(c))}`);
      return v === 'true';
    };
    const precond = get('precond');
    const row = {
      precond, name: specName(precond), params: parseParams(get('params'), `${where}: params`),
      isotropic: bool('isotropic'), preservesRowSpace: bool('preservesRowSpace'), stateful: bool('stateful'),
      lr: num('lr'), seed: get('seed') === '' ? null : num('seed'), status: status(get('status'), where),
    } as Partial<RunRow>;
    for (const c of NUMBER_COLUMNS) (row as Record<NumberColumn, number | null>)[c] = num(c);
    return orderRow(row as RunRow);
  });
}

function status(s: string, where: string): Status {
  if (!(STATUSES as readonly string[]).includes(s)) throw new DspgdError('E_FORMAT', `${where}: unknown status ${JSON.stringify(s)}`);
  return s as Status;
}

function specName(spec: string): string {
  const colon = spec.indexOf(':');
  return (colon < 0 ? spec : spec.slice(0, colon)).trim();
}

// ---------------------------------------------------------------------------
// JSON

/** The key order of a row object in JSON: the CSV columns with `name` after `precond`. */
const JSON_KEYS: readonly (keyof RunRow)[] = ['precond', 'name', ...ROW_COLUMNS.filter((c) => c !== 'precond')];

function orderRow(r: RunRow): RunRow {
  const out: Record<string, unknown> = {};
  for (const k of JSON_KEYS) out[k] = r[k];
  return out as unknown as RunRow;
}

/** The rows as a JSON array, one row object per line; NaN and ±Infinity become strings. `columns` (default all) picks the keys (`name` goes with `precond`). */
export function rowsToJson(rows: readonly RunRow[], columns: readonly RowColumn[] = ROW_COLUMNS): string {
  if (rows.length === 0) return '[]\n';
  const keys = JSON_KEYS.filter((k) => (k === 'name' ? columns.includes('precond') : columns.includes(k as RowColumn)));
  const lines = rows.map((r) => {
    const o: Record<string, unknown> = {};
    for (const k of keys) {
      const v = r[k];
      if (k === 'params') {
        o[k] = Object.fromEntries(Object.entries(r.params ?? {}).map(([pk, pv]) => [pk, jsonNumber(pv)]));
      } else o[k] = typeof v === 'number' ? jsonNumber(v) : v ?? null;
    }
    return `  ${JSON.stringify(o)}`;
  });
  return `[\n${lines.join(',\n')}\n]\n`;
}

/** Reads a file written by {@link rowsToJson} back into rows (the strings "NaN", "Infinity", "-Infinity", or "nan", "inf", "-inf", become numbers). */
export function parseRowsJson(text: string, name = 'json'): RunRow[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new DspgdError('E_FORMAT', `${name}: not valid JSON (${(e as Error).message})`, undefined, { cause: e });
  }
  if (!Array.isArray(data)) throw new DspgdError('E_FORMAT', `${name}: expected an array of rows`);
  const toNum = (v: unknown, where: string): number => {
    const x = parseJsonNumber(v);
    if (x !== undefined) return x;
    throw new DspgdError('E_FORMAT', `${where}: expected a number, got ${JSON.stringify(v)}`);
  };
  return data.map((o, i) => {
    const where = `${name}: row ${i}`;
    if (o === null || typeof o !== 'object') throw new DspgdError('E_FORMAT', `${where}: expected an object`);
    const r = { ...(o as Record<string, unknown>) };
    for (const c of NUMBER_COLUMNS) {
      r[c] = NULLABLE_COLUMNS.includes(c) && (r[c] === null || r[c] === undefined) ? null
        : OMITTABLE_COLUMNS.includes(c) && r[c] === undefined ? NaN : toNum(r[c], `${where}.${c}`);
    }
    if (r.seed !== null) r.seed = toNum(r.seed, `${where}.seed`);
    const params = (r.params ?? {}) as Record<string, unknown>;
    r.params = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, toNum(v, `${where}.params.${k}`)]));
    if (typeof r.name !== 'string' && typeof r.precond === 'string') r.name = specName(r.precond);
    return orderRow(r as unknown as RunRow);
  });
}

// ---------------------------------------------------------------------------
// Terminal / display formatting

/** Columns {@link formatTable} shows by default. */
export const DEFAULT_TABLE_COLUMNS: readonly TableColumn[] = [
  'precond', 'lr', 'seed', 'status', 'iterations', 'relResidual', 'relDistToGD', 'c', 'lrSensitivity', 'rowspaceNorm', 'nullspaceNorm',
];

/** Header text of a column in tables. */
export const COLUMN_TITLES: Record<TableColumn, string> = {
  precond: 'precond', name: 'name', params: 'params', lr: 'lr', seed: 'seed', status: 'status', iterations: 'iters',
  relResidual: 'relResidual', relDistToGD: 'relDistToGD', c: 'c', lrSensitivity: 'lr-sensitivity', rowspaceNorm: '‖row‖', nullspaceNorm: '‖null‖',
  timeMs: 'time ms', isotropic: 'isotropic', preservesRowSpace: 'row-space', stateful: 'stateful',
};

/** Whether a column holds numbers (right-aligned in tables). */
export function isNumericColumn(col: TableColumn): boolean {
  return (NUMBER_COLUMNS as readonly string[]).includes(col) || col === 'seed';
}

function shortNumber(v: number | null, kind: 'exp' | 'fixed' | 'int' | 'prec' | 'auto'): string {
  if (v === null) return 'n/a';
  if (!Number.isFinite(v)) return String(v);
  switch (kind) {
    case 'auto': return v === 0 || (Math.abs(v) >= 1e-3 && Math.abs(v) < 1e5) ? fmtLr(v) : v.toExponential(2);
    case 'exp': return v.toExponential(2);
    case 'fixed': return v.toFixed(4);
    case 'int': return String(v);
    case 'prec': return fmtLr(v);
  }
}

/** A cell as shown to people (rounded; the files keep full precision). */
export function formatCell(row: RunRow, col: TableColumn): string {
  switch (col) {
    case 'precond': return row.precond;
    case 'name': return row.name;
    case 'params': return formatParams(row.params);
    case 'status': return row.status;
    case 'seed': return row.seed === null || row.seed === undefined ? '-' : String(row.seed);
    case 'isotropic': case 'preservesRowSpace': case 'stateful': return row[col] ? 'yes' : 'no';
    case 'lr': return shortNumber(row.lr, 'prec');
    case 'iterations': return shortNumber(row.iterations, 'int');
    case 'c': return shortNumber(row.c, 'fixed');
    case 'rowspaceNorm': case 'nullspaceNorm': return shortNumber(row[col], 'auto');
    case 'timeMs': return Number.isFinite(row.timeMs) ? row.timeMs.toFixed(1) : String(row.timeMs);
    default: return shortNumber(row[col], 'exp');
  }
}

/** The line that separates runs that did not converge from the limits above it. */
export const NOT_CONVERGED_HEADING = 'did not converge (not limits: relDistToGD, c and lr-sensitivity provisional):';

/** Converged runs first, then those that did not converge (each group in input order). */
export function convergedFirst(rows: readonly RunRow[]): { converged: RunRow[]; others: RunRow[] } {
  return { converged: rows.filter((r) => r.status === 'converged'), others: rows.filter((r) => r.status !== 'converged') };
}

/**
 * An aligned plain-text table (header, a rule, one line per row; no trailing
 * newline). Text columns are left-aligned, numbers right-aligned. Runs that did
 * not converge come last, under {@link NOT_CONVERGED_HEADING}: their W∞ is not a limit.
 */
export function formatTable(rows: readonly RunRow[], columns: readonly TableColumn[] = DEFAULT_TABLE_COLUMNS): string {
  const { converged, others } = convergedFirst(rows);
  const cells = [...converged, ...others].map((r) => columns.map((c) => formatCell(r, c)));
  const heads = columns.map((c) => COLUMN_TITLES[c] ?? c);
  const len = (s: string) => [...s].length;
  const widths = columns.map((_, j) => Math.max(len(heads[j]!), ...cells.map((row) => len(row[j]!))));
  const pad = (s: string, j: number) => {
    const fill = ' '.repeat(widths[j]! - len(s));
    return isNumericColumn(columns[j]!) ? fill + s : s + fill;
  };
  const line = (row: string[]) => row.map(pad).join('  ').trimEnd();
  const body = cells.map(line);
  if (others.length) body.splice(converged.length, 0, NOT_CONVERGED_HEADING);
  return [line(heads), widths.map((w) => '-'.repeat(w)).join('  '), ...body].join('\n');
}
