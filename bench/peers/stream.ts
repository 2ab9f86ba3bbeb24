/**
 * The memory-bandwidth limit: one streaming read of X's bytes in place (dspgd's
 * WASM memory), f64x2 lanes with four accumulators (assembly/bench/stream_read.ts).
 * No iteration reads X faster than this, so dspgd's GB/s is judged against it.
 */
import type { BandwidthPeer } from '../types.js';
import { benchKernels } from '../kernels.js';

export function streamPeer(): BandwidthPeer {
  let sink = 0;
  return {
    kind: 'bandwidth', name: 'stream', label: 'streaming-read WASM kernel', precision: 'f64',
    note: 'reads the bytes of X once (f64x2, 4 accumulators): the memory-bandwidth limit',
    available: async () => true,
    async prepare(p) {
      const problem = p.dspgd;
      const { streamRead } = await benchKernels(problem.wasmInstance);
      return {
        async read(times) {
          const ptr = problem.ptr.X, len = p.n * p.d;
          const t0 = performance.now();
          // The sum is kept so the read is not dead code to any optimizer.
          for (let i = 0; i < times; i++) sink += streamRead(ptr, len);
          return performance.now() - t0;
        },
        dispose() {},
      };
    },
    info: () => ({ checksum: sink }),
  };
}
