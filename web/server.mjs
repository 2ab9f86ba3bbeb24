#!/usr/bin/env node
// A small static server for the demo and bench pages (dist/web/, built by `npm run build`) on
// localhost. It sends COOP/COEP so the pages are cross-origin isolated: SharedArrayBuffer, and so
// the threads build of the WASM module, are only available to isolated pages.
//   node web/server.mjs [--port N]   (or PORT=N; 0 picks a free port)
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.map': 'application/json', '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.npy': 'application/octet-stream', '.csv': 'text/csv; charset=utf-8',
};

/**
 * Serves `dist/web/` at `/` and `dist/` at `/dist/` (the bundles, for plain pages that import them).
 * `isolated: false` leaves out COOP/COEP (to see the page as a plain host would serve it);
 * `mounts` ([url prefix, folder] pairs, most specific first) serves other folders instead.
 */
export function startServer({ port = 0, host = '127.0.0.1', isolated = true, root = ROOT, mounts } = {}) {
  mounts ??= [['/dist/', join(root, 'dist')], ['/', join(root, 'dist', 'web')]];
  const server = createServer(async (req, res) => {
    const headers = isolated
      ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cross-Origin-Resource-Policy': 'same-origin' }
      : {};
    try {
      let path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      if (path.endsWith('/')) path += 'index.html';
      const mount = mounts.find(([p]) => path.startsWith(p));
      if (!mount) throw Object.assign(new Error('no such folder'), { code: 'ENOENT' });
      const [prefix, dir] = mount;
      const file = normalize(join(dir, path.slice(prefix.length)));
      if (!file.startsWith(dir + sep)) throw Object.assign(new Error('outside the served folder'), { code: 'ENOENT' });
      if (!(await stat(file)).isFile()) throw Object.assign(new Error('not a file'), { code: 'ENOENT' });
      const body = await readFile(file);
      res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (e) {
      const missing = e && (e.code === 'ENOENT' || e.code === 'ENOTDIR');
      res.writeHead(missing ? 404 : 500, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(missing ? `not found: ${req.url}${req.url === '/' ? ' (run `npm run build` first)' : ''}\n` : `error: ${e}\n`);
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: actual } = server.address();
      resolve({ server, port: actual, url: `http://${host}:${actual}/`, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

function portArg(argv) {
  const i = argv.findIndex((a) => a === '--port' || a.startsWith('--port='));
  const raw = i < 0 ? process.env.PORT : argv[i].includes('=') ? argv[i].split('=')[1] : argv[i + 1];
  if (raw === undefined) return 8787;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    console.error(`dspgd web: --port expects an integer in 0..65535, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return n;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const { url } = await startServer({ port: portArg(process.argv.slice(2)) });
    console.log(`dspgd web: demo ${url}  bench ${url}bench.html  (Ctrl-C to stop)`);
  } catch (e) {
    console.error(`dspgd web: could not listen: ${e.message}${e.code === 'EADDRINUSE' ? ' (try --port 0 for a free port)' : ''}`);
    process.exit(1);
  }
}
