/**
 * The report page: one self-contained HTML file (inline CSS, inline SVG
 * figures, no scripts, no external resources, so it works offline and can be
 * mailed as a single file). All text goes through `escapeXml`; the markup is
 * also well-formed XML (every element closed), so it can be checked with an
 * XML parser.
 */
import { escapeXml } from '../plot/index.js';
import { ROW_COLUMNS, type RunRow } from '../experiment.js';
import { VERSION } from '../version.js';
import type { Figure } from './figures.js';
import { COLUMN_TITLES, NOT_CONVERGED_HEADING, convergedFirst, formatCell, isNumericColumn, type TableColumn } from './table.js';
import { formatNumber } from '../util/numbers.js';

/**
 * Values shown in the "Setup" list; `undefined` entries are skipped. Numbers
 * are shown in full precision, arrays as `a, b`, plain objects (e.g. the
 * generator options) as `key=value, key=value`.
 */
export type ReportMeta = Record<string, unknown>;

export interface ReportHtmlInput {
  title: string;
  /** What was run, in a sentence or a few paragraphs (blank lines separate paragraphs). */
  intro: string;
  /** Plain-language conclusions, in order: a numbered list, unless every one already starts with its number ("1. …"). */
  conclusions: readonly string[];
  rows: readonly RunRow[];
  figures: readonly Figure[];
  /** Problem and settings, e.g. { problem: 'gaussian n=40 d=120 k=3', seed: 7, loss: 'squared', tol: 1e-12 }. */
  meta?: ReportMeta;
  /** Data files next to the page (e.g. ['sweep.csv', 'sweep.json']), linked from the results section. */
  dataFiles?: readonly string[];
  /** Row columns to leave out of the table (a sweep's report has no wall times: ['timeMs']). */
  omit?: readonly TableColumn[];
}

/** Columns of the page's results table. */
export const HTML_COLUMNS: readonly TableColumn[] = ROW_COLUMNS.filter((c) => c !== 'params' && c !== 'isotropic' && c !== 'stateful');

const CSS = `
:root { color-scheme: light; }
body { margin: 0; background: #f6f6f4; color: #222; font: 15px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 28px 48px; background: #fff; }
h1 { font-size: 1.6em; margin: 0.2em 0 0.4em; }
h2 { font-size: 1.2em; margin: 1.8em 0 0.6em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
p.intro { margin: 0.4em 0; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 0.15em 1.2em; margin: 0; }
dl.meta dt { font-weight: 600; color: #444; }
dl.meta dd { margin: 0; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.92em; }
ul.conclusions { list-style: none; padding: 0; }
ol.conclusions { padding-left: 1.6em; }
.conclusions li { margin: 0.5em 0; padding: 0.5em 0.8em; background: #f1f5f9; border-left: 4px solid #0072b2; }
.table-wrap { overflow-x: auto; }
table.results { border-collapse: collapse; font-size: 0.88em; white-space: nowrap; }
table.results th, table.results td { padding: 0.25em 0.7em; border-bottom: 1px solid #e5e5e5; text-align: left; }
table.results th { background: #fafafa; position: sticky; top: 0; }
table.results td.num { text-align: right; font-variant-numeric: tabular-nums; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
table.results tr.not-converged td { background: #fff6e5; }
table.results tr.diverged td { background: #fde8e8; }
figure { margin: 1.6em 0; }
figure svg { display: block; max-width: 100%; height: auto; }
figcaption { font-size: 0.92em; color: #444; margin-top: 0.4em; max-width: 60em; }
footer { margin-top: 3em; font-size: 0.85em; color: #777; }
`;

const esc = escapeXml;

function paragraphs(text: string): string {
  return text.split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean).map((p) => `<p class="intro">${esc(p)}</p>`).join('\n');
}

function metaList(meta: ReportMeta | undefined): string {
  const entries = Object.entries(meta ?? {}).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '';
  return `<section id="setup"><h2>Setup</h2><dl class="meta">${entries.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(metaText(v))}</dd>`).join('')}</dl></section>`;
}

/** A setup value as text (see {@link ReportMeta}). */
export function metaText(v: unknown, depth = 0): string {
  if (typeof v === 'number') return formatNumber(v);
  if (v === null || v === undefined) return String(v);
  if (typeof v !== 'object') return String(v);
  if (depth > 2) return '…';
  if (Array.isArray(v)) return v.map((x) => metaText(x, depth + 1)).join(', ');
  if (ArrayBuffer.isView(v)) return `[${(v as unknown as ArrayLike<number>).length} values]`;
  const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
  return entries.map(([k, x]) => `${k}=${typeof x === 'object' && x !== null ? `{${metaText(x, depth + 1)}}` : metaText(x, depth + 1)}`).join(', ');
}

/** The full-precision value of a cell, shown as a tooltip. */
function fullValue(row: RunRow, col: TableColumn): string | undefined {
  const v = (row as unknown as Record<string, unknown>)[col];
  return typeof v === 'number' ? formatNumber(v) : undefined;
}

function resultsTable(all: readonly RunRow[], omit: readonly TableColumn[] = []): string {
  const cols = HTML_COLUMNS.filter((c) => !omit.includes(c));
  const head = `<tr>${cols.map((c) => `<th scope="col">${esc(COLUMN_TITLES[c])}</th>`).join('')}</tr>`;
  const { converged, others } = convergedFirst(all);
  const group = (rows: readonly RunRow[]) => rows.map((r) => {
    const cls = r.status === 'converged' ? '' : r.status === 'diverged' ? ' class="diverged"' : ' class="not-converged"';
    const cells = cols.map((c) => {
      const full = fullValue(r, c);
      const attrs = `${isNumericColumn(c) ? ' class="num"' : ''}${full !== undefined ? ` title="${esc(full)}"` : ''}`;
      return `<td${attrs}>${esc(formatCell(r, c))}</td>`;
    }).join('');
    return `<tr${cls}>${cells}</tr>`;
  }).join('\n');
  // Runs that did not converge go in a body of their own: their numbers are not of a limit.
  const apart = others.length
    ? `\n<tbody class="not-converged"><tr><th scope="rowgroup" colspan="${cols.length}">${esc(NOT_CONVERGED_HEADING)}</th></tr>\n${group(others)}\n</tbody>`
    : '';
  return `<div class="table-wrap"><table class="results"><thead>${head}</thead><tbody>\n${group(converged)}\n</tbody>${apart}</table></div>`;
}

function figureBlock(f: Figure): string {
  // The SVG comes from src/plot, which escapes all text and emits well-formed XML.
  return `<figure id="fig-${esc(f.name)}">${f.svg}<figcaption><strong>${esc(f.title)}.</strong> ${esc(f.caption)}</figcaption></figure>`;
}

/** Conclusions that carry their own numbers ('1. …') are a plain list; others get numbered. */
function conclusionList(conclusions: readonly string[]): string {
  if (conclusions.length === 0) return '';
  const numbered = conclusions.every((c) => /^\s*\d+[.)]\s/.test(c));
  const tag = numbered ? 'ul' : 'ol';
  return `<section id="conclusions"><h2>Conclusions</h2><${tag} class="conclusions">${conclusions.map((c) => `<li>${esc(c)}</li>`).join('\n')}</${tag}></section>`;
}

/** The report as one HTML page (see the module comment). */
export function reportHtml(input: ReportHtmlInput): string {
  const { title, intro, conclusions, rows, figures } = input;
  const statuses = new Map<string, number>();
  for (const r of rows) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
  const summary = `${rows.length} run${rows.length === 1 ? '' : 's'}: ${[...statuses].map(([s, n]) => `${n} ${s}`).join(', ') || 'none'}.`;
  const data = input.dataFiles?.length
    ? `<p>Full-precision data: ${input.dataFiles.map((f) => `<a href="${esc(f)}">${esc(f)}</a>`).join(', ')}.</p>`
    : '';
  const lines = [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8"/>',
    '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
    `<meta name="generator" content="dspgd ${esc(VERSION)}"/>`,
    `<title>${esc(title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    '<main>',
    `<h1>${esc(title)}</h1>`,
    paragraphs(intro),
    metaList(input.meta),
    conclusionList(conclusions),
    `<section id="results"><h2>Results</h2><p>${esc(summary)} Numbers are rounded; hover a cell for its full value.</p>${resultsTable(rows, input.omit)}${data}</section>`,
    figures.length ? `<section id="figures"><h2>Figures</h2>\n${figures.map(figureBlock).join('\n')}\n</section>` : '',
    `<footer>Generated by dspgd ${esc(VERSION)}.</footer>`,
    '</main>',
    '</body>',
    '</html>',
    '',
  ];
  return `${lines.filter((s) => s !== '').join('\n')}\n`;
}
