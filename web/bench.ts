/**
 * The bench page: options from the form, the suite in a worker (bench-worker.ts),
 * progress lines as they come, then the same table `npm run bench` prints and
 * the JSON to download. Stop terminates the worker (the suite has no cancel point).
 */
import { WORKLOADS, WORKLOAD_IDS, BENCH_PRECONDS } from '../bench/suite.js';
import type { SuiteResult } from '../bench/suite.js';
import type { BenchMessage, BenchRequest } from './bench-protocol.js';
import { download } from './util.js';
import { resultHtml, compareHtml, asSuiteResult } from './bench-view.js';

const PEERS = ['js', 'ml-matrix', 'tfjs', 'stream'];
const $ = <T extends Element = HTMLElement>(sel: string) => document.querySelector(sel) as T;
const form = $<HTMLFormElement>('#bench-form');

const state: { state: 'idle' | 'running' | 'done' | 'error' | 'stopped'; result?: SuiteResult; table?: string; error?: string } = { state: 'idle' };
(globalThis as { dspgdBench?: unknown }).dspgdBench = state;

let worker: Worker | undefined;

function boxes(id: string, name: string, items: readonly string[], checked: (s: string) => boolean, title: (s: string) => string = () => '') {
  $(id).innerHTML = items.map((s) => `<label title="${title(s)}"><input type="checkbox" name="${name}" value="${s}"${checked(s) ? ' checked' : ''}> ${s}</label>`).join('');
}

const picked = (name: string) => [...form.querySelectorAll<HTMLInputElement>(`input[name="${name}"]:checked`)].map((b) => b.value);
const flag = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).checked;

function setStatus(t: string, error = false) {
  $('#status').textContent = t;
  $('#status').classList.toggle('error', error);
}

function finish(s: typeof state.state) {
  state.state = s;
  worker?.terminate();
  worker = undefined;
  ($('#run') as HTMLButtonElement).disabled = false;
  ($('#stop') as HTMLButtonElement).disabled = true;
}

function run(ev: Event) {
  ev.preventDefault();
  if (state.state === 'running') return;
  const req: BenchRequest = {
    workloads: picked('workload'), preconds: picked('precond'), peers: picked('peer'), quick: flag('quick'),
    threads: Number((form.elements.namedItem('threads') as HTMLInputElement).value) || 2,
    sections: { rowspace: flag('rowspace'), batch: flag('batch'), threads: flag('threadsSection') },
  };
  if (!req.workloads.length || !req.preconds.length) {
    setStatus('choose at least one workload and one preconditioner', true);
    return;
  }
  state.state = 'running';
  state.result = undefined;
  state.error = undefined;
  $('#log').textContent = '';
  $('#table').textContent = '';
  $('#view').replaceChildren();
  ($('#run') as HTMLButtonElement).disabled = true;
  ($('#stop') as HTMLButtonElement).disabled = false;
  ($('#dl-json') as HTMLButtonElement).disabled = true;
  setStatus(`running ${req.workloads.join(', ')}${req.quick ? ' (quick)' : ''}…`);
  worker = new Worker(new URL('./bench-worker.js', import.meta.url), { type: 'module', name: 'dspgd-bench' });
  worker.onerror = (e) => {
    state.error = `the benchmark worker failed: ${e.message || 'could not load bench-worker.js'}`;
    setStatus(state.error, true);
    finish('error');
  };
  worker.onmessage = (e: MessageEvent<BenchMessage>) => {
    const m = e.data;
    if (m.type === 'progress') {
      const log = $('#log');
      log.textContent += `[${(m.elapsedMs / 1000).toFixed(0).padStart(4)} s] ${m.event.message}\n`;
      log.scrollTop = log.scrollHeight;
      setStatus(`running: ${m.event.message}`);
    } else if (m.type === 'result') {
      state.result = m.result;
      state.table = m.table;
      $('#table').textContent = m.table;
      $('#view').innerHTML = resultHtml(m.result);
      ($('#dl-json') as HTMLButtonElement).disabled = false;
      setStatus(`done in ${Number(m.result.environment?.totalSeconds ?? 0).toFixed(1)} s`);
      finish('done');
    } else {
      state.error = m.message;
      setStatus(`error: ${m.message}`, true);
      finish('error');
    }
  };
  worker.postMessage(req);
}

function start() {
  // The three of more than 100 MiB (W3, W5, W6) are left for the user to tick: a page holds X and its peers' copies.
  boxes('#workloads', 'workload', WORKLOAD_IDS, (id) => !['W3', 'W5', 'W6'].includes(id), (id) => {
    const w = WORKLOADS[id as keyof typeof WORKLOADS];
    return `n=${w.n}, d=${w.d}, k=${w.k}${w.runs ? `, ${w.runs} learning rates` : ''}; X is ${(w.n * w.d * 8 / 2 ** 20).toFixed(0)} MiB`;
  });
  // Named by shape, not only by id: "W1 2000×4000, k=1".
  for (const box of form.querySelectorAll<HTMLInputElement>('input[name=workload]')) {
    const w = WORKLOADS[box.value as keyof typeof WORKLOADS];
    box.after(` ${w.n}×${w.d}, k=${w.k}${w.runs ? `, ${w.runs} runs` : ''}`);
  }
  wireCompare();
  boxes('#bpreconds', 'precond', BENCH_PRECONDS, () => true);
  boxes('#peers', 'peer', PEERS, () => true);
  const iso = globalThis.crossOriginIsolated === true;
  (form.elements.namedItem('threadsSection') as HTMLInputElement).disabled = !iso;
  (form.elements.namedItem('threadsSection') as HTMLInputElement).checked = iso;
  $('#env').textContent = `${navigator.userAgent} · ${navigator.hardwareConcurrency} cores · ${iso ? 'cross-origin isolated (threads available)' : 'not cross-origin isolated (one thread)'}`;
  form.addEventListener('submit', run);
  $('#stop').addEventListener('click', () => {
    setStatus('stopped (partial results are not kept: the suite reports at its end)');
    finish('stopped');
  });
  $('#dl-json').addEventListener('click', () => {
    if (state.result) download(`dspgd-bench-${new Date().toISOString().slice(0, 19).replace(/:/g, '')}.json`, `${JSON.stringify(state.result, null, 2)}\n`, 'application/json');
  });
}

/** Two result files side by side (web/bench-view.ts). */
function wireCompare() {
  const files: Partial<Record<'A' | 'B', { name: string; result: ReturnType<typeof asSuiteResult> }>> = {};
  const show = () => {
    const { A, B } = files;
    $('#compare-view').innerHTML = A && B ? compareHtml(A.result, B.result, A.name, B.name) : '';
    $('#cmp-status').textContent = A && B ? '' : `load ${A ? 'B' : B ? 'A' : 'two result files'} to compare`;
  };
  for (const side of ['A', 'B'] as const) {
    const input = form.ownerDocument.querySelector<HTMLInputElement>(`input[name=cmp${side}]`)!;
    input.addEventListener('change', async () => {
      const file = input.files?.[0];
      delete files[side];
      $('#cmp-status').classList.remove('error');
      if (file) {
        try {
          files[side] = { name: file.name, result: asSuiteResult(JSON.parse(await file.text()), file.name) };
        } catch (e) {
          $('#compare-view').replaceChildren();
          $('#cmp-status').textContent = e instanceof SyntaxError ? `${file.name}: not JSON (${e.message})` : (e as Error).message;
          $('#cmp-status').classList.add('error');
          return;
        }
      }
      show();
    });
  }
}

start();
