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
import { rowsToJson } from '../report/table.js';
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
  const rowsText = rowsToJson(rows, columns).trimEnd().replace(/\n/g, '\n  ');
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
    intro, conclusions: [], rows, traces: records.map((r) => r.trace),
    meta: { dspgd: input.dspgd, runs: total, preconditioners: input.grid.preconds, 'learning rates': input.grid.lrs },
    files: { base: 'sweep' }, omit: SWEEP_OMIT, json,
  };
}
