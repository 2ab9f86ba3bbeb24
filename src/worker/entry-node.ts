/** The worker_threads program behind createRunner() in Node (bundled to dist/worker-thread.js). */
import { parentPort } from 'node:worker_threads';
import { serve } from './host.js';
import type { Request } from './protocol.js';

if (!parentPort) throw new Error('dspgd worker-thread: must run as a worker_threads Worker');
const port = parentPort;
serve({
  post: (msg, transfer) => port.postMessage(msg, transfer),
  listen: (handler) => port.on('message', (m: Request) => handler(m)),
});
