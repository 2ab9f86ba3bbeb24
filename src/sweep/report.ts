/**
 * A sweep's report, rebuilt from journal records (journal.ts): the same function serves
 * `dspgd sweep` (at the end, and after an interrupt), a shard, and `dspgd merge`, so a merge of
 * shards writes the very bytes of an unsharded sweep of the same grid.
 *
 * Everything in sweep.csv, index.html and the figures is a function of the grid, the dspgd
 * version and the runs' numbers. Where and how fast it ran is not: wall times and the machine
 * live in one key of sweep.json, `host`, the one part that differs between two runs of the same
 * sweep (rows carry no `timeMs` column here; `host.timeMs` lists it per row).
 */
import { hostname, cpus, platform, arch, totalmem, availableParallelism } from 'node:os';
import { formatCount, formatHuman } from '../util/numbers.js';
import { rowsToCsv, rowsToJson } from '../report/table.js';
import { encodeCsvRows } from '../io/csv.js';
import type { ReportInput } from '../report/folder.js';
import { ROW_COLUMNS } from '../experiment.js';
import { isGenerated, problemLabel, runCount, type SweepGrid } from './grid.js';
import type { RunRecord } from './journal.js';

/** The columns a sweep's files leave out (wall time is in sweep.json's `host`). */
export const SWEEP_OMIT = ['timeMs'] as const;

export interface SweepReportInput {
  grid: SweepGrid;
  dspgd: string;
  /** The finished runs, any order. */
  records: Iterable<RunRecord>;
  shard: { index: number; count: number } | null;
  /** Runs of the selection (shard or grid) without a record, in order. */
  missing: readonly number[];
  /** Where and how it ran: the `host` key of sweep.json (excluded when comparing sweeps). */
  host: Record<string, unknown>;
}

/** What this machine is, for `host.machine`. */
export function machineInfo(): Record<string, unknown> {
  const c = cpus();
  return {
    hostname: hostname(), platform: platform(), arch: arch(), cpus: c.length, availableParallelism: availableParallelism(),
    cpuModel: c[0]?.model ?? 'unknown', memoryBytes: totalmem(), node: process.versions.node,
  };
}

/** One sentence on the grid, for the report's intro. */
export function describeGrid(g: SweepGrid): string {
  const gens = g.problems.filter(isGenerated);
  const same = gens.length > 0 && gens.length === g.problems.length
    && gens.every((p) => p.kind === gens[0]!.kind && p.n === gens[0]!.n && p.d === gens[0]!.d && p.k === gens[0]!.k);
  const problems = same
    ? `${gens[0]!.kind} problem n=${gens[0]!.n}, d=${gens[0]!.d}, k=${gens[0]!.k}, seed${gens.length > 1 ? 's' : ''} ${gens.map((p) => p.seed).join(', ')}`
    : g.problems.length === 1 && !isGenerated(g.problems[0]!) ? `user data ${problemLabel(g.problems[0]!)}`
      : `${g.problems.length} problems (${g.problems.map(problemLabel).join('; ')})`;
  const s = g.stopping;
  return `${problems}; loss ${g.losses.join(', ')} (${g.reduction}); ${g.preconds.length} preconditioner${g.preconds.length === 1 ? '' : 's'}`
    + ` × learning rates ${g.lrs.join(', ')}; tol ${formatHuman(s.tol)}, max-iter ${formatCount(s.maxIter)}${s.stall ? '' : ', no stall stop'}`;
}

/** The report (for writeReportFolder) and the rows, in grid order. */
export function sweepReport(input: SweepReportInput): ReportInput {
  const records = [...input.records].sort((a, b) => a.run - b.run);
  const rows = records.map((r) => r.row);
  const columns = ROW_COLUMNS.filter((c) => !(SWEEP_OMIT as readonly string[]).includes(c));
  const total = runCount(input.grid);
  const shard = input.shard;
  const part = shard ? ` (shard ${shard.index} of ${shard.count}, counting from 0)` : '';
  const missing = input.missing.length ? ` ${input.missing.length} run${input.missing.length === 1 ? '' : 's'} of this ${shard ? 'shard' : 'grid'} ${input.missing.length === 1 ? 'has' : 'have'} no result.` : '';
  const intro = `${describeGrid(input.grid)}; ${total} runs${part}: ${rows.length} here.${missing}`;
  // Each row's problem (index into grid.problems) and loss lead its line: with several losses, or
  // problems that share a seed, the other columns do not tell the rows apart.
  const g = input.grid;
  const P = g.preconds.length, S = g.losses.length, L = g.lrs.length;
  const where = records.map((r) => {
    const cell = Math.floor(r.run / L);
    return { problem: Math.floor(cell / (P * S)), loss: g.losses[Math.floor(cell / P) % S]! };
  });
  const jsonLines = rowsToJson(rows, columns).trimEnd().split('\n');
  const rowsText = jsonLines.map((line, i) => (i === 0 || i === jsonLines.length - 1 ? line
    : line.replace('{', `{"problem":${where[i - 1]!.problem},"loss":${JSON.stringify(where[i - 1]!.loss)},`))).join('\n  ');
  const csvLines = rowsToCsv(rows, columns).split('\n');
  const csv = csvLines.map((line, i) => {
    if (line === '') return line;
    const lead = i === 0 ? ['problem', 'loss'] : [where[i - 1]!.problem, where[i - 1]!.loss];
    return `${encodeCsvRows([lead]).trimEnd()},${line}`;
  }).join('\n');
  // Figure labels tell the series apart the same way, when the grid needs it.
  const seeds = g.problems.map((p) => (isGenerated(p) ? p.seed : null));
  const bySeed = seeds.every((s, i) => s !== null && seeds.indexOf(s) === i);
  const traces = records.map((r, i) => {
    const extra = `${S > 1 ? ` · loss ${where[i]!.loss}` : ''}${g.problems.length > 1 && !bySeed ? ` · problem ${where[i]!.problem}` : ''}`;
    return extra ? { ...r.trace, label: r.trace.label + extra } : r.trace;
  });
  const host = { ...input.host, timeMs: records.map((r) => r.row.timeMs) };
  const json = '{\n'
    + `  "format": "dspgd-sweep/1",\n`
    + `  "dspgd": ${JSON.stringify(input.dspgd)},\n`
    + `  "grid": ${JSON.stringify(input.grid)},\n`
    + `  "shard": ${JSON.stringify(shard)},\n`
    + `  "runs": ${total},\n`
    + `  "missing": ${JSON.stringify(input.missing)},\n`
    + `  "rows": ${rowsText},\n`
    + `  "host": ${JSON.stringify(host)}\n`
    + '}\n';
  return {
    title: `dspgd sweep${shard ? ` (shard ${shard.index}/${shard.count})` : ''}`,
    intro, conclusions: [], rows, traces,
    meta: { dspgd: input.dspgd, runs: total, preconditioners: input.grid.preconds, 'learning rates': input.grid.lrs },
    files: { base: 'sweep' }, omit: SWEEP_OMIT, json, csv,
  };
}
