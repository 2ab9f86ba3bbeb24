/**
 * Whether this thread can use shared WASM memory and post a SharedArrayBuffer to a worker:
 * always in Node; in a browser only when the page is cross-origin isolated (COOP/COEP).
 */
export function canShareMemory(): boolean {
  if (typeof SharedArrayBuffer === 'undefined' || typeof Atomics === 'undefined') return false;
  const g = globalThis as { crossOriginIsolated?: boolean; process?: { versions?: { node?: string } } };
  return g.process?.versions?.node !== undefined || g.crossOriginIsolated === true;
}
