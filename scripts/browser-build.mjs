// The browser side of the build (called from build.mjs): bundles for <script type="module">,
// the Web Worker program, and the demo and bench pages in dist/web/.
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildDemoPage } from './web-page.mjs';

// A module `x.node.ts` (Node-only code: reading build/*.wasm, worker_threads) has a browser twin
// `x.browser.ts` with the same exports. Browser bundles take the twin, so no Node path reaches a
// page, and no `new URL('…', import.meta.url)` to a Node-only file is left for a user's bundler
// to resolve or copy (Vite would warn about each, and emit the Node worker as an asset).
const browserTwins = {
  name: 'browser-twins',
  setup(b) {
    b.onResolve({ filter: /\.node\.js$/ }, (args) => {
      const twin = join(args.resolveDir, args.path.replace(/\.node\.js$/, '.browser.ts'));
      if (!existsSync(twin)) return { errors: [{ text: `${args.path} has no browser twin (${twin})` }] };
      return { path: twin };
    });
  },
};

export async function buildBrowser(define) {
  const common = {
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: true,
    define,
    loader: { '.wasm': 'binary' },
    plugins: [browserTwins],
    logLevel: 'warning',
  };
  // No node: module may reach a page: the codecs are runtime-agnostic, Node-only code sits in
  // src/io/node/ (never imported from a browser entry), and code that picks its runtime at run
  // time loads Node built-ins through util/node-builtin.ts. A node: import would fail here.
  await build({ ...common, entryPoints: ['src/browser/index.ts'], outfile: 'dist/dspgd.browser.js' });
  await build({ ...common, entryPoints: ['src/browser/external.ts'], outfile: 'dist/dspgd.browser-external.js' });
  await build({ ...common, entryPoints: ['src/worker/entry-browser.ts'], outfile: 'dist/dspgd.worker.js' });
  await build({ ...common, entryPoints: ['src/worker/index.ts'], outfile: 'dist/worker.browser.js' });
  for (const f of ['dspgd.wasm', 'dspgd-shared.wasm', 'dspgd-fma.wasm', 'dspgd-fma-shared.wasm']) copyFileSync(`build/${f}`, `dist/${f}`);

  mkdirSync('dist/web', { recursive: true });
  const pages = ['web/app.ts', 'web/data-worker.ts', 'web/bench.ts', 'web/bench-worker.ts'].filter((f) => existsSync(f));
  await build({ ...common, entryPoints: pages, outdir: 'dist/web', entryNames: '[name]' });
  copyFileSync('dist/dspgd.worker.js', 'dist/web/dspgd.worker.js');
  for (const f of ['bench.html', 'style.css']) if (existsSync(`web/${f}`)) copyFileSync(`web/${f}`, `dist/web/${f}`);
  buildDemoPage('dist/web');
  // The bench page's tfjs peer loads its backend's own .wasm files from here.
  const tfjs = 'node_modules/@tensorflow/tfjs-backend-wasm/dist';
  if (existsSync(tfjs)) {
    mkdirSync('dist/web/tfjs', { recursive: true });
    for (const f of readdirSync(tfjs).filter((n) => n.endsWith('.wasm'))) copyFileSync(`${tfjs}/${f}`, `dist/web/tfjs/${f}`);
  }
}
