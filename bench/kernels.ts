/**
 * The benchmark-only kernels (assembly/bench/): a separate WASM module, so the production
 * module does not carry them. It imports the memory of dspgd's module instance, so
 * streamRead reads a problem's X in place; the plain or the shared build is picked to
 * match that memory.
 */
import type { Wasm } from '../src/wasm/module.js';
import { nodeBuiltin } from '../src/util/node-builtin.js';

/** Typed signatures of the benchmark module's exports (pointers are byte offsets into dspgd's memory). */
export interface BenchExports {
  /** Σ x[i], i < len: one streaming read of len doubles (the memory-bandwidth limit). See assembly/bench/stream_read.ts. */
  streamRead(x: number, len: number): number;
  /** 48·steps flops of independent f64x2 multiply-adds in registers (the arithmetic limit). See assembly/bench/mul_add_peak.ts. */
  mulAddPeak(steps: number, seed: number): number;
  /** The same with a ← z + a·y: multiplies V8 cannot share (the rate of separate multiplies and adds). See assembly/bench/mul_add_peak.ts. */
  mulAddChainPeak(steps: number, seed: number): number;
}

type Source = BufferSource | (() => Promise<BufferSource>);
let sources: { plain: Source; shared?: Source } | undefined;
const instances = new WeakMap<WebAssembly.Memory, Promise<BenchExports>>();

/** Where the bench module's bytes come from (a browser page); Node reads build/dspgd-bench*.wasm. */
export function setBenchWasmSource(plain: Source, opts: { shared?: Source } = {}): void {
  sources = { plain, shared: opts.shared };
}

async function nodeBytes(file: string): Promise<BufferSource> {
  const { readFile } = await nodeBuiltin<typeof import('node:fs/promises')>('fs/promises');
  // bench/kernels.ts (sources) or dist/bench.js, dist/cli.js (built): build/ is one level up from both.
  return readFile(new URL(`../build/${file}`, import.meta.url));
}

/** The bench kernels, instantiated once per dspgd memory. */
export function benchKernels(wasm: Wasm): Promise<BenchExports> {
  // The public type is a structural stand-in (no DOM lib in users' type checks); at run time it is the module's Memory.
  const memory = wasm.exports.memory as WebAssembly.Memory;
  let p = instances.get(memory);
  if (!p) {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    p = (async () => {
      const src = sources ? (shared ? sources.shared : sources.plain) : () => nodeBytes(shared ? 'dspgd-bench-shared.wasm' : 'dspgd-bench.wasm');
      if (src === undefined) throw new Error('bench: no shared-memory bench module was given to setBenchWasmSource');
      const bytes = typeof src === 'function' ? await src() : src;
      const { instance } = await WebAssembly.instantiate(bytes, { env: { memory } });
      return instance.exports as unknown as BenchExports;
    })();
    instances.set(memory, p);
  }
  return p;
}
