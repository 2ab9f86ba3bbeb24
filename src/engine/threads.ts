/**
 * Threads for the primal pass over X.
 *
 * The WASM module runs on shared memory (the threads build); each worker
 * instantiates the same module on the same memory and waits on a small control
 * block. A pass runs in one of two ways, both bit-identical to one thread:
 *  - chunks (when T divides the chunk count of pass.ts, e.g. 2 or 4 threads): the
 *    fused kernel on the fixed row chunks, chunk c on thread c mod T (this thread
 *    being thread 0), each into its own partial G, added in chunk order here;
 *  - split (any other T, e.g. 3 or 8): the split pass (assembly/pass/split.ts)
 *    on a grid fixed by the shape, handed out from a shared counter: R on row pieces,
 *    then the loss here, then G on column panels of d (each panel summing the chunks
 *    in order). It reads X twice (measured 0–25% more CPU time than the fused pass),
 *    so it is used only where the chunks cannot be shared evenly.
 * Workers never allocate: they only run kernels on pointers they are given.
 *
 * Workers: worker_threads in Node, Web Workers in a cross-origin-isolated page
 * (from a Blob, so no separate file has to be served). They are started once per
 * process, on first use, and do not keep a Node process alive.
 */
import { DspgdError } from '../errors.js';
import { nodeBuiltin } from '../util/node-builtin.js';
import type { Wasm } from '../wasm/module.js';
import type { PassKernels } from '../wasm/kernels.js';
import { ChunkedPass, chunkRows, type ResidualPass } from './pass.js';

export type { ResidualPass };

// Control block (Int32): generation, finished workers, failure flag, next work item (split pass).
const GEN = 0, DONE = 1, FAILED = 2, NEXT = 4;
// Arguments (Float64): see ARG_* below, then per chunk: G pointer, stats pointer.
const ARG_X = 0, ARG_W = 1, ARG_Y = 2, ARG_R = 3, ARG_D = 4, ARG_LOSS = 5, ARG_LOSSP = 6, ARG_SCALE = 7,
  ARG_N = 8, ARG_DIM = 9, ARG_K = 10, ARG_CHUNKS = 11, ARG_THREADS = 12, ARG_FMA = 13,
  ARG_MODE = 14, ARG_COUNT = 15, ARG_SIZE = 16, ARG_PER = 17, ARG_G = 18, ARG_SCRATCH = 19, ARG_STRIDE = 20, ARG_PARTS = 24;
// Modes: the fused kernel on chunks; the split pass's rows (R) and panels (G).
const MODE_CHUNKS = 0, MODE_ROWS = 1, MODE_PANELS = 2;
const MAX_CHUNKS = 64;

/**
 * The worker's whole program, as source text (it runs from a Blob or `eval`, so it
 * must not close over anything). chunkRows is repeated from pass.ts on purpose:
 * the worker cannot import.
 */
const WORKER_SOURCE = `
'use strict';
const start = async ({ module, fmaModule, memory, ctrl, args, tid }) => {
  const imports = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    imports[imp.module] ??= {};
    imports[imp.module][imp.name] = imp.kind === 'memory' ? memory : () => { throw new Error('abort in worker'); };
  }
  const { exports: main } = await WebAssembly.instantiate(module, imports);
  // The fma build runs on the same memory and takes the losses from this thread's main module.
  const fma = fmaModule ? (await WebAssembly.instantiate(fmaModule, { env: { memory }, dspgd: { lossRow: main.lossRow } })).exports : undefined;
  const c32 = new Int32Array(ctrl), a = new Float64Array(args);
  Atomics.add(c32, ${DONE}, 1);
  Atomics.notify(c32, ${DONE});
  let seen = 0;
  for (;;) {
    Atomics.wait(c32, ${GEN}, seen);
    seen = Atomics.load(c32, ${GEN});
    if (seen < 0) return;
    try {
      const e = a[${ARG_FMA}] ? fma : main;
      const n = a[${ARG_N}], d = a[${ARG_DIM}], k = a[${ARG_K}], C = a[${ARG_CHUNKS}], T = a[${ARG_THREADS}], mode = a[${ARG_MODE}];
      if (tid >= T) {
        // not in this pass
      } else if (mode === ${MODE_CHUNKS}) {
        const per = Math.ceil(n / C / 4) * 4;
        for (let c = tid; c < C; c += T) {
          const i0 = Math.min(n, c * per), i1 = Math.min(n, (c + 1) * per);
          e.residualGradRows(i0, i1, d, k, a[${ARG_X}], a[${ARG_W}], a[${ARG_Y}],
            a[${ARG_PARTS} + 2 * c], a[${ARG_R}], a[${ARG_D}], a[${ARG_LOSS}], a[${ARG_LOSSP}], a[${ARG_SCALE}], a[${ARG_PARTS} + 2 * c + 1]);
        }
      } else {
        const count = a[${ARG_COUNT}], size = a[${ARG_SIZE}];
        const scratch = a[${ARG_SCRATCH}] + tid * a[${ARG_STRIDE}];
        for (let p = Atomics.add(c32, ${NEXT}, 1); p < count; p = Atomics.add(c32, ${NEXT}, 1)) {
          if (mode === ${MODE_ROWS}) e.residualRows(p * size, Math.min(n, (p + 1) * size), d, k, a[${ARG_X}], a[${ARG_W}], a[${ARG_Y}], a[${ARG_R}]);
          else e.gradPanel(n, a[${ARG_PER}], C, p * size, Math.min(d, (p + 1) * size), d, k, a[${ARG_X}], a[${ARG_D}], a[${ARG_G}], scratch);
        }
      }
    } catch (err) {
      Atomics.store(c32, ${FAILED}, 1);
    }
    Atomics.add(c32, ${DONE}, 1);
    Atomics.notify(c32, ${DONE});
  }
};
if (typeof require === 'function') {
  start(require('node:worker_threads').workerData);
} else {
  self.onmessage = (ev) => start(ev.data);
}
`;

interface Pool {
  readonly workers: number;
  /** Whether the workers have the fma build too. */
  readonly fma: boolean;
  readonly ctrl: Int32Array;
  readonly args: Float64Array;
  /** Whether this thread may block in Atomics.wait (not on a browser's main thread). */
  readonly canWait: boolean;
}

let poolPromise: Promise<Pool> | undefined;
let poolSize = 0;

let poolFma = false;

/** Starts (once) a pool of `workers` threads on the module's shared memory (with the fma build when given). */
async function getPool(wasm: Wasm, workers: number, fmaModule?: object): Promise<Pool> {
  if (poolPromise && poolSize >= workers && (poolFma || !fmaModule)) return poolPromise;
  if (poolPromise) await stopPool();
  poolSize = workers;
  poolFma = fmaModule !== undefined;
  poolPromise = startPool(wasm, workers, fmaModule);
  poolPromise.catch(() => { poolPromise = undefined; poolSize = 0; poolFma = false; });
  return poolPromise;
}

async function startPool(wasm: Wasm, workers: number, fmaModule: object | undefined): Promise<Pool> {
  const { module, memory } = wasm.shared!;
  const ctrlBuf = new SharedArrayBuffer(16 * 4);
  const argsBuf = new SharedArrayBuffer((ARG_PARTS + 2 * MAX_CHUNKS) * 8);
  const ctrl = new Int32Array(ctrlBuf);
  const isNode = typeof process !== 'undefined' && process.versions?.node !== undefined;
  const handles: { terminate(): unknown }[] = [];
  const failures: string[] = [];
  for (let tid = 1; tid <= workers; tid++) {
    const data = { module, fmaModule, memory, ctrl: ctrlBuf, args: argsBuf, tid };
    if (isNode) {
      const { Worker } = await nodeBuiltin<typeof import('node:worker_threads')>('worker_threads');
      const w = new Worker(WORKER_SOURCE, { eval: true, workerData: data });
      w.on('error', (e) => failures.push(String(e)));
      w.unref();
      handles.push(w);
    } else {
      const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
      const w = new Worker(url);
      w.onerror = (e) => { failures.push(String(e.message ?? e)); };
      w.postMessage(data);
      handles.push(w);
    }
  }
  let canWait = true;
  try {
    Atomics.wait(ctrl, 3, 1, 0);
  } catch {
    canWait = false;
  }
  // Wait (asynchronously) until every worker has instantiated the module.
  const t0 = Date.now();
  while (Atomics.load(ctrl, DONE) < workers) {
    if (failures.length || Date.now() - t0 > 30_000) {
      for (const h of handles) h.terminate();
      throw new DspgdError('E_THREAD', `threads: could not start ${workers} worker thread(s): ${failures[0] ?? 'timed out after 30 s'}`, 'threads');
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  Atomics.store(ctrl, DONE, 0);
  stopHandles = () => {
    Atomics.store(ctrl, GEN, -1);
    Atomics.notify(ctrl, GEN);
    for (const h of handles) h.terminate();
  };
  return { workers, fma: fmaModule !== undefined, ctrl, args: new Float64Array(argsBuf), canWait };
}

let stopHandles: (() => void) | undefined;

/** Stops the worker threads (they are restarted on the next threaded solve). */
export async function stopPool(): Promise<void> {
  const p = poolPromise;
  poolPromise = undefined;
  poolSize = 0;
  poolFma = false;
  if (p) {
    await p.catch(() => undefined);
    stopHandles?.();
    stopHandles = undefined;
  }
}

/**
 * The split pass's grid for a shape (never for a thread count): row pieces of a multiple of
 * four rows, at most 64, and column panels of d of an even width, at most 64 (at least 16
 * columns: a panel of G and the matching columns of a row of X stay in L1).
 */
export function splitGrid(n: number, d: number): { pieceRows: number; pieces: number; panelWidth: number; panels: number } {
  const pieceRows = 4 * Math.ceil(n / 64 / 4);
  const panelWidth = Math.max(16, 2 * Math.ceil(d / 64 / 2));
  return { pieceRows, pieces: Math.ceil(n / pieceRows), panelWidth, panels: Math.ceil(d / panelWidth) };
}

/** A pass whose work is spread over this thread and the pool's workers (see the top of this file). */
class ThreadedPass extends ChunkedPass {
  override readonly threads: number;
  /** Whether this thread count shares the fused chunks evenly; else the split pass runs. */
  private readonly useChunks: boolean;
  private readonly grid: ReturnType<typeof splitGrid>;
  private scratch = 0;

  constructor(wasm: Wasm, n: number, d: number, k: number, kern: PassKernels, private readonly pool: Pool, threads: number) {
    super(wasm, n, d, k, kern);
    this.threads = threads;
    this.useChunks = this.chunks % threads === 0;
    this.grid = splitGrid(n, d);
    try {
      // Chunk c writes G (c = 0) or partial c − 1; the split pass needs one panel of scratch per thread instead.
      if (this.useChunks) this.allocParts(this.chunks - 1);
      else this.scratch = this.alloc(threads * this.grid.panelWidth * k, 'panel scratch');
    } catch (err) {
      this.free();
      throw err;
    }
  }

  override run(X: number, W: number, Y: number, G: number, R: number, D: number, lossId: number, lossParam: number, scale: number, stats: number): void {
    const e = this.kern;
    const { n, d, k, chunks, pool, threads } = this;
    const a = pool.args;
    a[ARG_X] = X; a[ARG_W] = W; a[ARG_Y] = Y; a[ARG_R] = R; a[ARG_D] = D; a[ARG_G] = G;
    a[ARG_LOSS] = lossId; a[ARG_LOSSP] = lossParam; a[ARG_SCALE] = scale;
    a[ARG_N] = n; a[ARG_DIM] = d; a[ARG_K] = k; a[ARG_CHUNKS] = chunks; a[ARG_THREADS] = threads;
    a[ARG_FMA] = this.kern.name === 'fma' ? 1 : 0;
    if (this.useChunks) {
      for (let c = 0; c < chunks; c++) {
        a[ARG_PARTS + 2 * c] = c === 0 ? G : this.partG[c - 1];
        a[ARG_PARTS + 2 * c + 1] = c === 0 ? stats : this.partStats + 16 * (c - 1);
      }
      this.start(MODE_CHUNKS, 0, 0);
      for (let c = 0; c < chunks; c += threads) {
        const [i0, i1] = chunkRows(n, chunks, c);
        e.residualGradRows(i0, i1, d, k, X, W, Y, a[ARG_PARTS + 2 * c], R, D, lossId, lossParam, scale, a[ARG_PARTS + 2 * c + 1]);
      }
      this.finish();
      this.reduce(G, stats);
      return;
    }
    const { pieceRows, pieces, panelWidth, panels } = this.grid;
    const ctrl = pool.ctrl;
    this.start(MODE_ROWS, pieces, pieceRows);
    for (let p = Atomics.add(ctrl, NEXT, 1); p < pieces; p = Atomics.add(ctrl, NEXT, 1)) {
      e.residualRows(p * pieceRows, Math.min(n, (p + 1) * pieceRows), d, k, X, W, Y, R);
    }
    this.finish();
    // ∇ℓ, ℓ and ‖R‖² per chunk in row order, then the chunks' stats in chunk order: O(n·k) here.
    const m = this.wasm.exports;
    for (let c = 0; c < chunks; c++) {
      const [i0, i1] = chunkRows(n, chunks, c);
      m.lossRows(i0, i1, k, R, D, lossId, lossParam, scale, c === 0 ? stats : this.partStats + 16 * (c - 1));
    }
    m.sumStats(chunks - 1, this.partStats, stats);
    a[ARG_PER] = chunkRows(n, chunks, 0)[1];
    a[ARG_SCRATCH] = this.scratch;
    a[ARG_STRIDE] = 8 * panelWidth * k;
    this.start(MODE_PANELS, panels, panelWidth);
    for (let p = Atomics.add(ctrl, NEXT, 1); p < panels; p = Atomics.add(ctrl, NEXT, 1)) {
      e.gradPanel(n, a[ARG_PER], chunks, p * panelWidth, Math.min(d, (p + 1) * panelWidth), d, k, X, D, G, this.scratch);
    }
    this.finish();
  }

  /** Wakes the workers for one round of `mode` (count items of `size` for the split pass). */
  private start(mode: number, count: number, size: number): void {
    const { ctrl, args } = this.pool;
    args[ARG_MODE] = mode; args[ARG_COUNT] = count; args[ARG_SIZE] = size;
    Atomics.store(ctrl, NEXT, 0);
    Atomics.store(ctrl, DONE, 0);
    Atomics.add(ctrl, GEN, 1);
    // Only threads 1..T−1 take work; the pool may be larger than this pass needs.
    Atomics.notify(ctrl, GEN);
  }

  /** Waits until every worker of the pool answered the round (idle ones at once). */
  private finish(): void {
    const { ctrl, workers, canWait } = this.pool;
    let v: number;
    while ((v = Atomics.load(ctrl, DONE)) < workers) {
      if (canWait) Atomics.wait(ctrl, DONE, v, 100);
    }
    if (Atomics.load(ctrl, FAILED)) {
      Atomics.store(ctrl, FAILED, 0);
      throw new DspgdError('E_THREAD', 'threads: a worker thread failed during the pass over X', 'threads');
    }
  }
}

/**
 * The pass for a run: on `threads` threads when the module runs on shared memory and the
 * shape has more than one chunk (up to the split grid's pieces and panels); one thread otherwise.
 */
export async function makePass(wasm: Wasm, n: number, d: number, k: number, threads: number, kern: PassKernels = wasm.simd): Promise<ResidualPass> {
  const single = new ChunkedPass(wasm, n, d, k, kern);
  const { pieces, panels } = splitGrid(n, d);
  const t = single.chunks > 1 ? Math.min(threads, pieces, panels) : 1;
  if (t <= 1 || !wasm.shared) return single;
  single.free();
  const pool = await getPool(wasm, t - 1, kern.module);
  return new ThreadedPass(wasm, n, d, k, kern, pool, t);
}
