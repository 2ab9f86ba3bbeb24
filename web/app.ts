/**
 * The demo page: a problem, preconditioners and learning rates from the form,
 * run as one batch in a Web Worker (the page never blocks), loss curves drawn
 * as progress arrives, then the implicit-bias table, c against lr, and the
 * explainer's measured numbers (src/demo.ts conclusions, computed from the rows).
 */
import { createRunner, type Runner, type RemoteProblem, type RunProgress } from '../src/worker/index.js';
import type { SolveOptions, SolveResult } from '../src/solve.js';
import { runRow, fillLrSensitivity, type RunRow } from '../src/experiment.js';
import type { Matrix } from '../src/matrix.js';
import { PRECONDITIONERS, BUILTIN_PRECOND_NAMES } from '../src/precond/builtins.js';
import { PageFigures, traceJson } from './figures.js';
import { parseNpy, encodeNpy } from '../src/io/npy.js';
import { parseCsv } from '../src/io/csv.js';
import { rowsToCsv } from '../src/report/table.js';
import { conclusions } from '../src/demo.js';
import { AT_GD_LIMIT } from '../src/bias/report.js';
import { orNa } from '../src/report/bias.js';
import { DspgdError } from '../src/errors.js';
import { parseLrs, download, fmt, formatSpecParams, type LrItem } from './util.js';

/** Checked at start, with the parameters under which each converges in the default problem (as in `npm start`). */
const DEFAULT_PRECONDS: Record<string, { on: boolean; params: string }> = {
  gd: { on: true, params: '' }, normalized: { on: false, params: 'eps=0.1' }, clip: { on: false, params: 'c=0.5' },
  power: { on: false, params: 'p=2.2' }, colnorm: { on: false, params: 'eps=0.1' }, spectral: { on: true, params: 'eps=0.1' },
  adam: { on: true, params: 'eps=0.1' }, sign: { on: true, params: 'eps=0.1' },
  'clip-elementwise': { on: false, params: 'c=0.05' }, rownorm: { on: false, params: 'eps=0.1' },
};

const $ = <T extends Element = HTMLElement>(sel: string) => document.querySelector(sel) as T;
const form = $<HTMLFormElement>('#controls');
const statusEl = $('#status');

interface RunView {
  label: string;
  spec: string;
  lr: number;
  opts: SolveOptions;
  live: { x: number[]; y: number[] };
  result?: SolveResult;
  row?: RunRow;
  tr: HTMLTableRowElement;
}

interface PageState {
  state: 'starting' | 'idle' | 'running' | 'done' | 'aborted' | 'error';
  runs: RunView[];
  problem?: { spec: Record<string, unknown>; n: number; d: number; k: number };
  error?: string;
}

const page: PageState = { state: 'starting', runs: [] };
// For tests and the curious: the page's state, read-only.
(globalThis as { dspgdDemo?: unknown }).dspgdDemo = {
  get state() { return page.state; },
  get error() { return page.error; },
  get runs() { return page.runs.map((r) => ({ label: r.label, spec: r.spec, lr: r.lr, result: r.result })); },
};

let runner: Runner;
let problem: RemoteProblem | undefined;
let ctl: AbortController | undefined;

function setStatus(text: string, error = false) {
  statusEl.textContent = text;
  statusEl.classList.toggle('error', error);
}

function buildPrecondInputs() {
  const box = $('#preconds');
  for (const name of BUILTIN_PRECOND_NAMES) {
    const d = DEFAULT_PRECONDS[name] ?? { on: false, params: formatSpecParams(PRECONDITIONERS[name].defaults) };
    const row = document.createElement('div');
    row.className = 'pc';
    row.title = `∇K(G) = ${PRECONDITIONERS[name].summary}${PRECONDITIONERS[name].preservesRowSpace ? ' (preserves the row space)' : ''}`;
    row.innerHTML = `<label><input type="checkbox" name="pc" value="${name}"${d.on ? ' checked' : ''}> ${name}</label>`
      + (Object.keys(PRECONDITIONERS[name].defaults).length ? `<input type="text" name="pc-${name}" value="${d.params}" placeholder="${formatSpecParams(PRECONDITIONERS[name].defaults)}">` : '');
    box.append(row);
  }
}

function field(name: string): string {
  const el = form.elements.namedItem(name) as HTMLInputElement | RadioNodeList | null;
  if (!el) throw new DspgdError('E_PARAM', `form field ${name} is missing`, name);
  return el.value.trim();
}

function num(name: string, integer = false): number {
  const v = Number(field(name));
  if (field(name) === '' || !Number.isFinite(v) || (integer && !Number.isInteger(v))) {
    throw new DspgdError('E_PARAM', `${name}: expected ${integer ? 'an integer' : 'a number'}, got ${JSON.stringify(field(name))}`, name);
  }
  return v;
}

async function readMatrix(name: string, required: boolean): Promise<Matrix | undefined> {
  const input = form.elements.namedItem(name) as HTMLInputElement;
  const file = input.files?.[0];
  if (!file) {
    if (required) throw new DspgdError('E_PARAM', `${name}: choose a .npy or .csv file`, name);
    return undefined;
  }
  if (file.name.toLowerCase().endsWith('.npy')) return parseNpy(new Uint8Array(await file.arrayBuffer()), file.name);
  return parseCsv(await file.text(), file.name);
}

async function makeProblem(): Promise<RemoteProblem> {
  await problem?.dispose();
  problem = undefined;
  if (field('source') === 'upload') {
    const [X, Y, W0] = [await readMatrix('X', true), await readMatrix('Y', true), await readMatrix('W0', false)];
    // Parsed arrays are ours alone: move them to the worker instead of copying.
    problem = await runner.createProblem({ X: X!, Y: Y!, W0 }, { transfer: true });
    const files = ['X', 'Y', 'W0'].map((f) => (form.elements.namedItem(f) as HTMLInputElement).files?.[0]?.name).filter(Boolean);
    page.problem = { spec: { files }, n: problem.n, d: problem.d, k: problem.k };
  } else {
    const spec = {
      kind: field('kind') as 'gaussian' | 'teacher' | 'spectrum', n: num('n', true), d: num('d', true), k: num('k', true),
      seed: num('seed', true), noise: num('noise'), cond: num('cond'),
    };
    problem = await runner.generate(spec);
    page.problem = { spec, n: problem.n, d: problem.d, k: problem.k };
  }
  return problem;
}

function selectedPreconds(): string[] {
  const specs: string[] = [];
  for (const el of form.querySelectorAll<HTMLInputElement>('input[name=pc]:checked')) {
    const params = (form.elements.namedItem(`pc-${el.value}`) as HTMLInputElement | null)?.value.trim() ?? '';
    specs.push(params ? `${el.value}:${params.replace(/\s+/g, '')}` : el.value);
  }
  if (!specs.length) throw new DspgdError('E_PARAM', 'preconditioners: tick at least one', 'precond');
  return specs;
}

async function resolveLrs(p: RemoteProblem, spec: string, items: LrItem[], loss: string): Promise<number[]> {
  const out: number[] = [];
  for (const it of items) out.push(typeof it === 'number' ? it : it.autoFactor * await runner.suggestLearningRate(p, spec, loss));
  return out;
}

// --- drawing -------------------------------------------------------------------------------

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
}

function drawC() {
  figures.drawBias(page.runs);
}

function fillRow(v: RunView) {
  const r = v.result;
  const cells = r
    ? [v.spec, fmt(v.lr), r.status, String(r.iterations), fmt(r.relResidual), orNa(r.bias!.relDistToGD, fmt), orNa(r.bias!.c, (x) => x.toFixed(6)),
      fmt(r.bias!.rowspaceNorm), fmt(r.bias!.nullspaceNorm), theoryCell(r)]
    : [v.spec, fmt(v.lr), 'running', '…', '', '', '', '', '', ''];
  v.tr.className = !r ? 'running' : r.status === 'converged' ? 'ok' : 'bad';
  v.tr.innerHTML = cells.map((_c, i) => `<td${i === 2 ? ' class="status"' : i === 9 ? ' class="theory"' : ''}></td>`).join('');
  cells.forEach((c, i) => { (v.tr.children[i] as HTMLElement).textContent = c; });
  if (r) (v.tr.children[9] as HTMLElement).title = r.bias!.theory.summary;
}

/** The prediction in two words; the full sentence (prediction against measurement) is the cell's tooltip. */
function theoryCell(r: SolveResult): string {
  const b = r.bias!;
  const t = b.theory;
  if (b.reference === 'w0') return 'W0 already interpolates';
  if (b.reference === 'none') return 'no reference (see tooltip)';
  if (b.provisional) return `provisional (${r.status})`;
  if (!t.applies) return b.flags.stateful || t.reason === undefined ? 'outside the theory (stateful)' : 'outside the theory (see tooltip)';
  const on = b.relDistToGD! <= AT_GD_LIMIT;
  // n ≥ d: the interpolation theory does not apply whatever the data; the cell says so, not only the tooltip.
  const why = b.overparameterized ? 'no interpolant' : 'n ≥ d: no interpolation theory';
  const side = on ? 'on' : 'off';
  if (b.reference === 'loss-minimizer') return `${side} the loss minimizer (${why})`;
  if (!b.interpolationExists) return `${side} the least-squares point closest to W0 (${why})`;
  if (!b.overparameterized) return `${side} W_GD∞, the interpolant closest to W0 (${why})`;
  if (t.predictsGdLimit) return on ? 'on W_GD∞, as predicted' : 'off W_GD∞, predicted on it';
  // The theory allows another limit here, generically but not always: say what was measured.
  return on ? 'on W_GD∞ (allowed)' : 'off W_GD∞ (allowed)';
}

function showMeasured(tol: number) {
  const done = page.runs.filter((r) => r.row && r.result);
  fillLrSensitivity(done.map((r) => r.row!), done.map((r) => (r.result!.status === 'converged' ? r.result!.W.data : undefined)), done.map((r) => r.result!.bias!.referenceNorm ?? NaN));
  const rows = done.map((r) => r.row!);
  const ul = $('#measured');
  const lines = conclusions(rows, tol);
  if (page.problem && page.problem.n >= page.problem.d) {
    lines.unshift(`n = ${page.problem.n} ≥ d = ${page.problem.d}: the interpolation theory does not apply. A run that converges ends at a minimizer of the loss; `
      + 'for the squared loss and a preconditioner that preserves the row space, the least-squares solution closest to W0 (W_GD∞), reached when the relative gradient falls to gradRelTol.');
  }
  ul.replaceChildren(...lines.map((t) => Object.assign(document.createElement('li'), { textContent: t })));
}

// --- running -------------------------------------------------------------------------------

async function run(ev: Event) {
  ev.preventDefault();
  if (page.state === 'running') return;
  const runBtn = $<HTMLButtonElement>('#run'), cancelBtn = $<HTMLButtonElement>('#cancel');
  setDownloads(false);
  page.state = 'running';
  page.error = undefined;
  runBtn.disabled = true;
  cancelBtn.disabled = false;
  ctl = new AbortController();
  const t0 = performance.now();
  try {
    setStatus('preparing the problem…');
    // Every field is read (and a bad one reported) before the problem is made.
    const form: RunForm = {
      specs: selectedPreconds(), items: parseLrs(field('lrs')), loss: field('loss') || 'squared',
      tol: num('tol'), maxIter: num('maxIter', true), threads: num('threads', true),
    };
    const { tol, threads } = form;
    const p = await makeProblem();
    const seed = field('source') === 'upload' ? null : num('seed', true);
    await planRuns(p, form);
    await executeRuns(p, seed, threads, ctl.signal, t0);
    drawLoss();
    showMeasured(tol); // fills the rows' lrSensitivity, which drawC shows
    drawC();
    const aborted = page.runs.some((r) => r.result?.status === 'aborted');
    page.state = aborted ? 'aborted' : 'done';
    setStatus(`${aborted ? 'cancelled' : 'done'}: ${page.runs.length} runs in ${((performance.now() - t0) / 1000).toFixed(2)} s${aborted ? ' (unfinished runs have status aborted)' : ''}`);
    setDownloads(true);
  } catch (e) {
    await showRunError(e);
  } finally {
    runBtn.disabled = false;
    cancelBtn.disabled = true;
  }
}

/** One run per selected preconditioner and learning rate, each with its (empty) row in the bias table. */
interface RunForm { specs: string[]; items: LrItem[]; loss: string; tol: number; maxIter: number; threads: number }

async function planRuns(p: RemoteProblem, { specs, items, loss, tol, maxIter, threads }: RunForm) {
  page.runs = [];
  const tbody = $('#bias tbody');
  tbody.replaceChildren();
  for (const spec of specs) {
    for (const lr of await resolveLrs(p, spec, items, loss)) {
      const opts: SolveOptions = { precond: spec, lr, loss, tol, maxIter, threads };
      const v: RunView = { label: `${spec} @ lr ${fmt(lr)}`, spec, lr, opts, live: { x: [], y: [] }, tr: document.createElement('tr') };
      fillRow(v);
      tbody.append(v.tr);
      page.runs.push(v);
    }
  }
  figures.clear();
}

/** Runs page.runs in the worker, drawing the live loss curves and filling each row as its run stops. */
async function executeRuns(p: RemoteProblem, seed: number | null, threads: number, signal: AbortSignal, t0: number) {
  let done = 0;
  const total = page.runs.length;
  setStatus(`running ${total} runs on n=${p.n}, d=${p.d}, k=${p.k} ${threads > 1 ? `(one at a time, ${threads} threads each)` : '(together, as one batch)'}…`);
  const onProgress = (pr: RunProgress) => {
    const v = page.runs[pr.run];
    if (!v || v.result) return;
    v.live.x.push(pr.iteration);
    v.live.y.push(pr.loss);
    v.tr.children[3]!.textContent = String(pr.iteration);
    setStatus(`running: ${done} of ${total} runs done, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    scheduleDraw();
  };
  const onDone = (i: number, result: SolveResult) => {
    const v = page.runs[i]!;
    v.result = result;
    v.row = runRow(result, seed);
    done++;
    fillRow(v);
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

async function showRunError(e: unknown) {
  page.state = 'error';
  page.error = e instanceof DspgdError ? `${e.code}: ${e.message}` : String(e);
  setStatus(page.error, true);
  // A worker that died (out of memory, say) takes its problems with it: start a fresh one for the next run.
  if (e instanceof DspgdError && e.code === 'E_THREAD') {
    problem = undefined;
    await runner.terminate().catch(() => undefined);
    runner = await createRunner().catch((err: unknown) => { setStatus(`${page.error}; could not restart the worker: ${String(err)}`, true); return runner; });
  }
}

// --- downloads -----------------------------------------------------------------------------

function setDownloads(on: boolean) {
  for (const id of ['#dl-json', '#dl-csv', '#dl-run', '#dl-npy', '#dl-gd']) ($(id) as HTMLButtonElement).disabled = !on;
  const sel = $<HTMLSelectElement>('#dl-run');
  sel.replaceChildren(...page.runs.filter((r) => r.result).map((r, i) => new Option(r.label, String(i))));
}

function finished() {
  return page.runs.filter((r) => r.result);
}

function wireDownloads() {
  $('#dl-json').addEventListener('click', () => {
    const json = {
      // biome-ignore lint/performance/useDomNodeTextContent: innerText has the rendered line breaks between the conclusions; textContent runs them together.
      problem: page.problem, rows: finished().map((r) => r.row), conclusions: $('#measured').innerText.split('\n').filter(Boolean),
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

// --- start ---------------------------------------------------------------------------------

async function start() {
  buildPrecondInputs();
  form.addEventListener('change', (e) => {
    if ((e.target as HTMLInputElement).name === 'source') {
      const up = field('source') === 'upload';
      $('#gen').hidden = up;
      $('#upload').hidden = !up;
    }
  });
  form.addEventListener('submit', run);
  $('#cancel').addEventListener('click', () => ctl?.abort());
  wireDownloads();
  const iso = globalThis.crossOriginIsolated === true;
  const cores = navigator.hardwareConcurrency || 1;
  (form.elements.namedItem('threads') as HTMLInputElement).max = String(iso ? cores : 1);
  (form.elements.namedItem('threads') as HTMLInputElement).disabled = !iso;
  $('#env').textContent = iso
    ? `Cross-origin isolated: the solver may use up to ${cores} threads on shared WASM memory.`
    : 'Not cross-origin isolated (the server sends no COOP/COEP headers): the solver runs on one thread. Threads need those two headers (`npm run web` sends them; see _headers in the static site).';
  try {
    runner = await createRunner();
    page.state = 'idle';
    setStatus('ready');
  } catch (e) {
    page.state = 'error';
    page.error = String(e);
    setStatus(`could not start the worker: ${page.error}`, true);
  }
}

void start();
