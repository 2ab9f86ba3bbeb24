/**
 * The demo page: a problem, preconditioners and learning rates from the form (and the URL, which
 * always carries every setting), run as one batch in a Web Worker (the page never blocks), loss
 * curves drawn as progress arrives, then the implicit-bias table, c against lr, and the
 * explainer's measured numbers (src/demo.ts conclusions, computed from the rows).
 */
import { createRunner, type Runner, type RemoteProblem, type RunProgress } from '../src/worker/index.js';
import type { SolveOptions, SolveResult } from '../src/solve.js';
import { runRow, fillLrSensitivity, type RunRow } from '../src/experiment.js';
import type { Matrix } from '../src/matrix.js';
import { PRECONDITIONERS, BUILTIN_PRECOND_NAMES } from '../src/precond/builtins.js';
import { encodeNpy } from '../src/io/npy.js';
import { rowsToCsv } from '../src/report/table.js';
import { conclusions } from '../src/demo.js';
import { orNa } from '../src/report/bias.js';
import { DspgdError } from '../src/errors.js';
import { download, fmt, formatSpecParams } from './util.js';
import { checkSettings, defaultPrecond, fromHash, toHash, TEXT_FIELDS, type FieldError, type RunInputs, type Settings } from './settings.js';
import { PRESETS, presetSettings } from './presets.js';
import { runWarning, staticWarnings } from './precheck.js';
import { PageFigures, traceJson } from './figures.js';
import { cWords, lossWords } from './figure-words.js';
import { DataWorker } from './data-protocol.js';
import { verdict } from './verdict.js';

const $ = <T extends Element = HTMLElement>(sel: string) => document.querySelector(sel) as T;
const form = $<HTMLFormElement>('#controls');
const statusEl = $('#status');
const runBtn = $<HTMLButtonElement>('#run');
const cancelBtn = $<HTMLButtonElement>('#cancel');

interface RunView {
  label: string;
  spec: string;
  lr: number;
  autoLr: number;
  opts: SolveOptions;
  live: { x: number[]; y: number[] };
  result?: SolveResult;
  row?: RunRow;
  tr: HTMLTableRowElement;
}

type State = 'starting' | 'idle' | 'running' | 'done' | 'aborted' | 'error';

interface PageState {
  state: State;
  cancelling: boolean;
  runs: RunView[];
  problem?: { spec: Record<string, unknown>; n: number; d: number; k: number };
  error?: string;
  fieldErrors: FieldError[];
  warnings: string[];
  /** The URL fragment of the settings the shown results were run with. */
  resultsHash?: string;
}

const page: PageState = { state: 'starting', cancelling: false, runs: [], fieldErrors: [], warnings: [] };
// For tests and the curious: the page's state, read-only.
(globalThis as { dspgdDemo?: unknown }).dspgdDemo = {
  get state() { return page.state; },
  get cancelling() { return page.cancelling; },
  get error() { return page.error; },
  get fieldErrors() { return page.fieldErrors.map((e) => ({ ...e })); },
  get warnings() { return [...page.warnings]; },
  get runs() { return page.runs.map((r) => ({ label: r.label, spec: r.spec, lr: r.lr, result: r.result })); },
};

let runner: Runner;
let problem: RemoteProblem | undefined;
let ctl: AbortController | undefined;
const data = new DataWorker(new URL('./data-worker.js', import.meta.url));
let maxThreads = 1;

function setStatus(text: string, error = false) {
  statusEl.textContent = text;
  statusEl.classList.toggle('error', error);
}

// --- the form, the settings and the URL ------------------------------------------------------

function buildPrecondInputs() {
  const box = $('#pc-list');
  for (const name of BUILTIN_PRECOND_NAMES) {
    const entry = PRECONDITIONERS[name];
    const d = defaultPrecond(name);
    const row = document.createElement('div');
    row.className = 'pc';
    const hasParams = Object.keys(entry.defaults).length > 0;
    const hintId = `hint-pc-${name}`, errId = `err-pc-${name}`;
    row.innerHTML = `<label><input type="checkbox" name="pc" value="${name}"${d.on ? ' checked' : ''} aria-describedby="${hintId}"> ${name}</label>`
      + (hasParams
        ? `<input type="text" name="pc-${name}" value="${d.params}" placeholder="${formatSpecParams(entry.defaults)}" aria-label="${name} parameters" aria-describedby="${hintId} ${errId}">`
        : '<span></span>')
      + `<small class="hint" id="${hintId}">∇K(G) = ${entry.summary}${entry.preservesRowSpace ? '; preserves the row space' : ''}</small>`
      + `<small class="err" id="${errId}"></small>`;
    box.append(row);
  }
}

function input(name: string): HTMLInputElement | HTMLSelectElement | null {
  return form.querySelector<HTMLInputElement | HTMLSelectElement>(`[name="${name}"]:not([type=radio]):not([type=checkbox])`);
}

function readForm(): Settings {
  const source = (form.querySelector<HTMLInputElement>('input[name=source]:checked')?.value ?? 'generate') as Settings['source'];
  const pc: Settings['pc'] = {};
  for (const box of form.querySelectorAll<HTMLInputElement>('input[name=pc]')) {
    pc[box.value] = { on: box.checked, params: (input(`pc-${box.value}`) as HTMLInputElement | null)?.value.trim() ?? '' };
  }
  const s = { source, pc } as Settings;
  for (const f of TEXT_FIELDS) s[f] = input(f)!.value.trim();
  return s;
}

function writeForm(s: Settings) {
  for (const r of form.querySelectorAll<HTMLInputElement>('input[name=source]')) r.checked = r.value === s.source;
  showSource();
  for (const f of TEXT_FIELDS) {
    const el = input(f)!;
    if (el instanceof HTMLSelectElement && ![...el.options].some((o) => o.value === s[f])) {
      // An unknown kind from a link: shown as an extra option, so checkSettings can name it.
      el.append(new Option(s[f], s[f]));
    }
    el.value = s[f];
  }
  for (const box of form.querySelectorAll<HTMLInputElement>('input[name=pc]')) {
    const pc = s.pc[box.value] ?? defaultPrecond(box.value);
    box.checked = pc.on;
    const params = input(`pc-${box.value}`) as HTMLInputElement | null;
    if (params) params.value = pc.params;
  }
}

function showSource() {
  const up = form.querySelector<HTMLInputElement>('input[name=source]:checked')?.value === 'upload';
  $('#gen').hidden = up;
  $('#upload').hidden = !up;
}

/** Keeps the URL equal to the form: a copied address reproduces the page. */
function syncUrl() {
  const hash = `#${toHash(readForm())}`;
  if (location.hash !== hash) history.replaceState(null, '', hash);
  markStale();
}

/** Results stay visible after the settings change, marked as belonging to the previous settings. */
function markStale() {
  const stale = page.resultsHash !== undefined && page.runs.some((r) => r.result) && page.resultsHash !== toHash(readForm()) && page.state !== 'running';
  $('#results').classList.toggle('stale', stale);
  const note = $('#stale');
  note.hidden = !stale;
  if (stale) {
    note.textContent = 'The settings changed since these results were computed: they belong to the previous settings. ';
    const a = Object.assign(document.createElement('a'), { href: `#${page.resultsHash}`, textContent: 'Back to those settings' });
    note.append(a);
  }
}

// --- field errors ------------------------------------------------------------------------------

function fieldElement(field: string): HTMLElement | null {
  if (field === 'pc') return $<HTMLElement>('#preconds');
  return input(field) ?? form.querySelector<HTMLElement>(`[name="${field}"]`);
}

function errorSlot(field: string): HTMLElement | null {
  return document.getElementById(`err-${field}`);
}

function clearFieldErrors() {
  page.fieldErrors = [];
  for (const el of form.querySelectorAll('[aria-invalid=true]')) el.removeAttribute('aria-invalid');
  for (const el of form.querySelectorAll('.err')) el.textContent = '';
}

function clearFieldError(field: string) {
  page.fieldErrors = page.fieldErrors.filter((e) => e.field !== field);
  fieldElement(field)?.removeAttribute('aria-invalid');
  const slot = errorSlot(field);
  if (slot) slot.textContent = '';
}

function showFieldErrors(errors: FieldError[]) {
  page.fieldErrors = errors;
  for (const e of errors) {
    const el = fieldElement(e.field);
    el?.setAttribute('aria-invalid', 'true');
    const slot = errorSlot(e.field);
    if (slot) slot.textContent = slot.textContent ? `${slot.textContent} ${e.message}` : e.message;
  }
  // A field of the hidden panel (the other problem source) still shows where to look.
  const first = errors.map((e) => fieldElement(e.field)).find((el) => el && !el.closest('[hidden]'));
  first?.focus();
  setStatus(errors.length === 1 ? `Fix the highlighted field: ${errors[0]!.message}` : `Fix the ${errors.length} highlighted fields. First: ${errors[0]!.message}`, true);
}

/** A library error in words, without its internal code, with the field it is about highlighted. */
function explainError(e: unknown): string {
  if (e instanceof DspgdError) {
    const arg = e.argument ?? '';
    const field = /^(X|Y|W0)\b/.test(arg) ? arg.match(/^(X|Y|W0)/)![1]! : arg.startsWith('loss') ? 'loss' : arg === 'lr' ? 'lrs'
      : (TEXT_FIELDS as readonly string[]).includes(arg) ? arg : undefined;
    const message = e.message;
    if (field && fieldElement(field)) showFieldErrors([{ field, message }]);
    return message;
  }
  return e instanceof Error ? e.message : String(e);
}

// --- uploads: parsed in the data worker as soon as they are chosen ----------------------------

const parsed = new Map<string, { file: File; matrix: Promise<Matrix> }>();

function parseUpload(name: 'X' | 'Y' | 'W0'): Promise<Matrix> | undefined {
  const file = (input(name) as HTMLInputElement).files?.[0];
  if (!file) {
    parsed.delete(name);
    $(`#shape-${name}`).textContent = '';
    return undefined;
  }
  const known = parsed.get(name);
  if (known?.file === file) return known.matrix;
  clearFieldError(name);
  const shapeEl = $(`#shape-${name}`);
  shapeEl.textContent = `reading ${file.name} (${(file.size / 1e6).toFixed(file.size < 1e6 ? 3 : 1)} MB)…`;
  const matrix = data.parse(file);
  parsed.set(name, { file, matrix });
  matrix.then((m) => {
    if (parsed.get(name)?.file !== file) return;
    shapeEl.textContent = `${file.name}: ${m.shape.join(' × ')}${m.shape.length === 1 ? ' (a vector)' : ''}`;
  }, (e: unknown) => {
    if (parsed.get(name)?.file !== file) return;
    shapeEl.textContent = '';
    showFieldErrors([{ field: name, message: e instanceof Error ? e.message : String(e) }]);
  });
  return matrix;
}

async function makeProblem(inputs: RunInputs): Promise<RemoteProblem> {
  await problem?.dispose();
  problem = undefined;
  const p = inputs.problem;
  if (p.source === 'upload') {
    const missing = (['X', 'Y'] as const).filter((n) => !(input(n) as HTMLInputElement).files?.[0]);
    if (missing.length) {
      showFieldErrors(missing.map((n) => ({ field: n, message: `${n}: choose a .npy or CSV file` })));
      throw new DspgdError('E_PARAM', `${missing.join(' and ')}: choose a .npy or CSV file`, missing[0]);
    }
    const [X, Y, W0] = await Promise.all([parseUpload('X'), parseUpload('Y'), parseUpload('W0')]);
    // The parsed arrays stay here for the next run: the worker gets a copy.
    problem = await runner.createProblem({ X: X!, Y: Y!, W0 });
    const files = ['X', 'Y', 'W0'].map((f) => (input(f) as HTMLInputElement).files?.[0]?.name).filter(Boolean);
    page.problem = { spec: { files }, n: problem.n, d: problem.d, k: problem.k };
  } else if (p.source === 'padded') {
    const { X, Y } = await data.padded(p.n, p.d, p.k, p.seed);
    problem = await runner.createProblem({ X, Y }, { transfer: true });
    page.problem = { spec: { kind: 'padded', n: p.n, d: p.d, k: p.k, seed: p.seed }, n: problem.n, d: problem.d, k: problem.k };
  } else {
    problem = await runner.generate(p.spec);
    page.problem = { spec: { ...p.spec }, n: problem.n, d: problem.d, k: problem.k };
  }
  return problem;
}

// --- warnings before a run ---------------------------------------------------------------------

function showWarnings(list: string[]) {
  page.warnings = list;
  $('#warnings').replaceChildren(...list.map((t) => Object.assign(document.createElement('li'), { textContent: t })));
}

let warnTimer: ReturnType<typeof setTimeout> | undefined;
/** The warnings that need no problem, refreshed as the form changes. */
function refreshStaticWarnings() {
  clearTimeout(warnTimer);
  warnTimer = setTimeout(() => {
    if (page.state === 'running') return;
    const c = checkSettings(readForm(), maxThreads);
    showWarnings('inputs' in c ? [...c.inputs.notes, ...staticWarnings(c.inputs)] : []);
  }, 200);
}

// --- drawing -----------------------------------------------------------------------------------

let drawPending = false;
function scheduleDraw() {
  if (drawPending) return;
  drawPending = true;
  // At most a few redraws a second: an SVG of every curve is cheap, but not at message rate.
  setTimeout(() => requestAnimationFrame(() => { drawPending = false; drawLoss(); }), 150);
}

// The figures (web/figures.ts): loss curves, |c − 1| and relDistToGD against lr, the bias path.
const figures = new PageFigures({ loss: $('#lossplot'), c: $('#cplot') });
// For tests: the chart handles (hover, toggles, zoom, export).
(globalThis as { dspgdFigures?: unknown }).dspgdFigures = figures;

function drawLoss() {
  figures.drawLoss(page.runs);
  $('#loss-summary').textContent = lossWords(page.runs);
}

function drawC() {
  figures.drawBias(page.runs);
  $('#c-summary').textContent = cWords(page.runs);
}

function clearResults(message: string) {
  page.runs = [];
  $('#bias tbody').replaceChildren();
  figures.clear();
  for (const id of ['#loss-summary', '#c-summary']) $(id).replaceChildren();
  $('#measured').replaceChildren(Object.assign(document.createElement('li'), { className: 'muted', textContent: message }));
  page.resultsHash = undefined;
  markStale();
}

// --- the table ---------------------------------------------------------------------------------

function fillRow(v: RunView, note?: string) {
  const r = v.result;
  const maxIter = v.opts.maxIter ?? 0;
  const cells = r
    ? [v.spec, fmt(v.lr), r.status, r.iterations.toLocaleString('en-US'), fmt(r.relResidual), orNa(r.bias!.relDistToGD, fmt), orNa(r.bias!.c, (x) => x.toFixed(6)),
      fmt(r.bias!.rowspaceNorm), fmt(r.bias!.nullspaceNorm), '']
    : [v.spec, fmt(v.lr), note ?? 'running', note ? '' : `0 / ${maxIter.toLocaleString('en-US')}`, '', '', '', '', '', note ? 'not run' : ''];
  v.tr.className = !r ? (note ? 'bad' : 'running') : r.status === 'converged' ? 'ok' : 'bad';
  v.tr.replaceChildren(...cells.map((c, i) => {
    const td = document.createElement('td');
    if (i === 2) td.className = 'status';
    if (i === 9) td.className = 'theory';
    td.textContent = c;
    return td;
  }));
  if (r) theoryCell(v.tr.children[9] as HTMLElement, r);
}

/**
 * The verdict in a few words, with the full sentence (prediction against measurement, and for a
 * run that stopped short what to try) one tap away: touch screens have no tooltips.
 */
function theoryCell(td: HTMLElement, r: SolveResult) {
  const b = r.bias!;
  const short = verdict(r);
  td.classList.toggle('not-converged', r.status !== 'converged');
  const det = document.createElement('details');
  det.append(Object.assign(document.createElement('summary'), { textContent: short }));
  det.append(Object.assign(document.createElement('p'), { textContent: b.theory.summary }));
  if (r.advice) det.append(Object.assign(document.createElement('p'), { textContent: r.advice.summary }));
  else if (r.status === 'diverged' && r.suggestedLr !== undefined) {
    det.append(Object.assign(document.createElement('p'), { textContent: `${r.message}. A learning rate stable from W0: ${fmt(r.suggestedLr)}.` }));
  }
  td.replaceChildren(det);
}

function showMeasured(tol: number) {
  const done = page.runs.filter((r) => r.row && r.result);
  fillLrSensitivity(done.map((r) => r.row!), done.map((r) => (r.result!.status === 'converged' ? r.result!.W.data : undefined)), done.map((r) => r.result!.bias!.referenceNorm ?? NaN));
  const rows = done.map((r) => r.row!);
  const lines = rows.length ? conclusions(rows, tol) : ['No run finished.'];
  if (page.problem && page.problem.n >= page.problem.d) {
    lines.unshift(`n = ${page.problem.n} ≥ d = ${page.problem.d}: the interpolation theory does not apply. A run that converges ends at a minimizer of the loss; `
      + 'for the squared loss and a preconditioner that preserves the row space, the least-squares solution closest to W0 (W_GD∞), reached when the relative gradient falls to gradRelTol.');
  }
  $('#measured').replaceChildren(...lines.map((t) => Object.assign(document.createElement('li'), { textContent: t })));
}

// --- running -----------------------------------------------------------------------------------

function setRunning(on: boolean) {
  runBtn.disabled = on;
  cancelBtn.disabled = !on;
  cancelBtn.textContent = 'Cancel';
  for (const b of document.querySelectorAll<HTMLButtonElement>('#preset-buttons button')) b.disabled = on;
}

async function run(ev?: Event) {
  ev?.preventDefault();
  if (page.state === 'running') return;
  clearFieldErrors();
  const settings = readForm();
  const checked = checkSettings(settings, maxThreads);
  if ('errors' in checked) {
    // Nothing ran: the results shown (if any) still belong to their own settings.
    page.state = 'error';
    page.error = checked.errors.map((e) => e.message).join('; ');
    showFieldErrors(checked.errors);
    markStale();
    return;
  }
  const inputs = checked.inputs;
  page.state = 'running';
  page.error = undefined;
  page.cancelling = false;
  setRunning(true);
  setDownloads(false);
  clearResults('Running…');
  ctl = new AbortController();
  const signal = ctl.signal;
  const t0 = performance.now();
  try {
    setStatus('preparing the problem…');
    const p = await makeProblem(inputs);
    if (!signal.aborted) await planRuns(p, inputs);
    if (!signal.aborted) await executeRuns(p, inputs, signal, t0);
    finish(inputs, t0, settings);
  } catch (e) {
    failed(e, inputs, settings);
  } finally {
    setRunning(false);
    page.cancelling = false;
  }
}

function finish(inputs: RunInputs, t0: number, settings: Settings) {
  const aborted = ctl?.signal.aborted === true || page.runs.some((r) => r.result?.status === 'aborted');
  for (const v of page.runs) if (!v.result) fillRow(v, 'cancelled');
  drawLoss();
  showMeasured(inputs.tol); // fills the rows' lrSensitivity first
  drawC();
  page.resultsHash = toHash(settings);
  page.state = aborted ? 'aborted' : 'done';
  const notConv = page.runs.filter((r) => r.result && r.result.status !== 'converged').length;
  setStatus(`${aborted ? 'cancelled' : 'done'}: ${page.runs.length} runs in ${((performance.now() - t0) / 1000).toFixed(2)} s`
    + (aborted ? ' (unfinished runs are marked cancelled)' : notConv ? `; ${notConv} did not converge (see the theory column)` : ''));
  setDownloads(page.runs.some((r) => r.result));
  markStale();
}

/** A failure after the results were cleared: no row stays "running", nothing half-drawn stays. */
function failed(e: unknown, inputs: RunInputs, settings: Settings) {
  page.state = 'error';
  const message = explainError(e);
  page.error = message;
  for (const v of page.runs) if (!v.result) fillRow(v, 'not run');
  if (page.runs.some((r) => r.result)) {
    drawLoss();
    showMeasured(inputs.tol);
    drawC();
    page.resultsHash = toHash(settings);
  } else {
    clearResults(`The run failed: ${message}`);
  }
  setDownloads(page.runs.some((r) => r.result));
  setStatus(`The run failed: ${message}`, true);
  // A worker that died (out of memory, say) takes its problems with it: start a fresh one for the next run.
  if (e instanceof DspgdError && e.code === 'E_THREAD') {
    problem = undefined;
    void runner.terminate().catch(() => undefined).then(() => createRunner()).then((r) => { runner = r; },
      (err: unknown) => setStatus(`The run failed: ${message}; the worker could not be restarted: ${String(err)}`, true));
  }
}

/** One run per selected preconditioner and learning rate, each with its (empty) row in the bias table. */
async function planRuns(p: RemoteProblem, inputs: RunInputs) {
  const { specs, lrs, loss, tol, maxIter, threads } = inputs;
  const tbody = $('#bias tbody');
  const warnings = [...inputs.notes, ...staticWarnings(inputs)];
  for (const spec of specs) {
    const autoLr = await runner.suggestLearningRate(p, spec, loss);
    for (const it of lrs) {
      const lr = typeof it === 'number' ? it : it.autoFactor * autoLr;
      const opts: SolveOptions = { precond: spec, lr, loss, tol, maxIter, threads };
      const v: RunView = { label: `${spec} @ lr ${fmt(lr)}`, spec, lr, autoLr, opts, live: { x: [], y: [] }, tr: document.createElement('tr') };
      const w = runWarning(v.label, lr, autoLr, inputs);
      if (w) warnings.push(w);
      fillRow(v);
      tbody.append(v.tr);
      page.runs.push(v);
    }
  }
  showWarnings(warnings);
}

/** Runs page.runs in the worker, drawing the live loss curves and filling each row as its run stops. */
async function executeRuns(p: RemoteProblem, inputs: RunInputs, signal: AbortSignal, t0: number) {
  const { threads, maxIter, seed } = inputs;
  const total = page.runs.length;
  let done = 0;
  const current = new Array<number>(total).fill(0);
  const what = `${total} run${total === 1 ? '' : 's'} on n=${p.n}, d=${p.d}, k=${p.k} ${threads > 1 ? `(one at a time, ${threads} threads each)` : '(together, as one batch)'}`;
  setStatus(`running ${what}…`);
  let lastStatus = 0;
  const progressStatus = () => {
    if (page.cancelling) return;
    const now = performance.now();
    if (now - lastStatus < 250) return;
    lastStatus = now;
    // Work in iterations: finished runs count what they did, the others up to maxIter.
    let work = 0, budget = 0, slowest = Infinity;
    page.runs.forEach((v, i) => {
      const it = v.result ? v.result.iterations : current[i]!;
      work += it;
      budget += v.result ? v.result.iterations : maxIter;
      if (!v.result) slowest = Math.min(slowest, it);
    });
    const s = (now - t0) / 1000;
    const left = work > 0 ? (budget - work) * (s / work) : NaN;
    setStatus(`running ${what}: ${done} of ${total} done; ${Number.isFinite(slowest) ? `slowest at ${slowest.toLocaleString('en-US')} of ${maxIter.toLocaleString('en-US')} iterations; ` : ''}`
      + `${s.toFixed(1)} s${Number.isFinite(left) && left > 1 ? `, at most about ${left < 90 ? `${left.toFixed(0)} s` : `${(left / 60).toFixed(1)} min`} left` : ''}`);
  };
  const onProgress = (pr: RunProgress) => {
    const v = page.runs[pr.run];
    if (!v || v.result) return;
    v.live.x.push(pr.iteration);
    v.live.y.push(pr.loss);
    current[pr.run] = pr.iteration;
    v.tr.children[3]!.textContent = `${pr.iteration.toLocaleString('en-US')} / ${pr.maxIter.toLocaleString('en-US')}`;
    progressStatus();
    scheduleDraw();
  };
  const onDone = (i: number, result: SolveResult) => {
    const v = page.runs[i]!;
    v.result = result;
    v.row = runRow(result, seed);
    done++;
    fillRow(v);
    lastStatus = 0;
    progressStatus();
    scheduleDraw();
  };
  if (threads > 1) {
    // solveBatch advances its runs on one thread; to use threads, the runs go one at a time,
    // each splitting its pass over X. After a cancel, the rest return 'aborted' at once.
    for (let i = 0; i < page.runs.length; i++) {
      onDone(i, await runner.solve(p, page.runs[i]!.opts, { signal, onProgress: (pr) => onProgress({ ...pr, run: i }) }));
    }
  } else {
    await runner.solveBatch(p, page.runs.map((r) => r.opts), { signal, onProgress, onDone });
  }
}

function cancel() {
  if (page.state !== 'running' || !ctl) return;
  page.cancelling = true;
  cancelBtn.disabled = true;
  cancelBtn.textContent = 'Cancelling…';
  setStatus('cancelling… (each run stops at its next iteration)');
  ctl.abort();
}

// --- downloads ---------------------------------------------------------------------------------

function setDownloads(on: boolean) {
  for (const id of ['#dl-json', '#dl-csv', '#dl-run', '#dl-npy', '#dl-gd']) ($(id) as HTMLButtonElement).disabled = !on;
  const sel = $<HTMLSelectElement>('#dl-run');
  sel.replaceChildren(...(on ? finished() : []).map((r, i) => new Option(r.label, String(i))));
}

function finished() {
  return page.runs.filter((r) => r.result);
}

function wireDownloads() {
  $('#dl-json').addEventListener('click', () => {
    const json = {
      link: `${location.origin}${location.pathname}#${page.resultsHash ?? ''}`,
      settings: page.resultsHash ? fromHash(page.resultsHash).settings : undefined,
      problem: page.problem, rows: finished().map((r) => r.row), conclusions: [...document.querySelectorAll('#measured li')].map((li) => li.textContent ?? ''),
      runs: finished().map((r) => ({ label: r.label, options: r.opts, message: r.result!.message, W: { shape: r.result!.W.shape, data: Array.from(r.result!.W.data) }, ...traceJson(r.result!) })),
    };
    download('dspgd-results.json', JSON.stringify(json, null, 2), 'application/json');
  });
  $('#dl-csv').addEventListener('click', () => download('dspgd-results.csv', rowsToCsv(finished().map((r) => r.row!)), 'text/csv'));
  const pick = () => finished()[Number($<HTMLSelectElement>('#dl-run').value)];
  const safe = (s: string) => s.replace(/[^\w.=-]+/g, '_');
  $('#dl-npy').addEventListener('click', () => { const r = pick(); if (r) download(`W-${safe(r.label)}.npy`, encodeNpy(r.result!.W), 'application/octet-stream'); });
  $('#dl-gd').addEventListener('click', () => { const r = pick(); if (r) download('W_GD.npy', encodeNpy(r.result!.bias!.W_GD), 'application/octet-stream'); });
}

// --- presets -----------------------------------------------------------------------------------

function buildPresets() {
  const box = $('#preset-buttons');
  for (const p of PRESETS) {
    const b = Object.assign(document.createElement('button'), { type: 'button', textContent: p.title });
    b.dataset.preset = p.id;
    b.disabled = true; // until the worker is ready
    b.addEventListener('click', () => {
      if (page.state === 'running') return;
      writeForm(presetSettings(p));
      clearFieldErrors();
      syncUrl();
      $('#preset-note').textContent = `${p.title}: ${p.expect}`;
      void run();
    });
    box.append(b);
  }
}

// --- start -------------------------------------------------------------------------------------

function applyHash() {
  const { settings, ignored } = fromHash(location.hash);
  writeForm(settings);
  clearFieldErrors();
  const notes: string[] = [];
  if (ignored.length) notes.push(`The link had settings this page does not know, ignored: ${ignored.join(', ')}.`);
  if (settings.source === 'upload') notes.push('The link is for uploaded data: choose the files, then Run.');
  return notes;
}

async function start() {
  buildPrecondInputs();
  buildPresets();
  const iso = globalThis.crossOriginIsolated === true;
  const cores = navigator.hardwareConcurrency || 1;
  maxThreads = iso ? cores : 1;
  const threadsEl = input('threads') as HTMLInputElement;
  threadsEl.readOnly = !iso;
  $('#env').textContent = iso
    ? `Cross-origin isolated: the solver may use up to ${cores} threads on shared WASM memory.`
    : 'Not cross-origin isolated (the server sends no COOP/COEP headers): the solver runs on one thread. Threads need those two headers (`npm run web` sends them; see _headers in the static site).';
  const notes = location.hash ? applyHash() : [];
  syncUrl();
  form.addEventListener('change', (e) => {
    const t = e.target as HTMLInputElement;
    if (t.name === 'source') showSource();
    if (t.name === 'X' || t.name === 'Y' || t.name === 'W0') void parseUpload(t.name)?.catch(() => undefined);
    if (t.name) clearFieldError(t.name === 'pc' ? 'pc' : t.name);
    syncUrl();
    refreshStaticWarnings();
  });
  form.addEventListener('input', (e) => {
    const t = e.target as HTMLInputElement;
    if (t.type === 'file') return;
    if (t.name) clearFieldError(t.name);
    syncUrl();
    refreshStaticWarnings();
  });
  addEventListener('hashchange', () => {
    if (page.state === 'running' || location.hash === `#${toHash(readForm())}`) return;
    const n = applyHash();
    markStale();
    refreshStaticWarnings();
    if (n.length) setStatus(n.join(' '));
  });
  form.addEventListener('submit', run);
  cancelBtn.addEventListener('click', cancel);
  $('#copy-link').addEventListener('click', async () => {
    syncUrl();
    try {
      await navigator.clipboard.writeText(location.href);
      setStatus('Link copied: it carries every setting, and opening it reproduces these runs bit for bit.');
    } catch {
      setStatus(`Copy this link (it carries every setting): ${location.href}`);
    }
  });
  wireDownloads();
  refreshStaticWarnings();
  try {
    runner = await createRunner();
    page.state = 'idle';
    setStatus(notes.length ? notes.join(' ') : 'ready');
    for (const b of document.querySelectorAll<HTMLButtonElement>('#preset-buttons button')) b.disabled = false;
  } catch (e) {
    page.state = 'error';
    page.error = String(e);
    setStatus(`could not start the worker: ${page.error}`, true);
  }
}

void start();
