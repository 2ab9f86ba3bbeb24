/**
 * Node 20 and 21 compile WebAssembly relaxed SIMD (the fma kernel) only behind a V8 flag, on
 * by default from Node 22. The CLI is an application, so when --kernel asks for fma it turns
 * the flag on for its own process before the module is loaded; the library never does (a
 * host decides its engine's flags). Harmless where the feature is already on.
 */
import { nodeBuiltin } from '../util/node-builtin.js';

export async function enableRelaxedSimd(): Promise<void> {
  const major = Number(process.versions.node.split('.')[0]);
  if (major >= 22) return;
  const v8 = await nodeBuiltin<typeof import('node:v8')>('v8');
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
}
