/**
 * The contended section: W2, W3, W5 timed again with a memory-bandwidth hog
 * (a stream-copy loop, started by the host: a worker thread in Node) running on
 * the other core, for dspgd and for its peer (NumPy) alike. Runtime-agnostic:
 * the hog is passed in.
 *
 * Quiet and contended samples alternate within each repeat (which comes first
 * alternates too), so drift of a shared machine hits both; each side's number
 * is the median of its samples. dspgd's share of the f64x2 peak is taken per
 * repeat against a peak sample measured just before that repeat's pair (hog
 * paused), then the median: the host's own speed drifts by tens of percent over
 * tens of seconds. Nothing here asserts a time.
 */
import { solve } from '../src/solve.js';
import { suggestLearningRate } from '../src/lr.js';
import type { Problem } from '../src/problem.js';
import { baseOptions, median, precondSpec, timePerIteration } from './timing.js';
import { measureArithmeticPeak, peakSampler } from './peak.js';
import type {
  ArithmeticPeak, BenchPrecond, ContendedRow, ContendedSection, Hog, IterationPlan, PreparedPeer, ProgressEvent, QuietContended, WorkloadSpec,
} from './types.js';

const now = () => performance.now();

/** The contended section's workloads and preconditioners (those of them that the run has). */
export const CONTENDED_WORKLOAD_IDS: readonly string[] = ['W2', 'W3', 'W5'];
export const CONTENDED_PRECONDS: readonly BenchPrecond[] = ['gd', 'adam'];

export interface ContendedOptions {
  /** Starts the memory-bandwidth hog (paused); the suite starts and pauses it around each contended sample. */
  hog: () => Promise<Hog>;
  /** Workload ids to measure contended (default CONTENDED_WORKLOAD_IDS). */
  workloads?: readonly string[];
  /** Preconditioners (default CONTENDED_PRECONDS, within the run's). */
  preconds?: readonly BenchPrecond[];
  /** The peer timed under the same hog (default 'numpy'). */
  peer?: string;
}


export class Contention {
  private hog?: Hog;
  private failed = false;
  private readonly rows: ContendedRow[] = [];
  private readonly hogGbps: number[] = [];
  private peakUnderHog?: ArithmeticPeak;
  private peak?: () => number;
  private readonly workloads: readonly string[];
  private readonly preconds: BenchPrecond[];
  private readonly peer: string;

  constructor(
    private readonly opts: ContendedOptions,
    runPreconds: readonly BenchPrecond[],
    private readonly quietPeak: ArithmeticPeak,
    private readonly quick: boolean,
    private readonly progress: (e: ProgressEvent) => void,
    private readonly notices: string[],
  ) {
    this.workloads = opts.workloads ?? CONTENDED_WORKLOAD_IDS;
    this.preconds = (opts.preconds ?? CONTENDED_PRECONDS).filter((p) => runPreconds.includes(p));
    this.peer = opts.peer ?? 'numpy';
  }

  wants(w: WorkloadSpec): boolean {
    return !this.failed && this.preconds.length > 0 && this.workloads.includes(w.id) && (w.runs ?? 1) === 1;
  }

  /** The hog, started once (paused) on first use; a hog that cannot start turns the section off with a notice. */
  private async ensureHog(): Promise<Hog | undefined> {
    if (this.hog || this.failed) return this.hog;
    try {
      this.hog = await this.opts.hog();
    } catch (e) {
      this.failed = true;
      this.notices.push(`contended section skipped: the memory-bandwidth hog could not start (${e instanceof Error ? e.message : String(e)})`);
      return undefined;
    }
    this.progress({ phase: 'contended', message: 'f64x2 multiply-add peak with the hog running' });
    await this.hog.start();
    try {
      this.peakUnderHog = await measureArithmeticPeak(this.quick);
    } finally {
      this.hogGbps.push(await this.hog.pause());
    }
    return this.hog;
  }

  /** One quiet and one contended sample of `sample`, in the order given by `contendedFirst`. */
  private async pair(sample: () => Promise<number>, contendedFirst: boolean): Promise<[number, number]> {
    const hog = this.hog!;
    const contended = async () => {
      await hog.start();
      try {
        return await sample();
      } finally {
        this.hogGbps.push(await hog.pause());
      }
    };
    if (contendedFirst) {
      const c = await contended();
      return [await sample(), c];
    }
    const q = await sample();
    return [q, await contended()];
  }

  private async quietContended(sample: () => Promise<number>, repeats: number, before?: () => void): Promise<QuietContended> {
    const q: number[] = [], c: number[] = [];
    for (let r = 0; r < repeats; r++) {
      before?.();
      const [a, b] = await this.pair(sample, r % 2 === 1);
      q.push(a);
      c.push(b);
    }
    return { quietMs: median(q), contendedMs: median(c), samplesQuietMs: q, samplesContendedMs: c };
  }

  async measure(w: WorkloadSpec, mainPlan: IterationPlan, problem: Problem, prepared: ReadonlyMap<string, PreparedPeer>): Promise<void> {
    if (!(await this.ensureHog())) return;
    const p = this.quick ? mainPlan : (w.contendedPlan ?? mainPlan);
    const { n, d, k } = w;
    const peak = (this.peak ??= await peakSampler());
    for (const precond of this.preconds) {
      const lr = suggestLearningRate(problem, precondSpec(precond));
      this.progress({ phase: 'contended', workload: w.id, precond, message: `${w.id} ${precond}: dspgd quiet and with the hog` });
      const dspgdSample = async () => (await timePerIteration(async (iters) => {
        const t0 = now();
        await solve(problem, baseOptions(precond, lr, iters));
        return now() - t0;
      }, p.dspgdIters, 1, false))[0];
      const hogFrom = this.hogGbps.length;
      const peaks: number[] = [];
      const ds = await this.quietContended(dspgdSample, p.dspgdRepeats, () => peaks.push(peak()));
      const rowHog = this.hogGbps.slice(hogFrom);
      // Per repeat: 4·n·d·k ÷ time ÷ the peak sample taken just before it.
      const share = (times: number[]) => median(times.map((ms, r) => (4 * n * d * k) / (ms * 1e6) / peaks[r]!));
      const row: ContendedRow = {
        workload: w.id, precond, n, d, k,
        plan: { dspgdIters: p.dspgdIters, dspgdRepeats: p.dspgdRepeats, peerIters: p.peerIters, peerRepeats: p.peerRepeats },
        hogGbps: { median: median(rowHog), samples: rowHog },
        dspgd: {
          ...ds, quietPeakFraction: share(ds.samplesQuietMs), contendedPeakFraction: share(ds.samplesContendedMs),
          samplesPeakGflops: peaks,
          // Against the peak of the start of the run (SuiteResult.arithmetic), as before this section measured its own.
          quietStartPeakFraction: (4 * n * d * k) / (ds.quietMs * 1e6) / this.quietPeak.gflops,
          contendedStartPeakFraction: (4 * n * d * k) / (ds.contendedMs * 1e6) / this.quietPeak.gflops,
        },
      };
      const prep = prepared.get(this.peer);
      if (!prep) row.peerReason = `${this.peer} not prepared for ${w.id} (not available or left out; see notices)`;
      else if (prep.supports(precond) !== true) row.peerReason = String(prep.supports(precond));
      else {
        this.progress({ phase: 'contended', workload: w.id, precond, peer: this.peer, message: `${w.id} ${precond}: ${this.peer} quiet and with the hog` });
        try {
          const iters = p.peerIters;
          const ps = await this.quietContended(async () => (await prep.run(precond, lr, iters)).ms / iters, p.peerRepeats);
          row.peer = { ...ps, name: this.peer, quietRatio: ps.quietMs / ds.quietMs, contendedRatio: ps.contendedMs / ds.contendedMs };
        } catch (e) {
          row.peerReason = `${this.peer} failed: ${e instanceof Error ? e.message : String(e)}`;
        }
      }
      this.rows.push(row);
    }
  }

  section(): ContendedSection | undefined {
    if (!this.hog || !this.peakUnderHog) return undefined;
    const samples = this.hogGbps.filter((x) => Number.isFinite(x) && x > 0);
    return {
      hog: { description: this.hog.description, bufferBytes: this.hog.bufferBytes, gbps: median(samples), samplesGbps: samples },
      arithmetic: this.peakUnderHog,
      rows: this.rows,
    };
  }

  async dispose(): Promise<void> {
    await this.hog?.dispose();
  }
}
