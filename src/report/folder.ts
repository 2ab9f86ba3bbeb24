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
 * (`.dspgd-report`) naming the files of the last report, so that a smaller
 * report written over a bigger one removes the figures it no longer has
 * (stale figures would otherwise sit next to the new index.html). Files the
 * manifest does not name, such as the user's own, are never touched.
 */
import { DspgdError } from '../errors.js';
import type { RunRow, RunTrace } from '../experiment.js';
import { reportFigures, type Figure } from './figures.js';
import { reportHtml, type ReportMeta } from './html.js';
import { rowsToCsv, rowsToJson } from './table.js';

export interface ReportInput {
  title: string;
  intro: string;
  conclusions: readonly string[];
  rows: readonly RunRow[];
  traces: readonly RunTrace[];
  meta?: ReportMeta;
  /** Stem of the data files (default 'sweep'). */
  files?: { base: 'sweep' | 'demo' };
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
    meta: input.meta, dataFiles: [csv, json],
  });
  const files: ReportFile[] = [
    { path: 'index.html', data: html },
    ...figures.map((f) => ({ path: `${f.name}.svg`, data: f.svg })),
    { path: json, data: rowsToJson(input.rows) },
    { path: csv, data: rowsToCsv(input.rows) },
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
export async function writeReportFolder(dir: string, input: ReportInput): Promise<string[]> {
  if (typeof dir !== 'string' || dir === '') throw new DspgdError('E_PARAM', `report: expected a folder path, got ${JSON.stringify(dir)}`);
  const files = buildReport(input);
  // Node-only modules are loaded here so that buildReport stays usable in a browser bundle.
  const [{ mkdir, readFile, unlink }, { join }, { writeFilesAtomic }, { describeFsError }] = await Promise.all([
    import('node:fs/promises'), import('node:path'), import('../io/node/atomic.js'), import('../io/node/read.js'),
  ]);
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new DspgdError('E_IO', `cannot create the report folder ${dir}: ${describeFsError(e)}`, undefined, { cause: e });
  }
  const manifestPath = join(dir, MANIFEST);
  const previous = await readFile(manifestPath, 'utf8').then(parseManifest, () => []);
  const out = files.map((f) => ({ path: join(dir, f.path), data: f.data }));
  await writeFilesAtomic([...out, { path: manifestPath, data: JSON.stringify({ files: files.map((f) => f.path) }) + '\n' }]);
  const now = new Set(files.map((f) => f.path));
  await Promise.all(previous.filter((name) => !now.has(name)).map((name) => unlink(join(dir, name)).catch(() => undefined)));
  return out.map((f) => f.path);
}

/** The file listing the last report's files, inside the report folder. */
export const MANIFEST = '.dspgd-report';

/** The names a manifest lists; only plain file names, so a damaged or forged manifest cannot reach outside the folder. */
function parseManifest(text: string): string[] {
  try {
    const files = (JSON.parse(text) as { files?: unknown }).files;
    if (!Array.isArray(files)) return [];
    return files.filter((f): f is string => typeof f === 'string' && /^[\w.-]+$/.test(f) && !f.startsWith('.') && f !== MANIFEST);
  } catch {
    return [];
  }
}
