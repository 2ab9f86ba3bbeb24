/**
 * The suite's result as plain-text tables (stdout, and a <pre> in the browser page).
 * Ratios are peer time ÷ dspgd time: 12.3× means dspgd is 12.3 times faster.
 */
import type { SuiteResult, PeerCell, OverheadRow, ContendedSection, BenchEnvironment } from './types.js';

/** Columns in `left` are text (left-aligned); the others are numbers (right-aligned). */
function table(head: string[], body: string[][], left: readonly number[] = [0, 1]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (left.includes(i) ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export const ms = (x: number | undefined): string =>
  x === undefined || !Number.isFinite(x) ? '—' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toPrecision(2);
/** toFixed that tolerates what JSON makes of NaN/Infinity (null) and fields an older result lacks. */
const fixed = (x: number | null | undefined, digits: number) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : '—');
const ratio = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '—' : `${x >= 10 ? x.toFixed(0) : x.toFixed(1)}×`);

function peerCells(c: PeerCell | undefined): [string, string] {
  if (!c) return ['—', ''];
  if (c.status === 'n/a') return ['n/a', ''];
  if (c.status === 'error') return ['error', ''];
  const mark = c.status === 'check-failed' ? '!' : '';
  return [`${ms(c.msPerIter)}${mark}`, ratio(c.ratio)];
}

export function formatTable(r: SuiteResult): string {
  const iterPeers = r.peers.filter((p) => p.kind === 'iteration' && p.available);
  const hasStream = r.rows.some((x) => x.stream);
  const head = ['workload', 'precond', 'dspgd ms/iter', 'GB/s', 'GFLOP/s'];
  if (hasStream) head.push('stream GB/s', '% of stream');
  const hasArith = r.rows.some((x) => x.arithmetic);
  if (hasArith) head.push('% of f64x2 peak');
  for (const p of iterPeers) head.push(`${p.name}${p.precision === 'f32' ? ' (f32)' : ''} ms/iter`, 'ratio');
  const body = r.rows.map((x) => {
    const cells = [x.runs > 1 ? `${x.workload} (${x.runs} runs)` : x.workload, x.precond, ms(x.dspgd.msPerIter), fixed(x.dspgd.gbps, 2), fixed(x.dspgd.gflops, 2)];
    if (hasStream) cells.push(x.stream ? fixed(x.stream.gbps, 2) : '—', x.stream ? `${fixed(100 * x.stream.fraction, 0)}%` : '—');
    if (hasArith) cells.push(x.arithmetic ? `${fixed(100 * x.arithmetic.fraction, 0)}%` : '—');
    for (const p of iterPeers) cells.push(...peerCells(x.peers[p.name]));
    return cells;
  });
  const out: string[] = [];
  out.push(`Time per iteration (median), path primal, 1 thread, float64${r.quick ? ' — QUICK run: few iterations, indicative only' : ''}`);
  out.push(table(head, body));
  out.push('ratio = peer ms/iter ÷ dspgd ms/iter (how many times faster dspgd is). GB/s = bytes of X ÷ time per iteration (X is read once per iteration); GFLOP/s = 4·n·d·k ÷ time.');
  if (r.arithmetic) {
    out.push(`f64x2 peak = ${fixed(r.arithmetic.gflops, 1)} GFLOP/s: independent multiply-adds in registers on this WASM engine (no FMA in WASM SIMD), the most any float64 WASM kernel can do on one thread. ` +
      'At that rate the pass is arithmetic-bound whenever 2k flops per double of X take longer than reading the double.');
    if (r.arithmetic.chainGflops !== undefined) {
      out.push(`  V8 computes that loop's twelve equal products once per step, so the figure is the rate of additions; with a multiply per chain (a ← z + a·y) the loop ran at ${fixed(r.arithmetic.chainGflops, 1)} GFLOP/s, the rate of separate multiplies and adds.`);
    }
  }
  if (r.overhead?.length) out.push(...formatOverhead(r.overhead));
  out.push('Sweep rows (W4): ms per run-iteration; dspgd advances the runs together (solveBatch), peers run them one after another.');
  if (r.rows.some((x) => Object.values(x.peers).some((c) => c.status === 'check-failed'))) {
    out.push('! = the peer\'s W did not match dspgd\'s (see the JSON "check"): its time is not comparable.');
  }
  for (const p of r.peers) out.push(`  ${p.name}: ${p.label} — ${p.note}${p.paired ? '; timed alternately with dspgd, a sample each per repeat' : ''}${p.available ? '' : ` [not available: ${p.reason}]`}`);
  const slow = r.workloads.map((w) => `${w.id} ${w.plan.dspgdIters}/${w.plan.peerIters}/${w.plan.slowIters}`).join(', ');
  out.push(`  iterations per timed run (dspgd / NumPy, tfjs / JS reference, ml-matrix): ${slow}; the plain-JS peers get few, as time per iteration is what is compared.`);

  if (r.rowspace.length) {
    out.push('', 'Row-space path vs primal (per iteration; W∞ after the same iterations)');
    out.push(table(['workload', 'precond', 'primal ms', 'rowspace ms', 'speedup', 'iters', 'relResidual', 'rel ΔW∞'],
      r.rowspace.map((x) => [x.workload, x.precond, ms(x.primalMsPerIter), ms(x.rowspaceMsPerIter), ratio(x.speedup), String(x.iterations), x.relResidual?.toExponential(1) ?? '—', x.relDiff?.toExponential(1) ?? '—'])));
  }
  if (r.batch.length) {
    out.push('', 'Batched sweep (solveBatch) vs the same runs one by one (total time)');
    out.push(table(['workload', 'precond', 'runs×iters', 'batched ms', 'separate ms', 'per run: batched', 'separate', 'ratio', 'bit-identical'],
      r.batch.map((x) => [x.workload, x.precond, `${x.runs}×${x.itersPerRun}`, ms(x.batchedMs), ms(x.separateMs),
        ms(x.batchedMs / x.runs), ms(x.separateMs / x.runs), fixed(x.ratio, 3), x.identical ? 'yes' : 'NO'])));
  }
  if (r.threads.length) {
    out.push('', 'Threads (per iteration)');
    out.push(table(['workload', 'precond', '1 thread ms', 'N threads ms', 'threads used', 'speedup', 'bit-identical'],
      r.threads.map((x) => [x.workload, x.precond, ms(x.ms1), ms(x.msN), String(x.threadsUsed), ratio(x.speedup), x.identical ? 'yes' : 'NO'])));
  }
  if (r.memory.length) {
    out.push('', 'Peak memory (child process RSS, includes the Node runtime)');
    out.push(table(['workload', 'route', 'data MiB', 'peak RSS MiB', 'ratio', 'peak RSS MiB after each step'],
      r.memory.map((x) => [x.workload, x.route, (x.dataBytes / 2 ** 20).toFixed(0), x.error ? 'error' : (x.peakRssBytes / 2 ** 20).toFixed(0), x.error ? '—' : fixed(x.ratio, 2),
        x.error ?? (x.peaks ?? []).map((p) => `${p.step} ${(p.peakRssBytes / 2 ** 20).toFixed(0)}`).join(' → ')]), [0, 1, 5]));
  }
  if (r.contended) out.push('', ...formatContended(r.contended, r.arithmetic?.gflops));
  out.push('', formatTargets(r));
  if (r.environment) out.push('', formatEnvironment(r.environment));
  if (r.notices.length) out.push('', 'Notices:', ...r.notices.map((n) => `  - ${n}`));
  return out.join('\n');
}

export function formatTargets(r: SuiteResult): string {
  return ['Targets', table(['target', 'verdict', 'measured', 'threshold', 'detail'],
    r.targets.map((t) => [t.id, t.verdict, typeof t.measured === 'number' ? t.measured.toPrecision(3) : '—', `${t.kind === 'min' ? '≥' : '≤'} ${t.threshold}`, t.detail]), [0, 1, 4])].join('\n');
}

/** The overhead line: solve()'s µs per iteration and where it goes (older results have no split). */
export function formatOverhead(rows: readonly OverheadRow[]): string[] {
  const out: string[] = [];
  const name = (x: OverheadRow) => (x.problem === 'd8' || x.problem === undefined ? '100×8, k=1' : `${x.problem} ${x.n}×${x.d}, k=${x.k}`);
  for (const problem of [...new Set(rows.map((x) => x.problem ?? 'd8'))]) {
    const these = rows.filter((x) => (x.problem ?? 'd8') === problem);
    const parts = these.map((x) => {
      if (!x.split) return `${x.precond} ${fixed(x.usPerIter, 2)} µs`;
      const s = x.split;
      const share = x.usPerIter > 0 ? ` (${fixed((100 * s.nonArithmeticUs) / x.usPerIter, 0)}%)` : '';
      return `${x.precond} ${fixed(x.usPerIter, 2)} µs = pass ${fixed(s.passUs, 2)} + ‖G‖, ∇K, update ${fixed(s.level1Us, 2)} + JS loop ${fixed(s.loopUs, 2)}; not the pass: ${fixed(s.nonArithmeticUs, 2)} µs${share}`;
    });
    out.push(`Per-iteration overhead, solve() on ${name(these[0])}: ${parts.join('; ')}.`);
  }
  const x = rows.find((r) => r.split);
  if (x?.split) {
    out.push(`  (${x.split.crossings} JS→WASM calls per iteration at about ${fixed(x.split.crossingNs, 0)} ns each; parts timed in loops of their own, interleaved with solve(); medians)`);
  }
  return out;
}

export function formatContended(c: ContendedSection, peak: number | undefined): string[] {
  const pct = (x: number) => `${fixed(100 * x, 0)}%`;
  const out = [`Contended: the same workloads with a memory-bandwidth hog on the other core (${c.hog.description}; it moved ${fixed(c.hog.gbps, 1)} GB/s)`];
  out.push(table(['workload', 'precond', 'dspgd quiet ms', 'hog ms', 'quiet % peak', 'hog % peak', 'hog GB/s', 'peer', 'quiet ms', 'hog ms', 'quiet ratio', 'hog ratio'],
    c.rows.map((x) => [x.workload, x.precond, ms(x.dspgd.quietMs), ms(x.dspgd.contendedMs), pct(x.dspgd.quietPeakFraction), pct(x.dspgd.contendedPeakFraction),
      x.hogGbps ? fixed(x.hogGbps.median, 1) : '—',
      x.peer?.name ?? `— (${x.peerReason ?? 'none'})`, ms(x.peer?.quietMs), ms(x.peer?.contendedMs), ratio(x.peer?.quietRatio), ratio(x.peer?.contendedRatio)]), [0, 1, 7]));
  const besides = c.rows.flatMap((x) => x.dspgd.samplesPeakGflops ?? []);
  out.push(besides.length
    ? `% peak = 4·n·d·k ÷ time ÷ the quiet f64x2 peak sampled just before each repeat (hog paused; ${fixed(Math.min(...besides), 1)}–${fixed(Math.max(...besides), 1)} GFLOP/s over the section, ${fixed(peak, 1)} at the run's start, ${fixed(c.arithmetic.gflops, 1)} with the hog running), per repeat, then the median. Quiet and hog samples alternate within each repeat; medians.`
    : `% peak = 4·n·d·k ÷ time ÷ the quiet f64x2 peak (${fixed(peak, 1)} GFLOP/s; ${fixed(c.arithmetic.gflops, 1)} with the hog running). Quiet and hog samples alternate within each repeat; medians.`);
  out.push(`  hog GB/s: the hog's copy rate during the row's dspgd samples; well below ${fixed(c.hog.gbps, 1)} (the section's), a third busy process shared the cores then and slowed dspgd and the hog alike.`);
  const plans = [...new Map(c.rows.filter((x) => x.plan).map((x) => [x.workload, x.plan!])).entries()];
  if (plans.length) {
    out.push(`  iterations per timed run (dspgd / peer, × repeats): ${plans.map(([w, p]) => `${w} ${p.dspgdIters}/${p.peerIters} ×${p.dspgdRepeats}/${p.peerRepeats}`).join(', ')}`);
  }
  return out;
}

export function formatEnvironment(e: BenchEnvironment): string {
  if (e.runtime === 'browser') return `Environment: ${e.userAgent}, ${e.cores} cores, relaxed SIMD ${e.relaxedSimd ? 'available' : 'not available'}${e.kernel ? `, kernel ${e.kernel}` : ''}`;
  const gib = (e.memoryBytes / 2 ** 30).toFixed(0);
  // Results written before the runtime fields existed carry only node and v8.
  const legacy = e as Partial<typeof e>;
  const runtime = legacy.runtime ? `${e.runtime} ${e.runtimeVersion} (${e.engine})` : `node ${e.node} (V8 ${e.v8})`;
  const relaxed = e.relaxedSimd === undefined ? '' : `, relaxed SIMD ${e.relaxedSimd ? 'available' : 'not available'}`;
  const load = e.load ? `; load average ${e.load.before.join(' ')} before, ${e.load.after.join(' ')} after` : '';
  return `Environment: ${e.cpu}, ${e.cores} cores, ${gib} GiB, ${e.os}; ${runtime}` +
    `${e.kernel ? `, kernel ${e.kernel}` : ''}${relaxed}${e.execArgv?.length ? ` [${e.execArgv.join(' ')}]` : ''}` +
    `${'transparentHugePages' in e && e.transparentHugePages ? `; transparent huge pages ${e.transparentHugePages}` : ''}` +
    `; dspgd ${e.dspgd}${e.git ? ` (${e.git})` : ''}; ${fixed(e.totalSeconds, 0)} s${load}`;
}
