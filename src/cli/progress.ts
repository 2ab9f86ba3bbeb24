/**
 * Progress of long runs on stderr, so stdout stays clean for --json and tables:
 *
 * - on a terminal, a progress bar (cli-progress), redrawn in place;
 * - elsewhere (a batch job's log, a pipe), a plain line every 10 s
 *   (`DSPGD_PROGRESS_EVERY_MS` changes the interval), so a log shows the run
 *   is alive and how far it got, without a line per iteration;
 * - nothing with --quiet.
 */
import cliProgress from 'cli-progress';
import { formatCount, formatDuration, formatHuman } from '../util/numbers.js';

export interface Progress {
  /**
   * Starts (or restarts) the bar: `total` iterations of one run, or (unit 'runs') runs of a grid;
   * `initial` of them done already (a resumed sweep: the ETA counts only what this process does).
   */
  start(total: number, label: string, unit?: string, initial?: number): void;
  /** `detail` (e.g. which run of a grid is at which iteration) is shown in the log lines only. */
  update(value: number, relResidual: number, detail?: string): void;
  /** Removes the bar from the screen; safe to call more than once. */
  stop(): void;
}

export interface ProgressOptions {
  /** False: no bar even on a terminal (the log lines still follow `quiet`). Default true. */
  bar?: boolean;
  /** Interval of the log lines in ms. Default DSPGD_PROGRESS_EVERY_MS or 10,000. */
  everyMs?: number;
}

const SILENT: Progress = { start() {}, update() {}, stop() {} };

export const DEFAULT_LOG_EVERY_MS = 10_000;

function logInterval(): number {
  const env = Number(process.env.DSPGD_PROGRESS_EVERY_MS);
  return Number.isFinite(env) && env > 0 ? env : DEFAULT_LOG_EVERY_MS;
}

export function createProgress(quiet: boolean | undefined, stream: NodeJS.WriteStream = process.stderr, options: ProgressOptions = {}): Progress {
  if (quiet) return SILENT;
  if (!stream.isTTY) return logLines(stream, options.everyMs ?? logInterval());
  if (options.bar === false) return SILENT;
  const bar = new cliProgress.SingleBar({
    stream,
    format: '{label} |{bar}| {value}/{total} {unit} | relResidual {rel} | ETA {eta_formatted}',
    hideCursor: true,
    clearOnComplete: true,
    etaBuffer: 50,
    fps: 10,
  }, cliProgress.Presets.shades_classic);
  let running = false;
  return {
    start(total, label, unit = 'it', initial = 0) {
      if (running) bar.stop();
      bar.start(Math.max(total, 1), initial, { label, unit, rel: '—' });
      running = true;
    },
    update(iteration, relResidual) {
      if (running) bar.update(iteration, { rel: relResidual.toExponential(2) });
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}

/** One line per `everyMs` at most, written when an update arrives after the interval. */
function logLines(stream: NodeJS.WritableStream, everyMs: number): Progress {
  let label = '', unit = 'it', total = 0, t0 = 0, last = 0, running = false, v0 = 0;
  return {
    start(n, l, u = 'it', initial = 0) {
      total = n; label = l; unit = u; v0 = initial;
      t0 = last = Date.now();
      running = true;
    },
    update(value, relResidual, detail) {
      if (!running) return;
      const now = Date.now();
      if (now - last < everyMs) return;
      last = now;
      const what = unit === 'it' ? `iteration ${formatCount(value)} of ${formatCount(total)}` : `${formatCount(value)} of ${formatCount(total)} ${unit}`;
      // Runs of a grid finish at a steady rate; iterations of one run do not (it may stop early).
      const eta = unit !== 'it' && value > v0 ? `, ETA ${formatDuration(((now - t0) / (value - v0)) * (total - value))}` : '';
      stream.write(`dspgd ${label}: ${what}${detail ? ` (${detail})` : ''}, relResidual ${formatHuman(relResidual, 3)}, elapsed ${formatDuration(now - t0)}${eta}\n`);
    },
    stop() {
      running = false;
    },
  };
}
