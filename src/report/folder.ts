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
 * writes them with `writeFilesAtomic` (all temp files first, then the renames:
 * no reader ever sees a half-written file). The folder also holds a manifest
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
    { path: csv, data: rowsToCsv(input.rows, columns) },
  ];
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.path)) throw new DspgdError('E_PARAM', `report: two files would be named ${f.path}`);
    seen.add(f.path);
  }
  return files;
}

/**
 * Creates `dir` (and its parents) and writes every file of the report
 * atomically. Returns the written paths (`dir` joined with each file name),
 * in the order of {@link buildReport}. Throws DspgdError('E_IO') when the
 * folder cannot be created or a file cannot be written.
 */
export async function writeReportFolder(dir: string, input: ReportInput, options: { argument?: string } = {}): Promise<string[]> {
  const { argument } = options;
  const prefix = argument ? `${argument}: ` : '';
  if (typeof dir !== 'string' || dir === '') throw new DspgdError('E_PARAM', `${prefix}report: expected a folder path, got ${JSON.stringify(dir)}`, argument);
  const files = buildReport(input);
  // Node-only modules are loaded here so that buildReport stays usable in a browser bundle.
  const [{ mkdir, readFile, stat, unlink }, { join }, { createHash }, { writeFilesAtomic }, { describeFsError }] = await Promise.all([
    import('node:fs/promises'), import('node:path'), import('node:crypto'), import('../io/node/atomic.js'), import('../io/node/read.js'),
  ]);
  const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');
  const notFolder = await stat(dir).then((st) => !st.isDirectory(), () => false);
  if (notFolder) throw new DspgdError('E_IO', `${prefix}${dir} exists and is not a folder`, argument);
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new DspgdError('E_IO', `${prefix}cannot create the report folder ${dir}: ${describeFsError(e)}`, argument, { cause: e });
  }
  const manifestPath = join(dir, MANIFEST);
  const previous = await readFile(manifestPath, 'utf8').then(parseManifest, () => []);
  const out = files.map((f) => ({ path: join(dir, f.path), data: f.data, argument }));
  const manifest = { files: files.map((f) => ({ name: f.path, sha256: sha256(f.data) })) };
  await writeFilesAtomic([...out, { path: manifestPath, data: `${JSON.stringify(manifest)}\n`, argument }]);
  const now = new Set(files.map((f) => f.path));
  await Promise.all(previous.filter((p) => !now.has(p.name)).map(async (p) => {
    const path = join(dir, p.name);
    // Only what the tool wrote, unchanged since: a file edited or replaced by the user stays.
    const current = await readFile(path).catch(() => undefined);
    if (current !== undefined && sha256(current) === p.sha256) await unlink(path).catch(() => undefined);
  }));
  return out.map((f) => f.path);
}

/** The file listing the last report's files, inside the report folder. */
export const MANIFEST = '.dspgd-report';

/** The names the report format produces (see buildReport and figures.ts); a manifest may list no others. */
const REPORT_FILE = /^(?:index\.html|[a-z][a-z0-9-]*\.svg|(?:sweep|demo)\.(?:json|csv))$/;

/**
 * The files a manifest lists with their recorded SHA-256: only names the
 * report format produces, so a damaged or forged manifest cannot reach
 * outside the folder or name the user's files. A manifest without hashes
 * (or damaged) lists nothing.
 */
function parseManifest(text: string): { name: string; sha256: string }[] {
  try {
    const files = (JSON.parse(text) as { files?: unknown }).files;
    if (!Array.isArray(files)) return [];
    return files.filter((f): f is { name: string; sha256: string } =>
      f !== null && typeof f === 'object' && typeof f.name === 'string' && REPORT_FILE.test(f.name)
      && typeof f.sha256 === 'string' && /^[0-9a-f]{64}$/.test(f.sha256));
  } catch {
    return [];
  }
}
