/**
 * A progress bar on stderr for long runs (cli-progress), shown only on a
 * terminal: silent when stderr is not a TTY (pipes, CI, tests) or with --quiet,
 * so stdout stays clean for --json and tables.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  /** Starts (or restarts) the bar: `total` iterations of one run, or (unit 'runs') runs of a grid. */
  start(total: number, label: string, unit?: string): void;
  update(value: number, relResidual: number): void;
  stop(): void;
}

const SILENT: Progress = { start() {}, update() {}, stop() {} };

export function createProgress(quiet: boolean | undefined, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (quiet || !stream.isTTY) return SILENT;
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
    start(total, label, unit = 'it') {
      if (running) bar.stop();
      bar.start(Math.max(total, 1), 0, { label, unit, rel: '—' });
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
