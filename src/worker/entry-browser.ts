/**
 * The Web Worker program behind createRunner() in a browser (bundled to
 * dspgd.worker.js). Both WASM builds are embedded, so the worker needs no other
 * file and works offline.
 */
import '../browser/embedded.js';
import { serve } from './host.js';
import type { Request } from './protocol.js';

const scope = globalThis as unknown as {
  postMessage(msg: unknown, transfer: Transferable[]): void;
  onmessage: ((ev: MessageEvent<Request>) => void) | null;
};
serve({
  post: (msg, transfer) => scope.postMessage(msg, transfer),
  listen: (handler) => { scope.onmessage = (ev) => handler(ev.data); },
});
