/**
 * The experiment report folder written by `dspgd sweep` and `dspgd demo`:
 *
 *   index.html       the page: setup, conclusions, results table, every figure inline
 *   <figure>.svg     each figure on its own (see figures.ts for the names)
 *   <base>.json      the rows, full precision (base: 'sweep' or 'demo')
 *   <base>.csv       the same as CSV
 *
 * `buildReport` makes the files in memory (paths relative to the folder) and
 * touches no Node API, so the browser page can reuse it; `writeReportFolder`
 * replaces the folder's report as a whole (a sibling folder written in full,
 * then swapped in: no reader ever sees files of two reports). The folder also holds a manifest
 * (`.dspgd-report`) naming the files of the last report with the SHA-256 of
 * what was written, so that a smaller report written over a bigger one
 * removes the figures it no longer has (stale figures would otherwise sit
 * next to the new index.html). A file is removed only when its name is one
 * the report format produces and its content is still what the tool wrote:
 * a forged or stale manifest cannot delete the user's files.
 */
import { DspgdError } from '../errors.js';
import { ROW_COLUMNS, type RunRow, type RunTrace } from '../experiment.js';
import { reportFigures, type Figure } from './figures.js';
import { reportHtml, type ReportMeta } from './html.js';
import { rowsToCsv, rowsToJson, type RowColumn } from './table.js';

export interface ReportInput {
  title: string;
  intro: string;
  conclusions: readonly string[];
  rows: readonly RunRow[];
  traces: readonly RunTrace[];
  meta?: ReportMeta;
  /** Stem of the data files (default 'sweep'). */
  files?: { base: 'sweep' | 'demo' };
  /** Row columns left out of the CSV, the JSON rows and the page's table (a sweep's: ['timeMs']). */
  omit?: readonly RowColumn[];
  /** The text of `<base>.json` instead of the bare rows (a sweep's: the grid and version around them). */
  json?: string;
  /** The text of `<base>.csv` instead of rowsToCsv (a sweep's: with the problem and loss of each row). */
  csv?: string;
}

export interface ReportFile {
  /** Relative to the report folder, e.g. 'index.html', 'bias-vs-lr.svg'. */
  path: string;
  data: string;
}

/** The report's files, in memory: index.html, then the figures' SVGs, then `<base>.json` and `<base>.csv`. */
export function buildReport(input: ReportInput): ReportFile[] {
  const base = input.files?.base ?? 'sweep';
  if (base !== 'sweep' && base !== 'demo') {
    throw new DspgdError('E_PARAM', `report: files.base must be 'sweep' or 'demo', got ${JSON.stringify(base)}`);
  }
  const figures: Figure[] = reportFigures({ rows: input.rows, traces: input.traces });
  const json = `${base}.json`;
  const csv = `${base}.csv`;
  const html = reportHtml({
    title: input.title, intro: input.intro, conclusions: input.conclusions, rows: input.rows, figures,
    meta: input.meta, dataFiles: [csv, json], omit: input.omit,
  });
  const columns = ROW_COLUMNS.filter((c) => !input.omit?.includes(c));
  const files: ReportFile[] = [
    { path: 'index.html', data: html },
    ...figures.map((f) => ({ path: `${f.name}.svg`, data: f.svg })),
    { path: json, data: input.json ?? rowsToJson(input.rows, columns) },
    { path: csv, data: input.csv ?? rowsToCsv(input.rows, columns) },
  ];
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.path)) throw new DspgdError('E_PARAM', `report: two files would be named ${f.path}`);
    seen.add(f.path);
  }
  return files;
}

/**
 * Creates `dir` (and its parents) and replaces the report in it as a whole
 * (see src/io/node/folder-swap.ts: a sibling folder written in full, then
 * renamed into place; a reader never sees files of two reports, even when
 * the writer is killed). Returns the written paths (`dir` joined with each
 * file name), in the order of {@link buildReport}. Throws DspgdError('E_IO')
 * when the folder cannot be created, written or swapped, or holds what cannot
 * be carried over (a sub-folder the tool did not write).
 */
export async function writeReportFolder(dir: string, input: ReportInput, options: { argument?: string } = {}): Promise<string[]> {
  const { argument } = options;
  const prefix = argument ? `${argument}: ` : '';
  if (typeof dir !== 'string' || dir === '') throw new DspgdError('E_PARAM', `${prefix}report: expected a folder path, got ${JSON.stringify(dir)}`, argument);
  const files = buildReport(input);
  // Node-only modules are loaded here so that buildReport stays usable in a browser bundle.
  const [{ join }, { replaceFolder }] = await Promise.all([import('node:path'), import('../io/node/folder-swap.js')]);
  await replaceFolder(dir, files.map((f) => ({ name: f.path, data: f.data })), { manifest: MANIFEST, ownName: REPORT_FILE, argument });
  return files.map((f) => join(dir, f.path));
}

/**
 * Finishes or undoes a report swap into `dir` that a killed writer left (so
 * the folder is back before anything else in it is read or written: sweep's
 * journal), and removes the leftovers. Best effort; writeReportFolder does the
 * same before it writes.
 */
export async function recoverReportFolder(dir: string): Promise<void> {
  const { recoverFolder } = await import('../io/node/folder-swap.js');
  await recoverFolder(dir, { manifest: MANIFEST, ownName: REPORT_FILE });
}

/** The file listing the last report's files, inside the report folder. */
export const MANIFEST = '.dspgd-report';

/** The names the report format produces (see buildReport and figures.ts); a manifest may list no others. */
const REPORT_FILE = /^(?:index\.html|[a-z][a-z0-9-]*\.svg|(?:sweep|demo)\.(?:json|csv))$/;
