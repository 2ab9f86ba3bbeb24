/**
 * Node entry of the benchmark suite (`npm run bench`, `dspgd bench`): flags,
 * the Node-only peer (NumPy) and memory section (peak RSS of child processes),
 * machine details, the table on stdout and the JSON written atomically.
 * The same file is its own child process for the memory section
 * (`--memory-child …`), so what is measured is exactly the shipped code.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync, realpathSync } from 'node:fs';
import { cpus, totalmem, tmpdir, platform, arch, release, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate, loadProblem, solve, DspgdError, type Problem } from '../src/index.js';
import { encodeNpy } from '../src/io/npy.js';
import { writeFileAtomic } from '../src/io/node/atomic.js';
import { VERSION } from '../src/version.js';
import {
  runSuite, WORKLOADS, WORKLOAD_IDS, DEFAULT_WORKLOAD_IDS, BENCH_PRECONDS,
  type BenchPrecond, type MemoryRow, type Peer, type SuiteResult, type WorkloadSpec, type ProcessEnvironment, type MemoryStep,
} from './suite.js';
import { startHog } from './hog.js';
import { relaxedSimdSupported, KERNEL_OPTIONS, type KernelName, type KernelOption } from '../src/wasm/kernels.js';
import { enableRelaxedSimd } from '../src/cli/relaxed-simd.js';
import { formatTable } from './format.js';
import { evaluateTargets } from './targets.js';
import { jsReferencePeer } from './peers/js-reference.js';
import { mlMatrixPeer } from './peers/ml-matrix.js';
import { tfjsPeer } from './peers/tfjs.js';
import { numpyPeer } from './peers/numpy.js';
import { streamPeer } from './peers/stream.js';
import { sweepSection, formatSweepBench } from './sweep.js';

export const PEER_NAMES = ['js', 'ml-matrix', 'tfjs', 'numpy', 'stream'] as const;
export const SECTION_NAMES = ['overhead', 'rowspace', 'batch', 'threads', 'memory', 'contended', 'sweep'] as const;
type PeerName = (typeof PEER_NAMES)[number];
type SectionName = (typeof SECTION_NAMES)[number];

export const BENCH_HELP = `Usage: dspgd bench [options]

Runs the benchmark suite: dspgd's time per iteration next to peers
computing the same iteration on the same problem in the same run, plus the
overhead line, the row-space, batched-sweep, threads and memory sections, the
contended section (W2, W3, W5 again with a memory-bandwidth hog on the other
core, dspgd and NumPy alike), the sweep section (a 16-run sweep, --jobs 2 against
--jobs 1), and judges the targets.

Options:
  --workloads LIST  W1,W2,W3,W4,W5,W6 (default W1-W5). W1 100×1000 k=1; W2 512×8192 k=8;
                    W3 2000×20000 k=10 (X is 320 MB); W4 = W2 with 8 learning rates;
                    W5 512×32768 k=8 (X is 134 MB, W and G 2 MiB each);
                    W6 32768×512 k=8, tall (n > d; only when named)
  --precond LIST    ${BENCH_PRECONDS.join(',')} (default all)
  --peers LIST      ${PEER_NAMES.join(',')} (default all; 'none' for dspgd alone)
  --skip LIST       sections to leave out: ${SECTION_NAMES.join(',')}
  --threads T       threads for the threads section (default 2)
  --kernel K        pass kernel of every timed solve: simd (default), fma or auto
                    (fma/auto turn on relaxed SIMD in this process on Node 20; the
                    environment records the kernel that ran)
  --out FILE        JSON result (default bench-results.json), written atomically
  --quick           few iterations and repeats: a smoke run, numbers indicative only
  --quiet           no progress lines on stderr
  --render FILE     print the table of an earlier JSON result (targets re-judged) and exit
  -h, --help        this text

A full run takes about 11 minutes on 2 idle cores (W3 dominates). NumPy is used
when python3 with NumPy is present (OPENBLAS_NUM_THREADS=1); otherwise a notice.

Examples:
  $ npm run bench
  $ dspgd bench --workloads W1,W2 --precond gd --quick
  $ dspgd bench --workloads W2 --peers numpy,tfjs --out w2.json`;

export interface BenchFlags {
  workloads: WorkloadSpec[];
  preconds: BenchPrecond[];
  peers: PeerName[];
  skip: SectionName[];
  threads: number;
  kernel: KernelOption;
  out: string;
  quick: boolean;
  quiet: boolean;
  help: boolean;
  render?: string;
}

function list<T extends string>(flag: string, value: string | undefined, known: readonly T[], allowNone = false): T[] {
  if (value === undefined || value.startsWith('--')) throw new DspgdError('E_PARAM', `${flag}: expected a comma-separated list of ${known.join(', ')}`, flag);
  if (allowNone && value === 'none') return [];
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new DspgdError('E_PARAM', `${flag}: expected a comma-separated list of ${known.join(', ')}`, flag);
  for (const it of items) {
    if (!known.includes(it as T)) throw new DspgdError('E_UNKNOWN_NAME', `${flag}: unknown "${it}" (known: ${known.join(', ')})`, flag);
  }
  return [...new Set(items)] as T[];
}

/** Parses the flags; bad usage throws DspgdError naming the flag (the CLI turns it into exit 2). */
export function parseBenchFlags(argv: readonly string[]): BenchFlags {
  const f: BenchFlags = {
    workloads: DEFAULT_WORKLOAD_IDS.map((id) => WORKLOADS[id]), preconds: [...BENCH_PRECONDS], peers: [...PEER_NAMES], skip: [],
    threads: 2, kernel: 'simd', out: 'bench-results.json', quick: false, quiet: false, help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith('--') && argv[i].includes('=') ? [argv[i].slice(0, argv[i].indexOf('=')), argv[i].slice(argv[i].indexOf('=') + 1)] : [argv[i], undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--workloads': f.workloads = list('--workloads', value(), WORKLOAD_IDS).map((id) => WORKLOADS[id]); break;
      case '--precond': f.preconds = list('--precond', value(), BENCH_PRECONDS); break;
      case '--peers': f.peers = list('--peers', value(), PEER_NAMES, true); break;
      case '--skip': f.skip = list('--skip', value(), SECTION_NAMES); break;
      case '--threads': {
        const v = value();
        if (v === undefined || !/^\d+$/.test(v) || Number(v) < 2 || Number(v) > 64) {
          throw new DspgdError('E_PARAM', `--threads: expected an integer in [2, 64], got ${JSON.stringify(v)}`, '--threads');
        }
        f.threads = Number(v);
        break;
      }
      case '--kernel': {
        const v = value();
        if (v === undefined || !KERNEL_OPTIONS.includes(v as KernelOption)) {
          throw new DspgdError('E_PARAM', `--kernel: expected one of ${KERNEL_OPTIONS.join(', ')}, got ${JSON.stringify(v)}`, '--kernel');
        }
        f.kernel = v as KernelOption;
        break;
      }
      case '--out': {
        const v = value();
        if (v === undefined || v === '' || v.startsWith('--')) throw new DspgdError('E_PARAM', '--out: expected a file name for the JSON result', '--out');
        f.out = v;
        break;
      }
      case '--render': {
        const v = value();
        if (v === undefined || v === '' || v.startsWith('--')) throw new DspgdError('E_PARAM', '--render: expected the JSON file of an earlier run', '--render');
        f.render = v;
        break;
      }
      case '--quick': f.quick = true; break;
      case '--quiet': f.quiet = true; break;
      case '-h': case '--help': f.help = true; break;
      default:
        throw new DspgdError('E_PARAM', `${flag}: unknown option (run dspgd bench --help for usage)`, flag);
    }
  }
  return f;
}

export function makePeers(names: readonly PeerName[]): Peer[] {
  const make: Record<PeerName, () => Peer> = {
    js: jsReferencePeer, 'ml-matrix': mlMatrixPeer, tfjs: () => tfjsPeer(), numpy: () => numpyPeer(), stream: streamPeer,
  };
  return PEER_NAMES.filter((n) => names.includes(n)).map((n) => make[n]());
}

async function wasmBuild(): Promise<ProcessEnvironment['wasm']> {
  const out: ProcessEnvironment['wasm'] = {};
  for (const [key, rel] of [['plain', '../build/dspgd.wasm'], ['shared', '../build/dspgd-shared.wasm'], ['fma', '../build/dspgd-fma.wasm']] as const) {
    for (const base of [rel, `../${rel}`]) {
      try {
        const bytes = await readFile(new URL(base, import.meta.url));
        out[key] = { bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex').slice(0, 16) };
        break;
      } catch {
        // the other layout (sources vs dist/)
      }
    }
  }
  return out;
}

/** The commit measured, when run from a checkout (with -dirty for local changes). */
function gitDescribe(): string | undefined {
  const r = spawnSync('git', ['describe', '--always', '--dirty', '--abbrev=12'], { cwd: fileURLToPath(new URL('.', import.meta.url)), encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** The runtime really running the bench: Bun and Deno also answer process.version with the Node version they emulate. */
export function runtimeInfo(): Pick<ProcessEnvironment, 'runtime' | 'runtimeVersion' | 'engine' | 'node' | 'v8'> {
  const g = globalThis as { Deno?: { version: { deno: string; v8: string } } };
  const versions = process.versions as NodeJS.ProcessVersions & { bun?: string; webkit?: string };
  if (g.Deno) return { runtime: 'deno', runtimeVersion: g.Deno.version.deno, engine: `V8 ${g.Deno.version.v8}`, node: process.version, v8: g.Deno.version.v8 };
  if (versions.bun) return { runtime: 'bun', runtimeVersion: versions.bun, engine: `JavaScriptCore${versions.webkit ? ` (WebKit ${versions.webkit})` : ''}`, node: process.version };
  return { runtime: 'node', runtimeVersion: process.version, engine: `V8 ${versions.v8}`, node: process.version, v8: versions.v8 };
}

/** The kernel build solve() reports (result.kernel), when the library reports one. */
async function kernelInUse(kernel: KernelOption): Promise<KernelName> {
  const p = await generate({ n: 4, d: 8, k: 1, seed: 1, oneD: false });
  try {
    const r = await solve(p, { precond: 'gd', lr: 'auto', maxIter: 1, report: false, path: 'primal', kernel });
    return r.kernel;
  } finally {
    p.dispose();
  }
}

const load = (): number[] => loadavg().map((x) => Math.round(x * 100) / 100);

export async function machineInfo(argv: readonly string[], totalSeconds: number, loadBefore: number[], kernel: KernelOption = 'simd'): Promise<ProcessEnvironment> {
  const c = cpus();
  return {
    ...runtimeInfo(),
    cpu: c[0]?.model ?? 'unknown', cores: c.length, memoryBytes: totalmem(),
    os: `${platform()} ${release()} ${arch()}`,
    dspgd: VERSION, wasm: await wasmBuild(), kernel: await kernelInUse(kernel), relaxedSimd: relaxedSimdSupported(),
    execArgv: [...process.execArgv], git: gitDescribe(), transparentHugePages: transparentHugePages(),
    load: { before: loadBefore, after: load() }, argv: [...argv], totalSeconds,
  };
}

/**
 * Linux's transparent huge page mode (always, madvise or never), undefined elsewhere. It moves the
 * numbers: V8 does not ask for huge pages for WASM memory, so under `madvise` dspgd's arrays sit
 * on 4 KiB pages placed anywhere in physical memory and an L2-sized working set (W1's X is
 * 0.8 MB) loses lines to set conflicts that differ from process to process, while NumPy asks for
 * huge pages for its large arrays itself.
 */
function transparentHugePages(): string | undefined {
  try {
    return /\[(\w+)\]/.exec(readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

const SELF = fileURLToPath(import.meta.url);

function runChild(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SELF, '--memory-child', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** W3 generated in a child, and W3 read from .npy in a child: each generates/loads, solves, reports, and prints its peak RSS. */
async function memorySection(w: WorkloadSpec): Promise<MemoryRow[]> {
  const dataBytes = 8 * (w.n * w.d + w.n * w.k + w.d * w.k);
  const rows: MemoryRow[] = [];
  const measure = async (route: MemoryRow['route'], args: string[], steps: string) => {
    const r = await runChild(args);
    const line = r.stdout.trim().split('\n').pop() ?? '';
    try {
      const { peaks } = JSON.parse(line) as { peaks: MemoryStep[] };
      const peakRssBytes = peaks[peaks.length - 1].peakRssBytes;
      rows.push({ route, workload: w.id, dataBytes, peakRssBytes, ratio: peakRssBytes / dataBytes, steps, peaks });
    } catch {
      rows.push({ route, workload: w.id, dataBytes, peakRssBytes: NaN, ratio: NaN, steps, error: `exit ${r.code}: ${r.stderr.trim().split('\n').pop() ?? ''}` });
    }
  };
  const shape = [String(w.n), String(w.d), String(w.k), String(w.seed)];
  await measure('generate', ['generate', ...shape], 'generate, solve gd 3 iterations, bias report');
  const dir = await mkdtemp(join(tmpdir(), 'dspgd-bench-mem-'));
  try {
    const wrote = await runChild(['write', dir, ...shape]);
    if (wrote.code !== 0) throw new Error(wrote.stderr.trim());
    await measure('npy', ['npy', dir], 'loadProblem(X.npy, Y.npy), solve gd 3 iterations, bias report');
  } catch (e) {
    rows.push({ route: 'npy', workload: w.id, dataBytes, peakRssBytes: NaN, ratio: NaN, steps: 'write .npy', error: (e as Error).message });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}

/**
 * This process's peak RSS. On Linux, VmHWM of /proc/self/status: getrusage's maxrss (what
 * process.resourceUsage() reports) keeps the high-water mark of the address space a child was
 * spawned from (the whole bench process, when it spawns with vfork), so it would measure the parent.
 */
function peakRss(): number {
  try {
    const m = /^VmHWM:\s*(\d+)\s*kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}

async function memoryChild(args: string[]): Promise<void> {
  const [mode, ...rest] = args;
  const shape = (xs: string[]) => xs.map(Number) as [number, number, number, number];
  const peaks: MemoryStep[] = [];
  const mark = (step: string) => peaks.push({ step, peakRssBytes: peakRss() });
  mark('node + bench bundle loaded');
  let problem: Problem;
  if (mode === 'write') {
    const [dir, ...s] = rest;
    const [n, d, k, seed] = shape(s);
    const p = await generate({ n, d, k, seed, oneD: false });
    await writeFile(join(dir, 'X.npy'), encodeNpy(p.X));
    await writeFile(join(dir, 'Y.npy'), encodeNpy(p.Y));
    p.dispose();
    return;
  }
  if (mode === 'generate') {
    const [n, d, k, seed] = shape(rest);
    problem = await generate({ n, d, k, seed, oneD: false });
  } else if (mode === 'npy') {
    problem = await loadProblem({ X: join(rest[0], 'X.npy'), Y: join(rest[0], 'Y.npy') });
  } else {
    throw new DspgdError('E_PARAM', `--memory-child: unknown mode ${mode}`, '--memory-child');
  }
  mark(mode === 'generate' ? 'generate' : 'loadProblem');
  const opts = { precond: 'gd', lr: 'auto', maxIter: 3, tol: 0, stall: false, path: 'primal', threads: 1 } as const;
  await solve(problem, { ...opts, report: false });
  mark('solve (3 iterations, lr auto, no report)');
  const r = await solve(problem, opts);
  if (!r.bias) throw new Error('no bias report');
  mark('solve with the bias report (W_GD, bias path)');
  problem.dispose();
  process.stdout.write(`${JSON.stringify({ peaks })}\n`);
}

/** Runs the suite as the CLI does; returns the exit code (0 ran; 2 bad usage). */
export async function benchMain(argv: readonly string[]): Promise<number> {
  let flags: BenchFlags;
  try {
    flags = parseBenchFlags(argv);
  } catch (e) {
    if (e instanceof DspgdError) {
      process.stderr.write(`dspgd bench: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  if (flags.help) {
    process.stdout.write(`${BENCH_HELP}\n`);
    return 0;
  }
  if (flags.render !== undefined) {
    let old: SuiteResult;
    try {
      old = JSON.parse(await readFile(flags.render, 'utf8')) as SuiteResult;
    } catch (e) {
      process.stderr.write(`dspgd bench: --render: cannot read ${flags.render}: ${(e as Error).message}\n`);
      return 2;
    }
    if (old?.schema !== 'dspgd-bench/1') {
      process.stderr.write(`dspgd bench: --render: ${flags.render} is not a dspgd-bench/1 result\n`);
      return 2;
    }
    old.targets = evaluateTargets(old);
    process.stdout.write(`${formatTable(old)}\n`);
    return 0;
  }
  const ids = new Set(flags.workloads.map((w) => w.id));
  if (flags.kernel !== 'simd') await enableRelaxedSimd();
  const loadBefore = load();
  const t0 = performance.now();
  const result: SuiteResult = await runSuite({
    workloads: flags.workloads,
    preconds: flags.preconds,
    peers: makePeers(flags.peers),
    quick: flags.quick,
    threads: flags.threads,
    kernel: flags.kernel,
    sections: {
      rowspace: flags.skip.includes('rowspace') ? false : undefined,
      batch: flags.skip.includes('batch') ? false : undefined,
      threads: flags.skip.includes('threads') ? false : undefined,
    },
    memory: flags.skip.includes('memory') || !ids.has('W3') ? undefined : () => memorySection(WORKLOADS.W3),
    overhead: !flags.skip.includes('overhead'),
    contended: flags.skip.includes('contended') ? undefined : { hog: () => startHog() },
    onProgress: flags.quiet ? undefined : (e) => process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${e.message}\n`),
  });
  // The sweep section (bench/sweep.ts) rides beside the suite's result: --jobs 1 against --jobs 2.
  const sweep = flags.skip.includes('sweep') ? undefined
    : await sweepSection({ quick: flags.quick, onProgress: flags.quiet ? undefined : (m) => process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${m}\n`) });
  if (sweep) {
    result.sweep = sweep;
    result.targets = evaluateTargets(result); // the sweep-jobs target reads this section
  }
  result.environment = await machineInfo(argv, (performance.now() - t0) / 1000, loadBefore, flags.kernel);
  process.stdout.write(`${formatTable(result)}\n`);
  if (sweep) process.stdout.write(`\n${formatSweepBench(sweep)}\n`);
  await writeFileAtomic(flags.out, `${JSON.stringify(result, null, 2)}\n`, '--out');
  process.stdout.write(`\nwrote ${flags.out}\n`);
  return 0;
}

const invokedDirectly = (() => {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(SELF);
  } catch {
    return false;
  }
})();

if (invokedDirectly) {
  const argv = process.argv.slice(2);
  if (argv[0] === '--memory-child') {
    memoryChild(argv.slice(1)).then(() => process.exit(0), (e) => {
      process.stderr.write(`memory child: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    });
  } else {
    benchMain(argv).then((code) => process.exit(code), (e) => {
      process.stderr.write(`dspgd bench: internal error: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
      process.exit(1);
    });
  }
}
