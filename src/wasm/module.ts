/**
 * Loads the AssemblyScript module once per process (or page) and exposes its
 * exports with types. Kernels take byte pointers into linear memory; see
 * assembly/index.ts for the list and each kernel's file for its contract.
 */
import { instantiate, instantiateSync } from '@assemblyscript/loader';
import { DspgdError } from '../errors.js';
import { canShareMemory } from '../util/shared-memory.js';
// Node reads the builds from build/; browser bundles take source.browser.ts instead (scripts/browser-build.mjs).
import { defaultSource, defaultSharedSource, defaultFmaSource } from './source.node.js';
import { relaxedSimdSupported, type PassKernels, type PassExports } from './kernels.js';
import type { PrecondExports } from './exports/precond.js';
import type { LinalgExports } from './exports/linalg.js';
import type { RandomExports } from './exports/random.js';
import { checkAbi, type Abi } from './abi.js';
import type { Ptr, I32, F64 } from './types.js';
import { PRECOND_IDS } from '../precond/builtins.js';
import { LOSS_IDS } from '../losses/index.js';


/**
 * WASM bytes, as WebAssembly.instantiate takes them. The public types spell these out instead of
 * using DOM's BufferSource and WebAssembly.Memory/Module: TypeScript declares those only in the
 * DOM lib, and the published .d.ts must compile in a Node project (`lib: ["ES2022"]`, no DOM).
 */
export type WasmBytes = ArrayBuffer | ArrayBufferView<ArrayBuffer>;
/** The part of a WebAssembly.Memory the library uses (see WasmBytes for why not the DOM type). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(delta: number): number;
}

/** The raw WASM exports (one entry per exported kernel). */
export interface DspgdExports extends PassExports, PrecondExports, LinalgExports, RandomExports {
  memory: WasmMemory;
  // memory.ts
  alloc(bytes: I32): Ptr;
  free(ptr: Ptr): void;
  memoryBytes(): I32;
  // kernels/dot.ts
  dot(len: I32, x: Ptr, y: Ptr): F64;
  sumsq(len: I32, x: Ptr): F64;
  norm2(len: I32, x: Ptr): F64;
  axpy(len: I32, alpha: F64, x: Ptr, y: Ptr): void;
  axpyInto(len: I32, alpha: F64, x: Ptr, y: Ptr, out: Ptr): void;
  sub(len: I32, x: Ptr, y: Ptr, out: Ptr): void;
  copy(len: I32, src: Ptr, dst: Ptr): void;
  zero(len: I32, x: Ptr): void;
  allFinite(len: I32, x: Ptr): I32;
  // kernels/matmul.ts
  matmulXW(n: I32, d: I32, k: I32, X: Ptr, W: Ptr, out: Ptr): void;
  matmulXtV(n: I32, d: I32, k: I32, X: Ptr, V: Ptr, out: Ptr): void;
  // pass/residual_grad.ts and pass/split.ts: the pass over X (PassExports); lossRows is the main build's only
  sumStats(count: I32, src: Ptr, dst: Ptr): void;
  lossRows(i0: I32, i1: I32, k: I32, R: Ptr, D: Ptr, lossId: I32, lossParam: F64, scale: F64, stats: Ptr): void;
  // rowspace/
  gramXXt(n: I32, d: I32, X: Ptr, M: Ptr): void;
  gramXXtPacked(n: I32, d: I32, X: Ptr, P: Ptr): void;
  gramMetric(id: I32, k: I32, C: Ptr, params: Ptr, M: Ptr, scratch: Ptr): F64;
  gramMetricScratchLen(k: I32): I32;
  gramMetricSupports(id: I32): I32;
  crossDtS(n: I32, k: I32, D: Ptr, S: Ptr, C: Ptr): void;
  rightMulAdd(n: I32, k: I32, alpha: F64, D: Ptr, M: Ptr, beta: F64, out: Ptr): void;
  spectralRowFactor(n: I32, gram: Ptr, L: Ptr, perm: Ptr): I32;
  spectralRowStep(n: I32, r: I32, k: I32, L: Ptr, perm: Ptr, D: Ptr, F: Ptr, PF: Ptr, B: Ptr, eps: F64, scratch: Ptr): F64;
  spectralRowValue(n: I32, r: I32, k: I32, L: Ptr, perm: Ptr, D: Ptr, F: Ptr, eps: F64, scratch: Ptr): F64;
  // kernels/power_iteration.ts
  powerIterXtX(n: I32, d: I32, X: Ptr, v: Ptr, u: Ptr, w: Ptr, iters: I32): F64;
  /** u = X·v and w = Xᵀ·u in one pass over X (one step of powerIterXtX). */
  powerStepXtX(n: I32, d: I32, X: Ptr, v: Ptr, u: Ptr, w: Ptr): void;
  // losses/index.ts (lossRow: one row, also the fma build's import)
  lossRow(id: I32, param: F64, r: Ptr, g: Ptr, k: I32, scale: F64): F64;
  lossEval(id: I32, param: F64, R: Ptr, Gout: Ptr, n: I32, k: I32, scale: F64): F64;
}

export interface Wasm {
  readonly exports: DspgdExports;
  /** The module's ABI constants (batch record layout, norm threshold), checked at load (abi.ts). */
  readonly abi: Abi;
  /** A Float64Array view of `len` doubles at `ptr`. Invalidated when memory grows: do not keep it across alloc. */
  f64(ptr: Ptr, len: number): Float64Array;
  /** Allocates `len` doubles, zero-filled. Throws E_TOO_LARGE when memory cannot grow. */
  allocF64(len: number, what?: string): Ptr;
  free(ptr: Ptr): void;
  /** Bytes in live allocations made through allocF64 (freed blocks are reusable, unlike grown memory). */
  bytesInUse(): number;
  /**
   * Present when the module runs on shared memory (the threads build): worker threads
   * instantiate the same module on the same memory and run kernels on row chunks.
   */
  readonly shared?: { readonly module: object; readonly memory: WasmMemory };
  /** The pass over X in this module: the portable kernels ('simd'), bit-identical on every engine. */
  readonly simd: PassKernels;
  /**
   * The same pass from the fma build (relaxed SIMD, src/wasm/kernels.ts), instantiated on this
   * module's memory on first call; undefined where the engine has no relaxed SIMD or no fma
   * build is at hand.
   */
  fma(): Promise<PassKernels | undefined>;
}

let wasmPromise: Promise<Wasm> | undefined;
let wasmSource: (() => Promise<WasmBytes>) | undefined;
let sharedSource: (() => Promise<WasmBytes>) | undefined | null;
/** The fma builds (plain, shared); null: none (a host that set sources without them). */
let fmaSources: { plain?: () => Promise<WasmBytes>; shared?: () => Promise<WasmBytes> } | null | undefined;

type Source = WasmBytes | (() => Promise<WasmBytes>);
const asLoader = (s: Source) => (typeof s === 'function' ? s : async () => s);

/**
 * Lets a host (browser bundle, worker) say where the WASM bytes come from. `shared` is the
 * threads build (build/dspgd-shared.wasm), used when SharedArrayBuffer is available (Node, or a
 * cross-origin-isolated page); without it the module runs single-threaded. `fma` and `fmaShared`
 * are the relaxed-SIMD builds of the pass over X (build/dspgd-fma.wasm, -fma-shared.wasm) for
 * the `kernel: 'fma'` option; without them only the portable kernel is available.
 */
export function setWasmSource(source: Source, opts: { shared?: Source; fma?: Source; fmaShared?: Source } = {}): void {
  wasmSource = asLoader(source);
  sharedSource = opts.shared === undefined ? null : asLoader(opts.shared);
  fmaSources = opts.fma === undefined && opts.fmaShared === undefined ? null
    : { plain: opts.fma === undefined ? undefined : asLoader(opts.fma), shared: opts.fmaShared === undefined ? undefined : asLoader(opts.fmaShared) };
  wasmPromise = undefined;
}

const inNode = typeof process !== 'undefined' && process.versions?.node !== undefined;

/**
 * The loader's instantiate(), except that in Node it never reads the global `Response` (the
 * loader's test for a fetch Response): there that global is a lazy getter that loads undici,
 * about 40 ms of CPU in every worker thread a sweep starts. Compiled asynchronously either way;
 * in Node the compiled module is then instantiated synchronously (a browser keeps the async
 * path, which Chromium's main thread requires for big modules).
 */
async function instantiateBytes(bytes: WasmBytes, imports: Parameters<typeof instantiate>[1]): ReturnType<typeof instantiate<Record<string, unknown>>> {
  if (!inNode) return instantiate<Record<string, unknown>>(bytes, imports);
  return instantiateSync<Record<string, unknown>>(await WebAssembly.compile(bytes as BufferSource), imports);
}

/** Initial and maximum memory in 64 KiB pages (asconfig.json's initialMemory and maximumMemory). */
const INITIAL_PAGES = 16;
const MAX_PAGES = 65536;

/** The process-wide module instance. */
export function getWasm(): Promise<Wasm> {
  wasmPromise ??= (async () => {
    if (canShareMemory()) {
      const bytes = sharedSource === null ? undefined : await (sharedSource ?? (wasmSource ? undefined : defaultSharedSource))?.();
      if (bytes) {
        const memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES, shared: true });
        const { module, instance, exports } = await instantiateBytes(bytes, { env: { memory } });
        return makeWasm(exports as unknown as DspgdExports, loadAbi(instance), instance, { module, memory });
      }
    }
    const bytes = await (wasmSource ?? defaultSource)();
    const { instance, exports } = await instantiateBytes(bytes, {});
    return makeWasm(exports as unknown as DspgdExports, loadAbi(instance), instance);
  })();
  return wasmPromise;
}

/** wasm32 addresses at most 4 GiB. */
export const WASM_MAX_BYTES = 4 * 1024 * 1024 * 1024;
/**
 * The largest single array: what is left of the 4 GiB address space after the module's first
 * INITIAL_PAGES (its static data, stack and the allocator's root). Blocks above
 * {@link TLSF_MAX_BLOCK_BYTES} do not come from AssemblyScript's allocator (see makeWasm).
 */
export const WASM_MAX_ARRAY_BYTES = WASM_MAX_BYTES - INITIAL_PAGES * 65536;
/**
 * The largest block AssemblyScript's TLSF allocator hands out (BLOCK_MAXSIZE = 2^30 minus its
 * overhead; kept a little below it). Larger blocks are whole pages grown for them.
 */
const TLSF_MAX_BLOCK_BYTES = 2 ** 30 - 64;

/** The raw exports (the loader wraps functions, hiding their arity) against the TypeScript side. */
const loadAbi = (instance: WebAssembly.Instance): Abi => checkAbi(instance.exports, { precond: PRECOND_IDS, loss: LOSS_IDS });

/**
 * The fma build on the main module's memory. It has no data segment and allocates nothing
 * (assembly/fma.ts), so instantiating it changes no byte of that memory; it calls the main
 * module's lossRow, so both agree on every loss.
 */
async function loadFma(instance: WebAssembly.Instance, shared: Wasm['shared']): Promise<PassKernels | undefined> {
  if (!relaxedSimdSupported()) return undefined;
  const src = fmaSources === undefined ? { plain: () => defaultFmaSource(false), shared: () => defaultFmaSource(true) } : fmaSources;
  const bytes = await (shared ? src?.shared : src?.plain)?.();
  if (!bytes) return undefined;
  const raw = instance.exports as Record<string, unknown>;
  const module = await WebAssembly.compile(bytes as BufferSource);
  const fma = await WebAssembly.instantiate(module, { env: { memory: (shared?.memory ?? raw.memory) as WebAssembly.Memory }, dspgd: { lossRow: raw.lossRow as () => number } });
  const e = fma.exports as unknown as Omit<PassKernels, 'name' | 'module'>;
  return {
    name: 'fma', residualGrad: e.residualGrad, residualGradRows: e.residualGradRows, residualGradBatch: e.residualGradBatch,
    residualRows: e.residualRows, gradPanel: e.gradPanel, module: shared ? module : undefined,
  };
}

function makeWasm(exports: DspgdExports, abi: Abi, instance: WebAssembly.Instance, shared?: Wasm['shared']): Wasm {
  // Sizes of the live blocks, so "in use" means allocated, not "memory has grown to"
  // (linear memory never shrinks; freed blocks are reused).
  const live = new Map<number, number>();
  let inUse = 0;
  let fma: Promise<PassKernels | undefined> | undefined;
  // Blocks over TLSF's limit are pages this side grows memory by: TLSF takes its next growth
  // from memory.size() on and treats the pages before it as not its own (its addMemory allows
  // a gap for exactly this), so such a block stays out of its lists. Freed, these regions are
  // kept here (never given to TLSF) for the next large block: best fit, merged when adjacent.
  const big = new Set<number>();
  const bigFree: { ptr: number; bytes: number }[] = [];
  let tlsfReady = false;
  const allocBig = (bytes: number): number => {
    // TLSF sets itself up at its first allocation and then takes all memory up to
    // memory.size() as its own: it must do so before pages are grown for a large block.
    if (!tlsfReady) {
      exports.free(exports.alloc(8));
      tlsfReady = true;
    }
    let best = -1;
    for (let i = 0; i < bigFree.length; i++) {
      if (bigFree[i].bytes >= bytes && (best < 0 || bigFree[i].bytes < bigFree[best].bytes)) best = i;
    }
    if (best >= 0) {
      const r = bigFree.splice(best, 1)[0];
      new Float64Array(exports.memory.buffer, r.ptr, Math.ceil(bytes / 8)).fill(0);
      live.set(r.ptr, r.bytes);
      return r.ptr;
    }
    const size = Math.ceil(bytes / 65536) * 65536;
    // Fresh pages are zero: no fill. grow() throws a RangeError past the maximum (4 GiB).
    const ptr = exports.memory.grow(size / 65536) * 65536;
    live.set(ptr, size);
    return ptr;
  };
  const freeBig = (ptr: number, bytes: number): void => {
    let r = { ptr, bytes };
    for (let i = bigFree.length - 1; i >= 0; i--) {
      const f = bigFree[i];
      if (f.ptr + f.bytes === r.ptr || r.ptr + r.bytes === f.ptr) {
        r = { ptr: Math.min(f.ptr, r.ptr), bytes: f.bytes + r.bytes };
        bigFree.splice(i, 1);
      }
    }
    bigFree.push(r);
  };
  return {
    exports,
    abi,
    shared,
    simd: {
      name: 'simd', residualGrad: exports.residualGrad, residualGradRows: exports.residualGradRows, residualGradBatch: exports.residualGradBatch,
      residualRows: exports.residualRows, gradPanel: exports.gradPanel,
    },
    fma() {
      fma ??= loadFma(instance, shared).catch(() => undefined);
      return fma;
    },
    f64(ptr, len) {
      return new Float64Array(exports.memory.buffer, ptr >>> 0, len);
    },
    allocF64(len, what = 'buffer') {
      const bytes = len * 8;
      if (!Number.isFinite(bytes) || bytes < 0 || bytes + inUse > WASM_MAX_BYTES - 65536) {
        throw new DspgdError('E_TOO_LARGE',
          `${what}: ${formatBytes(bytes)} does not fit in WASM memory (4 GiB address space, ${formatBytes(inUse)} in use)`);
      }
      if (bytes > WASM_MAX_ARRAY_BYTES) {
        throw new DspgdError('E_TOO_LARGE',
          `${what}: one array of ${formatBytes(bytes)} is more than the ${WASM_MAX_ARRAY_BYTES / 2 ** 20} MiB one array can have in WASM memory`);
      }
      let ptr: number;
      if (bytes > TLSF_MAX_BLOCK_BYTES) {
        try {
          ptr = allocBig(bytes);
        } catch (e) {
          throw new DspgdError('E_TOO_LARGE',
            `${what}: could not allocate ${formatBytes(bytes)} in WASM memory (${formatBytes(exports.memory.buffer.byteLength)} of the 4 GiB already taken)`,
            undefined, { cause: e });
        }
        big.add(ptr);
        inUse += live.get(ptr)!;
        return ptr;
      }
      try {
        // usize comes back as a signed i32: addresses above 2 GiB would be negative.
        ptr = exports.alloc(Math.max(bytes, 8)) >>> 0;
      } catch (e) {
        throw new DspgdError('E_TOO_LARGE', `${what}: could not allocate ${formatBytes(bytes)} in WASM memory`, undefined, { cause: e });
      }
      new Float64Array(exports.memory.buffer, ptr, len).fill(0);
      live.set(ptr, Math.max(bytes, 8));
      inUse += Math.max(bytes, 8);
      return ptr;
    },
    free(ptr) {
      const p = ptr >>> 0;
      const size = live.get(p);
      if (size !== undefined) {
        live.delete(p);
        inUse -= size;
      }
      if (big.delete(p)) freeBig(p, size!);
      else exports.free(p);
    },
    bytesInUse() {
      return inUse;
    },
  };
}

export function formatBytes(b: number): string {
  if (b >= 2 ** 30) return `${(b / 2 ** 30).toFixed(2)} GiB`;
  if (b >= 2 ** 20) return `${(b / 2 ** 20).toFixed(1)} MiB`;
  if (b >= 2 ** 10) return `${(b / 2 ** 10).toFixed(1)} KiB`;
  return `${b} B`;
}
