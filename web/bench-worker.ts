/**
 * The bench page's worker: the same runtime-agnostic suite as `npm run bench`
 * (bench/suite.ts), with the peers that run in a browser (JS reference,
 * ml-matrix, tfjs-wasm, streaming read). NumPy and the memory section need
 * Node (python3, child processes) and are not offered here. Timing in a worker
 * keeps the page responsive and the UI thread out of the measurements.
 */
import plain from '../build/dspgd.wasm';
import shared from '../build/dspgd-shared.wasm';
import benchPlain from '../build/dspgd-bench.wasm';
import benchShared from '../build/dspgd-bench-shared.wasm';
import { setWasmSource } from '../src/wasm/module.js';
import { VERSION } from '../src/version.js';
import { runSuite, WORKLOADS, BENCH_PRECONDS, type BenchPrecond, type BrowserEnvironment, type Peer } from '../bench/suite.js';
import { relaxedSimdSupported } from '../src/wasm/kernels.js';
import { formatTable } from '../bench/format.js';
import { jsReferencePeer } from '../bench/peers/js-reference.js';
import { mlMatrixPeer } from '../bench/peers/ml-matrix.js';
import { tfjsPeer } from '../bench/peers/tfjs.js';
import { streamPeer } from '../bench/peers/stream.js';
import { setBenchWasmSource } from '../bench/kernels.js';
import type { BenchMessage, BenchRequest } from './bench-protocol.js';

setWasmSource(plain, { shared });
setBenchWasmSource(benchPlain, { shared: benchShared });

export const BROWSER_PEERS: Record<string, () => Peer> = {
  js: jsReferencePeer,
  'ml-matrix': mlMatrixPeer,
  // tfjs's own .wasm files are copied beside the page (dist/web/tfjs/) by the build.
  tfjs: () => tfjsPeer({ wasmPaths: new URL('./tfjs/', self.location.href).href }),
  stream: streamPeer,
};

const post = (m: BenchMessage) => (self as unknown as { postMessage(m: BenchMessage): void }).postMessage(m);

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(d.slice(0, 8), (b) => b.toString(16).padStart(2, '0')).join('');
}

async function environment(req: BenchRequest, seconds: number): Promise<BrowserEnvironment> {
  const nav = navigator as Navigator & { deviceMemory?: number; userAgentData?: { platform?: string } };
  return {
    runtime: 'browser', userAgent: nav.userAgent, platform: nav.userAgentData?.platform ?? nav.platform,
    cores: nav.hardwareConcurrency, deviceMemoryGB: nav.deviceMemory, crossOriginIsolated: globalThis.crossOriginIsolated === true,
    dspgd: VERSION, relaxedSimd: relaxedSimdSupported(),
    wasm: { plain: { bytes: plain.length, sha256: await sha256(plain) }, shared: { bytes: shared.length, sha256: await sha256(shared) } },
    request: req, totalSeconds: seconds,
  };
}

self.onmessage = async (ev: MessageEvent<BenchRequest>) => {
  const req = ev.data;
  const t0 = performance.now();
  try {
    const workloads = req.workloads.map((id) => {
      const w = WORKLOADS[id as keyof typeof WORKLOADS];
      if (!w) throw new Error(`unknown workload ${id}`);
      return w;
    });
    const preconds = req.preconds.filter((p): p is BenchPrecond => (BENCH_PRECONDS as readonly string[]).includes(p));
    const peers = req.peers.map((name) => {
      const make = BROWSER_PEERS[name];
      if (!make) throw new Error(`peer ${name} does not run in a browser (browser peers: ${Object.keys(BROWSER_PEERS).join(', ')})`);
      return make();
    });
    const result = await runSuite({
      workloads, preconds, peers, quick: req.quick, threads: req.threads,
      sections: {
        rowspace: req.sections.rowspace ? undefined : false,
        batch: req.sections.batch ? undefined : false,
        threads: req.sections.threads ? undefined : false,
      },
      onProgress: (event) => post({ type: 'progress', event, elapsedMs: performance.now() - t0 }),
    });
    result.environment = await environment(req, (performance.now() - t0) / 1000);
    post({ type: 'result', result, table: formatTable(result) });
  } catch (e) {
    post({ type: 'error', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
  }
};
