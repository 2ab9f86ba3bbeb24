/**
 * The browser twin of source.node.ts (scripts/browser-build.mjs swaps it in): a browser bundle
 * always says where its WASM comes from (src/browser/embedded.ts or beside.ts), so reaching
 * this means that step was skipped.
 */
import { DspgdError } from '../errors.js';
import type { WasmBytes } from './module.js';

export async function defaultSource(): Promise<WasmBytes> {
  throw new DspgdError('E_IO', 'no WASM source in this browser bundle: call setWasmSource(bytes) first');
}

export async function defaultSharedSource(): Promise<WasmBytes | undefined> {
  return undefined;
}

export async function defaultFmaSource(_shared: boolean): Promise<WasmBytes | undefined> {
  return undefined;
}
