/**
 * Numeric matrices as delimited text (CSV, TSV, whitespace-separated).
 *
 * Reading: one matrix row per line, cells separated by ',' ';' a tab or runs
 * of spaces/tabs, auto-detected from the first two lines with content (the
 * second is data even when the first is a header): the first of ';' ','
 * tab that occurs in both, else the second line's, else the first line's, else
 * whitespace; tabs between cells that also hold spaces are whitespace (see
 * detectDelimiter). Cells may be double-quoted ("1.5", "a ""b""");
 * a quoted cell cannot span lines. Lines
 * whose first non-blank character is '#' are comments (np.savetxt writes its
 * header that way); blank lines may lead or trail, not separate rows. A
 * UTF-8 byte order mark is skipped.
 *
 * Numbers are decimal (`12`, `-1.5`, `.5`, `1e-300`, `+2E+10`; no hex, no
 * digit separators, no decimal comma), converted with correct rounding. The
 * spellings `nan`, `inf`, `infinity` (any case, with an optional sign) are
 * read as NaN and ±Infinity: whether they are allowed is for the caller
 * (toDense's finiteness check) to decide.
 *
 * A header row is optional: with `header: 'auto'` (the default) the first
 * row is a header when one of its cells is a name: not a number, and with a
 * letter in it (so a first data row with a missing value or a decimal comma
 * is still an error, not a header; a header of numbers like pandas' default
 * `0,1,2` needs `header: true`). A first row whose first cell alone is empty
 * (`,0,1,2` or `,a,b`: pandas' to_csv with its index) is a header, and the
 * first column, the index, is dropped (`onNote` is told; not with `header:
 * false`). One column gives a 1-D matrix (shape [n]),
 * more give [rows, cols].
 *
 * Errors are `DspgdError('E_FORMAT', '<name>: line L, column C: …')` with the
 * 1-based line of the text and the 1-based column (cell) of the row.
 */
import { DspgdError } from '../errors.js';
import type { Matrix } from '../matrix.js';
import { formatNumber, parseNumber } from '../util/numbers.js';

export type CsvDelimiter = ',' | ';' | '\t' | 'whitespace';

export interface ParseCsvOptions {
  /** 'auto' (default): the first row is a header if it has a non-numeric name; true: always; false: never. */
  header?: 'auto' | boolean;
  /** The cell separator; 'auto' (default) detects it from the first two lines with content (see the module comment). */
  delimiter?: CsvDelimiter | 'auto';
  /** What the error is about (`err.argument`); defaults to `name`. */
  argument?: string;
  /** Told about what was read differently from the plain rule (a dropped pandas index column). */
  onNote?: (message: string) => void;
}

export interface CsvTable {
  matrix: Matrix;
  /** The header row's names, when there was one. */
  header?: string[];
  delimiter: CsvDelimiter;
  /** True when the first column was an index (empty first header cell, as pandas' to_csv writes) and was dropped. */
  indexColumn?: boolean;
}

export interface EncodeCsvOptions {
  /** Column names for a header row (as many as columns; 1 for a 1-D matrix). */
  header?: readonly string[];
  /** The separator: ',' (default), ';', '\t', or ' ' (one space). */
  delimiter?: ',' | ';' | '\t' | ' ';
}

/** Parses delimited text into a Matrix (see the module comment for the format). */
export function parseCsv(text: string, name: string, options: ParseCsvOptions = {}): Matrix {
  return parseCsvTable(text, name, options).matrix;
}

/** Like {@link parseCsv}, also returning the header names and the delimiter used. */
export function parseCsvTable(text: string, name: string, options: ParseCsvOptions = {}): CsvTable {
  const argument = options.argument ?? name;
  const fail = (problem: string) => new DspgdError('E_FORMAT', `${name}: ${problem}`, argument);
  if (typeof text !== 'string') throw fail(`expected CSV text, got ${typeof text}`);
  const headerOpt = options.header ?? 'auto';
  if (headerOpt !== 'auto' && headerOpt !== true && headerOpt !== false) {
    throw new DspgdError('E_PARAM', `${name}: header must be 'auto', true or false, got ${String(headerOpt)}`, argument);
  }
  const delimOpt = options.delimiter ?? 'auto';
  if (![',', ';', '\t', 'whitespace', 'auto'].includes(delimOpt)) {
    throw new DspgdError('E_PARAM', `${name}: delimiter must be ',', ';', '\\t', 'whitespace' or 'auto', got ${JSON.stringify(delimOpt)}`, argument);
  }

  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const nul = text.indexOf('\0');
  if (nul >= 0) {
    const line = countLines(text, nul);
    throw fail(`line ${line}: binary data (a NUL byte), not a text file${binaryHint(text)}`);
  }

  const lines = text.split(/\r\n|\r|\n/);
  let delimiter: CsvDelimiter | undefined = delimOpt === 'auto' ? undefined : delimOpt;
  let header: string[] | undefined;
  let cols = -1;
  let colsLine = 0;
  let rows = 0;
  const values: number[] = [];
  let blankLine = 0; // a blank line after data, allowed only if nothing follows
  let sawContent = false;
  let skip = 0; // 1 when the first column is a dropped index column

  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i];
    const trimmed = line.trim();
    if (trimmed === '') {
      if (sawContent && blankLine === 0) blankLine = lineNo;
      continue;
    }
    if (trimmed[0] === '#') continue;
    if (blankLine) throw fail(`line ${blankLine} is blank, but more data follows on line ${lineNo} (blank lines may only end the file)`);

    if (delimiter === undefined) delimiter = detectDelimiter(line, nextContentLine(lines, i + 1));
    const cells = splitRow(line, delimiter, lineNo, fail);

    if (!sawContent) {
      sawContent = true;
      // pandas' to_csv writes its index as a first column with an empty header cell: that row is
      // a header (even of numbers only: 0,1,2) and the column is not data.
      const pandasIndex = headerOpt !== false && cells.length > 1 && cells[0].text === '' && !cells[0].quoted
        && cells.slice(1).every((c) => c.text !== '');
      const isHeader = pandasIndex || (headerOpt === 'auto' ? cells.some((c) => isName(c.text)) : headerOpt);
      if (isHeader) {
        header = cells.map((c) => c.text);
        if (pandasIndex) {
          skip = 1;
          header = header.slice(1);
          options.onNote?.(`${name}: the first header cell is empty, so column 1 is an index (as pandas' to_csv writes it) and was dropped; `
            + 'write the file with index=False to leave it out');
        }
        cols = cells.length;
        colsLine = lineNo;
        continue;
      }
    }
    if (cols < 0) {
      cols = cells.length;
      colsLine = lineNo;
    } else if (cells.length !== cols) {
      const what = header ? `the header on line ${colsLine} has ${cols}` : `line ${colsLine} has ${cols}`;
      throw fail(`line ${lineNo}: ${cells.length} ${cells.length === 1 ? 'column' : 'columns'}, expected ${cols} (${what})`
        + (cells.length > cols ? `; column ${cols + 1} is the first extra one` : ''));
    }
    for (let j = skip; j < cells.length; j++) {
      const v = parseNumber(cells[j].text);
      if (v === undefined) throw fail(`line ${lineNo}, column ${j + 1}: ${describeBadCell(cells[j].text, delimiter, j === cells.length - 1)}`);
      values.push(v);
    }
    rows++;
  }

  if (!sawContent) throw fail(text.trim() === '' ? 'no data: the file is empty' : 'no data: the file has only comments');
  const data = Float64Array.from(values);
  const shape: Matrix['shape'] = cols - skip === 1 ? [rows] : [rows, cols - skip];
  return { matrix: { data, shape }, header, delimiter: delimiter!, ...(skip ? { indexColumn: true } : {}) };
}

/**
 * Writes a Matrix as delimited text, one row per line ('\n' line ends, one at
 * the end). Numbers are written in JavaScript's shortest round-trip form
 * (`String(x)`, plus `-0` for negative zero), so parsing gives back exactly
 * the same float64 values; NaN and ±Infinity are written `nan`, `inf`,
 * `-inf` (as np.savetxt; NaN payloads are not kept). A 1-D matrix is one
 * value per line; note that a 2-D (n, 1) matrix is written the same way and
 * so reads back as 1-D. Header names are quoted when needed.
 */
export function encodeCsv(m: Matrix, options: EncodeCsvOptions = {}): string {
  const { data, rows, cols } = checkedMatrix(m, 'encodeCsv');
  const d = options.delimiter ?? ',';
  if (![',', ';', '\t', ' '].includes(d)) {
    throw new DspgdError('E_PARAM', `encodeCsv: delimiter must be ',', ';', '\\t' or ' ', got ${JSON.stringify(d)}`);
  }
  if (cols === 0 && rows > 0) throw new DspgdError('E_SHAPE', `encodeCsv: cannot write ${rows} rows of no values as CSV (shape [${rows}, 0])`);
  if (options.header !== undefined) checkHeader(options.header, cols);
  const lines: CsvCell[][] = options.header !== undefined ? [[...options.header]] : [];
  for (let i = 0; i < rows; i++) lines.push(Array.from({ length: cols }, (_, j) => data[i * cols + j]));
  return encodeCsvRows(lines, d);
}

/** A cell for {@link encodeCsvRows}: text, a number, a boolean, or null for an empty cell. */
export type CsvCell = string | number | boolean | null;

/**
 * The one CSV writer (matrices and tables of results): one line per row,
 * '\n' line ends, one at the end. Numbers in their shortest round-trip form
 * ({@link formatNumber}: `nan`, `inf`, `-inf`, `-0`), booleans `true`/`false`,
 * null an empty cell; text is quoted when a reader could split it or mistake
 * it ({@link csvText}).
 */
export function encodeCsvRows(rows: readonly (readonly CsvCell[])[], delimiter: ',' | ';' | '\t' | ' ' = ','): string {
  const cell = (c: CsvCell) => (typeof c === 'number' ? formatNumber(c) : typeof c === 'string' ? csvText(c) : c === null ? '' : String(c));
  const out = rows.map((r) => r.map(cell).join(delimiter));
  return out.length ? `${out.join('\n')}\n` : '';
}

/**
 * Text as one CSV cell: quoted (quotes doubled) when it holds a delimiter of
 * any kind (so that delimiter detection is not misled), a space, a quote or a
 * line break, or starts with '#' (a comment to the reader).
 */
export function csvText(s: string): string {
  return /[,;\t "\r\n]|^#/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

// Number text lives in its own module (the report tables use it too); re-exported for existing importers.
export { formatNumber, parseNumber };

/** Validates a Matrix for the encoders; returns its data and 2-D dimensions. */
export function checkedMatrix(m: Matrix, who: string): { data: Float64Array | ArrayLike<number>; rows: number; cols: number; oneD: boolean } {
  const shape = m?.shape as readonly number[] | undefined;
  if (!Array.isArray(shape) || (shape.length !== 1 && shape.length !== 2)
      || !shape.every((s) => Number.isSafeInteger(s) && s >= 0)) {
    throw new DspgdError('E_SHAPE', `${who}: expected shape [len] or [rows, cols] of non-negative integers, got ${JSON.stringify(shape) ?? String(shape)}`);
  }
  const rows = shape[0], cols = shape.length === 2 ? shape[1] : 1;
  const count = rows * cols;
  const data = m.data as ArrayLike<number> | undefined;
  if (data == null || typeof data.length !== 'number' || data.length !== count) {
    throw new DspgdError('E_SHAPE', `${who}: shape [${shape.join(', ')}] needs ${count} values, data has ${data?.length ?? 'none'}`);
  }
  return { data, rows, cols, oneD: shape.length === 1 };
}

// ---------------------------------------------------------------------------

interface Cell {
  text: string;
  quoted: boolean;
}

/** A header cell: not a number, and with a letter in it (so that '2,5' or '' never make a header). */
function isName(cell: string): boolean {
  return parseNumber(cell) === undefined && /\p{L}/u.test(cell);
}

/** The delimiters that occur outside quotes in `line`, in order of preference. */
function delimitersIn(line: string): CsvDelimiter[] {
  const seen = new Set<string>();
  let inQuote = false;
  for (const c of line) {
    if (c === '"') inQuote = !inQuote;
    else if (!inQuote && (c === ';' || c === ',' || c === '\t')) seen.add(c);
  }
  // ';' first: it never occurs in a number, while ',' does as a decimal comma.
  return ([';', ',', '\t'] as const).filter((d) => seen.has(d));
}

/**
 * Detects the delimiter from the first line with content and the next one
 * (which is data even when the first is a header): the first of ';' ',' tab
 * that occurs in both, else the second line's, else the first line's, else
 * whitespace. Tabs in a data line whose cells also hold spaces between
 * values are taken as whitespace (columns aligned with tabs and spaces).
 */
function detectDelimiter(first: string, second: string | undefined): CsvDelimiter {
  const a = delimitersIn(first);
  const b = second === undefined ? a : delimitersIn(second);
  const d = a.find((x) => b.includes(x)) ?? b[0] ?? a[0] ?? 'whitespace';
  // Tabs with spaces between numbers too are alignment: whitespace-separated.
  if (d === '\t' && (second ?? first).split('\t').some((c) => /\S[ ]+\S/.test(c.trim()))) return 'whitespace';
  return d;
}

function nextContentLine(lines: string[], from: number): string | undefined {
  for (let i = from; i < lines.length; i++) {
    const t = lines[i].trim();
    if (t !== '' && t[0] !== '#') return lines[i];
  }
  return undefined;
}

/** Splits one line into cells; unquoted cells are trimmed of spaces and tabs. */
function splitRow(line: string, delimiter: CsvDelimiter, lineNo: number, fail: (p: string) => DspgdError): Cell[] {
  const ws = delimiter === 'whitespace';
  const isBlank = (c: string) => c === ' ' || c === '\t';
  const cells: Cell[] = [];
  let p = 0;
  const n = line.length;
  if (ws) while (p < n && isBlank(line[p])) p++;
  for (;;) {
    while (p < n && isBlank(line[p]) && line[p] !== delimiter) p++;
    const col = cells.length + 1;
    if (line[p] === '"') {
      let text = '';
      p++;
      for (;;) {
        const q = line.indexOf('"', p);
        if (q < 0) throw fail(`line ${lineNo}, column ${col}: unterminated quoted cell (a quoted cell cannot span lines)`);
        text += line.slice(p, q);
        p = q + 1;
        if (line[p] === '"') {
          text += '"';
          p++;
          continue;
        }
        break;
      }
      if (!ws) while (p < n && isBlank(line[p]) && line[p] !== delimiter) p++;
      cells.push({ text, quoted: true });
      if (p >= n) return cells;
      if (ws ? !isBlank(line[p]) : line[p] !== delimiter) {
        throw fail(`line ${lineNo}, column ${col}: unexpected ${JSON.stringify(line[p])} after a quoted cell`);
      }
    } else {
      let q = p;
      if (ws) while (q < n && !isBlank(line[q])) q++;
      else {
        q = line.indexOf(delimiter, p);
        if (q < 0) q = n;
      }
      cells.push({ text: line.slice(p, q).replace(/^[ \t]+|[ \t]+$/g, ''), quoted: false });
      p = q;
      if (p >= n) return cells;
    }
    // At a delimiter.
    if (ws) {
      while (p < n && isBlank(line[p])) p++;
      if (p >= n) return cells;
    } else {
      p++;
      if (p >= n) {
        cells.push({ text: '', quoted: false }); // a trailing delimiter ends with an empty cell
        return cells;
      }
    }
  }
}

function describeBadCell(cell: string, delimiter: CsvDelimiter, last: boolean): string {
  if (cell === '') return `empty cell, expected a number${last ? ' (a trailing delimiter?)' : ''}`;
  const shown = cell.length > 40 ? `${JSON.stringify(cell.slice(0, 40))}…` : JSON.stringify(cell);
  let hint = '';
  if (/^[+-]?\d+,\d+$/.test(cell)) hint = ' (a decimal comma? write numbers with a decimal point)';
  else if (delimiter === 'whitespace' && /[,;]/.test(cell)) hint = ' (mixed delimiters?)';
  else if (/^0[xXbBoO]/.test(cell)) hint = ' (only decimal numbers are read)';
  return `expected a number, got ${shown}${hint}`;
}

function countLines(text: string, upTo: number): number {
  let line = 1;
  for (let i = 0; i < upTo; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) line++;
  }
  return line;
}

function binaryHint(text: string): string {
  if (/^.NUMPY/s.test(text)) return ' (it looks like a .npy file)';
  if (text.startsWith('PK\x03\x04')) return ' (it looks like a zip archive, e.g. an .npz file)';
  return '';
}

function checkHeader(header: readonly string[], cols: number): void {
  if (!Array.isArray(header) || !header.every((h) => typeof h === 'string')) {
    throw new DspgdError('E_PARAM', 'encodeCsv: header must be an array of strings');
  }
  if (header.length !== cols) {
    throw new DspgdError('E_PARAM', `encodeCsv: header has ${header.length} names, the matrix has ${cols} ${cols === 1 ? 'column' : 'columns'}`);
  }
  if (header.some((h) => /[\r\n]/.test(h))) throw new DspgdError('E_PARAM', 'encodeCsv: header names cannot contain line breaks');
  if (!header.some(isName)) {
    throw new DspgdError('E_PARAM', `encodeCsv: header ${JSON.stringify(header)} has no name with a letter that is not a number, so a reader could not tell it from data`);
  }
}
