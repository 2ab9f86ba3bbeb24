/**
 * Where the WASM builds come from in Node when no host called setWasmSource: build/ at the
 * package root, or the files named by DSPGD_WASM / DSPGD_WASM_SHARED. Browser bundles replace
 * this module with source.browser.ts, so no Node path (and no `new URL(…)` that a bundler would
 * try to resolve or copy) reaches a page.
 */
import { DspgdError } from '../errors.js';
import { nodeBuiltin } from '../util/node-builtin.js';
import type { WasmBytes } from './module.js';

export async function defaultSharedSource(): Promise<WasmBytes | undefined> {
  const env = typeof process !== 'undefined' ? process.env : undefined;
  if (env?.DSPGD_THREADS === '0') return undefined;
  const { readFile } = await nodeBuiltin<typeof import('node:fs/promises')>('fs/promises');
  if (env?.DSPGD_WASM_SHARED) return readFile(env.DSPGD_WASM_SHARED);
  // A private plain build (DSPGD_WASM) without its shared twin means: run that build, single-threaded.
  if (env?.DSPGD_WASM) return undefined;
  for (const url of [new URL('../../build/dspgd-shared.wasm', import.meta.url), new URL('../build/dspgd-shared.wasm', import.meta.url)]) {
    try {
      return await readFile(url);
    } catch {
      // try the next location
    }
  }
  return undefined;
}

export async function defaultSource(): Promise<WasmBytes> {
  // Node: the module sits in build/ at the package root; this file is either
  // src/wasm/source.node.ts (tests) or dist/index.js (built package).
  const { readFile } = await nodeBuiltin<typeof import('node:fs/promises')>('fs/promises');
  // DSPGD_WASM points at another build (e.g. a debug build, or a private one while developing).
  const override = typeof process !== 'undefined' ? process.env?.DSPGD_WASM : undefined;
  if (override) return readFile(override);
  const candidates = [
    new URL('../../build/dspgd.wasm', import.meta.url),
    new URL('../build/dspgd.wasm', import.meta.url),
  ];
  for (const url of candidates) {
    try {
      return await readFile(url);
    } catch {
      // try the next location
    }
  }
  throw new DspgdError('E_IO', 'build/dspgd.wasm not found: run `npm run build` (npm install does it) first');
}

/**
 * The fma build (relaxed SIMD): DSPGD_WASM_FMA / DSPGD_WASM_FMA_SHARED, else beside the
 * DSPGD_WASM build when one is named, else build/; undefined when it is not there.
 */
export async function defaultFmaSource(shared: boolean): Promise<WasmBytes | undefined> {
  const { readFile } = await nodeBuiltin<typeof import('node:fs/promises')>('fs/promises');
  const name = shared ? 'dspgd-fma-shared.wasm' : 'dspgd-fma.wasm';
  const env = typeof process !== 'undefined' ? process.env : undefined;
  const override = shared ? env?.DSPGD_WASM_FMA_SHARED : env?.DSPGD_WASM_FMA;
  if (override) return readFile(override);
  const { pathToFileURL } = await nodeBuiltin<typeof import('node:url')>('url');
  const candidates = env?.DSPGD_WASM
    ? [new URL(name, pathToFileURL(env.DSPGD_WASM))]
    : [new URL(`../../build/${name}`, import.meta.url), new URL(`../build/${name}`, import.meta.url)];
  for (const url of candidates) {
    try {
      return await readFile(url);
    } catch {
      // try the next location
    }
  }
  return undefined;
}
