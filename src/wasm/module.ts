/**
 * Loads the AssemblyScript module once per process (or page) and exposes its
 * exports with types. Kernels take byte pointers into linear memory; see
 * assembly/index.ts for the list and each kernel's file for its contract.
 */
import { instantiate } from '@assemblyscript/loader';
import { DspgdError } from '../errors.js';
import { canShareMemory } from '../util/shared-memory.js';
// Node reads the builds from build/; browser bundles take source.browser.ts instead (scripts/browser-build.mjs).
import { defaultSource, defaultSharedSource, defaultFmaSource } from './source.node.js';
import { relaxedSimdSupported, type PassKernels } from './kernels.js';
import type { PrecondExports } from './exports/precond.js';
import type { LinalgExports } from './exports/linalg.js';
import type { RandomExports } from './exports/random.js';
import { checkAbi, type Abi } from './abi.js';
import { PRECOND_IDS } from '../precond/builtins.js';
import { LOSS_IDS } from '../losses/index.js';

type Ptr = number;

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
export interface DspgdExports extends PrecondExports, LinalgExports, RandomExports {
  memory: WasmMemory;
  // memory.ts
  alloc(bytes: number): Ptr;
  free(ptr: Ptr): void;
  memoryBytes(): number;
  // kernels/dot.ts
  dot(len: number, x: Ptr, y: Ptr): number;
  sumsq(len: number, x: Ptr): number;
  norm2(len: number, x: Ptr): number;
  axpy(len: number, alpha: number, x: Ptr, y: Ptr): void;
  axpyInto(len: number, alpha: number, x: Ptr, y: Ptr, out: Ptr): void;
  sub(len: number, x: Ptr, y: Ptr, out: Ptr): void;
  copy(len: number, src: Ptr, dst: Ptr): void;
  zero(len: number, x: Ptr): void;
  allFinite(len: number, x: Ptr): number;
  // kernels/matmul.ts
  matmulXW(n: number, d: number, k: number, X: Ptr, W: Ptr, out: Ptr): void;
  matmulXtV(n: number, d: number, k: number, X: Ptr, V: Ptr, out: Ptr): void;
  // kernels/residual_grad.ts
  residualGrad(
    n: number, d: number, k: number,
    X: Ptr, W: Ptr, Y: Ptr, G: Ptr, R: Ptr, D: Ptr,
    lossId: number, lossParam: number, scale: number, stats: Ptr,
  ): void;
  residualGradRows(
    i0: number, i1: number, d: number, k: number,
    X: Ptr, W: Ptr, Y: Ptr, G: Ptr, R: Ptr, D: Ptr,
    lossId: number, lossParam: number, scale: number, stats: Ptr,
  ): void;
  sumStats(count: number, src: Ptr, dst: Ptr): void;
  residualGradBatch(i0: number, i1: number, d: number, k: number, X: Ptr, Y: Ptr, count: number, table: Ptr): void;
  // rowspace/
  gramXXt(n: number, d: number, X: Ptr, M: Ptr): void;
  gramMetric(id: number, k: number, C: Ptr, params: Ptr, M: Ptr, scratch: Ptr): number;
  gramMetricScratchLen(k: number): number;
  gramMetricSupports(id: number): number;
  crossDtS(n: number, k: number, D: Ptr, S: Ptr, C: Ptr): void;
  rightMulAdd(n: number, k: number, alpha: number, D: Ptr, M: Ptr, beta: number, out: Ptr): void;
  spectralRowFactor(n: number, gram: Ptr, L: Ptr, perm: Ptr): number;
  spectralRowStep(n: number, r: number, k: number, L: Ptr, perm: Ptr, D: Ptr, F: Ptr, PF: Ptr, B: Ptr, eps: number, scratch: Ptr): number;
  spectralRowValue(n: number, r: number, k: number, L: Ptr, perm: Ptr, D: Ptr, F: Ptr, eps: number, scratch: Ptr): number;
  // kernels/power_iteration.ts
  powerIterXtX(n: number, d: number, X: Ptr, v: Ptr, u: Ptr, iters: number): number;
  // losses/index.ts (lossRow: one row, also the fma build's import)
  lossRow(id: number, param: number, r: Ptr, g: Ptr, k: number, scale: number): number;
  lossEval(id: number, param: number, R: Ptr, Gout: Ptr, n: number, k: number, scale: number): number;
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
        const { module, instance, exports } = await instantiate<Record<string, unknown>>(bytes, { env: { memory } });
        return makeWasm(exports as unknown as DspgdExports, loadAbi(instance), instance, { module, memory });
      }
    }
    const bytes = await (wasmSource ?? defaultSource)();
    const { instance, exports } = await instantiate<Record<string, unknown>>(bytes, {});
    return makeWasm(exports as unknown as DspgdExports, loadAbi(instance), instance);
  })();
  return wasmPromise;
}

/** wasm32 addresses at most 4 GiB. */
export const WASM_MAX_BYTES = 4 * 1024 * 1024 * 1024;
/**
 * The largest single block AssemblyScript's TLSF allocator hands out
 * (BLOCK_MAXSIZE = 2^30 − overhead; kept a little below it): one array of
 * more than 1 GiB cannot exist even when the total would fit in 4 GiB.
 */
export const WASM_MAX_ARRAY_BYTES = 2 ** 30 - 64;

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
  return { name: 'fma', residualGrad: e.residualGrad, residualGradRows: e.residualGradRows, residualGradBatch: e.residualGradBatch, module: shared ? module : undefined };
}

function makeWasm(exports: DspgdExports, abi: Abi, instance: WebAssembly.Instance, shared?: Wasm['shared']): Wasm {
  // Sizes of the live blocks, so "in use" means allocated, not "memory has grown to"
  // (linear memory never shrinks; freed blocks are reused).
  const live = new Map<number, number>();
  let inUse = 0;
  let fma: Promise<PassKernels | undefined> | undefined;
  return {
    exports,
    abi,
    shared,
    simd: { name: 'simd', residualGrad: exports.residualGrad, residualGradRows: exports.residualGradRows, residualGradBatch: exports.residualGradBatch },
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
          `${what}: one array of ${formatBytes(bytes)} is more than the WASM allocator's limit of 1 GiB per array`);
      }
      let ptr: number;
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
      exports.free(p);
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
