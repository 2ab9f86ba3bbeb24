/**
 * The sweep journal, `journal.jsonl` in the output folder: what a sweep has finished, so that a
 * crash loses only the runs in flight and the report can be rebuilt at any time.
 *
 *   line 1     {"type":"sweep","format":1,"dspgd":VERSION,"grid":{…},"shard":{"index":I,"count":N}|null}
 *   then       {"type":"run","run":R,"cell":C,"row":{…},"trace":{…}}   one per finished run
 *
 * A cell's runs (see grid.ts) are appended together in one write followed by fsync, after the
 * whole cell finished (a row's lrSensitivity needs all of them). Numbers are exact: JSON's
 * shortest round-trip form, with NaN, ±Infinity and −0 as {"$num":"NaN"} and the like, and the
 * trace arrays as base64 of their little-endian float64 bytes.
 *
 * Reading: a last line without its newline (a writer killed mid-write) is ignored, and so are the
 * records of a cell that has fewer records than learning rates (killed between lines); any other
 * damage is an E_FORMAT error naming the line. A run recorded twice is an error too.
 *
 * This is the Node file layer of the sweep (node:fs).
 */
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { DspgdError } from '../errors.js';
import type { RunRow, RunTrace } from '../experiment.js';
import { writeFileAtomic } from '../io/node/atomic.js';
import { describeFsError } from '../io/node/read.js';
import { runCount, type SweepGrid } from './grid.js';

export const JOURNAL = 'journal.jsonl';
export const JOURNAL_FORMAT = 1;

export interface JournalHeader {
  type: 'sweep';
  format: number;
  dspgd: string;
  grid: SweepGrid;
  shard: { index: number; count: number } | null;
}

/** One finished run. */
export interface RunRecord {
  run: number;
  cell: number;
  row: RunRow;
  trace: RunTrace;
}

export interface Journal {
  header: JournalHeader;
  /** Complete cells' records, by run number. */
  records: Map<number, RunRecord>;
  /** Lines dropped: a torn last line, and the records of an incomplete cell. */
  dropped: number;
}

// ---------------------------------------------------------------------------
// Encoding

function replacer(_key: string, v: unknown): unknown {
  if (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0))) return { $num: Object.is(v, -0) ? '-0' : String(v) };
  if (v instanceof Float64Array) return { $f64: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
  return v;
}

function reviver(_key: string, v: unknown): unknown {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && typeof o.$num === 'string') return Number(o.$num);
    if (keys.length === 1 && typeof o.$f64 === 'string') {
      const b = Buffer.from(o.$f64, 'base64');
      // A copy: Buffer.from may hand out a slice of a shared pool at an offset that is not 8-aligned.
      const out = new Float64Array(b.byteLength / 8);
      new Uint8Array(out.buffer).set(b);
      return out;
    }
  }
  return v;
}

export function encodeLine(value: unknown): string {
  return `${JSON.stringify(value, replacer)}\n`;
}

export function runLine(r: RunRecord): string {
  const t = r.trace;
  return encodeLine({
    type: 'run', run: r.run, cell: r.cell, row: r.row,
    trace: { label: t.label, iteration: t.iteration, loss: t.loss, relResidual: t.relResidual },
  });
}

// ---------------------------------------------------------------------------
// Reading

/** The journal in `dir`, or undefined when there is none. `where` names the folder in messages. */
export async function readJournal(dir: string, where: string): Promise<Journal | undefined> {
  const path = join(dir, JOURNAL);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new DspgdError('E_IO', `${where}: cannot read ${path}: ${describeFsError(e)}`, where, { cause: e });
  }
  return parseJournal(text, `${where}: ${JOURNAL}`);
}

export function parseJournal(text: string, name: string): Journal | undefined {
  const lines = text.split('\n');
  // The piece after the last '\n' was never finished (empty when the file ends with one).
  let dropped = lines.pop() === '' ? 0 : 1;
  if (lines.length === 0) return undefined;
  const parse = (line: string, i: number): Record<string, unknown> => {
    try {
      const v = JSON.parse(line, reviver) as unknown;
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch { /* reported below */ }
    throw new DspgdError('E_FORMAT', `${name}: line ${i + 1}: not a journal record (the file is damaged; move it away to start the sweep over)`);
  };
  const h = parse(lines[0]!, 0);
  if (h.type !== 'sweep' || h.format !== JOURNAL_FORMAT || typeof h.dspgd !== 'string' || h.grid === null || typeof h.grid !== 'object') {
    throw new DspgdError('E_FORMAT', `${name}: line 1: not a dspgd sweep journal of format ${JOURNAL_FORMAT}`);
  }
  const header = h as unknown as JournalHeader;
  const grid = header.grid;
  const total = runCount(grid);
  const L = grid.lrs.length;
  const byCell = new Map<number, RunRecord[]>();
  const seen = new Map<number, number>();
  for (let i = 1; i < lines.length; i++) {
    const r = parse(lines[i]!, i);
    const run = r.run as number, cell = r.cell as number;
    if (r.type === 'run' && Number.isSafeInteger(run) && run >= total) {
      throw new DspgdError('E_FORMAT', `${name}: line ${i + 1}: run ${run} is not a run of this grid (its runs are 0 … ${total - 1})`);
    }
    if (r.type !== 'run' || !Number.isSafeInteger(run) || run < 0 || cell !== Math.floor(run / L)
      || r.row === null || typeof r.row !== 'object' || r.trace === null || typeof r.trace !== 'object') {
      throw new DspgdError('E_FORMAT', `${name}: line ${i + 1}: not a run record of this grid`);
    }
    const before = seen.get(run);
    if (before !== undefined) throw new DspgdError('E_FORMAT', `${name}: line ${i + 1}: run ${run} is recorded twice (also line ${before})`);
    seen.set(run, i + 1);
    const row = r.row as RunRow, t = r.trace as Record<string, unknown>;
    const trace: RunTrace = {
      label: t.label as string, precond: row.precond, lr: row.lr, seed: row.seed,
      iteration: t.iteration as Float64Array, loss: t.loss as Float64Array, relResidual: t.relResidual as Float64Array,
    };
    const list = byCell.get(cell) ?? [];
    list.push({ run, cell, row, trace });
    byCell.set(cell, list);
  }
  const records = new Map<number, RunRecord>();
  for (const [, list] of byCell) {
    if (list.length < L) { dropped += list.length; continue; }
    for (const rec of list) records.set(rec.run, rec);
  }
  return { header, records, dropped };
}

// ---------------------------------------------------------------------------
// Writing

/** Appends cells' records to the journal, each batch fsync'd before append() resolves. */
export class JournalWriter {
  private constructor(private readonly fh: FileHandle, readonly path: string) {}

  /**
   * Starts the journal in `dir`: the header and `keep` (the complete records of a journal being
   * resumed, in run order) are written to a new file that replaces the old one atomically, so a
   * torn tail or an incomplete cell is gone before anything is appended.
   */
  static async start(dir: string, header: JournalHeader, keep: readonly RunRecord[], argument: string): Promise<JournalWriter> {
    const path = join(dir, JOURNAL);
    await writeFileAtomic(path, encodeLine(header) + keep.map(runLine).join(''), argument);
    try {
      return new JournalWriter(await open(path, 'a'), path);
    } catch (e) {
      throw new DspgdError('E_IO', `${argument}: cannot open ${path}: ${describeFsError(e)}`, argument, { cause: e });
    }
  }

  async append(records: readonly RunRecord[]): Promise<void> {
    if (records.length === 0) return;
    try {
      await this.fh.appendFile(records.map(runLine).join(''));
      await this.fh.sync();
    } catch (e) {
      throw new DspgdError('E_IO', `cannot write the sweep journal ${this.path}: ${describeFsError(e)}`, undefined, { cause: e });
    }
  }

  async close(): Promise<void> {
    await this.fh.close().catch(() => undefined);
  }
}

/** The header a sweep of `grid` (one shard of it, or all) writes. */
export function journalHeader(grid: SweepGrid, dspgd: string, shard: { index: number; count: number } | null): JournalHeader {
  return { type: 'sweep', format: JOURNAL_FORMAT, dspgd, grid, shard };
}

