/**
 * The bench page's view of a suite result (bench/suite.ts SuiteResult) as HTML tables, and two
 * results side by side. What it shows and does not:
 * - workloads by shape (W1 2000×4000, k = 1, X 61 MiB), not only by id;
 * - only the sections that ran (no rows of n/a for a section left out);
 * - on a quick run (few iterations, timings indicative only) no pass/fail verdicts: the targets
 *   are listed as not judged;
 * - the plain-text table of `npm run bench` stays available below (web/bench.ts).
 */
import type { SuiteResult, MainRow } from '../bench/suite.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const ms = (x: number | null | undefined) => (typeof x === 'number' && Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toPrecision(2)) : '—');
const fx = (x: number | null | undefined, d: number) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : '—');
const times = (x: number | null | undefined) => (typeof x === 'number' && Number.isFinite(x) ? `${x >= 10 ? x.toFixed(0) : x.toFixed(2)}×` : '—');

/** "W1: 2000×4000, k = 1 (X 61 MiB)", with the number of runs for sweep workloads. */
export function workloadName(r: Pick<SuiteResult, 'workloads'>, id: string): string {
  const w = r.workloads.find((x) => x.id === id);
  if (!w) return id;
  const mib = (w.n * w.d * 8) / 2 ** 20;
  return `${id}: ${w.n}×${w.d}, k = ${w.k}${w.runs && w.runs > 1 ? `, ${w.runs} runs` : ''} (X ${mib >= 10 ? mib.toFixed(0) : mib.toPrecision(2)} MiB)`;
}

function table(head: string[], rows: string[][], cls = ''): string {
  return `<div class="table-wrap"><table class="bench-view${cls ? ` ${cls}` : ''}"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead>`
    + `<tbody>${rows.map((r) => `<tr>${r.map((c, i) => `<td${i < 2 ? ' class="txt"' : ''}>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table></div>`;
}

/** One result as HTML: the main table, the sections that ran, and the targets (judged only on full runs). */
export function resultHtml(r: SuiteResult): string {
  const out: string[] = [];
  if (r.quick) {
    out.push('<p class="quick-note"><strong>Quick run:</strong> few iterations, so the timings are indicative only and no target is judged (run without quick for verdicts).</p>');
  }
  // Node and browser results record different fields: read them as a plain record.
  const env: Record<string, unknown> = { ...r.environment };
  const envBits = [env.runtime, env.userAgent, env.cores !== undefined ? `${String(env.cores)} cores` : undefined, env.crossOriginIsolated === undefined ? undefined : env.crossOriginIsolated ? 'cross-origin isolated' : 'not isolated']
    .filter((x) => x !== undefined && x !== '').map(String);
  if (envBits.length) out.push(`<p class="muted">${esc(envBits.join(' · '))}</p>`);
  const peers = r.peers.filter((p) => p.kind === 'iteration' && p.available);
  out.push('<h3>Time per iteration (median), primal path, one thread</h3>');
  out.push(table(['workload', 'precond', 'dspgd ms/iter', 'GB/s', 'GFLOP/s', ...peers.flatMap((p) => [`${p.name} ms/iter`, 'ratio'])],
    r.rows.map((x) => [workloadName(r, x.workload), x.precond, ms(x.dspgd.msPerIter), fx(x.dspgd.gbps, 2), fx(x.dspgd.gflops, 2),
      ...peers.flatMap((p) => {
        const c = x.peers[p.name];
        if (!c || c.status === 'n/a') return ['not implemented', ''];
        if (c.status === 'error') return ['error', ''];
        return [`${ms(c.msPerIter)}${c.status === 'check-failed' ? ' (W differs)' : ''}`, times(c.ratio)];
      })])));
  out.push('<p class="muted">ratio = peer time ÷ dspgd time (how many times faster dspgd is).</p>');
  if (r.rowspace.length) {
    out.push('<h3>Row-space path against primal</h3>', table(['workload', 'precond', 'primal ms', 'row space ms', 'speedup'],
      r.rowspace.map((x) => [workloadName(r, x.workload), x.precond, ms(x.primalMsPerIter), ms(x.rowspaceMsPerIter), times(x.speedup)])));
  }
  if (r.batch.length) {
    out.push('<h3>Batched sweep against the same runs one by one</h3>', table(['workload', 'precond', 'runs × iterations', 'batched ms', 'separate ms', 'ratio', 'bit-identical'],
      r.batch.map((x) => [workloadName(r, x.workload), x.precond, `${x.runs} × ${x.itersPerRun}`, ms(x.batchedMs), ms(x.separateMs), fx(x.ratio, 3), x.identical ? 'yes' : 'NO'])));
  }
  if (r.threads.length) {
    out.push('<h3>Threads</h3>', table(['workload', 'precond', '1 thread ms', 'N threads ms', 'threads used', 'speedup', 'bit-identical'],
      r.threads.map((x) => [workloadName(r, x.workload), x.precond, ms(x.ms1), ms(x.msN), String(x.threadsUsed), times(x.speedup), x.identical ? 'yes' : 'NO'])));
  }
  const measured = r.targets.filter((t) => t.verdict !== 'n/a');
  const notRun = r.targets.filter((t) => t.verdict === 'n/a');
  out.push('<h3>Targets</h3>');
  if (r.quick) {
    out.push(`<p class="muted">Not judged on a quick run: ${esc(r.targets.map((t) => t.id).join(', '))}.</p>`);
  } else {
    if (measured.length) {
      out.push(table(['target', 'verdict', 'measured', 'threshold', 'detail'],
        measured.map((t) => [t.id, t.verdict, typeof t.measured === 'number' ? t.measured.toPrecision(3) : '—', `${t.kind === 'min' ? '≥' : '≤'} ${t.threshold}`, t.detail]), 'targets'));
    }
    if (notRun.length) out.push(`<p class="muted">Not measured in this run (their section or workload was not run): ${esc(notRun.map((t) => t.id).join(', '))}.</p>`);
  }
  if (r.notices.length) out.push(`<h3>Notices</h3><ul>${r.notices.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`);
  return out.join('\n');
}

/** Checks that a parsed JSON file is a suite result this page can show; the error names the file and what is wrong. */
export function asSuiteResult(v: unknown, file: string): SuiteResult {
  const o = v as Partial<SuiteResult> | null;
  if (!o || typeof o !== 'object' || o.schema !== 'dspgd-bench/1') {
    throw new Error(`${file}: not a dspgd benchmark result (expected "schema": "dspgd-bench/1"${o && typeof o === 'object' && 'schema' in o ? `, got ${JSON.stringify(o.schema)}` : ''})`);
  }
  for (const k of ['rows', 'workloads', 'peers', 'targets'] as const) {
    if (!Array.isArray(o[k])) throw new Error(`${file}: "${k}" is missing or not an array`);
  }
  return { rowspace: [], batch: [], threads: [], memory: [], notices: [], ...o } as SuiteResult;
}

/** Two results side by side: every (workload, precond) of either, dspgd's time in each, and B ÷ A. */
export function compareHtml(a: SuiteResult, b: SuiteResult, nameA: string, nameB: string): string {
  const key = (x: MainRow) => `${x.workload}\u0000${x.precond}`;
  const ra = new Map(a.rows.map((x) => [key(x), x]));
  const rb = new Map(b.rows.map((x) => [key(x), x]));
  const keys = [...new Set([...ra.keys(), ...rb.keys()])];
  const env = (r: SuiteResult) => {
    const e: Record<string, unknown> = { ...r.environment };
    return [e.runtime, e.userAgent ?? e.node, e.cores !== undefined ? `${String(e.cores)} cores` : undefined].filter((x) => x !== undefined).map(String).join(' · ');
  };
  const out: string[] = [];
  out.push(`<p><strong>A</strong> = ${esc(nameA)}${a.quick ? ' (quick)' : ''}: ${esc(env(a) || 'no environment recorded')}<br/>`
    + `<strong>B</strong> = ${esc(nameB)}${b.quick ? ' (quick)' : ''}: ${esc(env(b) || 'no environment recorded')}</p>`);
  if (a.quick || b.quick) out.push('<p class="quick-note">A quick run is indicative only: compare full runs for conclusions.</p>');
  const shape = (id: string) => (a.workloads.some((w) => w.id === id) ? workloadName(a, id) : workloadName(b, id));
  const rows = keys.map((k) => {
    const x = ra.get(k), y = rb.get(k);
    const [w, p] = k.split('\u0000') as [string, string];
    const ta = x?.dspgd.msPerIter, tb = y?.dspgd.msPerIter;
    return [shape(w), p, x ? ms(ta) : 'not run', y ? ms(tb) : 'not run', x && y && ta && tb ? times(tb / ta) : '—', x ? fx(x.dspgd.gbps, 2) : '—', y ? fx(y.dspgd.gbps, 2) : '—'];
  });
  out.push(table(['workload', 'precond', 'A ms/iter', 'B ms/iter', 'B ÷ A', 'A GB/s', 'B GB/s'], rows, 'compare'));
  out.push('<p class="muted">B ÷ A above 1: B took longer per iteration. Shapes of a workload id must match for a comparison to mean anything; the table shows A\'s.</p>');
  return out.join('\n');
}
